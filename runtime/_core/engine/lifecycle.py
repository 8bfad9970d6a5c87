"""The life of one WebSocketClient session as a state machine, apart from any socket (sans-I/O).

One owner moves it (the keeper's loop); anyone may read it. Each transition is a method that
checks where it comes from and raises :class:`LifecycleError` for any other start: a
transition the code never meant to make is a bug, and shows as one instead of leaving a
client that says ``ready`` with no connection.

::

    CLOSED --open--> CONNECTING --connected--> AUTHENTICATING --authenticated--> RESTORING
    RESTORING --restored--> READY --lost--> RECONNECTING --connected--> AUTHENTICATING ...
    any open state --fail--> FAILED          READY --logged_out--> LOGGED_OUT
    any state --close--> CLOSED
"""

from __future__ import annotations

import enum

__all__ = ["Lifecycle", "LifecycleError", "State"]


class State(enum.Enum):
    CLOSED = "closed"
    CONNECTING = "connecting"
    AUTHENTICATING = "authenticating"
    RESTORING = "restoring"
    READY = "ready"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    LOGGED_OUT = "logged_out"


class LifecycleError(RuntimeError):
    """A transition from a state it does not start from (a bug in the caller)."""


_SETTING_UP = (State.AUTHENTICATING, State.RESTORING)
_OPEN = (State.CONNECTING, *_SETTING_UP, State.READY, State.RECONNECTING)


class Lifecycle:
    """Where the session is, whether it was ever ready (a first connection, or a reconnect),
    and the error that stopped it."""

    __slots__ = ("error", "ever_ready", "state")

    def __init__(self) -> None:
        self.state = State.CLOSED
        #: The first connection was set up: later connections are reconnects.
        self.ever_ready = False
        #: What stopped the session (FAILED), raised by every call from then on.
        self.error: BaseException | None = None

    def __repr__(self) -> str:
        return f"Lifecycle({self.state.name})"

    @property
    def public(self) -> str:
        """The state as ``stats["state"]`` reports it: ``connecting`` (the first connection,
        until ready), ``ready``, ``reconnecting`` (any later connection, until ready),
        ``failed`` or ``closed`` (after close() or private/logout)."""
        state = self.state
        if state in (State.CONNECTING, *_SETTING_UP):
            return "reconnecting" if self.ever_ready else "connecting"
        if state is State.LOGGED_OUT:
            return "closed"
        return str(state.value)

    @property
    def ready(self) -> bool:
        return self.state is State.READY

    def takes(self, bypass: bool, *, connected: bool) -> bool:
        """Whether a call goes out now on a connection (``connected``): any call when ready,
        the session's own (``bypass``) while it is being set up."""
        if self.state is State.READY:
            return connected
        return bypass and connected and self.state in _SETTING_UP

    @property
    def setting_up(self) -> bool:
        """Authenticating or restoring: only the session's own calls go out."""
        return self.state in _SETTING_UP

    @property
    def closed(self) -> bool:
        return self.state is State.CLOSED

    @property
    def stopped(self) -> bool:
        """No connection will be made again: closed, failed or logged out."""
        return self.state in (State.CLOSED, State.FAILED, State.LOGGED_OUT)

    def _move(self, to: State, *allowed: State) -> None:
        if self.state not in allowed:
            raise LifecycleError(f"cannot go from {self.state.name} to {to.name}")
        self.state = to

    def open(self) -> None:
        """A new life: from the constructor's settings, never ready yet."""
        self._move(State.CONNECTING, State.CLOSED)
        self.ever_ready = False
        self.error = None

    def connected(self) -> None:
        """A socket is open; authentication comes next."""
        self._move(State.AUTHENTICATING, State.CONNECTING, State.RECONNECTING)

    def authenticated(self) -> None:
        """The connection state (heartbeat, cancel-on-disconnect) is put back next."""
        self._move(State.RESTORING, State.AUTHENTICATING)

    def restored(self) -> None:
        """Calls may go out."""
        self._move(State.READY, State.RESTORING)
        self.ever_ready = True

    def lost(self) -> None:
        """The connection (or setting it up) failed; a new one will be tried. Before the first
        connection was ready there is no reconnect: open() fails instead (see :meth:`close`)."""
        if not self.ever_ready:
            raise LifecycleError(f"cannot reconnect from {self.state.name} before the first connection was ready")
        self._move(State.RECONNECTING, *_SETTING_UP, State.READY, State.RECONNECTING)

    def logged_out(self) -> None:
        """private/logout (also from on_reconnect, while restoring): the server closes, and
        nothing is restored."""
        self._move(State.LOGGED_OUT, State.READY, State.RESTORING)

    def fail(self, error: BaseException) -> None:
        """The session cannot go on (a refused re-authentication, refresh or certificate, or a
        bug): calls raise ``error`` until the client is closed."""
        self._move(State.FAILED, *_OPEN)
        self.error = error

    def close(self) -> None:
        """close(), from any state; a failed session keeps its error for those who ask."""
        self.state = State.CLOSED
