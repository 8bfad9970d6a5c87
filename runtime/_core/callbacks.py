"""A WebSocketClient's own callbacks (``on_reconnect``, ``on_notification``, ``on_error``), run
on threads of their own so that no callback can hold the keeper, and what happens when one
raises."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import CallbackError, DeribitError, excerpt
from .notifications import Deliveries
from .redact import redact
from .threads import Callback, Callbacks

if TYPE_CHECKING:
    from .ws import WebSocketClient

__all__ = ["UserCallbacks"]

logger = logging.getLogger("deribit_session_client")


class UserCallbacks:
    """Runs a client's callbacks: ``on_reconnect`` on a thread of its own (a handler stuck in a
    call cannot hold the reconnect that call waits for), the others in order on another. The
    threads start when first needed. A callback that raises is logged, its secrets masked, and
    handed to ``on_error`` as a CallbackError."""

    def __init__(
        self, client: WebSocketClient, secrets: Callable[[], tuple[str | None, ...]], closed: Callable[[], bool]
    ) -> None:
        self.client = client
        self.secrets = secrets
        self.closed = closed
        self.runners: dict[str, Callbacks] = {}
        #: Notifications, parsed and routed on a thread of their own (started when first needed).
        self.deliveries = Deliveries(
            client._router, lambda: client.on_notification, self.failed, client.max_pending_notifications
        )

    def _runner(self, kind: str) -> Callbacks:
        runner = self.runners.get(kind)
        if runner is None:
            runner = self.runners[kind] = Callbacks(kind, self.failed)
        return runner

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
