"""``deribit-session watch``: what a held session does, as it happens, from the client's public
``stats``, ``last_disconnect`` and callbacks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from deribit_session_client import WebSocketClient
from deribit_session_client.errors import DeribitError

__all__ = ["Watcher"]

#: How often the client's counters are read.
POLL_S = 0.05


class Watcher:
    """Prints each heartbeat answered, each reconnect and error, then a summary."""

    def __init__(self, say: Callable[..., None], restored: dict[str, Any]) -> None:
        self.say = say
        #: What each reconnect puts back (the command's own settings).
        self.restored = restored
        self.started = time.monotonic()
        self.latencies: list[float] = []
        self.reconnects = 0
        self._lock = threading.Lock()  # (callbacks come from the client's threads)
        self._client: WebSocketClient | None = None
        #: What stopped the session by itself (the key refused on a reconnect), from on_error.
        self.failure: DeribitError | None = None
        #: The session stopped by itself (failed), not by Ctrl-C.
        self.stopped = False

    def watch(self, client: WebSocketClient, stop: threading.Event) -> None:
        """Until ``stop`` is set (Ctrl-C), or the session stops by itself (state failed)."""
        self._client = client
        stats = client.stats
        self.say(
            {"event": "ready", "url": client.url, "state": stats["state"]},
            f"connected to {client.url}: {stats['state']} (Ctrl-C to stop)",
        )
        answered = stats["test_requests_answered"]
        while not stop.wait(POLL_S):
            stats = client.stats
            if stats["state"] == "failed":
                self.stopped = True
                return
            if stats["test_requests_answered"] > answered:
                count = stats["test_requests_answered"] - answered
                answered = stats["test_requests_answered"]
                latency = stats["last_test_request_answer_ms"]
                with self._lock:
                    self.latencies.append(latency)
                self.say(
                    {"event": "test_request", "answered": count, "latency_ms": latency},
                    f"test_request answered in {latency} ms" + (f" ({count} since the last line)" if count > 1 else ""),
                    "green",
                )

    def reconnected(self, client: WebSocketClient) -> None:
        last = client.last_disconnect if client is not None else None
        with self._lock:
            self.reconnects += 1
        cause = (last or {}).get("cause")
        restored = ", ".join(f"{k} {v}" for k, v in self.restored.items())
        self.say(
            {"event": "reconnected", "cause": cause, "down_s": (last or {}).get("down_s"), "restored": self.restored},
            f"reconnected after: {cause}; restored: {restored}",
            "yellow",
        )

    def error(self, error: BaseException) -> None:
        if isinstance(error, DeribitError):
            self.failure = error
        self.say({"event": "error", "error": type(error).__name__, "message": str(error)}, f"error: {error}", "red")

    def summary(self, client: WebSocketClient) -> None:
        stats = client.stats
        with self._lock:
            latencies = sorted(self.latencies)
        worst = latencies[-1] if latencies else None
        fields = {
            "event": "summary",
            "seconds": round(time.monotonic() - self.started, 1),
            "test_requests_answered": stats["test_requests_answered"],
            "reconnects": stats["reconnects"],
            "worst_latency_ms": worst,
            "state": "failed" if self.stopped else stats["state"],
        }
        self.say(
            fields,
            f"{fields['seconds']} s: {fields['test_requests_answered']} test_requests answered "
            f"(worst {worst} ms), {fields['reconnects']} reconnects; connection closed",
        )
