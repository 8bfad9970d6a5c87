"""What every WebSocket transport gives the session, whichever library carries the frames
(:mod:`.on_websockets` on websockets, :mod:`.on_picows` on picows): the :class:`Link` the
keeper writes to and reads from, the bounds they share, and the DeribitError a failure to
connect becomes."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Protocol

from ..errors import APIConnectionError, APITimeoutError, DeribitError, RateLimitError
from ..retry import certificate_problem

__all__ = [
    "CLOSE_TIMEOUT",
    "WRITE_HIGH",
    "WRITE_LOW",
    "WRITE_STALL_LIMIT",
    "Keepalive",
    "Link",
    "NoFrameLogs",
    "OnMessage",
    "connect_failure",
]

#: How long a closing handshake may take before the TCP connection is aborted.
CLOSE_TIMEOUT = 1.0
#: The write buffer's bounds: above the high mark the connection stops reading (no pong or
#: test_request answer is made while none can go out) until it drains below the low one.
WRITE_HIGH = 1024 * 1024
WRITE_LOW = 256 * 1024
#: How long the server may leave what was written unread before the connection is taken for dead.
WRITE_STALL_LIMIT = 10.0
#: The libraries whose own exceptions a failed connect may raise (each one a connection failure).
LIBRARIES = ("websockets", "picows", "python_socks", "aiofastnet")


class Link(Protocol):
    """One open WebSocket connection, moved only by the keeper's loop.

    ``write(frame)`` sends a text frame now or says it cannot; every received message goes to
    the ``OnMessage`` callback it was opened with, as soon as it is parsed; ``ended`` resolves
    to how the connection ended (a sentence for logs) once the TCP connection is gone;
    ``close()`` and ``abort()`` end it. Keepalive: a ping every ``ping_interval`` seconds, and
    the connection failed (1011) when its pong is not back within ``ping_timeout``."""

    @property
    def ended(self) -> asyncio.Future[str]: ...

    def write(self, frame: str) -> bool:
        """Writes ``frame`` in this step if it can go out; False: not written, so safe to send
        elsewhere. Once written it may reach the exchange."""
        ...

    def abort(self, why: str | None = None) -> None:
        """Ends the TCP connection now (no closing handshake); ``why`` becomes how it ended."""
        ...

    async def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """The closing handshake (1000) within ``timeout``, else the TCP connection aborted."""
        ...


#: Called with the connection and each whole message (str for text, bytes for binary), on the
#: keeper's loop, in the order they arrived. It must not raise.
OnMessage = Callable[[Link, "str | bytes"], None]


class Keepalive:
    """A connection's liveness timers, whichever library carries its frames: a ping every
    ``ping_interval`` seconds and, with ``ping_timeout``, its pong due within it (the next ping
    once the pong is back); and, while the write buffer is over its high mark, the stall limit
    (``ping_timeout``, else WRITE_STALL_LIMIT) after which the server is taken for dead.

    The transport sends the ping (``send_ping(payload)``: False when it cannot, and no more are
    sent), fails the connection when a pong is overdue (``overdue(why)``) and aborts it for a
    stall (``abort(why)``); it hands over each pong and says when writing pauses and resumes."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        ping_interval: float | None,
        ping_timeout: float | None,
        send_ping: Callable[[bytes], bool],
        overdue: Callable[[str], None],
        abort: Callable[[str], None],
    ) -> None:
        self.loop = loop
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.send_ping = send_ping
        self.overdue = overdue
        self.abort = abort
        self._ping: bytes | None = None
        self._timer: asyncio.TimerHandle | None = None  # the next ping, or the pong's deadline
        self._stalled: asyncio.TimerHandle | None = None  # the stall limit, while paused
        self._recovered: asyncio.TimerHandle | None = None  # a resume that must last to end the stall
        self._paused_at: float | None = None  # (loop time) when writing paused, while it is
        self._paused_for = 0.0  # how long writing has been paused in this stall, brief resumes left out

    def start(self) -> None:
        """The connection is open: the first ping in ``ping_interval`` (none without one)."""
        if self.ping_interval is not None:
            self._timer = self.loop.call_later(self.ping_interval, self._send)

    def pong(self, data: bytes) -> None:
        if self._ping is None or data != self._ping:
            return
        self._ping = None
        if self.ping_timeout is not None:
            if self._timer is not None:
                self._timer.cancel()
            assert self.ping_interval is not None
            self._timer = self.loop.call_later(self.ping_interval, self._send)

    @property
    def stall_limit(self) -> float:
        return self.ping_timeout or WRITE_STALL_LIMIT

    def writing_paused(self) -> None:
        """The write buffer is over its high mark: the connection is dropped once writing has
        been paused for the stall limit in all. A resume shorter than the limit does not start
        the count again (a peer that never reads lets the buffer drain now and then, as the
        kernel's own buffer grows); one that lasts the limit ends the stall."""
        limit = self.stall_limit
        if self._recovered is not None:  # resumed only briefly: the same stall goes on
            self._recovered.cancel()
            self._recovered = None
        self._paused_at = self.loop.time()
        if self._stalled is None:
            why = f"the server left what was sent unread for {limit} s: the connection looks dead"
            self._stalled = self.loop.call_later(max(limit - self._paused_for, 0.0), self.abort, why)

    def writing_resumed(self) -> None:
        """Below the low mark again: no abort while it stays so, and the stall is over once it
        has stayed so for the stall limit (a pause before then continues it)."""
        if self._stalled is not None:
            self._stalled.cancel()
            self._stalled = None
        if self._paused_at is not None:
            self._paused_for += self.loop.time() - self._paused_at
            self._paused_at = None
            if self._recovered is None:
                self._recovered = self.loop.call_later(self.stall_limit, self._recover)

    def _recover(self) -> None:
        self._recovered = None
        self._paused_for = 0.0

    def stop(self) -> None:
        """The connection is gone: no timer is left."""
        for timer in (self._timer, self._stalled, self._recovered):
            if timer is not None:
                timer.cancel()
        self._timer = self._stalled = self._recovered = self._paused_at = None
        self._paused_for = 0.0

    def _send(self) -> None:
        payload = os.urandom(4)
        if not self.send_ping(payload):
            return
        self._ping = payload
        if self.ping_timeout is not None:  # the next ping once its pong is back
            self._timer = self.loop.call_later(self.ping_timeout, self._overdue)
        else:
            assert self.ping_interval is not None
            self._timer = self.loop.call_later(self.ping_interval, self._send)

    def _overdue(self) -> None:
        self.overdue(f"no pong within ping_timeout ({self.ping_timeout} s): the connection looks dead")


class NoFrameLogs(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The logger handed to the WebSocket library: its DEBUG lines print frames, secrets
    included, so they are never enabled; its INFO and higher lines go through."""

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 (logging's name)
        return level > logging.DEBUG and self.logger.isEnabledFor(level)


def connect_failure(url: str, exc: BaseException, connect_timeout: float, status: int | None) -> DeribitError | None:
    """The DeribitError a failed connect is: APITimeoutError past ``connect_timeout``,
    RateLimitError for an HTTP 429 upgrade (``status``: the upgrade answer's, when it was
    refused), APIConnectionError naming a refused TLS certificate or any other cause; None for
    what is not a connection failure (a cancellation, a bug)."""
    if isinstance(exc, TimeoutError):
        return APITimeoutError(f"connecting to {url} timed out after {connect_timeout} s")
    if status == 429:
        return RateLimitError("the WebSocket upgrade was refused: too many connections", status_code=429)
    if status is not None:
        hint = ""
        if status in (403, 404) and not url.split("?", 1)[0].rstrip("/").endswith("/ws/api/v2"):
            hint = ": the URL must end with /ws/api/v2 (such as wss://test.deribit.com/ws/api/v2)"
        return APIConnectionError(f"the WebSocket upgrade to {url} was refused with HTTP {status}{hint}")
    if isinstance(exc, DeribitError):
        return None  # (already says what failed)
    if isinstance(exc, (OSError, ValueError)) or type(exc).__module__.split(".")[0] in LIBRARIES:
        refused = certificate_problem(exc)
        if refused is not None:
            return APIConnectionError(
                f"connecting to {url} failed: the server's TLS certificate was refused: {refused}"
            )
        return APIConnectionError(f"connecting to {url} failed: {type(exc).__name__}: {exc}")
    return None
