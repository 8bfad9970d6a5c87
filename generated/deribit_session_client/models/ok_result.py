from typing import Literal

OkResult = Literal["ok"]

OK_RESULT_VALUES: set[OkResult] = {
    "ok",
}


def check_ok_result(value: str) -> OkResult:
    if value in OK_RESULT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OK_RESULT_VALUES!r}")
