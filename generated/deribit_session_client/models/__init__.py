"""Contains all the data models used in inputs/outputs"""

from .auth_response import AuthResponse
from .auth_result import AuthResult
from .cancel_on_disconnect_response import CancelOnDisconnectResponse
from .cancel_on_disconnect_state import CancelOnDisconnectState
from .channels_response import ChannelsResponse
from .envelope import Envelope
from .error_detail import ErrorDetail
from .error_response import ErrorResponse
from .expected_result import ExpectedResult
from .grant_type import GrantType
from .json_rpc_version import JsonRpcVersion
from .ok_response import OkResponse
from .ok_result import OkResult
from .scope import Scope
from .subscription_notification import SubscriptionNotification
from .subscription_notification_jsonrpc import SubscriptionNotificationJsonrpc
from .subscription_notification_method import SubscriptionNotificationMethod
from .subscription_notification_params import SubscriptionNotificationParams
from .test_response import TestResponse
from .test_result import TestResult

__all__ = (
    "AuthResponse",
    "AuthResult",
    "CancelOnDisconnectResponse",
    "CancelOnDisconnectState",
    "ChannelsResponse",
    "Envelope",
    "ErrorDetail",
    "ErrorResponse",
    "ExpectedResult",
    "GrantType",
    "JsonRpcVersion",
    "OkResponse",
    "OkResult",
    "Scope",
    "SubscriptionNotification",
    "SubscriptionNotificationJsonrpc",
    "SubscriptionNotificationMethod",
    "SubscriptionNotificationParams",
    "TestResponse",
    "TestResult",
)
