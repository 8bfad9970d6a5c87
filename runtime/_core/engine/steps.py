"""What :class:`~.protocol.SessionProtocol` does on its own on a connection: the setup plan
(:func:`~.setup.setup_plan`) driven one answer at a time, the token kept fresh (a refresh
before it expires; a refused refresh authenticates afresh on the same connection), its own
calls waiting for the host's credits ahead of the host's, and the silence limit. What their
answers decide (ready, replace the connection, stop the session) is said here once."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ..errors import APIConnectionError, APIError, APITimeoutError, AuthenticationError, DeribitError, mask_known
from ..redact import mask_known_values, redact
from ..spec import registry
from ..spec.answers import checked
from .calls import Call, Outbox, Token
from .events import Answer, CallFailed, Error, ReplaceConnection
from .session import DEFAULT_TIMEOUT, Incoming, RpcSession, with_access_token
from .setup import Credentials, Plan, setup_plan

if TYPE_CHECKING:
    from .events import Event
    from .host import SessionHost
    from .lifecycle import Lifecycle
    from .orders import Orders

__all__ = ["Handle", "Steps", "is_own"]

logger = logging.getLogger("deribit_session_client")


class Engine(Protocol):
    """The engine's private layout (:class:`~.protocol.SessionProtocol`, which states each of
    these), as its own parts (the steps, handles and :func:`~.frames.dispatch`) move it: declared
    here so that they do not import ``protocol.py``. It is no interface to another part: what
    the steps need is the engine's state itself."""

    timeout: float | None
    hung_after: float | Literal["heartbeats"] | None
    heartbeat_interval: float | None
    cancel_on_disconnect: str | None
    _host: SessionHost
    _session: RpcSession
    _out: Outbox
    _life: Lifecycle
    _events: list[Event]
    _calls: dict[int, Call]
    _connected: bool
    _heard_at: float | None
    _held: bool
    _now: float
    _deadline_mark: int
    _steps: Steps
    _orders: Orders

    def redact(self, text: str) -> str: ...

    def _send(self, call: Call) -> None: ...

    def _ready(self) -> None: ...

    def _stop(self, error: DeribitError) -> None: ...


class Handle(Token):
    """A call made with ``SessionProtocol.call``: its answer becomes an event."""

    __slots__ = ("call_id", "owner")

    def __init__(self, call_id: int, owner: Engine) -> None:
        super().__init__()
        self.call_id = call_id
        self.owner = owner

    def settle(self, message: dict[str, Any] | None, error: BaseException | None) -> None:
        if self.settled:
            return
        super().settle(message, error)
        owner = self.owner
        call = owner._calls.pop(self.call_id, None)
        if call is not None:
            owner._out.deadlines.pop(call, None)
        if error is None and message is not None:
            try:
                owner._events.append(Answer(self.call_id, checked(message)["result"]))
                return
            except DeribitError as exc:
                error = exc
        if not isinstance(error, DeribitError):
            error = APIConnectionError(f"the call failed: {type(error).__name__}")
        owner._events.append(CallFailed(self.call_id, error))


class _Own(Token):
    """A request of the session's own (a setup step, a token refresh): its answer goes back to
    :class:`Steps`."""

    __slots__ = ("call", "purpose", "steps")

    def __init__(self, steps: Steps, purpose: str) -> None:
        super().__init__()
        self.steps = steps
        self.purpose = purpose
        self.call: Call | None = None

    def settle(self, message: dict[str, Any] | None, error: BaseException | None) -> None:
        if not self.settled:
            super().settle(message, error)
            if self.call is not None:
                self.steps.engine._out.deadlines.pop(self.call, None)
            self.steps.answered(self, message, error)


def is_own(call: Call) -> bool:
    """Whether ``call`` is one of the session's own (a setup step, a refresh)."""
    return isinstance(call.token, _Own)


class Steps:
    """The session's own requests on the current connection (moved by its engine only)."""

    def __init__(self, engine: Engine, credentials: Credentials) -> None:
        self.engine = engine
        self.credentials = credentials
        self.plan: Plan | None = None
        self.step: _Own | None = None
        self.first = True
        self.auth_timeout: float | None = None
        #: When the token is refreshed next (Unix seconds), or None.
        self.refresh_at: float | None = None
        #: The session's own calls waiting for the host's credits -> when to ask again.
        self.waiting: dict[Call, float] = {}

    def start(self, now: float, *, first: bool, auth_timeout: float | None) -> None:
        """A new connection: authenticate, then put the session's state back (the plan)."""
        engine = self.engine
        self.first = first
        self.auth_timeout = auth_timeout
        self.plan = setup_plan(
            engine._session,
            self.credentials,
            engine._life,
            first=first,
            heartbeat_interval=engine.heartbeat_interval,
            cancel_on_disconnect=engine.cancel_on_disconnect,
            now=now,
            refused=lambda error: engine._events.append(Error(mask_known(error, self.credentials.secrets))),
        )
        self.advance(None, None)

    def stop(self) -> None:
        """The connection is gone (or the session): no step and no refresh is due."""
        if self.plan is not None:
            self.plan.close()
        self.plan = None
        self.step = None
        self.refresh_at = None
        self.waiting.clear()

    @property
    def next_due(self) -> float | None:
        """When :meth:`due` has something to do next."""
        due = self.refresh_at if self.engine._life.ready else None  # (it waits for ready)
        silence = self.silence_deadline()
        if silence is not None and (due is None or silence < due):
            due = silence
        for at in self.waiting.values():
            if due is None or at < due:
                due = at
        return due

    def silence_deadline(self) -> float | None:
        """When the connection has been silent too long (``hung_after``), or None."""
        engine = self.engine
        limit = engine.hung_after
        if engine._heard_at is None or limit is None:
            return None
        if limit == "heartbeats":
            heartbeat = engine._session.state.get("heartbeat")
            interval = heartbeat[2].get("interval") if heartbeat is not None else None
            if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not interval > 0:
                return None
            limit = 2.0 * float(interval)
        return engine._heard_at + limit

    def due(self, now: float, heard: bool = False) -> None:
        """The refresh, when its time has come on a ready connection; own calls whose credits
        may have come; the silence limit (not when something was just ``heard``)."""
        for call, at in list(self.waiting.items()) if self.waiting else ():
            if at <= now:
                del self.waiting[call]
                if not call.token.settled:  # (its step may have timed out meanwhile)
                    self.send_when_credited(call)
        silence = None if heard else self.silence_deadline()
        if silence is not None and now >= silence:
            quiet = now - (self.engine._heard_at or now)
            self.engine._heard_at = None  # (told once for this connection)
            self.replace(APIConnectionError(f"nothing received for {quiet:.1f} s: the server looks hung"))
        if self.refresh_at is not None and now >= self.refresh_at and self.engine._life.ready:
            self.refresh_at = None
            params = self.credentials.params(True, now)
            if params is not None:
                self._request("refresh", "public/auth", params)

    def advance(self, answer: dict[str, Any] | None, error: BaseException | None) -> None:
        """The setup plan's next step, after ``answer`` to the last one (or its ``error``)."""
        plan = self.plan
        if plan is None:
            return
        self.step = None
        engine = self.engine
        try:
            if error is not None:
                raise error
            method, params, _ = plan.send(answer) if answer is not None else next(plan)
        except StopIteration:
            self.plan = None
            self._schedule_refresh()
            if engine._host.restored(self.first):  # held short of ready until the host's proceed()
                engine._held = True
            else:
                engine._ready()
            return
        except DeribitError as exc:
            self.stop()
            # refused credentials, or a first setup the exchange refuses: retrying cannot heal it
            if isinstance(exc, AuthenticationError) or (isinstance(exc, APIError) and not engine._life.ever_ready):
                engine._stop(exc)
            else:
                self.replace(_because("setting the session up failed", exc))
            return
        bound = self.auth_timeout if method == "public/auth" and self.auth_timeout is not None else None
        self.step = self._request("setup", method, params, bound)

    def answered(self, token: _Own, message: dict[str, Any] | None, error: BaseException | None) -> None:
        if token.purpose not in ("refresh", "reauthenticate"):
            if token is self.step:
                if isinstance(error, APITimeoutError) and token.call is not None and token.call.method == "public/auth":
                    error = APITimeoutError(f"authenticating did not finish in time: {error}")
                self.advance(message, error)
            return
        engine = self.engine
        if error is None and message is not None:
            try:
                self.credentials.accept(message)
                self._schedule_refresh()
                logger.info("Access token refreshed" if token.purpose == "refresh" else "Authenticated again")
                return
            except DeribitError as exc:
                error = exc
        if not engine._connected:
            return  # (the connection it was sent on is gone: the next one authenticates afresh)
        if isinstance(error, AuthenticationError) and token.purpose == "refresh":
            self.credentials.refresh_token = None  # refused: authenticate afresh on this connection
            params = self.credentials.params(False, engine._now)
            if params is not None:
                logger.warning("Refreshing the access token was refused; authenticating again")
                self._request("reauthenticate", "public/auth", params)
                return
        if isinstance(error, AuthenticationError):
            engine._stop(error)
        else:
            reason = error if isinstance(error, DeribitError) else APIConnectionError(type(error).__name__)
            self.replace(_because("refreshing the access token failed", reason))

    def mask(self, incoming: Incoming) -> None:
        """An error answer with this session's secret and tokens masked by value, before any
        exception is made of it: its frame and its envelope (changed in place)."""
        raw = mask_known_values(incoming.raw, self.credentials.secrets)
        if raw is not incoming.raw:
            incoming.raw = raw
            try:
                incoming.message.clear()
                incoming.message.update(json.loads(raw))
            except ValueError:  # (a secret in an escape sequence: the error is masked, the frame not parsed)
                incoming.message.update({"error": {"code": -1, "message": "an error answer quoting a secret"}})

    def new_call(self, method: Any, params: Any) -> Call:
        """A host's call (``SessionProtocol.call``), checked and encoded: TypeError for a method
        that is not a string or params not a mapping, InvalidParamsError for params not to send."""
        if not isinstance(method, str) or not method:
            raise TypeError("method must be a method name (a string)")
        if params is not None and not isinstance(params, Mapping):
            raise TypeError("params must be a mapping (a JSON object)")
        params, method = dict(params or {}), registry.canonical(method)
        sent = with_access_token(method, params, self.credentials.bearer)
        return Call(method, params, RpcSession.encode_call(method, sent), registry.operation_for(method), None)

    def replace(self, error: DeribitError) -> None:
        """This connection cannot serve the session: the host replaces it (told once, masked)."""
        engine = self.engine
        if engine._connected:
            secrets = self.credentials.secrets
            engine._events.append(ReplaceConnection(redact(str(error), secrets), mask_known(error, secrets)))

    def _request(self, purpose: str, method: str, params: dict[str, Any], bound: float | None = None) -> _Own:
        engine = self.engine
        token = _Own(self, purpose)
        sent = with_access_token(method, params, self.credentials.bearer)
        call = Call(method, params, RpcSession.encode_call(method, sent), registry.operation_for(method), token, True)
        token.call = call
        bound = bound or engine.timeout or DEFAULT_TIMEOUT
        engine._out.deadlines[call] = (engine._now + bound, bound)
        engine._deadline_mark += 1
        self.send_when_credited(call)
        return token

    def send_when_credited(self, call: Call) -> None:
        """Sends the session's own ``call`` once the host's credits allow (ahead of its calls)."""
        wait = self.engine._host.credits_for(call)
        if wait > 0:
            self.waiting[call] = self.engine._now + wait
            self.engine._deadline_mark += 1
        else:
            self.engine._send(call)

    def _schedule_refresh(self) -> None:
        refresh_in = self.credentials.refresh_in
        self.refresh_at = None if refresh_in is None else self.engine._now + refresh_in
        self.engine._deadline_mark += 1


def _because(what: str, error: DeribitError) -> DeribitError:
    """``error``, its message led by ``what`` (the error object is kept: its class and code say
    the cause without reading text)."""
    if not str(error).startswith(what):
        error.args = (f"{what}: {error}", *error.args[1:])
    return error
