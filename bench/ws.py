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
import json
import resource
import statistics
import threading
import time
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as async_connect
from websockets.sync.client import connect as sync_connect

from bench.measure import interleaved_cpu_us
from deribit_mock.process import MockServer
from deribit_session_client import RateLimit, WebSocketClient
from deribit_session_client._core.threads import Keeper
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

            async def measure(go: Any) -> float:
                started = time.process_time()
                await go(calls)
                return (time.process_time() - started) / calls * 1e6

            loops = {"client": client, "raw": baseline, **({"minimal": least} if minimal else {})}
            for loop in loops.values():
                await loop(200)
            samples: dict[str, list[float]] = {name: [] for name in loops}
            for _ in range(rounds):
                for name, loop in loops.items():
                    samples[name].append(await measure(loop))
            return {name: statistics.median(values) for name, values in samples.items()}

    try:
        return asyncio.run(run())
    finally:
        if minimal is not None:
            minimal.close()


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
