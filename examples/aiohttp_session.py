"""A Deribit session kept on your own aiohttp WebSocket, in your own event loop.

``SessionProtocol`` (no I/O) decides what to send; this adapter only moves frames: it feeds
the protocol what arrives, sends what it returns, and reconnects after a drop. The protocol
answers every ``test_request`` in the step that received it and puts authentication,
heartbeat, cancel-on-disconnect and subscriptions back before your calls go out.

Your loop must not block for longer than the heartbeat interval: the answers are sent from
it (``WebSocketClient`` answers from a thread of its own instead).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from deribit_session_client.errors import APITimeoutError
from deribit_session_client.protocol import (
    Answer,
    CallFailed,
    Notification,
    ReplaceConnection,
    SessionFailed,
    SessionProtocol,
)


class AiohttpSession:
    """``async with AiohttpSession(url, SessionProtocol(...)) as s: await s.call(...)``."""

    def __init__(
        self, url: str, protocol: SessionProtocol, *, retry_delay: float = 0.5, setup_timeout: float = 30.0
    ) -> None:
        self.url, self.protocol, self.retry_delay, self.setup_timeout = url, protocol, retry_delay, setup_timeout
        self.notifications: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._answers: dict[int, asyncio.Future[Any]] = {}
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._send_lock = asyncio.Lock()  # one writer at a time, frames in the protocol's order
        self._ready = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        #: What stopped the session (authentication refused), if anything did.
        self.failure: BaseException | None = None

    async def __aenter__(self) -> AiohttpSession:
        self._runner = asyncio.create_task(self._run())
        try:
            await asyncio.wait_for(self._ready.wait(), self.setup_timeout)
        except TimeoutError:
            self.failure = APITimeoutError(f"the session was not ready within {self.setup_timeout} s")
        if self.failure is not None:
            await self.__aexit__()
            raise self.failure
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        self._runner.cancel()
        await asyncio.gather(self._runner, return_exceptions=True)
        self.protocol.close()
        self._dispatch()

    async def call(self, method: str, params: dict[str, Any] | None = None, timeout: float | None = 10.0) -> Any:
        """The call's result, or the DeribitError it failed with (APITimeoutError past ``timeout``).
        A caller that gives up (a timeout, a cancellation) takes the call back: never sent if it
        has not been."""
        answer = asyncio.get_running_loop().create_future()
        call_id = self.protocol.call(method, params, now=time.time(), timeout=timeout)
        self._answers[call_id] = answer
        await self._flush()
        try:
            return await asyncio.wait_for(answer, timeout)
        except BaseException as exc:
            self.protocol.cancel(call_id)
            self._answers.pop(call_id, None)
            if isinstance(exc, TimeoutError):
                raise APITimeoutError(f"{method}: no answer within {timeout} s") from None
            raise

    async def _run(self) -> None:
        async with aiohttp.ClientSession() as http:
            while self.protocol.state not in ("failed", "closed"):
                try:
                    async with http.ws_connect(self.url, autoping=True) as ws:
                        self._ws = ws
                        self.protocol.connected(time.time())
                        await self._flush()
                        await self._read(ws)
                except (aiohttp.ClientError, OSError):
                    pass  # (refused, reset: connect again)
                finally:
                    self._ws = None
                    self.protocol.lost(time.time())
                    self._dispatch()
                await asyncio.sleep(self.retry_delay)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            deadline = self.protocol.next_deadline()
            wait = 1.0 if deadline is None else min(max(deadline - time.time(), 0.001), 1.0)  # (0: no limit)
            try:
                message = await ws.receive(wait)
            except TimeoutError:
                self.protocol.tick(time.time())
            else:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    return  # closed, or an error: reconnect
                self.protocol.receive(message.data, time.time())
            await self._flush()

    async def _flush(self) -> None:
        async with self._send_lock:
            for frame in self.protocol.data_to_send():
                if self._ws is not None:  # (no socket: the protocol sends nothing anyway)
                    await self._ws.send_str(frame)
        self._dispatch()

    def _dispatch(self) -> None:
        for event in self.protocol.events_received():
            if isinstance(event, Answer):
                self._settle(event.call_id, result=event.result)
            elif isinstance(event, CallFailed):
                self._settle(event.call_id, error=event.error)
            elif isinstance(event, Notification):
                self.notifications.put_nowait(event.message)
            elif isinstance(event, ReplaceConnection) and self._ws is not None:
                asyncio.ensure_future(self._ws.close())
            elif isinstance(event, SessionFailed):
                self.failure = event.error
                self._ready.set()  # (__aenter__ raises it; every call fails with it)
        if self.protocol.state == "ready":
            self._ready.set()

    def _settle(self, call_id: int, result: Any = None, error: BaseException | None = None) -> None:
        answer = self._answers.pop(call_id, None)
        if answer is not None and not answer.done():
            answer.set_result(result) if error is None else answer.set_exception(error)
