"""Backoff with jitter, and the clock the retries read (replaceable in tests)."""

from __future__ import annotations

import random
import time

__all__ = ["CLOCK", "Clock", "backoff"]


class Clock:
    """Where retries, deadlines and the WebSocket keeper read the time and sleep.

    Tests replace the methods of :data:`CLOCK` to observe waits without waiting, so that a
    loaded machine cannot make them flaky.
    """

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    async def async_sleep(self, seconds: float) -> None:
        import asyncio  # here: importing asyncio costs sync-only users ~12 ms

        await asyncio.sleep(seconds)


CLOCK = Clock()


def backoff(retries: int, initial: float, maximum: float, jitter: float = 0.25) -> float:
    """The wait before retry ``retries + 1``: ``initial * 2**retries``, at most ``maximum``,
    less up to ``jitter`` of itself at random (so that clients do not retry in step)."""
    delay = min(initial * 2.0 ** min(retries, 64), maximum)
    return delay * (1.0 - jitter * random.random())


# Copied from runtime/_core/retry.py by make generate. Do not edit here: edit runtime/_core/retry.py.
