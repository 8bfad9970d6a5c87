"""``WebSocketClient``: every generated operation over one kept-alive, authenticated WebSocket.

The facade: options, opening and closing, the calls the generated operations make, typed
results and ``stats``. The session itself lives on the keeper's loop (:mod:`.supervisor`),
one keeper thread per process (:class:`~.threads.Keeper`) for every client, which answers
each heartbeat ``test_request`` at once whatever the user's threads and loops are doing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ssl as ssl_module
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, Self

from ..engine.session import DEFAULT_TIMEOUT, MIN_REFRESH_INTERVAL, client_signature, seconds
from ..errors import APIConnectionError, APITimeoutError
from ..limits.limiter import Limiter, RateLimit, account_key
from ..transports.registry import choose_transport
from ..types import UNSET, Unset
from .calls import Calls
from .life import Life, start
from .notifications import DEFAULT_MAX_PENDING, Router
from .reconnect import DEFAULT_RECONNECT, Reconnect
from .settings import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_PING_INTERVAL,
    DEFAULT_PING_TIMEOUT,
    Settings,
    check_options,
)
from .subscriptions import Stream, Subscription, Subscriptions
from .supervisor import Supervisor
from .threads import Callback, Keeper

__all__ = ["WebSocketClient", "client_signature"]

#: How long close() waits for the connection's closing handshake and tasks.
CLOSE_BOUND = 10.0


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
        ping_interval, ping_timeout: Keepalive pings (10 s and 10 s).
        hung_after: With heartbeats on, a connection silent this long is replaced (default:
            two heartbeat intervals); the keepalive replaces one whose ping gets no pong.
        max_message_bytes: The largest message accepted from the server (64 MiB).
        min_refresh_interval: The shortest wait before refreshing the token, whatever
            ``expires_in`` says (10 s: six re-authentications a minute at most, not a storm).
        lease: A liveness lease in seconds, or None (the default): while set, heartbeats are
            answered only if :meth:`renew` was called within the last ``lease`` seconds, so a
            program that hangs loses its session (and, with cancel-on-disconnect, its orders)
            instead of keeping it forever.
        ssl: The ``ssl.SSLContext`` for a ``wss://`` URL (default: the system's trust store).
        proxy: None (the default): connect directly, whatever the environment says; a URL
            (``http://proxy:3128``, ``socks5://...`` with python-socks): through that proxy;
            True: the one the environment names (``wss_proxy``, ``https_proxy``, ``no_proxy``).
        initial_retry_delay, max_retry_delay: Reconnect backoff (0.5 s doubling to 8 s, less up
            to 25 % jitter), without limit while the client is open: ``reconnect``'s delays.
        reconnect: The whole reconnect policy (:class:`Reconnect`: the backoff, when it starts
            afresh, which failure to connect ends the session); it wins over the two above.
        on_notification: Called with each notification no subscription handler takes (the
            whole message, a dict), on the notification thread (see :meth:`subscribe`).
        max_pending_notifications: How many notifications may wait for their handlers before
            the oldest are dropped (``stats["notifications_dropped"]``).
        on_reconnect: Called after each reconnect, once the session (subscriptions included)
            is restored and before waiting calls go out (to read open orders again, say: do not
            subscribe again here, that is done); may call the client.
        on_error: Called with each DeribitError the client reports: the one that stops it, a
            callback that raised (CallbackError), a lapsed lease (LeaseExpiredError).
        rate_limit: The account's credit pool for every method but the matching engine's
            (``RateLimit()``: the exchange's documented 50,000 credits, 10,000 a second, 500 a
            request), shared by the process's clients of the account; None: not limited here.
            A call waits for credits within its timeout, or raises RateLimitError unsent, and
            heartbeat answers always find credits (docs: safety.md).
        matching_engine_rate_limit: The pool of the matching-engine methods (orders), per your
            account's tier: None (the default) leaves them unlimited here.
        transport: The WebSocket library under the session: ``"picows"`` (the ``[fast]``
            extra; a call costs less CPU) or ``"websockets"``; None (the default): the one the
            ``DERIBIT_WS_TRANSPORT`` environment variable names, else picows when installed.

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
        initial_retry_delay: float = DEFAULT_RECONNECT.initial_delay,
        max_retry_delay: float = DEFAULT_RECONNECT.max_delay,
        reconnect: Reconnect | None = None,
        on_notification: Callback | None = None,
        on_reconnect: Callback | None = None,
        on_error: Callback | None = None,
        user_agent: str | None = None,
        max_message_bytes: int = 64 * 1024 * 1024,
        min_refresh_interval: float = MIN_REFRESH_INTERVAL,
        lease: float | None = None,
        ssl: ssl_module.SSLContext | None = None,
        proxy: str | Literal[True] | None = None,
        rate_limit: RateLimit | None = RateLimit(),  # noqa: B008 (frozen: one default for all)
        matching_engine_rate_limit: RateLimit | None = None,
        max_pending_notifications: int = DEFAULT_MAX_PENDING,
        transport: Literal["websockets", "picows"] | None = None,
    ) -> None:
        check_options(
            url=url,
            client_id=client_id,
            client_secret=client_secret,
            access_token=access_token,
            auth=auth,
            cancel_on_disconnect=cancel_on_disconnect,
            heartbeat_interval=heartbeat_interval,
            timeout=timeout,
            hung_after=hung_after,
            connect_timeout=connect_timeout,
            ssl=ssl,
            proxy=proxy,
            min_refresh_interval=min_refresh_interval,
            lease=lease,
            rate_limits=(rate_limit, matching_engine_rate_limit),
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            max_message_bytes=max_message_bytes,
        )
        #: The WebSocket library this client runs on ("websockets" or "picows").
        self.transport = choose_transport(transport)
        self._limiter = Limiter(rate_limit, matching_engine_rate_limit, account_key(client_id, access_token))
        self.min_refresh_interval = float(min_refresh_interval)
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
        self.reconnect = reconnect or Reconnect(
            initial_delay=initial_retry_delay,
            max_delay=max_retry_delay,
            healthy_after=DEFAULT_RECONNECT.healthy_after,
            is_fatal=DEFAULT_RECONNECT.is_fatal,
        )
        self.on_notification = on_notification
        self.on_reconnect = on_reconnect
        self.on_error = on_error
        if isinstance(max_pending_notifications, bool) or not isinstance(max_pending_notifications, int):
            raise TypeError("max_pending_notifications must be a whole number")
        if max_pending_notifications < 1:
            raise ValueError("max_pending_notifications must be at least 1")
        self.max_pending_notifications = max_pending_notifications
        self._router = Router()
        self._user_agent = user_agent
        self.max_message_bytes = max_message_bytes
        #: This life's keeper and session, on the keeper's loop (a new one for each open()).
        self._life = Life(Supervisor(self._settings(), self, self._router))
        calls = Calls(self._life, self._limiter, access_token, lambda: self.timeout)
        self._calls = calls
        # The four methods every generated operation calls (interface.OperationClient).
        self._call_sync, self._call_async = calls.typed_sync, calls.typed_async
        self._detailed_sync, self._detailed_async = calls.detailed_sync, calls.detailed_async
        self._subscriptions = Subscriptions(
            self._router,
            self.call,
            self.call_async,
            client_id is not None or bool(access_token),
            lambda: self._life.keeper is not None,
        )

    def __repr__(self) -> str:
        how = (
            "signature"
            if self._secret and self._auth_kind == "client_signature"
            else ("credentials" if self._secret else ("token" if self._access_token else "none"))
        )
        return f"WebSocketClient(url={self.url!r}, client_id={self._client_id!r}, auth={how!r}, state={self._life.sup.state!r})"

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
        report = self._life.sup.last_disconnect
        return dict(report) if report is not None else None

    @property
    def stats(self) -> dict[str, Any]:
        """Connects, reconnects, test_requests answered, the last answer's latency, and the state
        (``connecting``, ``ready``, ``reconnecting``, ``failed`` or ``closed``)."""
        remaining = self.lease_remaining()
        return {
            **self._life.sup.stats,
            "state": self._life.sup.state,
            "last_disconnect": self.last_disconnect,
            "lease_remaining_s": None if remaining is None else round(remaining, 3),
            "notifications": self._life.sup.callbacks.deliveries.delivered,
            "notifications_dropped": self._life.sup.callbacks.deliveries.dropped,
            "notification_handler_errors": self._life.sup.callbacks.deliveries.handler_errors,
        }

    # -- calls and subscriptions -----------------------------------------------------------------

    def call(
        self, method: str, params: Mapping[str, Any] | None = None, *, timeout: float | None | Unset = UNSET
    ) -> Any:
        """Call any method; returns the answer's ``result`` (JSON), raises the same errors as the
        generated operations."""
        return self._calls.call(method, params, timeout)

    async def call_async(
        self, method: str, params: Mapping[str, Any] | None = None, *, timeout: float | None | Unset = UNSET
    ) -> Any:
        """:meth:`call` for an event loop (any loop: the keeper's thread does the I/O)."""
        return await self._calls.call_async(method, params, timeout)

    def subscribe(self, channels: Iterable[str], handler: Callable[[dict[str, Any]], Any]) -> Subscription:
        """Subscribes to ``channels`` (``private/subscribe`` if any is private, ``user.*``) and
        routes their notifications to ``handler(params)`` (``params``: ``{"channel", "data"}``) on
        the client's notification thread; restored after every reconnect. Raises
        SubscriptionRefusedError when the exchange subscribes none of them."""
        return self._subscriptions.subscribe(channels, handler)

    async def subscribe_async(self, channels: Iterable[str], handler: Callable[[dict[str, Any]], Any]) -> Subscription:
        """:meth:`subscribe` for an event loop."""
        return await self._subscriptions.subscribe_async(channels, handler)

    def stream(self, channels: Iterable[str], *, max_pending: int = DEFAULT_MAX_PENDING) -> Stream:
        """``async with ws.stream(channels) as messages: async for message in messages: ...``"""
        return self._subscriptions.stream(channels, max_pending=max_pending)

    # -- opening and closing ---------------------------------------------------------------------

    def open(self) -> Self:
        """Connect, authenticate and apply the constructor's heartbeat and cancel-on-disconnect;
        returns when all of that is done, or raises (AuthenticationError at once for refused
        credentials, APIConnectionError within the connect timeout for an unreachable URL)."""
        keeper = self._start_keeper()
        try:
            self._submit_start(keeper).result(self._life.sup.settings.setup_bound() + 5.0)
        except concurrent.futures.TimeoutError:
            self.close()
            raise APITimeoutError(f"opening {self.url} did not finish in time") from None
        except concurrent.futures.CancelledError:  # (the keeper stopped under it: close() won the race)
            self.close()
            raise APIConnectionError("the WebSocketClient was closed while opening") from None
        except BaseException:
            self.close()
            raise
        return self

    def _submit_start(self, keeper: Keeper) -> concurrent.futures.Future[Any]:
        try:
            return keeper.submit(start(self._life.sup))
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
            call_timeout=seconds(self.timeout, "timeout"),
            connect_timeout=self.connect_timeout,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            hung_after=self._hung_after,
            reconnect=self.reconnect,
            max_message_bytes=self.max_message_bytes,
            min_refresh_interval=self.min_refresh_interval,
            lease=self.lease,
            ssl=self.ssl,
            proxy=self.proxy,
            user_agent=self._user_agent,
            limiter=self._limiter,
            transport=self.transport,
        )

    async def open_async(self) -> Self:
        """:meth:`open` for an event loop: awaits the same (``async with`` calls it)."""
        keeper = self._start_keeper()
        try:
            await asyncio.wait_for(
                asyncio.wrap_future(self._submit_start(keeper)), self._life.sup.settings.setup_bound() + 5.0
            )
        except TimeoutError:
            await self.aclose()
            raise APITimeoutError(f"opening {self.url} did not finish in time") from None
        except BaseException:
            await self.aclose()
            raise
        return self

    def _start_keeper(self) -> Keeper:
        def new_supervisor() -> Supervisor:
            # A new life starts from the constructor's settings, not the last life's.
            self._renewed_at = time.monotonic()  # (the lease counts from open())
            self._limiter.acquire()
            return Supervisor(self._settings(), self, self._router)

        return self._life.begin(new_supervisor)

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
        keeper, closed = self._life.begin_close()
        if keeper is None:
            closed.wait(CLOSE_BOUND + 5.0)  # another thread is closing it: wait for that
            return
        try:
            if not keeper.inherited:  # (a client inherited through fork() has no keeper here)
                keeper.submit(self._life.sup.shutdown()).result(CLOSE_BOUND)
        except (concurrent.futures.TimeoutError, RuntimeError):
            pass
        finally:
            self._finish(keeper, closed)

    async def aclose(self) -> None:
        """:meth:`close` for an event loop: awaits the same without blocking it."""
        keeper, closed = self._life.begin_close()
        if keeper is None:
            deadline = time.monotonic() + CLOSE_BOUND + 5.0
            while not closed.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            return
        try:
            if not keeper.inherited:
                await asyncio.wait_for(asyncio.wrap_future(keeper.submit(self._life.sup.shutdown())), CLOSE_BOUND)
        except (TimeoutError, RuntimeError):
            pass
        finally:
            self._finish(keeper, closed)

    def _finish(self, keeper: Keeper, closed: threading.Event) -> None:
        self._router.clear()  # (every stream ends; the handlers go with the session)
        self._limiter.release()
        self._life.sup.callbacks.stop()
        self._life.end(keeper, closed)
