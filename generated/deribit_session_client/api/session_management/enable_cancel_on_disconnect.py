from typing import Any

from ..._validation import check_params
from ...client import AuthenticatedClient, TimeoutTypes, build_response, parse_success
from ...models.error_response import ErrorResponse
from ...models.ok_response import OkResponse
from ...models.scope import Scope
from ...types import UNSET, Response, Unset

_MODELS: dict[int, type[Any]] = {
    200: OkResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def _get_kwargs(
    *,
    scope: Scope | Unset = UNSET,
) -> dict[str, Any]:
    check_params(
        "enable_cancel_on_disconnect",
        {
            "scope": scope,
        },
    )

    params: dict[str, Any] = {}

    json_scope: str | Unset = UNSET
    if not isinstance(scope, Unset):
        json_scope = scope

    params["scope"] = json_scope

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/private/enable_cancel_on_disconnect",
        "params": params,
    }
    return _kwargs


def sync_detailed(
    *,
    client: AuthenticatedClient,
    scope: Scope | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OkResponse]:
    """Enable Cancel On Disconnect for the connection. This does not change the default account setting.

    Enable Cancel On Disconnect for the connection. This does not change the default
    account setting.

    With `scope=account` the setting becomes the account default: every new connection
    starts with it. With `scope=connection` (the default) it applies to the current
    WebSocket connection only.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (there is no connection for `connection` scope to apply to).

    Args:
        client: The client to send with.
        scope (Scope | Unset): Where a Cancel On Disconnect setting applies.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).

    Returns:
        Response[ErrorResponse | OkResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    response = client._request_sync(
        _get_kwargs(
            scope=scope,
        ),
        timeout,
    )
    return build_response(response, _MODELS)


def sync(
    *,
    client: AuthenticatedClient,
    scope: Scope | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OkResponse:
    """Enable Cancel On Disconnect for the connection. This does not change the default account setting.

    Enable Cancel On Disconnect for the connection. This does not change the default
    account setting.

    With `scope=account` the setting becomes the account default: every new connection
    starts with it. With `scope=connection` (the default) it applies to the current
    WebSocket connection only.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (there is no connection for `connection` scope to apply to).

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

    response = client._request_sync(
        _get_kwargs(
            scope=scope,
        ),
        timeout,
    )
    return parse_success(response, OkResponse)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    scope: Scope | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OkResponse]:
    """Enable Cancel On Disconnect for the connection. This does not change the default account setting.

    Enable Cancel On Disconnect for the connection. This does not change the default
    account setting.

    With `scope=account` the setting becomes the account default: every new connection
    starts with it. With `scope=connection` (the default) it applies to the current
    WebSocket connection only.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (there is no connection for `connection` scope to apply to).

    Args:
        client: The client to send with.
        scope (Scope | Unset): Where a Cancel On Disconnect setting applies.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).

    Returns:
        Response[ErrorResponse | OkResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    response = await client._request_async(
        _get_kwargs(
            scope=scope,
        ),
        timeout,
    )
    return build_response(response, _MODELS)


async def asyncio(
    *,
    client: AuthenticatedClient,
    scope: Scope | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OkResponse:
    """Enable Cancel On Disconnect for the connection. This does not change the default account setting.

    Enable Cancel On Disconnect for the connection. This does not change the default
    account setting.

    With `scope=account` the setting becomes the account default: every new connection
    starts with it. With `scope=connection` (the default) it applies to the current
    WebSocket connection only.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (there is no connection for `connection` scope to apply to).

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

    response = await client._request_async(
        _get_kwargs(
            scope=scope,
        ),
        timeout,
    )
    return parse_success(response, OkResponse)
