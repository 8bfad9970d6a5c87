from typing import Literal

TradeDirection = Literal["buy", "sell"]

TRADE_DIRECTION_VALUES: set[TradeDirection] = {
    "buy",
    "sell",
}


def check_trade_direction(value: str) -> TradeDirection:
    if value in TRADE_DIRECTION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TRADE_DIRECTION_VALUES!r}")
