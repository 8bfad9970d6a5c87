"""The only module that imports picows (the ``[fast]`` extra): a :class:`~.wire.Link` whose
frames are parsed by picows (Cython) and handed to a listener callback on the keeper's loop:
no task, no queue and no copy through a Python parser per frame. Fragmented messages are put
back together here, with the same size bound and UTF-8 check as the websockets transport;
keepalive pings, the write-buffer bound and the closing handshake behave as there."""

from __future__ import annotations

import asyncio
import logging
import os
import ssl as ssl_module
from importlib.metadata import version
from typing import Literal
from urllib.parse import urlsplit

from picows import WSCloseCode, WSFrame, WSInvalidStatusError, WSListener, WSMsgType, WSTransport, ws_connect

from .errors import APIConnectionError
from .proxies import proxy_for, proxy_socket
from .wire import CLOSE_TIMEOUT, WRITE_HIGH, WRITE_LOW, WRITE_STALL_LIMIT, NoFrameLogs, OnMessage, connect_failure

__all__ = ["PicowsConnection", "library_version", "open_connection"]

_LOGGER = NoFrameLogs(logging.getLogger("picows.client"), {})

_TEXT, _BINARY, _CONT = WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CONTINUATION
_OK = WSCloseCode.OK
#: Close codes that mean "none was given" and are never sent (RFC 6455, 7.4.1).
_UNSENDABLE = (1005, 1006, 1015)


def library_version() -> str:
    """What the User-Agent adds after the package's own name: ``picows/X.Y``."""
    return f"picows/{version('picows')}"


class PicowsConnection(WSListener):
    """A :class:`~.wire.Link` on picows (what it promises: there)."""

    def __init__(
        self, on_message: OnMessage, ping_interval: float | None, ping_timeout: float | None, max_size: int
    ) -> None:
        loop = asyncio.get_running_loop()
        self.on_message = on_message
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.max_size = max_size
        self.transport: WSTransport | None = None
        self._ended: asyncio.Future[str] = loop.create_future()
        self._loop = loop
        self._parts: list[bytes] | None = None  # a fragmented message so far
        self._size = 0
        self._binary = False
        self._ping: bytes | None = None
        self._timer: asyncio.TimerHandle | None = None  # the next ping, or the pong's deadline
        self._closer: asyncio.TimerHandle | None = None
        self._stalled: asyncio.TimerHandle | None = None
        self._why: str | None = None

    @property
    def ended(self) -> asyncio.Future[str]:
        return self._ended

    # -- what the keeper calls ------------------------------------------------------------------

    def write(self, frame: str) -> bool:
        transport = self.transport
        if transport is None or transport.is_close_frame_sent or transport.is_disconnected:
            return False
        transport.send(_TEXT, frame)
        return True

    def abort(self, why: str | None = None) -> None:
        if why is not None and self._why is None:
            self._why = why
        if self.transport is not None:
            self.transport.disconnect(graceful=False)

    async def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        transport = self.transport
        if transport is not None and not transport.is_close_frame_sent and not transport.is_disconnected:
            transport.send_close(WSCloseCode.OK)
        try:
            await asyncio.wait_for(asyncio.shield(self._ended), timeout)
        except TimeoutError:
            self.abort()

    # -- picows' WSListener ---------------------------------------------------------------------

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        transport.underlying_transport.set_write_buffer_limits(high=WRITE_HIGH, low=WRITE_LOW)
        if self.ping_interval is not None:
            self._timer = self._loop.call_later(self.ping_interval, self._send_ping)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is _TEXT or kind is _BINARY:
            if self._parts is not None:
                self._fail(WSCloseCode.PROTOCOL_ERROR, "a new message before the last one's end")
            elif frame.fin:
                self._message(frame.get_payload_as_bytes(), kind is _BINARY)
            else:
                self._parts, self._size, self._binary = [], 0, kind is _BINARY
                self._part(frame)
        elif kind is _CONT:
            if self._parts is None:
                self._fail(WSCloseCode.PROTOCOL_ERROR, "a continuation frame with no message to continue")
            else:
                self._part(frame)
        elif kind is WSMsgType.PONG:
            if self._ping is not None and frame.get_payload_as_bytes() == self._ping:
                self._ping = None
                if self.ping_timeout is not None:
                    if self._timer is not None:
                        self._timer.cancel()
                    assert self.ping_interval is not None
                    self._timer = self._loop.call_later(self.ping_interval, self._send_ping)
        elif kind is WSMsgType.CLOSE:
            if not transport.is_close_frame_sent:  # the server's close: its code echoed, then the end
                code = frame.get_close_code()
                transport.send_close(code if 1000 <= code.value <= 4999 and code.value not in _UNSENDABLE else _OK)
            transport.disconnect()
        # (pings are answered by picows)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        for timer in (self._timer, self._closer, self._stalled):
            if timer is not None:
                timer.cancel()
        self._timer = self._closer = self._stalled = None
        if not self._ended.done():
            self._ended.set_result(self._cause(transport))

    def pause_writing(self) -> None:
        if self.transport is not None:
            self.transport.underlying_transport.pause_reading()
        limit = self.ping_timeout or WRITE_STALL_LIMIT
        self._stalled = self._loop.call_later(
            limit, self.abort, f"the server left what was sent unread for {limit} s: the connection looks dead"
        )

    def resume_writing(self) -> None:
        if self._stalled is not None:
            self._stalled.cancel()
            self._stalled = None
        if self.transport is not None:
            self.transport.underlying_transport.resume_reading()

    # -- inside -------------------------------------------------------------------------------------

    def _part(self, frame: WSFrame) -> None:
        assert self._parts is not None
        self._size += frame.payload_size
        if self._size > self.max_size:
            self._fail(WSCloseCode.MESSAGE_TOO_BIG, f"a message over {self.max_size} bytes")
            return
        self._parts.append(frame.get_payload_as_bytes())
        if frame.fin:
            data, self._parts = b"".join(self._parts), None
            self._message(data, self._binary)

    def _message(self, data: bytes, binary: bool) -> None:
        if binary:
            self.on_message(self, data)
            return
        try:
            text = data.decode()
        except UnicodeDecodeError as exc:
            self._fail(WSCloseCode.INVALID_TEXT, f"invalid UTF-8 at position {exc.start}")
            return
        self.on_message(self, text)

    def _fail(self, code: WSCloseCode, why: str) -> None:
        """Closes with ``code`` (the server has CLOSE_TIMEOUT to answer) and ``why`` as the cause."""
        if self._why is None:
            self._why = f"closed by the client: {code.value} {why}"
        transport = self.transport
        if transport is None:
            return
        if not transport.is_close_frame_sent:
            transport.send_close(code, why.encode())
        if self._closer is None:
            self._closer = self._loop.call_later(CLOSE_TIMEOUT, transport.disconnect, False)

    def _send_ping(self) -> None:
        transport = self.transport
        if transport is None or transport.is_close_frame_sent or transport.is_disconnected:
            return
        self._ping = os.urandom(4)
        transport.send_ping(self._ping)
        if self.ping_timeout is not None:  # the next ping once its pong is back
            self._timer = self._loop.call_later(self.ping_timeout, self._pong_overdue)
        else:
            assert self.ping_interval is not None
            self._timer = self._loop.call_later(self.ping_interval, self._send_ping)

    def _pong_overdue(self) -> None:
        self._why = f"no pong within ping_timeout ({self.ping_timeout} s): the connection looks dead"
        transport = self.transport
        if transport is not None and not transport.is_close_frame_sent:
            transport.send_close(WSCloseCode.INTERNAL_ERROR, b"keepalive ping timeout")
            self._closer = self._loop.call_later(CLOSE_TIMEOUT, transport.disconnect, False)
        else:
            self.abort()

    def _cause(self, transport: WSTransport) -> str:
        if self._why is not None:
            return self._why
        handshake = transport.close_handshake
        if handshake is not None and handshake.recv is not None:
            return f"closed by the server: {handshake.recv.code.value} {handshake.recv.reason}".rstrip()
        if handshake is not None and handshake.sent is not None:
            return f"closed by the client: {handshake.sent.code.value} {handshake.sent.reason}".rstrip()
        return "connection dropped (end of stream)"


async def open_connection(
    url: str,
    *,
    on_message: OnMessage,
    connect_timeout: float,
    ping_interval: float | None,
    ping_timeout: float | None,
    max_size: int,
    ssl: ssl_module.SSLContext | None,
    proxy: str | Literal[True] | None,
    user_agent: str,
) -> PicowsConnection:
    """An open WebSocket to ``url`` on picows, or the DeribitError its failure is (as
    :func:`.transport.open_connection`)."""
    parts = urlsplit(url)
    secure = parts.scheme == "wss"
    conn: PicowsConnection | None = None

    def listener() -> PicowsConnection:
        nonlocal conn
        conn = PicowsConnection(on_message, ping_interval, ping_timeout, max_size)
        return conn

    context = ssl if ssl is not None else (ssl_module.create_default_context() if secure else None)
    host, port = parts.hostname or "", parts.port or (443 if secure else 80)
    through = proxy_for(host, port, secure, proxy)
    factory = None
    if through is not None and not through.startswith("https:"):  # (picows' own for TLS to the proxy)
        tunnel_via, through = through, None
        factory = lambda _: proxy_socket(host, port, tunnel_via, user_agent)  # noqa: E731
    try:
        async with asyncio.timeout(connect_timeout):
            transport, _ = await ws_connect(
                listener,
                url,
                ssl_context=context,
                websocket_handshake_timeout=None,  # (connect_timeout bounds it all)
                logger_name=_LOGGER,
                max_frame_size=max_size,
                extra_headers={"User-Agent": user_agent},
                max_redirects=0,
                proxy=through,
                socket_factory=factory,
            )
    except BaseException as exc:
        if conn is not None:
            conn.abort()
        status = int(exc.response.status) if isinstance(exc, WSInvalidStatusError) and exc.response else None
        failure = connect_failure(url, exc, connect_timeout, status)
        if failure is None:
            raise
        raise failure from exc
    assert conn is not None
    if transport.is_disconnected:
        raise APIConnectionError("the connection was closed during the upgrade: EOF")
    return conn


# Copied from runtime/_core/transport_picows.py by make generate. Do not edit here: edit runtime/_core/transport_picows.py.
