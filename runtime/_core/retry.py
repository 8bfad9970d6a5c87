"""Backoff with jitter, the clock the retries read (replaceable in tests), and the failure no
retry heals (a refused server certificate)."""

from __future__ import annotations

import random
import time

__all__ = ["CLOCK", "Clock", "backoff", "certificate_problem"]


class Clock:
    """Where the HTTP client's retries and deadlines read the time and sleep.

    Tests replace the methods of :data:`CLOCK` to observe waits without waiting, so that a
    loaded machine cannot make them flaky.
    """

    #: (the function itself: an HTTP call reads the clock about nine times, and a method around
    #: it cost a Python frame each time)
    monotonic = staticmethod(time.monotonic)

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


def certificate_problem(error: BaseException | None) -> str | None:
    """Why the server's TLS certificate was refused (``certificate verify failed: Hostname
    mismatch, ...``) when ``error`` or what it was raised from is that refusal; else None.
    A refused certificate does not heal by itself: nothing retries it."""
    import ssl

    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, ssl.SSLCertVerificationError):
            reason = error.verify_message or error.reason or "certificate verify failed"
            return f"certificate verify failed: {reason}"
        error = error.__cause__ or error.__context__
    return None
