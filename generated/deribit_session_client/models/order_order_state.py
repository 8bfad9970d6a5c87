from typing import Literal

OrderOrderState = Literal["cancelled", "filled", "open", "rejected", "untriggered"]

ORDER_ORDER_STATE_VALUES: set[OrderOrderState] = {
    "cancelled",
    "filled",
    "open",
    "rejected",
    "untriggered",
}


def check_order_order_state(value: str) -> OrderOrderState:
    if value in ORDER_ORDER_STATE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ORDER_ORDER_STATE_VALUES!r}")
