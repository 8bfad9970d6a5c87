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
import time
from typing import TYPE_CHECKING, Any

from .auth import Auth
from .callbacks import UserCallbacks
from .calls import LOGGED_OUT, Call, Outbox, settle, timed_out
from .errors import APIConnectionError, AuthenticationError, DeribitError, certificate_problem
from .lease import Lease
from .lifecycle import Lifecycle, State
from .meta import user_agent
from .operations import Operation
from .pacing import Pacer
from .reader import Reader
from .redact import redact
from .restore import describe, establish
from .retry import backoff
from .session import RpcSession, with_access_token
from .wire import Link, OnMessage
from .ws_settings import Settings

if TYPE_CHECKING:
    from .ws import WebSocketClient

__all__ = ["Supervisor"]


logger = logging.getLogger("deribit_session_client")


class Supervisor:
    """A session's state and every step that changes it (see the module's docstring). The
    client is kept for its callbacks (``on_reconnect``, ``on_notification``, ``on_error``),
    read when they are due."""

    def __init__(self, settings: Settings, client: WebSocketClient) -> None:
        self.settings = settings
        self.client = client
        #: Where the session is (moved by the keeper's loop only, read by anyone).
        self.life = Lifecycle()
        self.session = RpcSession()
        self.out = Outbox(self.session)
        self.conn: Link | None = None
        self.opened: asyncio.Future[None] | None = None
        self.runner: asyncio.Task[None] | None = None
        self.auth = Auth(settings, self._own_call, self._connected, self._replace, self._stop_fatally, self.redacted)
        self.callbacks = UserCallbacks(client, lambda: self.auth.secrets, lambda: self.life.closed)
        self.lease = Lease(settings.lease, client.lease_remaining, self.callbacks.error)
        self.reader = Reader(self)
        self.in_on_reconnect = False
        self.last_up = 0.0
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

    # -- the one place a call is written ------------------------------------------------------

    def submit(self, call: Call) -> None:
        """Writes ``call`` now, or queues it until the session is ready, or fails it (the rules:
        :mod:`.calls`); one not written gives its credits back (:mod:`.pacing`)."""
        if not self._send(call):
            self.pacer.unsent(call)

    def forget(self, call: Call) -> None:
        """Its caller gave up: it never goes out if it has not (and then gives its credits back)."""
        written = call.rpc_id is not None
        self.out.forget(call)
        if not written:
            self.pacer.unsent(call)

    def _send(self, call: Call) -> bool:
        state, conn = self.life.state, self.conn
        if self.settings.lease is not None and not call.bypass and not self.lease.holds():
            settle(call.token, None, self.lease.error())  # a hung program's call must not go out
            return False
        if self.life.stopped:
            stopped = self.fatal()
            if stopped is None:
                ended = "was ended with private/logout" if state is State.LOGGED_OUT else "is closed"
                stopped = APIConnectionError(f"{call.method}: the WebSocketClient {ended}")
            settle(call.token, None, stopped)
            return False
        frame = self.out.admit(call, self.life.takes(call.bypass, connected=conn is not None))
        if frame is None:
            return False
        assert conn is not None
        try:
            written = conn.write(frame)
        except Exception as exc:
            self.out.forget(call)
            settle(call.token, None, APIConnectionError(f"{call.method}: the call was not sent: {type(exc).__name__}"))
            return False
        if not written:  # the connection is closing and nobody noticed yet: it waits for the next one
            self.out.unsent(call)
            return False
        self.pacer.written(call)
        if self.out.written(call, self.life):  # private/logout: the session ended, no reconnect
            self.pacer.follow_heartbeat(self.session, self.life.stopped)
            self.answered(call, dict(LOGGED_OUT))
        return True

    def answered(self, call: Call, envelope: dict[str, Any]) -> None:
        """The answer reached the keeper: counted, what a successful call sets recorded (for the
        next connection), and handed to the caller."""
        self.stats["calls"] += 1
        self.stats["last_call_ms"] = round((time.perf_counter() - call.started) * 1000.0, 3)
        op = call.op
        self.pacer.answered(call.method, op, envelope)
        if op is not None and self.session.succeeded(
            op.connection_state, call.method, call.params, envelope, call.sent_at
        ):
            self.pacer.follow_heartbeat(self.session, self.life.stopped)
        settle(call.token, envelope, None)

    async def request(
        self, method: str, params: dict[str, Any], bound: float | None, op: Operation | None = None
    ) -> dict[str, Any]:
        """The session's own call (authentication, restoring its state), on the keeper: it goes
        out while the session is being set up."""
        token: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        bearer = self.settings.access_token if self.settings.secret is None else None  # (a client with a token only)
        sent = with_access_token(method, params, bearer)
        call = Call(method, params, RpcSession.encode_call(method, sent), op, token, bypass=True)
        bound = await self.pacer.own_call(call, bound)
        self.submit(call)
        try:
            return await asyncio.wait_for(token, bound)
        except TimeoutError:
            self.forget(call)
            raise timed_out(call, bound) from None
        except asyncio.CancelledError:
            self.forget(call)
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
        self.pacer.follow_heartbeat(self.session, self.life.stopped)
        if self.opened is not None and not self.opened.done():  # an open() still waiting raises now
            self.opened.set_exception(APIConnectionError("the WebSocketClient was closed while opening"))
        self.auth.cancel()
        if self.runner is not None:
            self.runner.cancel()
        conn = self.conn
        if conn is not None:
            await conn.close(2.0)
        for which in ("runner", "refresher"):  # (read after the runner ends: one it made as it stopped)
            task = self.runner if which == "runner" else self.auth.refresher
            if task is not None:
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
        self.out.stop(APIConnectionError("the WebSocketClient was closed"))
        self.pacer.fail_all(APIConnectionError("the WebSocketClient was closed"))
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
                try:
                    conn = await connect(self.settings, self.reader.on_message)
                except (DeribitError, asyncio.CancelledError):
                    raise
                except Exception as exc:  # anything else a proxy library or the OS raises: a failed connect
                    raise APIConnectionError(f"connecting failed: {type(exc).__name__}: {exc}") from exc
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
            reader = asyncio.create_task(self.reader.read(conn))
            try:
                async with asyncio.timeout(self.settings.setup_bound()):  # (no task of its own to leak)
                    hook_note = await establish(self, first, setup_deadline)
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
                    "Reconnected to %s; session restored (%s)%s", self.settings.url, describe(self.session), hook_note
                )
            else:
                logger.info("Connected to %s (%s)", self.settings.url, describe(self.session))
            self.life.restored()
            if first:
                opened.set_result(None)
            for waited in self.out.release():  # the calls that waited for the session, in order, paced
                self.pacer.pace(waited, self.submit)
            lease = asyncio.create_task(self.lease.watch()) if self.settings.lease is not None else None
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
            self.auth.cancel()
            if self.life.stopped:  # closed, or logged out
                return
            await self.lease.renewed(lambda: self.life.stopped)
            attempt = await self._backoff(attempt, cause)

    async def _backoff(self, attempt: int, cause: str) -> int:
        delay = backoff(attempt, self.settings.initial_retry_delay, self.settings.max_retry_delay)
        logger.warning(
            "WebSocket connection to %s lost (%s); reconnecting in %.2f s (attempt %d)",
            self.settings.url,
            self.redacted(cause),
            delay,
            attempt + 1,
        )
        await asyncio.sleep(delay)
        return attempt + 1

    async def _drop(self, conn: Link) -> None:
        conn.abort()
        self.conn = None

    def _stop_fatally(self, error: DeribitError, what: str) -> None:
        """The session cannot go on (a refused re-authentication, refresh or certificate, or a
        bug): state ``failed`` (before any caller is woken: one told of the failure sees it),
        the connection aborted (nothing may go out on it), waiting and later calls raise
        ``error``, no reconnect, ``on_error`` told."""
        if self.life.stopped:  # closing, or already stopped: nothing left to stop
            return
        self.life.fail(error)
        self.pacer.follow_heartbeat(self.session, self.life.stopped)
        logger.error("%s; the WebSocketClient stops: %s", what, self.redacted(str(error)))
        self.auth.cancel()
        if self.conn is not None:
            self.conn.abort()
            self.conn = None
        self.out.stop(error)  # every call, written or waiting, learns it now
        self.pacer.fail_all(error)
        self.callbacks.error(error)

    def redacted(self, text: str) -> str:
        """``text`` without this client's secret and tokens (by value), or any secret field."""
        return redact(text, self.auth.secrets)

    def _connected(self) -> bool:
        return not self.life.stopped and self.conn is not None

    def _replace(self) -> None:
        """The connection is dropped, and the session reconnects."""
        if self.conn is not None:
            self.conn.abort()

    async def _own_call(self, method: str, params: dict[str, Any], bound: float | None) -> dict[str, Any]:
        return await self.request(method, params, bound, None)


async def connect(settings: Settings, on_message: OnMessage) -> Link:
    """A new connection for a session with these settings, on its transport (each imported
    the first time a session uses it: picows is an extra)."""
    if settings.transport == "picows":
        from . import transport_picows as chosen
    else:
        from . import transport as chosen  # type: ignore[no-redef]
    library_version, open_connection = chosen.library_version, chosen.open_connection
    return await open_connection(
        settings.url,
        on_message=on_message,
        connect_timeout=settings.connect_timeout,
        ping_interval=settings.ping_interval,
        ping_timeout=settings.ping_timeout,
        max_size=settings.max_message_bytes,
        ssl=settings.ssl,
        proxy=settings.proxy,
        user_agent=settings.user_agent or user_agent(library_version()),
    )


# Copied from runtime/_core/supervisor.py by make generate. Do not edit here: edit runtime/_core/supervisor.py.
