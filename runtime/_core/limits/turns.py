"""Waiting for a call's turn at the rate limiter, in a thread or on an event loop: shared by
the HTTP client and the WebSocket client (kept apart from ws/pacing.py, the keeper's side,
so that the HTTP path does not import asyncio)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .credits import usable

if TYPE_CHECKING:
    from ..spec.operations import Operation
    from .limiter import Limiter

__all__ = ["wait_turn_async", "wait_turn_sync"]


async def wait_turn_async(limiter: Limiter, method: str, op: Operation | None, bound: float | None, sleep: Any) -> None:
    """Admits a call and waits its turn (with ``sleep``), taking its credits; RateLimitError,
    nothing sent and nothing charged, when that would leave the call too little of ``bound``
    for its answer; the admission is given back if the wait is cancelled."""
    if limiter.take_now(method, op):  # (the common case: the pool pays it now, nobody waits before it)
        return
    wait = limiter.admit(method, op, bound)
    try:
        for pause in _pauses(limiter, method, op, wait, usable(bound)):
            await sleep(pause)
    except BaseException:
        limiter.refund(method, op)
        raise


def wait_turn_sync(limiter: Limiter, method: str, op: Operation | None, bound: float | None, sleep: Any) -> None:
    """:func:`wait_turn_async` for a thread."""
    if limiter.take_now(method, op):  # (the common case: the pool pays it now, nobody waits before it)
        return
    wait = limiter.admit(method, op, bound)
    try:
        for pause in _pauses(limiter, method, op, wait, usable(bound)):
            sleep(pause)
    except BaseException:
        limiter.refund(method, op)
        raise


def _pauses(
    limiter: Limiter, method: str, op: Operation | None, wait: float, patience: float | None
) -> Iterator[float]:
    """The pauses before an admitted call goes: its wait, then as long as the pool does not yet
    hold its credits when its turn comes (RateLimitError once that outlasts ``patience``)."""
    while True:
        if wait > 0:
            yield wait
            if patience is not None:
                patience -= wait
        wait = limiter.take(method, op)
        if wait <= 0:
            return
        if patience is not None and wait > patience:
            raise limiter.refused(method, op, patience)
