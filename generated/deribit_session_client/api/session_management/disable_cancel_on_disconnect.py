from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._operations import OPERATIONS
from ...models.error_response import ErrorResponse
from ...models.ok_response import OkResponse
from ...models.scope import Scope
from ...types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ..._core.ws.client import WebSocketClient
    from ...client import AuthenticatedClient, TimeoutTypes


_OPERATION = OPERATIONS["disable_cancel_on_disconnect"]

_MODELS: dict[int, type[Any]] = {
    200: OkResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def sync_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    scope: Scope | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OkResponse]:
    """Disable Cancel On Disconnect for the connection. This does not change the default account setting.

    Disable Cancel On Disconnect for the connection. This does not change the default
    account setting.

    With `scope=account` the account default is changed instead.

    Real exchange: over HTTP only `scope=account` works; `scope=connection` (the default)
    answers error 10030 `must_be_websocket_request`.

    Args:
        client: The client to send with.
        scope (Scope | Unset): Where a Cancel On Disconnect setting applies.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | OkResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return client._detailed_sync(
        _OPERATION,
        {
            "scope": scope,
        },
        _MODELS,
        timeout,
    )


def sync(
    *,
    client: AuthenticatedClient | WebSocketClient,
    scope: Scope | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OkResponse:
    """Disable Cancel On Disconnect for the connection. This does not change the default account setting.

    Disable Cancel On Disconnect for the connection. This does not change the default
    account setting.

    With `scope=account` the account default is changed instead.

    Real exchange: over HTTP only `scope=account` works; `scope=connection` (the default)
    answers error 10030 `must_be_websocket_request`.

    Args:
        client: The client to send with.
        scope (Scope | Unset): Where a Cancel On Disconnect setting applies.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        OkResponse
    """

    return client._call_sync(
        _OPERATION,
        {
            "scope": scope,
        },
        OkResponse,
        timeout,
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    scope: Scope | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OkResponse]:
    """Disable Cancel On Disconnect for the connection. This does not change the default account setting.

    Disable Cancel On Disconnect for the connection. This does not change the default
    account setting.

    With `scope=account` the account default is changed instead.

    Real exchange: over HTTP only `scope=account` works; `scope=connection` (the default)
    answers error 10030 `must_be_websocket_request`.

    Args:
        client: The client to send with.
        scope (Scope | Unset): Where a Cancel On Disconnect setting applies.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | OkResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return await client._detailed_async(
        _OPERATION,
        {
            "scope": scope,
        },
        _MODELS,
        timeout,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | WebSocketClient,
    scope: Scope | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OkResponse:
    """Disable Cancel On Disconnect for the connection. This does not change the default account setting.

    Disable Cancel On Disconnect for the connection. This does not change the default
    account setting.

    With `scope=account` the account default is changed instead.

    Real exchange: over HTTP only `scope=account` works; `scope=connection` (the default)
    answers error 10030 `must_be_websocket_request`.

    Args:
        client: The client to send with.
        scope (Scope | Unset): Where a Cancel On Disconnect setting applies.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        OkResponse
    """

    return await client._call_async(
        _OPERATION,
        {
            "scope": scope,
        },
        OkResponse,
        timeout,
    )
