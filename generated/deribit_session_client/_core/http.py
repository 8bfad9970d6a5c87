"""The HTTP clients: connection pools, credentials, timeouts, retries and logging.

Every generated operation calls ``client._call_sync``/``_call_async`` (or the ``_detailed``
forms) with its :class:`~.operations.Operation` and the caller's parameters, so a new path in
the spec gets all of this from ``make generate`` alone.
"""

from __future__ import annotations

import base64
import functools
import logging
import math
import ssl
import threading
import time
import weakref
from collections.abc import AsyncIterator, Generator, Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import urlencode

import httpx
from attrs import define, evolve, field

from . import registry
from .answers import decode_json, parse_models, rpc_error, to_model
from .deadline import attempt_deadline
from .errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    DeribitError,
    InternalServerError,
    InvalidParamsError,
    RateLimitError,
    ResponseValidationError,
    certificate_problem,
    excerpt,
    parse_retry_after,
)
from .meta import user_agent
from .operations import Operation
from .redact import mask_secrets
from .retry import CLOCK, backoff
from .types import UNSET, Response, Unset, status_of

if TYPE_CHECKING:
    import asyncio

    from .answers import Model

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RETRY_DEADLINE",
    "DEFAULT_TIMEOUT",
    "PRODUCTION_URL",
    "TESTNET_URL",
    "AuthenticatedClient",
    "Client",
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

TimeoutTypes = float | httpx.Timeout | None

logger = logging.getLogger("deribit_session_client")

_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})

T = TypeVar("T", bound="Model")


class _MaskSecretParams(logging.Filter):
    """Masks the spec's secret parameters in the URLs of httpx's own log lines (httpx logs
    each request's URL at INFO, and ``public/auth`` over HTTP carries secrets in the query)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(_masked_url(a) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


def _masked_url(url: httpx.URL) -> httpx.URL | str:
    secret = registry.secret_params()
    pairs = url.params.multi_items()
    if not any(name in secret for name, _ in pairs):
        return url
    return str(url.copy_with(params=[(n, "***" if n in secret else v) for n, v in pairs]))


@functools.cache
def _mask_httpx_logs() -> None:
    """Installs the filter on httpx's logger, once, when the first connection pool is made."""
    logging.getLogger("httpx").addFilter(_MaskSecretParams())


def _masked_headers(headers: Mapping[str, str]) -> str:
    return repr({k: ("***" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()})


def _masked(_: object) -> str:
    return "'***'"


class _Pools:
    """The httpx clients (connection pools) of a client and the clones ``with_options()`` makes.

    An async pool is kept per event loop: an ``httpx.AsyncClient`` cannot outlive the loop it
    was used on. ``depth`` counts the ``with`` blocks open on the client and its clones; when
    the last one ends, the pools close.
    """

    __slots__ = ("__weakref__", "async_", "depth", "lock", "owner", "sync", "sync_external")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner: weakref.ref[Client] | None = None
        self.sync: httpx.Client | None = None
        self.sync_external = False
        self.async_: list[_AsyncPool] = []
        self.depth = 0

    def take_sync(self) -> httpx.Client | None:
        """Forget the sync pool; returns it when it is this package's to close."""
        with self.lock:
            pool, external = self.sync, self.sync_external
            self.sync, self.sync_external = None, False
        return None if external else pool

    def take_async(self) -> list[_AsyncPool]:
        """Forget the async pools; returns those that are this package's to close."""
        with self.lock:
            taken, self.async_ = self.async_, []
        return [p for p in taken if not p.external]


_CLOSING: set[Any] = set()  # tasks closing replaced pools (kept referenced until done)


async def _close_at_loop_shutdown(client: httpx.AsyncClient) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await client.aclose()


class _AsyncPool:
    """One event loop's ``httpx.AsyncClient``.

    A pool this package made closes itself when its loop shuts down: ``asyncio.run()`` (and
    pytest-asyncio) close every async generator of the loop before closing it, and the pool
    keeps one open whose ``finally`` closes the pool, on the loop, while it still runs.
    """

    __slots__ = ("client", "closer", "external", "loop", "tracker")

    def __init__(self, loop: asyncio.AbstractEventLoop, client: httpx.AsyncClient, external: bool) -> None:
        self.loop = weakref.ref(loop)
        self.client = client
        self.external = external
        if external:
            self.tracker = None
        else:
            from .network import install_async_tracking  # httpcore: loaded with the first pool

            self.tracker = install_async_tracking(client)
        self.closer: Any = None
        if not external:
            self.closer = _close_at_loop_shutdown(client)
            task = loop.create_task(self.closer.__anext__())  # starts it: the loop now tracks it
            _CLOSING.add(task)
            task.add_done_callback(_CLOSING.discard)

    def dispose(self) -> None:
        """Close this pool from outside its loop: through the loop while it runs, else at the OS level."""
        import asyncio

        loop = self.loop()
        if loop is not None and not loop.is_closed() and loop.is_running():
            asyncio.run_coroutine_threadsafe(self.client.aclose(), loop)
        elif self.tracker is not None:
            self.tracker.close_sockets()


class _Secret:
    """A secret shared by a client and its clones (so that a new token reaches them all);
    never shown by ``repr()``."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "'***'"

    def __reduce__(self) -> Any:
        raise TypeError("a client's credentials are not pickled")


def _to_secret(value: str | _Secret) -> _Secret:
    return value if isinstance(value, _Secret) else _Secret(value)


def _check_timeout(value: object, name: str) -> str | None:
    """Why ``value`` is not a valid timeout (None, positive seconds or an ``httpx.Timeout``)."""
    parts: list[object]
    if isinstance(value, httpx.Timeout):
        parts = [value.connect, value.read, value.write, value.pool]
    else:
        parts = [value]
    for part in parts:
        if part is None:
            continue
        if isinstance(part, bool) or not isinstance(part, (int, float)):
            return f"{name} must be seconds, an httpx.Timeout or None, not {type(part).__name__}"
        if not part > 0:  # also NaN
            return f"{name} must be positive, not {part!r}"
    return None


class _Signer:
    """A client id and its secret, for signed requests (the secret never shown)."""

    __slots__ = ("client_id", "secret")

    def __init__(self, client_id: str, secret: _Secret) -> None:
        self.client_id = client_id
        self.secret = secret

    def __repr__(self) -> str:
        return f"_Signer(client_id={self.client_id!r}, secret='***')"


class _SignatureAuth(httpx.Auth):
    """``Authorization: deri-hmac-sha256 id=...,ts=...,nonce=...,sig=...`` over exactly what is
    sent: a fresh timestamp and nonce for each request (and so for each retry)."""

    def __init__(self, signer: _Signer) -> None:
        self._signer = signer

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        import hashlib
        import hmac
        import secrets

        timestamp = int(time.time() * 1000)
        nonce = secrets.token_hex(8)
        uri = request.url.raw_path.decode("ascii")  # the path and the query, exactly as sent
        body = request.content.decode("utf-8") if request.content else ""
        data = f"{timestamp}\n{nonce}\n{request.method.upper()}\n{uri}\n{body}\n"
        signature = hmac.new(self._signer.secret.value.encode(), data.encode(), hashlib.sha256).hexdigest()
        request.headers["Authorization"] = (
            f"deri-hmac-sha256 id={self._signer.client_id},ts={timestamp},nonce={nonce},sig={signature}"
        )
        yield request

    def __repr__(self) -> str:
        return "_SignatureAuth('***')"


class _HeaderAuth(httpx.Auth):
    """Sets one header on each request (and on each retry), read from the client at that moment."""

    def __init__(self, name: str, value: str) -> None:
        self._name = name
        self._value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._name] = self._value
        yield request

    def __repr__(self) -> str:
        return f"_HeaderAuth({self._name!r}, '***')"


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
        max_retries: Retries after a failure (see the README's Retries section).
        initial_retry_delay: The first backoff delay in seconds; it doubles with each retry, less
            up to 25 % jitter, up to ``max_retry_delay``. A ``Retry-After`` header wins.
        max_retry_delay: The longest backoff delay in seconds.
        retry_deadline: The bound of the whole call, retries and waits included, in seconds.
        max_response_bytes: A larger answer raises ``ResponseValidationError``.
        log_bodies: Log response bodies (bounded) at DEBUG level; off by default.
        headers, cookies, verify_ssl, follow_redirects, httpx_args: passed to the httpx clients.
    """

    _base_url: str = field(alias="base_url")
    _cookies: dict[str, str] = field(factory=dict, kw_only=True, alias="cookies", repr=False)
    _headers: dict[str, str] = field(factory=dict, kw_only=True, alias="headers", repr=_masked_headers)
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
    _pools: _Pools = field(factory=_Pools, kw_only=True, alias="_pools", repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must not be negative")
        if not (self.initial_retry_delay >= 0 and self.max_retry_delay >= 0 and self.retry_deadline >= 0):
            raise ValueError("retry delays and the retry deadline must be zero or more (not NaN)")
        reason = _check_timeout(self._timeout, "timeout")
        if reason is not None:
            raise ValueError(reason)
        url = httpx.URL(self._base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"base_url must be an http:// or https:// URL, not {self._base_url!r}")
        if self.max_response_bytes <= 0:
            raise ValueError("max_response_bytes must be positive")
        if self._pools.owner is None:
            self._pools.owner = weakref.ref(self)

    # -- settings --------------------------------------------------------------------------

    def _auth(self) -> httpx.Auth | None:
        """The credentials for one request (None: none of this client's own)."""
        return None

    def with_headers(self, headers: dict[str, str]) -> Self:
        """A new client like this one with additional headers (and its own connections)."""
        return evolve(self, headers={**self._headers, **headers}, _pools=_Pools())

    def with_cookies(self, cookies: dict[str, str]) -> Self:
        """A new client like this one with additional cookies (and its own connections)."""
        return evolve(self, cookies={**self._cookies, **cookies}, _pools=_Pools())

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
            self._pools = _Pools()
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
        _mask_httpx_logs()
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
        _mask_httpx_logs()  # a pool is being made: httpx will log its requests
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
            self._close_pools()

    def close(self) -> None:
        """Close the connection pools (those of other event loops included), when this client
        made them. A clone's ``close()`` does nothing; the next call opens a new pool."""
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

        _mask_httpx_logs()

        loop = asyncio.get_running_loop()
        self._stop_sharing_pools()
        with self._pools.lock:
            old = [p for p in self._pools.async_ if p.loop() is loop]
            self._pools.async_ = [p for p in self._pools.async_ if p.loop() is not loop]
            self._pools.async_.append(_AsyncPool(loop, async_client, external=True))
        for pool in old:
            if not pool.external and pool.client is not async_client:
                task = loop.create_task(pool.client.aclose())
                _CLOSING.add(task)
                task.add_done_callback(_CLOSING.discard)
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The ``httpx.AsyncClient`` for the running event loop, made on first use there."""
        import asyncio

        loop = asyncio.get_running_loop()
        for pool in self._pools.async_:
            if pool.loop() is loop:
                return pool.client
        dead: list[_AsyncPool] = []
        with self._pools.lock:
            for pool in self._pools.async_:
                if pool.loop() is loop:
                    return pool.client
            # Pools of loops that have closed are unusable (their sockets belonged to those
            # loops): close their sockets and forget them.
            dead = [p for p in self._pools.async_ if (p.loop() is None or p.loop().is_closed())]  # type: ignore[union-attr]
            made = _AsyncPool(loop, httpx.AsyncClient(**self._httpx_kwargs()), external=False)
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
            await self._aclose_pools()

    async def aclose(self) -> None:
        """Close the connection pools (of every event loop, and the sync one), when this client
        made them. A clone's ``aclose()`` does nothing."""
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
        return self._send_sync(op, op.prepare(values), timeout).result(model)

    async def _call_async(
        self, op: Operation, values: Mapping[str, Any], model: type[T], timeout: TimeoutTypes | Unset
    ) -> T:
        return (await self._send_async(op, op.prepare(values), timeout)).result(model)

    def _detailed_sync(
        self, op: Operation, values: Mapping[str, Any], models: Mapping[int, type[Any]], timeout: TimeoutTypes | Unset
    ) -> Response[Any]:
        return self._send_sync(op, op.prepare(values), timeout).detailed(models)

    async def _detailed_async(
        self, op: Operation, values: Mapping[str, Any], models: Mapping[int, type[Any]], timeout: TimeoutTypes | Unset
    ) -> Response[Any]:
        return (await self._send_async(op, op.prepare(values), timeout)).detailed(models)

    # -- sending, with retries -------------------------------------------------------------

    def _send_sync(self, op: Operation, params: dict[str, Any], timeout: TimeoutTypes | Unset) -> _Answer:
        attempt = _Attempts(self, op, params, timeout)
        while True:
            deadline = attempt.deadline()
            try:
                answer = self._attempt_sync(attempt, deadline)
            except _Failed as failed:
                delay = attempt.retry_after_failure(failed)
                if delay is None:
                    raise failed.error from failed.cause
            else:
                delay = attempt.retry_after_answer(answer)
                if delay is None:
                    return answer
            CLOCK.sleep(delay)

    def _attempt_sync(self, attempt: _Attempts, deadline: float | None) -> _Answer:
        sent = time.perf_counter()
        auth = self._auth()
        http = self.get_httpx_client()  # each attempt: a pool closed meanwhile is made again
        try:
            with attempt_deadline(deadline):  # bounds every connect, read and write (network.py)
                request = attempt.build(http, deadline)
                response = http.send(request, auth=auth or httpx.USE_CLIENT_DEFAULT, stream=True)
                try:
                    chunks = attempt.start_body(response)
                    for chunk in response.iter_bytes():
                        attempt.add_chunk(chunks, chunk, deadline)
                finally:
                    response.close()
        except DeribitError:
            raise
        except Exception as exc:
            raise attempt.failed(exc, sent) from exc
        return attempt.answer(response, chunks, sent)

    async def _send_async(self, op: Operation, params: dict[str, Any], timeout: TimeoutTypes | Unset) -> _Answer:
        attempt = _Attempts(self, op, params, timeout)
        while True:
            deadline = attempt.deadline()
            try:
                answer = await self._attempt_async(attempt, deadline)
            except _Failed as failed:
                delay = attempt.retry_after_failure(failed)
                if delay is None:
                    raise failed.error from failed.cause
            else:
                delay = attempt.retry_after_answer(answer)
                if delay is None:
                    return answer
            await CLOCK.async_sleep(delay)

    async def _attempt_async(self, attempt: _Attempts, deadline: float | None) -> _Answer:
        import asyncio

        sent = time.perf_counter()
        auth = self._auth()
        http = self.get_async_httpx_client()
        chunks: list[bytes] = []
        try:
            # asyncio.timeout bounds the whole attempt exactly, however the server drips.
            async with asyncio.timeout(None if deadline is None else max(deadline - CLOCK.monotonic(), 0.0)):
                request = attempt.build(http, deadline)
                response = await http.send(request, auth=auth or httpx.USE_CLIENT_DEFAULT, stream=True)
                try:
                    chunks = attempt.start_body(response)
                    async for chunk in response.aiter_bytes():
                        attempt.add_chunk(chunks, chunk, deadline)
                finally:
                    await response.aclose()
        except DeribitError:
            raise
        except TimeoutError as exc:
            raise attempt.failed(httpx.ReadTimeout("the call's timeout ran out"), sent) from exc
        except Exception as exc:
            raise attempt.failed(exc, sent) from exc
        return attempt.answer(response, chunks, sent)


@define
class AuthenticatedClient(Client):
    """A client for every method, public and private.

    Signed requests (recommended): :meth:`from_client_signature`. Bearer:
    ``AuthenticatedClient(base_url=..., token=access_token)``. HTTP basic (client id and
    secret): :meth:`from_client_credentials`. The Authorization header is built for each
    request, so ``client.token = new_token`` takes effect on the next call. Secrets never
    appear in ``repr()``.

    Args:
        token: The access token (or, with ``prefix="Basic"``, base64 of ``id:secret``).
        prefix: The Authorization scheme, ``Bearer`` by default.
        auth_header_name: The header that carries the credentials.
    """

    _token: _Secret = field(
        factory=lambda: _Secret(""), kw_only=True, alias="token", converter=_to_secret, repr=_masked
    )
    prefix: str = field(default="Bearer", kw_only=True)
    auth_header_name: str = field(default="Authorization", kw_only=True)
    _signer: _Signer | None = field(default=None, kw_only=True, alias="signer", repr=False)

    @property
    def token(self) -> str:
        """The credentials; setting it takes effect on the next request of this client and its clones."""
        return self._token.value

    @token.setter
    def token(self, value: str) -> None:
        self._token.value = value

    @classmethod
    def from_client_credentials(cls, *, base_url: str, client_id: str, client_secret: str, **kwargs: Any) -> Self:
        """A client that authenticates with HTTP basic: ``client_id:client_secret``."""
        token = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        return cls(base_url=base_url, token=token, prefix="Basic", **kwargs)

    @classmethod
    def from_client_signature(cls, *, base_url: str, client_id: str, client_secret: str, **kwargs: Any) -> Self:
        """A client that signs every request (``deri-hmac-sha256``): an HMAC-SHA256 of a
        timestamp, a single-use nonce, the method, the path with its query and the body. Neither
        the secret nor a reusable token crosses the wire; each retry is signed afresh."""
        return cls(base_url=base_url, signer=_Signer(client_id, _Secret(client_secret)), **kwargs)

    def _auth(self) -> httpx.Auth | None:
        if self._signer is not None:
            return _SignatureAuth(self._signer)
        value = f"{self.prefix} {self.token}" if self.prefix else self.token
        if not value.isprintable() or not value.isascii():
            # httpx would refuse it with an error that quotes the header: say so without it.
            raise AuthenticationError(
                "the token contains a line break, a control or a non-ASCII character; nothing was sent"
            )
        return _HeaderAuth(self.auth_header_name, value)


# -- one call's attempts -------------------------------------------------------------------------


class _Failed(Exception):
    """An attempt that got no usable answer: the error to raise, and whether to send again."""

    def __init__(self, error: DeribitError, cause: BaseException, *, retry: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.cause = cause
        #: "always" (it never left), "idempotent" (it may have run) or "never".
        self.retry = retry


class _Answer:
    """One HTTP answer, read whole."""

    __slots__ = ("body", "response", "status_code")

    def __init__(self, response: httpx.Response, body: bytes) -> None:
        self.response = response
        self.status_code = response.status_code
        self.body = body

    def rpc_code(self) -> int | None:
        if b'"error"' not in self.body:
            return None
        try:
            error = rpc_error(decode_json(self.body), status_code=self.status_code)
        except ResponseValidationError:
            return None
        return None if error is None else error.code

    def json(self) -> Any:
        content_type = self.response.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise ResponseValidationError(
                f"expected application/json, got {excerpt(content_type, 80) or 'no content type'!r}",
                response=self.response,
            )
        return decode_json(self.body, response=self.response)

    def error(self) -> DeribitError:
        """The exception for an answer that is not a success."""
        status = self.status_code
        try:
            error = rpc_error(
                decode_json(self.body, response=self.response), status_code=status, response=self.response
            )
        except ResponseValidationError as unreadable:
            if unreadable.reason.startswith("the JSON answer nests"):
                return unreadable
            error = None
        if error is not None:
            return error
        reason = excerpt(self.response.reason_phrase, 80) or f"HTTP {status}"
        if status == 429:
            return RateLimitError(reason, status_code=status, response=self.response)
        if status >= 500:
            return InternalServerError(reason, status_code=status, response=self.response)
        return ResponseValidationError(
            f"unexpected HTTP status {status} without a JSON-RPC error", response=self.response
        )

    def result(self, model: type[T]) -> T:
        """The typed result of a success answer; raises the matching DeribitError otherwise."""
        if self.status_code != 200:
            raise self.error()
        body = self.json()
        error = rpc_error(body, status_code=self.status_code, response=self.response)
        if error is not None:
            raise error  # a 200 that carries an error is that error
        return to_model(model, body, response=self.response)

    def detailed(self, models: Mapping[int, type[Any]]) -> Response[Any]:
        return Response(
            status_code=status_of(self.status_code),
            content=self.body,
            headers=self.response.headers,
            parsed=parse_models(models, self.status_code, self.body),
        )


class _Attempts:
    """The bookkeeping of one call: its deadlines, its retries, its log lines."""

    __slots__ = ("client", "op", "params", "received", "retries", "started", "timeout", "total")

    def __init__(self, client: Client, op: Operation, params: dict[str, Any], timeout: TimeoutTypes | Unset) -> None:
        self.client = client
        self.op = op
        self.params = params
        if not isinstance(timeout, Unset):
            reason = _check_timeout(timeout, "timeout")
            if reason is not None:
                raise InvalidParamsError.client_side(param="timeout", reason=reason)
        self.timeout: TimeoutTypes = client._timeout if isinstance(timeout, Unset) else timeout
        self.total = _longest(self.timeout)
        self.started = CLOCK.monotonic()
        self.retries = 0
        self.received = 0

    def what(self) -> str:
        """``GET /public/x?a=1`` with secret parameters masked: for logs and exceptions."""
        secret = self.op.secret_params()
        shown = {k: ("***" if k in secret else v) for k, v in self.params.items()}
        query = f"?{urlencode(shown)}" if shown else ""
        return f"{self.op.method.upper()} {self.op.path}{query}"

    def deadline(self) -> float | None:
        """When this attempt must end: its timeout, and the call's ``retry_deadline``."""
        now = CLOCK.monotonic()
        ends = [now + self.total] if self.total is not None else []
        if _finite(self.client.retry_deadline) is not None:
            ends.append(self.started + self.client.retry_deadline)
        return min(ends) if ends else None

    def build(self, http: httpx.Client | httpx.AsyncClient, deadline: float | None) -> httpx.Request:
        url = self.client._base_url.rstrip("/") + self.op.path  # absolute: spares httpx a URL merge
        return http.build_request(
            self.op.method.upper(), url, params=self.params, timeout=_phase_timeouts(self.timeout, deadline)
        )

    def start_body(self, response: httpx.Response) -> list[bytes]:
        length = response.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.client.max_response_bytes:
            raise ResponseValidationError(
                f"the answer has {length} bytes, more than max_response_bytes={self.client.max_response_bytes}",
                status_code=response.status_code,
            )
        self.received = 0
        return []

    def add_chunk(self, chunks: list[bytes], chunk: bytes, deadline: float | None) -> None:
        chunks.append(chunk)
        self.received += len(chunk)
        if self.received > self.client.max_response_bytes:
            raise ResponseValidationError(
                f"the answer is larger than max_response_bytes={self.client.max_response_bytes}",
                body=b"".join(chunks),
            )
        if deadline is not None and CLOCK.monotonic() > deadline:
            raise httpx.ReadTimeout("the call's timeout ran out while the answer was arriving")

    def answer(self, response: httpx.Response, chunks: list[bytes], sent: float) -> _Answer:
        body = b"".join(chunks)
        response._content = body  # what httpx's own Response.read() does: .content works after close
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s -> %d in %.1f ms (retries: %d)",
                self.what(),
                response.status_code,
                (time.perf_counter() - sent) * 1000.0,
                self.retries,
            )
            if self.client.log_bodies:
                logger.debug(
                    "%s response body: %s", self.what(), mask_secrets(excerpt(body))
                )  # (tokens from public/auth)
        return _Answer(response, body)

    def failed(self, exc: BaseException, sent: float) -> _Failed:
        """The exception an attempt's failure becomes, and whether it may be sent again."""
        tries = f" after {self.retries + 1} attempts" if self.retries else ""
        what = self.what()
        kind = type(exc).__name__
        error: DeribitError
        retry = "idempotent"  # it may have reached the server
        if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
            error, retry = APITimeoutError(f"{what} timed out{tries} ({kind})"), "always"
        elif isinstance(exc, httpx.ConnectError) and (refused := certificate_problem(exc)) is not None:
            # A refused certificate does not heal by itself: never retried.
            error, retry = (
                APIConnectionError(f"{what} failed: the server's TLS certificate was refused: {refused}"),
                "never",
            )
        elif isinstance(exc, httpx.ConnectError):
            error = APIConnectionError(f"{what} failed{tries}: {kind}: {self.scrub(exc)}")
            retry = "always"
        elif isinstance(exc, RuntimeError) and "closed" in str(exc):
            # The client was closed (by another thread or task) before this attempt was sent.
            error, retry = APIConnectionError(f"{what} failed{tries}: the client was closed during the call"), "always"
        elif isinstance(exc, httpx.TimeoutException):
            error = APITimeoutError(f"{what} timed out{tries} ({kind})")
        elif isinstance(exc, httpx.DecodingError):
            error, retry = (
                ResponseValidationError(f"the answer's body could not be decoded ({self.scrub(exc)})"),
                "never",
            )
        elif isinstance(exc, httpx.TooManyRedirects):
            error, retry = ResponseValidationError(f"{what}: too many redirects"), "never"
        elif isinstance(exc, (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.InvalidURL, UnicodeError)):
            error, retry = APIConnectionError(f"{what} could not be sent: {kind}: {self.scrub(exc)}"), "never"
        elif isinstance(exc, (httpx.TransportError, OSError)):
            error = APIConnectionError(f"{what} failed{tries}: {kind}: {self.scrub(exc)}")
        else:  # nothing but a DeribitError leaves a call
            error, retry = APIConnectionError(f"{what} failed{tries}: unexpected {kind}: {self.scrub(exc)}"), "never"
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s -> %s in %.1f ms (retries: %d)", what, kind, (time.perf_counter() - sent) * 1000.0, self.retries
            )
        return _Failed(error, exc, retry=retry)

    def scrub(self, exc: BaseException) -> str:
        """``str(exc)``, bounded, with this client's credentials cut out wherever they appear."""
        text = str(exc)
        token = getattr(self.client, "token", None)
        if isinstance(token, str) and len(token) >= 4:
            text = text.replace(token, "***")
        return excerpt(text, 200)

    def retry_after_failure(self, failed: _Failed) -> float | None:
        """Seconds to wait before sending again after ``failed``, or None to raise it."""
        if failed.retry == "never" or (failed.retry == "idempotent" and not self.op.idempotent):
            return None
        return self._delay(type(failed.cause).__name__, None)

    def retry_after_answer(self, answer: _Answer) -> float | None:
        """Seconds to wait before sending again after ``answer``, or None to return it."""
        status = answer.status_code
        if status == 429 or answer.rpc_code() == 10028:
            cause = f"HTTP {status}, rate limited"  # refused by the server: never ran, always safe
        elif (status == 408 or status >= 500) and self.op.idempotent:
            cause = f"HTTP {status}"
        else:
            return None
        return self._delay(cause, parse_retry_after(answer.response.headers))

    def _delay(self, cause: str, retry_after: float | None) -> float | None:
        client = self.client
        if self.retries >= client.max_retries:
            return None
        if retry_after is not None and retry_after > MAX_RETRY_AFTER:
            return None
        delay = (
            retry_after
            if retry_after is not None
            else backoff(self.retries, client.initial_retry_delay, client.max_retry_delay)
        )
        if CLOCK.monotonic() - self.started + delay >= client.retry_deadline:
            return None
        logger.info(
            "Retrying %s in %.2f s (retry %d of %d) after %s",
            self.what(),
            delay,
            self.retries + 1,
            client.max_retries,
            cause,
        )
        self.retries += 1
        return delay


def _finite(seconds: float | None) -> float | None:
    return None if seconds is None or seconds == math.inf else seconds


def _longest(timeout: TimeoutTypes) -> float | None:
    """The bound of one attempt: a number, or the longest phase of an ``httpx.Timeout``
    (None, no bound, when any phase has none)."""
    if timeout is None or isinstance(timeout, (int, float)):
        return _finite(timeout)
    phases = [timeout.connect, timeout.read, timeout.write, timeout.pool]
    if any(_finite(t) is None for t in phases):
        return None
    return max(t for t in phases if t is not None)


def _phase_timeouts(timeout: TimeoutTypes, deadline: float | None) -> httpx.Timeout:
    """httpx's per-phase timeouts, none of them beyond ``deadline``."""
    base = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(_finite(timeout))
    if deadline is None:
        return httpx.Timeout(
            connect=_finite(base.connect), read=_finite(base.read), write=_finite(base.write), pool=_finite(base.pool)
        )
    left = max(deadline - CLOCK.monotonic(), 0.001)

    def cap(phase: float | None) -> float:
        phase = _finite(phase)
        return left if phase is None else min(phase, left)

    return httpx.Timeout(connect=cap(base.connect), read=cap(base.read), write=cap(base.write), pool=cap(base.pool))


# Copied from runtime/_core/http.py by make generate. Do not edit here: edit runtime/_core/http.py.
