"""How many heartbeating WebSocket connections one mock process keeps: python bench/mock_scale.py [N] [SECONDS].

Opens N authenticated connections (raw `websockets`, in this process) with
`set_heartbeat(interval=10)` at time scale 0.1 (a test_request per connection per second
whenever the connection is otherwise silent), answers every test_request, and prints the
mock's own /_mock/heartbeats figures: sent, answered, missed, latency p50/p99/max.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "generated"), str(ROOT)]

from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from deribit_mock.process import start_mock, stop_mock  # noqa: E402


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def keep(url: str, stop: asyncio.Event, ready: list[int]) -> None:
    async with connect(url, compression=None, ping_interval=None, open_timeout=60, max_queue=None) as ws:
        ws_: ClientConnection = ws
        await ws_.send(
            json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "public/auth",
                    "params": {
                        "grant_type": "client_credentials",
                        "client_id": "mock-client-id",
                        "client_secret": "mock-client-secret",
                    },
                }
            )
        )
        await ws_.recv()
        await ws_.send(
            json.dumps({"jsonrpc": "2.0", "id": 2, "method": "public/set_heartbeat", "params": {"interval": 10}})
        )
        await ws_.recv()
        ready.append(1)
        next_id = 3
        while not stop.is_set():
            try:
                message = json.loads(await asyncio.wait_for(ws_.recv(), 0.5))
            except TimeoutError:
                continue
            if message.get("params", {}).get("type") == "test_request":
                await ws_.send(json.dumps({"jsonrpc": "2.0", "id": next_id, "method": "public/test"}))
                next_id += 1


async def main(count: int, seconds: float) -> None:
    raise_fd_limit()
    server = start_mock({"DERIBIT_MOCK_TIME_SCALE": "0.1"})
    try:
        stop = asyncio.Event()
        ready: list[int] = []
        tasks = []
        for _ in range(count):
            tasks.append(asyncio.create_task(keep(server.ws_url, stop, ready)))
            await asyncio.sleep(0.002)
        while len(ready) < count:
            await asyncio.sleep(0.1)
        server.controls.post("/reset_heartbeats") if False else None
        before = server.heartbeats()
        started = time.monotonic()
        await asyncio.sleep(seconds)
        after = server.heartbeats()
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        sent = after["test_requests_sent"] - before["test_requests_sent"]
        answered = after["test_requests_answered"] - before["test_requests_answered"]
        print(
            json.dumps(
                {
                    "connections": count,
                    "seconds": round(time.monotonic() - started, 1),
                    "test_requests_sent": sent,
                    "answered": answered,
                    "missed": after["test_requests_missed"],
                    "latency_ms_over_the_whole_run": after["latency_ms"],
                    "open_connections_at_end": len(server.connections()),
                },
                indent=1,
            )
        )
    finally:
        stop_mock(server)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, float(sys.argv[2]) if len(sys.argv) > 2 else 20))
