from typing import Literal

OrderDirection = Literal["buy", "sell"]

ORDER_DIRECTION_VALUES: set[OrderDirection] = {
    "buy",
    "sell",
}


def check_order_direction(value: str) -> OrderDirection:
    if value in ORDER_DIRECTION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ORDER_DIRECTION_VALUES!r}")
