from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._operations import OPERATIONS
from ...models.error_response import ErrorResponse
from ...models.order_placed_response import OrderPlacedResponse
from ...models.order_type import OrderType
from ...models.time_in_force import TimeInForce
from ...types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ..._core.ws.client import WebSocketClient
    from ...client import AuthenticatedClient, TimeoutTypes


_OPERATION = OPERATIONS["sell"]

_MODELS: dict[int, type[Any]] = {
    200: OrderPlacedResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def sync_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    instrument_name: str,
    amount: float,
    type_: OrderType | Unset = UNSET,
    price: float | Unset = UNSET,
    label: str | Unset = UNSET,
    time_in_force: TimeInForce | Unset = UNSET,
    post_only: bool | Unset = UNSET,
    reject_post_only: bool | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OrderPlacedResponse]:
    """Places a sell order.

    Places a sell order: `private/buy`'s parameters, answer and rules, on the other side
    (a limit sell rests until the mark reaches its price; at or below the mark it fills).
    Never sent twice by this client.

    Args:
        client: The client to send with.
        instrument_name (str):
        amount (float):
        type_ (OrderType | Unset): An order's type (the exchange has more, such as `stop_limit`,
            that this spec leaves out).
        price (float | Unset):
        label (str | Unset):
        time_in_force (TimeInForce | Unset): How long an order rests; `good_til_cancelled` by
            default.
        post_only (bool | Unset):
        reject_post_only (bool | Unset):
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
            "instrument_name": instrument_name,
            "amount": amount,
            "type": type_,
            "price": price,
            "label": label,
            "time_in_force": time_in_force,
            "post_only": post_only,
            "reject_post_only": reject_post_only,
        },
        _MODELS,
        timeout,
    )


def sync(
    *,
    client: AuthenticatedClient | WebSocketClient,
    instrument_name: str,
    amount: float,
    type_: OrderType | Unset = UNSET,
    price: float | Unset = UNSET,
    label: str | Unset = UNSET,
    time_in_force: TimeInForce | Unset = UNSET,
    post_only: bool | Unset = UNSET,
    reject_post_only: bool | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OrderPlacedResponse:
    """Places a sell order.

    Places a sell order: `private/buy`'s parameters, answer and rules, on the other side
    (a limit sell rests until the mark reaches its price; at or below the mark it fills).
    Never sent twice by this client.

    Args:
        client: The client to send with.
        instrument_name (str):
        amount (float):
        type_ (OrderType | Unset): An order's type (the exchange has more, such as `stop_limit`,
            that this spec leaves out).
        price (float | Unset):
        label (str | Unset):
        time_in_force (TimeInForce | Unset): How long an order rests; `good_til_cancelled` by
            default.
        post_only (bool | Unset):
        reject_post_only (bool | Unset):
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
            "instrument_name": instrument_name,
            "amount": amount,
            "type": type_,
            "price": price,
            "label": label,
            "time_in_force": time_in_force,
            "post_only": post_only,
            "reject_post_only": reject_post_only,
        },
        OrderPlacedResponse,
        timeout,
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    instrument_name: str,
    amount: float,
    type_: OrderType | Unset = UNSET,
    price: float | Unset = UNSET,
    label: str | Unset = UNSET,
    time_in_force: TimeInForce | Unset = UNSET,
    post_only: bool | Unset = UNSET,
    reject_post_only: bool | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OrderPlacedResponse]:
    """Places a sell order.

    Places a sell order: `private/buy`'s parameters, answer and rules, on the other side
    (a limit sell rests until the mark reaches its price; at or below the mark it fills).
    Never sent twice by this client.

    Args:
        client: The client to send with.
        instrument_name (str):
        amount (float):
        type_ (OrderType | Unset): An order's type (the exchange has more, such as `stop_limit`,
            that this spec leaves out).
        price (float | Unset):
        label (str | Unset):
        time_in_force (TimeInForce | Unset): How long an order rests; `good_til_cancelled` by
            default.
        post_only (bool | Unset):
        reject_post_only (bool | Unset):
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
            "instrument_name": instrument_name,
            "amount": amount,
            "type": type_,
            "price": price,
            "label": label,
            "time_in_force": time_in_force,
            "post_only": post_only,
            "reject_post_only": reject_post_only,
        },
        _MODELS,
        timeout,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | WebSocketClient,
    instrument_name: str,
    amount: float,
    type_: OrderType | Unset = UNSET,
    price: float | Unset = UNSET,
    label: str | Unset = UNSET,
    time_in_force: TimeInForce | Unset = UNSET,
    post_only: bool | Unset = UNSET,
    reject_post_only: bool | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OrderPlacedResponse:
    """Places a sell order.

    Places a sell order: `private/buy`'s parameters, answer and rules, on the other side
    (a limit sell rests until the mark reaches its price; at or below the mark it fills).
    Never sent twice by this client.

    Args:
        client: The client to send with.
        instrument_name (str):
        amount (float):
        type_ (OrderType | Unset): An order's type (the exchange has more, such as `stop_limit`,
            that this spec leaves out).
        price (float | Unset):
        label (str | Unset):
        time_in_force (TimeInForce | Unset): How long an order rests; `good_til_cancelled` by
            default.
        post_only (bool | Unset):
        reject_post_only (bool | Unset):
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
            "instrument_name": instrument_name,
            "amount": amount,
            "type": type_,
            "price": price,
            "label": label,
            "time_in_force": time_in_force,
            "post_only": post_only,
            "reject_post_only": reject_post_only,
        },
        OrderPlacedResponse,
        timeout,
    )
