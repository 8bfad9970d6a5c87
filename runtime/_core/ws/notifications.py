"""Notifications, from the keeper to the user's handlers: the keeper only tells a subscription
notification from the rest by the start of its frame and hands the raw text over; a thread of
the client's own parses it and runs the handlers of its channel (or ``on_notification``), in
order, so that no handler can delay a heartbeat answer. The queue between them is bounded:
when handlers fall behind, the oldest notifications are dropped, counted, and said at WARNING
once per burst."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["DEFAULT_MAX_PENDING", "NOTIFICATION_PREFIXES", "Deliveries", "Router", "is_private_channel"]

logger = logging.getLogger("deribit_session_client")

#: How many failures of one handler a second are logged and handed to on_error (the rest are
#: counted in stats["notification_handler_errors"]): a handler that raises on every message
#: of a flood must not flood the log and on_error too.
REPORTS_PER_SECOND = 10
#: How many notifications may wait for their handlers before the oldest are dropped.
DEFAULT_MAX_PENDING = 100_000
#: How a subscription notification starts, as the exchange (compact) and common encoders write
#: it: enough to hand it over unparsed (any other frame is parsed on the keeper).
NOTIFICATION_PREFIXES = ('{"jsonrpc":"2.0","method":"subscription"', '{"jsonrpc": "2.0", "method": "subscription"')

Handler = Callable[[dict[str, Any]], Any]


def is_private_channel(channel: str) -> bool:
    """Whether subscribing to ``channel`` needs an authenticated connection (``user.*``)."""
    return channel.startswith("user.")


class Router:
    """Which handlers a channel's notifications go to. Changed by callers' threads (subscribe,
    unsubscribe) under a lock, read without one by the delivery thread: each change replaces
    the table whole."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.table: dict[str, tuple[Handler, ...]] = {}
        self._on_clear: list[Callable[[], None]] = []

    def add(self, channels: list[str], handler: Handler) -> None:
        with self._lock:
            table = dict(self.table)
            for channel in channels:
                table[channel] = (*table.get(channel, ()), handler)
            self.table = table

    def remove(self, channels: list[str], handler: Handler) -> list[str]:
        """Takes ``handler`` off ``channels``; returns the channels no handler wants any more."""
        with self._lock:
            table = dict(self.table)
            unwanted = []
            for channel in channels:
                left = tuple(h for h in table.get(channel, ()) if h is not handler)
                if left:
                    table[channel] = left
                else:
                    table.pop(channel, None)
                    unwanted.append(channel)
            self.table = table
            return unwanted

    def on_clear(self, hook: Callable[[], None]) -> None:
        """``hook()`` is called once when the client closes (a stream ends then)."""
        with self._lock:
            self._on_clear.append(hook)

    def off_clear(self, hook: Callable[[], None]) -> None:
        with self._lock:
            if hook in self._on_clear:
                self._on_clear.remove(hook)

    def drop_channels(self, channels: list[str]) -> None:
        """No handler gets ``channels`` any more (the exchange refused them on a restore)."""
        with self._lock:
            self.table = {c: h for c, h in self.table.items() if c not in channels}

    def clear(self) -> None:
        """The client closed: no handler is left, and every stream is told."""
        with self._lock:
            self.table = {}
            hooks, self._on_clear = self._on_clear, []
        for hook in hooks:
            try:
                hook()
            except RuntimeError:  # (a stream whose event loop is gone)
                pass


class Deliveries:
    """The client's notification thread and the bounded queue the keeper fills."""

    def __init__(
        self,
        router: Router,
        fallback: Callable[[], Handler | None],
        failed: Callable[[str, Any, BaseException], None],
        max_pending: int,
    ) -> None:
        self.router = router
        self.fallback = fallback  # on_notification, read when a notification is unrouted
        self.failed = failed
        self.max_pending = max_pending
        self.queue: deque[str | dict[str, Any]] = deque()
        self.delivered = 0
        self.dropped = 0
        self._burst = False  # dropping now (said once at WARNING until the queue drains)
        #: Handler -> (the second its failures are counted from, how many were reported in it).
        self._reported: dict[int, tuple[int, int]] = {}
        self.handler_errors = 0
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def put(self, item: str | dict[str, Any]) -> None:
        """On the keeper: one notification, raw text or already parsed."""
        queue = self.queue
        if len(queue) >= self.max_pending:
            try:
                queue.popleft()
            except IndexError:  # (the thread emptied it meanwhile)
                pass
            else:
                self.dropped += 1
                if not self._burst:
                    self._burst = True
                    logger.warning(
                        "Notification handlers are falling behind: dropping the oldest notifications"
                        " (more than max_pending_notifications=%d waiting); stats['notifications_dropped']",
                        self.max_pending,
                    )
        queue.append(item)
        thread = self._thread
        if thread is None or not thread.is_alive():
            self._start()
        if not self._wake.is_set():
            self._wake.set()

    def _start(self) -> None:
        with self._start_lock:
            thread = self._thread
            if (thread is None or not thread.is_alive()) and not self._stopping:
                self._thread = threading.Thread(target=self._run, name="deribit-session-notifications", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(5)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()  # for handlers that are coroutines: awaited here, in order
        try:
            while not self._stopping:
                self._wake.wait()
                self._wake.clear()
                self._drain(loop)
                self._burst = False
        finally:
            loop.close()

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        queue = self.queue
        while not self._stopping:
            try:
                item = queue.popleft()
            except IndexError:
                return
            try:
                message = json.loads(item) if isinstance(item, str) else item
            except (ValueError, RecursionError):
                logger.warning("Dropped a notification that is not JSON")
                continue
            params = message.get("params") if isinstance(message, dict) else None
            channel = params.get("channel") if isinstance(params, dict) else None
            handlers = self.router.table.get(channel) if isinstance(channel, str) else None
            if handlers:
                for handler in handlers:
                    self._call(loop, "subscription handler", handler, params)
            else:
                fallback = self.fallback()
                if fallback is None:
                    logger.debug("Dropped a notification (no handler): %s", channel)
                    continue
                self._call(loop, "on_notification", fallback, message)
            self.delivered += 1

    def _call(self, loop: asyncio.AbstractEventLoop, role: str, handler: Handler, argument: Any) -> None:
        try:
            result = handler(argument)
            if asyncio.iscoroutine(result):
                loop.run_until_complete(result)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a handler's bug (CancelledError too): the others still run
            self.handler_errors += 1
            second = int(time.monotonic())
            since, count = self._reported.get(id(handler), (second, 0))
            if since != second:
                since, count = second, 0
            if count < REPORTS_PER_SECOND:  # logged and handed to on_error; beyond that, counted only
                self.failed(role, getattr(handler, "handler", handler), exc)
            self._reported[id(handler)] = (since, count + 1)
