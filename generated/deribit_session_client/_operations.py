"""Every operation of openapi.yaml as the runtime needs it, and the WebSocket URLs: derived
by ``make generate`` (scripts/derive_operations.py). Do not edit.
"""

from typing import Final

from ._core.spec.operations import Operation
from ._core.spec.registry import register

PRODUCTION_WS_URL: Final = "wss://www.deribit.com/ws/api/v2"
TESTNET_WS_URL: Final = "wss://test.deribit.com/ws/api/v2"

OPERATIONS: Final[dict[str, Operation]] = {
    "auth": Operation(
        name="auth",
        method="get",
        path="/public/auth",
        idempotent=False,
        params={
            "grant_type": {
                "required": True,
                "type": "string",
                "enum": ["client_credentials", "client_signature", "refresh_token"],
            },
            "client_id": {"required": False, "type": "string"},
            "client_secret": {"required": False, "type": "string", "secret": True},
            "refresh_token": {"required": False, "type": "string", "secret": True},
            "timestamp": {"required": False, "type": "integer"},
            "signature": {"required": False, "type": "string", "secret": True},
            "nonce": {"required": False, "type": "string"},
            "data": {"required": False, "type": "string"},
            "state": {"required": False, "type": "string"},
            "scope": {"required": False, "type": "string"},
        },
        connection_state=None,
        websocket_no_answer=False,
    ),
    "logout": Operation(
        name="logout",
        method="get",
        path="/private/logout",
        idempotent=False,
        params={"invalidate_token": {"required": False, "type": "boolean"}},
        connection_state=None,
        websocket_no_answer=True,
    ),
    "set_heartbeat": Operation(
        name="set_heartbeat",
        method="get",
        path="/public/set_heartbeat",
        idempotent=True,
        params={"interval": {"required": True, "type": "number", "minimum": 10}},
        connection_state={"key": "heartbeat", "action": "set", "order": 1},
        websocket_no_answer=False,
    ),
    "disable_heartbeat": Operation(
        name="disable_heartbeat",
        method="get",
        path="/public/disable_heartbeat",
        idempotent=True,
        params={},
        connection_state={"key": "heartbeat", "action": "clear"},
        websocket_no_answer=False,
    ),
    "enable_cancel_on_disconnect": Operation(
        name="enable_cancel_on_disconnect",
        method="get",
        path="/private/enable_cancel_on_disconnect",
        idempotent=True,
        params={"scope": {"required": False, "type": "string", "enum": ["connection", "account"]}},
        connection_state={
            "key": "cancel_on_disconnect",
            "action": "set",
            "order": 2,
            "when": {"scope": ["connection", None]},
        },
        websocket_no_answer=False,
    ),
    "disable_cancel_on_disconnect": Operation(
        name="disable_cancel_on_disconnect",
        method="get",
        path="/private/disable_cancel_on_disconnect",
        idempotent=True,
        params={"scope": {"required": False, "type": "string", "enum": ["connection", "account"]}},
        connection_state={"key": "cancel_on_disconnect", "action": "clear", "when": {"scope": ["connection", None]}},
        websocket_no_answer=False,
    ),
    "get_cancel_on_disconnect": Operation(
        name="get_cancel_on_disconnect",
        method="get",
        path="/private/get_cancel_on_disconnect",
        idempotent=True,
        params={"scope": {"required": False, "type": "string", "enum": ["connection", "account"]}},
        connection_state=None,
        websocket_no_answer=False,
    ),
    "test": Operation(
        name="test",
        method="get",
        path="/public/test",
        idempotent=True,
        params={"expected_result": {"required": False, "type": "string", "enum": ["exception"]}},
        connection_state=None,
        websocket_no_answer=False,
    ),
    "public_subscribe": Operation(
        name="public_subscribe",
        method="get",
        path="/public/subscribe",
        idempotent=True,
        params={"channels": {"required": True, "type": "array", "minItems": 1, "items": "string"}},
        connection_state={"key": "subscriptions.public", "action": "add", "param": "channels", "order": 3},
        websocket_no_answer=False,
    ),
    "public_unsubscribe": Operation(
        name="public_unsubscribe",
        method="get",
        path="/public/unsubscribe",
        idempotent=True,
        params={"channels": {"required": True, "type": "array", "minItems": 1, "items": "string"}},
        connection_state={
            "key": ["subscriptions.public", "subscriptions.private"],
            "action": "remove",
            "param": "channels",
        },
        websocket_no_answer=False,
    ),
    "public_unsubscribe_all": Operation(
        name="public_unsubscribe_all",
        method="get",
        path="/public/unsubscribe_all",
        idempotent=True,
        params={},
        connection_state={"key": ["subscriptions.public", "subscriptions.private"], "action": "clear"},
        websocket_no_answer=False,
    ),
    "private_subscribe": Operation(
        name="private_subscribe",
        method="get",
        path="/private/subscribe",
        idempotent=True,
        params={"channels": {"required": True, "type": "array", "minItems": 1, "items": "string"}},
        connection_state={"key": "subscriptions.private", "action": "add", "param": "channels", "order": 4},
        websocket_no_answer=False,
    ),
    "private_unsubscribe": Operation(
        name="private_unsubscribe",
        method="get",
        path="/private/unsubscribe",
        idempotent=True,
        params={"channels": {"required": True, "type": "array", "minItems": 1, "items": "string"}},
        connection_state={
            "key": ["subscriptions.public", "subscriptions.private"],
            "action": "remove",
            "param": "channels",
        },
        websocket_no_answer=False,
    ),
    "private_unsubscribe_all": Operation(
        name="private_unsubscribe_all",
        method="get",
        path="/private/unsubscribe_all",
        idempotent=True,
        params={},
        connection_state={"key": ["subscriptions.public", "subscriptions.private"], "action": "clear"},
        websocket_no_answer=False,
    ),
}

# The runtime learns the operations from here, not by importing this package by name.
register(OPERATIONS, version="0.1.0")
