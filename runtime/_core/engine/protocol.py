r"""The session engine: a Deribit WebSocket session without a socket, a thread or a clock
(sans-I/O), and every rule the session keeps. A host feeds :class:`SessionProtocol` what
happens (``connected(now)``, ``receive(text, now)``, ``lost(now)``, its ``call``\ s), sends
what ``data_to_send()`` returns and handles ``events_received()``. It answers every
``test_request`` in the step that received it and after a reconnect puts authentication,
heartbeat, cancel-on-disconnect and subscriptions back before the host's calls.
WebSocketClient's keeper is such a host (:mod:`..ws.supervisor`); what a rule needs of a host is
asked through :class:`~.host.SessionHost`. The rules a host keeps: the documentation's "Bring
your own socket".

One clock: ``now`` is Unix time in seconds (``time.time()``) everywhere, because the signature
of ``public/auth`` must carry the exchange's time; deadlines are measured on the same clock (a
host whose wall clock jumps sees its deadlines move with it)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from ..errors import APIConnectionError, DeribitError, ResponseValidationError
from ..redact import redact
from ..types import UNSET, Unset
from .calls import Call, Outbox, settle
from .events import Error, Event, SessionFailed, StateChanged
from .frames import dispatch
from .host import SessionHost
from .lifecycle import Lifecycle, LifecycleError
from .orders import Orders
from .session import DEFAULT_TIMEOUT, MIN_REFRESH_INTERVAL, RpcSession, seconds
from .setup import Credentials, check_session
from .steps import Handle, Steps, is_own

__all__ = ["SessionProtocol", "known_secrets"]

_NO_HOST = SessionHost()


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
        min_refresh_interval: The shortest wait before the token is refreshed (10 s).
        host: What a rule asks of the host (:class:`~.host.SessionHost`: a liveness lease,
            credits, a step before ``ready``); the default asks nothing.
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
        min_refresh_interval: float = MIN_REFRESH_INTERVAL,
        host: SessionHost | None = None,
    ) -> None:
        check_session(client_id, client_secret, auth, cancel_on_disconnect, heartbeat_interval, access_token)
        self.hung_after = hung_after if hung_after == "heartbeats" else seconds(hung_after, "hung_after")
        self.heartbeat_interval = heartbeat_interval
        self.cancel_on_disconnect = cancel_on_disconnect
        self.timeout = seconds(timeout, "timeout")
        credentials = Credentials(
            client_id,
            client_secret,
            auth_kind=auth,
            scope=scope,
            access_token=access_token,
            min_refresh_interval=min_refresh_interval,
        )
        self._host = host or _NO_HOST
        self._session = RpcSession()
        self._out = Outbox(self._session)
        self._life = Lifecycle()
        self._life.open()
        self._steps = Steps(self, credentials)
        self._connected = False
        self._heard_at: float | None = None  # when the connection last received (None: no connection)
        self._held = False  # set up, held short of ready by the host (SessionHost.restored)
        self._events: list[Event] = []
        self._calls: dict[int, Call] = {}  # the calls made with call(), not settled yet, by their id
        self._orders = Orders()  # the orders placed on this connection, not seen closed
        self._lost_orders: list[dict[str, Any]] = []
        self._now = 0.0  # (the time the host last passed in)
        self._next_call = 0
        self._state = self._life.public
        self._deadline_mark = 0  # (see deadlines_changed)
        self._seen = self._life.state, self._life.ever_ready  # (what _changed last looked at)

    def __repr__(self) -> str:
        return f"SessionProtocol(state={self.state!r}, client_id={self._steps.credentials.client_id!r})"

    # -- what a host reads ------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """``connecting`` (the first connection, until ready), ``ready``, ``reconnecting``,
        ``failed`` or ``closed``."""
        return self._life.public

    @property
    def stopped(self) -> bool:
        """The session is over (failed, closed, logged out): it never connects again."""
        return self._life.stopped

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

    @property
    def connection_state(self) -> dict[str, dict[str, Any]]:
        """What the next connection puts back besides channels, by the spec's key
        (``x-connection-state``): ``{"heartbeat": {"interval": 30}, "cancel_on_disconnect":
        {"scope": "connection"}}`` as the calls that set them were made."""
        return {key: dict(params) for key, (_, _, params) in self._session.state.items()}

    @property
    def lost_orders(self) -> list[dict[str, Any]]:
        """The orders the last lost connection had, and what the loss meant for each
        (:meth:`.orders.Orders.lost`); a host that reads notifications itself hands those of
        ``user.orders`` channels to :meth:`receive`, as they may close an order."""
        return [dict(order) for order in self._lost_orders]

    def redact(self, text: str) -> str:
        """``text`` with this session's secret and tokens (by value) and any secret field masked."""
        return redact(text, self._steps.credentials.secrets)

    def data_to_send(self) -> list[str]:
        """The frames to send now, in order; each is returned once. A frame counts as sent once
        it is returned here: a call whose frame was not collected before :meth:`lost` waits for
        the next connection (it never left), and none goes out after :meth:`close`."""
        return [frame for frame, _ in self.frames()]

    def frames(self) -> list[tuple[str, Call | None]]:
        """:meth:`data_to_send` with each frame's call (None: a test_request's answer), for a
        host whose socket may refuse a frame: it hands such a call back with :meth:`not_sent`."""
        return self._out.collect(self._life)

    def events_received(self) -> list[Event]:
        """What happened since the last call, in order; each event is returned once."""
        events, self._events = self._events, []
        return events

    def next_deadline(self) -> float | None:
        """When :meth:`tick` is due next (Unix seconds): a call's timeout, a setup step's, the
        token's refresh or the connection's silence limit; None when nothing is due (always,
        once the session is over)."""
        if self._life.stopped:
            return None
        due = self._steps.next_due
        for deadline, _ in self._out.deadlines.values():
            if due is None or deadline < due:
                due = deadline
        return due

    @property
    def deadlines_changed(self) -> int:
        """A count that moves whenever a deadline may have come earlier than
        :meth:`next_deadline` said (the silence limit only moves later as frames arrive): a host
        that keeps one timer needs to ask again only when it has moved."""
        return self._deadline_mark

    # -- what happens to the connection -------------------------------------------------------------

    def connected(self, now: float, *, auth_timeout: float | None = None) -> None:
        """A new WebSocket is open: authentication and the session's state go out first
        (``auth_timeout``: authentication's bound on it, when it is not the call timeout).
        LifecycleError: the last connection was not ``lost()``, or the session is over."""
        self._at(now)
        if self._connected:
            raise LifecycleError("connected() twice: call lost() when a connection ends, before the next one")
        if self._life.stopped:
            raise LifecycleError(f"the session is {self.state}: it does not connect again")
        self._life.connected()
        self._connected = True
        self._heard_at = now
        self._deadline_mark += 1
        self._steps.start(now, first=not self._life.ever_ready, auth_timeout=auth_timeout)
        self._changed()

    def lost(self, now: float, cause: str | None = None) -> int:
        """The WebSocket closed or failed (``cause``: how, in words): every call that went out
        on it fails with APIConnectionError (it may have run, so it is never sent again); calls
        not yet sent (their frames not collected included) wait for the next connection.
        Returns how many calls failed."""
        self._at(now)
        if not self._connected:
            return 0
        self._connected = False
        self._heard_at = None
        self._held = False
        self._steps.stop()
        if not self._life.stopped:
            if self._life.ever_ready:
                self._life.lost()
            else:  # the first connection never became ready: start again
                self._life.close()
                self._life.open()
        reason = "the connection was lost" + (f": {self.redact(cause)}" if cause else "")
        failed = self._out.lost(APIConnectionError(reason), self._orders)
        self._lost_orders = self._orders.lost(self._out.cancel_on_disconnect)
        self._changed()
        return failed

    def heard(self, now: float) -> None:
        """Something arrived that the host handled itself (a notification): it is alive."""
        if self._connected:
            self._heard_at = now

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
            dispatch(self, self._session.receive(text))
        except ResponseValidationError as exc:
            self._events.append(Error(exc))
        except Exception as exc:  # a frame no rule foresaw: reported, never raised into the host's reader
            error = ResponseValidationError(f"a frame could not be handled ({type(exc).__name__})", body=text)
            self._events.append(Error(error))
        self._out.expire_due(now)
        self._steps.due(now, heard=True)
        if (self._life.state, self._life.ever_ready) != self._seen:
            self._changed()

    def proceed(self, now: float) -> None:
        """The host is done with what it held the session for (:meth:`.SessionHost.restored`):
        the session is ready, and the calls that waited go out."""
        self._at(now)
        if self._held and self._connected and self._life.setting_up:
            self._held = False
            self._ready()
            self._changed()

    def not_sent(self, call: Call) -> None:
        """The host's socket refused ``call``'s frame (closing): it waits for the next connection."""
        self._out.unsent(call)

    # -- calls ----------------------------------------------------------------------------------------

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
        call = self._steps.new_call(method, params)
        bound = self.timeout if isinstance(timeout, Unset) else seconds(timeout, "timeout")
        self._next_call += 1
        call.token = Handle(self._next_call, self)
        self._calls[self._next_call] = call
        if bound is not None:
            self._out.deadlines[call] = (now + bound, bound)
            self._deadline_mark += 1
        self._send(call)
        self._due(now)
        self._changed()
        return self._next_call

    def send_call(self, call: Call) -> None:
        """A call the host made itself, its token a Waiter or a future (WebSocketClient's keeper)."""
        self._send(call)

    def cancel(self, call_id: int) -> bool:
        """The host's caller gave up on ``call_id``: it is never sent if it has not been (True),
        and no event comes for it. False: its frame was collected by :meth:`data_to_send` (it
        may run), or it was already settled (an event for it was or will be returned)."""
        call = self._calls.pop(call_id, None)
        if call is None:
            return False
        unsent = self.withdraw(call)
        call.token.settled = True  # (no event: the caller stopped waiting)
        return unsent

    def withdraw(self, call: Call, error: DeribitError | None = None) -> bool:
        """:meth:`cancel` for a call made with :meth:`send_call`: True, it never goes out. With
        ``error`` (the host's socket failed writing its frame, which may have left), its caller
        gets that error (an order call: OrderOutcomeUnknownError), never a resend."""
        return self._out.withdraw(call, error, self._orders)

    def tick(self, now: float) -> None:
        """Fails the calls whose timeout passed, refreshes the token when it is due, and gives
        up a connection silent past its limit (also done by ``receive`` and ``call``, so a busy
        connection never starves them)."""
        self._at(now)
        self._due(now)
        self._changed()

    def fail(self, error: DeribitError) -> None:
        """The host cannot go on with this session (a certificate it refuses, a fault of its
        own): as ``SessionFailed`` (every call fails with ``error``; nothing is sent again)."""
        if not self._life.stopped:
            self._stop(error)
            self._changed()

    def close(self) -> None:
        """The session is over: every call waiting fails; nothing more is sent (frames not yet
        collected included); :attr:`failure` still tells what failed it, if anything did."""
        self._steps.stop()
        self._life.close()
        self._connected = False
        self._heard_at = None
        self._out.stop(APIConnectionError("the session was closed"))
        self._changed()

    # -- inside -----------------------------------------------------------------------------------------

    def _at(self, now: float) -> None:
        if isinstance(now, bool) or not isinstance(now, (int, float)) or not math.isfinite(now):
            raise TypeError("now must be the time in Unix seconds (a finite number, time.time())")
        self._now = float(now)

    def _due(self, now: float) -> None:
        """What the time ``now`` makes due: timeouts (the session's own steps too), the refresh,
        the silence limit."""
        self._out.expire_due(now)
        self._steps.due(now)

    def _send(self, call: Call) -> None:
        if call.bypass and not self._held and not is_own(call):  # a host's call for a hold that is over
            settle(call.token, None, APIConnectionError(f"{call.method}: the session is no longer held for it"))
            return
        lapsed = None if call.bypass else self._host.lease_lapsed()
        self._out.send(call, self._now, self._life, self._connected, lapsed)

    def _ready(self) -> None:
        self._life.restored()
        self._deadline_mark += 1  # (the refresh is due only once ready)
        for call in self._host.release(self._out.release()):
            self._send(call)

    def _stop(self, error: DeribitError) -> None:
        """The session cannot go on (authentication refused): every call fails with ``error``."""
        self._steps.stop()
        self._life.fail(error)
        self._events.append(SessionFailed(error))
        self._out.stop(error)

    def _changed(self) -> None:
        self._seen = self._life.state, self._life.ever_ready
        state = self._life.public
        if state != self._state:
            self._state = state
            self._events.append(StateChanged(state))


def known_secrets(protocol: SessionProtocol) -> tuple[str | None, ...]:
    """The secret values a session knows, for a host that masks them by value (never shown)."""
    return protocol._steps.credentials.secrets
