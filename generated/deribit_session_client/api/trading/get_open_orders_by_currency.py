from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._operations import OPERATIONS
from ...models.error_response import ErrorResponse
from ...models.get_open_orders_by_currency_currency import (
    GetOpenOrdersByCurrencyCurrency,
)
from ...models.orders_response import OrdersResponse
from ...types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ..._core.ws.client import WebSocketClient
    from ...client import AuthenticatedClient, TimeoutTypes


_OPERATION = OPERATIONS["get_open_orders_by_currency"]

_MODELS: dict[int, type[Any]] = {
    200: OrdersResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def sync_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    currency: GetOpenOrdersByCurrencyCurrency,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OrdersResponse]:
    """The account's open orders in a currency.

    The account's open orders on the instruments of `currency`, from every connection
    and from HTTP. After a dropped connection, the way to learn which orders are still
    live (an order whose call's outcome is unknown shows here, or not, by its label).

    Args:
        client: The client to send with.
        currency (GetOpenOrdersByCurrencyCurrency):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | OrdersResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return client._detailed_sync(
        _OPERATION,
        {
            "currency": currency,
        },
        _MODELS,
        timeout,
    )


def sync(
    *,
    client: AuthenticatedClient | WebSocketClient,
    currency: GetOpenOrdersByCurrencyCurrency,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OrdersResponse:
    """The account's open orders in a currency.

    The account's open orders on the instruments of `currency`, from every connection
    and from HTTP. After a dropped connection, the way to learn which orders are still
    live (an order whose call's outcome is unknown shows here, or not, by its label).

    Args:
        client: The client to send with.
        currency (GetOpenOrdersByCurrencyCurrency):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        OrdersResponse
    """

    return client._call_sync(
        _OPERATION,
        {
            "currency": currency,
        },
        OrdersResponse,
        timeout,
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    currency: GetOpenOrdersByCurrencyCurrency,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OrdersResponse]:
    """The account's open orders in a currency.

    The account's open orders on the instruments of `currency`, from every connection
    and from HTTP. After a dropped connection, the way to learn which orders are still
    live (an order whose call's outcome is unknown shows here, or not, by its label).

    Args:
        client: The client to send with.
        currency (GetOpenOrdersByCurrencyCurrency):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | OrdersResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return await client._detailed_async(
        _OPERATION,
        {
            "currency": currency,
        },
        _MODELS,
        timeout,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | WebSocketClient,
    currency: GetOpenOrdersByCurrencyCurrency,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OrdersResponse:
    """The account's open orders in a currency.

    The account's open orders on the instruments of `currency`, from every connection
    and from HTTP. After a dropped connection, the way to learn which orders are still
    live (an order whose call's outcome is unknown shows here, or not, by its label).

    Args:
        client: The client to send with.
        currency (GetOpenOrdersByCurrencyCurrency):
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        OrdersResponse
    """

    return await client._call_async(
        _OPERATION,
        {
            "currency": currency,
        },
        OrdersResponse,
        timeout,
    )
