"""What :class:`~.protocol.SessionProtocol` tells its host (``events_received()``), each a
frozen value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import DeribitError

__all__ = [
    "Answer",
    "CallFailed",
    "Error",
    "Event",
    "Notification",
    "ReplaceConnection",
    "SessionFailed",
    "StateChanged",
]


@dataclass(frozen=True, slots=True)
class Answer:
    """The call ``call_id`` (what :meth:`SessionProtocol.call` returned) succeeded."""

    call_id: int
    result: Any


@dataclass(frozen=True, slots=True)
class CallFailed:
    """The call ``call_id`` failed: the exchange's error (an ``APIError`` by code), a timeout
    (``APITimeoutError``), or the connection lost after it went out (``APIConnectionError``:
    it may have run; it is never sent again)."""

    call_id: int
    error: DeribitError


@dataclass(frozen=True, slots=True)
class Notification:
    """A notification (a subscription's data, say): the whole message, ``method`` and ``params``."""

    message: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StateChanged:
    """The session's state: ``connecting``, ``ready``, ``reconnecting``, ``failed`` or ``closed``."""

    state: str


@dataclass(frozen=True, slots=True)
class ReplaceConnection:
    """Setting the connection up failed (``reason``): close it, connect again, call ``lost()``
    then ``connected()``."""

    reason: str


@dataclass(frozen=True, slots=True)
class SessionFailed:
    """The session cannot go on (authentication refused): every call fails with ``error``."""

    error: DeribitError


@dataclass(frozen=True, slots=True)
class Error:
    """Something the host should know that does not stop the session (channels the exchange
    did not subscribe again after a reconnect: a ``SubscriptionRefusedError``)."""

    error: DeribitError


Event = Answer | CallFailed | Notification | StateChanged | ReplaceConnection | SessionFailed | Error
