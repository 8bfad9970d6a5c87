"""What :class:`~.protocol.SessionProtocol` tells its host (``events_received()``), each a
frozen value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import DeribitError

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
    """The connection cannot serve the session any more: close it, connect again, call
    ``lost()`` then ``connected()``. ``reason`` says why in words; ``error`` is the error
    itself, to tell causes apart without reading text: the exchange's refusal of a setup step
    (an ``APIError`` by code, such as ``RateLimitError`` for 10028), a step or token refresh
    that got no answer in time (``APITimeoutError``), or nothing received for the silence
    limit (``APIConnectionError``)."""

    reason: str
    error: DeribitError


@dataclass(frozen=True, slots=True)
class SessionFailed:
    """The session cannot go on (authentication refused): every call fails with ``error``."""

    error: DeribitError


@dataclass(frozen=True, slots=True)
class Error:
    """Something the host should know that does not stop the session: channels the exchange
    did not subscribe again after a reconnect (a ``SubscriptionRefusedError``), or a frame the
    server sent that the session could not use (a ``ResponseValidationError``: not JSON-RPC,
    or an answer of the wrong shape)."""

    error: DeribitError


Event = Answer | CallFailed | Notification | StateChanged | ReplaceConnection | SessionFailed | Error
