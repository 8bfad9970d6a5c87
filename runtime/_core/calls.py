"""Handing an answer (or an error) to the caller that waits for it, in its own thread or loop.

The send rules, enforced where a frame is written (``transport.write`` and the callers of it
in :mod:`.ws`): a frame handed to the socket is never sent again (it may have reached the
exchange: a connection lost afterwards fails its call), and nothing is written after its
caller gave up (timed out, interrupted, cancelled): :func:`waiting` is asked in the same
step that writes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .threads import Waiter

__all__ = ["Expired", "expire", "settle", "waiting"]


def waiting(token: Any) -> bool:
    """Whether the caller behind ``token`` still waits for its answer."""
    if isinstance(token, Waiter):
        return not (token.settled or token.abandoned)
    if isinstance(token, asyncio.Future):
        return not token.done()
    return False


def settle(token: Any, message: dict[str, Any] | None, error: BaseException | None) -> None:
    """Hands an answer (or an error) to the caller waiting on ``token``, in its own thread or loop."""
    if isinstance(token, Waiter):
        token.settle(message, error)
    elif isinstance(token, asyncio.Future):
        loop = token.get_loop()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            settle_future(token, message, error)
        else:
            try:
                loop.call_soon_threadsafe(settle_future, token, message, error)
            except RuntimeError:  # that loop has closed: nobody waits
                pass


def settle_future(token: asyncio.Future[Any], message: dict[str, Any] | None, error: BaseException | None) -> None:
    if not token.done():
        if error is not None:
            token.set_exception(error)
        else:
            token.set_result(message)


class Expired(Exception):
    """A fast-path async call's timer ran out (turned into APITimeoutError by the caller)."""


def expire(token: asyncio.Future[Any]) -> None:
    if not token.done():
        token.set_exception(Expired())
