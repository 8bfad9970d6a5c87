"""The exchange's rate limits, kept on the client's side so that no request of ours ever finds
the account's credits empty (the exchange answers 10028 and ends the session: with
cancel-on-disconnect on, every order goes). How a pool admits a call: :mod:`.credits`.

Pools are shared by every client of the same account in the process (their requests draw on
the same credits at the exchange), keyed by client id (or a digest of the access token), and
each is locked: a :class:`Limiter` is a client's way to them (thread-safe).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref

from ..errors import RateLimitError
from ..spec.operations import (
    MATCHING_ENGINE,
    MATCHING_ENGINE_METHODS,
    NON_MATCHING_ENGINE,
    Operation,
    matching_engine,
)
from .credits import CreditPool, RateLimit, usable

logger = logging.getLogger("deribit_session_client")

__all__ = [
    "MATCHING_ENGINE",
    "MATCHING_ENGINE_METHODS",
    "NON_MATCHING_ENGINE",
    "CreditPool",
    "Limiter",
    "RateLimit",
    "account_key",
]


#: A per-process key for the digest of an access token used as an account's name (the digest
#: cannot be checked against guessed tokens outside this process).
_TOKEN_KEY = os.urandom(16)  # (what secrets.token_bytes does)


def account_key(client_id: str | None, token: str | None) -> str | None:
    """What identifies the account whose credits a client spends (None: no account known)."""
    if client_id:
        return f"id:{client_id}"
    if token:
        import hashlib
        import hmac  # (here: a client without a token does not import it)

        return "token:" + hmac.new(_TOKEN_KEY, token.encode(), hashlib.sha256).hexdigest()[:32]
    return None


class _Shared:
    """One account's pool and its lock; alive while a client of the account holds it."""

    __slots__ = ("__weakref__", "lock", "pool")

    def __init__(self, limit: RateLimit) -> None:
        self.pool = CreditPool(limit, time.monotonic())
        self.lock = threading.Lock()


_POOLS: weakref.WeakValueDictionary[tuple[str, str], _Shared] = weakref.WeakValueDictionary()
_POOLS_LOCK = threading.Lock()


def _shared(account: str, bucket: str, limit: RateLimit) -> _Shared:
    """The process's pool for ``account``'s ``bucket``; ValueError when it exists with other
    numbers (two pools for one account would together overdraw it)."""
    with _POOLS_LOCK:
        found = _POOLS.get((account, bucket))
        if found is None:
            found = _POOLS[(account, bucket)] = _Shared(limit)
        elif found.pool.limit != limit:
            raise ValueError(
                f"this process already limits the account's {bucket.replace('_', '-')} requests to"
                f" {found.pool.limit}; every client of one account must use the same rate limit (or None)"
            )
        return found


class Limiter:
    """A client's rate limits (thread-safe): its account's pools for the non-matching-engine
    and matching-engine methods; a bucket set to None is not limited by the client."""

    def __init__(self, non_matching: RateLimit | None, matching: RateLimit | None, account: str | None) -> None:
        self.limits = {NON_MATCHING_ENGINE: non_matching, MATCHING_ENGINE: matching}
        self.account = account
        self._lock = threading.Lock()
        self._pools: dict[str, _Shared] = {}
        #: The pools once held (weakly): a call admitted before a release still settles its credits.
        self._weak: dict[str, weakref.ref[_Shared]] = {}
        self._released = False
        self.acquire()  # now: a limit that conflicts with a live client's is refused when this one is made

    def acquire(self) -> None:
        """Takes hold of the account's pools (a client that opens again takes them again)."""
        with self._lock:
            self._released = False
            for bucket, limit in self.limits.items():
                if limit is not None and bucket not in self._pools:
                    account = self.account
                    shared = _shared(account, bucket, limit) if account is not None else _Shared(limit)
                    self._pools[bucket] = shared
                    self._weak[bucket] = weakref.ref(shared)

    def release(self) -> None:
        """Lets go of the pools (a closed client): once no client holds an account's pool, it
        goes, and a client with other numbers may be made."""
        with self._lock:
            if self.account is not None:
                self._pools = {}
                self._released = True

    @staticmethod
    def bucket(method: str, op: Operation | None) -> str:
        return MATCHING_ENGINE if matching_engine(method, op) else NON_MATCHING_ENGINE

    def admit(self, method: str, op: Operation | None, patience: float | None) -> float:
        """Charges a call and returns how long to wait before sending it; RateLimitError
        (nothing sent, nothing charged) when that wait would leave the call too little of
        ``patience`` for its answer (a tenth of a second, or half of a shorter timeout)."""
        shared = self._held(method, op)
        if shared is None:
            return 0.0
        with shared.lock:
            wait = shared.pool.admit(time.monotonic(), usable(patience))
        if wait is None:
            raise self.refused(method, op, patience)
        return wait

    def take_now(self, method: str, op: Operation | None) -> bool:
        """True when a call may go at once (its credits spent; nobody admitted waits before it),
        else False and nothing changed: then :meth:`admit` and wait."""
        shared = self._held(method, op)
        if shared is None:
            return True
        with shared.lock:
            return shared.pool.take_now(time.monotonic())

    def _held(self, method: str, op: Operation | None) -> _Shared | None:
        """The pool a call draws on (None: not limited), taken again by a closed client used again."""
        if self._released:
            self.acquire()
        return self._pools.get(self.bucket(method, op))

    def _find(self, bucket: str) -> _Shared | None:
        shared = self._pools.get(bucket)
        if shared is None:
            ref = self._weak.get(bucket)
            shared = ref() if ref is not None else None
        return shared

    def refund(self, method: str, op: Operation | None) -> None:
        shared = self._find(self.bucket(method, op))
        if shared is not None:
            with shared.lock:
                shared.pool.refund(time.monotonic())

    def take(self, method: str, op: Operation | None = None) -> float:
        """0 when an admitted call may go now (its credits are spent), else how much longer
        it must wait (see :meth:`.credits.CreditPool.take`)."""
        shared = self._find(self.bucket(method, op))
        if shared is None:
            return 0.0
        with shared.lock:
            return shared.pool.take(time.monotonic())

    def give_back(self, method: str, op: Operation | None = None) -> None:
        """A call whose credits were taken was not sent after all."""
        shared = self._find(self.bucket(method, op))
        if shared is not None:
            with shared.lock:
                shared.pool.give_back(time.monotonic())

    def refused(self, method: str, op: Operation | None, patience: float | None) -> RateLimitError:
        """The error for a call whose credits would come too late (nothing was sent)."""
        bucket = self.bucket(method, op)
        shared = self._find(bucket)
        needed = 0.0
        if shared is not None:
            with shared.lock:
                needed = shared.pool.wait_for_one(time.monotonic())
        return RateLimitError(
            f"{method}: not sent: the {bucket.replace('_', '-')} rate limit has no credits for it for"
            f" {needed:.2f} s, more than its timeout ({patience or 0:.2f} s) leaves",
            method=method,
            retry_after=needed,
        )

    def take_first(self, method: str, op: Operation | None = None) -> float:
        """0 when the session's own call may go now, ahead of every caller's (its credits are
        spent), else how long until it may (see :meth:`.credits.CreditPool.take_first`)."""
        shared = self._find(self.bucket(method, op))
        if shared is None:
            return 0.0
        with shared.lock:
            return shared.pool.take_first(time.monotonic())

    def charge(self, method: str, op: Operation | None = None) -> None:
        shared = self._find(self.bucket(method, op))
        if shared is not None:
            with shared.lock:
                shared.pool.charge(time.monotonic())

    def exhausted(self, method: str, op: Operation | None = None) -> None:
        """The exchange answered 10028: its pool is empty whatever this one thought."""
        shared = self._find(self.bucket(method, op))
        if shared is not None:
            with shared.lock:
                shared.pool.empty(time.monotonic())

    def hold_for_heartbeats(self, owner: object, interval: float | None) -> None:
        """``owner``'s connection answers heartbeats every ``interval`` seconds (None: no longer):
        the non-matching-engine pool keeps a reserve for its answers."""
        shared = self._pools.get(NON_MATCHING_ENGINE)
        if shared is None:
            return
        with shared.lock:
            shared.pool.hold_for_heartbeats(owner, interval)
            limit, reserve = shared.pool.limit, shared.pool.reserve()
        if interval is not None and limit.credits < limit.cost + reserve:
            logger.warning(
                "The rate limit %s cannot keep the %d credits its heartbeating connections need in"
                " reserve and still send a call: a heartbeat answer may find the pool empty",
                limit,
                reserve,
            )
