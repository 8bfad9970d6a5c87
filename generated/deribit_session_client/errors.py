"""The exceptions; the code lives in ``deribit_session_client._core.errors`` (runtime/_core/errors.py)."""

from ._core.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    CallbackError,
    DeribitError,
    InternalServerError,
    InvalidParamsError,
    LeaseExpiredError,
    MethodNotFoundError,
    OrderOutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    SubscriptionRefusedError,
    WebSocketOnlyError,
    error_from_rpc,
    parse_retry_after,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "CallbackError",
    "DeribitError",
    "InternalServerError",
    "InvalidParamsError",
    "LeaseExpiredError",
    "MethodNotFoundError",
    "OrderOutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "SubscriptionRefusedError",
    "WebSocketOnlyError",
    "error_from_rpc",
    "parse_retry_after",
]

# Tracebacks, reprs and pickles name the public module, not the runtime's private one.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type):
        _value.__module__ = __name__
del _name, _value
