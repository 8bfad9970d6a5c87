"""The credit pools on their own (sans-I/O): :class:`RateLimit`, the numbers of one pool, and
:class:`CreditPool`, its credits as the requests sent leave them; the caller passes the time.
:mod:`.limiter` shares them between the clients of an account and locks them.

Every request costs credits from a pool per sub-account that refills continuously; the
matching-engine methods (orders) have a pool of their own. A call that would overdraw waits
until the pool holds its cost *plus a reserve*, in the order calls arrived, or, when that wait
would outlast its timeout, raises :class:`~..errors.RateLimitError` without being sent. The
reserve is what the requests the client cannot delay will need before the pool refills: one
``public/test`` answer per heartbeating connection (due within an interval the exchange
chooses), and one request's cost as a margin for the network's jitter. Those requests (and
the session's own: authentication, restoring it) are charged when they go, never held.
"""

from __future__ import annotations

import math
from typing import Any

#: The shortest wait :meth:`CreditPool.take` asks for (a shorter one would not let the clock move).
MIN_WAIT = 0.0005
#: What a call admitted after waiting keeps of its timeout for its answer (at most half of it).
ANSWER_MARGIN = 0.1

__all__ = ["ANSWER_MARGIN", "MIN_WAIT", "CreditPool", "RateLimit", "usable"]


def _positive(value: Any, name: str, smallest: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"RateLimit {name} must be a number, not {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not (math.isfinite(number) and smallest <= number <= 1e15):
        raise ValueError(f"RateLimit {name} must be a finite number from {smallest:g} to 1e15, not {value!r}")
    return number


class RateLimit:
    """One credit pool: it holds at most ``credits``, refills ``refill_per_s`` a second, and each
    request costs ``cost``. The default is the exchange's documented non-matching-engine limit:
    50,000 credits, 10,000 a second, 500 a request (a burst of 100, then 20 a second).
    Immutable, compared and hashed by its numbers."""

    __slots__ = ("cost", "credits", "refill_per_s")

    credits: float
    refill_per_s: float
    cost: float

    def __init__(self, credits: float = 50_000, refill_per_s: float = 10_000, cost: float = 500) -> None:
        values = (
            _positive(credits, "credits", 1e-6),
            _positive(refill_per_s, "refill_per_s", 1e-6),
            _positive(cost, "cost", 1e-6),
        )
        if values[2] > values[0]:
            raise ValueError("RateLimit cost must not exceed credits: no request could ever go")
        for name, value in zip(("credits", "refill_per_s", "cost"), values, strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("RateLimit is immutable")

    def _key(self) -> tuple[float, float, float]:
        return (self.credits, self.refill_per_s, self.cost)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RateLimit) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"RateLimit(credits={self.credits:g}, refill_per_s={self.refill_per_s:g}, cost={self.cost:g})"


class CreditPool:
    """One pool's credits (sans-I/O: the caller passes the time, in seconds of a monotonic clock).

    ``balance`` is the exchange's pool as the requests actually sent leave it (refilled and
    capped between them, as the exchange does); ``pending`` is what the admitted calls not yet
    sent will take. A call is admitted to go when the refill has paid for every pending call
    before it, itself and the reserve: so calls go in the order they came, and a call sent late
    (a paused process, a reconnect) is counted when it goes, not when it was admitted."""

    def __init__(self, limit: RateLimit, now: float) -> None:
        self.limit = limit
        self.balance = limit.credits
        self.pending = 0.0
        self.at = now
        #: Who holds a reserve for heartbeat answers -> their heartbeat interval.
        self.heartbeats: dict[object, float] = {}
        self._set_reserve(limit.cost)

    def _set_reserve(self, reserve: float) -> None:
        self._reserve = reserve
        #: What the pool must hold for a user call to go: its cost and the reserve (capped: a small pool lets one go).
        self._need = self.limit.cost + min(reserve, self.limit.credits - self.limit.cost)

    def _refill(self, now: float) -> None:
        if now > self.at:
            self.balance = min(self.limit.credits, self.balance + (now - self.at) * self.limit.refill_per_s)
            self.at = now

    def hold_for_heartbeats(self, owner: object, interval: float | None) -> None:
        """``owner``'s connection answers a test_request every ``interval`` seconds (None: no
        longer)."""
        if interval is None or interval <= 0:
            self.heartbeats.pop(owner, None)
        else:
            self.heartbeats[owner] = interval
        cost = self.limit.cost
        refill_time = cost / self.limit.refill_per_s
        answers = sum(math.ceil(refill_time / every) for every in self.heartbeats.values())
        self._set_reserve(cost * (1 + answers))

    def reserve(self) -> float:
        """The credits user calls leave untouched: a request's cost as a margin, and for each
        heartbeating connection the ``public/test`` answers that can fall due while one cost
        refills (one, as long as an interval is longer than that)."""
        return self._reserve

    def wait_for_one(self, now: float) -> float:
        """How long until a call admitted now could go."""
        self._refill(now)
        return max(self.pending + self._need - self.balance, 0.0) / self.limit.refill_per_s

    def admit(self, now: float, patience: float | None) -> float | None:
        """Admits one request and returns how long it should wait before it goes (0: now); or
        None, admitting nothing, when that wait would be longer than ``patience`` seconds.
        When the wait is over the caller :meth:`take` s the credits (or :meth:`refund` s)."""
        wait = self.wait_for_one(now)
        if patience is not None and wait > patience:
            return None
        self.pending += self.limit.cost
        return wait

    def take(self, now: float) -> float:
        """An admitted request whose wait is over goes now if the pool, as the requests sent so
        far leave it, holds its cost and the reserve: then 0, and its credits are spent.
        Otherwise how much longer it must wait (calls that waited past their turn, after a
        paused process, go as the pool allows, not all at once)."""
        self._refill(now)
        limit = self.limit
        if self.balance < self._need:
            return max((self._need - self.balance) / limit.refill_per_s, MIN_WAIT)
        self.balance -= limit.cost
        self.pending = max(self.pending - limit.cost, 0.0)
        return 0.0

    def take_now(self, now: float) -> bool:
        """A request that nobody waits before and that the pool can pay now, with the reserve
        left: True, its credits are spent (the common case, in one step); else False, nothing
        changed (the caller is admitted and waits its turn)."""
        self._refill(now)
        if self.pending > 0 or self.balance < self._need:
            return False
        self.balance -= self.limit.cost
        return True

    def take_first(self, now: float) -> float:
        """A request that goes ahead of every admitted one (the session's own: authentication,
        restoring its state): 0 when the pool holds its cost and the heartbeat answers' share
        of the reserve (its credits are then spent), else how long until it does."""
        self._refill(now)
        limit = self.limit
        need = min(max(self._reserve, limit.cost), limit.credits)
        if self.balance < need:
            return max((need - self.balance) / limit.refill_per_s, MIN_WAIT)
        self.balance -= limit.cost
        return 0.0

    def charge(self, now: float) -> None:
        """A request that goes now whatever the balance (a heartbeat answer)."""
        self._refill(now)
        self.balance -= self.limit.cost

    def refund(self, now: float) -> None:
        """An admitted request that will never be sent (its credits were not taken)."""
        self.pending = max(self.pending - self.limit.cost, 0.0)

    def give_back(self, now: float) -> None:
        """A request whose credits were taken was not sent after all."""
        self._refill(now)
        self.balance = min(self.balance + self.limit.cost, self.limit.credits)

    def empty(self, now: float) -> None:
        """The exchange says the pool is empty: no more credits than that are counted on."""
        self._refill(now)
        self.balance = min(self.balance, 0.0)


def usable(bound: float | None) -> float | None:
    """How much of a call's ``bound`` may go to waiting for credits: all but what its answer
    needs (a tenth of a second, or half of a shorter bound)."""
    return None if bound is None else max(bound - min(ANSWER_MARGIN, bound / 2), 0.0)
