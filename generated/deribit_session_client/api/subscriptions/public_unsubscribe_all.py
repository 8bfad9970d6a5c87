from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._operations import OPERATIONS
from ...models.error_response import ErrorResponse
from ...models.ok_response import OkResponse
from ...types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ..._core.ws.client import WebSocketClient
    from ...client import AuthenticatedClient, Client, TimeoutTypes


_OPERATION = OPERATIONS["public_unsubscribe_all"]

_MODELS: dict[int, type[Any]] = {
    200: OkResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def sync_detailed(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OkResponse]:
    """Unsubscribe from all the channels subscribed so far.

    Unsubscribe from every channel of the connection, public and private (unverified:
    whether the exchange's public variant also drops private channels). The result is
    `"ok"`.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (the mock too, in every mode: there is no connection to
    deliver notifications on).

    Args:
        client: The client to send with.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | OkResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return client._detailed_sync(_OPERATION, {}, _MODELS, timeout)


def sync(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OkResponse:
    """Unsubscribe from all the channels subscribed so far.

    Unsubscribe from every channel of the connection, public and private (unverified:
    whether the exchange's public variant also drops private channels). The result is
    `"ok"`.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (the mock too, in every mode: there is no connection to
    deliver notifications on).

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

    return client._call_sync(_OPERATION, {}, OkResponse, timeout)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OkResponse]:
    """Unsubscribe from all the channels subscribed so far.

    Unsubscribe from every channel of the connection, public and private (unverified:
    whether the exchange's public variant also drops private channels). The result is
    `"ok"`.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (the mock too, in every mode: there is no connection to
    deliver notifications on).

    Args:
        client: The client to send with.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | OkResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return await client._detailed_async(_OPERATION, {}, _MODELS, timeout)


async def asyncio(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OkResponse:
    """Unsubscribe from all the channels subscribed so far.

    Unsubscribe from every channel of the connection, public and private (unverified:
    whether the exchange's public variant also drops private channels). The result is
    `"ok"`.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (the mock too, in every mode: there is no connection to
    deliver notifications on).

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

    return await client._call_async(_OPERATION, {}, OkResponse, timeout)
