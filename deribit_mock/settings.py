"""The mock's settings and its test controls' state: shared by the HTTP and WebSocket faces."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LOG_LIMIT", "Controls", "Settings", "envelope", "positive"]

DEFAULT_CLIENT_ID = "mock-client-id"
DEFAULT_CLIENT_SECRET = "mock-client-secret"
DEFAULT_ACCESS_TOKEN = "mock-access-token"

#: The request log keeps the newest this many entries.
LOG_LIMIT = 1000


@dataclass(frozen=True)
class Settings:
    """The mock's credentials and mode; ``from_env`` reads ``DERIBIT_MOCK_*``."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    access_token: str = DEFAULT_ACCESS_TOKEN
    realistic: bool = False
    testnet: bool = True
    #: Access-token lifetime in seconds (scaled by time_scale).
    token_ttl: float = 900.0
    #: Multiplies every mock duration: heartbeats, deadlines, token lifetimes, the idle timeout.
    time_scale: float = 1.0
    #: The exchange allows 32 WebSocket connections per address; off by default (loopback tests need more).
    max_connections_per_ip: int | None = None

    @classmethod
    def from_env(cls, realistic: bool | None = None) -> Settings:
        env = os.environ
        limit = env.get("DERIBIT_MOCK_MAX_CONNECTIONS_PER_IP")
        return cls(
            client_id=env.get("DERIBIT_MOCK_CLIENT_ID", DEFAULT_CLIENT_ID),
            client_secret=env.get("DERIBIT_MOCK_CLIENT_SECRET", DEFAULT_CLIENT_SECRET),
            access_token=env.get("DERIBIT_MOCK_ACCESS_TOKEN", DEFAULT_ACCESS_TOKEN),
            realistic=realistic if realistic is not None else env.get("DERIBIT_MOCK_REALISTIC", "") in ("1", "true"),
            token_ttl=float(env.get("DERIBIT_MOCK_TOKEN_TTL", "900")),
            time_scale=positive(env.get("DERIBIT_MOCK_TIME_SCALE", "1.0"), "DERIBIT_MOCK_TIME_SCALE"),
            max_connections_per_ip=int(limit) if limit else None,
        )

    def __repr__(self) -> str:
        return f"Settings(client_id={self.client_id!r}, realistic={self.realistic!r})"


@dataclass
class Controls:
    """Test controls: the request log, queued faults and the rate limit."""

    realistic: bool = False
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_LIMIT))
    faults: deque[dict[str, Any]] = field(default_factory=deque)
    rate_limit: dict[str, Any] | None = None
    hits: deque[float] = field(default_factory=deque)
    #: The exchange's credit model (``POST /_mock/rate_limit {"credits", "refill_per_s",
    #: "cost"}``): one pool for the mock's one account, every request on either transport
    #: charged (``public/test`` answers to heartbeats included), in real seconds (the time
    #: scale does not apply); the matching-engine methods are not charged.
    credits: CreditModel | None = None
    #: Requests refused for want of credits since the model was set.
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Counts resets: a request delayed by a fault across a reset is not carried out after it
    #: (it would change the state of whatever test runs next).
    epoch: int = 0

    def take_fault(self, method: str, headers: Mapping[str, str] | None = None) -> dict[str, Any] | None:
        """The first queued fault for ``method`` whose ``match_headers`` (if any) the request carries."""
        headers = headers or {}
        with self.lock:
            for fault in self.faults:
                wanted = fault.get("match_headers") or {}
                if fault.get("method") in (None, method) and all(headers.get(k) == v for k, v in wanted.items()):
                    self.faults.remove(fault)
                    return fault
        return None

    def rate_limited(self, method: str = "") -> dict[str, Any] | None:
        """Charges one request of ``method``; what refuses it (10028), or None."""
        with self.lock:
            if self.credits is not None and not self.credits.take(method):
                self.refused += 1
                return {"status": 429}
            if self.rate_limit is None:
                return None
            now = time.monotonic()
            window = float(self.rate_limit.get("window", 1.0))
            while self.hits and now - self.hits[0] >= window:
                self.hits.popleft()
            if len(self.hits) >= int(self.rate_limit["limit"]):
                return self.rate_limit
            self.hits.append(now)
            return None


#: The matching-engine methods (their own tiered limit at the exchange; not charged here).
MATCHING_ENGINE_METHODS = frozenset(
    {
        "private/buy",
        "private/sell",
        "private/edit",
        "private/edit_by_label",
        "private/cancel",
        "private/cancel_all",
        "private/cancel_all_by_instrument",
        "private/cancel_all_by_currency",
        "private/cancel_all_by_kind_or_type",
        "private/cancel_by_label",
        "private/cancel_quotes",
        "private/close_position",
        "private/mass_quote",
        "private/verify_block_trade",
        "private/execute_block_trade",
    }
)


@dataclass
class CreditModel:
    """A credit pool as the exchange documents it: at most ``credits``, refilled at
    ``refill_per_s``, ``cost`` per request; a request that finds less than its cost is refused
    (and not charged)."""

    credits: float
    refill_per_s: float
    cost: float
    balance: float = 0.0
    at: float = 0.0

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> CreditModel:
        values = {}
        for name in ("credits", "refill_per_s", "cost"):
            value = body.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1e12:
                raise ValueError(f"{name} must be a positive number, not {str(value)[:40]!r}")
            values[name] = float(value)
        if values["cost"] > values["credits"]:
            raise ValueError("cost must not exceed credits")
        return cls(**values, balance=values["credits"], at=time.monotonic())

    def take(self, method: str) -> bool:
        if method in MATCHING_ENGINE_METHODS:
            return True
        now = time.monotonic()
        self.balance = min(self.credits, self.balance + (now - self.at) * self.refill_per_s)
        self.at = now
        if self.balance < self.cost:
            return False
        self.balance -= self.cost
        return True


#: The largest time scale the mock takes: a day becomes a thousand days (larger ones overflow timers).
MAX_SCALE = 1000.0


def positive(text: str, name: str) -> float:
    value = float(text)
    if not 0 < value <= MAX_SCALE:
        raise ValueError(f"{name} must be a positive number up to {MAX_SCALE:g}, not {text[:40]!r}")
    return value


def envelope(us_in: int, testnet: bool, ident: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A JSON-RPC answer as the exchange sends it, over either transport: ``id`` (when the
    request had one), ``result`` or ``error``, and ``testnet``, ``usIn``, ``usOut``, ``usDiff``."""
    us_out = time.time_ns() // 1000
    return {
        "jsonrpc": "2.0",
        **(ident or {}),
        **fields,
        "testnet": testnet,
        "usIn": us_in,
        "usOut": us_out,
        "usDiff": us_out - us_in,
    }
