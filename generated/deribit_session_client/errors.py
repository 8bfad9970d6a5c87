"""The exceptions this client raises, all rooted at :class:`DeribitError`.

API errors are chosen by the JSON-RPC error code first and the HTTP status second, so that
the same classes serve any transport that carries Deribit's JSON-RPC errors.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "DeribitError",
    "InternalServerError",
    "InvalidParamsError",
    "MethodNotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "WebSocketOnlyError",
    "error_from_rpc",
]

#: How many characters of a response body an exception quotes at most.
BODY_EXCERPT_LIMIT = 200


def _excerpt(body: bytes | str) -> str:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if len(text) > BODY_EXCERPT_LIMIT:
        return text[:BODY_EXCERPT_LIMIT] + f"... ({len(text)} characters in all)"
    return text


class DeribitError(Exception):
    """The root of every exception this client raises."""


class APIError(DeribitError):
    """The server answered with a JSON-RPC error (or an error status).

    Attributes:
        code: The JSON-RPC error code, such as -32602, or None when the body had none.
        message: The server's error message, such as ``Invalid params``.
        data: The error's free-form ``data`` (for -32602 a dict with ``param`` and ``reason``).
        status_code: The HTTP status, or None when the error was raised before any request.
        response: The raw ``httpx.Response``, or None.
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
    ) -> None:
        self.code = code
        self.message = message
        self.data = data
        self.status_code = status_code
        self.response = response
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"(code {self.code})")
        if isinstance(self.data, dict) and "param" in self.data:
            parts.append(f"param {self.data['param']!r}: {self.data.get('reason', '')}".rstrip(": "))
        elif self.data is not None:
            parts.append(f"data: {_excerpt(repr(self.data))}")
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


class WebSocketOnlyError(APIError):
    """The method is WebSocket-only at Deribit and was called over HTTP (10030)."""

    codes = (10030,)

    def _describe(self) -> str:
        return (
            super()._describe() + ": Deribit serves this method only over a WebSocket connection"
            " (wss://www.deribit.com/ws/api/v2); use a WebSocket connection for it"
        )


class RateLimitError(APIError):
    """Rate limited: error 10028 or HTTP 429.

    Attributes:
        retry_after: The seconds the server asked to wait (``Retry-After``), or None.
    """

    codes = (10028,)

    @property
    def retry_after(self) -> float | None:
        return None if self.response is None else parse_retry_after(self.response.headers)


class InternalServerError(APIError):
    """The server failed (HTTP 5xx)."""


class APIConnectionError(DeribitError):
    """The request did not get an answer: refused, dropped or broken connection.

    The httpx exception is chained as ``__cause__``.
    """

    def __init__(self, message: str = "Connection error", *, request: httpx.Request | None = None) -> None:
        self.request = request
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    """The request timed out."""

    def __init__(self, message: str = "Request timed out", *, request: httpx.Request | None = None) -> None:
        super().__init__(message, request=request)


class ResponseValidationError(DeribitError):
    """The answer was not what the spec describes: malformed JSON, wrong content type or shape.

    Attributes:
        status_code: The HTTP status of the answer.
        body: At most ``BODY_EXCERPT_LIMIT`` characters of the body.
        response: The raw ``httpx.Response``.
    """

    def __init__(self, reason: str, *, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.body = _excerpt(response.content)
        self.response = response
        super().__init__(f"{reason} [HTTP {self.status_code}]; body: {self.body!r}")


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


def error_from_rpc(
    code: int | None,
    message: str,
    data: Any = None,
    *,
    status_code: int | None = None,
    response: httpx.Response | None = None,
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
    return cls(message, code=code, data=data, status_code=status_code, response=response)


def parse_retry_after(headers: httpx.Headers) -> float | None:
    """Seconds from ``Retry-After`` (delta-seconds or HTTP date), or None."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        import time
        from email.utils import parsedate_to_datetime

        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if seconds != seconds or seconds < 0:
        return 0.0 if seconds == seconds else None
    return seconds
