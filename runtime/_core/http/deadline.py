"""An HTTP attempt's bounds: the caller's timeout checked and split into httpx's phases, and
the current attempt's deadline, per thread, which the sync network backend (network.py)
bounds every connect, read and write by."""

from __future__ import annotations

import math
import threading

import httpx

from ..retry import CLOCK

__all__ = [
    "Phases",
    "TimeoutTypes",
    "attempt_deadline",
    "cap",
    "check_timeout",
    "finite",
    "longest",
    "phase_timeouts",
    "phases",
]

TimeoutTypes = float | httpx.Timeout | None
#: An attempt's bound for each phase (connect, read, write, pool), in seconds; None: no bound.
Phases = tuple[float | None, float | None, float | None, float | None]

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


def check_timeout(value: object, name: str) -> str | None:
    """Why ``value`` is not a valid timeout (None, positive seconds or an ``httpx.Timeout``)."""
    parts: list[object]
    if isinstance(value, httpx.Timeout):
        parts = [value.connect, value.read, value.write, value.pool]
    else:
        parts = [value]
    for part in parts:
        if part is None:
            continue
        if isinstance(part, bool) or not isinstance(part, (int, float)):
            return f"{name} must be seconds, an httpx.Timeout or None, not {type(part).__name__}"
        if not part > 0:  # also NaN
            return f"{name} must be positive, not {part!r}"
    return None


def finite(seconds: float | None) -> float | None:
    return None if seconds is None or seconds == math.inf else seconds


def phases(timeout: TimeoutTypes) -> Phases:
    """The bound of each phase of an attempt, as httpx reads ``timeout`` (a number bounds them all)."""
    if isinstance(timeout, httpx.Timeout):
        bounds = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    else:
        bounds = (timeout, timeout, timeout, timeout)
    if math.inf in bounds:
        return finite(bounds[0]), finite(bounds[1]), finite(bounds[2]), finite(bounds[3])
    return bounds


def longest(bounds: Phases) -> float | None:
    """The bound of one attempt: its longest phase (None, no bound, when any phase has none)."""
    connect, read, write, pool = bounds
    if connect is None or read is None or write is None or pool is None:
        return None
    return max(connect, read, write, pool)


def phase_timeouts(bounds: Phases, deadline: float | None) -> dict[str, float | None]:
    """httpx's per-phase timeouts (its ``timeout`` extension), none of them beyond ``deadline``."""
    connect, read, write, pool = bounds
    if deadline is not None:
        left = max(deadline - CLOCK.monotonic(), 0.001)
        connect = left if connect is None or connect > left else connect
        read = left if read is None or read > left else read
        write = left if write is None or write > left else write
        pool = left if pool is None or pool > left else pool
    return {"connect": connect, "read": read, "write": write, "pool": pool}
