"""A WebSocketClient's lives: each ``open()`` starts one (the process's keeper to run on and a
new :class:`~.supervisor.Supervisor`), one ``close()`` ends it, from any thread; and
:func:`keep_connected`, the keeper's loop of a life that connects, hands each connection to the
session's engine, and after a loss waits as the :class:`~.reconnect.Reconnect` policy says and
connects again while the session goes on."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from ..errors import APIConnectionError, DeribitError
from ..transports.registry import open_link
from ..transports.wire import Link, OnMessage
from .reconnect import Reconnect
from .settings import Settings
from .supervisor import Supervisor
from .threads import Keeper

__all__ = ["Life", "keep_connected", "start"]

logger = logging.getLogger("deribit_session_client")


class Life:
    """The life a client has now: its keeper (None while closed) and its supervisor. Opening
    and closing may race from any threads: one opens, and one closer ends what it opened."""

    __slots__ = ("_close_started", "_lock", "closed", "keeper", "sup")

    def __init__(self, sup: Supervisor) -> None:
        self.keeper: Keeper | None = None
        self.sup = sup
        self._lock = threading.Lock()  # opening, and which caller closes
        self._close_started = False
        #: Set once the client is closed (a closer that is not the one closing waits on it).
        self.closed = threading.Event()
        self.closed.set()

    def begin(self, new_supervisor: Callable[[], Supervisor]) -> Keeper:
        """A new life on the process's keeper; RuntimeError if one is going on."""
        with self._lock:
            if self.keeper is not None:
                raise RuntimeError("this WebSocketClient is already open")
            self.sup = new_supervisor()
            self.sup.started = True
            self._close_started = False
            self.closed = threading.Event()
            self.keeper = Keeper.acquire()
            return self.keeper

    def begin_close(self) -> tuple[Keeper | None, threading.Event]:
        """The keeper, for the one caller that closes; None for any other (already closed, or
        another thread closing), with the event set once the client is closed."""
        with self._lock:
            keeper, closed = self.keeper, self.closed
            if keeper is None or self._close_started:
                return None, closed
            self._close_started = True
            return keeper, closed

    def end(self, keeper: Keeper, closed: threading.Event) -> None:
        """The closer that began the close (once per open) gives the keeper back."""
        with self._lock:
            self.keeper = None
        keeper.release()
        closed.set()


async def start(sup: Supervisor) -> None:
    """On the keeper: the life's loop started; returns once its first connection is ready
    (raises as ``open()`` does)."""
    if sup.engine.stopped:  # close() came first, from another thread
        raise APIConnectionError("the WebSocketClient was closed while opening")
    opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    sup.opened = opened
    sup.runner = asyncio.create_task(_run(sup, opened))
    await opened


async def _run(sup: Supervisor, opened: asyncio.Future[None]) -> None:
    try:
        await keep_connected(sup, opened, sup.settings.reconnect)
    except asyncio.CancelledError:
        raise
    except BaseException as exc:  # a bug must not leave open() waiting or the client silently dead
        logger.exception("The WebSocket session stopped")
        error = (
            exc
            if isinstance(exc, DeribitError)
            else APIConnectionError(f"the WebSocket session failed: {type(exc).__name__}")
        )
        if not opened.done():
            opened.set_exception(error)
        sup.fail(error)


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
                conn = await _open(sup.settings, sup.on_message)
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


async def _open(settings: Settings, on_message: OnMessage) -> Link:
    return await open_link(
        settings.transport,
        settings.url,
        on_message,
        connect_timeout=settings.connect_timeout,
        ping_interval=settings.ping_interval,
        ping_timeout=settings.ping_timeout,
        max_size=settings.max_message_bytes,
        ssl=settings.ssl,
        proxy=settings.proxy,
        user_agent=settings.user_agent,
    )
