"""What a WebSocketClient runs with: its options checked when it is made (a clear ValueError or
TypeError before anything connects), and the frozen :class:`Settings` each life (each
``open()``) takes from them."""

from __future__ import annotations

import ssl as ssl_module
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Literal

from ..engine.session import DEFAULT_TIMEOUT
from ..engine.setup import check_session, finite_at_least
from ..limits.limiter import Limiter, RateLimit
from .reconnect import Reconnect

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_PING_INTERVAL",
    "DEFAULT_PING_TIMEOUT",
    "Settings",
    "check_options",
]

DEFAULT_CONNECT_TIMEOUT = 5.0
#: Keepalive: a ping every this many seconds, and a pong expected within ping_timeout.
DEFAULT_PING_INTERVAL = 10.0
DEFAULT_PING_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Settings:
    """What one life of a session runs with, fixed when the client opens (secrets kept out of
    the repr)."""

    url: str
    client_id: str | None
    secret: str | None = field(repr=False)
    access_token: str | None = field(repr=False)
    auth_kind: str
    scope: str | None
    heartbeat_interval: float | None
    cancel_on_disconnect: str | None
    #: Each call's bound (None: no limit), as the client's ``timeout`` resolves.
    call_timeout: float | None
    connect_timeout: float
    ping_interval: float | None
    ping_timeout: float | None
    hung_after: float | None
    reconnect: Reconnect
    max_message_bytes: int
    min_refresh_interval: float
    lease: float | None
    ssl: ssl_module.SSLContext | None
    proxy: str | Literal[True] | None
    user_agent: str | None
    #: The account's credit pools (shared with the client's callers).
    limiter: Limiter
    #: The WebSocket library: "websockets" or "picows".
    transport: str = "websockets"

    def setup_bound(self) -> float:
        """How long setting a session up may take: connecting and authenticating (the connect
        timeout), then each call that restores the session."""
        return min(self.connect_timeout + 3 * (self.call_timeout or DEFAULT_TIMEOUT), threading.TIMEOUT_MAX / 2)


def check_options(
    *,
    url: str,
    client_id: str | None,
    client_secret: str | None,
    access_token: str | None,
    auth: str,
    cancel_on_disconnect: str | None,
    heartbeat_interval: float | None,
    timeout: float | None,
    hung_after: float | None,
    connect_timeout: float,
    ssl: ssl_module.SSLContext | None,
    proxy: str | Literal[True] | None,
    min_refresh_interval: float,
    lease: float | None,
    rate_limits: tuple[RateLimit | None, RateLimit | None],
    ping_interval: float | None,
    ping_timeout: float | None,
    max_message_bytes: int,
) -> None:
    """Raises ValueError or TypeError naming the first option a WebSocketClient cannot run with."""
    for limit in rate_limits:
        if limit is not None and not isinstance(limit, RateLimit):
            raise TypeError("rate_limit and matching_engine_rate_limit must be a RateLimit or None")
    if not isinstance(url, str) or not url.startswith(("ws://", "wss://")):
        raise ValueError(f"url must be a ws:// or wss:// URL, not {url!r}")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError as exc:
        raise ValueError(f"url {url!r} is not a valid URL: {exc}") from None
    if not parts.hostname:
        raise ValueError(f"url {url!r} names no host")
    for name, value in (("ping_interval", ping_interval), ("ping_timeout", ping_timeout)):
        if value is not None and not finite_at_least(value, 0.0, strictly=True):
            raise ValueError(f"{name} must be a positive, finite number of seconds or None")
    if isinstance(max_message_bytes, bool) or not isinstance(max_message_bytes, int) or max_message_bytes <= 0:
        raise ValueError("max_message_bytes must be a positive whole number of bytes")
    check_session(client_id, client_secret, auth, cancel_on_disconnect, heartbeat_interval, access_token)
    for name, value in (("timeout", timeout), ("hung_after", hung_after)):
        if value is not None and not value > 0:
            raise ValueError(f"{name} must be positive or None")
    if not finite_at_least(connect_timeout, 0.0, strictly=True):
        raise ValueError("connect_timeout must be a positive, finite number of seconds")
    if ssl is not None and not isinstance(ssl, ssl_module.SSLContext):
        raise TypeError(f"ssl must be an ssl.SSLContext or None, not {type(ssl).__name__}")
    if ssl is not None and not url.startswith("wss://"):
        raise ValueError("ssl= needs a wss:// URL")
    if proxy is not None and proxy is not True and not isinstance(proxy, str):
        raise TypeError("proxy must be a proxy URL, True (from the environment) or None")
    if isinstance(proxy, str):
        through = urllib.parse.urlsplit(proxy)
        if through.scheme not in ("http", "https", "socks4", "socks4a", "socks5", "socks5h") or not through.hostname:
            raise ValueError("proxy must be an http://, https:// or socks5:// URL with a host")
    if not finite_at_least(min_refresh_interval, 0.0, strictly=True):
        raise ValueError("min_refresh_interval must be a positive, finite number of seconds")
    if lease is not None and not finite_at_least(lease, 0.0, strictly=True):
        raise ValueError("lease must be a positive, finite number of seconds or None")
    if lease is not None and heartbeat_interval is None:
        raise ValueError("lease needs heartbeat_interval: without heartbeats the exchange never ends the session")
