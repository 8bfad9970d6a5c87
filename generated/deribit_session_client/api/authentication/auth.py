from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._operations import OPERATIONS
from ...models.auth_response import AuthResponse
from ...models.error_response import ErrorResponse
from ...models.grant_type import GrantType
from ...types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ..._core.ws.client import WebSocketClient
    from ...client import AuthenticatedClient, Client, TimeoutTypes


_OPERATION = OPERATIONS["auth"]

_MODELS: dict[int, type[Any]] = {
    200: AuthResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def sync_detailed(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    grant_type: GrantType,
    client_id: str | Unset = UNSET,
    client_secret: str | Unset = UNSET,
    refresh_token: str | Unset = UNSET,
    timestamp: int | Unset = UNSET,
    signature: str | Unset = UNSET,
    nonce: str | Unset = UNSET,
    data: str | Unset = UNSET,
    state: str | Unset = UNSET,
    scope: str | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[AuthResponse | ErrorResponse]:
    """Retrieve an Oauth access token, to be used for authentication of 'private' requests.

    Three grant types: `client_credentials` (`client_id` and `client_secret`: the secret
    crosses the wire), `client_signature` (`client_id`, `timestamp`, `nonce`, `signature`
    and optional `data`: the secret never leaves the client; the signature is the
    lowercase hex HMAC-SHA256 of `timestamp + "\\n" + nonce + "\\n" + data` keyed with the
    client secret) and `refresh_token`. Over WebSocket a successful call also authenticates
    the connection: later private calls on it need no token.

    `scope` is a space-separated list: `connection` (the default: the token lives and dies
    with its WebSocket connection), `session:NAME` (the token survives reconnects until it
    expires), `expires:SECONDS`, `account:read_write`, ... The timestamp must be within
    60 s of the server's clock and a nonce is single-use.

    Not marked `x-idempotent`: a signature's nonce is single-use and a refresh token is
    spent by its first use, so a repeat is refused.

    Args:
        client: The client to send with.
        grant_type (GrantType): How `public/auth` authenticates.
        client_id (str | Unset):
        client_secret (str | Unset):
        refresh_token (str | Unset):
        timestamp (int | Unset):
        signature (str | Unset):
        nonce (str | Unset):
        data (str | Unset):
        state (str | Unset):
        scope (str | Unset):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[AuthResponse | ErrorResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return client._detailed_sync(
        _OPERATION,
        {
            "grant_type": grant_type,
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
            "timestamp": timestamp,
            "signature": signature,
            "nonce": nonce,
            "data": data,
            "state": state,
            "scope": scope,
        },
        _MODELS,
        timeout,
    )


def sync(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    grant_type: GrantType,
    client_id: str | Unset = UNSET,
    client_secret: str | Unset = UNSET,
    refresh_token: str | Unset = UNSET,
    timestamp: int | Unset = UNSET,
    signature: str | Unset = UNSET,
    nonce: str | Unset = UNSET,
    data: str | Unset = UNSET,
    state: str | Unset = UNSET,
    scope: str | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> AuthResponse:
    """Retrieve an Oauth access token, to be used for authentication of 'private' requests.

    Three grant types: `client_credentials` (`client_id` and `client_secret`: the secret
    crosses the wire), `client_signature` (`client_id`, `timestamp`, `nonce`, `signature`
    and optional `data`: the secret never leaves the client; the signature is the
    lowercase hex HMAC-SHA256 of `timestamp + "\\n" + nonce + "\\n" + data` keyed with the
    client secret) and `refresh_token`. Over WebSocket a successful call also authenticates
    the connection: later private calls on it need no token.

    `scope` is a space-separated list: `connection` (the default: the token lives and dies
    with its WebSocket connection), `session:NAME` (the token survives reconnects until it
    expires), `expires:SECONDS`, `account:read_write`, ... The timestamp must be within
    60 s of the server's clock and a nonce is single-use.

    Not marked `x-idempotent`: a signature's nonce is single-use and a refresh token is
    spent by its first use, so a repeat is refused.

    Args:
        client: The client to send with.
        grant_type (GrantType): How `public/auth` authenticates.
        client_id (str | Unset):
        client_secret (str | Unset):
        refresh_token (str | Unset):
        timestamp (int | Unset):
        signature (str | Unset):
        nonce (str | Unset):
        data (str | Unset):
        state (str | Unset):
        scope (str | Unset):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        AuthResponse
    """

    return client._call_sync(
        _OPERATION,
        {
            "grant_type": grant_type,
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
            "timestamp": timestamp,
            "signature": signature,
            "nonce": nonce,
            "data": data,
            "state": state,
            "scope": scope,
        },
        AuthResponse,
        timeout,
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    grant_type: GrantType,
    client_id: str | Unset = UNSET,
    client_secret: str | Unset = UNSET,
    refresh_token: str | Unset = UNSET,
    timestamp: int | Unset = UNSET,
    signature: str | Unset = UNSET,
    nonce: str | Unset = UNSET,
    data: str | Unset = UNSET,
    state: str | Unset = UNSET,
    scope: str | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[AuthResponse | ErrorResponse]:
    """Retrieve an Oauth access token, to be used for authentication of 'private' requests.

    Three grant types: `client_credentials` (`client_id` and `client_secret`: the secret
    crosses the wire), `client_signature` (`client_id`, `timestamp`, `nonce`, `signature`
    and optional `data`: the secret never leaves the client; the signature is the
    lowercase hex HMAC-SHA256 of `timestamp + "\\n" + nonce + "\\n" + data` keyed with the
    client secret) and `refresh_token`. Over WebSocket a successful call also authenticates
    the connection: later private calls on it need no token.

    `scope` is a space-separated list: `connection` (the default: the token lives and dies
    with its WebSocket connection), `session:NAME` (the token survives reconnects until it
    expires), `expires:SECONDS`, `account:read_write`, ... The timestamp must be within
    60 s of the server's clock and a nonce is single-use.

    Not marked `x-idempotent`: a signature's nonce is single-use and a refresh token is
    spent by its first use, so a repeat is refused.

    Args:
        client: The client to send with.
        grant_type (GrantType): How `public/auth` authenticates.
        client_id (str | Unset):
        client_secret (str | Unset):
        refresh_token (str | Unset):
        timestamp (int | Unset):
        signature (str | Unset):
        nonce (str | Unset):
        data (str | Unset):
        state (str | Unset):
        scope (str | Unset):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[AuthResponse | ErrorResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return await client._detailed_async(
        _OPERATION,
        {
            "grant_type": grant_type,
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
            "timestamp": timestamp,
            "signature": signature,
            "nonce": nonce,
            "data": data,
            "state": state,
            "scope": scope,
        },
        _MODELS,
        timeout,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    grant_type: GrantType,
    client_id: str | Unset = UNSET,
    client_secret: str | Unset = UNSET,
    refresh_token: str | Unset = UNSET,
    timestamp: int | Unset = UNSET,
    signature: str | Unset = UNSET,
    nonce: str | Unset = UNSET,
    data: str | Unset = UNSET,
    state: str | Unset = UNSET,
    scope: str | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> AuthResponse:
    """Retrieve an Oauth access token, to be used for authentication of 'private' requests.

    Three grant types: `client_credentials` (`client_id` and `client_secret`: the secret
    crosses the wire), `client_signature` (`client_id`, `timestamp`, `nonce`, `signature`
    and optional `data`: the secret never leaves the client; the signature is the
    lowercase hex HMAC-SHA256 of `timestamp + "\\n" + nonce + "\\n" + data` keyed with the
    client secret) and `refresh_token`. Over WebSocket a successful call also authenticates
    the connection: later private calls on it need no token.

    `scope` is a space-separated list: `connection` (the default: the token lives and dies
    with its WebSocket connection), `session:NAME` (the token survives reconnects until it
    expires), `expires:SECONDS`, `account:read_write`, ... The timestamp must be within
    60 s of the server's clock and a nonce is single-use.

    Not marked `x-idempotent`: a signature's nonce is single-use and a refresh token is
    spent by its first use, so a repeat is refused.

    Args:
        client: The client to send with.
        grant_type (GrantType): How `public/auth` authenticates.
        client_id (str | Unset):
        client_secret (str | Unset):
        refresh_token (str | Unset):
        timestamp (int | Unset):
        signature (str | Unset):
        nonce (str | Unset):
        data (str | Unset):
        state (str | Unset):
        scope (str | Unset):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        AuthResponse
    """

    return await client._call_async(
        _OPERATION,
        {
            "grant_type": grant_type,
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
            "timestamp": timestamp,
            "signature": signature,
            "nonce": nonce,
            "data": data,
            "state": state,
            "scope": scope,
        },
        AuthResponse,
        timeout,
    )
