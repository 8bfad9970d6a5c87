from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._operations import OPERATIONS
from ...models.error_response import ErrorResponse
from ...models.order_placed_response import OrderPlacedResponse
from ...types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ..._core.ws.client import WebSocketClient
    from ...client import AuthenticatedClient, TimeoutTypes


_OPERATION = OPERATIONS["edit"]

_MODELS: dict[int, type[Any]] = {
    200: OrderPlacedResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def sync_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    order_id: str,
    amount: float,
    price: float | Unset = UNSET,
    post_only: bool | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OrderPlacedResponse]:
    """Changes the amount and price of an open order.

    Changes an open order's `amount` and `price` (it keeps its id, label and connection,
    so cancel-on-disconnect still cancels it with the connection that placed it). An
    unknown order: 10004 `order_not_found`; one no longer open: 11044 `not_open_order`.
    Never sent twice by this client.

    Args:
        client: The client to send with.
        order_id (str):
        amount (float):
        price (float | Unset):
        post_only (bool | Unset):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | OrderPlacedResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return client._detailed_sync(
        _OPERATION,
        {
            "order_id": order_id,
            "amount": amount,
            "price": price,
            "post_only": post_only,
        },
        _MODELS,
        timeout,
    )


def sync(
    *,
    client: AuthenticatedClient | WebSocketClient,
    order_id: str,
    amount: float,
    price: float | Unset = UNSET,
    post_only: bool | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OrderPlacedResponse:
    """Changes the amount and price of an open order.

    Changes an open order's `amount` and `price` (it keeps its id, label and connection,
    so cancel-on-disconnect still cancels it with the connection that placed it). An
    unknown order: 10004 `order_not_found`; one no longer open: 11044 `not_open_order`.
    Never sent twice by this client.

    Args:
        client: The client to send with.
        order_id (str):
        amount (float):
        price (float | Unset):
        post_only (bool | Unset):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        OrderPlacedResponse
    """

    return client._call_sync(
        _OPERATION,
        {
            "order_id": order_id,
            "amount": amount,
            "price": price,
            "post_only": post_only,
        },
        OrderPlacedResponse,
        timeout,
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    order_id: str,
    amount: float,
    price: float | Unset = UNSET,
    post_only: bool | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OrderPlacedResponse]:
    """Changes the amount and price of an open order.

    Changes an open order's `amount` and `price` (it keeps its id, label and connection,
    so cancel-on-disconnect still cancels it with the connection that placed it). An
    unknown order: 10004 `order_not_found`; one no longer open: 11044 `not_open_order`.
    Never sent twice by this client.

    Args:
        client: The client to send with.
        order_id (str):
        amount (float):
        price (float | Unset):
        post_only (bool | Unset):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | OrderPlacedResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return await client._detailed_async(
        _OPERATION,
        {
            "order_id": order_id,
            "amount": amount,
            "price": price,
            "post_only": post_only,
        },
        _MODELS,
        timeout,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | WebSocketClient,
    order_id: str,
    amount: float,
    price: float | Unset = UNSET,
    post_only: bool | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OrderPlacedResponse:
    """Changes the amount and price of an open order.

    Changes an open order's `amount` and `price` (it keeps its id, label and connection,
    so cancel-on-disconnect still cancels it with the connection that placed it). An
    unknown order: 10004 `order_not_found`; one no longer open: 11044 `not_open_order`.
    Never sent twice by this client.

    Args:
        client: The client to send with.
        order_id (str):
        amount (float):
        price (float | Unset):
        post_only (bool | Unset):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        OrderPlacedResponse
    """

    return await client._call_async(
        _OPERATION,
        {
            "order_id": order_id,
            "amount": amount,
            "price": price,
            "post_only": post_only,
        },
        OrderPlacedResponse,
        timeout,
    )
