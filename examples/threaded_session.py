"""A Deribit session on ``websockets.sync.client`` in a plain thread: no event loop at all.

A reader thread owns the connection: it feeds ``SessionProtocol`` (no I/O) what arrives,
sends what it returns (``test_request`` answers at once), and reconnects after a drop. Your
threads call ``session.call(...)``; a lock keeps one writer at a time.
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from deribit_session_client.errors import APITimeoutError
from deribit_session_client.protocol import (
    Answer,
    CallFailed,
    Notification,
    ReplaceConnection,
    SessionFailed,
    SessionProtocol,
)


class ThreadedSession:
    """``with ThreadedSession(url, SessionProtocol(...)) as s: s.call(...)``."""

    def __init__(
        self, url: str, protocol: SessionProtocol, *, retry_delay: float = 0.5, setup_timeout: float = 30.0
    ) -> None:
        self.url, self.protocol, self.retry_delay, self.setup_timeout = url, protocol, retry_delay, setup_timeout
        self.notifications: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()  # the protocol and the socket's writes: one thread at a time
        self._answers: dict[int, concurrent.futures.Future[Any]] = {}
        self._ws: ClientConnection | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        #: What stopped the session (authentication refused), if anything did.
        self.failure: BaseException | None = None
        self._reader = threading.Thread(target=self._run, name="deribit-session-reader", daemon=True)

    def __enter__(self) -> ThreadedSession:
        self._reader.start()
        if not self._ready.wait(self.setup_timeout):
            self.failure = APITimeoutError(f"the session was not ready within {self.setup_timeout} s")
        if self.failure is not None:
            self.__exit__()
            raise self.failure
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with self._lock:
            if self._ws is not None:
                self._ws.close()
        self._reader.join()
        with self._lock:
            self.protocol.close()
            self._flush()

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float | None = None) -> Any:
        """The call's result, or the DeribitError it failed with."""
        answer: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._lock:
            self._answers[self.protocol.call(method, params, now=time.time())] = answer
            self._flush()
        return answer.result(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with connect(self.url) as ws:
                    with self._lock:
                        self._ws = ws
                        self.protocol.connected(time.time())
                        self._flush()
                    self._read(ws)
            except (OSError, ConnectionClosed):
                pass
            finally:
                with self._lock:
                    self._ws = None
                    self.protocol.lost(time.time())
                    self._flush()
            self._stop.wait(self.retry_delay)

    def _read(self, ws: ClientConnection) -> None:
        while not self._stop.is_set():
            deadline = self.protocol.next_deadline()
            try:
                frame = ws.recv(timeout=None if deadline is None else max(deadline - time.time(), 0.0))
            except TimeoutError:
                with self._lock:
                    self.protocol.tick(time.time())
                    self._flush()
                continue
            with self._lock:
                self.protocol.receive(frame, time.time())
                self._flush()

    def _flush(self) -> None:
        """Sends what the protocol has for the socket and hands out its events (under the lock)."""
        for frame in self.protocol.data_to_send():
            if self._ws is not None:
                self._ws.send(frame)
        for event in self.protocol.events_received():
            if isinstance(event, Answer):
                self._settle(event.call_id, result=event.result)
            elif isinstance(event, CallFailed):
                self._settle(event.call_id, error=event.error)
            elif isinstance(event, Notification):
                self.notifications.put(event.message)
            elif isinstance(event, ReplaceConnection) and self._ws is not None:
                self._ws.close()
            elif isinstance(event, SessionFailed):
                self.failure = event.error
                self._stop.set()
                self._ready.set()
        if self.protocol.state == "ready":
            self._ready.set()

    def _settle(self, call_id: int, result: Any = None, error: BaseException | None = None) -> None:
        answer = self._answers.pop(call_id, None)
        if answer is not None and not answer.done():
            answer.set_result(result) if error is None else answer.set_exception(error)
