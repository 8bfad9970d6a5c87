"""The only module that imports websockets: a WebSocket connection on the keeper's loop, made of
websockets' sans-I/O :class:`~websockets.client.ClientProtocol` (its documented API) under an
:class:`asyncio.Protocol`. Opening it (TLS, an HTTP CONNECT or SOCKS proxy, the DeribitError
each failure becomes), writing a frame, handing each received message to a callback in the
step that parsed it (no task, no queue per frame), keepalive pings and closing."""

from __future__ import annotations

import asyncio
import logging
import ssl as ssl_module
from typing import Literal, cast

import websockets.version
from websockets.client import ClientProtocol
from websockets.exceptions import InvalidStatus
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from ..errors import APIConnectionError
from .proxies import open_tcp
from .wire import CLOSE_TIMEOUT, WRITE_HIGH, WRITE_LOW, Keepalive, NoFrameLogs, OnMessage, connect_failure

__all__ = ["Connection", "library_version", "open_connection"]


def library_version() -> str:
    """What the User-Agent adds after the package's own name: ``websockets/X.Y``."""
    return f"websockets/{websockets.version.version}"


_LOGGER = NoFrameLogs(logging.getLogger("websockets.client"), {})


#: Each read lands in one buffer of this size, kept for the connection (a plain Protocol's
#: transport allocates 256 KiB for every read: make bench, ws_call_peak_bytes).
READ_BUFFER = 64 * 1024


class Connection(asyncio.BufferedProtocol):
    """A :class:`~.wire.Link` on websockets' sans-I/O protocol (what it promises: there)."""

    def __init__(
        self,
        protocol: ClientProtocol,
        on_message: OnMessage,
        ping_interval: float | None,
        ping_timeout: float | None,
    ) -> None:
        loop = asyncio.get_running_loop()
        self.protocol = protocol
        self.on_message = on_message
        self.transport: asyncio.Transport | None = None
        #: The upgrade's outcome: None, or the error it failed with.
        self.opened: asyncio.Future[None] = loop.create_future()
        #: How the connection ended, once it has.
        self.ended: asyncio.Future[str] = loop.create_future()
        self._loop = loop
        self._parts: list[bytes] | None = None  # a fragmented message so far
        self._binary = False
        self.keepalive = Keepalive(loop, ping_interval, ping_timeout, self._send_ping, self._pong_overdue, self.abort)
        self._closer: asyncio.TimerHandle | None = None
        self._why: str | None = None
        self._buffer = memoryview(bytearray(READ_BUFFER))

    # -- what the keeper calls ------------------------------------------------------------------

    def write(self, frame: str) -> bool:
        """Writes ``frame`` in this step if it can go out (open, its socket not closing); False:
        not written, so safe to send elsewhere. Once written it may reach the exchange."""
        transport = self.transport
        if self.protocol.state is not State.OPEN or transport is None or transport.is_closing():
            return False
        self.protocol.send_text(frame.encode())
        for data in self.protocol.data_to_send():
            transport.write(data)
        return True

    def abort(self, why: str | None = None) -> None:
        """Ends the TCP connection now (no closing handshake); ``why`` becomes how it ended."""
        if why is not None and self._why is None:
            self._why = why
        if self.transport is not None:
            self.transport.abort()

    async def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """The closing handshake (1000) within ``timeout``, else the TCP connection aborted."""
        if self.protocol.state is State.OPEN and self.transport is not None:
            self.protocol.send_close(CloseCode.NORMAL_CLOSURE)
            self._flush()
        elif self.protocol.state is State.CONNECTING:
            self.abort()
        try:
            await asyncio.wait_for(asyncio.shield(self.ended), timeout)
        except TimeoutError:
            self.abort()

    def upgrade(self, user_agent: str) -> None:
        """Sends the HTTP upgrade request (its outcome: ``opened``)."""
        request = self.protocol.connect()
        request.headers["User-Agent"] = user_agent
        self.protocol.send_request(request)
        self._flush()

    # -- asyncio.Protocol -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # (uvloop's transports do not subclass it)
        self.transport = transport
        transport.set_write_buffer_limits(high=WRITE_HIGH, low=WRITE_LOW)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        self.protocol.receive_data(bytes(self._buffer[:nbytes]))
        self._events()

    def eof_received(self) -> None:
        self.protocol.receive_eof()  # (an upgrade answer without a length ends here)
        self._events()

    def pause_writing(self) -> None:
        if self.transport is not None:
            self.transport.pause_reading()
        self.keepalive.writing_paused()

    def resume_writing(self) -> None:
        self.keepalive.writing_resumed()
        if self.transport is not None:
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.protocol.receive_eof()
        self.keepalive.stop()
        if self._closer is not None:
            self._closer.cancel()
            self._closer = None
        if not self.opened.done():
            self.opened.set_exception(
                APIConnectionError(self._why or f"the connection was closed during the upgrade: {exc or 'EOF'}")
            )
        if not self.ended.done():
            self.ended.set_result(self._cause(exc))

    # -- inside -------------------------------------------------------------------------------------

    def _events(self) -> None:
        protocol = self.protocol
        events = protocol.events_received()
        self._flush()
        for event in events:
            if type(event) is Frame:
                self._frame(event)
            elif isinstance(event, Response):
                self._upgraded()
        if protocol.handshake_exc is not None and not self.opened.done():
            self._upgraded()  # an answer websockets could not parse: no Response came

    def _flush(self) -> None:
        transport = self.transport
        if transport is None:
            return
        for data in self.protocol.data_to_send():
            if data:
                transport.write(data)
            elif transport.can_write_eof():  # the end of what we send (TLS cannot half-close)
                try:
                    transport.write_eof()
                except (OSError, RuntimeError):
                    transport.abort()
            else:
                transport.close()
        if self._closer is None and self.protocol.close_expected():
            self._closer = self._loop.call_later(CLOSE_TIMEOUT, transport.abort)

    def _upgraded(self) -> None:
        error = self.protocol.handshake_exc
        if error is not None:
            if not self.opened.done():
                self.opened.set_exception(error)
            if self.transport is not None:
                self.transport.abort()
            return
        self.opened.set_result(None)
        self.keepalive.start()

    def _frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if frame.fin:
                self._message(bytes(frame.data), opcode is Opcode.BINARY)
            else:
                self._parts, self._binary = [bytes(frame.data)], opcode is Opcode.BINARY
        elif opcode is Opcode.CONT:
            if self._parts is not None:  # (websockets' parser refuses a continuation of nothing)
                self._parts.append(bytes(frame.data))
                if frame.fin:
                    data, self._parts = b"".join(self._parts), None
                    self._message(data, self._binary)
        elif opcode is Opcode.PONG:
            self.keepalive.pong(bytes(frame.data))

    def _message(self, data: bytes, binary: bool) -> None:
        if binary:
            self.on_message(self, data)
            return
        try:
            text = data.decode()
        except UnicodeDecodeError as exc:
            self.protocol.fail(CloseCode.INVALID_DATA, f"invalid UTF-8 at position {exc.start}")
            self._flush()
            return
        self.on_message(self, text)

    def _send_ping(self, payload: bytes) -> bool:
        if self.protocol.state is not State.OPEN:
            return False
        self.protocol.send_ping(payload)
        self._flush()
        return True

    def _pong_overdue(self, why: str) -> None:
        self._why = why
        if self.protocol.state is State.OPEN:
            self.protocol.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
            self._flush()
        elif self.transport is not None:
            self.transport.abort()

    def _cause(self, exc: Exception | None) -> str:
        if self._why is not None:
            return self._why
        received, sent = self.protocol.close_rcvd, self.protocol.close_sent
        if received is not None:
            return f"closed by the server: {received.code} {received.reason}".rstrip()
        if sent is not None:
            return f"closed by the client: {sent.code} {sent.reason}".rstrip()
        return f"connection dropped ({type(exc).__name__ if exc is not None else 'end of stream'})"


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
) -> Connection:
    """An open WebSocket to ``url`` (no compression), or the DeribitError its failure is:
    APITimeoutError past ``connect_timeout``, RateLimitError for an HTTP 429 upgrade,
    APIConnectionError naming a refused TLS certificate or any other cause."""
    uri = parse_uri(url)
    protocol = ClientProtocol(uri, max_size=max_size, logger=_LOGGER)
    conn = Connection(protocol, on_message, ping_interval, ping_timeout)
    # wss:// without a context of the user's: the system's trust store
    context = ssl if ssl is not None else (ssl_module.create_default_context() if uri.secure else None)
    try:
        async with asyncio.timeout(connect_timeout):
            await open_tcp(conn, uri.host, uri.port, uri.secure, context, proxy, user_agent)
            conn.upgrade(user_agent)
            await conn.opened
    except BaseException as exc:
        conn.abort()
        if not conn.opened.done():
            conn.opened.cancel()  # (a late connection_lost must find nothing to set)
        elif not conn.opened.cancelled():
            conn.opened.exception()  # (retrieved: the error raised here says it)
        status = exc.response.status_code if isinstance(exc, InvalidStatus) else None
        failure = connect_failure(url, exc, connect_timeout, status)
        if failure is None:
            raise
        raise failure from exc
    return conn
