"""The exceptions this package raises, all rooted at :class:`DeribitError`.

API errors are chosen by the JSON-RPC error code first and the HTTP status second, so the
same classes serve HTTP and WebSocket. Every message is bounded (a server can send a 10 kB
message; an exception quotes a few hundred characters of it), and every exception pickles
(the raw ``response`` is left behind: it holds a connection).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .redact import mask_secrets, masked_value, redact

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "CallbackError",
    "LeaseExpiredError",
    "DeribitError",
    "InternalServerError",
    "InvalidParamsError",
    "MethodNotFoundError",
    "OrderOutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "SubscriptionRefusedError",
    "WebSocketOnlyError",
    "error_from_rpc",
    "mask_known",
    "parse_retry_after",
]

#: How many characters of a response body an exception quotes at most.
BODY_EXCERPT_LIMIT = 200
#: How many characters of a server's error message or data an exception quotes at most.
MESSAGE_LIMIT = 300


def excerpt(body: bytes | str, limit: int = BODY_EXCERPT_LIMIT) -> str:
    """At most ``limit`` characters of ``body``, saying how long it was when cut."""
    text = body[: limit * 4].decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    total = len(body) if isinstance(body, bytes) else len(text)
    if len(text) > limit:
        unit = "bytes" if isinstance(body, bytes) else "characters"
        return text[:limit] + f"... ({total} {unit} in all)"
    return text


class DeribitError(Exception):
    """The root of every exception this package raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle the attributes as they are (messages already bounded), without the raw
        # response or request: they hold a connection and cannot cross a process boundary.
        state = {k: (None if k in ("response", "request") else v) for k, v in vars(self).items()}
        return (_restore, (type(self), self.args, state))


def _restore(cls: type[DeribitError], args: tuple[Any, ...], state: dict[str, Any]) -> DeribitError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class APIError(DeribitError):
    """The server answered with a JSON-RPC error (or an error status).

    Attributes:
        code: The JSON-RPC error code, such as -32602, or None when the answer had none.
        message: The server's error message (at most ``MESSAGE_LIMIT`` characters).
        data: The error's free-form ``data`` (for -32602 a dict with ``param`` and ``reason``).
        status_code: The HTTP status, or None (WebSocket, or raised before any request).
        response: The raw ``httpx.Response``, or None (WebSocket, or after unpickling).
        method: The JSON-RPC method that was called (``"private/get_positions"``), when known.
    """

    #: The codes this class stands for; used by :func:`error_from_rpc`.
    codes: ClassVar[tuple[int, ...]] = ()

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        data: Any = None,
        status_code: int | None = None,
        response: httpx.Response | None = None,
        method: str | None = None,
    ) -> None:
        self.code = code
        # (a server may quote a secret in its message or data: masked here, so no message,
        # repr, traceback or log line built from this error shows it)
        self.message = mask_secrets(excerpt(str(message), MESSAGE_LIMIT))
        self.data = masked_value(data)
        self.status_code = status_code
        self.response = response
        self.method = excerpt(method, 120) if method is not None else None
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"(code {self.code})")
        if isinstance(self.data, dict) and "param" in self.data:
            detail = f"param {excerpt(repr(self.data['param']), 80)}"
            reason = self.data.get("reason")
            if reason:
                detail += f": {excerpt(str(reason), MESSAGE_LIMIT)}"
            parts.append(detail)
        elif self.data is not None:
            parts.append(f"data: {mask_secrets(excerpt(repr(self.data)))}")
        if self.status_code is not None:
            parts.append(f"[HTTP {self.status_code}]")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, status_code={self.status_code!r})"


class AuthenticationError(APIError):
    """Missing, wrong or expired credentials (13009, 13004, 10000)."""

    codes = (13009, 13004, 10000)


class PermissionDeniedError(APIError):
    """The credentials lack the scope the method needs (13021)."""

    codes = (13021,)


class InvalidParamsError(APIError, ValueError):
    """A parameter is missing or out of range (-32602).

    Raised by the server, or by the client before sending anything (then ``status_code`` is
    None); ``data`` holds ``param`` and ``reason`` either way.
    """

    codes = (-32602,)

    @classmethod
    def client_side(cls, *, param: str, reason: str) -> InvalidParamsError:
        """The error the server would answer, raised before any request is sent."""
        return cls("Invalid params", code=-32602, data={"param": param, "reason": reason})


class MethodNotFoundError(APIError):
    """The server does not know the method (-32601)."""

    codes = (-32601,)

    def _describe(self) -> str:
        called = f": {self.method}" if self.method else ""
        return super()._describe() + called


class WebSocketOnlyError(APIError):
    """The method is WebSocket-only at Deribit and was called over HTTP (10030)."""

    codes = (10030,)

    def _describe(self) -> str:
        return (
            super()._describe() + ": Deribit serves this method only over a WebSocket connection"
            " (wss://www.deribit.com/ws/api/v2); use WebSocketClient for it"
        )


class RateLimitError(APIError):
    """Rate limited: error 10028 or HTTP 429.

    Attributes:
        retry_after: The seconds the server asked to wait (``Retry-After``), or None.
    """

    codes = (10028,)

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        data: Any = None,
        status_code: int | None = None,
        response: httpx.Response | None = None,
        method: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        if retry_after is None and response is not None:
            retry_after = parse_retry_after(response.headers)
        self.retry_after = retry_after
        super().__init__(message, code=code, data=data, status_code=status_code, response=response, method=method)


class InternalServerError(APIError):
    """The server failed (HTTP 5xx)."""


class APIConnectionError(DeribitError):
    """The request did not get an answer: refused, dropped or broken connection.

    The underlying exception (httpx's or the WebSocket library's) is chained as ``__cause__``.
    """

    def __init__(self, message: str = "Connection error", *, request: httpx.Request | None = None) -> None:
        self.request = request
        super().__init__(message)


class OrderOutcomeUnknownError(APIConnectionError):
    """An order-changing call (``private/buy``, ``sell``, ``edit``, ``cancel*``: the spec's
    matching-engine methods that are not safe to repeat) whose frame may have reached the
    exchange and whose answer never came: the connection was lost, the client closed, or its
    timeout ran out. The order may be live, or placed and then cancelled by cancel-on-disconnect;
    it is never sent again. Find it by its ``label`` (``private/get_open_orders_by_currency``).
    A call that never left raises a plain APIConnectionError instead (safe to send again).

    Attributes:
        method: The method called.
        label: The ``label`` it was given, or None.
        instrument_name: Its ``instrument_name``, or None.
        cancel_on_disconnect: Connection-scope cancel-on-disconnect was on for the connection
            it went out on, as this client set it (True: if the order was placed, the exchange
            cancelled it when that connection closed; it was not closed after a timeout).
        reason: Why no answer came, in words.
    """

    def __init__(
        self,
        method: str,
        *,
        label: str | None = None,
        instrument_name: str | None = None,
        cancel_on_disconnect: bool = False,
        reason: str = "no answer came",
    ) -> None:
        self.method = method
        self.label = label
        self.instrument_name = instrument_name
        self.cancel_on_disconnect = cancel_on_disconnect
        self.reason = reason
        found = f"label {label!r}" if label else "its label (none was given) or get_open_orders_by_currency"
        super().__init__(
            f"{method}: the outcome is unknown ({reason}); the order may be live"
            + (", or placed and cancelled by cancel-on-disconnect" if cancel_on_disconnect else "")
            + f"; find it by {found}"
        )


class APITimeoutError(APIConnectionError):
    """The call did not complete within its timeout."""

    def __init__(self, message: str = "Request timed out", *, request: httpx.Request | None = None) -> None:
        super().__init__(message, request=request)


class ResponseValidationError(DeribitError):
    """The answer was not what the spec describes: malformed JSON, wrong content type, a
    field of the wrong type, too large, or an undecodable body.

    Attributes:
        reason: What was wrong, naming the field when a field was.
        status_code: The HTTP status of the answer, or None (WebSocket).
        body: At most ``BODY_EXCERPT_LIMIT`` characters of the body.
        response: The raw ``httpx.Response``, or None.
    """

    def __init__(
        self,
        reason: str,
        *,
        response: httpx.Response | None = None,
        status_code: int | None = None,
        body: bytes | str = b"",
    ) -> None:
        self.reason = excerpt(reason, MESSAGE_LIMIT)
        self.response = response
        self.status_code = response.status_code if response is not None else status_code
        if response is not None and not body:
            try:
                body = response.content
            except Exception:  # a streamed body that was never read
                body = b""
        self.body = mask_secrets(excerpt(body, BODY_EXCERPT_LIMIT * 4))[: BODY_EXCERPT_LIMIT + 40]
        where = f" [HTTP {self.status_code}]" if self.status_code is not None else ""
        super().__init__(f"{self.reason}{where}; body: {self.body!r}")


class CallbackError(DeribitError):
    """A callback of yours (``on_reconnect``, ``on_notification``) raised; handed to ``on_error``.

    The exception it raised is chained as ``__cause__``; the session goes on.

    Attributes:
        callback: Which callback raised: ``"on_reconnect"`` or ``"on_notification"``.
    """

    def __init__(self, callback: str, error: BaseException, known: tuple[str | None, ...] = ()) -> None:
        self.callback = callback
        detail = excerpt(redact(str(error), known), MESSAGE_LIMIT)
        super().__init__(f"{callback} raised {type(error).__name__}: {detail}")
        self.__cause__ = error


class LeaseExpiredError(DeribitError):
    """The client's liveness lease ran out (``renew()`` was not called within ``lease``
    seconds): it stopped answering heartbeats, so the exchange closes the connection and
    cancel-on-disconnect fires. Handed to ``on_error``; the client reconnects after the next
    ``renew()``."""


class SubscriptionRefusedError(DeribitError):
    """The exchange did not subscribe some channels: ``channels`` (left out of its answer, or
    refused with ``cause``, an APIError). Raised by ``ws.subscribe``; handed to ``on_error``
    when it happens while a reconnect restores the subscriptions (the channels are then
    dropped, and the session goes on)."""

    def __init__(self, message: str, channels: list[str], cause: DeribitError | None = None) -> None:
        super().__init__(message)
        self.channels = list(channels)
        self.cause = cause


_BY_CODE: dict[int, type[APIError]] = {
    code: cls
    for cls in (
        AuthenticationError,
        PermissionDeniedError,
        InvalidParamsError,
        MethodNotFoundError,
        WebSocketOnlyError,
        RateLimitError,
    )
    for code in cls.codes
}


def mask_known(error: DeribitError, known: tuple[str | None, ...]) -> DeribitError:
    """``error`` with each known secret value (a client's secret and tokens, which a server may
    quote by value) shown as ``***`` in its message and the texts it keeps (the ``cause`` of a
    SubscriptionRefusedError too); the same object, changed in place, for raising or handing on."""
    if not any(value and len(value) >= 4 for value in known):
        return error
    error.args = tuple(redact(arg, known) if isinstance(arg, str) else arg for arg in error.args)
    for name in ("message", "reason", "body"):
        value = getattr(error, name, None)
        if isinstance(value, str):
            setattr(error, name, redact(value, known))
    data = getattr(error, "data", None)
    if data is not None and not isinstance(data, str):
        masked = redact(repr(data), known)
        if masked != repr(data):
            error.data = masked  # type: ignore[attr-defined]  # (a quoted secret: the text, masked)
    elif isinstance(data, str):
        error.data = redact(data, known)  # type: ignore[attr-defined]
    cause = getattr(error, "cause", None)
    if isinstance(cause, DeribitError):
        mask_known(cause, known)
    return error


def error_from_rpc(
    code: int | None,
    message: str,
    data: Any = None,
    *,
    status_code: int | None = None,
    response: httpx.Response | None = None,
    method: str | None = None,
) -> APIError:
    """The exception for a JSON-RPC error, by code, then by HTTP status (429, 5xx)."""
    cls = _BY_CODE.get(code) if code is not None else None
    if cls is None:
        if status_code == 429:
            cls = RateLimitError
        elif status_code is not None and status_code >= 500:
            cls = InternalServerError
        else:
            cls = APIError
    return cls(message, code=code, data=data, status_code=status_code, response=response, method=method)


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        import time
        from email.utils import parsedate_to_datetime

        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    if seconds < 0:
        # A negative delta is invalid: ignored (the backoff applies), so that it cannot make a
        # client hammer the server. A date in the past means "now".
        return None if value.lstrip().startswith("-") else 0.0
    return seconds
