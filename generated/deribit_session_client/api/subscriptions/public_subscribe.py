from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._operations import OPERATIONS
from ...models.channels_response import ChannelsResponse
from ...models.error_response import ErrorResponse
from ...types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ..._core.ws.client import WebSocketClient
    from ...client import AuthenticatedClient, Client, TimeoutTypes


_OPERATION = OPERATIONS["public_subscribe"]

_MODELS: dict[int, type[Any]] = {
    200: ChannelsResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def sync_detailed(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    channels: list[str],
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ChannelsResponse | ErrorResponse]:
    """Subscribe to one or more public channels.

    Subscribe to public channels. Each notification arrives as
    `{"jsonrpc": "2.0", "method": "subscription", "params": {"channel": ..., "data": ...}}`
    (schema `SubscriptionNotification`). The result lists the channels now subscribed by
    this call; a channel the exchange does not know is left out of it (unverified: the
    exchange may answer an error instead). The subscriptions belong to the connection:
    WebSocketClient subscribes again, per scope, after every reconnect.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (the mock too, in every mode: there is no connection to
    deliver notifications on).

    Args:
        client: The client to send with.
        channels (list[str]):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ChannelsResponse | ErrorResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return client._detailed_sync(
        _OPERATION,
        {
            "channels": channels,
        },
        _MODELS,
        timeout,
    )


def sync(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    channels: list[str],
    timeout: TimeoutTypes | Unset = UNSET,
) -> ChannelsResponse:
    """Subscribe to one or more public channels.

    Subscribe to public channels. Each notification arrives as
    `{"jsonrpc": "2.0", "method": "subscription", "params": {"channel": ..., "data": ...}}`
    (schema `SubscriptionNotification`). The result lists the channels now subscribed by
    this call; a channel the exchange does not know is left out of it (unverified: the
    exchange may answer an error instead). The subscriptions belong to the connection:
    WebSocketClient subscribes again, per scope, after every reconnect.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (the mock too, in every mode: there is no connection to
    deliver notifications on).

    Args:
        client: The client to send with.
        channels (list[str]):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        ChannelsResponse
    """

    return client._call_sync(
        _OPERATION,
        {
            "channels": channels,
        },
        ChannelsResponse,
        timeout,
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    channels: list[str],
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ChannelsResponse | ErrorResponse]:
    """Subscribe to one or more public channels.

    Subscribe to public channels. Each notification arrives as
    `{"jsonrpc": "2.0", "method": "subscription", "params": {"channel": ..., "data": ...}}`
    (schema `SubscriptionNotification`). The result lists the channels now subscribed by
    this call; a channel the exchange does not know is left out of it (unverified: the
    exchange may answer an error instead). The subscriptions belong to the connection:
    WebSocketClient subscribes again, per scope, after every reconnect.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (the mock too, in every mode: there is no connection to
    deliver notifications on).

    Args:
        client: The client to send with.
        channels (list[str]):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ChannelsResponse | ErrorResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return await client._detailed_async(
        _OPERATION,
        {
            "channels": channels,
        },
        _MODELS,
        timeout,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    channels: list[str],
    timeout: TimeoutTypes | Unset = UNSET,
) -> ChannelsResponse:
    """Subscribe to one or more public channels.

    Subscribe to public channels. Each notification arrives as
    `{"jsonrpc": "2.0", "method": "subscription", "params": {"channel": ..., "data": ...}}`
    (schema `SubscriptionNotification`). The result lists the channels now subscribed by
    this call; a channel the exchange does not know is left out of it (unverified: the
    exchange may answer an error instead). The subscriptions belong to the connection:
    WebSocketClient subscribes again, per scope, after every reconnect.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (the mock too, in every mode: there is no connection to
    deliver notifications on).

    Args:
        client: The client to send with.
        channels (list[str]):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        ChannelsResponse
    """

    return await client._call_async(
        _OPERATION,
        {
            "channels": channels,
        },
        ChannelsResponse,
        timeout,
    )
