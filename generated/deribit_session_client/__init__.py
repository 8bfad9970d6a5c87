"""A typed client for Deribit's session-management API: heartbeats and cancel-on-disconnect.

Generated from openapi.yaml by ``make generate``; the operations are in
``deribit_session_client.api.session_management`` and ``deribit_session_client.api.supporting``,
each with ``sync``, ``asyncio``, ``sync_detailed`` and ``asyncio_detailed``.
"""

from .client import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_RETRY_DEADLINE,
    DEFAULT_TIMEOUT,
    PRODUCTION_URL,
    TESTNET_URL,
    AuthenticatedClient,
    Client,
)
from .errors import (
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
)
from .types import Response

__version__ = "0.1.0"

__all__ = (
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RETRY_DEADLINE",
    "DEFAULT_TIMEOUT",
    "PRODUCTION_URL",
    "TESTNET_URL",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticatedClient",
    "AuthenticationError",
    "Client",
    "DeribitError",
    "InternalServerError",
    "InvalidParamsError",
    "MethodNotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "Response",
    "ResponseValidationError",
    "WebSocketOnlyError",
    "__version__",
)
