"""One HTTP call's attempts: sending within the deadline, reading the answer whole, deciding
what a failure proves and whether to retry, and logging without secrets."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlencode

import httpx

from ..errors import (
    APIConnectionError,
    APITimeoutError,
    DeribitError,
    InternalServerError,
    InvalidParamsError,
    OrderOutcomeUnknownError,
    RateLimitError,
    ResponseValidationError,
    excerpt,
    parse_retry_after,
)
from ..redact import mask_secrets
from ..retry import CLOCK, backoff, certificate_problem
from ..spec import registry
from ..spec.answers import decode_json, parse_models, rpc_error, to_model
from ..spec.operations import Operation, changes_orders, outcome_unknown
from ..types import Response, Unset, status_of
from .deadline import TimeoutTypes, check_timeout, finite, longest, phase_timeouts, phases

if TYPE_CHECKING:
    from ..limits.limiter import Limiter
    from ..spec.answers import Model

logger = logging.getLogger("deribit_session_client")

#: A Retry-After longer than this is not waited for: the error is raised at once.
MAX_RETRY_AFTER = 60.0
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
T = TypeVar("T", bound="Model")


class MaskSecretParams(logging.Filter):
    """Masks the spec's secret parameters in the URLs of httpx's own log lines (httpx logs
    each request's URL at INFO, and ``public/auth`` over HTTP carries secrets in the query)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(masked_url(a) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


def masked_url(url: httpx.URL) -> httpx.URL | str:
    secret = registry.secret_params()
    pairs = url.params.multi_items()
    if not any(name in secret for name, _ in pairs):
        return url
    return str(url.copy_with(params=[(n, "***" if n in secret else v) for n, v in pairs]))


@functools.cache
def mask_httpx_logs() -> None:
    """Installs the filter on httpx's logger, once, when the first connection pool is made."""
    logging.getLogger("httpx").addFilter(MaskSecretParams())


def masked_headers(headers: Mapping[str, str]) -> str:
    return repr({k: ("***" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()})


def masked(_: object) -> str:
    return "'***'"


class Failed(Exception):
    """An attempt that got no usable answer: the error to raise, and whether to send again."""

    def __init__(self, error: DeribitError, cause: BaseException, *, retry: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.cause = cause
        #: "always" (it never left), "idempotent" (it may have run) or "never".
        self.retry = retry


class Answer:
    """One HTTP answer, read whole."""

    __slots__ = ("body", "response", "status_code", "unknown")

    def __init__(
        self,
        response: httpx.Response,
        body: bytes,
        unknown: Callable[[APIConnectionError], OrderOutcomeUnknownError] | None = None,
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        self.body = body
        #: For an order call: its error when the answer does not say what became of the order.
        self.unknown = unknown

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
        hint = ""
        if status == 404 and "/api/v2/" not in self.response.request.url.path:
            hint = ": the base URL must end with /api/v2 (such as https://test.deribit.com/api/v2)"
        return ResponseValidationError(
            f"unexpected HTTP status {status} without a JSON-RPC error{hint}", response=self.response
        )

    def result(self, model: type[T]) -> T:
        """The typed result of a success answer; raises the matching DeribitError otherwise."""
        try:
            if self.status_code != 200:
                raise self.error()
            body = self.json()
            error = rpc_error(body, status_code=self.status_code, response=self.response)
            if error is not None:
                raise error  # a 200 that carries an error is that error
            return to_model(model, body, response=self.response)
        except (InternalServerError, ResponseValidationError) as exc:
            # an order call whose answer is a gateway's (502, 504) or unreadable: the exchange
            # may have placed the order, so its outcome is unknown
            if self.unknown is not None and (
                self.status_code in (502, 504) or isinstance(exc, ResponseValidationError)
            ):
                raise self.unknown(APIConnectionError(f"the answer does not say: {exc}")) from exc
            raise

    def detailed(self, models: Mapping[int, type[Any]]) -> Response[Any]:
        return Response(
            status_code=status_of(self.status_code),
            content=self.body,
            headers=self.response.headers,
            parsed=parse_models(models, self.status_code, self.body),
        )


class Sender(Protocol):
    """What a call's attempts read of the client that makes them (:class:`~.client.Client`, whose
    docstring says what each means)."""

    _timeout: TimeoutTypes
    _base_url: str
    max_retries: int
    initial_retry_delay: float
    max_retry_delay: float
    retry_deadline: float
    max_response_bytes: int
    log_bodies: bool

    def limiter(self) -> Limiter: ...

    def _auth(self) -> httpx.Auth | None: ...

    def get_httpx_client(self) -> httpx.Client: ...

    def get_async_httpx_client(self) -> httpx.AsyncClient: ...


class Attempts:
    """The bookkeeping of one call: its deadlines, its retries, its log lines."""

    __slots__ = (
        "client",
        "op",
        "order_call",
        "params",
        "phases",
        "received",
        "retries",
        "started",
        "timeout",
        "total",
    )

    def __init__(self, client: Sender, op: Operation, params: dict[str, Any], timeout: TimeoutTypes | Unset) -> None:
        self.client = client
        self.op = op
        self.params = params
        if not isinstance(timeout, Unset):
            reason = check_timeout(timeout, "timeout")
            if reason is not None:
                raise InvalidParamsError.client_side(param="timeout", reason=reason)
        self.timeout: TimeoutTypes = client._timeout if isinstance(timeout, Unset) else timeout
        #: It changes orders: what a failure after sending leaves is an unknown outcome.
        self.order_call = changes_orders(op.rpc_method, op)
        self.phases = phases(self.timeout)
        self.total = longest(self.phases)
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
        ends = None if self.total is None else CLOCK.monotonic() + self.total
        if finite(self.client.retry_deadline) is not None:
            call_ends = self.started + self.client.retry_deadline
            ends = call_ends if ends is None or call_ends < ends else ends
        return ends

    def build(self, http: httpx.Client | httpx.AsyncClient, deadline: float | None) -> httpx.Request:
        url = self.client._base_url.rstrip("/") + self.op.path  # absolute: spares httpx a URL merge
        # (the timeout as the extension httpx makes of an httpx.Timeout, without making one per attempt)
        timeout = phase_timeouts(self.phases, deadline)
        params: dict[str, Any] | None = self.params or None  # (an empty one too would have httpx parse twice)
        if params and not http.params:
            # The query encoded here as httpx encodes it: httpx parses a URL once, where with
            # ``params=`` it parses it and then again with the query (a third of its request's cost).
            url, params = f"{url}?{httpx.QueryParams(params)}", None
        return http.build_request(self.op.method.upper(), url, params=params, extensions={"timeout": timeout})

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

    def answer(self, response: httpx.Response, chunks: list[bytes], sent: float) -> Answer:
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
        return Answer(response, body, self.outcome_unknown if self.order_call else None)

    def failed(self, exc: BaseException, sent: float) -> Failed:
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
        if (
            retry == "idempotent"
            and isinstance(error, APIConnectionError)
            and changes_orders(self.op.rpc_method, self.op)
        ):
            error = self.outcome_unknown(error)  # an order that may have reached the exchange
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s -> %s in %.1f ms (retries: %d)", what, kind, (time.perf_counter() - sent) * 1000.0, self.retries
            )
        return Failed(error, exc, retry=retry)

    def outcome_unknown(self, error: APIConnectionError) -> OrderOutcomeUnknownError:
        return outcome_unknown(self.op.rpc_method, self.params, error)

    def scrub(self, exc: BaseException) -> str:
        """``str(exc)``, bounded, with this client's credentials cut out wherever they appear."""
        text = str(exc)
        token = getattr(self.client, "token", None)
        if isinstance(token, str) and len(token) >= 4:
            text = text.replace(token, "***")
        return excerpt(text, 200)

    def retry_after_failure(self, failed: Failed) -> float | None:
        """Seconds to wait before sending again after ``failed``, or None to raise it."""
        if failed.retry == "never" or (failed.retry == "idempotent" and not self.op.idempotent):
            return None
        return self._delay(type(failed.cause).__name__, None)

    def retry_after_answer(self, answer: Answer) -> float | None:
        """Seconds to wait before sending again after ``answer``, or None to return it."""
        status = answer.status_code
        if status == 429 or answer.rpc_code() == 10028:
            cause = f"HTTP {status}, rate limited"  # refused by the server: never ran, always safe
            self.client.limiter().exhausted(self.op.rpc_method, self.op)  # its pool is empty, whatever ours says
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
