"""A WebSocket server on loopback that a test scripts to misbehave (websockets' own server, on
a thread of its own): answers ``public/auth`` however the test says, counts what it got, and
never answers what the test wants left unanswered. Only for what the mock must not do."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import socket
import struct
import threading
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

#: (method, params) -> the answer's fields ({"result": ...} or {"error": ...}), or None for no answer.
Script = Callable[[str, dict[str, Any]], dict[str, Any] | None]


def answers_tests(method: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """A script's answer to public/test (None, no answer, for anything else)."""
    return {"result": {"version": "1.2.26"}} if method == "public/test" else None


def auth_result(
    expires_in: Any = 900, refresh_token: str = "hostile-refresh", access_token: str = "hostile-access", **extra: Any
) -> dict[str, Any]:
    result = {"access_token": access_token, "refresh_token": refresh_token, "token_type": "bearer"}
    result.update(extra)
    if expires_in is not ...:
        result["expires_in"] = expires_in
    return {"result": result}


class HostileServer:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.connections: set[ServerConnection] = set()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), name="hostile-server", daemon=True)
        self.thread.start()
        if not ready.wait(10):
            raise RuntimeError("the hostile server did not start")

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/api/v2"

    def count(self, method: str) -> int:
        return sum(1 for name, _ in list(self.received) if name == method)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.stopped = self.loop.create_future()
        self.loop.run_until_complete(self._serve(ready))
        self.loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        async with serve(self._handle, "127.0.0.1", 0, compression=None) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            ready.set()
            await self.stopped

    async def _handle(self, ws: ServerConnection) -> None:
        self.connections.add(ws)
        try:
            await self._answer(ws)
        finally:
            self.connections.discard(ws)

    async def _answer(self, ws: ServerConnection) -> None:
        async for raw in ws:
            request = json.loads(raw)
            method, params = request.get("method", ""), request.get("params") or {}
            self.received.append((method, params))
            answer = self.script(method, params)
            if answer is not None:
                await ws.send(json.dumps({"jsonrpc": "2.0", "id": request.get("id"), **answer}))

    def send_to_all(self, text: str | list[str]) -> None:
        """Sends ``text`` to every connection: one frame, or a list of fragments of one message
        (a message the client must cope with)."""

        async def send() -> None:
            for connection in list(self.connections):
                await connection.send(text)

        asyncio.run_coroutine_threadsafe(send(), self.loop).result(5)

    def send_bytes_as_text(self, data: bytes) -> None:
        """Sends ``data`` in a text frame as it is (not checked for UTF-8) to every connection."""

        async def send() -> None:
            for connection in list(self.connections):
                await connection.send(data, text=True)

        asyncio.run_coroutine_threadsafe(send(), self.loop).result(5)

    def close_all(self, code: int, reason: str) -> None:
        """Closes every connection with this code and reason."""

        async def close() -> None:
            for connection in list(self.connections):
                await connection.close(code, reason)

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(5)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stopped.set_result, None)
        self.thread.join(10)


def accept_key(request: bytes) -> bytes:
    """The Sec-WebSocket-Accept that answers this upgrade request."""
    key = next(
        line.split(b":", 1)[1].strip()
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    return base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())


def upgrade(sock: socket.socket) -> bytes:
    """Reads a WebSocket upgrade request from ``sock`` and accepts it (101); returns the request."""
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = sock.recv(4096)
        if not chunk:
            return request
        request += chunk
    accept = accept_key(request)
    sock.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    return request


def frame(opcode: int, payload: bytes = b"", *, fin: bool = True, rsv: int = 0) -> bytes:
    """One WebSocket frame as a server sends it (unmasked), any bits set as asked."""
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def close_frame(code: int, reason: bytes = b"") -> bytes:
    return frame(8, struct.pack("!H", code) + reason)


def notification(n: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "method": "subscription", "params": {"channel": "x", "data": n}}).encode()


class RawServer:
    """A TCP server on loopback written by hand, for what no WebSocket library would send:
    ``handle(sock)`` runs on a thread of its own for each connection (the default upgrades it,
    then reads and ignores everything: no pong, no answer, no close). Counts the connections."""

    def __init__(self, handle: Callable[[socket.socket], None] | None = None) -> None:
        self.handle = handle or upgrade
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._run, name="raw-server", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/api/v2"

    def _run(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            self.handle(sock)
        except OSError:
            pass  # the client went away

    def close(self) -> None:
        try:  # (wakes the accept() the server's thread is blocked in: close() alone does not, and
            # the listening socket would live on, accepting, for as long as that thread waits)
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for sock in self.accepted:
            sock.close()
        self.thread.join(5)
