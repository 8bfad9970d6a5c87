"""``WebSocketClient``: every generated operation over one kept-alive, authenticated WebSocket.

The connection lives on one daemon thread per process (:class:`Keeper`) that runs its own
event loop and hosts every client's connection: a reader task per connection answers each
heartbeat ``test_request`` with ``public/test`` at once, whatever the user's threads and
event loops are doing. Sync calls wait on a lock the keeper releases; async calls await a
future of the caller's loop. After any reconnect the client authenticates again and re-applies the
connection state (heartbeat, connection-scope cancel-on-disconnect: what the spec's
``x-connection-state`` declares) before a waiting call goes out. User callbacks run on a
thread of their own, never on the keeper's.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import math
import os
import secrets
import ssl as ssl_module
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

from . import registry
from .answers import parse_models, rpc_error, to_model
from .calls import Call, Expired, Outbox, expire, settle
from .errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    CallbackError,
    DeribitError,
    ResponseValidationError,
    certificate_problem,
    excerpt,
)
from .lifecycle import Lifecycle, State
from .meta import user_agent
from .operations import Operation
from .redact import masked_json, masked_params, redact
from .retry import backoff
from .session import MIN_REFRESH_INTERVAL, Incoming, RpcSession, client_signature, refresh_delay, seconds
from .threads import Callback, Callbacks, Keeper, Waiter
from .transport import KeeperConnection, close, library_version, open_connection, read_queued, write
from .types import UNSET, Response, Unset

if TYPE_CHECKING:
    from .answers import Model

__all__ = ["WebSocketClient", "client_signature"]

#: A call's bound, as over HTTP.
DEFAULT_TIMEOUT = 10.0
DEFAULT_CONNECT_TIMEOUT = 5.0
#: websockets' keepalive: a ping every this many seconds, and a pong expected within ping_timeout.
DEFAULT_PING_INTERVAL = 10.0
DEFAULT_PING_TIMEOUT = 10.0
#: How long close() waits for the connection's closing handshake and tasks.
CLOSE_BOUND = 10.0

logger = logging.getLogger("deribit_session_client")
T = TypeVar("T", bound="Model")


# -- the background thread -----------------------------------------------------------------------


_STOPPED = (State.CLOSED, State.FAILED, State.LOGGED_OUT)
_SETTING_UP = (State.AUTHENTICATING, State.RESTORING)


def _finite_at_least(value: Any, floor: float, *, strictly: bool = False) -> bool:
    """Whether ``value`` is a real number of seconds, finite, and at least (or above) ``floor``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        return False
    return math.isfinite(number) and (number > floor if strictly else number >= floor)


# -- the client --------------------------------------------------------------------------------


class WebSocketClient:
    """One WebSocket connection to the exchange, kept alive, authenticated and restored.

    Args:
        url: ``PRODUCTION_WS_URL``, ``TESTNET_WS_URL`` or a mock's ``ws://127.0.0.1:PORT/ws/api/v2``.
        client_id, client_secret: API key credentials; ``public/auth`` signs with them
            (``auth="client_signature"``, the default: the secret never leaves the process)
            or sends them (``auth="client_credentials"``).
        access_token: A token to send with every private call instead (no credentials).
        scope: Scopes for ``public/auth`` (space-separated); ``session_name`` adds ``session:NAME``.
        heartbeat_interval: ``public/set_heartbeat`` on every connection (seconds, >= 10).
        cancel_on_disconnect: ``"connection"`` to enable connection-scope cancel-on-disconnect
            on every connection.
        timeout: Each call's bound in seconds (10 by default), or None.
        connect_timeout: Opening and authenticating a connection (5 s).
        ping_interval, ping_timeout: websockets' keepalive pings (10 s and 10 s).
        hung_after: With heartbeats on, a connection on which no frame arrives for this long
            is taken for dead and replaced (default: two heartbeat intervals). Without them,
            websockets' keepalive replaces a connection whose ping gets no pong within
            ``ping_timeout``; whichever notices first wins.
        max_message_bytes: The largest message accepted from the server (64 MiB).
        min_refresh_interval: The shortest wait before refreshing the token, whatever
            ``expires_in`` the server gave (10 s: a server issuing very short-lived tokens gets
            six re-authentications a minute, not a storm).
        ssl: The ``ssl.SSLContext`` for a ``wss://`` URL (default: the system's trust store).
        proxy: None (the default): connect directly, whatever the environment says; a URL
            (``http://proxy:3128``, ``socks5://...`` with python-socks installed): through that
            proxy; True: the proxy the usual environment variables name (websockets' own rules).
        initial_retry_delay, max_retry_delay: Reconnect backoff (as HTTP retries: 0.5 s doubling
            to 8 s, less up to 25 % jitter), without limit while the client is open.
        on_notification: Called with each notification other than a heartbeat (a dict).
        on_reconnect: Called after each reconnect, once the session is restored and before
            waiting calls go out (for re-subscribing); may call the client.
        on_error: Called with the DeribitError that stops the client (a refused
            re-authentication).
        Callbacks may be sync or async; they run on a thread of their own.
    """

    def __init__(
        self,
        url: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        access_token: str | None = None,
        auth: Literal["client_signature", "client_credentials"] = "client_signature",
        scope: str | None = None,
        session_name: str | None = None,
        heartbeat_interval: float | None = None,
        cancel_on_disconnect: Literal["connection"] | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        ping_interval: float | None = DEFAULT_PING_INTERVAL,
        ping_timeout: float | None = DEFAULT_PING_TIMEOUT,
        hung_after: float | None = None,
        initial_retry_delay: float = 0.5,
        max_retry_delay: float = 8.0,
        on_notification: Callback | None = None,
        on_reconnect: Callback | None = None,
        on_error: Callback | None = None,
        user_agent: str | None = None,
        max_message_bytes: int = 64 * 1024 * 1024,
        min_refresh_interval: float = MIN_REFRESH_INTERVAL,
        ssl: ssl_module.SSLContext | None = None,
        proxy: str | Literal[True] | None = None,
    ) -> None:
        if not url.startswith(("ws://", "wss://")):
            raise ValueError(f"url must be a ws:// or wss:// URL, not {url!r}")
        if (client_id is None) != (client_secret is None):
            raise ValueError("client_id and client_secret go together")
        if auth not in ("client_signature", "client_credentials"):
            raise ValueError("auth must be 'client_signature' or 'client_credentials'")
        if cancel_on_disconnect not in (None, "connection"):
            raise ValueError("cancel_on_disconnect must be 'connection' or None")
        if heartbeat_interval is not None and not _finite_at_least(heartbeat_interval, 10.0):
            raise ValueError("heartbeat_interval must be at least 10 seconds, and finite")
        for name, value in (("timeout", timeout), ("hung_after", hung_after)):
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be positive or None")
        if not _finite_at_least(connect_timeout, 0.0, strictly=True):
            raise ValueError("connect_timeout must be a positive, finite number of seconds")
        if ssl is not None and not isinstance(ssl, ssl_module.SSLContext):
            raise TypeError(f"ssl must be an ssl.SSLContext or None, not {type(ssl).__name__}")
        if ssl is not None and not url.startswith("wss://"):
            raise ValueError("ssl= needs a wss:// URL")
        if proxy is not None and proxy is not True and not isinstance(proxy, str):
            raise TypeError("proxy must be a proxy URL, True (from the environment) or None")
        if not _finite_at_least(min_refresh_interval, 0.0, strictly=True):
            raise ValueError("min_refresh_interval must be a positive, finite number of seconds")
        self.min_refresh_interval = float(min_refresh_interval)
        self.ssl = ssl
        self.proxy = proxy
        self.url = url
        self._client_id = client_id
        self._secret = client_secret
        self._access_token = access_token
        self._auth_kind = auth
        scopes = [s for s in (scope or "").split() if s]
        if session_name:
            scopes.append(f"session:{session_name}")
        self._scope = " ".join(scopes) or None
        self._initial_heartbeat = heartbeat_interval
        self._initial_cod = cancel_on_disconnect
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self._hung_after = hung_after
        self.initial_retry_delay = initial_retry_delay
        self.max_retry_delay = max_retry_delay
        self.on_notification = on_notification
        self.on_reconnect = on_reconnect
        self.on_error = on_error
        self._user_agent = user_agent
        self.max_message_bytes = max_message_bytes
        self._open_lock = threading.Lock()  # opening, and which caller closes
        self._close_started = False
        self._closed = threading.Event()
        self._closed.set()
        self._opened: asyncio.Future[None] | None = None
        self._last_up = 0.0
        self._session = RpcSession()
        self._out = Outbox(self._session)
        self._keeper: Keeper | None = None
        self._callbacks: Callbacks | None = None
        self._reconnect_callbacks: Callbacks | None = None
        self._conn: KeeperConnection | None = None
        self._runner: asyncio.Task[None] | None = None
        self._refresher: asyncio.Task[None] | None = None
        self._refresh_token: str | None = None
        #: Where the session is (moved by the keeper's loop only, read by anyone).
        self._life = Lifecycle()
        self._in_on_reconnect = False
        self._last_frame = 0.0
        self._hung: str | None = None
        self._stats: dict[str, Any] = {
            "state": "closed",
            "connects": 0,
            "reconnects": 0,
            "test_requests_answered": 0,
            "last_test_request_answer_ms": None,
            "calls": 0,
            "last_call_ms": None,
        }

    def __repr__(self) -> str:
        how = (
            "signature"
            if self._secret and self._auth_kind == "client_signature"
            else ("credentials" if self._secret else ("token" if self._access_token else "none"))
        )
        return f"WebSocketClient(url={self.url!r}, client_id={self._client_id!r}, auth={how!r}, state={self._life.public!r})"

    @property
    def stats(self) -> dict[str, Any]:
        """Connects, reconnects, test_requests answered, the last answer's latency, and the state
        (``connecting``, ``ready``, ``reconnecting``, ``failed`` or ``closed``)."""
        return {**self._stats, "state": self._life.public}

    # -- opening and closing ---------------------------------------------------------------------

    def open(self) -> Self:
        """Connect, authenticate and apply the constructor's heartbeat and cancel-on-disconnect;
        returns when all of that is done, or raises (AuthenticationError at once for refused
        credentials, APIConnectionError within the connect timeout for an unreachable URL)."""
        keeper = self._start_keeper()
        try:
            self._submit_start(keeper).result(self._setup_bound() + 5.0)
        except concurrent.futures.TimeoutError:
            self.close()
            raise APITimeoutError(f"opening {self.url} did not finish in time") from None
        except BaseException:
            self.close()
            raise
        return self

    def _submit_start(self, keeper: Keeper) -> concurrent.futures.Future[Any]:
        try:
            return keeper.submit(self._start())
        except RuntimeError:  # the keeper stopped: close() came first, from another thread
            raise APIConnectionError("the WebSocketClient was closed while opening") from None

    def _setup_bound(self) -> float:
        """How long setting a session up may take: connecting and authenticating (the connect
        timeout), then each call that restores the session."""
        return min(self.connect_timeout + 3 * (self._bound(UNSET) or DEFAULT_TIMEOUT), threading.TIMEOUT_MAX / 2)

    async def open_async(self) -> Self:
        keeper = self._start_keeper()
        try:
            await asyncio.wait_for(asyncio.wrap_future(self._submit_start(keeper)), self._setup_bound() + 5.0)
        except TimeoutError:
            await self.aclose()
            raise APITimeoutError(f"opening {self.url} did not finish in time") from None
        except BaseException:
            await self.aclose()
            raise
        return self

    def _start_keeper(self) -> Keeper:
        with self._open_lock:
            if self._keeper is not None:
                raise RuntimeError("this WebSocketClient is already open")
            self._life.open()
            # A new life starts from the constructor's settings, not the last life's.
            self._session = RpcSession()
            self._out = Outbox(self._session)
            self._refresh_token = None
            self._stats.update(connects=0, reconnects=0, test_requests_answered=0, calls=0)
            self._close_started = False
            self._closed = threading.Event()
            self._keeper = Keeper.acquire()
            return self._keeper

    def _runner_for(self, kind: str) -> Callbacks:
        """The callback thread (``on_reconnect`` has its own, so a handler stuck in a call
        cannot hold the reconnect that call waits for)."""
        attr = "_reconnect_callbacks" if kind == "reconnect" else "_callbacks"
        runner: Callbacks | None = getattr(self, attr)
        if runner is None:
            runner = Callbacks(kind, self._callback_failed)
            setattr(self, attr, runner)
        return runner

    def _callback_failed(self, role: str, callback: Callback, error: BaseException) -> None:
        """A callback raised: logged (this client's secret and tokens masked), and handed to
        ``on_error`` as a CallbackError."""
        known = (self._secret, self._access_token, self._refresh_token)
        name = getattr(callback, "__qualname__", repr(callback))
        detail = excerpt(redact(str(error), known), 200)
        logger.error("The callback %s (%s) raised %s: %s", role, name, type(error).__name__, detail)
        if role != "on_error" and self.on_error is not None and self._keeper is not None:
            self._runner_for("callbacks").run("on_error", self.on_error, CallbackError(role, error, known))

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(self, *args: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return await self.open_async()

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()

    def close(self) -> None:
        """Close the connection; idempotent and safe from any thread (an ``open()`` still
        waiting raises at once). No reconnect happens after it; when the last client of the
        process closes, the keeper thread ends. Returns once the client is closed."""
        keeper, closed = self._begin_close()
        if keeper is None:
            closed.wait(CLOSE_BOUND + 5.0)  # another thread is closing it: wait for that
            return
        try:
            if keeper.pid == os.getpid():  # (a client inherited through fork() has no keeper here)
                keeper.submit(self._shutdown()).result(CLOSE_BOUND)
        except (concurrent.futures.TimeoutError, RuntimeError):
            pass
        finally:
            self._finish(keeper, closed)

    async def aclose(self) -> None:
        keeper, closed = self._begin_close()
        if keeper is None:
            deadline = time.monotonic() + CLOSE_BOUND + 5.0
            while not closed.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            return
        try:
            if keeper.pid == os.getpid():
                await asyncio.wait_for(asyncio.wrap_future(keeper.submit(self._shutdown())), CLOSE_BOUND)
        except (TimeoutError, RuntimeError):
            pass
        finally:
            self._finish(keeper, closed)

    def _begin_close(self) -> tuple[Keeper | None, threading.Event]:
        """The keeper, for the one caller that closes; None for any other (already closed, or
        another thread closing), with the event set once the client is closed."""
        with self._open_lock:
            keeper, closed = self._keeper, self._closed
            if keeper is None or self._close_started:
                return None, closed
            self._close_started = True
            return keeper, closed

    def _finish(self, keeper: Keeper, closed: threading.Event) -> None:
        for attr in ("_callbacks", "_reconnect_callbacks"):
            runner = getattr(self, attr)
            if runner is not None:
                runner.stop()
                setattr(self, attr, None)
        with self._open_lock:
            self._keeper = None
        keeper.release()  # once per open: only the closer that began the close gets here
        closed.set()

    # -- calls -----------------------------------------------------------------------------------

    def call(
        self, method: str, params: Mapping[str, Any] | None = None, *, timeout: float | None | Unset = UNSET
    ) -> Any:
        """Call any method; returns the answer's ``result`` (JSON), raises the same errors as the
        generated operations."""
        envelope = self._roundtrip_sync(method, dict(params or {}), timeout, registry.operation_for(method))
        return self._checked(envelope, method)["result"]

    async def call_async(
        self, method: str, params: Mapping[str, Any] | None = None, *, timeout: float | None | Unset = UNSET
    ) -> Any:
        envelope = await self._roundtrip_async(method, dict(params or {}), timeout, registry.operation_for(method))
        return self._checked(envelope, method)["result"]

    def _call_sync(self, op: Operation, values: Mapping[str, Any], model: type[T], timeout: Any) -> T:
        envelope = self._roundtrip_sync(op.rpc_method, op.prepare(values), timeout, op)
        return self._typed(model, envelope, op.rpc_method)

    async def _call_async(self, op: Operation, values: Mapping[str, Any], model: type[T], timeout: Any) -> T:
        envelope = await self._roundtrip_async(op.rpc_method, op.prepare(values), timeout, op)
        return self._typed(model, envelope, op.rpc_method)

    def _typed(self, model: type[T], envelope: dict[str, Any], method: str) -> T:
        checked = self._checked(envelope, method)
        try:
            return model.from_dict(checked)
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
            # (the masked quote of the answer is made only when it is needed)
            return to_model(model, checked, body=excerpt(masked_json(checked)))

    def _detailed_sync(
        self, op: Operation, values: Mapping[str, Any], models: Mapping[int, type[Any]], timeout: Any
    ) -> Response[Any]:
        return self._detailed(self._roundtrip_sync(op.rpc_method, op.prepare(values), timeout, op), models)

    async def _detailed_async(
        self, op: Operation, values: Mapping[str, Any], models: Mapping[int, type[Any]], timeout: Any
    ) -> Response[Any]:
        envelope = await self._roundtrip_async(op.rpc_method, op.prepare(values), timeout, op)
        return self._detailed(envelope, models)

    @staticmethod
    def _detailed(envelope: dict[str, Any], models: Mapping[int, type[Any]]) -> Response[Any]:
        # Over WebSocket there is no HTTP status: the frame maps to the status the same
        # answer has over HTTP (200 for a result, 400 for an error); content is the raw frame.
        raw = envelope.pop("_raw", "").encode()
        status = 400 if "error" in envelope else 200
        return Response(status_code=status, content=raw, headers={}, parsed=parse_models(models, status, raw))

    @staticmethod
    def _checked(envelope: dict[str, Any], method: str | None = None) -> dict[str, Any]:
        envelope.pop("_raw", None)
        error = rpc_error(envelope, method=method)
        if error is not None:
            raise error
        if "result" not in envelope:
            raise ResponseValidationError(
                "the answer has neither result nor error", body=excerpt(masked_json(envelope))
            )
        return envelope

    def _bound(self, timeout: Any) -> float | None:
        value = self.timeout if isinstance(timeout, Unset) else timeout
        return seconds(value, "timeout")

    # -- the call path: every call is one Call, handed to the keeper, decided by the Outbox ----

    def _keeper_for_calls(self) -> Keeper:
        keeper = self._keeper
        if keeper is None:
            raise APIConnectionError("the WebSocketClient is not open: use `with WebSocketClient(...)` or open()")
        if keeper.pid != os.getpid():
            raise APIConnectionError(
                "this WebSocketClient was opened in the parent process: open a new one after fork()"
            )
        return keeper

    def _new_call(self, method: str, params: dict[str, Any], op: Operation | None, token: Any) -> Call:
        """A call, checked and encoded in the caller's thread (InvalidParamsError before anything
        is sent); ``on_reconnect``'s calls may go out while the session is being restored."""
        sent = params
        if self._access_token and method.startswith("private/") and "access_token" not in params:
            sent = {**params, "access_token": self._access_token}
        tail = RpcSession.encode_call(method, sent)
        runner = self._reconnect_callbacks
        bypass = self._in_on_reconnect and runner is not None and threading.current_thread() is runner.thread
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("WebSocket -> %s %s", method, masked_params(sent))
        return Call(method, params, tail, op, token, bypass)

    def _timed_out(self, call: Call, bound: float | None) -> APITimeoutError:
        if call.rpc_id is None:
            return APITimeoutError(f"{call.method}: the session was not ready when the call's timeout ran out")
        return APITimeoutError(f"{call.method} (id {call.rpc_id}) got no answer within {bound} s")

    def _roundtrip_sync(
        self, method: str, params: dict[str, Any], timeout: Any, op: Operation | None
    ) -> dict[str, Any]:
        keeper = self._keeper_for_calls()
        if threading.current_thread() is keeper.thread:
            raise RuntimeError("a sync call from the keeper thread would deadlock; use call_async")
        bound = self._bound(timeout)
        call = self._new_call(method, params, op, Waiter())
        self._hand_over(keeper, call)
        token: Waiter = call.token
        try:
            return token.wait(bound)
        except BaseException as exc:  # timed out, interrupted: it must not go out after this
            token.abandoned = True
            self._call_soon(keeper, self._out.forget, call)
            if isinstance(exc, TimeoutError):
                raise self._timed_out(call, bound) from None
            raise

    async def _roundtrip_async(
        self, method: str, params: dict[str, Any], timeout: Any, op: Operation | None
    ) -> dict[str, Any]:
        keeper = self._keeper_for_calls()
        bound = self._bound(timeout)
        loop = asyncio.get_running_loop()
        token: asyncio.Future[dict[str, Any]] = loop.create_future()
        call = self._new_call(method, params, op, token)
        # One timer handle, not wait_for's extra future and callbacks (make bench: ws_async).
        timer = None if bound is None else loop.call_later(bound, expire, token)
        try:
            if loop is keeper.loop:  # called from the keeper's own loop
                self._submit(call)
            else:
                self._hand_over(keeper, call)
            return await token
        except BaseException as exc:  # timed out, cancelled: its token is done, so it never goes out
            self._call_soon(keeper, self._out.forget, call)
            if isinstance(exc, Expired):
                raise self._timed_out(call, bound) from None
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _hand_over(self, keeper: Keeper, call: Call) -> None:
        try:
            keeper.loop.call_soon_threadsafe(self._submit, call)
        except RuntimeError:  # the keeper stopped: the client was closed meanwhile
            raise APIConnectionError(f"{call.method}: the WebSocketClient is closed") from None

    @staticmethod
    def _call_soon(keeper: Keeper, step: Callable[[Call], None], call: Call) -> None:
        if threading.current_thread() is keeper.thread:
            step(call)
            return
        try:
            keeper.loop.call_soon_threadsafe(step, call)
        except RuntimeError:  # the keeper stopped: nothing is left to forget
            pass

    # -- on the keeper's loop: the one place a call is written ---------------------------------

    def _submit(self, call: Call) -> None:
        """Writes ``call`` now, or queues it until the session is ready, or fails it (the rules:
        :mod:`.calls`)."""
        state, conn = self._life.state, self._conn
        if state is State.READY:
            open_for = conn is not None
        elif state in _STOPPED:
            stopped = self._fatal()
            if stopped is None:
                ended = "was ended with private/logout" if state is State.LOGGED_OUT else "is closed"
                stopped = APIConnectionError(f"{call.method}: the WebSocketClient {ended}")
            settle(call.token, None, stopped)
            return
        else:  # connecting, or setting a connection up: only the session's own calls go out
            open_for = call.bypass and conn is not None and state in _SETTING_UP
        frame = self._out.admit(call, open_for)
        if frame is None:
            return
        assert conn is not None
        try:
            written = write(conn, frame)
        except Exception as exc:
            self._out.forget(call)
            settle(call.token, None, APIConnectionError(f"{call.method}: the call was not sent: {type(exc).__name__}"))
            return
        if not written:  # the connection is closing and nobody noticed yet: it waits for the next one
            self._out.unsent(call)
            return
        if call.op is not None and call.op.websocket_no_answer:
            # private/logout: the server closes without an answer, and the session ends (no
            # reconnect, no restore). The close is the answer.
            self._out.forget(call)
            self._life.logged_out()
            self._session.state.clear()
            self._answered(call, {"jsonrpc": "2.0", "result": "ok"})

    def _answered(self, call: Call, envelope: dict[str, Any]) -> None:
        """The answer reached the keeper: counted, what a successful call sets recorded (for the
        next connection), and handed to the caller."""
        self._stats["calls"] += 1
        self._stats["last_call_ms"] = round((time.perf_counter() - call.started) * 1000.0, 3)
        op = call.op
        if op is not None and op.connection_state and "result" in envelope and "error" not in envelope:
            self._session.record(op.connection_state, call.method, call.params)
        settle(call.token, envelope, None)

    async def _request(
        self, method: str, params: dict[str, Any], bound: float | None, op: Operation | None = None
    ) -> dict[str, Any]:
        """The session's own call (authentication, restoring its state), on the keeper: it goes
        out while the session is being set up."""
        token: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        call = Call(method, params, RpcSession.encode_call(method, params), op, token, bypass=True)
        self._submit(call)
        try:
            return await asyncio.wait_for(token, bound)
        except TimeoutError:
            self._out.forget(call)
            raise self._timed_out(call, bound) from None
        except asyncio.CancelledError:
            self._out.forget(call)
            raise

    async def _start(self) -> None:
        if self._life.closed:  # close() came first, from another thread
            raise APIConnectionError("the WebSocketClient was closed while opening")
        opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._opened = opened
        self._runner = asyncio.create_task(self._run(opened))
        await opened

    def _fatal(self) -> DeribitError | None:
        """The error that stopped the session, while it is failed."""
        error = self._life.error if self._life.state is State.FAILED else None
        return error if isinstance(error, DeribitError) else None

    async def _shutdown(self) -> None:
        self._life.close()
        if self._opened is not None and not self._opened.done():  # an open() still waiting raises now
            self._opened.set_exception(APIConnectionError("the WebSocketClient was closed while opening"))
        for task in (self._refresher, self._runner):
            if task is not None:
                task.cancel()
        conn = self._conn
        if conn is not None:
            await close(conn, 2.0)
        for task in (self._refresher, self._runner):
            if task is not None:
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
        self._out.stop(APIConnectionError("the WebSocketClient was closed"))
        self._conn = None

    def _fail_pending(self, error: DeribitError) -> None:
        """The connection is gone: the calls written on it fail (queued ones wait)."""
        self._out.lost(error)

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
        while not self._life.stopped:
            first = not opened.done()
            setup_deadline = asyncio.get_running_loop().time() + self.connect_timeout
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
            self._conn = conn
            self._life.connected()
            reader = asyncio.create_task(self._read(conn))
            try:
                hook_note = await asyncio.wait_for(self._establish(first, setup_deadline), self._setup_bound())
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
                if self._life.stopped:
                    return
                self._life.lost()
                self._fail_pending(APIConnectionError(cause))
                attempt = await self._backoff(attempt, cause)
                continue
            self._last_up = asyncio.get_running_loop().time()
            self._stats["connects"] += 1
            if not first:
                self._stats["reconnects"] += 1
                logger.info("Reconnected to %s; session restored (%s)%s", self.url, self._describe_state(), hook_note)
            else:
                logger.info("Connected to %s (%s)", self.url, self._describe_state())
            self._life.restored()
            if first:
                opened.set_result(None)
            for waited in self._out.release():  # the calls that waited for the session, in order
                self._submit(waited)
            cause = await reader
            if self._life.state is State.FAILED:
                return  # stopped while connected (a refused refresh): failed, and stays so
            if asyncio.get_running_loop().time() - self._last_up >= 10.0:
                attempt = 0  # it lived: the next trouble starts the backoff afresh
            self._conn = None
            self._fail_pending(APIConnectionError(f"the connection was lost: {cause}"))
            if self._refresher is not None:
                self._refresher.cancel()
            if self._life.stopped:  # closed, or logged out
                return
            attempt = await self._backoff(attempt, cause)

    async def _backoff(self, attempt: int, cause: str) -> int:
        delay = backoff(attempt, self.initial_retry_delay, self.max_retry_delay)
        logger.warning(
            "WebSocket connection to %s lost (%s); reconnecting in %.2f s (attempt %d)",
            self.url,
            self._redacted(cause),
            delay,
            attempt + 1,
        )
        await asyncio.sleep(delay)
        return attempt + 1

    async def _connect(self) -> KeeperConnection:
        return await open_connection(
            self.url,
            connect_timeout=self.connect_timeout,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            max_size=self.max_message_bytes,
            ssl=self.ssl,
            proxy=self.proxy,
            user_agent=self._user_agent or user_agent(library_version()),
        )

    async def _drop(self, conn: KeeperConnection) -> None:
        conn.transport.abort()
        self._conn = None

    def _describe_state(self) -> str:
        calls = self._session.reapply()
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
                f"authenticating to {self.url} did not finish within connect_timeout ({self.connect_timeout} s)"
            ) from None
        self._life.authenticated()
        if first:
            operations = registry.operations()
            if self._initial_heartbeat is not None:
                await self._apply(operations, "public/set_heartbeat", {"interval": self._initial_heartbeat})
            if self._initial_cod is not None:
                await self._apply(operations, "private/enable_cancel_on_disconnect", {"scope": self._initial_cod})
        else:
            calls = self._session.reapply()
            for method, params in calls:
                self._checked(await self._request(method, params, self._bound(UNSET), None))
            if self.on_reconnect is not None:
                self._in_on_reconnect = True
                try:
                    await asyncio.wrap_future(
                        self._runner_for("reconnect").run("on_reconnect", self.on_reconnect, self)
                    )
                except Exception as exc:  # logged by the runner and handed to on_error; the session stands
                    return f"; on_reconnect raised {type(exc).__name__}, see on_error"
                finally:
                    self._in_on_reconnect = False
        return ""

    async def _apply(self, operations: Mapping[str, Operation], method: str, params: dict[str, Any]) -> None:
        op = next((o for o in operations.values() if o.rpc_method == method), None)
        checked = op.prepare(params) if op is not None else params
        self._checked(await self._request(method, checked, self._bound(UNSET), op))

    async def _authenticate(self, refresh: bool = False, deadline: float | None = None) -> None:
        if self._secret is None or self._client_id is None:
            return
        params: dict[str, Any]
        if refresh and self._refresh_token is not None:
            params = {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
        elif self._auth_kind == "client_credentials":
            params = {"grant_type": "client_credentials", "client_id": self._client_id, "client_secret": self._secret}
        else:
            timestamp = int(time.time() * 1000)
            nonce = secrets.token_hex(8)
            params = {
                "grant_type": "client_signature",
                "client_id": self._client_id,
                "timestamp": timestamp,
                "nonce": nonce,
                "data": "",
                "signature": client_signature(self._secret, timestamp, nonce),
            }
        if self._scope and not refresh:
            params["scope"] = self._scope
        bound = self._bound(UNSET) if deadline is None else max(deadline - asyncio.get_running_loop().time(), 0.001)
        result = self._checked(await self._request("public/auth", params, bound, None))["result"]
        if not isinstance(result, dict) or not isinstance(result.get("access_token"), str):
            raise ResponseValidationError("public/auth answered without an access token")
        renewal = result.get("refresh_token")
        self._refresh_token = renewal if isinstance(renewal, str) else None
        expires_in = result.get("expires_in")
        if self._refresher is not None and self._refresher is not asyncio.current_task():
            self._refresher.cancel()
        delay = refresh_delay(expires_in, self.min_refresh_interval)
        if delay is not None:
            self._refresher = asyncio.create_task(self._refresh_later(delay))

    async def _refresh_later(self, after: float) -> None:
        await asyncio.sleep(after)
        if self._life.stopped or self._conn is None:
            return
        try:
            await self._authenticate(refresh=True)
            logger.info("Access token refreshed")
        except AuthenticationError:
            logger.warning("Refreshing the access token was refused; authenticating again")
            self._refresh_token = None
            try:
                await self._authenticate()
            except AuthenticationError as exc:
                self._stop_fatally(exc, "Refreshing the access token was refused, and so was a new authentication")
        except DeribitError as exc:
            logger.warning(
                "Refreshing the access token failed (%s); the connection will be replaced", self._redacted(str(exc))
            )
            if self._conn is not None:
                self._conn.transport.abort()

    def _stop_fatally(self, error: DeribitError, what: str) -> None:
        """The session cannot go on (a refused re-authentication, refresh or certificate, or a
        bug): state ``failed`` (before any caller is woken: one told of the failure sees it),
        the connection aborted (nothing may go out on it), waiting and later calls raise
        ``error``, no reconnect, ``on_error`` told."""
        if self._life.stopped:  # closing, or already stopped: nothing left to stop
            return
        self._life.fail(error)
        logger.error("%s; the WebSocketClient stops: %s", what, self._redacted(str(error)))
        if self._refresher is not None and self._refresher is not asyncio.current_task():
            self._refresher.cancel()
        if self._conn is not None:
            self._conn.transport.abort()
            self._conn = None
        self._out.stop(error)  # every call, written or waiting, learns it now
        self._notify_error(error)

    def _redacted(self, text: str) -> str:
        """``text`` without this client's secret and tokens (by value), or any secret field."""
        return redact(text, (self._secret, self._access_token, self._refresh_token))

    def _notify_error(self, error: DeribitError) -> None:
        if self.on_error is not None:
            self._runner_for("callbacks").run("on_error", self.on_error, error)

    def _hung_limit(self) -> float | None:
        if self._hung_after is not None:
            return self._hung_after
        heartbeat = self._session.state.get("heartbeat")
        if heartbeat is None:
            return None  # nothing is due from the server: the keepalive pings watch the connection
        interval = float(heartbeat[2].get("interval", 0))
        # The server sends a frame every interval; pongs never surface here, so the ping side
        # of "hung" is websockets' keepalive's (no pong within ping_timeout: it closes).
        return 2.0 * interval if interval > 0 else None

    async def _read(self, conn: KeeperConnection) -> str:
        """Reads until the connection ends, then fails the calls that waited on it. Returns the cause."""
        cause = await self._read_frames(conn)
        if self._life.ready:
            self._life.lost()  # before any caller is woken: one told of the loss sees it
        self._fail_pending(APIConnectionError(f"the connection was lost: {cause}"))
        return cause

    async def _read_frames(self, conn: KeeperConnection) -> str:
        """Reads until the connection ends; answers test_requests at once. Returns the cause.

        Most frames never reach this loop: the connection hands them to :meth:`_on_frame` as
        it parses them. What websockets queued (before this started, or a fragmented message)
        is received here, in order, and the end of the connection is seen here."""
        loop = asyncio.get_running_loop()
        self._last_frame = loop.time()
        self._hung = None
        direct = conn if isinstance(conn, KeeperConnection) else None
        if direct is not None:
            direct.on_text = functools.partial(self._on_frame, conn)
        watchdog = loop.create_task(self._watch(conn))  # one timer, not a timeout per frame
        try:
            cause = await read_queued(conn, lambda raw: self._on_frame(conn, raw))
            return self._hung or cause
        finally:
            watchdog.cancel()
            if direct is not None:
                direct.on_text = None

    def _on_frame(self, conn: KeeperConnection, raw: str | bytes) -> None:
        """One frame, on the keeper: handled, and a test_request answered in this same step.
        Never raises: a frame that cannot be handled is logged, and the connection goes on
        (whichever way the frame came, straight from the parser or through ``recv()``)."""
        try:
            received = self._last_frame = asyncio.get_running_loop().time()
            frame = self._frame(conn, raw)
            if frame is None or not write(conn, frame):
                return
        except Exception:
            logger.exception("Handling a WebSocket frame failed")
            return
        self._stats["test_requests_answered"] += 1
        self._stats["last_test_request_answer_ms"] = round((asyncio.get_running_loop().time() - received) * 1000.0, 3)

    async def _watch(self, conn: KeeperConnection) -> None:
        """Aborts the connection when nothing arrived for the hung limit (heartbeats on)."""
        loop = asyncio.get_running_loop()
        while True:
            limit = self._hung_limit()
            if limit is None:
                await asyncio.sleep(1.0)
                continue
            silent = loop.time() - self._last_frame
            if silent >= limit:
                self._hung = f"nothing received for {limit:.1f} s: the server looks hung"
                conn.transport.abort()
                return
            await asyncio.sleep(limit - silent)

    def _frame(self, conn: KeeperConnection, raw: str | bytes) -> str | None:
        """Handles one frame; returns the answer to send for a test_request."""
        try:
            incoming = self._session.receive(raw)
        except ResponseValidationError as exc:
            logger.warning("Dropped a frame that is not JSON-RPC: %s", self._redacted(str(exc)))
            return None
        self._dispatch(conn, incoming)
        if incoming.kind != "test_request":
            return None
        return self._session.request("public/test", {}, None)[1]

    def _dispatch(self, conn: KeeperConnection, incoming: Incoming) -> None:
        kind = incoming.kind
        if kind == "answer":
            call = self._out.answered(incoming.id)
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
            if self.on_notification is not None:
                self._runner_for("callbacks").run("on_notification", self.on_notification, incoming.message)
            else:
                logger.debug("Dropped a notification (no on_notification): %s", incoming.message.get("method"))
        elif kind == "unknown":
            logger.info("Dropped an answer for no pending call (id %s)", self._redacted(excerpt(repr(incoming.id), 40)))


# Copied from runtime/_core/ws.py by make generate. Do not edit here: edit runtime/_core/ws.py.
