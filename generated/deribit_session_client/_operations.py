"""Every operation of openapi.yaml as the runtime needs it: derived by ``make generate``
(scripts/derive_operations.py). Do not edit.
"""

from typing import Final

from ._core.operations import Operation

OPERATIONS: Final[dict[str, Operation]] = {
    "set_heartbeat": Operation(
        name="set_heartbeat",
        method="get",
        path="/public/set_heartbeat",
        idempotent=True,
        params={"interval": {"required": True, "type": "number", "minimum": 10}},
        connection_state=None,
    ),
    "disable_heartbeat": Operation(
        name="disable_heartbeat",
        method="get",
        path="/public/disable_heartbeat",
        idempotent=True,
        params={},
        connection_state=None,
    ),
    "enable_cancel_on_disconnect": Operation(
        name="enable_cancel_on_disconnect",
        method="get",
        path="/private/enable_cancel_on_disconnect",
        idempotent=True,
        params={"scope": {"required": False, "type": "string", "enum": ["connection", "account"]}},
        connection_state=None,
    ),
    "disable_cancel_on_disconnect": Operation(
        name="disable_cancel_on_disconnect",
        method="get",
        path="/private/disable_cancel_on_disconnect",
        idempotent=True,
        params={"scope": {"required": False, "type": "string", "enum": ["connection", "account"]}},
        connection_state=None,
    ),
    "get_cancel_on_disconnect": Operation(
        name="get_cancel_on_disconnect",
        method="get",
        path="/private/get_cancel_on_disconnect",
        idempotent=True,
        params={"scope": {"required": False, "type": "string", "enum": ["connection", "account"]}},
        connection_state=None,
    ),
    "test": Operation(
        name="test",
        method="get",
        path="/public/test",
        idempotent=True,
        params={"expected_result": {"required": False, "type": "string", "enum": ["exception"]}},
        connection_state=None,
    ),
}
