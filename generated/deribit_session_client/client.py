"""The clients: connection settings, authentication, timeouts, retries and logging.

Every operation module sends through ``Client._request_sync``/``_request_async`` and
reads answers with :func:`parse_success`/:func:`build_response`, so a new path in the
spec gets all of this from ``make generate`` alone.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import ssl
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Protocol, Self, TypeVar

import httpx
from attrs import define, evolve, field

from .errors import (
    APIConnectionError,
    APITimeoutError,
    DeribitError,
    InternalServerError,
    RateLimitError,
    ResponseValidationError,
    _excerpt,
    error_from_rpc,
    parse_retry_after,
)
from .types import UNSET, Response, Unset

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "PRODUCTION_URL",
    "TESTNET_URL",
    "AuthenticatedClient",
    "Client",
]

PRODUCTION_URL = "https://www.deribit.com/api/v2"
TESTNET_URL = "https://test.deribit.com/api/v2"

#: 10 s for the whole request, 5 s to connect: a trading system must never wait on httpx's defaults.
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
#: No retry starts later than this many seconds after the first attempt.
DEFAULT_RETRY_DEADLINE = 30.0
#: A ``Retry-After`` longer than this is not waited for; the error is raised instead.
MAX_RETRY_AFTER = 60.0

TimeoutTypes = float | httpx.Timeout | None

logger = logging.getLogger("deribit_session_client")

_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _masked_headers(headers: Mapping[str, str]) -> str:
    return repr({k: ("***" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()})


def _masked(_: object) -> str:
    return "'***'"


class _Pools:
    """The httpx clients (connection pools), shared by the clients that with_options() makes."""

    __slots__ = ("sync", "async_")

    def __init__(self) -> None:
        self.sync: httpx.Client | None = None
        self.async_: httpx.AsyncClient | None = None


@define
class Client:
    """A client for the public methods (and the base of :class:`AuthenticatedClient`).

    Args:
        base_url: The API root, such as ``PRODUCTION_URL``, ``TESTNET_URL`` or a mock server's
            ``http://127.0.0.1:8000/api/v2``.
        timeout: Per-request timeout: seconds, an ``httpx.Timeout``, or None for none at all.
            Defaults to ``DEFAULT_TIMEOUT`` (10 s, 5 s to connect).
        max_retries: Retries after a connection error, a timeout, rate limiting or a 5xx answer.
        initial_retry_delay: The first backoff delay in seconds; it doubles with each retry, with
            up to 25 % jitter, up to ``max_retry_delay``. A ``Retry-After`` header wins.
        max_retry_delay: The longest backoff delay in seconds.
        retry_deadline: No retry starts later than this many seconds after the first attempt.
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
    log_bodies: bool = field(default=False, kw_only=True)
    _pools: _Pools = field(factory=lambda: _Pools(), kw_only=True, alias="_pools", repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must not be negative")
        if self.initial_retry_delay < 0 or self.max_retry_delay < 0 or self.retry_deadline < 0:
            raise ValueError("retry delays and the retry deadline must not be negative")

    # -- settings --------------------------------------------------------------------------

    def _auth_headers(self) -> dict[str, str]:
        return {}

    def _all_headers(self) -> dict[str, str]:
        return {**self._headers, **self._auth_headers()}

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
        """A new client like this one with other timeout or retry settings, sharing its connections."""
        changes: dict[str, Any] = {}
        if not isinstance(timeout, Unset):
            changes["timeout"] = timeout
        if not isinstance(max_retries, Unset):
            changes["max_retries"] = max_retries
        if not isinstance(retry_deadline, Unset):
            changes["retry_deadline"] = retry_deadline
        return evolve(self, **changes)

    # -- httpx clients ---------------------------------------------------------------------

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Use this ``httpx.Client``; its own settings replace this client's (not the retries)."""
        self._pools.sync = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        """The underlying ``httpx.Client``, created on first use."""
        if self._pools.sync is None:
            self._pools.sync = httpx.Client(
                base_url=self._base_url,
                cookies=self._cookies,
                headers=self._all_headers(),
                timeout=self._timeout,
                verify=self._verify_ssl,
                follow_redirects=self._follow_redirects,
                **self._httpx_args,
            )
        return self._pools.sync

    def __enter__(self) -> Self:
        self.get_httpx_client().__enter__()
        return self

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        self.get_httpx_client().__exit__(*args, **kwargs)

    def close(self) -> None:
        """Close the sync connection pool, if one was opened."""
        if self._pools.sync is not None:
            self._pools.sync.close()

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Self:
        """Use this ``httpx.AsyncClient``; its own settings replace this client's (not the retries)."""
        self._pools.async_ = async_client
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The underlying ``httpx.AsyncClient``, created on first use."""
        if self._pools.async_ is None:
            self._pools.async_ = httpx.AsyncClient(
                base_url=self._base_url,
                cookies=self._cookies,
                headers=self._all_headers(),
                timeout=self._timeout,
                verify=self._verify_ssl,
                follow_redirects=self._follow_redirects,
                **self._httpx_args,
            )
        return self._pools.async_

    async def __aenter__(self) -> Self:
        await self.get_async_httpx_client().__aenter__()
        return self

    async def __aexit__(self, *args: Any, **kwargs: Any) -> None:
        await self.get_async_httpx_client().__aexit__(*args, **kwargs)

    async def aclose(self) -> None:
        """Close the async connection pool, if one was opened."""
        if self._pools.async_ is not None:
            await self._pools.async_.aclose()

    # -- sending, with retries -------------------------------------------------------------

    def _prepare(self, request: dict[str, Any], timeout: TimeoutTypes | Unset) -> dict[str, Any]:
        # The timeout goes with each request, so that clients made by with_options() can share
        # one connection pool and still keep their own timeouts. An absolute URL spares httpx
        # a base-URL merge (two URL parses) on every call.
        return {
            **request,
            "url": self._base_url.rstrip("/") + request["url"],
            "timeout": self._timeout if isinstance(timeout, Unset) else timeout,
        }

    def _retry_delay(self, retries: int, started: float, response: httpx.Response | None) -> float | None:
        """Seconds to wait before retry number ``retries + 1``, or None to give up."""
        if retries >= self.max_retries:
            return None
        delay: float | None = None
        if response is not None:
            delay = parse_retry_after(response.headers)
            if delay is not None and delay > MAX_RETRY_AFTER:
                return None
        if delay is None:
            delay = min(self.initial_retry_delay * 2.0**retries, self.max_retry_delay)
            delay *= 1.0 - 0.25 * random.random()
        if time.monotonic() - started + delay > self.retry_deadline:
            return None
        return delay

    def _log(self, what: str, response: httpx.Response, started: float, retries: int) -> None:
        logger.debug(
            "%s -> %d in %.1f ms (retries: %d)",
            what,
            response.status_code,
            (time.perf_counter() - started) * 1000.0,
            retries,
        )
        if self.log_bodies:
            logger.debug("%s response body: %s", what, _excerpt(response.content))

    def _log_retry(self, what: str, retries: int, delay: float, cause: str) -> None:
        logger.info(
            "Retrying %s in %.2f s (retry %d of %d) after %s",
            what,
            delay,
            retries + 1,
            self.max_retries,
            cause,
        )

    def _request_sync(self, request: dict[str, Any], timeout: TimeoutTypes | Unset = UNSET) -> httpx.Response:
        """Send ``request`` (httpx.Client.request keyword arguments), retrying as configured."""
        http = self.get_httpx_client()
        what = f"{request['method'].upper()} {request['url']}"
        request = self._prepare(request, timeout)
        started = time.monotonic()
        retries = 0
        while True:
            sent = time.perf_counter()
            try:
                response = http.request(**request)
            except httpx.TransportError as exc:
                delay = self._retry_delay(retries, started, None)
                if delay is None:
                    raise _transport_error(what, exc, retries) from exc
                self._log_retry(what, retries, delay, type(exc).__name__)
            else:
                if logger.isEnabledFor(logging.DEBUG):
                    self._log(what, response, sent, retries)
                if not _should_retry(response):
                    return response
                delay = self._retry_delay(retries, started, response)
                if delay is None:
                    return response
                self._log_retry(what, retries, delay, f"HTTP {response.status_code}")
                response.close()
            time.sleep(delay)
            retries += 1

    async def _request_async(self, request: dict[str, Any], timeout: TimeoutTypes | Unset = UNSET) -> httpx.Response:
        """Send ``request`` (httpx.AsyncClient.request keyword arguments), retrying as configured."""
        import asyncio  # here, not at the top: it costs sync-only users ~12 ms of import time

        http = self.get_async_httpx_client()
        what = f"{request['method'].upper()} {request['url']}"
        request = self._prepare(request, timeout)
        started = time.monotonic()
        retries = 0
        while True:
            sent = time.perf_counter()
            try:
                response = await http.request(**request)
            except httpx.TransportError as exc:
                delay = self._retry_delay(retries, started, None)
                if delay is None:
                    raise _transport_error(what, exc, retries) from exc
                self._log_retry(what, retries, delay, type(exc).__name__)
            else:
                if logger.isEnabledFor(logging.DEBUG):
                    self._log(what, response, sent, retries)
                if not _should_retry(response):
                    return response
                delay = self._retry_delay(retries, started, response)
                if delay is None:
                    return response
                self._log_retry(what, retries, delay, f"HTTP {response.status_code}")
                await response.aclose()
            await asyncio.sleep(delay)
            retries += 1


@define
class AuthenticatedClient(Client):
    """A client for every method, public and private.

    Bearer: ``AuthenticatedClient(base_url=..., token=access_token)``. HTTP basic (client
    id and secret): :meth:`from_client_credentials`. Secrets never appear in ``repr()``.

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

    def _auth_headers(self) -> dict[str, str]:
        return {self.auth_header_name: f"{self.prefix} {self.token}" if self.prefix else self.token}


def _should_retry(response: httpx.Response) -> bool:
    status = response.status_code
    if status == 429 or status == 408 or status >= 500:
        return True
    return status == 400 and b"10028" in response.content and _rpc_error_code(response) == 10028


def _rpc_error_code(response: httpx.Response) -> int | None:
    try:
        code = json.loads(response.content)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, int) else None


def _transport_error(what: str, exc: httpx.TransportError, retries: int) -> APIConnectionError:
    tries = f" after {retries + 1} attempts" if retries else ""
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"{what} timed out{tries} ({type(exc).__name__})")
    return APIConnectionError(f"{what} failed{tries}: {type(exc).__name__}: {exc}")


# -- reading answers ---------------------------------------------------------------------


class _Model(Protocol):
    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self: ...


T = TypeVar("T", bound=_Model)


def _json_body(response: httpx.Response) -> Any:
    content_type = response.headers.get("content-type", "")
    if not content_type.startswith("application/json"):
        raise ResponseValidationError(
            f"expected application/json, got {content_type or 'no content type'!r}", response=response
        )
    try:
        return json.loads(response.content)
    except ValueError:
        raise ResponseValidationError("malformed JSON", response=response) from None


def error_for_response(response: httpx.Response) -> DeribitError:
    """The exception for an answer that is not a success."""
    status = response.status_code
    try:
        body = json.loads(response.content)
        error = body["error"]
        code, message = error["code"], error["message"]
        if isinstance(code, int) and isinstance(message, str):
            return error_from_rpc(code, message, error.get("data"), status_code=status, response=response)
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    reason = response.reason_phrase or f"HTTP {status}"
    if status == 429:
        return RateLimitError(reason, status_code=status, response=response)
    if status >= 500:
        return InternalServerError(reason, status_code=status, response=response)
    return ResponseValidationError(f"unexpected HTTP status {status} without a JSON-RPC error", response=response)


def parse_success(response: httpx.Response, model: type[T]) -> T:
    """The typed result of a success answer; raises the matching DeribitError otherwise."""
    if response.status_code != 200:
        raise error_for_response(response)
    body = _json_body(response)
    if isinstance(body, dict) and "error" in body and "result" not in body:
        raise error_for_response(response)
    try:
        return model.from_dict(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ResponseValidationError(
            f"the answer is not a {model.__name__} ({type(exc).__name__}: {exc})", response=response
        ) from None


def build_response(response: httpx.Response, models: Mapping[int, type[Any]]) -> Response[Any]:
    """The raw answer with ``parsed`` set to the model of its status, or None when it does not parse."""
    parsed: Any = None
    model = models.get(response.status_code)
    if model is not None:
        try:
            parsed = model.from_dict(json.loads(response.content))
        except (ValueError, KeyError, TypeError, AttributeError):
            parsed = None
    return Response(
        status_code=HTTPStatus(response.status_code), content=response.content, headers=response.headers, parsed=parsed
    )
