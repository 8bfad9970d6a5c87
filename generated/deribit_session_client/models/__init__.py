"""Contains all the data models used in inputs/outputs"""

from .auth_response import AuthResponse
from .auth_result import AuthResult
from .cancel_on_disconnect_response import CancelOnDisconnectResponse
from .cancel_on_disconnect_state import CancelOnDisconnectState
from .envelope import Envelope
from .error_detail import ErrorDetail
from .error_response import ErrorResponse
from .expected_result import ExpectedResult
from .grant_type import GrantType
from .json_rpc_version import JsonRpcVersion
from .ok_response import OkResponse
from .ok_result import OkResult
from .scope import Scope
from .test_response import TestResponse
from .test_result import TestResult

__all__ = (
    "AuthResponse",
    "AuthResult",
    "CancelOnDisconnectResponse",
    "CancelOnDisconnectState",
    "Envelope",
    "ErrorDetail",
    "ErrorResponse",
    "ExpectedResult",
    "GrantType",
    "JsonRpcVersion",
    "OkResponse",
    "OkResult",
    "Scope",
    "TestResponse",
    "TestResult",
)
