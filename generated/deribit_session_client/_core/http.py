# Copied from runtime/_core/http.py by make generate. Do not edit here: edit runtime/_core/http.py.
"""The HTTP clients: connection pools, credentials, timeouts, retries and logging.

Every generated operation calls ``client._call_sync``/``_call_async`` (or the ``_detailed``
forms) with its :class:`~.operations.Operation` and the caller's parameters, so a new path in
the spec gets all of this from ``make generate`` alone.
"""

from __future__ import annotations

import base64
import logging
import ssl
import threading
import time
import weakref
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import urlencode

import httpx
from attrs import define, evolve, field

from .answers import decode_json, parse_models, rpc_error, to_model
from .errors import (
    APIConnectionError,
    APITimeoutError,
    DeribitError,
    InternalServerError,
    RateLimitError,
    ResponseValidationError,
    excerpt,
    parse_retry_after,
)
from .operations import Operation
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


def _masked_headers(headers: Mapping[str, str]) -> str:
    return repr({k: ("***" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()})


def _masked(_: object) -> str:
    return "'***'"


class _Pools:
    """The httpx clients (connection pools) of a client and the clones ``with_options()`` makes.

    Only the client that made this holder (its owner) closes the pools; an async pool is kept
    per event loop, because an ``httpx.AsyncClient`` cannot outlive the loop it was used on.
    """

    __slots__ = ("__weakref__", "async_", "depth", "lock", "owner", "sync", "sync_external")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner: weakref.ref[Client] | None = None
        self.sync: httpx.Client | None = None
        self.sync_external = False
        self.async_: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )
        self.depth = 0


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
        if self.initial_retry_delay < 0 or self.max_retry_delay < 0 or self.retry_deadline < 0:
            raise ValueError("retry delays and the retry deadline must not be negative")
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

    def _owns_pools(self) -> bool:
        return self._pools.owner is not None and self._pools.owner() is self

    # -- httpx clients ---------------------------------------------------------------------

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Send with this ``httpx.Client``.

        Its transport, headers, cookies, TLS settings, proxy, limits, event hooks, redirect
        setting and (when this client has no credentials) its auth apply. This client's
        ``base_url``, ``timeout``, credentials, retries and ``max_response_bytes`` win. It stays
        yours to close: :meth:`close` leaves it open.
        """
        with self._pools.lock:
            self._pools.sync = client
            self._pools.sync_external = True
        return self

    def get_httpx_client(self) -> httpx.Client:
        """The ``httpx.Client`` this client sends with, made on first use (one, however many
        threads ask at once)."""
        pool = self._pools.sync
        if pool is not None:
            return pool
        with self._pools.lock:
            if self._pools.sync is None:
                self._pools.sync = httpx.Client(**self._httpx_kwargs())
                self._pools.sync_external = False
            return self._pools.sync

    def _httpx_kwargs(self) -> dict[str, Any]:
        return {
            "cookies": self._cookies,
            "headers": self._headers,
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
            self.close()

    def close(self) -> None:
        """Close the sync connection pool, when this client made it. A clone's ``close()`` does
        nothing; the next call after ``close()`` opens a new pool."""
        if not self._owns_pools():
            return
        with self._pools.lock:
            pool, external = self._pools.sync, self._pools.sync_external
            if not external:
                self._pools.sync = None
        if pool is not None and not external:
            pool.close()

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Self:
        """Send async calls on the running event loop with this ``httpx.AsyncClient`` (the
        settings that win are as for :meth:`set_httpx_client`). It stays yours to close."""
        import asyncio

        loop = asyncio.get_running_loop()
        with self._pools.lock:
            self._pools.async_[loop] = async_client
            _EXTERNAL.add(async_client)
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The ``httpx.AsyncClient`` for the running event loop, made on first use there."""
        import asyncio

        loop = asyncio.get_running_loop()
        pool = self._pools.async_.get(loop)
        if pool is not None:
            return pool
        with self._pools.lock:
            pool = self._pools.async_.get(loop)
            if pool is None:
                # Pools of loops that have closed are unusable (their sockets belonged to
                # those loops): forget them.
                for old in [old for old in self._pools.async_ if old.is_closed()]:
                    del self._pools.async_[old]
                pool = self._pools.async_[loop] = httpx.AsyncClient(**self._httpx_kwargs())
            return pool

    async def __aenter__(self) -> Self:
        with self._pools.lock:
            self._pools.depth += 1
        return self

    async def __aexit__(self, *args: object) -> None:
        with self._pools.lock:
            self._pools.depth = max(self._pools.depth - 1, 0)
            last = self._pools.depth == 0
        if last:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the running loop's async pool (and the sync pool), when this client made them."""
        import asyncio

        if not self._owns_pools():
            return
        loop = asyncio.get_running_loop()
        with self._pools.lock:
            pool = self._pools.async_.pop(loop, None)
        if pool is not None and pool not in _EXTERNAL:
            await pool.aclose()
        self.close()

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
        http = self.get_httpx_client()
        attempt = _Attempts(self, op, params, timeout)
        while True:
            deadline = attempt.deadline()
            try:
                answer = self._attempt_sync(http, attempt, deadline)
            except _Failed as failed:
                delay = attempt.retry_after_failure(failed)
                if delay is None:
                    raise failed.error from failed.cause
            else:
                delay = attempt.retry_after_answer(answer)
                if delay is None:
                    return answer
            CLOCK.sleep(delay)

    def _attempt_sync(self, http: httpx.Client, attempt: _Attempts, deadline: float | None) -> _Answer:
        sent = time.perf_counter()
        try:
            request = attempt.build(http, deadline)
            response = http.send(request, auth=self._auth() or httpx.USE_CLIENT_DEFAULT, stream=True)
            try:
                chunks = attempt.start_body(response)
                for chunk in response.iter_bytes():
                    attempt.add_chunk(chunks, chunk, deadline)
            finally:
                response.close()
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            raise attempt.failed(exc) from exc
        return attempt.answer(response, chunks, sent)

    async def _send_async(self, op: Operation, params: dict[str, Any], timeout: TimeoutTypes | Unset) -> _Answer:
        http = self.get_async_httpx_client()
        attempt = _Attempts(self, op, params, timeout)
        while True:
            deadline = attempt.deadline()
            try:
                answer = await self._attempt_async(http, attempt, deadline)
            except _Failed as failed:
                delay = attempt.retry_after_failure(failed)
                if delay is None:
                    raise failed.error from failed.cause
            else:
                delay = attempt.retry_after_answer(answer)
                if delay is None:
                    return answer
            await CLOCK.async_sleep(delay)

    async def _attempt_async(self, http: httpx.AsyncClient, attempt: _Attempts, deadline: float | None) -> _Answer:
        import asyncio

        sent = time.perf_counter()
        chunks: list[bytes] = []
        try:
            # asyncio.timeout bounds the whole attempt exactly, however the server drips.
            async with asyncio.timeout(None if deadline is None else max(deadline - CLOCK.monotonic(), 0.0)):
                request = attempt.build(http, deadline)
                response = await http.send(request, auth=self._auth() or httpx.USE_CLIENT_DEFAULT, stream=True)
                try:
                    chunks = attempt.start_body(response)
                    async for chunk in response.aiter_bytes():
                        attempt.add_chunk(chunks, chunk, deadline)
                finally:
                    await response.aclose()
        except TimeoutError as exc:
            raise attempt.failed(httpx.ReadTimeout("the call's timeout ran out")) from exc
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            raise attempt.failed(exc) from exc
        return attempt.answer(response, chunks, sent)


_EXTERNAL: weakref.WeakSet[httpx.AsyncClient] = weakref.WeakSet()


@define
class AuthenticatedClient(Client):
    """A client for every method, public and private.

    Bearer: ``AuthenticatedClient(base_url=..., token=access_token)``. HTTP basic (client
    id and secret): :meth:`from_client_credentials`. The Authorization header is built for
    each request, so ``client.token = new_token`` takes effect on the next call. Secrets
    never appear in ``repr()``.

    Args:
        token: The access token (or, with ``prefix="Basic"``, base64 of ``id:secret``).
        prefix: The Authorization scheme, ``Bearer`` by default.
        auth_header_name: The header that carries the credentials.
    """

    token: str = field(default="", kw_only=True, repr=_masked)
    prefix: str = field(default="Bearer", kw_only=True)
    auth_header_name: str = field(default="Authorization", kw_only=True)

    @classmethod
    def from_client_credentials(cls, *, base_url: str, client_id: str, client_secret: str, **kwargs: Any) -> Self:
        """A client that authenticates with HTTP basic: ``client_id:client_secret``."""
        token = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        return cls(base_url=base_url, token=token, prefix="Basic", **kwargs)

    def _auth(self) -> httpx.Auth | None:
        return _HeaderAuth(self.auth_header_name, f"{self.prefix} {self.token}" if self.prefix else self.token)


# -- one call's attempts -------------------------------------------------------------------------


class _Failed(Exception):
    """An attempt that got no usable answer: the error to raise, and whether it may have
    reached the server (then only an idempotent operation is sent again)."""

    def __init__(self, error: DeribitError, cause: BaseException, *, may_have_reached_server: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.cause = cause
        self.may_have_reached_server = may_have_reached_server


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
        except ResponseValidationError:
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
        ends = [self.started + self.client.retry_deadline]
        if self.total is not None:
            ends.append(now + self.total)
        return min(ends)

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
                logger.debug("%s response body: %s", self.what(), excerpt(body))
        return _Answer(response, body)

    def failed(self, exc: BaseException) -> _Failed:
        """The exception an attempt's failure becomes."""
        if isinstance(exc, ResponseValidationError):
            return _Failed(exc, exc, may_have_reached_server=True)
        tries = f" after {self.retries + 1} attempts" if self.retries else ""
        what = self.what()
        error: DeribitError
        if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
            return _Failed(
                APITimeoutError(f"{what} timed out{tries} ({type(exc).__name__})"), exc, may_have_reached_server=False
            )
        if isinstance(exc, httpx.ConnectError):
            message = f"{what} failed{tries}: {type(exc).__name__}: {excerpt(str(exc), 200)}"
            return _Failed(APIConnectionError(message), exc, may_have_reached_server=False)
        if isinstance(exc, httpx.TimeoutException):
            error = APITimeoutError(f"{what} timed out{tries} ({type(exc).__name__})")
        elif isinstance(exc, httpx.DecodingError):
            error = ResponseValidationError(f"the answer's body could not be decoded ({excerpt(str(exc), 120)})")
        elif isinstance(exc, httpx.TooManyRedirects):
            error = ResponseValidationError(f"{what}: too many redirects")
        else:
            error = APIConnectionError(f"{what} failed{tries}: {type(exc).__name__}: {excerpt(str(exc), 200)}")
        retryable = isinstance(exc, (httpx.TransportError, OSError)) and not isinstance(exc, httpx.UnsupportedProtocol)
        return _Failed(error, exc, may_have_reached_server=retryable)

    def retry_after_failure(self, failed: _Failed) -> float | None:
        """Seconds to wait before sending again after ``failed``, or None to raise it."""
        if isinstance(failed.error, ResponseValidationError):
            return None
        if failed.may_have_reached_server and not self.op.idempotent:
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


def _longest(timeout: TimeoutTypes) -> float | None:
    """The bound of one attempt: a number, or the longest phase of an ``httpx.Timeout``."""
    if timeout is None or isinstance(timeout, (int, float)):
        return None if timeout is None else float(timeout)
    phases = [t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool) if t is not None]
    return max(phases) if phases else None


def _phase_timeouts(timeout: TimeoutTypes, deadline: float | None) -> httpx.Timeout:
    """httpx's per-phase timeouts, none of them beyond ``deadline``."""
    base = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
    if deadline is None:
        return base
    left = max(deadline - CLOCK.monotonic(), 0.001)

    def cap(phase: float | None) -> float:
        return left if phase is None else min(phase, left)

    return httpx.Timeout(connect=cap(base.connect), read=cap(base.read), write=cap(base.write), pool=cap(base.pool))
