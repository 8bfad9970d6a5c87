"""The keeper's host of one WebSocketClient's session: the engine (:class:`~..engine.protocol.SessionProtocol`,
where every session rule lives) driven on the keeper's loop, with what only a host has: the
connection and its reconnects, the timer for the engine's deadlines, the credit pool, the
liveness lease, the counters and the user's callbacks.

The :class:`Supervisor` and its engine are moved by the keeper's loop only (callers hand it
their :class:`~..engine.calls.Call` with ``loop.call_soon_threadsafe``); its client holds the
settings and the callbacks; a new Supervisor starts each life (each ``open()``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from ..engine.calls import Call
from ..engine.events import Error, Notification, ReplaceConnection, SessionFailed, StateChanged
from ..engine.host import SessionHost
from ..engine.orders import ORDER_CHANNELS
from ..engine.protocol import SessionProtocol, known_secrets
from ..errors import (
    APIConnectionError,
    DeribitError,
)
from ..transports.wire import Link
from .callbacks import UserCallbacks
from .lease import Lease
from .notifications import NOTIFICATION_PREFIXES
from .pacing import Pacer
from .settings import Settings

if TYPE_CHECKING:
    from .callbacks import Owner
    from .notifications import Router

__all__ = ["Supervisor"]


logger = logging.getLogger("deribit_session_client")


class Supervisor(SessionHost):
    """Hosts a session's engine on the keeper's loop (see the module's docstring). The client
    is kept for its callbacks (``on_reconnect``, ``on_notification``, ``on_error``), read when
    they are due."""

    def __init__(self, settings: Settings, client: Owner, router: Router) -> None:
        self.settings = settings
        self.client = client
        self.engine = SessionProtocol(
            client_id=settings.client_id,
            client_secret=settings.secret,
            access_token=settings.access_token,
            auth=settings.auth_kind,
            scope=settings.scope,
            heartbeat_interval=settings.heartbeat_interval,
            cancel_on_disconnect=settings.cancel_on_disconnect,
            timeout=settings.call_timeout,
            hung_after=settings.hung_after if settings.hung_after is not None else "heartbeats",
            min_refresh_interval=settings.min_refresh_interval,
            host=self,
        )
        self.started = False  # (open() began this life: until then the client reads "closed")
        #: Set by close(): callers waiting for credits stop waiting at once.
        self.closing = threading.Event()
        self.conn: Link | None = None
        self.generation = 0  # counts connections: a late on_reconnect belongs to an older one
        self.replaced: str | None = None  # why the client gave this connection up, if it did
        self.opened: asyncio.Future[None] | None = None
        self.runner: asyncio.Task[None] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0
        self.timer_mark = -1  # (the engine's deadlines_changed when the timer was last looked at)
        self.callbacks = UserCallbacks(
            client, router, lambda: known_secrets(self.engine), lambda: self.state == "closed"
        )
        self.lease = Lease(settings.lease, client.lease_remaining, self.callbacks.error)
        self.lease_watch: asyncio.Task[None] | None = None
        self.hook_note = ""
        self.last_up = 0.0
        self.lived: float | None = None  # how long the last connection was ready (None: never)
        self.received = 0.0  # (perf_counter when the frame being handled arrived)
        self.pacer = Pacer(settings.limiter, self)
        #: The last time a ready connection was lost (see WebSocketClient.last_disconnect).
        self.last_disconnect: dict[str, Any] | None = None
        self.stats: dict[str, Any] = {
            "connects": 0,
            "reconnects": 0,
            "test_requests_answered": 0,
            "last_test_request_answer_ms": None,
            "calls": 0,
            "last_call_ms": None,
        }

    @property
    def state(self) -> str:
        """The session's state as ``stats["state"]`` reports it."""
        return self.engine.state if self.started else "closed"

    @property
    def stopped(self) -> bool:
        return self.engine.stopped or not self.started

    # -- calls, from the callers (on the keeper's loop) ----------------------------------------------

    def submit(self, call: Call) -> None:
        """``call`` written, queued or failed by the engine's rules; its credits back if not written."""
        self.engine.send_call(call)
        self._after()
        if call.rpc_id is None:
            self.pacer.unsent(call)

    def forget(self, call: Call) -> None:
        """Its caller gave up: it never goes out if it has not (and then gives its credits back)."""
        if self.engine.withdraw(call):
            self.pacer.unsent(call)

    # -- what the engine asks (SessionHost) ------------------------------------------------------------

    def lease_lapsed(self) -> DeribitError | None:
        if self.settings.lease is None or self.lease.holds():
            return None
        return self.lease.error()

    def credits_for(self, call: Call) -> float:
        wait = self.settings.limiter.take_first(call.method, call.op)
        call.charged = wait <= 0
        return wait

    def answered(self, call: Call, envelope: dict[str, Any], raw: str) -> None:
        envelope["_raw"] = raw  # (the typed layer parses the result from the frame as received)
        self.stats["calls"] += 1
        self.stats["last_call_ms"] = round((time.perf_counter() - call.started) * 1000.0, 3)
        self.pacer.answered(call.method, call.op, envelope)
        if call.op is not None and call.op.connection_state:
            self._follow_heartbeat()

    def release(self, calls: list[Call]) -> list[Call]:
        for waited in calls:  # in order, each when the pool holds its credits
            self.pacer.pace(waited, self.submit)
        return []

    def restored(self, first: bool) -> bool:
        if first:
            return False
        report = self.last_disconnect
        if report is not None and report["down_s"] is None:
            report["down_s"] = round(time.time() - report["at"], 3)
        generation = self.generation

        def done(error: BaseException | None) -> None:
            if generation == self.generation and self.conn is not None:  # (else: the next one runs it again)
                if error is not None:  # logged by the runner and handed to on_error; the session stands
                    self.hook_note = f"; on_reconnect raised {type(error).__name__}, see on_error"
                self.engine.proceed(time.time())
                self._after()

        def overdue(bound: float) -> None:
            if generation == self.generation and self.conn is not None:
                self.replaced = f"setting the session up failed: on_reconnect did not return within {bound:.1f} s"
                self.conn.abort(self.replaced)

        return self.callbacks.hold_for_on_reconnect(self.settings.setup_bound(), done, overdue)

    def ignored(self, what: str) -> None:
        logger.info("Dropped %s", what)

    # -- the engine's deadlines and events ----------------------------------------------------------

    def _after(self) -> None:
        """After each step of the engine: its frames written, its events handled, its next
        deadline on the timer."""
        self._flush()
        self._events()
        engine = self.engine
        if self.timer is not None and engine.deadlines_changed == self.timer_mark:
            return  # (the armed timer is no later than every deadline the engine has)
        self.timer_mark = engine.deadlines_changed
        due = engine.next_deadline()
        if due is not None and (self.timer is None or due < self.timer_at):
            if self.timer is not None:
                self.timer.cancel()
            self.timer_at = due
            self.timer = asyncio.get_running_loop().call_later(max(due - time.time(), 0.0), self._tick)

    def _tick(self) -> None:
        self.timer = None
        self.engine.tick(time.time())
        self._after()

    def _flush(self) -> None:
        frames = self.engine.frames()
        if not frames:
            return
        conn, unsent = self.conn, []
        for frame, call in frames:
            try:
                written = conn is not None and conn.write(frame)
            except Exception as exc:  # (the transport broke mid-write: it may have left, so it is not sent again)
                logger.warning("A frame could not be written: %s", type(exc).__name__)
                if call is not None:
                    self.engine.withdraw(
                        call, APIConnectionError(f"{call.method}: writing it failed ({type(exc).__name__})")
                    )
                continue
            if not written:  # the connection is closing and nobody noticed yet
                if call is not None:
                    unsent.append(call)
                continue
            if call is None:  # a test_request's answer: it costs credits at the exchange too
                self.settings.limiter.charge("public/test")
                self.stats["test_requests_answered"] += 1
                self.stats["last_test_request_answer_ms"] = round((time.perf_counter() - self.received) * 1000.0, 3)
            else:  # (its credits were taken before it went: the caller's, or ahead of them, the session's own)
                self.pacer.written(call)
        for call in reversed(unsent):  # (each goes back to the front of the queue)
            self.engine.not_sent(call)
            self.pacer.unsent(call)

    def _events(self) -> None:
        for event in self.engine.events_received():
            if isinstance(event, Notification):
                self.callbacks.notification(event.message)
            elif isinstance(event, StateChanged):
                self._state_changed(event.state)
            elif isinstance(event, ReplaceConnection):
                self._replace(event)
            elif isinstance(event, SessionFailed):
                self._failed(event.error)
            elif isinstance(event, Error):
                self.callbacks.report(event.error)

    def _state_changed(self, state: str) -> None:
        self._follow_heartbeat()
        if state != "ready":
            return
        opened, restored = self.opened, describe(self.engine)
        self.last_up = asyncio.get_running_loop().time()
        self.stats["connects"] += 1
        if opened is not None and not opened.done():  # the first connection: open() returns
            logger.info("Connected to %s (%s)", self.settings.url, restored)
            opened.set_result(None)
        else:
            self.stats["reconnects"] += 1
            logger.info("Reconnected to %s; session restored (%s)%s", self.settings.url, restored, self.hook_note)
        self.hook_note = ""
        if self.settings.lease is not None and self.lease_watch is None:
            self.lease_watch = asyncio.get_running_loop().create_task(self.lease.watch())

    def _replace(self, event: ReplaceConnection) -> None:
        """The engine gave the connection up: it is dropped (open() fails, on the first)."""
        conn = self.conn
        if conn is None or self.replaced is not None:
            return
        self.replaced = event.reason
        opened = self.opened
        if opened is not None and not opened.done():
            opened.set_exception(event.error)
        conn.abort(event.reason)

    def _failed(self, error: DeribitError) -> None:
        """The session failed (a refused re-authentication): the connection aborted, ``on_error``
        told (on the first connection, open() raises it instead)."""
        opened = self.opened
        if opened is not None and not opened.done():
            opened.set_exception(error)
        else:
            logger.error("The session cannot go on; the WebSocketClient stops: %s", self.engine.redact(str(error)))
            self.callbacks.error(error)
        if self.conn is not None:
            self.conn.abort("the session failed")
        self.pacer.fail_all(error)

    def _follow_heartbeat(self) -> None:
        """The credit reserve for heartbeat answers follows this session's heartbeat."""
        heartbeat = self.engine.connection_state.get("heartbeat")
        self.pacer.follow_heartbeat(None if self.engine.stopped else heartbeat)

    # -- the connection ---------------------------------------------------------------------------------

    def on_message(self, conn: Link, raw: str | bytes) -> None:
        """One message, as the connection parsed it: handed to the engine (a test_request is
        answered in this same step). Never raises."""
        try:
            if conn is not self.conn or self.engine.stopped:
                return  # (a connection given up, not yet handed to the engine, or closing: nothing counts)
            # (a user.orders notification goes through the engine: it may close an order it counts)
            if type(raw) is str and raw.startswith(NOTIFICATION_PREFIXES) and raw.find(ORDER_CHANNELS, 40, 200) < 0:
                self.engine.heard(time.time())
                self.callbacks.notification(raw)  # parsed on the notification thread, not here
                return
            self.received = time.perf_counter()  # (uvloop's loop time moves in whole milliseconds)
            self.engine.receive(raw, time.time())
            self._after()
        except Exception:
            logger.exception("Handling a WebSocket frame failed")

    async def shutdown(self) -> None:
        self.closing.set()
        self.engine.close()
        self._events()
        if self.opened is not None and not self.opened.done():  # an open() still waiting raises now
            self.opened.set_exception(APIConnectionError("the WebSocketClient was closed while opening"))
        for task in (self.runner, self.lease_watch):
            if task is not None:
                task.cancel()
        if self.timer is not None:
            self.timer.cancel()
        conn, self.conn = self.conn, None  # (nothing it says counts now)
        if conn is not None:
            await conn.close()  # (within CLOSE_TIMEOUT, whichever transport)
        if self.runner is not None:
            try:
                await self.runner
            except (asyncio.CancelledError, Exception):
                pass
        self.pacer.fail_all(APIConnectionError("the WebSocketClient was closed"))
        self.conn = None

    def fail(self, error: DeribitError) -> None:
        """The session cannot go on for the host's sake (a refused certificate, a fault here)."""
        self.engine.fail(error)
        self._after()

    async def serve(self, conn: Link, auth_timeout: float) -> str:
        """Hands ``conn`` to the engine (which sets the session up on it) until it ends; then the
        loss, told to the engine and reported (``last_disconnect``). Returns why it ended: why
        the client gave it up, if it did, else how the transport saw it end."""
        self.conn, self.replaced = conn, None
        self.generation += 1
        self.engine.connected(time.time(), auth_timeout=auth_timeout)
        self._after()
        ended = await asyncio.shield(conn.ended)
        cause = self.replaced or ended
        was_ready = self.engine.state == "ready"
        self.conn = None
        self.lived = asyncio.get_running_loop().time() - self.last_up if was_ready else None
        if self.lease_watch is not None:
            self.lease_watch.cancel()
            self.lease_watch = None
        failed = self.engine.lost(time.time(), cause)
        self._after()
        orders = self.engine.lost_orders
        if was_ready or orders:  # (a connection held short of ready may have orders: on_reconnect's)
            self.last_disconnect = {
                "at": time.time(),
                "cause": self.engine.redact(cause),
                "calls_failed": failed,
                # connection-scope cancel-on-disconnect as this client set it on that connection
                "cancel_on_disconnect": "cancel_on_disconnect" in self.engine.connection_state,
                "orders": orders,
                "down_s": None,
            }
        return cause


def describe(engine: SessionProtocol) -> str:
    """The restored state, for the log line."""
    parts = [f"{key} {params}" for key, params in engine.connection_state.items()]
    channels = engine.channels
    if channels:
        parts.append(f"subscriptions ({len(channels)} channels)")
    return "; ".join(parts) if parts else "no heartbeat, no cancel-on-disconnect"
