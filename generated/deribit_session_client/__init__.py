"""A typed client for Deribit's session-management API: heartbeats and cancel-on-disconnect.

Generated from openapi.yaml by ``make generate``; the operations are in
``deribit_session_client.api.session_management`` and ``deribit_session_client.api.supporting``,
each with ``sync``, ``asyncio``, ``sync_detailed`` and ``asyncio_detailed``.
"""

from typing import TYPE_CHECKING, Any

from ._operations import PRODUCTION_WS_URL, TESTNET_WS_URL
from .client import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_RETRY_DEADLINE,
    DEFAULT_TIMEOUT,
    PRODUCTION_URL,
    TESTNET_URL,
    AuthenticatedClient,
    Client,
    RateLimit,
)
from .errors import (
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
)
from .types import Response

if TYPE_CHECKING:
    from ._core.ws.client import WebSocketClient
    from ._core.ws.reconnect import Reconnect
    from ._core.ws.subscriptions import Stream, Subscription


def __getattr__(name: str) -> Any:
    # The WebSocket client's names import asyncio and its transport: only code that uses them pays for it.
    if name == "WebSocketClient":
        from ._core.ws.client import WebSocketClient

        return WebSocketClient
    if name == "Reconnect":
        from ._core.ws.reconnect import Reconnect

        return Reconnect
    if name in ("Subscription", "Stream"):
        from ._core.ws import subscriptions

        return getattr(subscriptions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = "0.2.0"

__all__ = (
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RETRY_DEADLINE",
    "DEFAULT_TIMEOUT",
    "PRODUCTION_URL",
    "PRODUCTION_WS_URL",
    "TESTNET_URL",
    "TESTNET_WS_URL",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticatedClient",
    "AuthenticationError",
    "CallbackError",
    "Client",
    "DeribitError",
    "InternalServerError",
    "InvalidParamsError",
    "LeaseExpiredError",
    "MethodNotFoundError",
    "OrderOutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "Reconnect",
    "Response",
    "ResponseValidationError",
    "Stream",
    "Subscription",
    "SubscriptionRefusedError",
    "WebSocketClient",
    "WebSocketOnlyError",
    "__version__",
)
