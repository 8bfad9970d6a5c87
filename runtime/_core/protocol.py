"""The session keeper for any WebSocket stack: a Deribit session without a socket, a thread or
a clock (sans-I/O).

A host that owns its WebSocket (aiohttp, picows, websockets, its own framework) feeds a
:class:`SessionProtocol` what happens: ``connected(now)``, each received text frame
(``receive(text, now)``), ``lost(now)``, and its own calls (``call(...)``); it sends what
``data_to_send()`` returns, in order, and handles what ``events_received()`` returns. The
protocol authenticates, answers every heartbeat ``test_request``, and after a reconnect puts
authentication, heartbeat, cancel-on-disconnect and subscriptions back before any of the
host's calls goes out. ``now`` is Unix time in seconds (``time.time()``): the protocol has no
clock, so it runs inside any event loop or thread model.

It is built from the same parts as :class:`~.ws.WebSocketClient`'s keeper: the request ids and
recorded state (:class:`~.session.RpcSession`), the send rules (:class:`~.calls.Outbox`), the
lifecycle (:class:`~.lifecycle.Lifecycle`) and the setup plan (:func:`~.setup.setup_plan`).

The rules a host keeps: one writer at a time, frames sent in the order given; ``lost()``
before connecting again; frames handed to ``receive`` as they arrive (a ``test_request`` must
be answered within the heartbeat interval: send ``data_to_send()`` right after each
``receive``); ``tick(now)`` called by ``next_deadline()`` at the latest.
"""

from __future__ import annotations

from typing import Any

from . import registry
from .answers import checked
from .calls import Call, Outbox, settle, timed_out
from .errors import (
    APIConnectionError,
    AuthenticationError,
    DeribitError,
    ResponseValidationError,
)
from .events import Answer, CallFailed, Error, Event, Notification, ReplaceConnection, SessionFailed, StateChanged
from .lifecycle import Lifecycle, LifecycleError
from .session import DEFAULT_TIMEOUT, RpcSession, seconds, with_access_token
from .setup import Credentials, Plan, setup_plan
from .threads import Token

__all__ = ["SessionProtocol"]


class _Handle(Token):
    """A host's call: its answer becomes an event."""

    __slots__ = ("call_id", "owner")

    def __init__(self, call_id: int, owner: SessionProtocol) -> None:
        super().__init__()
        self.call_id = call_id
        self.owner = owner

    def settle(self, message: dict[str, Any] | None, error: BaseException | None) -> None:
        if self.settled:
            return
        super().settle(message, error)
        if error is None and message is not None:
            try:
                self.owner._events.append(Answer(self.call_id, checked(message)["result"]))
                return
            except DeribitError as exc:
                error = exc
        if not isinstance(error, DeribitError):
            error = APIConnectionError(f"the call failed: {type(error).__name__}")
        self.owner._events.append(CallFailed(self.call_id, error))


class _Own(Token):
    """A request of the session's own (a setup step, a token refresh): its answer goes back to
    the protocol."""

    __slots__ = ("owner", "purpose")

    def __init__(self, owner: SessionProtocol, purpose: str) -> None:
        super().__init__()
        self.owner = owner
        self.purpose = purpose

    def settle(self, message: dict[str, Any] | None, error: BaseException | None) -> None:
        if not self.settled:
            super().settle(message, error)
            self.owner._own_answer(self, message, error)


class SessionProtocol:
    """A Deribit WebSocket session apart from any socket (the module's docstring says how a
    host drives it).

    Args:
        client_id, client_secret: API key credentials (``public/auth`` with a signature, or
            ``auth="client_credentials"``); access_token: a token sent with every private
            call instead; none of them: public methods only.
        scope: Scopes for ``public/auth``.
        heartbeat_interval: ``public/set_heartbeat`` on the first connection (then restored).
        cancel_on_disconnect: ``"connection"``: enabled on the first connection (then restored).
        timeout: Each call's bound in seconds unless ``call`` says otherwise (None: none).
    """

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        access_token: str | None = None,
        auth: str = "client_signature",
        scope: str | None = None,
        heartbeat_interval: float | None = None,
        cancel_on_disconnect: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        if (client_id is None) != (client_secret is None):
            raise ValueError("client_id and client_secret go together")
        if auth not in ("client_signature", "client_credentials"):
            raise ValueError("auth must be 'client_signature' or 'client_credentials'")
        if cancel_on_disconnect not in (None, "connection"):
            raise ValueError("cancel_on_disconnect must be 'connection' or None")
        self.credentials = Credentials(client_id, client_secret, auth_kind=auth, scope=scope, access_token=access_token)
        self.heartbeat_interval = heartbeat_interval
        self.cancel_on_disconnect = cancel_on_disconnect
        self.timeout = seconds(timeout, "timeout")
        self.session = RpcSession()
        self.out = Outbox(self.session)
        self.life = Lifecycle()
        self.life.open()
        self._connected = False
        self._frames: list[str] = []
        self._events: list[Event] = []
        self._plan: Plan | None = None
        self._step: _Own | None = None
        self._deadlines: dict[Call, tuple[float, float]] = {}  # call -> (deadline, its bound)
        self._now = 0.0  # (the time the host last passed in)
        self._refresh_at: float | None = None
        self._next_call = 0
        self._state = self.life.public

    def __repr__(self) -> str:
        return f"SessionProtocol(state={self.state!r}, client_id={self.credentials.client_id!r})"

    # -- what the host reads ----------------------------------------------------------------------

    @property
    def state(self) -> str:
        """``connecting`` (the first connection, until ready), ``ready``, ``reconnecting``,
        ``failed`` or ``closed``."""
        return self.life.public

    def data_to_send(self) -> list[str]:
        """The frames to send now, in order; each is returned once."""
        frames, self._frames = self._frames, []
        return frames

    def events_received(self) -> list[Event]:
        """What happened since the last call, in order; each event is returned once."""
        events, self._events = self._events, []
        return events

    def next_deadline(self) -> float | None:
        """When :meth:`tick` is due next (Unix seconds): a call's timeout or the token's refresh."""
        due = [deadline for deadline, _ in self._deadlines.values()]
        if self._refresh_at is not None:
            due.append(self._refresh_at)
        return min(due) if due else None

    # -- what the host tells it -------------------------------------------------------------------

    def connected(self, now: float) -> None:
        """A new WebSocket is open: authentication and the session's state go out first."""
        if self._connected:
            raise LifecycleError("connected() twice: call lost() when a connection ends, before the next one")
        if self.life.stopped:
            return
        self._now = now
        self.life.connected()
        self._connected = True
        self._plan = setup_plan(
            self.session,
            self.credentials,
            self.life,
            first=not self.life.ever_ready,
            heartbeat_interval=self.heartbeat_interval,
            cancel_on_disconnect=self.cancel_on_disconnect,
            now=now,
            refused=lambda error: self._events.append(Error(error)),
        )
        self._advance(None, None)
        self._changed()

    def lost(self, now: float) -> None:
        """The WebSocket closed or failed: every call that went out on it fails (it may have
        run, so it is never sent again); calls not yet sent wait for the next connection."""
        if not self._connected:
            return
        self._connected = False
        self._drop_plan()
        self._refresh_at = None
        if not self.life.stopped:
            if self.life.ever_ready:
                self.life.lost()
            else:  # the first connection never became ready: start again
                self.life.close()
                self.life.open()
        self.out.lost(APIConnectionError("the connection was lost"))
        self._changed()

    def receive(self, text: str | bytes, now: float) -> None:
        """One frame from the server. A ``test_request``'s answer is ready in ``data_to_send()``
        at once; answers settle their calls; notifications become events."""
        if not self._connected:
            raise LifecycleError("receive() with no connection: call connected() first")
        self._now = now
        try:
            incoming = self.session.receive(text)
        except ResponseValidationError:
            return  # (not JSON-RPC: nothing to do with it)
        kind = incoming.kind
        if kind == "test_request":
            self._frames.append(self.session.request("public/test", {}, None)[1])
        elif kind == "answer":
            call = self.out.answered(incoming.id)
            if call is not None:
                self._deadlines.pop(call, None)
                if call.op is not None:
                    self.session.succeeded(call.op.connection_state, call.method, call.params, incoming.message)
                settle(call.token, incoming.message, None)
        elif kind == "notification":
            self._events.append(Notification(incoming.message))
        self._changed()

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, now: float, timeout: float | None | str = "default"
    ) -> int:
        """Sends ``method`` now if the session is ready, else once it is (in order); returns the
        id its ``Answer`` or ``CallFailed`` event carries. InvalidParamsError, raised here, for
        parameters that cannot be sent."""
        params = dict(params or {})
        op = registry.operation_for(method)
        sent = with_access_token(method, params, self.credentials.bearer)
        self._now = now
        self._next_call += 1
        token = _Handle(self._next_call, self)
        call = Call(method, params, RpcSession.encode_call(method, sent), op, token)
        bound = self.timeout if timeout == "default" else seconds(timeout, "timeout")
        if bound is not None:
            self._deadlines[call] = (now + bound, bound)
        self._send(call)
        self._changed()
        return token.call_id

    def tick(self, now: float) -> None:
        """Fails the calls whose timeout passed, and refreshes the token when it is due."""
        self._now = now
        for call, (deadline, bound) in list(self._deadlines.items()):
            if deadline <= now:
                del self._deadlines[call]
                self.out.forget(call)
                settle(call.token, None, timed_out(call, bound))
        if self._refresh_at is not None and now >= self._refresh_at and self.life.ready:
            self._refresh_at = None
            params = self.credentials.params(True, now)
            if params is not None:
                self._own("refresh", "public/auth", params)
        self._changed()

    def close(self) -> None:
        """The session is over: every call waiting fails; nothing more is sent."""
        self._drop_plan()
        self.life.close()
        self._connected = False
        self._deadlines.clear()
        self.out.stop(APIConnectionError("the session was closed"))
        self._changed()

    # -- inside -----------------------------------------------------------------------------------------

    def _send(self, call: Call) -> None:
        if self.life.stopped:
            error = self.life.error if isinstance(self.life.error, DeribitError) else None
            settle(call.token, None, error or APIConnectionError(f"{call.method}: the session is {self.state}"))
            self._deadlines.pop(call, None)
            return
        frame = self.out.admit(call, self.life.takes(call.bypass, connected=self._connected))
        if frame is None:
            return
        self._frames.append(frame)
        op = call.op
        if op is not None:
            self.session.sent(op.connection_state, call.method, call.params)
            if op.websocket_no_answer:  # private/logout: the server closes; nothing is restored
                self.out.forget(call)
                self._deadlines.pop(call, None)
                self.life.logged_out()
                self.session.logged_out()
                settle(call.token, {"jsonrpc": "2.0", "result": "ok"}, None)

    def _own(self, purpose: str, method: str, params: dict[str, Any]) -> _Own:
        token = _Own(self, purpose)
        sent = with_access_token(method, params, self.credentials.bearer)
        self._send(
            Call(method, params, RpcSession.encode_call(method, sent), registry.operation_for(method), token, True)
        )
        return token

    def _own_answer(self, token: _Own, message: dict[str, Any] | None, error: BaseException | None) -> None:
        if token.purpose == "refresh":
            if error is None and message is not None:
                try:
                    self.credentials.accept(message)
                    return
                except DeribitError as exc:
                    error = exc
            if isinstance(error, AuthenticationError):  # the next connection authenticates afresh
                self.credentials.refresh_token = None
            if self._connected:
                self._events.append(ReplaceConnection(f"refreshing the access token failed: {error}"))
            return
        if token is self._step:
            self._advance(message, error)

    def _advance(self, answer: dict[str, Any] | None, error: BaseException | None) -> None:
        """The setup plan's next step, after ``answer`` to the last one (or its ``error``)."""
        plan = self._plan
        if plan is None:
            return
        self._step = None
        try:
            if error is not None:
                raise error
            method, params, _ = plan.send(answer) if answer is not None else next(plan)
        except StopIteration:
            self._ready()
            return
        except AuthenticationError as exc:
            self._drop_plan()
            self.life.fail(exc)
            self._events.append(SessionFailed(exc))
            self._deadlines.clear()
            self.out.stop(exc)
            return
        except DeribitError as exc:
            self._drop_plan()
            if self._connected:
                self._events.append(ReplaceConnection(f"setting the session up failed: {exc}"))
            return
        self._step = self._own("setup", method, params)

    def _ready(self) -> None:
        self._plan = None
        self.life.restored()
        refresh_in = self.credentials.refresh_in
        if refresh_in is not None:
            self._refresh_at = self._now + refresh_in
        for call in self.out.release():
            self._send(call)

    def _drop_plan(self) -> None:
        if self._plan is not None:
            self._plan.close()
        self._plan = None
        self._step = None

    def _changed(self) -> None:
        state = self.life.public
        if state != self._state:
            self._state = state
            self._events.append(StateChanged(state))
