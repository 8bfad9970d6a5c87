from typing import Any

from ...client import AuthenticatedClient, Client, TimeoutTypes, build_response, parse_success
from ...models.error_response import ErrorResponse
from ...models.ok_response import OkResponse
from ...types import UNSET, Response, Unset

_MODELS: dict[int, type[Any]] = {
    200: OkResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/public/disable_heartbeat",
    }
    return _kwargs


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OkResponse]:
    """Stop sending heartbeat messages.

    Stop sending heartbeat messages.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request`.

    Args:
        client: The client to send with.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).

    Returns:
        Response[ErrorResponse | OkResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    response = client._request_sync(_get_kwargs(), timeout)
    return build_response(response, _MODELS)


def sync(
    *,
    client: AuthenticatedClient | Client,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OkResponse:
    """Stop sending heartbeat messages.

    Stop sending heartbeat messages.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request`.

    Args:
        client: The client to send with.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        OkResponse
    """

    response = client._request_sync(_get_kwargs(), timeout)
    return parse_success(response, OkResponse)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OkResponse]:
    """Stop sending heartbeat messages.

    Stop sending heartbeat messages.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request`.

    Args:
        client: The client to send with.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).

    Returns:
        Response[ErrorResponse | OkResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    response = await client._request_async(_get_kwargs(), timeout)
    return build_response(response, _MODELS)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OkResponse:
    """Stop sending heartbeat messages.

    Stop sending heartbeat messages.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request`.

    Args:
        client: The client to send with.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        OkResponse
    """

    response = await client._request_async(_get_kwargs(), timeout)
    return parse_success(response, OkResponse)
