from typing import Literal

TimeInForce = Literal["fill_or_kill", "good_til_cancelled", "good_til_day", "immediate_or_cancel"]

TIME_IN_FORCE_VALUES: set[TimeInForce] = {
    "fill_or_kill",
    "good_til_cancelled",
    "good_til_day",
    "immediate_or_cancel",
}


def check_time_in_force(value: str) -> TimeInForce:
    if value in TIME_IN_FORCE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TIME_IN_FORCE_VALUES!r}")
