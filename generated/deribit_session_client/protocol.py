"""The session engine for any WebSocket stack (sans-I/O): ``SessionProtocol`` keeps a Deribit
session (authentication, heartbeats, cancel-on-disconnect, subscriptions, restores) for a host
that owns the socket; ``WebSocketClient`` is one such host. See the documentation's "Bring
your own socket"."""

from ._core.engine.events import (
    Answer,
    CallFailed,
    Error,
    Event,
    Notification,
    ReplaceConnection,
    SessionFailed,
    StateChanged,
)
from ._core.engine.host import SessionHost
from ._core.engine.lifecycle import LifecycleError
from ._core.engine.protocol import SessionProtocol

__all__ = [
    "Answer",
    "CallFailed",
    "Error",
    "Event",
    "LifecycleError",
    "Notification",
    "ReplaceConnection",
    "SessionFailed",
    "SessionHost",
    "SessionProtocol",
    "StateChanged",
]
