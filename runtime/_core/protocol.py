r"""The session keeper for any WebSocket stack: a Deribit session without a socket, a thread or
a clock (sans-I/O). A host feeds :class:`SessionProtocol` what happens (``connected(now)``,
``receive(text, now)``, ``lost(now)``, its ``call``\ s), sends what ``data_to_send()`` returns
and handles ``events_received()``. It answers every ``test_request`` in the step that received
it and after a reconnect puts authentication, heartbeat, cancel-on-disconnect and subscriptions
back before the host's calls. The rules a host keeps: the documentation's "Bring your own
socket".

One clock: ``now`` is Unix time in seconds (``time.time()``) everywhere, because the signature
of ``public/auth`` must carry the exchange's time; deadlines are measured on the same clock (a
host whose wall clock jumps sees its deadlines move with it)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from . import registry
from .answers import checked
from .calls import LOGGED_OUT, Call, Outbox, settle, timed_out
from .errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    DeribitError,
    ResponseValidationError,
    mask_known,
)
from .events import (
    Answer,
    CallFailed,
    Error,
    Event,
    Notification,
    ReplaceConnection,
    SessionFailed,
    StateChanged,
)
from .lifecycle import Lifecycle, LifecycleError
from .redact import redact
from .session import DEFAULT_TIMEOUT, RpcSession, seconds, with_access_token
from .setup import Credentials, Plan, setup_plan
from .threads import Token
from .types import UNSET, Unset
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
        call = self.owner._calls.pop(self.call_id, None)
        if call is not None:
            self.owner._deadlines.pop(call, None)
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

    __slots__ = ("call", "owner", "purpose")

    def __init__(self, owner: SessionProtocol, purpose: str) -> None:
        super().__init__()
        self.owner = owner
        self.purpose = purpose
        self.call: Call | None = None

    def settle(self, message: dict[str, Any] | None, error: BaseException | None) -> None:
        if not self.settled:
            super().settle(message, error)
            if self.call is not None:
                self.owner._deadlines.pop(self.call, None)
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
        hung_after: A connection on which nothing was received for this many seconds is given
            up (``ReplaceConnection``), for hosts whose WebSocket has no keepalive of their own;
            ``"heartbeats"``: two heartbeat intervals while a heartbeat is set (the exchange then
            sends a frame every interval), as WebSocketClient does; None (the default): never.
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
        hung_after: float | Literal["heartbeats"] | None = None,
    ) -> None:
        check_session(client_id, client_secret, auth, cancel_on_disconnect, heartbeat_interval)
        self.hung_after = hung_after if hung_after == "heartbeats" else seconds(hung_after, "hung_after")
        self._credentials = Credentials(
            client_id, client_secret, auth_kind=auth, scope=scope, access_token=access_token
        )
        self.heartbeat_interval = heartbeat_interval
        self.cancel_on_disconnect = cancel_on_disconnect
        self.timeout = seconds(timeout, "timeout")
        self._session = RpcSession()
        self._out = Outbox(self._session)
        self._life = Lifecycle()
        self._life.open()
        self._connected = False
        #: Frames made and not yet collected by data_to_send(), with the call each carries: a
        #: call whose frame was never collected never left, whatever happens to the connection.
        self._frames: list[tuple[str, Call | None]] = []
        self._heard_at: float | None = None  # when the connection last received (None: no connection)
        self._events: list[Event] = []
        self._plan: Plan | None = None
        self._step: _Own | None = None
        self._calls: dict[int, Call] = {}  # the host's calls not settled yet, by their id
        self._deadlines: dict[Call, tuple[float, float]] = {}  # call -> (deadline, its bound)
        self._now = 0.0  # (the time the host last passed in)
        self._refresh_at: float | None = None
        self._next_call = 0
        self._state = self._life.public

    def __repr__(self) -> str:
        return f"SessionProtocol(state={self.state!r}, client_id={self._credentials.client_id!r})"

    @property
    def state(self) -> str:
        """``connecting`` (the first connection, until ready), ``ready``, ``reconnecting``,
        ``failed`` or ``closed``."""
        return self._life.public

    @property
    def failure(self) -> DeribitError | None:
        """What failed the session (``SessionFailed``'s error), also after :meth:`close`; else None."""
        error = self._life.error
        return error if isinstance(error, DeribitError) else None

    @property
    def channels(self) -> list[str]:
        """The channels subscribed through :meth:`call` (``public/subscribe``,
        ``private/subscribe``) that the next connection subscribes again, in the order they
        joined: what the exchange confirmed, less what was unsubscribed or refused on a restore."""
        return [channel for key in sorted(self._session.sets) for channel in self._session.members(key)]

    def data_to_send(self) -> list[str]:
        """The frames to send now, in order; each is returned once. A frame counts as sent once
        it is returned here: a call whose frame was not collected before :meth:`lost` waits for
        the next connection (it never left), and none goes out after :meth:`close`."""
        pending, self._frames = self._frames, []
        for _, call in pending:
            if call is not None and self._out.written(call, self._life):  # private/logout: the session ended
                settle(call.token, dict(LOGGED_OUT), None)
        return [frame for frame, _ in pending]

    def events_received(self) -> list[Event]:
        """What happened since the last call, in order; each event is returned once."""
        events, self._events = self._events, []
        return events

    def next_deadline(self) -> float | None:
        """When :meth:`tick` is due next (Unix seconds): a call's timeout, the token's refresh
        or the connection's silence limit; None when nothing is due (always, once the session
        is over)."""
        if self._life.stopped:
            return None
        due = [deadline for deadline, _ in self._deadlines.values()]
        if self._refresh_at is not None:
            due.append(self._refresh_at)
        silence = self._silence_deadline()
        if silence is not None:
            due.append(silence)
        return min(due) if due else None

    def connected(self, now: float) -> None:
        """A new WebSocket is open: authentication and the session's state go out first.
        LifecycleError: the last connection was not ``lost()``, or the session is over."""
        self._at(now)
        if self._connected:
            raise LifecycleError("connected() twice: call lost() when a connection ends, before the next one")
        if self._life.stopped:
            raise LifecycleError(f"the session is {self.state}: it does not connect again")
        self._life.connected()
        self._connected = True
        self._heard_at = now
        self._plan = setup_plan(
            self._session,
            self._credentials,
            self._life,
            first=not self._life.ever_ready,
            heartbeat_interval=self.heartbeat_interval,
            cancel_on_disconnect=self.cancel_on_disconnect,
            now=now,
            refused=lambda error: self._events.append(Error(error)),
        )
        self._advance(None, None)
        self._changed()

    def lost(self, now: float) -> None:
        """The WebSocket closed or failed: every call that went out on it fails (it may have
        run, so it is never sent again); calls not yet sent (their frames not collected by
        :meth:`data_to_send` included) wait for the next connection."""
        self._at(now)
        if not self._connected:
            return
        self._connected = False
        self._heard_at = None
        self._drop_plan()
        self._refresh_at = None
        uncollected, self._frames = self._frames, []
        for _, call in reversed(uncollected):  # (each goes back to the front: reversed keeps their order)
            if call is not None:
                self._out.unsent(call)
        if not self._life.stopped:
            if self._life.ever_ready:
                self._life.lost()
            else:  # the first connection never became ready: start again
                self._life.close()
                self._life.open()
        self._out.lost(APIConnectionError("the connection was lost"))
        self._changed()

    def receive(self, text: str | bytes, now: float) -> None:
        """One frame from the server. A ``test_request``'s answer is ready in ``data_to_send()``
        at once; answers settle their calls; notifications become events. Never raises for what
        a server sends: a frame that is not JSON-RPC, or an answer the session cannot use, is an
        ``Error`` event (a ``ResponseValidationError``) and the session goes on (a setup step
        answered so is a failed setup: ``ReplaceConnection``)."""
        self._at(now)
        if not self._connected:
            raise LifecycleError("receive() with no connection: call connected() first")
        self._heard_at = now
        try:
            self._receive(text)
        except ResponseValidationError as exc:
            self._events.append(Error(exc))
        except Exception as exc:  # a frame no rule foresaw: reported, never raised into the host's reader
            self._events.append(
                Error(ResponseValidationError(f"a frame could not be handled ({type(exc).__name__})", body=text))
            )
        self._due(now)
        self._changed()

    def _receive(self, text: str | bytes) -> None:
        incoming = self._session.receive(text)
        kind = incoming.kind
        if kind == "test_request":
            self._frames.append((self._session.request("public/test", {}, None)[1], None))
        elif kind == "answer":
            call = self._out.answered(incoming.id)
            if call is not None:
                self._deadlines.pop(call, None)
                if call.op is not None:
                    declared = call.op.connection_state
                    self._session.succeeded(declared, call.method, call.params, incoming.message, call.sent_at)
                settle(call.token, incoming.message, None)
        elif kind == "notification":
            self._events.append(Notification(incoming.message))

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        now: float,
        timeout: float | None | Unset = UNSET,
    ) -> int:
        """Sends ``method`` now if the session is ready, else once it is (in order; a call whose
        timeout passes first is failed, never sent); returns the id its ``Answer`` or
        ``CallFailed`` event carries. ``timeout``: seconds, None for none, or left out for the
        constructor's. A ``public/subscribe`` or ``private/subscribe`` made here is subscribed
        again on every new connection (:attr:`channels`). InvalidParamsError, raised here, for
        parameters that cannot be sent; TypeError for a method that is not a string or params
        not a mapping."""
        self._at(now)
        if not isinstance(method, str) or not method:
            raise TypeError("method must be a method name (a string)")
        if params is not None and not isinstance(params, Mapping):
            raise TypeError("params must be a mapping (a JSON object)")
        params = dict(params or {})
        sent = with_access_token(method, params, self._credentials.bearer)
        bound = self.timeout if isinstance(timeout, Unset) else seconds(timeout, "timeout")
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
        and no event comes for it. False: its frame was collected by :meth:`data_to_send` (it
        may run), or it was already settled (an event for it was or will be returned)."""
        call = self._calls.pop(call_id, None)
        if call is None:
            return False
        unsent = call.rpc_id is None or self._take_back(call)
        self._out.forget(call)
        self._deadlines.pop(call, None)
        call.token.settled = True  # (no event: the caller stopped waiting)
        return unsent

    def tick(self, now: float) -> None:
        """Fails the calls whose timeout passed, refreshes the token when it is due, and gives
        up a connection silent past its limit (also done by ``receive`` and ``call``, so a busy
        connection never starves them)."""
        self._at(now)
        self._due(now)
        self._changed()

    def close(self) -> None:
        """The session is over: every call waiting fails; nothing more is sent (frames not yet
        collected included); :attr:`failure` still tells what failed it, if anything did."""
        self._drop_plan()
        self._life.close()
        self._connected = False
        self._heard_at = None
        self._frames.clear()
        self._refresh_at = None
        self._deadlines.clear()
        self._out.stop(APIConnectionError("the session was closed"))
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
                self._take_back(call)
                self._out.forget(call)
                settle(call.token, None, timed_out(call, bound))
        if self._refresh_at is not None and now >= self._refresh_at and self._life.ready:
            self._refresh_at = None
            params = self._credentials.params(True, now)
            if params is not None:
                self._own("refresh", "public/auth", params)
        silence = self._silence_deadline()
        if silence is not None and now >= silence:
            limit = now - (self._heard_at or now)
            self._heard_at = None  # (told once for this connection)
            error = APIConnectionError(f"nothing received for {limit:.1f} s: the server looks hung")
            self._events.append(ReplaceConnection(str(error), error))

    def _take_back(self, call: Call) -> bool:
        """Whether ``call``'s frame was still waiting for collection (it is taken out: it never goes)."""
        kept = [(frame, queued) for frame, queued in self._frames if queued is not call]
        found = len(kept) != len(self._frames)
        self._frames = kept
        return found

    def _silence_deadline(self) -> float | None:
        limit = self.hung_after
        if self._heard_at is None or limit is None:
            return None
        if limit == "heartbeats":
            heartbeat = self._session.state.get("heartbeat")
            interval = heartbeat[2].get("interval") if heartbeat is not None else None
            if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not interval > 0:
                return None
            limit = 2.0 * float(interval)
        return self._heard_at + limit

    def _send(self, call: Call) -> None:
        deadline = self._deadlines.get(call)
        if deadline is not None and deadline[0] <= self._now:  # (it waited past its timeout)
            del self._deadlines[call]
            self._out.forget(call)
            settle(call.token, None, timed_out(call, deadline[1]))
            return
        if self._life.stopped:
            error = self._life.error if isinstance(self._life.error, DeribitError) else None
            settle(call.token, None, error or APIConnectionError(f"{call.method}: the session is {self.state}"))
            self._deadlines.pop(call, None)
            return
        frame = self._out.admit(call, self._life.takes(call.bypass, connected=self._connected))
        if frame is not None:
            self._frames.append((frame, call))

    def _own(self, purpose: str, method: str, params: dict[str, Any]) -> _Own:
        token = _Own(self, purpose)
        sent = with_access_token(method, params, self._credentials.bearer)
        call = Call(method, params, RpcSession.encode_call(method, sent), registry.operation_for(method), token, True)
        token.call = call
        bound = self.timeout or DEFAULT_TIMEOUT
        self._deadlines[call] = (self._now + bound, bound)
        self._send(call)
        return token

    def _own_answer(self, token: _Own, message: dict[str, Any] | None, error: BaseException | None) -> None:
        if token.purpose in ("refresh", "reauthenticate"):
            if error is None and message is not None:
                try:
                    self._credentials.accept(message)
                    self._schedule_refresh()
                    return
                except DeribitError as exc:
                    error = exc
            if isinstance(error, AuthenticationError) and token.purpose == "refresh" and self._connected:
                self._credentials.refresh_token = None  # refused: authenticate afresh on this connection
                params = self._credentials.params(False, self._now)
                if params is not None:
                    self._own("reauthenticate", "public/auth", params)
                    return
            if isinstance(error, AuthenticationError):
                self._stop(error)
            elif self._connected:
                self._replace(f"refreshing the access token failed: {error}", error)
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
            if isinstance(exc, AuthenticationError) or (isinstance(exc, APIError) and not self._life.ever_ready):
                self._stop(exc)
            elif self._connected:
                self._replace(f"setting the session up failed: {exc}", exc)
            return
        self._step = self._own("setup", method, params)

    def _replace(self, reason: str, error: BaseException | None) -> None:
        secrets = self._credentials.secrets
        cause = error if isinstance(error, DeribitError) else APIConnectionError(reason)
        self._events.append(ReplaceConnection(redact(reason, secrets), mask_known(cause, secrets)))

    def _stop(self, error: DeribitError) -> None:
        self._drop_plan()
        self._frames.clear()
        self._refresh_at = None
        self._life.fail(error)
        self._events.append(SessionFailed(error))
        self._deadlines.clear()
        self._out.stop(error)

    def _ready(self) -> None:
        self._plan = None
        self._life.restored()
        self._schedule_refresh()
        for call in self._out.release():
            self._send(call)

    def _schedule_refresh(self) -> None:
        refresh_in = self._credentials.refresh_in
        self._refresh_at = None if refresh_in is None else self._now + refresh_in

    def _drop_plan(self) -> None:
        if self._plan is not None:
            self._plan.close()
        self._plan = None
        self._step = None

    def _changed(self) -> None:
        state = self._life.public
        if state != self._state:
            self._state = state
            self._events.append(StateChanged(state))
