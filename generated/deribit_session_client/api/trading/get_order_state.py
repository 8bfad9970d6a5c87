from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._operations import OPERATIONS
from ...models.error_response import ErrorResponse
from ...models.order_response import OrderResponse
from ...types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ..._core.ws.client import WebSocketClient
    from ...client import AuthenticatedClient, TimeoutTypes


_OPERATION = OPERATIONS["get_order_state"]

_MODELS: dict[int, type[Any]] = {
    200: OrderResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def sync_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    order_id: str,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OrderResponse]:
    """One order's state.

    One order as the exchange keeps it, open or not (a cancelled order carries its
    `cancel_reason`: `cancel_on_disconnect` when its connection's close cancelled it).
    Unknown: 10004 `order_not_found`.

    Args:
        client: The client to send with.
        order_id (str):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | OrderResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return client._detailed_sync(
        _OPERATION,
        {
            "order_id": order_id,
        },
        _MODELS,
        timeout,
    )


def sync(
    *,
    client: AuthenticatedClient | WebSocketClient,
    order_id: str,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OrderResponse:
    """One order's state.

    One order as the exchange keeps it, open or not (a cancelled order carries its
    `cancel_reason`: `cancel_on_disconnect` when its connection's close cancelled it).
    Unknown: 10004 `order_not_found`.

    Args:
        client: The client to send with.
        order_id (str):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        OrderResponse
    """

    return client._call_sync(
        _OPERATION,
        {
            "order_id": order_id,
        },
        OrderResponse,
        timeout,
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    order_id: str,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OrderResponse]:
    """One order's state.

    One order as the exchange keeps it, open or not (a cancelled order carries its
    `cancel_reason`: `cancel_on_disconnect` when its connection's close cancelled it).
    Unknown: 10004 `order_not_found`.

    Args:
        client: The client to send with.
        order_id (str):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | OrderResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return await client._detailed_async(
        _OPERATION,
        {
            "order_id": order_id,
        },
        _MODELS,
        timeout,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | WebSocketClient,
    order_id: str,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OrderResponse:
    """One order's state.

    One order as the exchange keeps it, open or not (a cancelled order carries its
    `cancel_reason`: `cancel_on_disconnect` when its connection's close cancelled it).
    Unknown: 10004 `order_not_found`.

    Args:
        client: The client to send with.
        order_id (str):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        OrderResponse
    """

    return await client._call_async(
        _OPERATION,
        {
            "order_id": order_id,
        },
        OrderResponse,
        timeout,
    )
