"""What the session engine asks of the program that hosts it: :class:`SessionHost`. Every
session rule is :class:`~.protocol.SessionProtocol`'s; a rule that needs something only the
host has (a liveness lease, a credit pool, a callback to run before calls go out) asks through
one of these hooks, and the defaults suit a host that has none of them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..errors import DeribitError
    from .calls import Call

__all__ = ["SessionHost"]


class SessionHost:
    """The hooks a :class:`~.protocol.SessionProtocol` calls, in the step that needs them (on
    the host's thread or loop: they must not block). WebSocketClient's keeper is one."""

    def lease_lapsed(self) -> DeribitError | None:
        """None while the host's calls may go out and heartbeats may be answered; else the
        error the host's calls fail with (a program that stopped renewing its liveness lease
        must lose its session rather than keep it)."""
        return None

    def credits_for(self, call: Call) -> float:
        """Seconds until the host's credit pool lets the session's own ``call`` (a setup step,
        a token refresh) go, ahead of every call of the host's: 0, now (its credits are then
        taken). Asked again when that time comes; the step's timeout still runs."""
        return 0.0

    def answered(self, call: Call, envelope: dict[str, Any], raw: str) -> None:
        """``call``'s answer came (``raw``: the frame as received), just before its caller is
        handed it: for the host's counters and credit pool."""

    def release(self, calls: list[Call]) -> list[Call]:
        """The session is ready: ``calls`` waited for it, in order. Returns those to send now;
        the host hands the others to ``send_call`` itself, later (when its credits allow)."""
        return calls

    def restored(self, first: bool) -> bool:
        """The connection is set up (authenticated, its state put back; ``first``: the first
        connection). True holds the session short of ``ready`` until the host calls
        ``proceed()``: only the session's own calls and ``bypass`` ones go out meanwhile (the
        keeper runs ``on_reconnect`` there)."""
        return False

    def ignored(self, what: str) -> None:
        """A frame the session had no use for (an answer to no pending call), in words."""
