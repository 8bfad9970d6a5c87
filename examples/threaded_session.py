"""A Deribit session on ``websockets.sync.client`` in plain threads: no event loop at all.

A reader thread owns the connection: it feeds ``SessionProtocol`` (no I/O) what arrives and
reconnects after a drop; a writer thread sends what the protocol returns, in order (so no
thread holds the protocol's lock while a send blocks). Your threads call ``session.call(...)``.
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import socket
import threading
import time
from typing import Any

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

logger = logging.getLogger(__name__)
OVER = ("failed", "closed")


class ThreadedSession:
    """``with ThreadedSession(url, SessionProtocol(...)) as s: s.call(...)``."""

    def __init__(
        self, url: str, protocol: SessionProtocol, *, retry_delay: float = 0.5, setup_timeout: float = 30.0
    ) -> None:
        self.url, self.protocol, self.retry_delay, self.setup_timeout = url, protocol, retry_delay, setup_timeout
        self.notifications: queue.Queue[dict[str, Any]] = queue.Queue()
        #: What stopped the session (authentication refused), if anything did.
        self.failure: BaseException | None = None
        self._lock = threading.Lock()  # the protocol: one thread at a time
        self._answers: dict[int, concurrent.futures.Future[Any]] = {}
        self._ws: ClientConnection | None = None
        self._outgoing: queue.Queue[tuple[ClientConnection, str] | None] = queue.Queue()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._run, name="deribit-session-reader", daemon=True)
        self._writer = threading.Thread(target=self._write, name="deribit-session-writer", daemon=True)

    def __enter__(self) -> ThreadedSession:
        self._writer.start()
        self._reader.start()
        if not self._ready.wait(self.setup_timeout):
            self.failure = APITimeoutError(f"the session was not ready within {self.setup_timeout} s")
        if self.failure is not None:
            self.__exit__()
            raise self.failure
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        ws = self._ws
        if ws is not None:
            try:
                ws.socket.shutdown(socket.SHUT_RDWR)  # (unblocks a recv or a send stuck on a full buffer)
            except OSError:
                pass
        self._outgoing.put(None)
        self._reader.join(10)
        self._writer.join(10)
        with self._lock:
            self.protocol.close()
            self._flush()

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float | None = 10.0) -> Any:
        """The call's result, or the DeribitError it failed with (APITimeoutError past ``timeout``)."""
        answer: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._lock:
            call_id = self.protocol.call(method, params, now=time.time(), timeout=timeout)
            self._answers[call_id] = answer
            self._flush()
        try:
            return answer.result(timeout)
        except concurrent.futures.TimeoutError:
            with self._lock:
                self.protocol.cancel(call_id)  # never sent if it has not been
                self._answers.pop(call_id, None)
            raise APITimeoutError(f"{method}: no answer within {timeout} s") from None

    def _run(self) -> None:
        while not self._stop.is_set() and self.protocol.state not in OVER:
            try:
                with connect(self.url) as ws:
                    with self._lock:
                        self._ws = ws
                        self.protocol.connected(time.time())
                        self._flush()
                    self._read(ws)
            except Exception as exc:  # (a refused upgrade, a reset, ...): connect again
                logger.info("the connection ended: %s", type(exc).__name__)
            finally:
                with self._lock:
                    self._ws = None
                    self.protocol.lost(time.time())
                    self._flush()
            self._stop.wait(self.retry_delay)

    def _read(self, ws: ClientConnection) -> None:
        while not self._stop.is_set():
            deadline = self.protocol.next_deadline()
            wait = 1.0 if deadline is None else min(max(deadline - time.time(), 0.001), 1.0)
            try:
                frame = ws.recv(timeout=wait)
            except TimeoutError:
                with self._lock:
                    self.protocol.tick(time.time())
                    self._flush()
                continue
            with self._lock:
                self.protocol.receive(frame, time.time())
                self._flush()

    def _write(self) -> None:
        while (item := self._outgoing.get()) is not None:
            ws, frame = item
            try:
                ws.send(frame)
            except Exception:  # that connection is gone; its calls fail through lost()
                pass

    def _flush(self) -> None:
        """Queues what the protocol has for the socket and hands out its events (under the lock)."""
        for frame in self.protocol.data_to_send():
            if self._ws is not None:
                self._outgoing.put((self._ws, frame))
        for event in self.protocol.events_received():
            if isinstance(event, Answer):
                self._settle(event.call_id, result=event.result)
            elif isinstance(event, CallFailed):
                self._settle(event.call_id, error=event.error)
            elif isinstance(event, Notification):
                self.notifications.put(event.message)
            elif isinstance(event, ReplaceConnection) and self._ws is not None:
                self._ws.socket.shutdown(socket.SHUT_RDWR)  # (the reader connects again)
            elif isinstance(event, SessionFailed):
                self.failure = event.error
                self._stop.set()
        if self.protocol.state == "ready" or self.failure is not None:
            self._ready.set()

    def _settle(self, call_id: int, result: Any = None, error: BaseException | None = None) -> None:
        answer = self._answers.pop(call_id, None)
        if answer is not None and not answer.done():
            answer.set_result(result) if error is None else answer.set_exception(error)
