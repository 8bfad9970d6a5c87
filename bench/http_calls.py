"""The HTTP figures of `make bench` (bench/run.py): a kept-alive sync call and 1,000 async
calls against raw httpx (and urllib3), in paired rounds, and the import against httpx's."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import urllib3

from bench import ws as ws_bench
from bench.measure import ROUNDS, in_turns, interleaved_cpu_samples, paired_ratio
from deribit_session_client import Client
from deribit_session_client.api.session_management import set_heartbeat

ROOT = Path(__file__).resolve().parent.parent
SYNC_CALLS = int(os.environ.get("BENCH_SYNC_CALLS", "1500"))
ASYNC_CALLS = 1000
CONCURRENCY = 100
IMPORT_RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "21"))


def bench_sync(api_url: str) -> dict[str, float]:
    url = f"{api_url}/public/set_heartbeat"
    client = Client(base_url=api_url, rate_limit=ws_bench.UNLIMITED)
    no_retries = Client(base_url=api_url, max_retries=0, rate_limit=ws_bench.UNLIMITED)
    raw = httpx.Client()
    pool = urllib3.PoolManager(maxsize=1)

    def run_client(n: int) -> None:
        for _ in range(n):
            set_heartbeat.sync(client=client, interval=30)

    def run_no_retries(n: int) -> None:
        for _ in range(n):
            set_heartbeat.sync(client=no_retries, interval=30)

    def run_raw(n: int) -> None:
        for _ in range(n):
            raw.get(url, params={"interval": 30}).json()

    query = f"{url}?{httpx.QueryParams({'interval': 30})}"

    def run_raw_query(n: int) -> None:  # httpx used as the client uses it: the query encoded first
        for _ in range(n):
            raw.get(query).json()

    def run_urllib3(n: int) -> None:
        for _ in range(n):
            json.loads(pool.request("GET", url, fields={"interval": "30"}).data)

    loops = {
        "client": run_client,
        "client_max_retries_0": run_no_retries,
        "raw": run_raw,
        "raw_query": run_raw_query,
        "urllib3": run_urllib3,
    }
    samples = interleaved_cpu_samples(loops, SYNC_CALLS, ROUNDS, warmup=100)  # (warm-up: connections, caches)
    client.close()
    no_retries.close()
    raw.close()
    pool.clear()
    figures = {name: statistics.median(values) for name, values in samples.items()}
    figures["ratio"] = paired_ratio(samples["client"], samples["raw"])
    figures["ratio_raw_query"] = paired_ratio(samples["client"], samples["raw_query"])
    figures["ratio_urllib3"] = paired_ratio(samples["client"], samples["urllib3"])
    figures["ratio_retry_machinery"] = paired_ratio(samples["client"], samples["client_max_retries_0"])
    return figures


def bench_async(api_url: str) -> dict[str, float]:
    url = f"{api_url}/public/set_heartbeat"

    async def run_client() -> None:
        async with Client(base_url=api_url, rate_limit=ws_bench.UNLIMITED) as client:
            semaphore = asyncio.Semaphore(CONCURRENCY)

            async def one() -> None:
                async with semaphore:
                    await set_heartbeat.asyncio(client=client, interval=30)

            await asyncio.gather(*(one() for _ in range(ASYNC_CALLS)))

    async def run_raw() -> None:
        async with httpx.AsyncClient(timeout=10.0) as raw:
            semaphore = asyncio.Semaphore(CONCURRENCY)

            async def one() -> None:
                async with semaphore:
                    (await raw.get(url, params={"interval": 30})).json()

            await asyncio.gather(*(one() for _ in range(ASYNC_CALLS)))

    def measure(run: Callable[[], Any]) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        asyncio.run(run())
        return time.perf_counter() - wall, time.process_time() - cpu

    measure(run_client)
    measure(run_raw)
    walls: dict[str, list[float]] = {"client": [], "raw": []}
    cpus: dict[str, list[float]] = {"client": [], "raw": []}
    runs = {"client": run_client, "raw": run_raw}
    for name in in_turns(list(runs), ROUNDS):
        wall, cpu = measure(runs[name])
        walls[name].append(wall)
        cpus[name].append(cpu)
    return {
        "async_wall_s_client": statistics.median(walls["client"]),
        "async_wall_s_raw": statistics.median(walls["raw"]),
        "async_cpu_s_client": statistics.median(cpus["client"]),
        "async_cpu_s_raw": statistics.median(cpus["raw"]),
        "async_wall_ratio": paired_ratio(walls["client"], walls["raw"]),
        "async_cpu_ratio": paired_ratio(cpus["client"], cpus["raw"]),
    }


IMPORT_CLIENT = (
    "import deribit_session_client, deribit_session_client.api.session_management.set_heartbeat, "
    "deribit_session_client.api.session_management.disable_heartbeat, "
    "deribit_session_client.api.session_management.enable_cancel_on_disconnect, "
    "deribit_session_client.api.session_management.disable_cancel_on_disconnect, "
    "deribit_session_client.api.session_management.get_cancel_on_disconnect, "
    "deribit_session_client.api.supporting.test"
)


def import_ms(statements: dict[str, str], tree: Path = ROOT / "generated") -> dict[str, float]:
    """Milliseconds each statement takes in a fresh interpreter, the statements taking turns run
    by run (so that a machine that gets busier meanwhile weighs on all of them): for each, the
    median (``<name>``) and the fastest run (``<name>_fastest``).

    The fastest run is the statement's own cost (timeit's rule: a run is only ever slowed down
    by what else the machine does); the medians of one build moved by up to 24 ms between runs
    on a 2-core VM, where the fastest runs moved by 3 ms (docs/performance.md)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": ""}
    for statement in statements.values():  # compiles and caches the bytecode once, untimed
        subprocess.run([sys.executable, "-c", statement], check=True, env=env)
    times: dict[str, list[float]] = {name: [] for name in statements}
    for _ in range(IMPORT_RUNS):
        for name, statement in statements.items():
            code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
            times[name].append(float(out.stdout) * 1000)
    figures = {name: statistics.median(values) for name, values in times.items()}
    figures.update({f"{name}_fastest": min(values) for name, values in times.items()})
    return figures
