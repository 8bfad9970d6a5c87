"""The only module that imports websockets: opening a connection (TLS, proxy, the error each
failure becomes), writing a frame, and reading frames as websockets parses them."""

from __future__ import annotations

import asyncio
import logging
import ssl as ssl_module
from collections.abc import Callable
from typing import Any, Literal

import websockets.protocol
import websockets.version
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.frames import Frame, Opcode

from .errors import APIConnectionError, APITimeoutError, RateLimitError, certificate_problem

__all__ = ["KeeperConnection", "close", "library_version", "open_connection", "read_queued", "write"]


def library_version() -> str:
    """What the User-Agent adds after the package's own name: ``websockets/X.Y``."""
    return f"websockets/{websockets.version.version}"


async def open_connection(
    url: str,
    *,
    connect_timeout: float,
    ping_interval: float | None,
    ping_timeout: float | None,
    max_size: int,
    ssl: ssl_module.SSLContext | None,
    proxy: str | Literal[True] | None,
    user_agent: str,
) -> KeeperConnection:
    """An open WebSocket to ``url`` (no compression, keepalive pings, a 1 s close timeout), or
    the DeribitError its failure is: APITimeoutError past ``connect_timeout``, RateLimitError
    for an HTTP 429 upgrade, APIConnectionError naming a refused TLS certificate or any other
    cause."""
    try:
        conn = await connect(
            url,
            create_connection=KeeperConnection,
            compression=None,
            open_timeout=connect_timeout,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=1.0,
            max_queue=None,
            max_size=max_size,
            # wss:// without a context of the user's: the system's trust store (True)
            ssl=ssl if ssl is not None else (True if url.startswith("wss://") else None),
            proxy=proxy,
            user_agent_header=user_agent,
            logger=NoFrameLogs(logging.getLogger("websockets.client"), {}),
        )
    except TimeoutError as exc:
        raise APITimeoutError(f"connecting to {url} timed out after {connect_timeout} s") from exc
    except InvalidStatus as exc:
        status = exc.response.status_code
        if status == 429:
            raise RateLimitError("the WebSocket upgrade was refused: too many connections", status_code=429) from exc
        raise APIConnectionError(f"the WebSocket upgrade to {url} was refused with HTTP {status}") from exc
    except (OSError, WebSocketException, ValueError) as exc:
        refused = certificate_problem(exc)
        if refused is not None:
            raise APIConnectionError(
                f"connecting to {url} failed: the server's TLS certificate was refused: {refused}"
            ) from exc
        raise APIConnectionError(f"connecting to {url} failed: {type(exc).__name__}: {exc}") from exc
    assert isinstance(conn, KeeperConnection)
    return conn


async def close(conn: ClientConnection, timeout: float) -> None:
    """The closing handshake within ``timeout``, else the TCP connection aborted."""
    try:
        await asyncio.wait_for(conn.close(), timeout)
    except (TimeoutError, OSError, WebSocketException):
        conn.transport.abort()


async def read_queued(conn: KeeperConnection, on_frame: Callable[[str | bytes], None]) -> str:
    """Hands ``on_frame`` every message websockets queued (those before the direct path was
    set, a fragmented message and any frame behind it), in order, until the connection ends;
    returns how it ended."""
    while True:
        try:
            raw = await conn.recv()
        except ConnectionClosed as exc:
            if exc.rcvd is not None:
                return f"closed by the server: {exc.rcvd.code} {exc.rcvd.reason}".rstrip()
            if exc.sent is not None:
                return f"closed by the client: {exc.sent.code} {exc.sent.reason}".rstrip()
            return f"connection dropped ({type(exc).__name__})"
        conn.queued -= 1
        on_frame(raw)


class NoFrameLogs(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The logger handed to `websockets`: its DEBUG lines print every frame, secrets included,
    so they are never enabled; its INFO and higher lines go through."""

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 (logging's name)
        return level > logging.DEBUG and self.logger.isEnabledFor(level)


def write(conn: ClientConnection, frame: str) -> bool:
    """Writes ``frame`` to ``conn`` in this step, straight to the protocol (no send context, no
    wait for the buffer to drain), if it can go out: open, and its socket not closing. False:
    not written, so safe to send elsewhere. Once written it may reach the exchange: a
    connection lost afterwards fails its call (the reader does that), and it is never sent
    again. The buffer cannot grow without bound: every caller waits for its answer."""
    if conn.protocol.state is not websockets.protocol.State.OPEN or conn.transport.is_closing():
        return False
    conn.protocol.send_text(frame.encode())
    conn.send_data()
    return True


class KeeperConnection(ClientConnection):
    """A websockets connection that hands each complete text frame to ``on_text`` as soon as it
    is parsed, in the keeper's current step, instead of queueing it for a reader task (one task
    wake and websockets' message queue less per frame: make bench, keeper figures). A fragmented
    message, and any frame while one is queued, still goes through the queue and ``recv()``, so
    the order of messages is kept."""

    on_text: Callable[[str], None] | None = None
    #: Complete messages in websockets' queue that the reader has not received yet.
    queued = 0

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame) and event.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
            # A whole text frame with nothing queued before it: handled now. (While a message
            # is unfinished only its continuation frames can come, which websockets' parser
            # enforces; the message is queued, and counted, with its last one.)
            if event.opcode is Opcode.TEXT and event.fin and not self.queued:
                handler = self.on_text
                if handler is not None:
                    data = event.data
                    try:
                        text = (data if isinstance(data, bytes) else bytes(data)).decode()
                    except UnicodeDecodeError:
                        pass  # websockets' own path closes the connection (1007)
                    else:
                        handler(text)  # (never raises: WebSocketClient._on_frame)
                        return
            if event.fin:
                self.queued += 1
        super().process_event(event)


# Copied from runtime/_core/transport.py by make generate. Do not edit here: edit runtime/_core/transport.py.
