from typing import Literal

ExpectedResult = Literal["exception"]

EXPECTED_RESULT_VALUES: set[ExpectedResult] = {
    "exception",
}


def check_expected_result(value: str) -> ExpectedResult:
    if value in EXPECTED_RESULT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {EXPECTED_RESULT_VALUES!r}")
