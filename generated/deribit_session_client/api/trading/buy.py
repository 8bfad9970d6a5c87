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


_OPERATION = OPERATIONS["buy"]

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
    """Places a buy order.

    Places a buy order for an instrument. The answer holds the order as the exchange keeps
    it, and the trades it made at once. With connection-scope cancel-on-disconnect on, the
    order is cancelled when the connection that placed it closes (not over HTTP: an order
    placed over HTTP has no connection).

    Never sent twice by this client: a call whose frame may have reached the exchange and
    whose answer never came raises `OrderOutcomeUnknownError` (the order may be live, or
    placed and then cancelled by cancel-on-disconnect). Give each order a `label` to find
    it again (`private/get_open_orders_by_currency`, `private/cancel_by_label`).

    A `post_only` order that would trade at once is moved to rest beside the best price
    on its side, or refused with 11054 `post_only_reject` when `reject_post_only` is set
    (the code as a peer client knows it; unverified here).

    The mock: a limit order rests (`open`) until it crosses the instrument's mark price
    (a buy at or above it fills at the mark at once); a market order fills at the mark.
    It knows `BTC-PERPETUAL` and `ETH-PERPETUAL` (control `POST /_mock/marks` sets their
    marks) and answers 10004-style errors for others (see the `Error` response).

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
    """Places a buy order.

    Places a buy order for an instrument. The answer holds the order as the exchange keeps
    it, and the trades it made at once. With connection-scope cancel-on-disconnect on, the
    order is cancelled when the connection that placed it closes (not over HTTP: an order
    placed over HTTP has no connection).

    Never sent twice by this client: a call whose frame may have reached the exchange and
    whose answer never came raises `OrderOutcomeUnknownError` (the order may be live, or
    placed and then cancelled by cancel-on-disconnect). Give each order a `label` to find
    it again (`private/get_open_orders_by_currency`, `private/cancel_by_label`).

    A `post_only` order that would trade at once is moved to rest beside the best price
    on its side, or refused with 11054 `post_only_reject` when `reject_post_only` is set
    (the code as a peer client knows it; unverified here).

    The mock: a limit order rests (`open`) until it crosses the instrument's mark price
    (a buy at or above it fills at the mark at once); a market order fills at the mark.
    It knows `BTC-PERPETUAL` and `ETH-PERPETUAL` (control `POST /_mock/marks` sets their
    marks) and answers 10004-style errors for others (see the `Error` response).

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
    """Places a buy order.

    Places a buy order for an instrument. The answer holds the order as the exchange keeps
    it, and the trades it made at once. With connection-scope cancel-on-disconnect on, the
    order is cancelled when the connection that placed it closes (not over HTTP: an order
    placed over HTTP has no connection).

    Never sent twice by this client: a call whose frame may have reached the exchange and
    whose answer never came raises `OrderOutcomeUnknownError` (the order may be live, or
    placed and then cancelled by cancel-on-disconnect). Give each order a `label` to find
    it again (`private/get_open_orders_by_currency`, `private/cancel_by_label`).

    A `post_only` order that would trade at once is moved to rest beside the best price
    on its side, or refused with 11054 `post_only_reject` when `reject_post_only` is set
    (the code as a peer client knows it; unverified here).

    The mock: a limit order rests (`open`) until it crosses the instrument's mark price
    (a buy at or above it fills at the mark at once); a market order fills at the mark.
    It knows `BTC-PERPETUAL` and `ETH-PERPETUAL` (control `POST /_mock/marks` sets their
    marks) and answers 10004-style errors for others (see the `Error` response).

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
    """Places a buy order.

    Places a buy order for an instrument. The answer holds the order as the exchange keeps
    it, and the trades it made at once. With connection-scope cancel-on-disconnect on, the
    order is cancelled when the connection that placed it closes (not over HTTP: an order
    placed over HTTP has no connection).

    Never sent twice by this client: a call whose frame may have reached the exchange and
    whose answer never came raises `OrderOutcomeUnknownError` (the order may be live, or
    placed and then cancelled by cancel-on-disconnect). Give each order a `label` to find
    it again (`private/get_open_orders_by_currency`, `private/cancel_by_label`).

    A `post_only` order that would trade at once is moved to rest beside the best price
    on its side, or refused with 11054 `post_only_reject` when `reject_post_only` is set
    (the code as a peer client knows it; unverified here).

    The mock: a limit order rests (`open`) until it crosses the instrument's mark price
    (a buy at or above it fills at the mark at once); a market order fills at the mark.
    It knows `BTC-PERPETUAL` and `ETH-PERPETUAL` (control `POST /_mock/marks` sets their
    marks) and answers 10004-style errors for others (see the `Error` response).

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
