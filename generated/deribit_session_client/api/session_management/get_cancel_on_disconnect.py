from typing import Any

from ..._validation import check_params
from ...client import AuthenticatedClient, TimeoutTypes, build_response, parse_success
from ...models.cancel_on_disconnect_response import CancelOnDisconnectResponse
from ...models.error_response import ErrorResponse
from ...models.scope import Scope
from ...types import UNSET, Response, Unset

_MODELS: dict[int, type[Any]] = {
    200: CancelOnDisconnectResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def _get_kwargs(
    *,
    scope: Scope | Unset = UNSET,
) -> dict[str, Any]:
    check_params(
        "get_cancel_on_disconnect",
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
        "url": "/private/get_cancel_on_disconnect",
        "params": params,
    }
    return _kwargs


def sync_detailed(
    *,
    client: AuthenticatedClient,
    scope: Scope | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[CancelOnDisconnectResponse | ErrorResponse]:
    """Read the Cancel On Disconnect setting back.

    Read the Cancel On Disconnect setting for the connection (`scope=connection`, the
    default) or the account default (`scope=account`).

    Args:
        client: The client to send with.
        scope (Scope | Unset): Where a Cancel On Disconnect setting applies.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).

    Returns:
        Response[CancelOnDisconnectResponse | ErrorResponse]: the raw answer, ``parsed`` as the model of its
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
) -> CancelOnDisconnectResponse:
    """Read the Cancel On Disconnect setting back.

    Read the Cancel On Disconnect setting for the connection (`scope=connection`, the
    default) or the account default (`scope=account`).

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
        CancelOnDisconnectResponse
    """

    response = client._request_sync(
        _get_kwargs(
            scope=scope,
        ),
        timeout,
    )
    return parse_success(response, CancelOnDisconnectResponse)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    scope: Scope | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[CancelOnDisconnectResponse | ErrorResponse]:
    """Read the Cancel On Disconnect setting back.

    Read the Cancel On Disconnect setting for the connection (`scope=connection`, the
    default) or the account default (`scope=account`).

    Args:
        client: The client to send with.
        scope (Scope | Unset): Where a Cancel On Disconnect setting applies.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).

    Returns:
        Response[CancelOnDisconnectResponse | ErrorResponse]: the raw answer, ``parsed`` as the model of its
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
) -> CancelOnDisconnectResponse:
    """Read the Cancel On Disconnect setting back.

    Read the Cancel On Disconnect setting for the connection (`scope=connection`, the
    default) or the account default (`scope=account`).

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
        CancelOnDisconnectResponse
    """

    response = await client._request_async(
        _get_kwargs(
            scope=scope,
        ),
        timeout,
    )
    return parse_success(response, CancelOnDisconnectResponse)
