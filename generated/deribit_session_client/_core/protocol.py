r"""The session keeper for any WebSocket stack: a Deribit session without a socket, a thread or
a clock (sans-I/O). A host feeds :class:`SessionProtocol` what happens (``connected(now)``,
``receive(text, now)``, ``lost(now)``, its ``call``\ s), sends what ``data_to_send()`` returns
and handles ``events_received()``; ``now`` is Unix time (``time.time()``). It answers every
``test_request`` in the step that received it and after a reconnect puts authentication,
heartbeat, cancel-on-disconnect and subscriptions back before the host's calls. Built from the
same parts as WebSocketClient's keeper: :class:`~.session.RpcSession`, :class:`~.calls.Outbox`,
:class:`~.lifecycle.Lifecycle` and :func:`~.setup.setup_plan`. The rules a host keeps: the
documentation's "Bring your own socket"."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from . import registry
from .answers import checked
from .calls import LOGGED_OUT, Call, Outbox, settle, timed_out
from .errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    DeribitError,
    ResponseValidationError,
)
from .events import Answer, CallFailed, Error, Event, Notification, ReplaceConnection, SessionFailed, StateChanged
from .lifecycle import Lifecycle, LifecycleError
from .redact import redact
from .session import DEFAULT_TIMEOUT, RpcSession, seconds, with_access_token
from .setup import Credentials, Plan, setup_plan
from .threads import Token
from .ws_settings import check_session

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
        self.owner._calls.pop(self.call_id, None)
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
        client_id: The API key's id, with ``client_secret``: ``public/auth`` signed, or sent
            (``auth="client_credentials"``). access_token: a token sent with each private call
            instead. None of them: public methods only.
        scope: Scopes for ``public/auth``.
        heartbeat_interval: ``public/set_heartbeat`` on the first connection (>= 10 s), restored after.
        cancel_on_disconnect: ``"connection"``: enabled on the first connection, restored after.
        timeout: Each call's bound in seconds (None: none), and each setup step's (10 s when None).
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
        check_session(client_id, client_secret, auth, cancel_on_disconnect, heartbeat_interval)
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
        self._calls: dict[int, Call] = {}  # the host's calls not settled yet, by their id
        self._deadlines: dict[Call, tuple[float, float]] = {}  # call -> (deadline, its bound)
        self._now = 0.0  # (the time the host last passed in)
        self._refresh_at: float | None = None
        self._next_call = 0
        self._state = self.life.public

    def __repr__(self) -> str:
        return f"SessionProtocol(state={self.state!r}, client_id={self.credentials.client_id!r})"

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

    def connected(self, now: float) -> None:
        """A new WebSocket is open: authentication and the session's state go out first.
        LifecycleError: the last connection was not ``lost()``, or the session is over."""
        self._at(now)
        if self._connected:
            raise LifecycleError("connected() twice: call lost() when a connection ends, before the next one")
        if self.life.stopped:
            raise LifecycleError(f"the session is {self.state}: it does not connect again")
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
        self._at(now)
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
        self._at(now)
        if not self._connected:
            raise LifecycleError("receive() with no connection: call connected() first")
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
                    declared = call.op.connection_state
                    self.session.succeeded(declared, call.method, call.params, incoming.message, call.sent_at)
                settle(call.token, incoming.message, None)
        elif kind == "notification":
            self._events.append(Notification(incoming.message))
        self._due(now)
        self._changed()

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        now: float,
        timeout: float | None | str = "default",
    ) -> int:
        """Sends ``method`` now if the session is ready, else once it is (in order; a call whose
        timeout passes first is failed, never sent); returns the id its ``Answer`` or
        ``CallFailed`` event carries. InvalidParamsError, raised here, for parameters that
        cannot be sent; TypeError for a method that is not a string or params not a mapping."""
        self._at(now)
        if not isinstance(method, str) or not method:
            raise TypeError("method must be a method name (a string)")
        if params is not None and not isinstance(params, Mapping):
            raise TypeError("params must be a mapping (a JSON object)")
        params = dict(params or {})
        sent = with_access_token(method, params, self.credentials.bearer)
        bound = self.timeout if timeout == "default" else seconds(timeout, "timeout")
        call = Call(method, params, RpcSession.encode_call(method, sent), registry.operation_for(method), None)
        self._next_call += 1
        call.token = _Handle(self._next_call, self)
        self._calls[self._next_call] = call
        if bound is not None:
            self._deadlines[call] = (now + bound, bound)
        self._send(call)
        self._due(now)
        self._changed()
        return self._next_call

    def cancel(self, call_id: int) -> bool:
        """The host's caller gave up on ``call_id``: it is never sent if it has not been (True),
        and no event comes for it. False: it went out (it may run) or was already settled."""
        call = self._calls.pop(call_id, None)
        if call is None:
            return False
        unsent = call.rpc_id is None
        self.out.forget(call)
        self._deadlines.pop(call, None)
        call.token.settled = True  # (no event: the caller stopped waiting)
        return unsent

    def tick(self, now: float) -> None:
        """Fails the calls whose timeout passed, and refreshes the token when it is due (also
        done by ``receive`` and ``call``, so a busy connection never starves it)."""
        self._at(now)
        self._due(now)
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

    def _at(self, now: float) -> None:
        if isinstance(now, bool) or not isinstance(now, (int, float)) or not math.isfinite(now):
            raise TypeError("now must be the time in Unix seconds (a finite number, time.time())")
        self._now = float(now)

    def _due(self, now: float) -> None:
        """What the time ``now`` makes due: timeouts (the session's own steps too), the refresh."""
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

    def _send(self, call: Call) -> None:
        deadline = self._deadlines.get(call)
        if deadline is not None and deadline[0] <= self._now:  # (it waited past its timeout)
            del self._deadlines[call]
            self.out.forget(call)
            settle(call.token, None, timed_out(call, deadline[1]))
            return
        if self.life.stopped:
            error = self.life.error if isinstance(self.life.error, DeribitError) else None
            settle(call.token, None, error or APIConnectionError(f"{call.method}: the session is {self.state}"))
            self._deadlines.pop(call, None)
            return
        frame = self.out.admit(call, self.life.takes(call.bypass, connected=self._connected))
        if frame is None:
            return
        self._frames.append(frame)
        if self.out.written(call, self.life):  # private/logout: the session ended
            self._deadlines.pop(call, None)
            settle(call.token, dict(LOGGED_OUT), None)

    def _own(self, purpose: str, method: str, params: dict[str, Any]) -> _Own:
        token = _Own(self, purpose)
        sent = with_access_token(method, params, self.credentials.bearer)
        call = Call(method, params, RpcSession.encode_call(method, sent), registry.operation_for(method), token, True)
        bound = self.timeout or DEFAULT_TIMEOUT
        self._deadlines[call] = (self._now + bound, bound)
        self._send(call)
        return token

    def _own_answer(self, token: _Own, message: dict[str, Any] | None, error: BaseException | None) -> None:
        if token.purpose in ("refresh", "reauthenticate"):
            if error is None and message is not None:
                try:
                    self.credentials.accept(message)
                    self._schedule_refresh()
                    return
                except DeribitError as exc:
                    error = exc
            if isinstance(error, AuthenticationError) and token.purpose == "refresh" and self._connected:
                self.credentials.refresh_token = None  # refused: authenticate afresh on this connection
                params = self.credentials.params(False, self._now)
                if params is not None:
                    self._own("reauthenticate", "public/auth", params)
                    return
            if isinstance(error, AuthenticationError):
                self._stop(error)
            elif self._connected:
                reason = redact(f"refreshing the access token failed: {error}", self.credentials.secrets)
                self._events.append(ReplaceConnection(reason))
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
        except DeribitError as exc:
            self._drop_plan()
            # refused credentials, or a first setup the exchange refuses: retrying cannot heal it
            if isinstance(exc, AuthenticationError) or (isinstance(exc, APIError) and not self.life.ever_ready):
                self._stop(exc)
            elif self._connected:
                reason = redact(f"setting the session up failed: {exc}", self.credentials.secrets)
                self._events.append(ReplaceConnection(reason))
            return
        self._step = self._own("setup", method, params)

    def _stop(self, error: DeribitError) -> None:
        self._drop_plan()
        self.life.fail(error)
        self._events.append(SessionFailed(error))
        self._deadlines.clear()
        self.out.stop(error)

    def _ready(self) -> None:
        self._plan = None
        self.life.restored()
        self._schedule_refresh()
        for call in self.out.release():
            self._send(call)

    def _schedule_refresh(self) -> None:
        refresh_in = self.credentials.refresh_in
        self._refresh_at = None if refresh_in is None else self._now + refresh_in

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


# Copied from runtime/_core/protocol.py by make generate. Do not edit here: edit runtime/_core/protocol.py.
