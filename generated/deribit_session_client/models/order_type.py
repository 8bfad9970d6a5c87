from typing import Literal

OrderType = Literal["limit", "market"]

ORDER_TYPE_VALUES: set[OrderType] = {
    "limit",
    "market",
}


def check_order_type(value: str) -> OrderType:
    if value in ORDER_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ORDER_TYPE_VALUES!r}")
