"""A WebSocketClient's own callbacks (``on_reconnect``, ``on_notification``, ``on_error``), run
on threads of their own so that no callback can hold the keeper, and what happens when one
raises."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import CallbackError, DeribitError, ResponseValidationError, SubscriptionRefusedError, excerpt
from ..redact import redact
from .notifications import Deliveries
from .threads import Callback, Callbacks

if TYPE_CHECKING:
    from .notifications import Router

__all__ = ["UserCallbacks"]

logger = logging.getLogger("deribit_session_client")


class Owner(Protocol):
    """What the callbacks read of the client they belong to, each when it is due (a program may
    set them at any time): :class:`~.client.WebSocketClient`."""

    on_notification: Callback | None
    on_reconnect: Callback | None
    on_error: Callback | None
    max_pending_notifications: int

    def lease_remaining(self) -> float | None: ...


class UserCallbacks:
    """Runs a client's callbacks: ``on_reconnect`` on a thread of its own (a handler stuck in a
    call cannot hold the reconnect that call waits for), the others in order on another. The
    threads start when first needed. A callback that raises is logged, its secrets masked, and
    handed to ``on_error`` as a CallbackError."""

    def __init__(
        self,
        client: Owner,
        router: Router,
        secrets: Callable[[], tuple[str | None, ...]],
        closed: Callable[[], bool],
    ) -> None:
        self.client = client
        self.router = router
        self.secrets = secrets
        self.closed = closed
        self.runners: dict[str, Callbacks] = {}
        #: on_reconnect is running (its calls go out while the session is held short of ready).
        self.in_on_reconnect = False
        self.holds = 0  # (counts on_reconnect's runs: a finished one clears only its own flag)
        #: Notifications, parsed and routed on a thread of their own (started when first needed).
        self.deliveries = Deliveries(
            router, lambda: client.on_notification, self.failed, client.max_pending_notifications
        )

    def _runner(self, kind: str) -> Callbacks:
        runner = self.runners.get(kind)
        if runner is None:
            runner = self.runners[kind] = Callbacks(kind, self.failed)
        return runner

    def hold_for_on_reconnect(
        self, bound: float, done: Callable[[BaseException | None], None], overdue: Callable[[float], None]
    ) -> bool:
        """On the keeper, once a reconnect restored the session: runs ``on_reconnect`` (False:
        the client has none), its calls going out meanwhile (``in_on_reconnect``); ``done`` is
        called on the keeper's loop when it returns or raises (with what it raised), ``overdue``
        if it is still running ``bound`` seconds on."""
        self.in_on_reconnect = True  # (before it starts: its calls must go out during the restore)
        self.holds += 1
        mine = self.holds
        running = self.reconnected()
        if running is None:
            self.in_on_reconnect = False
            return False
        loop = asyncio.get_running_loop()
        timer = loop.call_later(bound, overdue, bound)

        def finished(future: concurrent.futures.Future[Any]) -> None:
            timer.cancel()
            if self.holds == mine:  # (a later reconnect's on_reconnect may be on its way)
                self.in_on_reconnect = False
            done(future.exception())

        def returned(future: concurrent.futures.Future[Any]) -> None:
            try:
                loop.call_soon_threadsafe(finished, future)
            except RuntimeError:  # the keeper stopped: the client is closed
                pass

        running.add_done_callback(returned)
        return True

    def reconnect_thread(self) -> threading.Thread | None:
        """The thread ``on_reconnect`` runs on, once it has run."""
        runner = self.runners.get("reconnect")
        return runner.thread if runner is not None else None

    def reconnected(self) -> concurrent.futures.Future[Any] | None:
        """Runs ``on_reconnect`` (None: the client has none)."""
        handler = self.client.on_reconnect
        return self._runner("reconnect").run("on_reconnect", handler, self.client) if handler is not None else None

    def notification(self, item: str | dict[str, Any]) -> None:
        """On the keeper: a notification (raw text, or parsed) for the notification thread."""
        self.deliveries.put(item)

    def error(self, error: DeribitError) -> None:
        if self.client.on_error is not None:
            self._runner("callbacks").run("on_error", self.client.on_error, error)

    def report(self, error: DeribitError) -> None:
        """What the engine reported that does not stop the session: logged, and a refused restore
        of channels handed to on_error (their routes dropped)."""
        if isinstance(error, SubscriptionRefusedError):  # channels a restore did not get back
            self.router.drop_channels(error.channels)
            logger.warning("%s", error)
            self.error(error)
        elif isinstance(error, ResponseValidationError):
            logger.warning("Dropped a frame that is not JSON-RPC: %s", redact(str(error), self.secrets()))
        else:
            logger.warning("The server refused the client's own public/test: %s", redact(str(error), self.secrets()))

    def failed(self, role: str, callback: Callback, error: BaseException) -> None:
        """A callback raised: logged (the client's secret and tokens masked), and handed to
        ``on_error`` as a CallbackError."""
        known = self.secrets()
        name = getattr(callback, "__qualname__", repr(callback))
        detail = excerpt(redact(str(error), known), 200)
        logger.error("The callback %s (%s) raised %s: %s", role, name, type(error).__name__, detail)
        on_error = self.client.on_error
        if role != "on_error" and on_error is not None and not self.closed():
            self._runner("callbacks").run("on_error", on_error, CallbackError(role, error, known))

    def stop(self) -> None:
        self.deliveries.stop()
        for runner in self.runners.values():
            runner.stop()
        self.runners.clear()
