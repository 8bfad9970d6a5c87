"""The clients; the code lives in ``deribit_session_client._core.http`` and ``.http_authenticated`` (runtime/_core/)."""

from ._core.http import (
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
from ._core.http_authenticated import AuthenticatedClient

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
