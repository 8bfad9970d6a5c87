"""The current attempt's deadline, per thread: what the sync network backend (network.py)
bounds every connect, read and write by."""

from __future__ import annotations

import threading

from ..retry import CLOCK

__all__ = ["attempt_deadline", "cap"]

_local = threading.local()


class attempt_deadline:  # noqa: N801 (a context manager used like a function)
    """``with attempt_deadline(when):`` bounds this thread's network operations by ``when``
    (a ``CLOCK.monotonic()`` value, or None for no bound)."""

    __slots__ = ("_previous", "_when")

    def __init__(self, when: float | None) -> None:
        self._when = when

    def __enter__(self) -> None:
        self._previous = getattr(_local, "deadline", None)
        _local.deadline = self._when

    def __exit__(self, *exc: object) -> None:
        _local.deadline = self._previous


def cap(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` lowered to what is left of this thread's deadline; raises ``error`` when none is."""
    deadline: float | None = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - CLOCK.monotonic()
    if left <= 0:
        raise error("the call's timeout ran out")
    return left if timeout is None else min(timeout, left)
