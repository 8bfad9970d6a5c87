from typing import Literal

GetOpenOrdersByCurrencyCurrency = Literal["BTC", "ETH", "USDC", "USDT"]

GET_OPEN_ORDERS_BY_CURRENCY_CURRENCY_VALUES: set[GetOpenOrdersByCurrencyCurrency] = {
    "BTC",
    "ETH",
    "USDC",
    "USDT",
}


def check_get_open_orders_by_currency_currency(value: str) -> GetOpenOrdersByCurrencyCurrency:
    if value in GET_OPEN_ORDERS_BY_CURRENCY_CURRENCY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_OPEN_ORDERS_BY_CURRENCY_CURRENCY_VALUES!r}")
