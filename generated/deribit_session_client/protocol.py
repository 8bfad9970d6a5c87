"""The session keeper for any WebSocket stack (sans-I/O): see ``SessionProtocol``. The code
lives in ``deribit_session_client._core.protocol`` (runtime/_core/protocol.py)."""

from ._core.events import (
    Answer,
    CallFailed,
    Error,
    Event,
    Notification,
    ReplaceConnection,
    SessionFailed,
    StateChanged,
)
from ._core.lifecycle import LifecycleError
from ._core.protocol import SessionProtocol

__all__ = [
    "Answer",
    "CallFailed",
    "Error",
    "Event",
    "LifecycleError",
    "Notification",
    "ReplaceConnection",
    "SessionFailed",
    "SessionProtocol",
    "StateChanged",
]
