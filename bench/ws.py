"""The WebSocket figures of `make bench` (bench/run.py): what a call costs over one kept-alive
connection, side by side with the `websockets` library alone, and how the keeper thread
answers heartbeats for 100, 1,000 and 3,000 connections in one process.

The call figures have two baselines: `websockets` alone on the caller's own thread or loop, and
the least a design that keeps the connection on a background thread (so that test_requests are
answered while the caller's code blocks) can do: `websockets` on the keeper's loop, frames handed
across threads and nothing else (MinimalKeeper). The second shows what the design costs, the
gap between it and the client what the client's own code costs.

Latencies are the mock's (`/_mock/heartbeats`: from sending each test_request to receiving its
public/test); CPU is this process's own (`time.process_time`), the mock runs in another.
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import statistics
import threading
import time
import tracemalloc
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as async_connect
from websockets.sync.client import connect as sync_connect

from bench.measure import interleaved_cpu_us
from deribit_mock.process import MockServer
from deribit_session_client import RateLimit, WebSocketClient
from deribit_session_client._core.ws.threads import Keeper
from deribit_session_client.api.supporting import test as public_test

#: The limiter stays in every call's path (its cost is measured) but never makes one wait:
#: the figures are the client's work, not the exchange's 20 calls a second.
UNLIMITED = RateLimit(credits=1e15, refill_per_s=1e15, cost=1)
CREDENTIALS: dict[str, Any] = {
    "client_id": "mock-client-id",
    "client_secret": "mock-client-secret",
    "rate_limit": UNLIMITED,
}
REQUEST = {"jsonrpc": "2.0", "method": "public/test", "params": {}}


def keeper_loop() -> str:
    """Which event loop the keeper runs (uvloop when installed: the `uvloop` extra)."""
    keeper = Keeper.acquire()
    try:
        return type(keeper.loop).__module__.split(".")[0]
    finally:
        keeper.release()


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class MinimalKeeper:
    """The least a design that keeps the connection on a background thread does: a `websockets`
    connection on the keeper's event loop, frames written from it, answers handed back across
    threads. No ids to check, no session, no models: the second baseline of the call figures."""

    def __init__(self, url: str) -> None:
        self.keeper = Keeper.acquire()
        self.pending: dict[int, Any] = {}
        self.conn = asyncio.run_coroutine_threadsafe(self._connect(url), self.keeper.loop).result(10)
        self.reader = asyncio.run_coroutine_threadsafe(self._read(), self.keeper.loop)

    @staticmethod
    async def _connect(url: str) -> ClientConnection:
        return await async_connect(url, compression=None)

    async def _read(self) -> None:
        while True:
            message = json.loads(await self.conn.recv())
            token = self.pending.pop(message["id"])
            if isinstance(token, asyncio.Future):
                token.get_loop().call_soon_threadsafe(token.set_result, message)
            else:
                token[1] = message
                token[0].release()

    def _write(self, frame: str) -> None:
        self.conn.protocol.send_text(frame.encode())
        self.conn.send_data()

    def call_sync(self, rpc_id: int) -> Any:
        lock = threading.Lock()
        lock.acquire()
        token = self.pending[rpc_id] = [lock, None]
        self.keeper.loop.call_soon_threadsafe(self._write, json.dumps({**REQUEST, "id": rpc_id}))
        lock.acquire()
        return token[1]

    async def call_async(self, rpc_id: int) -> Any:
        token = self.pending[rpc_id] = asyncio.get_running_loop().create_future()
        self.keeper.loop.call_soon_threadsafe(self._write, json.dumps({**REQUEST, "id": rpc_id}))
        return await token

    def close(self) -> None:
        self.reader.cancel()
        asyncio.run_coroutine_threadsafe(self.conn.close(), self.keeper.loop).result(10)
        self.keeper.release()


def bench_ws_sync(server: MockServer, calls: int, rounds: int) -> dict[str, float]:
    minimal = MinimalKeeper(server.ws_url)
    with WebSocketClient(server.ws_url, **CREDENTIALS) as ws, sync_connect(server.ws_url, compression=None) as raw:

        def client(n: int) -> None:
            for _ in range(n):
                public_test.sync(client=ws)

        def baseline(n: int) -> None:
            for i in range(n):
                raw.send(json.dumps({**REQUEST, "id": i}))
                json.loads(raw.recv())

        def least(n: int) -> None:
            for i in range(n):
                minimal.call_sync(i)

        medians = interleaved_cpu_us({"client": client, "raw": baseline, "minimal": least}, calls, rounds, warmup=200)
    minimal.close()
    return medians


def bench_ws_async(server: MockServer, calls: int, rounds: int, *, with_minimal: bool = True) -> dict[str, float]:
    """CPU per awaited public/test: the client, raw websockets on the caller's loop and (unless
    ``with_minimal`` is off) the minimal keeper. Over TLS when ``server`` serves it."""
    minimal = MinimalKeeper(server.ws_url) if with_minimal else None
    tls: dict[str, Any] = {"ssl": server.ssl_context()} if server.ca_path is not None else {}

    async def run() -> dict[str, float]:
        async with (
            WebSocketClient(server.ws_url, **CREDENTIALS, **tls) as ws,
            async_connect(server.ws_url, compression=None, **tls) as raw,
        ):

            async def client(n: int) -> None:
                for _ in range(n):
                    await public_test.asyncio(client=ws)

            async def baseline(n: int) -> None:
                for i in range(n):
                    await raw.send(json.dumps({**REQUEST, "id": i}))
                    json.loads(await raw.recv())

            async def least(n: int) -> None:
                assert minimal is not None
                for i in range(n):
                    await minimal.call_async(i)

            async def measure(go: Any) -> tuple[float, float]:
                started, wall = time.process_time(), time.perf_counter()
                await go(calls)
                return (time.process_time() - started) / calls * 1e6, (time.perf_counter() - wall) / calls * 1e6

            loops = {"client": client, "raw": baseline, **({"minimal": least} if minimal else {})}
            for loop in loops.values():
                await loop(200)
            samples: dict[str, list[float]] = {name: [] for name in loops}
            walls: dict[str, list[float]] = {name: [] for name in loops}
            for _ in range(rounds):
                for name, loop in loops.items():
                    cpu, wall = await measure(loop)
                    samples[name].append(cpu)
                    walls[name].append(wall)
            return {
                **{name: statistics.median(values) for name, values in samples.items()},
                **{f"{name}_wall": statistics.median(values) for name, values in walls.items()},
            }

    try:
        return asyncio.run(run())
    finally:
        if minimal is not None:
            minimal.close()


def bench_call_p99(server: MockServer, calls: int) -> dict[str, float]:
    """p99 of a sequential public/test (microseconds, wall) from a second thread while the main
    thread runs a pure-Python loop, for the client (test.sync) and websockets' sync client."""

    def p99_while_busy(call: Any) -> float:
        latencies: list[float] = []

        def caller() -> None:
            for _ in range(200):
                call()
            for _ in range(calls):
                started = time.perf_counter()
                call()
                latencies.append((time.perf_counter() - started) * 1e6)

        thread = threading.Thread(target=caller)
        thread.start()
        n = 0
        while thread.is_alive():  # the user's main thread: busy with its own Python code
            n += sum(i * i for i in range(100))
        thread.join()
        return statistics.quantiles(latencies, n=100)[98]

    with WebSocketClient(server.ws_url, **CREDENTIALS) as ws, sync_connect(server.ws_url, compression=None) as raw:
        client = p99_while_busy(lambda: public_test.sync(client=ws))

        def baseline() -> None:
            raw.send(json.dumps({**REQUEST, "id": 1}))
            json.loads(raw.recv())

        return {"client": client, "raw": p99_while_busy(baseline)}


def bench_allocations(server: MockServer, calls: int = 2000) -> dict[str, float]:
    """What a sequential public/test (test.sync) allocates, by tracemalloc (both threads): the
    median peak of memory held during one call above what was held before it, the blocks
    still held after ``calls`` calls and a collection (per call: a leak would show here), and the net
    GC-tracked objects per call (gen-0 count; the cyclic collector runs every ~700 of them)."""
    with WebSocketClient(server.ws_url, **CREDENTIALS) as ws:
        for _ in range(500):
            public_test.sync(client=ws)
        gc.collect()
        gc.disable()
        try:
            tracemalloc.start()
            peaks: list[int] = []
            before_blocks = sum(stat.count for stat in tracemalloc.take_snapshot().statistics("filename"))
            gen0 = gc.get_count()[0]
            for _ in range(calls):
                held = tracemalloc.get_traced_memory()[0]
                tracemalloc.reset_peak()
                public_test.sync(client=ws)
                peaks.append(tracemalloc.get_traced_memory()[1] - held)
            gen0_after = gc.get_count()[0]
            gc.collect()
            ours = tracemalloc.Filter(False, __file__)  # (the list of peaks itself)
            after_blocks = sum(
                stat.count for stat in tracemalloc.take_snapshot().filter_traces([ours]).statistics("filename")
            )
        finally:
            tracemalloc.stop()
            gc.enable()
    return {
        "peak_bytes": statistics.median(peaks),
        "live_blocks_per_call": (after_blocks - before_blocks) / calls,
        "gc_objects_per_call": (gen0_after - gen0) / calls,
    }


def bench_keeper(server: MockServer, connections: int, seconds: float, blocked: bool = False) -> dict[str, float]:
    """``connections`` authenticated clients with heartbeat_interval=10 at the mock's time scale
    0.1 (a test_request per connection per second) for ``seconds``."""
    server.reset()
    server.time_scale(0.1)
    clients: list[WebSocketClient] = []

    async def open_all() -> None:
        for start in range(0, connections, 100):
            batch = [
                WebSocketClient(server.ws_url, heartbeat_interval=10, **CREDENTIALS)
                for _ in range(start, min(start + 100, connections))
            ]
            await asyncio.gather(*(c.open_async() for c in batch))
            clients.extend(batch)

    asyncio.run(open_all())
    busy: list[threading.Thread] = []
    if blocked:

        def blocked_loop() -> None:
            async def sleeper() -> None:
                time.sleep(seconds)  # blocks this event loop for the whole window

            asyncio.run(sleeper())

        busy.append(threading.Thread(target=blocked_loop))
        busy[0].start()
    time.sleep(2.0)  # every connection has had a heartbeat
    server.controls.post("/heartbeats/reset").raise_for_status()
    wall, cpu, mock_cpu = time.perf_counter(), time.process_time(), _cpu_of(server.process.pid)
    if blocked:
        until = time.monotonic() + seconds
        n = 0
        while time.monotonic() < until:  # the user's main thread: a pure-Python CPU loop
            n += sum(i * i for i in range(100))
    else:
        time.sleep(seconds)
    elapsed = time.perf_counter() - wall
    cpu_pct = (time.process_time() - cpu) / elapsed * 100.0
    mock_cpu_pct = (_cpu_of(server.process.pid) - mock_cpu) / elapsed * 100.0
    stats = server.heartbeats()
    for thread in busy:
        thread.join()
    for client in clients:
        client.close()
    sent, missed = stats["test_requests_sent"], stats["test_requests_missed"]
    latency = stats["latency_ms"]
    return {
        "answered_ratio": round(1.0 - missed / sent, 6) if sent else 0.0,
        "test_requests": sent,
        "missed": missed,
        "p50_ms": latency["p50"],
        "p99_ms": latency["p99"],
        "max_ms": latency["max"],
        "cpu_pct": round(cpu_pct, 1),
        "mock_cpu_pct": round(mock_cpu_pct, 1),
    }


def _cpu_of(pid: int) -> float:
    """CPU seconds a process has used (Linux /proc), for the mock's share of the machine."""
    import os

    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


#: A ticker notification's data, about the size of the exchange's (``ticker.*.100ms``).
TICKER_DATA: dict[str, Any] = {
    "timestamp": 1_764_500_000_000,
    "stats": {"volume_usd": 123_456_789.0, "volume": 1_234.5, "price_change": -1.2, "low": 90_000.0, "high": 95_000.0},
    "state": "open",
    "settlement_price": 92_000.12,
    "open_interest": 987_654_321.0,
    "min_price": 91_000.0,
    "max_price": 94_000.0,
    "mark_price": 92_500.25,
    "last_price": 92_500.5,
    "instrument_name": "BTC-PERPETUAL",
    "index_price": 92_480.11,
    "funding_8h": 0.0001,
    "estimated_delivery_price": 92_480.11,
    "current_funding": 0.00005,
    "best_bid_price": 92_500.0,
    "best_bid_amount": 25_000.0,
    "best_ask_price": 92_500.5,
    "best_ask_amount": 10_000.0,
}


def bench_notify(server: MockServer, rate: float | None, seconds: float) -> dict[str, Any]:
    """One connection, one handler (counting), the mock publishing ``rate`` ticker notifications
    a second for ``seconds`` while it sends a test_request every 0.2 s (heartbeat_interval 10
    at time scale 0.02; the connection is silent, so each heartbeat is a test_request)."""
    server.reset()
    server.time_scale(0.02)
    delivered = [0]

    def handler(params: dict[str, Any]) -> None:
        delivered[0] += 1

    with WebSocketClient(server.ws_url, heartbeat_interval=10, **CREDENTIALS) as ws:
        ws.subscribe(["ticker.BTC-PERPETUAL.100ms"], handler)
        time.sleep(0.5)
        server.controls.post("/heartbeats/reset").raise_for_status()
        count = int((rate or 100_000) * seconds)
        wall, cpu = time.perf_counter(), time.process_time()
        sent = server.publish("ticker.BTC-PERPETUAL.100ms", TICKER_DATA, count=count, rate=rate)
        published_per_s = sent / (time.perf_counter() - wall)
        deadline = time.monotonic() + 10
        while ws.stats["notifications"] + ws.stats["notifications_dropped"] < sent and time.monotonic() < deadline:
            time.sleep(0.01)
        elapsed = time.perf_counter() - wall
        cpu_s = time.process_time() - cpu
        beats = server.heartbeats()
        reconnects = ws.stats["reconnects"]
    return {
        "sent": sent,
        "published_per_s": round(published_per_s, 1),
        "delivered_ratio": round(delivered[0] / sent, 4) if sent else 0.0,
        "per_s": round(delivered[0] / elapsed, 1),
        "hb_p99_ms": beats["latency_ms"]["p99"],
        "test_requests": beats["test_requests_sent"],
        "missed": beats["test_requests_missed"],
        "reconnects": reconnects,
        "cpu_pct": round(cpu_s / elapsed * 100.0, 1),
    }


def bench_notify_max(server: MockServer, seconds: float) -> dict[str, Any]:
    """The highest rate (doubling from 10,000 a second) that is delivered (at least 80 % of it)
    with every test_request answered, and the rate delivered when the mock publishes as fast as
    it can (one mock process: what limits the figure above 100,000 a second, see docs/performance.md)."""
    best = 0.0
    for rate in (10_000, 20_000, 40_000, 80_000, 160_000):
        figures = bench_notify(server, rate, seconds)
        if figures["missed"] or figures["reconnects"] or figures["per_s"] < rate * 0.8:
            break  # a test_request missed, or the rate not reached (by the mock or the client)
        best = rate
    flat_out = bench_notify(server, None, seconds)
    return {"max_per_s": best, "mock_flat_out_per_s": flat_out["per_s"], "flat_out_missed": flat_out["missed"]}
