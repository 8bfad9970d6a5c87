"""When and whether a WebSocketClient connects again: the :class:`Reconnect` policy (a backoff
generator and an is-fatal rule, as websockets' ``connect`` takes them; its defaults written
here once), and :func:`keep_connected`, the keeper's loop that connects, hands each connection
to the session's engine, and after a loss waits and connects again while the session goes on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import APIConnectionError, DeribitError, certificate_problem
from .retry import backoff
from .transports import open_link

if TYPE_CHECKING:
    from .supervisor import Supervisor

__all__ = ["DEFAULT_RECONNECT", "Reconnect", "keep_connected"]

logger = logging.getLogger("deribit_session_client")


def refused_certificate(error: DeribitError) -> bool:
    """The default is-fatal rule: a server certificate the client refuses (retrying cannot heal it)."""
    return certificate_problem(error) is not None


@dataclass(frozen=True)
class Reconnect:
    """How a lost session connects again.

    Args:
        initial_delay: The wait before the first attempt after a loss (seconds); it doubles
            with each failed attempt, less up to 25 % jitter, up to ``max_delay``.
        max_delay: The longest wait between attempts.
        healthy_after: A connection that lived this long starts the backoff afresh.
        is_fatal: Which failure to connect ends the session instead of being retried.
    """

    initial_delay: float = 0.5
    max_delay: float = 8.0
    healthy_after: float = 10.0
    is_fatal: Callable[[DeribitError], bool] = refused_certificate

    def __post_init__(self) -> None:
        for name in ("initial_delay", "max_delay", "healthy_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"Reconnect {name} must be seconds >= 0")

    def delays(self) -> Iterator[float]:
        """The wait before each attempt of one outage, without end."""
        attempt = 0
        while True:
            yield backoff(attempt, self.initial_delay, self.max_delay)
            attempt += 1


#: What WebSocketClient does unless told otherwise.
DEFAULT_RECONNECT = Reconnect()


async def keep_connected(sup: Supervisor, opened: asyncio.Future[None], policy: Reconnect) -> None:
    """Connect, let the engine set the session up, wait until the connection ends; after a
    loss, wait as ``policy`` says (and for a lapsed lease's renewal) and connect again, while
    the session goes on. The first connection's failure fails ``opened`` (open() raises) instead."""
    loop = asyncio.get_running_loop()
    engine = sup.engine
    delays, attempt = policy.delays(), 0
    while not engine.stopped:
        first = not opened.done()
        if not first:
            await sup.lease.renewed(lambda: engine.stopped)  # no connection while the lease is lapsed
            if engine.stopped:
                return
        setup_deadline = loop.time() + sup.settings.connect_timeout
        try:
            try:
                conn = await open_link(sup.settings, sup.on_message)
            except (DeribitError, asyncio.CancelledError):
                raise
            except Exception as exc:  # anything else a proxy library or the OS raises: a failed connect
                raise APIConnectionError(f"connecting failed: {type(exc).__name__}: {exc}") from exc
        except DeribitError as exc:
            if first:
                opened.set_exception(exc)
                engine.close()
                return
            if policy.is_fatal(exc):
                sup.fail(exc)
                return
            attempt += 1
            await _wait(sup, next(delays), str(exc), attempt)
            continue
        cause = await sup.serve(conn, auth_timeout=max(setup_deadline - loop.time(), 0.001))
        if not opened.done() or opened.exception() is not None:  # the first connection was never set up
            if not opened.done():
                opened.set_exception(APIConnectionError(f"setting the session up failed: {cause}"))
            engine.close()
            return
        if engine.stopped:  # closed, failed or logged out
            return
        if sup.lived is not None and sup.lived >= policy.healthy_after:
            delays, attempt = policy.delays(), 0  # it lived: this trouble starts the backoff afresh
        attempt += 1
        await _wait(sup, next(delays), cause, attempt)


async def _wait(sup: Supervisor, delay: float, cause: str, attempt: int) -> None:
    logger.warning(
        "WebSocket connection to %s lost (%s); reconnecting in %.2f s (attempt %d)",
        sup.settings.url,
        sup.engine.redact(cause),
        delay,
        attempt,
    )
    await asyncio.sleep(delay)
