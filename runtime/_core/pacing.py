"""The rate limiter on the keeper's side of a session: a call's credits are given back when it
is not written (a queued one is charged again, in order, when the session is ready, and goes
when its credits are there), the session's own calls wait for theirs, a 10028 answer empties
the pool, and the heartbeat reserve follows the session's heartbeat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .calls import Call, settle
from .errors import DeribitError
from .limits import Limiter
from .operations import Operation
from .session import RpcSession

__all__ = ["Pacer"]


class Pacer:
    """One session's credits (moved by the keeper's loop only)."""

    def __init__(self, limiter: Limiter, owner: object) -> None:
        self.limiter = limiter
        self.owner = owner
        #: Calls released after a reconnect that wait for their credits -> their timer.
        self.paced: dict[Call, asyncio.TimerHandle] = {}

    def unsent(self, call: Call) -> None:
        """``call`` was not written (queued, refused, given up): its credits come back."""
        timer = self.paced.pop(call, None)
        if timer is not None:
            timer.cancel()
        if call.charged:
            call.charged = False
            self.limiter.refund(call.method, call.op)

    def pace(self, call: Call, submit: Callable[[Call], None]) -> None:
        """A call released after waiting for the session: charged again, and submitted when its
        credits are there (calls released together go one after another, as the pool refills)."""
        wait = self.limiter.admit(call.method, call.op, None)
        call.charged = True
        if wait > 0:
            self.paced[call] = asyncio.get_running_loop().call_later(wait, self._due, call, submit)
        else:
            submit(call)

    def _due(self, call: Call, submit: Callable[[Call], None]) -> None:
        del self.paced[call]
        submit(call)

    def fail_all(self, error: DeribitError) -> None:
        """The session is over: released calls still waiting for their credits fail too."""
        paced, self.paced = self.paced, {}
        for call, timer in paced.items():
            timer.cancel()
            call.charged = False
            self.limiter.refund(call.method, call.op)
            settle(call.token, None, error)

    async def own_call(self, call: Call, bound: float | None) -> float | None:
        """The session's own call waits for its credits (RateLimitError, unsent, when that would
        take too long: setting the connection up fails and is tried again later); returns what
        is left of ``bound``."""
        wait = self.limiter.admit(call.method, call.op, bound)
        call.charged = True
        if wait > 0:
            try:
                await asyncio.sleep(wait)
            except BaseException:
                self.unsent(call)
                raise
            bound = None if bound is None else max(bound - wait, 0.001)
        return bound

    def answered(self, method: str, op: Operation | None, envelope: dict[str, Any]) -> None:
        error = envelope.get("error")
        if isinstance(error, dict) and error.get("code") == 10028:  # the exchange's pool is empty
            self.limiter.exhausted(method, op)

    def follow_heartbeat(self, session: RpcSession, stopped: bool) -> None:
        """The reserve for heartbeat answers follows this session's heartbeat (none once it stops)."""
        heartbeat = None if stopped else session.state.get("heartbeat")
        interval = heartbeat[2].get("interval") if heartbeat is not None else None
        self.limiter.hold_for_heartbeats(self.owner, interval if isinstance(interval, (int, float)) else None)
