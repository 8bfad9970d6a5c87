"""The HTTP clients: connection pools, credentials, timeouts, retries and logging.

Every generated operation calls ``client._call_sync``/``_call_async`` (or the ``_detailed``
forms) with its :class:`~..spec.operations.Operation` and the caller's parameters, so a new path in
the spec gets all of this from ``make generate`` alone.
"""

from __future__ import annotations

import logging
import ssl
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx
from attrs import define, evolve, field

from ..errors import DeribitError, mask_known
from ..limits.limiter import Limiter, RateLimit
from ..spec.meta import user_agent
from ..spec.operations import Operation
from ..types import UNSET, Response, Unset
from .attempts import mask_httpx_logs, masked_headers
from .deadline import TimeoutTypes, check_timeout
from .pools import CLOSING, AsyncPool, Pools
from .send import send_async, send_sync

if TYPE_CHECKING:
    from ..spec.answers import Model

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RETRY_DEADLINE",
    "DEFAULT_TIMEOUT",
    "PRODUCTION_URL",
    "TESTNET_URL",
    "Client",
    "RateLimit",
    "TimeoutTypes",
]

PRODUCTION_URL = "https://www.deribit.com/api/v2"
TESTNET_URL = "https://test.deribit.com/api/v2"

#: Each attempt: 10 s in all, 5 s of it to connect. A trading system must never wait on httpx's defaults.
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
#: A call, retries included, ends within this many seconds.
DEFAULT_RETRY_DEADLINE = 30.0
#: A ``Retry-After`` longer than this is not waited for; the error is raised instead.
MAX_RETRY_AFTER = 60.0
#: A larger answer raises ResponseValidationError (the session-management answers are tiny).
DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024


logger = logging.getLogger("deribit_session_client")


T = TypeVar("T", bound="Model")


@define
class Client:
    """A client for the public methods (and the base of :class:`AuthenticatedClient`).

    Use it with or without ``with``/``async with``, as often as you like: the connection pool
    is made on first use and closed when the outermost ``with`` block of the client that made
    it ends (or by :meth:`close`/:meth:`aclose`); the next call makes a new one. Clones made
    by :meth:`with_options` share the pool and never close it. Safe to share between threads
    and between event loops (each loop gets its own async pool).

    Args:
        base_url: The API root, such as ``PRODUCTION_URL``, ``TESTNET_URL`` or a mock server's
            ``http://127.0.0.1:8000/api/v2``.
        timeout: The bound of each attempt, connecting, sending and reading included: seconds,
            an ``httpx.Timeout`` (its longest phase bounds the attempt; each phase its own
            part), or None. Defaults to ``DEFAULT_TIMEOUT`` (10 s, 5 s of it to connect).
        max_retries: Retries after a failure (see the docs: errors.md, "Retries").
        initial_retry_delay: The first backoff delay in seconds; it doubles with each retry, less
            up to 25 % jitter, up to ``max_retry_delay``. A ``Retry-After`` header wins.
        max_retry_delay: The longest backoff delay in seconds.
        retry_deadline: The bound of the whole call, retries and waits included, in seconds.
        max_response_bytes: A larger answer raises ``ResponseValidationError``.
        log_bodies: Log response bodies (bounded) at DEBUG level; off by default.
        rate_limit: The account's credit pool for every method but the matching engine's
            (``RateLimit()``, the exchange's documented numbers, by default; None: not limited
            here). Each attempt waits for credits within the call's timeout, or raises
            RateLimitError unsent (see the docs: safety.md, "Staying inside the exchange's limits").
        matching_engine_rate_limit: The pool of the matching-engine methods (orders), which
            differs per account tier: None (the default) leaves them unlimited here.
        headers, cookies, verify_ssl, follow_redirects, httpx_args: passed to the httpx clients.
    """

    _base_url: str = field(alias="base_url")
    _cookies: dict[str, str] = field(factory=dict, kw_only=True, alias="cookies", repr=False)
    _headers: dict[str, str] = field(factory=dict, kw_only=True, alias="headers", repr=masked_headers)
    _timeout: TimeoutTypes = field(default=DEFAULT_TIMEOUT, kw_only=True, alias="timeout")
    _verify_ssl: str | bool | ssl.SSLContext = field(default=True, kw_only=True, alias="verify_ssl")
    _follow_redirects: bool = field(default=False, kw_only=True, alias="follow_redirects")
    _httpx_args: dict[str, Any] = field(factory=dict, kw_only=True, alias="httpx_args", repr=False)
    max_retries: int = field(default=DEFAULT_MAX_RETRIES, kw_only=True)
    initial_retry_delay: float = field(default=INITIAL_RETRY_DELAY, kw_only=True)
    max_retry_delay: float = field(default=MAX_RETRY_DELAY, kw_only=True)
    retry_deadline: float = field(default=DEFAULT_RETRY_DEADLINE, kw_only=True)
    max_response_bytes: int = field(default=DEFAULT_MAX_RESPONSE_BYTES, kw_only=True)
    log_bodies: bool = field(default=False, kw_only=True)
    rate_limit: RateLimit | None = field(factory=RateLimit, kw_only=True)
    matching_engine_rate_limit: RateLimit | None = field(default=None, kw_only=True)
    _limiter: Limiter | None = field(default=None, init=False, repr=False, eq=False)
    _pools: Pools = field(factory=Pools, kw_only=True, alias="_pools", repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must not be negative")
        if not (self.initial_retry_delay >= 0 and self.max_retry_delay >= 0 and self.retry_deadline >= 0):
            raise ValueError("retry delays and the retry deadline must be zero or more (not NaN)")
        reason = check_timeout(self._timeout, "timeout")
        if reason is not None:
            raise ValueError(reason)
        url = httpx.URL(self._base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"base_url must be an http:// or https:// URL, not {self._base_url!r}")
        if "?" in self._base_url or "#" in self._base_url:
            # (each call's path and query follow it: a query or fragment here would swallow them)
            raise ValueError("base_url must not have a query (?...) or a fragment (#...): the API root only")
        if self.max_response_bytes <= 0:
            raise ValueError("max_response_bytes must be positive")
        if self._pools.owner is None:
            self._pools.owner = weakref.ref(self)
        for name in ("rate_limit", "matching_engine_rate_limit"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), RateLimit):
                raise TypeError(f"{name} must be a RateLimit or None")
        self.limiter()  # (now: a rate limit that conflicts with another client's of the account is refused here)

    def limiter(self) -> Limiter:
        """This client's rate limits, shared with every client of its account in the process."""
        limiter = self._limiter
        if limiter is None:
            account = self._account() or f"public:{httpx.URL(self._base_url).host}"
            limiter = self._limiter = Limiter(self.rate_limit, self.matching_engine_rate_limit, account)
        return limiter

    def _account(self) -> str | None:
        """Whose credits this client spends (None: public calls, limited per address)."""
        return None

    # -- settings --------------------------------------------------------------------------

    def _auth(self) -> httpx.Auth | None:
        """The credentials for one request (None: none of this client's own)."""
        return None

    def with_headers(self, headers: dict[str, str]) -> Self:
        """A new client like this one with additional headers (and its own connections)."""
        return evolve(self, headers={**self._headers, **headers}, _pools=Pools())

    def with_cookies(self, cookies: dict[str, str]) -> Self:
        """A new client like this one with additional cookies (and its own connections)."""
        return evolve(self, cookies={**self._cookies, **cookies}, _pools=Pools())

    def with_timeout(self, timeout: TimeoutTypes) -> Self:
        """A new client like this one with another timeout, sharing its connections."""
        return self.with_options(timeout=timeout)

    def with_options(
        self,
        *,
        timeout: TimeoutTypes | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        retry_deadline: float | Unset = UNSET,
    ) -> Self:
        """A new client like this one with other timeout or retry settings, sharing its connections.

        The clone never closes the shared pool: leaving its ``with`` block or calling its
        ``close()`` leaves the original working.
        """
        changes: dict[str, Any] = {}
        if not isinstance(timeout, Unset):
            changes["timeout"] = timeout
        if not isinstance(max_retries, Unset):
            changes["max_retries"] = max_retries
        if not isinstance(retry_deadline, Unset):
            changes["retry_deadline"] = retry_deadline
        return evolve(self, **changes)

    def _stop_sharing_pools(self) -> None:
        """A clone that sets an httpx client of its own stops sharing its parent's pools."""
        if not self._owns_pools():
            self._pools = Pools()
            self._pools.owner = weakref.ref(self)

    def _owns_pools(self) -> bool:
        owner = self._pools.owner() if self._pools.owner is not None else None
        return owner is None or owner is self  # a clone of a client that is gone owns what it shares

    # -- httpx clients ---------------------------------------------------------------------

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Send with this ``httpx.Client``.

        Its transport, headers, cookies, TLS settings, proxy, limits, event hooks, redirect
        setting and (when this client has no credentials) its auth apply. This client's
        ``base_url``, ``timeout``, credentials, retries and ``max_response_bytes`` win. It stays
        yours to close: :meth:`close` leaves it open.
        """
        mask_httpx_logs()
        self._stop_sharing_pools()
        replaced = self._pools.take_sync()
        with self._pools.lock:
            self._pools.sync = client
            self._pools.sync_external = True
        if replaced is not None and replaced is not client:
            replaced.close()
        return self

    def get_httpx_client(self) -> httpx.Client:
        """The ``httpx.Client`` this client sends with, made on first use (one, however many
        threads ask at once)."""
        pool = self._pools.sync
        if pool is not None:
            return pool
        with self._pools.lock:
            if self._pools.sync is None:
                from .network import install_sync_deadlines  # httpcore: loaded with the first pool

                made = httpx.Client(**self._httpx_kwargs())
                install_sync_deadlines(made)
                self._pools.sync = made
                self._pools.sync_external = False
            return self._pools.sync

    def _httpx_kwargs(self) -> dict[str, Any]:
        mask_httpx_logs()  # a pool is being made: httpx will log its requests
        return {
            "cookies": self._cookies,
            # Deribit's answers are small: asking for no compression also rules out gzip bombs.
            "headers": {"Accept-Encoding": "identity", "User-Agent": user_agent(), **self._headers},
            "timeout": self._timeout,
            "verify": self._verify_ssl,
            "follow_redirects": self._follow_redirects,
            **self._httpx_args,
        }

    def __enter__(self) -> Self:
        with self._pools.lock:
            self._pools.depth += 1
        return self

    def __exit__(self, *args: object) -> None:
        with self._pools.lock:
            self._pools.depth = max(self._pools.depth - 1, 0)
            last = self._pools.depth == 0
        if last:
            self.limiter().release()
            self._close_pools()

    def close(self) -> None:
        """Close the connection pools (those of other event loops included), when this client
        made them. A clone's ``close()`` does nothing; the next call opens a new pool. The
        account's rate-limit pool is let go of too (and taken again by the next call)."""
        self.limiter().release()
        if self._owns_pools():
            self._close_pools()

    def _close_pools(self) -> None:
        for pool in self._pools.take_async():
            pool.dispose()
        sync = self._pools.take_sync()
        if sync is not None:
            sync.close()

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Self:
        """Send async calls on the running event loop with this ``httpx.AsyncClient`` (the
        settings that win are as for :meth:`set_httpx_client`). It stays yours to close."""
        import asyncio

        mask_httpx_logs()

        loop = asyncio.get_running_loop()
        self._stop_sharing_pools()
        with self._pools.lock:
            old = [p for p in self._pools.async_ if p.loop() is loop]
            self._pools.async_ = [p for p in self._pools.async_ if p.loop() is not loop]
            self._pools.async_.append(AsyncPool(loop, async_client, external=True))
        for pool in old:
            if not pool.external and pool.client is not async_client:
                task = loop.create_task(pool.client.aclose())
                CLOSING.add(task)
                task.add_done_callback(CLOSING.discard)
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The ``httpx.AsyncClient`` for the running event loop, made on first use there."""
        import asyncio

        loop = asyncio.get_running_loop()
        for pool in self._pools.async_:
            if pool.loop() is loop:
                return pool.client
        dead: list[AsyncPool] = []
        with self._pools.lock:
            for pool in self._pools.async_:
                if pool.loop() is loop:
                    return pool.client
            # Pools of loops that have closed are unusable (their sockets belonged to those
            # loops): close their sockets and forget them.
            dead = [p for p in self._pools.async_ if (p.loop() is None or p.loop().is_closed())]  # type: ignore[union-attr]
            made = AsyncPool(loop, httpx.AsyncClient(**self._httpx_kwargs()), external=False)
            self._pools.async_ = [p for p in self._pools.async_ if p not in dead] + [made]
        for pool in dead:
            if not pool.external:
                pool.dispose()
        return made.client

    async def __aenter__(self) -> Self:
        with self._pools.lock:
            self._pools.depth += 1
        return self

    async def __aexit__(self, *args: object) -> None:
        with self._pools.lock:
            self._pools.depth = max(self._pools.depth - 1, 0)
            last = self._pools.depth == 0
        if last:
            self.limiter().release()
            await self._aclose_pools()

    async def aclose(self) -> None:
        """Close the connection pools (of every event loop, and the sync one), when this client
        made them. A clone's ``aclose()`` does nothing."""
        self.limiter().release()
        if self._owns_pools():
            await self._aclose_pools()

    async def _aclose_pools(self) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        for pool in self._pools.take_async():
            if pool.loop() is loop:
                await pool.client.aclose()
            else:
                pool.dispose()
        sync = self._pools.take_sync()
        if sync is not None:
            sync.close()

    # -- calls -----------------------------------------------------------------------------

    def _call_sync(self, op: Operation, values: Mapping[str, Any], model: type[T], timeout: TimeoutTypes | Unset) -> T:
        try:
            return send_sync(self, op, op.prepare(values), timeout).result(model)
        except DeribitError as error:  # a server may quote the client's token or secret by value
            mask_known(error, self._secrets())
            raise

    async def _call_async(
        self, op: Operation, values: Mapping[str, Any], model: type[T], timeout: TimeoutTypes | Unset
    ) -> T:
        try:
            return (await send_async(self, op, op.prepare(values), timeout)).result(model)
        except DeribitError as error:
            mask_known(error, self._secrets())
            raise

    def _secrets(self) -> tuple[str | None, ...]:
        """What this client must never show, by value (none for a public client)."""
        return ()

    def _detailed_sync(
        self, op: Operation, values: Mapping[str, Any], models: Mapping[int, type[Any]], timeout: TimeoutTypes | Unset
    ) -> Response[Any]:
        return send_sync(self, op, op.prepare(values), timeout).detailed(models)

    async def _detailed_async(
        self, op: Operation, values: Mapping[str, Any], models: Mapping[int, type[Any]], timeout: TimeoutTypes | Unset
    ) -> Response[Any]:
        return (await send_async(self, op, op.prepare(values), timeout)).detailed(models)
