"""Calls, from a caller's request to its answer: which go out when (sans-I/O), and handing an
answer (or an error) to the caller that waits for it, in its own thread or loop.

The send rules, stated here once and enforced by :class:`Outbox`, which the keeper's loop
alone owns:

1. Nothing is written after its caller gave up (timed out, interrupted, cancelled):
   :meth:`Outbox.admit` asks :func:`waiting` in the step that writes the frame.
2. A frame handed to the socket is never sent again: it may have reached the exchange. Once
   admitted and written, a call leaves only by its answer or by :meth:`Outbox.lost`, which
   fails it (``APIConnectionError``: the caller cannot know whether it ran). A frame counts
   as handed over when the host collects it (:meth:`Outbox.collect`): one still in
   ``outgoing`` at a loss never left, and its call waits like a queued one.
3. A call that has not gone out waits until the session is ready (authenticated, its state
   restored), then goes out in order, while its caller still waits; a frame the socket would
   not take (it was closing) never left, and waits likewise. The session's own setup calls
   and ``on_reconnect``'s (``bypass``) go out while the session is set up.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from ..errors import APIConnectionError, APITimeoutError, DeribitError
from ..spec.operations import changes_orders, outcome_unknown
from .lifecycle import State
from .orders import Orders

if TYPE_CHECKING:
    from ..spec.operations import Operation
    from .lifecycle import Lifecycle
    from .session import RpcSession

__all__ = [
    "LOGGED_OUT",
    "Call",
    "Expired",
    "Outbox",
    "Token",
    "after_sending",
    "expire",
    "settle",
    "timed_out",
    "waiting",
]

#: What a written private/logout answers its caller with.
LOGGED_OUT: dict[str, Any] = {"jsonrpc": "2.0", "result": "ok"}


class Token:
    """What a caller waits on that is not an asyncio future: ``settle`` hands it the answer
    (or the error) once; ``abandoned``: the caller stopped waiting, so its call must not go
    out later."""

    __slots__ = ("abandoned", "error", "message", "settled")

    def __init__(self) -> None:
        self.message: dict[str, Any] | None = None
        self.error: BaseException | None = None
        self.settled = False
        self.abandoned = False

    def settle(self, message: dict[str, Any] | None, error: BaseException | None) -> None:
        if not self.settled:
            self.message, self.error, self.settled = message, error, True


class Call:
    """One call: what it sends (``tail``, encoded by the caller), the spec's operation (for
    the state it sets), the caller's token, whether it may go out during setup (``bypass``),
    and its request id once admitted."""

    __slots__ = ("bypass", "charged", "method", "op", "params", "rpc_id", "sent_at", "started", "tail", "token")

    def __init__(
        self, method: str, params: dict[str, Any], tail: str, op: Operation | None, token: Any, bypass: bool = False
    ) -> None:
        self.method = method
        self.params = params  # (as the caller gave them: what a successful call sets is recorded from these)
        self.tail = tail
        self.op = op
        self.token = token
        self.bypass = bypass
        self.started = time.perf_counter()
        self.rpc_id: int | None = None
        #: Its credits are taken from the rate limiter (given back if it is not written).
        self.charged = False
        #: Its place among the calls that set state, once written (RpcSession.sent).
        self.sent_at: int | None = None

    def __repr__(self) -> str:
        return f"Call({self.method!r}, id={self.rpc_id!r})"


class Outbox:
    """The send rules above, over one session's request ids: which call is written now, which
    waits for the session, and which is failed (see the module's docstring)."""

    def __init__(self, session: RpcSession) -> None:
        self.session = session
        #: Calls not yet written, oldest first: they wait for the session to be ready.
        self.queued: deque[Call] = deque()
        #: Frames made and not yet collected by the host, with the call each carries (None: a
        #: test_request's answer).
        self.outgoing: list[tuple[str, Call | None]] = []
        #: Calls with a timeout the outbox keeps -> (deadline, the bound), on the engine's clock.
        self.deadlines: dict[Call, tuple[float, float]] = {}

    def send(
        self, call: Call, now: float, life: Lifecycle, connected: bool, refused: DeribitError | None = None
    ) -> None:
        """Rules 1 and 3 for ``call`` at ``now``: failed if it waited past its deadline (never
        sent late), if the session is over (with the error that ended it) or if ``refused``
        (a lapsed lease: a hung program's call must not go out); else its frame made for
        collection when the session takes it, or queued."""
        deadline = self.deadlines.get(call)
        if deadline is not None and deadline[0] <= now:
            self.expire(call, deadline[1])
        elif life.stopped:
            ended = "was ended with private/logout" if life.state is State.LOGGED_OUT else f"is {life.public}"
            error = life.error if isinstance(life.error, DeribitError) else None
            self.deadlines.pop(call, None)
            settle(call.token, None, error or APIConnectionError(f"{call.method}: the session {ended}"))
        elif refused is not None and not call.bypass:
            self.deadlines.pop(call, None)
            settle(call.token, None, refused)
        else:
            op = call.op
            if op is not None and op.connection_state and call.sent_at is None:
                # its place among the calls that change state is when it is asked for, and what it
                # takes away (an unsubscribe, say) is gone from what the next connection restores
                # from then on, whether or not it goes out in time
                call.sent_at = self.session.sent(op.connection_state, call.method, call.params)
            frame = self.admit(call, life.takes(call.bypass, connected=connected))
            if frame is not None:
                self.outgoing.append((frame, call))

    def withdraw(self, call: Call, error: DeribitError | None, orders: Orders) -> bool:
        """``call`` taken back: True when it never went out. Else, with ``error`` (writing its
        frame failed: it may have left), its caller gets ``error``, or for an order call
        OrderOutcomeUnknownError (``orders`` counts it in flight)."""
        unsent = call.rpc_id is None or self.take_back(call)
        self.forget(call)
        self.deadlines.pop(call, None)
        if error is not None and not unsent and waiting(call.token):
            if changes_orders(call.method, call.op):
                orders.in_flight(call.method, call.params)
            settle(call.token, None, after_sending(call, error, self.cancel_on_disconnect))
        return unsent

    def expire(self, call: Call, bound: float) -> None:
        """``call``'s timeout passed: taken back (it never goes out if it has not) and failed
        (an order call whose frame was collected: its outcome unknown)."""
        self.deadlines.pop(call, None)
        went = call.rpc_id is not None and not (self.outgoing and self.take_back(call))
        self.forget(call)
        error = timed_out(call, bound)
        # (the connection stays: cancel-on-disconnect cancels nothing)
        settle(call.token, None, after_sending(call, error, False) if went else error)

    @property
    def cancel_on_disconnect(self) -> bool:
        """Connection-scope cancel-on-disconnect is on, as this session set it."""
        return "cancel_on_disconnect" in self.session.state

    def expire_due(self, now: float) -> None:
        """Every call whose deadline is ``now`` or before, expired."""
        if not self.deadlines:
            return
        for call, (deadline, bound) in list(self.deadlines.items()):
            if deadline <= now:
                self.expire(call, bound)

    def collect(self, life: Lifecycle) -> list[tuple[str, Call | None]]:
        """The frames to send now, in order: from here on each counts as handed to the socket
        (:meth:`written`; a private/logout is answered by going out)."""
        frames, self.outgoing, kept = self.outgoing, [], []
        for frame, call in frames:
            if call is not None:
                if not waiting(call.token):  # its caller gave up since it was made: it never goes
                    self.forget(call)  # (a caller in another thread that saw no request id says so)
                    continue
                if self.written(call, life):
                    self.deadlines.pop(call, None)
                    settle(call.token, dict(LOGGED_OUT), None)
            kept.append((frame, call))
        return kept

    def take_back(self, call: Call) -> bool:
        """Whether ``call``'s frame was still waiting for collection (it is taken out: it never goes)."""
        kept = [(frame, queued) for frame, queued in self.outgoing if queued is not call]
        found = len(kept) != len(self.outgoing)
        self.outgoing = kept
        return found

    def admit(self, call: Call, open_for: bool) -> str | None:
        """The frame to write now for ``call``, when its caller still waits and the session is
        open for it (``open_for``); else None: it waits in the queue, or goes nowhere (its caller
        gave up; a ``bypass`` call with no session to go out on fails)."""
        if not waiting(call.token):
            return None
        if not open_for:
            if call.bypass:
                settle(call.token, None, APIConnectionError(f"{call.method}: the connection closed"))
            else:
                self.queued.append(call)
            return None
        call.rpc_id, frame = self.session.request_encoded(call.tail, call)
        return frame

    def unsent(self, call: Call) -> None:
        """The socket would not take ``call``'s frame (it was closing): it never left, and waits
        for the next connection ahead of the calls queued after it."""
        if call.rpc_id is not None:
            self.session.forget(call.rpc_id)
            call.rpc_id = None
        if call.bypass:
            settle(call.token, None, APIConnectionError(f"{call.method}: the connection closed"))
        else:
            self.queued.appendleft(call)

    def written(self, call: Call, life: Lifecycle) -> bool:
        """``call``'s frame was handed to the socket: what it takes away is forgotten now
        (:meth:`.session.RpcSession.sent`), and ``private/logout`` (the spec's
        ``x-websocket-no-answer``) ends the session, restoring nothing. True: the call is answered
        by being written (with :data:`LOGGED_OUT`; the server's close is its only answer)."""
        op = call.op
        if op is None:
            return False
        if op.connection_state and call.sent_at is None:
            call.sent_at = self.session.sent(op.connection_state, call.method, call.params)
        if not op.websocket_no_answer:
            return False
        self.forget(call)
        life.logged_out()
        self.session.logged_out()
        return True

    def answered(self, rpc_id: int) -> Call | None:
        """The call ``rpc_id`` answers, no longer pending."""
        found = self.session.answered(rpc_id)
        return found if isinstance(found, Call) else None

    def forget(self, call: Call) -> None:
        """Its caller gave up: no answer is waited for, and it never goes out if it has not."""
        if self.outgoing:
            self.take_back(call)
        if call.rpc_id is not None:
            self.session.forget(call.rpc_id)
        try:
            self.queued.remove(call)
        except ValueError:
            pass

    def release(self) -> list[Call]:
        """The session is ready: the queued calls whose callers still wait, in order (each to
        be admitted again)."""
        calls = [call for call in self.queued if waiting(call.token)]
        self.queued.clear()
        return calls

    def lost(self, error: DeribitError, orders: Orders | None = None) -> int:
        """The connection is gone: every written call fails with ``error`` (it may have run; an
        order call's outcome is unknown, and ``orders`` counts it); queued calls, and those whose
        frames were never collected, wait for the next connection. Returns how many failed."""
        uncollected, self.outgoing = self.outgoing, []
        for _, call in reversed(uncollected):  # (each goes back to the front: reversed keeps their order)
            if call is not None:
                self.unsent(call)
        failed = self.session.abandon_all()
        cod = self.cancel_on_disconnect
        for item in failed:
            if isinstance(item, Call):
                if orders is not None and changes_orders(item.method, item.op) and waiting(item.token):
                    orders.in_flight(item.method, item.params)
                settle(item.token, None, after_sending(item, error, cod))
            else:
                settle(item, None, error)
        return len(failed)

    def stop(self, error: DeribitError) -> None:
        """The session is over (closed, failed): every call, written or queued, fails."""
        self.deadlines.clear()
        self.lost(error)
        while self.queued:
            settle(self.queued.popleft().token, None, error)


def waiting(token: Any) -> bool:
    """Whether the caller behind ``token`` still waits for its answer."""
    if isinstance(token, Token):
        return not (token.settled or token.abandoned)
    if isinstance(token, asyncio.Future):
        return not token.done()
    return False


def settle(token: Any, message: dict[str, Any] | None, error: BaseException | None) -> None:
    """Hands an answer (or an error) to the caller waiting on ``token``, in its own thread or loop."""
    if isinstance(token, Token):
        token.settle(message, error)
    elif isinstance(token, asyncio.Future):
        loop = token.get_loop()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            settle_future(token, message, error)
        else:
            try:
                loop.call_soon_threadsafe(settle_future, token, message, error)
            except RuntimeError:  # that loop has closed: nobody waits
                pass


def settle_future(token: asyncio.Future[Any], message: dict[str, Any] | None, error: BaseException | None) -> None:
    if not token.done():
        if error is not None:
            token.set_exception(error)
        else:
            token.set_result(message)


class Expired(Exception):
    """A fast-path async call's timer ran out (turned into APITimeoutError by the caller)."""


def expire(token: asyncio.Future[Any]) -> None:
    if not token.done():
        token.set_exception(Expired())


def timed_out(call: Call, bound: float | None) -> APITimeoutError:
    """The error of a call whose timeout ran out: before it went out, or without an answer."""
    if call.rpc_id is None:
        return APITimeoutError(f"{call.method}: the session was not ready when the call's timeout ran out")
    return APITimeoutError(
        f"{call.method} (id {call.rpc_id}) got no answer within {round(bound, 3) if bound is not None else bound} s"
    )


def after_sending(call: Call, error: DeribitError, cancel_on_disconnect: bool) -> DeribitError:
    """The error of ``call`` when its frame may have reached the exchange and its answer never
    came (``error`` says why): ``error`` itself, or for an order call OrderOutcomeUnknownError."""
    if not changes_orders(call.method, call.op):
        return error
    return outcome_unknown(call.method, call.params, error, cancel_on_disconnect)
