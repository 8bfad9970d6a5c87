"""One WebSocketClient's session on the keeper's loop: connect, authenticate, restore, read,
answer heartbeats, lose and reconnect with backoff, refresh the token, and write calls.

The :class:`Supervisor` alone owns the connection, the lifecycle, the request ids, the calls
waiting and what to restore; it is moved only by the keeper's loop (callers hand it their
:class:`~.calls.Call` with ``loop.call_soon_threadsafe``). Its client holds the settings and
the callbacks; a new Supervisor starts each life (each ``open()``).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import ssl as ssl_module
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from . import registry
from .answers import checked, rpc_error
from .calls import Call, Outbox, settle, timed_out
from .errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    CallbackError,
    DeribitError,
    LeaseExpiredError,
    ResponseValidationError,
    certificate_problem,
    excerpt,
)
from .lifecycle import Lifecycle, State
from .meta import user_agent
from .operations import Operation
from .redact import redact
from .retry import backoff
from .session import DEFAULT_TIMEOUT, Incoming, RpcSession, client_signature, refresh_delay
from .threads import Callback, Callbacks
from .transport import Connection, library_version, open_connection

if TYPE_CHECKING:
    from .ws import WebSocketClient

__all__ = ["Settings", "Supervisor"]


logger = logging.getLogger("deribit_session_client")


@dataclass(frozen=True, slots=True)
class Settings:
    """What one life of a session runs with, fixed when the client opens (secrets kept out of
    the repr)."""

    url: str
    client_id: str | None
    secret: str | None = field(repr=False)
    access_token: str | None = field(repr=False)
    auth_kind: str
    scope: str | None
    heartbeat_interval: float | None
    cancel_on_disconnect: str | None
    #: Each call's bound (None: no limit), as the client's ``timeout`` resolves.
    call_timeout: float | None
    connect_timeout: float
    ping_interval: float | None
    ping_timeout: float | None
    hung_after: float | None
    initial_retry_delay: float
    max_retry_delay: float
    max_message_bytes: int
    min_refresh_interval: float
    lease: float | None
    ssl: ssl_module.SSLContext | None
    proxy: str | Literal[True] | None
    user_agent: str | None

    def setup_bound(self) -> float:
        """How long setting a session up may take: connecting and authenticating (the connect
        timeout), then each call that restores the session."""
        return min(self.connect_timeout + 3 * (self.call_timeout or DEFAULT_TIMEOUT), threading.TIMEOUT_MAX / 2)


class Supervisor:
    """A session's state and every step that changes it (see the module's docstring). The
    client is kept for its callbacks (``on_reconnect``, ``on_notification``, ``on_error``),
    read when they are due."""

    def __init__(self, settings: Settings, client: WebSocketClient) -> None:
        self.settings = settings
        self.client = client
        #: The threads user callbacks run on (``on_reconnect`` has its own, so a handler stuck
        #: in a call cannot hold the reconnect that call waits for); started when first needed.
        self.callbacks: dict[str, Callbacks] = {}
        #: Where the session is (moved by the keeper's loop only, read by anyone).
        self.life = Lifecycle()
        self.session = RpcSession()
        self.out = Outbox(self.session)
        self.conn: Connection | None = None
        self.opened: asyncio.Future[None] | None = None
        self.runner: asyncio.Task[None] | None = None
        self.refresher: asyncio.Task[None] | None = None
        self.refresh_token: str | None = None
        self.access_token: str | None = None
        self.in_on_reconnect = False
        self.last_frame = 0.0
        self.last_up = 0.0
        #: The last time a ready connection was lost (see WebSocketClient.last_disconnect).
        self.last_disconnect: dict[str, Any] | None = None
        #: The lapse of the liveness lease was reported (once per lapse).
        self.lease_reported = False
        self.stats: dict[str, Any] = {
            "connects": 0,
            "reconnects": 0,
            "test_requests_answered": 0,
            "last_test_request_answer_ms": None,
            "calls": 0,
            "last_call_ms": None,
        }

    # -- the one place a call is written ------------------------------------------------------

    def submit(self, call: Call) -> None:
        """Writes ``call`` now, or queues it until the session is ready, or fails it (the rules:
        :mod:`.calls`)."""
        state, conn = self.life.state, self.conn
        if self.settings.lease is not None and not call.bypass and not self._lease_holds():
            settle(call.token, None, self._lease_error())  # a hung program's call must not go out
            return
        if state is State.READY:
            open_for = conn is not None
        elif self.life.stopped:
            stopped = self.fatal()
            if stopped is None:
                ended = "was ended with private/logout" if state is State.LOGGED_OUT else "is closed"
                stopped = APIConnectionError(f"{call.method}: the WebSocketClient {ended}")
            settle(call.token, None, stopped)
            return
        else:  # connecting, or setting a connection up: only the session's own calls go out
            open_for = call.bypass and conn is not None and self.life.setting_up
        frame = self.out.admit(call, open_for)
        if frame is None:
            return
        assert conn is not None
        try:
            written = conn.write(frame)
        except Exception as exc:
            self.out.forget(call)
            settle(call.token, None, APIConnectionError(f"{call.method}: the call was not sent: {type(exc).__name__}"))
            return
        if not written:  # the connection is closing and nobody noticed yet: it waits for the next one
            self.out.unsent(call)
            return
        if call.op is not None and call.op.websocket_no_answer:
            # private/logout: the server closes without an answer, and the session ends (no
            # reconnect, no restore). The close is the answer.
            self.out.forget(call)
            self.life.logged_out()
            self.session.state.clear()
            self._answered(call, {"jsonrpc": "2.0", "result": "ok"})

    def _answered(self, call: Call, envelope: dict[str, Any]) -> None:
        """The answer reached the keeper: counted, what a successful call sets recorded (for the
        next connection), and handed to the caller."""
        self.stats["calls"] += 1
        self.stats["last_call_ms"] = round((time.perf_counter() - call.started) * 1000.0, 3)
        op = call.op
        if op is not None and op.connection_state and "result" in envelope and "error" not in envelope:
            self.session.record(op.connection_state, call.method, call.params)
        settle(call.token, envelope, None)

    async def _request(
        self, method: str, params: dict[str, Any], bound: float | None, op: Operation | None = None
    ) -> dict[str, Any]:
        """The session's own call (authentication, restoring its state), on the keeper: it goes
        out while the session is being set up."""
        token: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        call = Call(method, params, RpcSession.encode_call(method, params), op, token, bypass=True)
        self.submit(call)
        try:
            return await asyncio.wait_for(token, bound)
        except TimeoutError:
            self.out.forget(call)
            raise timed_out(call, bound) from None
        except asyncio.CancelledError:
            self.out.forget(call)
            raise

    async def start(self) -> None:
        if self.life.closed:  # close() came first, from another thread
            raise APIConnectionError("the WebSocketClient was closed while opening")
        opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.opened = opened
        self.runner = asyncio.create_task(self._run(opened))
        await opened

    def fatal(self) -> DeribitError | None:
        """The error that stopped the session, while it is failed."""
        error = self.life.error if self.life.state is State.FAILED else None
        return error if isinstance(error, DeribitError) else None

    async def shutdown(self) -> None:
        self.life.close()
        if self.opened is not None and not self.opened.done():  # an open() still waiting raises now
            self.opened.set_exception(APIConnectionError("the WebSocketClient was closed while opening"))
        for task in (self.refresher, self.runner):
            if task is not None:
                task.cancel()
        conn = self.conn
        if conn is not None:
            await conn.close(2.0)
        for task in (self.refresher, self.runner):
            if task is not None:
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
        self.out.stop(APIConnectionError("the WebSocketClient was closed"))
        self.conn = None

    async def _run(self, opened: asyncio.Future[None]) -> None:
        try:
            await self._live(opened)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # a bug must not leave open() waiting or the client silently dead
            error = (
                exc
                if isinstance(exc, DeribitError)
                else APIConnectionError(f"the WebSocket session failed: {type(exc).__name__}")
            )
            logger.exception("The WebSocket session stopped")
            if not opened.done():
                opened.set_exception(error)
            self._stop_fatally(error, "The WebSocket session failed")

    async def _live(self, opened: asyncio.Future[None]) -> None:
        """The connection's life: connect, authenticate, restore, read; again after each loss."""
        attempt = 0
        cause = ""
        while not self.life.stopped:
            first = not opened.done()
            setup_deadline = asyncio.get_running_loop().time() + self.settings.connect_timeout
            try:
                conn = await self._connect()
            except DeribitError as exc:
                if first:
                    opened.set_exception(exc)
                    return
                if certificate_problem(exc) is not None:  # it will not heal by retrying
                    self._stop_fatally(exc, "The server's TLS certificate was refused")
                    return
                cause = str(exc)
                attempt = await self._backoff(attempt, cause)
                continue
            self.conn = conn
            self.life.connected()
            reader = asyncio.create_task(self._read(conn))
            try:
                hook_note = await asyncio.wait_for(self._establish(first, setup_deadline), self.settings.setup_bound())
            except AuthenticationError as exc:
                reader.cancel()
                await self._drop(conn)
                if first:
                    opened.set_exception(exc)
                    return
                self._stop_fatally(exc, "Re-authentication refused")
                return
            except (
                DeribitError,
                TimeoutError,
                OSError,
                ValueError,
                TypeError,
                AttributeError,
            ) as exc:
                reader.cancel()
                await self._drop(conn)
                cause = f"setting the session up failed: {type(exc).__name__}: {exc}"
                if first:
                    opened.set_exception(exc if isinstance(exc, DeribitError) else APIConnectionError(cause))
                    return
                if self.life.stopped:
                    return
                self.life.lost()
                self.out.lost(APIConnectionError(cause))
                attempt = await self._backoff(attempt, cause)
                continue
            if reader.done() and not first:  # it died while being set up (during on_reconnect, say)
                cause = f"the connection was lost while the session was restored: {reader.result()}"
                self.conn = None
                self.life.lost()
                self.out.lost(APIConnectionError(cause))
                attempt = await self._backoff(attempt, cause)
                continue
            self.last_up = asyncio.get_running_loop().time()
            self.stats["connects"] += 1
            if not first:
                self.stats["reconnects"] += 1
                logger.info(
                    "Reconnected to %s; session restored (%s)%s", self.settings.url, self._describe_state(), hook_note
                )
            else:
                logger.info("Connected to %s (%s)", self.settings.url, self._describe_state())
            self.life.restored()
            if first:
                opened.set_result(None)
            for waited in self.out.release():  # the calls that waited for the session, in order
                self.submit(waited)
            lease = asyncio.create_task(self._watch_lease()) if self.settings.lease is not None else None
            try:
                cause = await reader
            finally:
                if lease is not None:
                    lease.cancel()
            if self.life.ready:  # (the reader saw the loss in another state: it is lost all the same)
                self.life.lost()
            if self.life.state is State.FAILED:
                return  # stopped while connected (a refused refresh): failed, and stays so
            if asyncio.get_running_loop().time() - self.last_up >= 10.0:
                attempt = 0  # it lived: the next trouble starts the backoff afresh
            self.conn = None
            self.out.lost(APIConnectionError(f"the connection was lost: {cause}"))
            if self.refresher is not None:
                self.refresher.cancel()
            if self.life.stopped:  # closed, or logged out
                return
            await self._until_lease_renewed()
            attempt = await self._backoff(attempt, cause)

    async def _until_lease_renewed(self) -> None:
        """No reconnect while the liveness lease is lapsed: the program must renew() first."""
        if self._lease_holds():  # (a lapse is reported here, if nothing did yet)
            return
        logger.warning("The liveness lease has lapsed: no reconnect until renew() is called")
        while not self.life.stopped:
            if self._lease_holds():  # renewed (and the next lapse will be reported again)
                return
            await asyncio.sleep(0.05)

    async def _backoff(self, attempt: int, cause: str) -> int:
        delay = backoff(attempt, self.settings.initial_retry_delay, self.settings.max_retry_delay)
        logger.warning(
            "WebSocket connection to %s lost (%s); reconnecting in %.2f s (attempt %d)",
            self.settings.url,
            self._redacted(cause),
            delay,
            attempt + 1,
        )
        await asyncio.sleep(delay)
        return attempt + 1

    async def _connect(self) -> Connection:
        return await open_connection(
            self.settings.url,
            on_message=self._on_frame,
            connect_timeout=self.settings.connect_timeout,
            ping_interval=self.settings.ping_interval,
            ping_timeout=self.settings.ping_timeout,
            max_size=self.settings.max_message_bytes,
            ssl=self.settings.ssl,
            proxy=self.settings.proxy,
            user_agent=self.settings.user_agent or user_agent(library_version()),
        )

    async def _drop(self, conn: Connection) -> None:
        conn.abort()
        self.conn = None

    def _describe_state(self) -> str:
        calls = self.session.reapply()
        parts = [f"{method} {params}" for method, params in calls]
        return "; ".join(parts) if parts else "no heartbeat, no cancel-on-disconnect"

    async def _establish(self, first: bool, auth_deadline: float) -> str:
        """Authenticate (by ``auth_deadline``: opening and authenticating share the connect
        timeout) and put the connection state back, before any waiting call goes out. Returns
        what to add to the INFO line (an ``on_reconnect`` that raised)."""
        try:
            await self._authenticate(deadline=auth_deadline)
        except APITimeoutError:
            raise APITimeoutError(
                f"authenticating to {self.settings.url} did not finish within connect_timeout ({self.settings.connect_timeout} s)"
            ) from None
        self.life.authenticated()
        if first:
            operations = registry.operations()
            if self.settings.heartbeat_interval is not None:
                await self._apply(operations, "public/set_heartbeat", {"interval": self.settings.heartbeat_interval})
            if self.settings.cancel_on_disconnect is not None:
                await self._apply(
                    operations, "private/enable_cancel_on_disconnect", {"scope": self.settings.cancel_on_disconnect}
                )
        else:
            calls = self.session.reapply()
            for method, params in calls:
                checked(await self._request(method, params, self.settings.call_timeout, None))
            if self.last_disconnect is not None and self.last_disconnect["down_s"] is None:
                self.last_disconnect["down_s"] = round(time.time() - self.last_disconnect["at"], 3)
            if self.client.on_reconnect is not None:
                self.in_on_reconnect = True
                try:
                    await asyncio.wrap_future(
                        self.runner_for("reconnect").run("on_reconnect", self.client.on_reconnect, self.client)
                    )
                except Exception as exc:  # logged by the runner and handed to on_error; the session stands
                    return f"; on_reconnect raised {type(exc).__name__}, see on_error"
                finally:
                    self.in_on_reconnect = False
        return ""

    async def _apply(self, operations: Mapping[str, Operation], method: str, params: dict[str, Any]) -> None:
        op = next((o for o in operations.values() if o.rpc_method == method), None)
        sent = op.prepare(params) if op is not None else params
        checked(await self._request(method, sent, self.settings.call_timeout, op))

    async def _authenticate(self, refresh: bool = False, deadline: float | None = None) -> None:
        if self.settings.secret is None or self.settings.client_id is None:
            return
        params: dict[str, Any]
        if refresh and self.refresh_token is not None:
            params = {"grant_type": "refresh_token", "refresh_token": self.refresh_token}
        elif self.settings.auth_kind == "client_credentials":
            params = {
                "grant_type": "client_credentials",
                "client_id": self.settings.client_id,
                "client_secret": self.settings.secret,
            }
        else:
            timestamp = int(time.time() * 1000)
            nonce = secrets.token_hex(8)
            params = {
                "grant_type": "client_signature",
                "client_id": self.settings.client_id,
                "timestamp": timestamp,
                "nonce": nonce,
                "data": "",
                "signature": client_signature(self.settings.secret, timestamp, nonce),
            }
        if self.settings.scope and not refresh:
            params["scope"] = self.settings.scope
        bound = (
            self.settings.call_timeout if deadline is None else max(deadline - asyncio.get_running_loop().time(), 0.001)
        )
        result = checked(await self._request("public/auth", params, bound, None))["result"]
        if not isinstance(result, dict) or not isinstance(result.get("access_token"), str):
            raise ResponseValidationError("public/auth answered without an access token")
        renewal = result.get("refresh_token")
        self.refresh_token = renewal if isinstance(renewal, str) else None
        self.access_token = result["access_token"]  # (kept only to mask it wherever it might be quoted)
        expires_in = result.get("expires_in")
        if self.refresher is not None and self.refresher is not asyncio.current_task():
            self.refresher.cancel()
        delay = refresh_delay(expires_in, self.settings.min_refresh_interval)
        if delay is not None:
            self.refresher = asyncio.create_task(self._refresh_later(delay))

    async def _refresh_later(self, after: float) -> None:
        await asyncio.sleep(after)
        if self.life.stopped or self.conn is None:
            return
        try:
            await self._authenticate(refresh=True)
            logger.info("Access token refreshed")
        except AuthenticationError:
            logger.warning("Refreshing the access token was refused; authenticating again")
            self.refresh_token = None
            try:
                await self._authenticate()
            except AuthenticationError as exc:
                self._stop_fatally(exc, "Refreshing the access token was refused, and so was a new authentication")
        except DeribitError as exc:
            logger.warning(
                "Refreshing the access token failed (%s); the connection will be replaced", self._redacted(str(exc))
            )
            if self.conn is not None:
                self.conn.abort()

    def _stop_fatally(self, error: DeribitError, what: str) -> None:
        """The session cannot go on (a refused re-authentication, refresh or certificate, or a
        bug): state ``failed`` (before any caller is woken: one told of the failure sees it),
        the connection aborted (nothing may go out on it), waiting and later calls raise
        ``error``, no reconnect, ``on_error`` told."""
        if self.life.stopped:  # closing, or already stopped: nothing left to stop
            return
        self.life.fail(error)
        logger.error("%s; the WebSocketClient stops: %s", what, self._redacted(str(error)))
        if self.refresher is not None and self.refresher is not asyncio.current_task():
            self.refresher.cancel()
        if self.conn is not None:
            self.conn.abort()
            self.conn = None
        self.out.stop(error)  # every call, written or waiting, learns it now
        self._notify_error(error)

    def runner_for(self, kind: str) -> Callbacks:
        runner = self.callbacks.get(kind)
        if runner is None:
            runner = self.callbacks[kind] = Callbacks(kind, self.callback_failed)
        return runner

    def reconnect_thread(self) -> threading.Thread | None:
        runner = self.callbacks.get("reconnect")
        return runner.thread if runner is not None else None

    def stop_callbacks(self) -> None:
        for runner in self.callbacks.values():
            runner.stop()
        self.callbacks.clear()

    def callback_failed(self, role: str, callback: Callback, error: BaseException) -> None:
        """A callback raised: logged (the client's secret and tokens masked), and handed to
        ``on_error`` as a CallbackError."""
        known = (self.settings.secret, self.settings.access_token, self.access_token, self.refresh_token)
        name = getattr(callback, "__qualname__", repr(callback))
        detail = excerpt(redact(str(error), known), 200)
        logger.error("The callback %s (%s) raised %s: %s", role, name, type(error).__name__, detail)
        on_error = self.client.on_error
        if role != "on_error" and on_error is not None and not self.life.closed:
            self.runner_for("callbacks").run("on_error", on_error, CallbackError(role, error, known))

    def _redacted(self, text: str) -> str:
        """``text`` without this client's secret and tokens (by value), or any secret field."""
        return redact(text, (self.settings.secret, self.settings.access_token, self.access_token, self.refresh_token))

    def _notify_error(self, error: DeribitError) -> None:
        if self.client.on_error is not None:
            self.runner_for("callbacks").run("on_error", self.client.on_error, error)

    def _hung_limit(self) -> float | None:
        if self.settings.hung_after is not None:
            return self.settings.hung_after
        heartbeat = self.session.state.get("heartbeat")
        if heartbeat is None:
            return None  # nothing is due from the server: the keepalive pings watch the connection
        interval = float(heartbeat[2].get("interval", 0))
        # The server sends a frame every interval; pongs never surface here, so the ping side
        # of "hung" is the transport's keepalive's (no pong within ping_timeout: it fails).
        return 2.0 * interval if interval > 0 else None

    async def _read(self, conn: Connection) -> str:
        """Reads until the connection ends, then fails the calls that waited on it. Returns the cause."""
        cause = await self._read_frames(conn)
        was_ready = self.life.ready
        if was_ready:
            self.life.lost()  # before any caller is woken: one told of the loss sees it
        failed = self.out.lost(APIConnectionError(f"the connection was lost: {cause}"))
        if was_ready:
            self.last_disconnect = {
                "at": time.time(),
                "cause": self._redacted(cause),
                "calls_failed": failed,
                # connection-scope cancel-on-disconnect as this client set it on that connection
                "cancel_on_disconnect": "cancel_on_disconnect" in self.session.state,
                "down_s": None,
            }
        return cause

    async def _read_frames(self, conn: Connection) -> str:
        """Waits for the connection to end, watching that frames keep coming; returns the cause.
        (The frames themselves reach :meth:`_on_frame` as the connection parses them.)"""
        loop = asyncio.get_running_loop()
        self.last_frame = loop.time()
        watchdog = loop.create_task(self._watch(conn))  # one timer, not a timeout per frame
        try:
            return await asyncio.shield(conn.ended)
        finally:
            watchdog.cancel()

    def _on_frame(self, conn: Connection, raw: str | bytes) -> None:
        """One message, on the keeper, as the connection parsed it: handled, and a test_request
        answered in this same step. Never raises: a frame that cannot be handled is logged, and
        the connection goes on."""
        try:
            received = self.last_frame = asyncio.get_running_loop().time()
            frame = self._frame(conn, raw)
            if frame is None or not conn.write(frame):
                return
        except Exception:
            logger.exception("Handling a WebSocket frame failed")
            return
        self.stats["test_requests_answered"] += 1
        self.stats["last_test_request_answer_ms"] = round((asyncio.get_running_loop().time() - received) * 1000.0, 3)

    async def _watch(self, conn: Connection) -> None:
        """Aborts the connection when nothing arrived for the hung limit (heartbeats on)."""
        loop = asyncio.get_running_loop()
        while True:
            limit = self._hung_limit()
            if limit is None:
                await asyncio.sleep(1.0)
                continue
            silent = loop.time() - self.last_frame
            if silent >= limit:
                conn.abort(f"nothing received for {limit:.1f} s: the server looks hung")
                return
            await asyncio.sleep(limit - silent)

    def _frame(self, conn: Connection, raw: str | bytes) -> str | None:
        """Handles one frame; returns the answer to send for a test_request."""
        try:
            incoming = self.session.receive(raw)
        except ResponseValidationError as exc:
            logger.warning("Dropped a frame that is not JSON-RPC: %s", self._redacted(str(exc)))
            return None
        self._dispatch(conn, incoming)
        if incoming.kind != "test_request":
            return None
        if not self._lease_holds():
            return None  # the program did not renew its lease: let the exchange end the session
        return self.session.request("public/test", {}, None)[1]

    def _lease_holds(self) -> bool:
        """Whether the liveness lease (if any) still holds; when it has just lapsed, says so
        once per lapse (ERROR, and ``on_error`` with LeaseExpiredError)."""
        remaining = self.client.lease_remaining()
        if remaining is None or remaining > 0:
            self.lease_reported = False
            return True
        if not self.lease_reported:
            self.lease_reported = True
            error = self._lease_error()
            logger.error("%s", error)
            self._notify_error(error)
        return False

    def _lease_error(self) -> LeaseExpiredError:
        return LeaseExpiredError(
            f"renew() was not called within the {self.settings.lease} s lease: heartbeats are no longer"
            " answered and calls are refused; the exchange will close the connection (cancel-on-disconnect"
            " fires), and the client reconnects after the next renew()"
        )

    async def _watch_lease(self) -> None:
        """Reports the lease's lapse when it happens, not when the next test_request comes (a
        busy connection gets none), and so stops calls going out on it."""
        while True:
            remaining = self.client.lease_remaining()
            if remaining is None:
                return
            self._lease_holds()  # (reports a lapse once; a renew() makes the next one reported again)
            await asyncio.sleep(remaining if remaining > 0 else 0.05)

    def _dispatch(self, conn: Connection, incoming: Incoming) -> None:
        kind = incoming.kind
        if kind == "answer":
            call = self.out.answered(incoming.id)
            if call is not None:
                incoming.message["_raw"] = incoming.raw
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug("WebSocket <- %s id=%d", call.method, incoming.id)
                self._answered(call, incoming.message)
        elif kind == "internal":
            error = rpc_error(incoming.message)
            if error is not None:
                logger.warning("The server refused the client's own public/test: %s", self._redacted(str(error)))
        elif kind == "notification":
            if self.client.on_notification is not None:
                self.runner_for("callbacks").run("on_notification", self.client.on_notification, incoming.message)
            else:
                logger.debug("Dropped a notification (no on_notification): %s", incoming.message.get("method"))
        elif kind == "unknown":
            logger.info("Dropped an answer for no pending call (id %s)", self._redacted(excerpt(repr(incoming.id), 40)))
