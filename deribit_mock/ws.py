"""The WebSocket face of the mock exchange: JSON-RPC 2.0 at ``/ws/api/v2``.

Every request goes through the same :func:`~.methods.dispatch` as HTTP, with one
:class:`~.methods.Session` per connection. On top of it this module keeps what only a
connection has: heartbeats (``test_request`` and its deadline), the idle timeout,
cancel-on-disconnect firing when a connection ends, and the controls that tests use to
break connections (drop, stall, send a ``test_request`` now).

A missed ``test_request`` closes with code 4000 and reason ``heartbeat close``, as a peer saw
the exchange do. Choices where the exchange's behaviour is not documented (see
docs/exchange.md's list of differences): the idle timeout counts only JSON-RPC frames from the client
(not pings); any ``public/test`` call answers a pending ``test_request``; malformed frames
get -32600 (the exchange may say 11050).
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
from collections import deque
from typing import Any

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from .book import Order
from .methods import (
    METHODS,
    SECRET_PARAMS,
    UNAUTHORIZED,
    BadRequest,
    RpcError,
    Session,
    State,
    dispatch,
    example_only,
    parse_request,
)
from .settings import Controls, Settings, envelope

logger = logging.getLogger("deribit_mock.ws")

#: A frame larger than this gets -32600 ``request entity too large``, as at the exchange.
MAX_FRAME_BYTES = 32 * 1024
#: A connection with no frame from the client for this long is closed (scaled).
IDLE_TIMEOUT = 600.0
#: ``POST /_mock/ws/test_request`` on a connection without heartbeats uses this deadline (scaled).
DEFAULT_TEST_REQUEST_DEADLINE = 10.0
EVENT_LIMIT = 10_000
LATENCY_SAMPLES = 200_000
_EXTENSION = "deribit_mock.protocol"


class MockWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-IO websockets implementation, plus what fault injection needs: the
    connection's transport, to abort it (a network failure) or stop reading it (a hung server)."""

    stalled = False
    #: When bytes last arrived (time.monotonic()): a frame's arrival, for the heartbeat latency,
    #: before it queues behind other connections' frames in this one event loop.
    received_at = 0.0

    def data_received(self, data: bytes) -> None:
        if self.stalled:
            return  # a hung server: what arrives is never read (the end of the connection still is)
        self.received_at = time.monotonic()
        super().data_received(data)

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][_EXTENSION] = self

    def abort(self) -> None:
        """Close the TCP connection at once, with no close frame."""
        self.transport.abort()

    def send_texts(self, texts: list[str], fragments: int) -> None:
        """Send text messages back to back in one write, the first in ``fragments`` frames (a
        first frame and continuations), so that they reach the client in one read."""
        for n, text in enumerate(texts):
            data = text.encode()
            parts = fragments if n == 0 else 1
            size = max(1, -(-len(data) // parts))
            chunks = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
            self.conn.send_text(chunks[0], fin=len(chunks) == 1)
            for k, chunk in enumerate(chunks[1:], start=2):
                self.conn.send_continuation(chunk, fin=k == len(chunks))
        self.transport.write(b"".join(self.conn.data_to_send()))

    def stall(self) -> None:
        """Stop answering: every frame, ping or close that arrives is dropped unread, TCP kept
        open. A peer that gives the connection up is still seen (its kernel's FIN or RST), as
        the exchange's would be: then the connection closes (and cancel-on-disconnect fires)."""
        self.stalled = True

    async def receive(self) -> Any:
        if self.stalled:
            return await self.queue.get()  # never resume reading: the server is hung
        return await super().receive()


class Conn:
    """One WebSocket connection and what the exchange keeps for it."""

    def __init__(self, conn_id: int, websocket: WebSocket, time_scale: float) -> None:
        self.id = conn_id
        self.websocket = websocket
        self.protocol: MockWebSocketProtocol | None = websocket.scope.get("extensions", {}).get(_EXTENSION)
        client = websocket.client
        self.peer = f"{client.host}:{client.port}" if client else None
        self.user_agent = websocket.headers.get("user-agent")
        self.session = Session(connection_id=conn_id)
        now = time.monotonic()
        self.last_received = now
        self.next_beat: float | None = None
        self.pending_since: float | None = None
        self.pending_deadline: float | None = None
        self.test_requests_sent = 0
        self.test_requests_answered = 0
        self.stalled = False
        self.close_reason: str | None = None
        self.wakeup = asyncio.Event()

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "peer": self.peer,
            "account": self.session.account,
            "authenticated": self.session.account is not None,
            "heartbeat_interval": self.session.heartbeat_interval,
            "cancel_on_disconnect": self.session.cancel_on_disconnect,
            "test_requests_sent": self.test_requests_sent,
            "test_requests_answered": self.test_requests_answered,
            "stalled": self.stalled,
            "user_agent": self.user_agent,
            "channels": list(self.session.channels),
        }

    async def send(self, message: dict[str, Any]) -> None:
        if self.stalled or self.close_reason is not None:
            return
        try:
            await self.websocket.send_text(json.dumps(message))
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the connection is going; the reader sees why


class Hub:
    """Every open WebSocket connection, the events, and the heartbeat statistics."""

    def __init__(self, state: State, controls: Controls, settings: Settings) -> None:
        self.state = state
        self.controls = controls
        self.settings = settings
        self.connections: dict[int, Conn] = {}
        self.events: deque[dict[str, Any]] = deque(maxlen=EVENT_LIMIT)
        self.next_id = 0
        self.sent = self.answered = self.missed = 0
        self.latencies: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        #: WebSocket faults: {"method": name, "action": "drop" | "ignore"}, each used once.
        self.faults: deque[dict[str, Any]] = deque()
        state.book.listeners.append(self.order_changed)

    # -- records ---------------------------------------------------------------------------

    def event(self, kind: str, conn: Conn, reason: str | None = None, **extra: Any) -> None:
        self.events.append(
            {
                "event": kind,
                "connection": conn.id,
                "account": conn.session.account,
                "reason": reason,
                "at": time.time(),
                **extra,
            }
        )

    def order_changed(self, order: Order) -> None:
        """Each change of an order, to the connections of its account subscribed to one of its
        ``user.orders`` channels (the one that placed it too, while it is open)."""
        currency = order.order_id.split("-", 1)[0]
        raw = f"user.orders.{order.instrument_name}.raw"
        wide = {f"user.orders.{kind}.{cur}.raw" for kind in ("any", "future") for cur in (currency, "any")}
        for conn in list(self.connections.values()):
            if conn.session.account != order.account or conn.close_reason is not None or conn.stalled:
                continue
            for channel in conn.session.channels:
                if channel == raw or channel in wide:
                    data: Any = order.to_dict()
                elif channel == f"user.orders.{order.instrument_name}.100ms" or channel in {
                    w.replace(".raw", ".100ms") for w in wide
                }:
                    data = [order.to_dict()]
                else:
                    continue
                message = {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": channel, "data": data}}
                if conn.protocol is not None:
                    conn.protocol.send_texts([json.dumps(message)], 1)
                else:
                    asyncio.get_running_loop().create_task(conn.send(message))

    async def publish(self, channel: str, text: str, count: int, rate: float | None) -> int:
        """Sends ``text`` ``count`` times to every connection subscribed to ``channel``, paced at
        ``rate`` a second (None: as fast as it can), in batches that leave the loop free for
        heartbeats between them; returns how many messages went out."""
        sent = done = 0
        started = time.monotonic()
        while done < count:
            if rate is None:
                batch = min(count - done, 500)
            else:
                due = int((time.monotonic() - started) * rate) - done
                if due <= 0:
                    await asyncio.sleep(max((done + 1) / rate - (time.monotonic() - started), 0.0005))
                    continue
                batch = min(due, count - done, 500)
            for conn in list(self.connections.values()):
                if channel not in conn.session.channels or conn.stalled or conn.close_reason is not None:
                    continue
                if conn.protocol is not None:
                    conn.protocol.send_texts([text] * batch, 1)
                else:
                    for _ in range(batch):
                        await conn.send(json.loads(text))
                sent += batch
            done += batch
            await asyncio.sleep(0)
        return sent

    def heartbeat_stats(self) -> dict[str, Any]:
        ms = sorted(x * 1000.0 for x in self.latencies)

        def pct(q: float) -> float | None:
            return round(ms[min(int(q * len(ms)), len(ms) - 1)], 3) if ms else None

        return {
            "test_requests_sent": self.sent,
            "test_requests_answered": self.answered,
            "test_requests_missed": self.missed,
            "latency_ms": {
                "count": len(ms),
                "p50": round(statistics.median(ms), 3) if ms else None,
                "p99": pct(0.99),
                "max": round(ms[-1], 3) if ms else None,
            },
        }

    def reset_records(self) -> None:
        self.faults.clear()
        self.events.clear()
        self.sent = self.answered = self.missed = 0
        self.latencies.clear()

    def pick(self, body: dict[str, Any]) -> list[Conn]:
        """The connections a control names: ``{"id": n}``, or ``{}`` for all (ValueError for a bad id)."""
        if body.get("id") is None:
            return list(self.connections.values())
        conn_id = body["id"]
        if isinstance(conn_id, bool) or not isinstance(conn_id, int):
            raise ValueError("id must be an integer")
        conn = self.connections.get(conn_id)
        return [conn] if conn is not None else []

    def rescale(self) -> None:
        """After a time-scale change: the next beat and a pending test_request's deadline follow it."""
        now = time.monotonic()
        for conn in self.connections.values():
            conn.next_beat = None
            if conn.pending_since is not None:
                interval = conn.session.heartbeat_interval or DEFAULT_TEST_REQUEST_DEADLINE
                conn.pending_deadline = max(conn.pending_since + float(interval) * self.state.time_scale, now)
            conn.wakeup.set()

    @staticmethod
    def check_fault(fault: Any) -> dict[str, Any]:
        if not isinstance(fault, dict) or fault.get("action") not in ("drop", "ignore", "delay"):
            raise ValueError('a fault is {"method": m, "action": "drop" | "ignore" | "delay", "seconds": s}')
        if fault.get("method") is not None and not isinstance(fault["method"], str):
            raise ValueError("method must be a string")
        seconds = fault.get("seconds", 1.0)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 60:
            raise ValueError("seconds must be a number from 0 to 60")
        return fault

    # -- the endpoint ----------------------------------------------------------------------

    async def endpoint(self, websocket: WebSocket) -> None:
        limit = self.settings.max_connections_per_ip
        host = websocket.client.host if websocket.client else None
        if (
            limit is not None
            and sum(1 for c in self.connections.values() if c.peer and c.peer.rsplit(":", 1)[0] == host) >= limit
        ):
            error = RpcError(10028, "too_many_requests", {"reason": f"more than {limit} connections from one address"})
            await websocket.send_denial_response(
                JSONResponse({"jsonrpc": "2.0", "error": error.to_dict()}, status_code=429)
            )
            return
        await websocket.accept()
        self.next_id += 1
        conn = Conn(self.next_id, websocket, self.state.time_scale)
        self.connections[conn.id] = conn
        self.event("opened", conn)
        ticker = asyncio.create_task(self._tick(conn))
        reason = "closed by the client"
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    code = message.get("code")
                    # uvicorn reports a TCP connection lost without a close frame as 1005.
                    reason = (
                        "connection dropped (no close frame)"
                        if code in (1005, 1006)
                        else f"closed by the client (code {code})"
                    )
                    break
                if conn.stalled:
                    continue
                raw: str | bytes = message["text"] if message.get("text") is not None else (message.get("bytes") or b"")
                conn.last_received = time.monotonic()
                await self._frame(conn, raw)
                if conn.close_reason is not None:
                    break
        except (WebSocketDisconnect, OSError) as exc:
            reason = f"connection lost ({type(exc).__name__})"
        finally:
            ticker.cancel()
            await self._closed(conn, conn.close_reason or reason)

    async def close(self, conn: Conn, reason: str, code: int = 1000, *, forget: bool = False) -> None:
        """Close from the server's side (a missed test_request, idle, rate limit, logout, reset).

        ``forget``: leave no record of it (``/_mock/reset``).
        """
        if conn.close_reason is not None:
            return
        conn.close_reason = reason
        if forget:
            self.connections.pop(conn.id, None)
        conn.wakeup.set()
        try:
            await conn.websocket.close(code=code, reason=reason[:120])
        except (RuntimeError, OSError, WebSocketDisconnect):
            pass
        if conn.protocol is not None and conn.stalled:
            conn.protocol.abort()  # a stalled connection reads no close reply

    async def _closed(self, conn: Conn, reason: str) -> None:
        if self.connections.pop(conn.id, None) is None:
            return
        self.event("closed", conn, reason)
        if conn.session.cancel_on_disconnect and not conn.session.logout:
            cancelled = self.state.book.cancel_connection(conn.id)
            self.event("cancel_on_disconnect", conn, reason, orders=[order.order_id for order in cancelled])
        self.state.drop_connection_tokens(conn.id)

    # -- heartbeats and the idle timeout ---------------------------------------------------

    def _period(self, conn: Conn) -> float | None:
        interval = conn.session.heartbeat_interval
        return None if interval is None else float(interval) * self.state.time_scale

    async def send_test_request(self, conn: Conn, deadline: float) -> None:
        now = time.monotonic()
        conn.pending_since = now
        conn.pending_deadline = now + deadline
        conn.test_requests_sent += 1
        self.sent += 1
        conn.wakeup.set()
        await conn.send({"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}})

    async def _tick(self, conn: Conn) -> None:
        while conn.close_reason is None:
            now = time.monotonic()
            idle_at = conn.last_received + IDLE_TIMEOUT * self.state.time_scale
            if now >= idle_at:
                await self.close(conn, "no traffic for 600 s (scaled)")
                return
            if conn.pending_deadline is not None and now >= conn.pending_deadline and not conn.stalled:
                self.missed += 1
                self.event("test_request_missed", conn, "test_request not answered in time")
                await self.close(conn, "heartbeat close", code=4000)  # (as a peer saw the exchange close it)
                return
            period = self._period(conn)
            if period is not None and not conn.stalled:
                if conn.next_beat is None:
                    conn.next_beat = now + period
                elif now >= conn.next_beat:
                    conn.next_beat = now + period
                    if conn.pending_since is None:
                        if now - conn.last_received >= period:
                            await self.send_test_request(conn, period)
                        else:
                            await conn.send({"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "heartbeat"}})
            wake = [idle_at]
            if conn.pending_deadline is not None:
                wake.append(conn.pending_deadline)
            if period is not None and conn.next_beat is not None:
                wake.append(conn.next_beat)
            conn.wakeup.clear()
            try:  # (a timer on this task: no task per tick, as wait_for makes on Python 3.11)
                async with asyncio.timeout(max(min(wake) - time.monotonic(), 0.0) + 0.001):
                    await conn.wakeup.wait()
            except TimeoutError:
                pass

    # -- one frame -------------------------------------------------------------------------

    async def _frame(self, conn: Conn, raw: str | bytes) -> None:
        us_in = time.time_ns() // 1000
        size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", errors="surrogatepass"))
        if size > MAX_FRAME_BYTES:  # measured on what was received
            await self._error(conn, us_in, None, RpcError(-32600, "request entity too large"))
            return
        try:
            ident, name, params = parse_request(
                raw, missing_method=RpcError(-32600, "Invalid Request", {"reason": "method required"})
            )
        except BadRequest as bad:
            await self._error(conn, us_in, bad.ident or None, bad.error)
            return
        self._log(conn, name, params)
        fault = next((f for f in self.faults if f.get("method") in (None, name)), None)
        if fault is not None:
            self.faults.remove(fault)
            if fault.get("action") == "drop" and conn.protocol is not None:
                conn.close_reason = f"connection dropped (fault on {name})"
                conn.protocol.abort()
                return
            if fault.get("action") == "ignore":
                return  # never answered
            if fault.get("action") == "delay":
                epoch = self.controls.epoch
                await asyncio.sleep(float(fault.get("seconds", 1.0)))  # then answered, late
                if self.controls.epoch != epoch:
                    return  # the mock was reset meanwhile: a request from before must not touch its state
        if name == "public/test" and conn.pending_since is not None:
            # From sending the test_request to the bytes of its answer arriving (not to this
            # handler's turn, which waits behind the other connections' frames).
            arrived = conn.protocol.received_at if conn.protocol is not None else 0.0
            self.latencies.append((arrived if arrived >= conn.pending_since else time.monotonic()) - conn.pending_since)
            conn.pending_since = conn.pending_deadline = None
            conn.test_requests_answered += 1
            self.answered += 1
        if self.controls.rate_limited(name) is not None:
            await self._error(conn, us_in, ident, RpcError(10028, "too_many_requests"))
            await self.close(conn, "rate limit exceeded (10028)")
            return
        try:
            result = self._dispatch(conn, name, dict(params))
        except RpcError as exc:
            await self._error(conn, us_in, ident, exc)
            return
        if conn.session.logout:
            await self.close(conn, "logout")  # no answer, and no cancel-on-disconnect
            return
        if name == "public/auth":
            self.event("authenticated", conn)
        elif name in ("public/set_heartbeat", "public/disable_heartbeat"):
            conn.next_beat = None
            conn.pending_since = conn.pending_deadline = None
            conn.wakeup.set()
        await conn.send(self._envelope(us_in, ident, result=result))

    def _dispatch(self, conn: Conn, name: str, params: dict[str, Any]) -> Any:
        session = conn.session
        token = params.pop("access_token", None)
        found = METHODS.get(name)
        private = found.private if found is not None else name.startswith("private/") and name in self.state.stubs
        borrowed = False
        if private:
            if token is not None:
                if not isinstance(token, str):
                    raise RpcError(UNAUTHORIZED, "unauthorized", {"reason": "invalid_token"})
                account = self.state.check_token(token, conn.id)
                if session.account is None:
                    session.account, borrowed = account, True
            elif session.token is not None:
                self.state.check_token(session.token, conn.id)  # expired: 13009 saying so
        try:
            result = dispatch(
                self.state, name, params, session=session, transport="websocket", realistic=self.controls.realistic
            )
        finally:
            if borrowed:
                session.account = None
        if session.logout and isinstance(token, str) and params.get("invalidate_token") is not False:
            self.state.revoke(token)  # logout invalidates the token it was called with, too
        return result

    def _envelope(self, us_in: int, ident: dict[str, Any] | None, **fields: Any) -> dict[str, Any]:
        return envelope(us_in, self.settings.testnet, ident, **fields)

    async def _error(self, conn: Conn, us_in: int, ident: dict[str, Any] | None, error: RpcError) -> None:
        await conn.send(self._envelope(us_in, ident, error=error.to_dict()))

    def _log(self, conn: Conn, name: str, params: dict[str, Any]) -> None:
        shown = {k: ("***" if k in SECRET_PARAMS else v) for k, v in params.items()}
        entry = {"transport": "websocket", "connection": conn.id, "method": name, "params": shown, "peer": conn.peer}
        if name in example_only():  # (no handler yet: the spec's example answers it)
            entry["served_from"] = "example"
        with self.controls.lock:
            self.controls.log.append(entry)
