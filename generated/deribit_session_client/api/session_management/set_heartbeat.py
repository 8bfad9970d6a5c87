from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._operations import OPERATIONS
from ...models.error_response import ErrorResponse
from ...models.ok_response import OkResponse
from ...types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ..._core.ws.client import WebSocketClient
    from ...client import AuthenticatedClient, Client, TimeoutTypes


_OPERATION = OPERATIONS["set_heartbeat"]

_MODELS: dict[int, type[Any]] = {
    200: OkResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def sync_detailed(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    interval: float,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OkResponse]:
    """Signals the Websocket connection to send and request heartbeats.

    Signals the Websocket connection to send and request heartbeats. Heartbeats can be
    used to detect stale connections. When heartbeats have been set up, the API server
    will send `heartbeat` messages and `test_request` messages. Your software should
    respond to `test_request` messages by sending a `/api/v2/public/test` request. If
    your software fails to do so, the API server will immediately close the connection.
    If your account is configured to cancel on disconnect, any orders opened over the
    connection will be cancelled.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request`. Deribit recommends an interval of 30 to 60 seconds.

    Args:
        client: The client to send with.
        interval (float): The heartbeat interval in seconds, but not less than 10
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
            "interval": interval,
        },
        _MODELS,
        timeout,
    )


def sync(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    interval: float,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OkResponse:
    """Signals the Websocket connection to send and request heartbeats.

    Signals the Websocket connection to send and request heartbeats. Heartbeats can be
    used to detect stale connections. When heartbeats have been set up, the API server
    will send `heartbeat` messages and `test_request` messages. Your software should
    respond to `test_request` messages by sending a `/api/v2/public/test` request. If
    your software fails to do so, the API server will immediately close the connection.
    If your account is configured to cancel on disconnect, any orders opened over the
    connection will be cancelled.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request`. Deribit recommends an interval of 30 to 60 seconds.

    Args:
        client: The client to send with.
        interval (float): The heartbeat interval in seconds, but not less than 10
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
            "interval": interval,
        },
        OkResponse,
        timeout,
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    interval: float,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OkResponse]:
    """Signals the Websocket connection to send and request heartbeats.

    Signals the Websocket connection to send and request heartbeats. Heartbeats can be
    used to detect stale connections. When heartbeats have been set up, the API server
    will send `heartbeat` messages and `test_request` messages. Your software should
    respond to `test_request` messages by sending a `/api/v2/public/test` request. If
    your software fails to do so, the API server will immediately close the connection.
    If your account is configured to cancel on disconnect, any orders opened over the
    connection will be cancelled.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request`. Deribit recommends an interval of 30 to 60 seconds.

    Args:
        client: The client to send with.
        interval (float): The heartbeat interval in seconds, but not less than 10
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
            "interval": interval,
        },
        _MODELS,
        timeout,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    interval: float,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OkResponse:
    """Signals the Websocket connection to send and request heartbeats.

    Signals the Websocket connection to send and request heartbeats. Heartbeats can be
    used to detect stale connections. When heartbeats have been set up, the API server
    will send `heartbeat` messages and `test_request` messages. Your software should
    respond to `test_request` messages by sending a `/api/v2/public/test` request. If
    your software fails to do so, the API server will immediately close the connection.
    If your account is configured to cancel on disconnect, any orders opened over the
    connection will be cancelled.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request`. Deribit recommends an interval of 30 to 60 seconds.

    Args:
        client: The client to send with.
        interval (float): The heartbeat interval in seconds, but not less than 10
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
            "interval": interval,
        },
        OkResponse,
        timeout,
    )
