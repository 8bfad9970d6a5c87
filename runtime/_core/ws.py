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
import logging
import math
import os
import ssl as ssl_module
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

from . import registry
from .answers import checked, parse_models, to_model
from .calls import Call, Expired, expire, timed_out
from .errors import (
    APIConnectionError,
    APITimeoutError,
    excerpt,
)
from .operations import Operation
from .redact import masked_json, masked_params
from .session import DEFAULT_TIMEOUT, MIN_REFRESH_INTERVAL, RpcSession, client_signature, seconds
from .supervisor import Settings, Supervisor
from .threads import Callback, Keeper, Waiter
from .types import UNSET, Response, Unset

if TYPE_CHECKING:
    from .answers import Model

__all__ = ["WebSocketClient", "client_signature"]

DEFAULT_CONNECT_TIMEOUT = 5.0
#: websockets' keepalive: a ping every this many seconds, and a pong expected within ping_timeout.
DEFAULT_PING_INTERVAL = 10.0
DEFAULT_PING_TIMEOUT = 10.0
#: How long close() waits for the connection's closing handshake and tasks.
CLOSE_BOUND = 10.0

logger = logging.getLogger("deribit_session_client")
T = TypeVar("T", bound="Model")


# -- the background thread -----------------------------------------------------------------------


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
        lease: A liveness lease in seconds, or None (the default): while set, heartbeats are
            answered only if :meth:`renew` was called within the last ``lease`` seconds, so a
            program that hangs loses its session (and, with cancel-on-disconnect, its orders)
            instead of keeping it forever.
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
        lease: float | None = None,
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
        if lease is not None and not _finite_at_least(lease, 0.0, strictly=True):
            raise ValueError("lease must be a positive, finite number of seconds or None")
        if lease is not None and heartbeat_interval is None:
            raise ValueError("lease needs heartbeat_interval: without heartbeats the exchange never ends the session")
        self.lease = None if lease is None else float(lease)
        #: When renew() was last called (monotonic): written by the program's threads, read by
        #: the keeper; one float, replaced whole.
        self._renewed_at = time.monotonic()
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
        self._keeper: Keeper | None = None
        #: This life's session, on the keeper's loop (a new one for each open()).
        self._sup = Supervisor(self._settings(), self)

    def __repr__(self) -> str:
        how = (
            "signature"
            if self._secret and self._auth_kind == "client_signature"
            else ("credentials" if self._secret else ("token" if self._access_token else "none"))
        )
        return f"WebSocketClient(url={self.url!r}, client_id={self._client_id!r}, auth={how!r}, state={self._sup.life.public!r})"

    def renew(self) -> None:
        """Renews the liveness lease (``lease=``): the keeper answers heartbeats for another
        ``lease`` seconds. Call it from the loop that proves your program is alive. After a
        lapse, the client reconnects and restores the session once this is called."""
        self._renewed_at = time.monotonic()

    def lease_remaining(self) -> float | None:
        """Seconds until the liveness lease lapses (negative once it has), or None without one."""
        if self.lease is None:
            return None
        return self.lease - (time.monotonic() - self._renewed_at)

    @property
    def last_disconnect(self) -> dict[str, Any] | None:
        """The last time a ready connection was lost, or None: ``at`` (epoch seconds),
        ``cause``, ``calls_failed`` (calls written on it that raised APIConnectionError: they
        may have run), ``cancel_on_disconnect`` (connection-scope cancel-on-disconnect was on
        for it, as this client set it: the exchange then cancelled every order sent through it)
        and ``down_s`` (how long until the session was restored; None while it is not). Read it
        in ``on_reconnect`` to decide whether to read your open orders again."""
        report = self._sup.last_disconnect
        return dict(report) if report is not None else None

    @property
    def stats(self) -> dict[str, Any]:
        """Connects, reconnects, test_requests answered, the last answer's latency, and the state
        (``connecting``, ``ready``, ``reconnecting``, ``failed`` or ``closed``)."""
        remaining = self.lease_remaining()
        return {
            **self._sup.stats,
            "state": self._sup.life.public,
            "last_disconnect": self.last_disconnect,
            "lease_remaining_s": None if remaining is None else round(remaining, 3),
        }

    # -- opening and closing ---------------------------------------------------------------------

    def open(self) -> Self:
        """Connect, authenticate and apply the constructor's heartbeat and cancel-on-disconnect;
        returns when all of that is done, or raises (AuthenticationError at once for refused
        credentials, APIConnectionError within the connect timeout for an unreachable URL)."""
        keeper = self._start_keeper()
        try:
            self._submit_start(keeper).result(self._sup.settings.setup_bound() + 5.0)
        except concurrent.futures.TimeoutError:
            self.close()
            raise APITimeoutError(f"opening {self.url} did not finish in time") from None
        except BaseException:
            self.close()
            raise
        return self

    def _submit_start(self, keeper: Keeper) -> concurrent.futures.Future[Any]:
        try:
            return keeper.submit(self._sup.start())
        except RuntimeError:  # the keeper stopped: close() came first, from another thread
            raise APIConnectionError("the WebSocketClient was closed while opening") from None

    def _settings(self) -> Settings:
        """This life's settings, from the client's attributes as they are now."""
        return Settings(
            url=self.url,
            client_id=self._client_id,
            secret=self._secret,
            access_token=self._access_token,
            auth_kind=self._auth_kind,
            scope=self._scope,
            heartbeat_interval=self._initial_heartbeat,
            cancel_on_disconnect=self._initial_cod,
            call_timeout=self._bound(UNSET),
            connect_timeout=self.connect_timeout,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            hung_after=self._hung_after,
            initial_retry_delay=self.initial_retry_delay,
            max_retry_delay=self.max_retry_delay,
            max_message_bytes=self.max_message_bytes,
            min_refresh_interval=self.min_refresh_interval,
            lease=self.lease,
            ssl=self.ssl,
            proxy=self.proxy,
            user_agent=self._user_agent,
        )

    async def open_async(self) -> Self:
        keeper = self._start_keeper()
        try:
            await asyncio.wait_for(
                asyncio.wrap_future(self._submit_start(keeper)), self._sup.settings.setup_bound() + 5.0
            )
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
            # A new life starts from the constructor's settings, not the last life's.
            self._renewed_at = time.monotonic()  # (the lease counts from open())
            self._sup = Supervisor(self._settings(), self)
            self._sup.life.open()
            self._close_started = False
            self._closed = threading.Event()
            self._keeper = Keeper.acquire()
            return self._keeper

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
                keeper.submit(self._sup.shutdown()).result(CLOSE_BOUND)
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
                await asyncio.wait_for(asyncio.wrap_future(keeper.submit(self._sup.shutdown())), CLOSE_BOUND)
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
        self._sup.stop_callbacks()
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
        return checked(envelope, method)["result"]

    async def call_async(
        self, method: str, params: Mapping[str, Any] | None = None, *, timeout: float | None | Unset = UNSET
    ) -> Any:
        envelope = await self._roundtrip_async(method, dict(params or {}), timeout, registry.operation_for(method))
        return checked(envelope, method)["result"]

    def _call_sync(self, op: Operation, values: Mapping[str, Any], model: type[T], timeout: Any) -> T:
        envelope = self._roundtrip_sync(op.rpc_method, op.prepare(values), timeout, op)
        return self._typed(model, envelope, op.rpc_method)

    async def _call_async(self, op: Operation, values: Mapping[str, Any], model: type[T], timeout: Any) -> T:
        envelope = await self._roundtrip_async(op.rpc_method, op.prepare(values), timeout, op)
        return self._typed(model, envelope, op.rpc_method)

    def _typed(self, model: type[T], envelope: dict[str, Any], method: str) -> T:
        answer = checked(envelope, method)
        try:
            return model.from_dict(answer)
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
            # (the masked quote of the answer is made only when it is needed)
            return to_model(model, answer, body=excerpt(masked_json(answer)))

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
        sup = self._sup
        bypass = sup.in_on_reconnect and threading.current_thread() is sup.reconnect_thread()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("WebSocket -> %s %s", method, masked_params(sent))
        return Call(method, params, tail, op, token, bypass)

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
            self._call_soon(keeper, self._sup.out.forget, call)
            if isinstance(exc, TimeoutError):
                raise timed_out(call, bound) from None
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
                self._sup.submit(call)
            else:
                self._hand_over(keeper, call)
            return await token
        except BaseException as exc:  # timed out, cancelled: its token is done, so it never goes out
            self._call_soon(keeper, self._sup.out.forget, call)
            if isinstance(exc, Expired):
                raise timed_out(call, bound) from None
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _hand_over(self, keeper: Keeper, call: Call) -> None:
        try:
            keeper.loop.call_soon_threadsafe(self._sup.submit, call)
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
