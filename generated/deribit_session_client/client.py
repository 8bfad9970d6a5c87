"""The clients; the code lives in ``deribit_session_client._core.http`` (runtime/_core/http/)."""

from ._core.http.authenticated import AuthenticatedClient
from ._core.http.client import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_RETRY_DEADLINE,
    DEFAULT_TIMEOUT,
    PRODUCTION_URL,
    TESTNET_URL,
    Client,
    RateLimit,
    TimeoutTypes,
)

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RETRY_DEADLINE",
    "DEFAULT_TIMEOUT",
    "PRODUCTION_URL",
    "TESTNET_URL",
    "AuthenticatedClient",
    "Client",
    "RateLimit",
    "TimeoutTypes",
]
