"""The WebSocket figures of `make bench` (bench/run.py): what a call costs over one kept-alive
connection, side by side with the `websockets` library alone, and how the keeper thread
answers heartbeats for 100, 1,000 and 3,000 connections in one process.

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

from websockets.asyncio.client import connect as async_connect
from websockets.sync.client import connect as sync_connect

from deribit_mock.process import MockServer
from deribit_session_client import WebSocketClient
from deribit_session_client.api.supporting import test as public_test

CREDENTIALS: dict[str, Any] = {"client_id": "mock-client-id", "client_secret": "mock-client-secret"}
REQUEST = {"jsonrpc": "2.0", "method": "public/test", "params": {}}


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def cpu_us(run: Any, calls: int) -> float:
    started = time.process_time()
    run(calls)
    return (time.process_time() - started) / calls * 1e6


def bench_ws_sync(server: MockServer, calls: int, rounds: int) -> dict[str, float]:
    with WebSocketClient(server.ws_url, **CREDENTIALS) as ws, sync_connect(server.ws_url, compression=None) as raw:

        def client(n: int) -> None:
            for _ in range(n):
                public_test.sync(client=ws)

        def baseline(n: int) -> None:
            for i in range(n):
                raw.send(json.dumps({**REQUEST, "id": i}))
                json.loads(raw.recv())

        client(200)
        baseline(200)
        samples: dict[str, list[float]] = {"client": [], "raw": []}
        for _ in range(rounds):
            samples["client"].append(cpu_us(client, calls))
            samples["raw"].append(cpu_us(baseline, calls))
    return {name: statistics.median(values) for name, values in samples.items()}


def bench_ws_async(server: MockServer, calls: int, rounds: int) -> dict[str, float]:
    async def run() -> dict[str, float]:
        async with (
            WebSocketClient(server.ws_url, **CREDENTIALS) as ws,
            async_connect(server.ws_url, compression=None) as raw,
        ):

            async def client(n: int) -> None:
                for _ in range(n):
                    await public_test.asyncio(client=ws)

            async def baseline(n: int) -> None:
                for i in range(n):
                    await raw.send(json.dumps({**REQUEST, "id": i}))
                    json.loads(await raw.recv())

            async def measure(go: Any) -> float:
                started = time.process_time()
                await go(calls)
                return (time.process_time() - started) / calls * 1e6

            await client(200)
            await baseline(200)
            samples: dict[str, list[float]] = {"client": [], "raw": []}
            for _ in range(rounds):
                samples["client"].append(await measure(client))
                samples["raw"].append(await measure(baseline))
            return {name: statistics.median(values) for name, values in samples.items()}

    return asyncio.run(run())


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
