"""The rate limiter on the keeper's side of a session: a call's credits are given back when it
is not written (a queued one is charged again, in order, when the session is ready, and goes
when its credits are there), a 10028 answer empties the pool, and the heartbeat reserve
follows the session's heartbeat. The session's own calls (setup, refresh) take their credits
ahead of every caller's (``Limiter.take_first``, when the engine asks); test_request answers
never wait: they are charged as they are written (:mod:`.supervisor`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ..engine.calls import Call, settle
from ..errors import DeribitError
from ..limits.limiter import Limiter
from ..spec.operations import Operation

__all__ = ["Pacer"]


class Pacer:
    """One session's credits (moved by the keeper's loop only)."""

    def __init__(self, limiter: Limiter, owner: object) -> None:
        self.limiter = limiter
        self.owner = owner
        #: Calls released after a reconnect that wait for their credits -> their timer.
        self.paced: dict[Call, asyncio.TimerHandle] = {}

    def unsent(self, call: Call) -> None:
        """``call`` was not written (queued, refused, given up): its credits come back (its
        admission, if it was waiting for them; the credits themselves, if it had taken them)."""
        timer = self.paced.pop(call, None)
        if timer is not None:
            timer.cancel()
            self.limiter.refund(call.method, call.op)
        elif call.charged:
            self.limiter.give_back(call.method, call.op)
        call.charged = False

    def written(self, call: Call) -> None:
        """``call`` went out: the credits it took are spent."""
        call.charged = False

    def pace(self, call: Call, submit: Callable[[Call], None]) -> None:
        """A call released after waiting for the session: admitted again, and submitted when
        the pool holds its credits (calls released together go as the pool refills)."""
        self._due(call, submit, self.limiter.admit(call.method, call.op, None))

    def _due(self, call: Call, submit: Callable[[Call], None], wait: float = 0.0) -> None:
        self.paced.pop(call, None)
        if wait <= 0:
            wait = self.limiter.take(call.method, call.op)
            if wait <= 0:
                call.charged = True
                submit(call)
                return
        self.paced[call] = asyncio.get_running_loop().call_later(wait, self._due, call, submit)

    def fail_all(self, error: DeribitError) -> None:
        """The session is over: released calls still waiting for their credits fail too."""
        paced, self.paced = self.paced, {}
        for call, timer in paced.items():
            timer.cancel()
            self.limiter.refund(call.method, call.op)
            settle(call.token, None, error)

    def answered(self, method: str, op: Operation | None, envelope: dict[str, Any]) -> None:
        error = envelope.get("error")
        if isinstance(error, dict) and error.get("code") == 10028:  # the exchange's pool is empty
            self.limiter.exhausted(method, op)

    def follow_heartbeat(self, heartbeat: dict[str, Any] | None) -> None:
        """The reserve for heartbeat answers follows this session's heartbeat (``set_heartbeat``'s
        params; None: none, or the session stopped)."""
        interval = heartbeat.get("interval") if heartbeat is not None else None
        usable = isinstance(interval, (int, float)) and not isinstance(interval, bool)
        self.limiter.hold_for_heartbeats(self.owner, interval if usable else None)
