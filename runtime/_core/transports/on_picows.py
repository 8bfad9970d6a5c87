"""The only module that imports picows (the ``[fast]`` extra): a :class:`~.wire.Link` whose
frames are parsed by picows (Cython) and handed to a listener callback on the keeper's loop:
no task, no queue and no copy through a Python parser per frame. Fragmented messages are put
back together here, with the same size bound and UTF-8 check as the websockets transport;
keepalive pings, the write-buffer bound and the closing handshake behave as there."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl as ssl_module
from importlib.metadata import version
from typing import Any, Literal
from urllib.parse import urlsplit

from picows import (
    WSCloseCode,
    WSFrame,
    WSInvalidStatusError,
    WSListener,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    ws_connect,
)

from ..errors import APIConnectionError
from .proxies import direct_socket, proxy_for, proxy_socket
from .wire import CLOSE_TIMEOUT, WRITE_HIGH, WRITE_LOW, Keepalive, NoFrameLogs, OnMessage, connect_failure

__all__ = ["PicowsConnection", "library_version", "open_connection"]


class _PicowsLogs(NoFrameLogs):
    """picows' own lines: its connection INFO lines left out, its ERROR lines (a protocol error
    of the server's, which the client reports itself as it reconnects) as WARNING."""

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 (logging's name)
        return level >= logging.WARNING and self.logger.isEnabledFor(logging.WARNING)

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        super().log(min(level, logging.WARNING), msg, *args, **kwargs)


_LOGGER = _PicowsLogs(logging.getLogger("picows.client"), {})

_TEXT, _BINARY, _CONT = WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CONTINUATION
_OK = WSCloseCode.OK
#: Close codes that mean "none was given" and are never sent (RFC 6455, 7.4.1).
_UNSENDABLE = (1005, 1006, 1015)


def _retrieved(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()


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
        self.max_size = max_size
        self.transport: WSTransport | None = None
        self._ended: asyncio.Future[str] = loop.create_future()
        self._loop = loop
        self._parts: list[bytes] | None = None  # a fragmented message so far
        self._size = 0
        self._binary = False
        self.keepalive = Keepalive(loop, ping_interval, ping_timeout, self._send_ping, self._pong_overdue, self.abort)
        self._closer: asyncio.TimerHandle | None = None
        self._why: str | None = None
        #: The server's close came, or the client failed the connection: nothing more is read.
        self._closing = False

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
        self.keepalive.start()

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if self._closing and kind is not WSMsgType.CLOSE:
            return  # (after the server's close, or after failing the connection: nothing counts)
        if frame.rsv1 or frame.rsv2 or frame.rsv3:
            self._fail(WSCloseCode.PROTOCOL_ERROR, "reserved bits must be 0")
        elif kind is _TEXT or kind is _BINARY:
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
            self.keepalive.pong(frame.get_payload_as_bytes())
        elif kind is WSMsgType.CLOSE:
            self._closing = True
            code = frame.get_close_code().value
            given = frame.payload_size >= 2  # (picows reads no code, and a code 0, as 0)
            if given and not (1000 <= code <= 4999 and code not in _UNSENDABLE and code != 1004):
                self._fail(WSCloseCode.PROTOCOL_ERROR, f"close code {code} is not one a server may send")
                return
            if not transport.is_close_frame_sent:  # the server's close: its code echoed, then the end
                transport.send_close(frame.get_close_code() if code else _OK)
            transport.disconnect()
            self._abort_later()
        # (pings are answered by picows)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        # (picows keeps the protocol error it failed the connection with in a future of its own:
        # retrieved here, or asyncio logs it as never retrieved)
        self._loop.create_task(transport.wait_disconnected()).add_done_callback(_retrieved)
        self.keepalive.stop()
        if self._closer is not None:
            self._closer.cancel()
            self._closer = None
        if not self._ended.done():
            self._ended.set_result(self._cause(transport))

    def pause_writing(self) -> None:
        if self.transport is not None:
            self.transport.underlying_transport.pause_reading()
        self.keepalive.writing_paused()

    def resume_writing(self) -> None:
        self.keepalive.writing_resumed()
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
        self._closing, self._parts = True, None
        transport = self.transport
        if transport is None:
            return
        if not transport.is_close_frame_sent:
            transport.send_close(code, why.encode())
        self._abort_later()

    def _abort_later(self) -> None:
        """The closing handshake has begun: the TCP connection is aborted if it is not over
        within CLOSE_TIMEOUT (a server that reads nothing more must not hold it open)."""
        if self._closer is None:
            self._closer = self._loop.call_later(CLOSE_TIMEOUT, self.abort)

    def _send_ping(self, payload: bytes) -> bool:
        transport = self.transport
        if transport is None or transport.is_disconnected:
            return False
        if transport.is_close_frame_sent:  # (closing for a ping interval: picows' own close, say)
            self.abort("the closing handshake did not finish")
            return False
        transport.send_ping(payload)
        return True

    def _pong_overdue(self, why: str) -> None:
        self._why = why
        transport = self.transport
        if transport is not None and not transport.is_close_frame_sent:
            transport.send_close(WSCloseCode.INTERNAL_ERROR, b"keepalive ping timeout")
            self._closing = True
            self._abort_later()
        else:
            self.abort()

    def _cause(self, transport: WSTransport) -> str:
        if self._why is not None:
            return self._why
        handshake = transport.close_handshake
        if handshake is not None and handshake.recv is not None:
            return f"closed by the server: {handshake.recv.code.value or 1005} {handshake.recv.reason or ''}".rstrip()
        if handshake is not None and handshake.sent is not None:
            return f"closed by the client: {handshake.sent.code.value or 1005} {handshake.sent.reason or ''}".rstrip()
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
    :func:`.on_websockets.open_connection`)."""
    parts = urlsplit(url)
    secure = parts.scheme == "wss"
    conn: PicowsConnection | None = None
    held: list[socket.socket] = []  # (picows leaves a socket open when its upgrade is cancelled)

    def listener(request: WSUpgradeRequest, response: WSUpgradeResponse) -> PicowsConnection:
        nonlocal conn
        for header in ("Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol"):
            if response.headers.get(header):  # (the client asked for none)
                raise ValueError(f"the server's upgrade answer names {header} the client did not ask for")
        conn = PicowsConnection(on_message, ping_interval, ping_timeout, max_size)
        return conn

    context = ssl if ssl is not None else (ssl_module.create_default_context() if secure else None)
    host, port = parts.hostname or "", parts.port or (443 if secure else 80)
    through = proxy_for(host, port, secure, proxy)
    tunnel_via = None
    if through is not None and not through.startswith("https:"):  # (picows' own for TLS to the proxy)
        tunnel_via, through = through, None

    async def connected_socket(_: object) -> socket.socket:
        if tunnel_via is not None:
            sock = await proxy_socket(host, port, tunnel_via, user_agent)
        else:
            sock = await direct_socket(host, port)
        held.append(sock)
        return sock

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
                socket_factory=None if through is not None else connected_socket,
            )
        if conn is None or transport.is_disconnected:  # (picows returns no listener at an early EOF)
            raise APIConnectionError("the connection was closed during the upgrade: EOF")
    except BaseException as exc:
        if conn is not None:
            conn.abort()
        for sock in held:  # its transport sees the end and closes itself
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        status = int(exc.response.status) if isinstance(exc, WSInvalidStatusError) and exc.response else None
        failure = connect_failure(url, exc, connect_timeout, status)
        if failure is None:
            raise
        raise failure from exc
    return conn
