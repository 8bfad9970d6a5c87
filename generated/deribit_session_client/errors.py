"""The exceptions; the code lives in ``deribit_session_client._core.errors`` (runtime/_core/errors.py)."""

from ._core.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    DeribitError,
    InternalServerError,
    InvalidParamsError,
    MethodNotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    WebSocketOnlyError,
    error_from_rpc,
    parse_retry_after,
)

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
    "parse_retry_after",
]
