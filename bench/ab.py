"""A B A B: the same measures on two commits, taking turns in one sitting, so that a machine
getting busier weighs on both alike. Each commit is a worktree of its own. ws, keeper, notify
and http run in a fresh process on it (its own runtime, mock and bench code, against its own
mock); import and instructions run this checkout's measuring code on its package.

    .venv/bin/python bench/ab.py BASE [HEAD] [--rounds N] [--only ws,keeper,notify,http,import,instructions]

(instructions: valgrind's counts of a sync call and of the import, on each commit's package.)

Prints, per measure, each commit's median and the ratio HEAD / BASE (below 1: HEAD is cheaper).
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: Each measure: a snippet run in the commit's worktree; it prints one JSON object of figures.
MEASURES = {
    "ws": """
import os
from bench import ws
from deribit_mock.process import start_mock, stop_mock
server = start_mock()
out = {}
try:
    for transport in ("websockets", "picows"):
        os.environ["DERIBIT_WS_TRANSPORT"] = transport
        sync = ws.bench_ws_sync(server, 1500, 3)
        asyn = ws.bench_ws_async(server, 1500, 3, with_minimal=False)
        out[f"ws_sync_ratio_{transport}"] = sync["client"] / sync["raw"]
        out[f"ws_async_ratio_{transport}"] = asyn["client"] / asyn["raw"]
        out[f"ws_async_wall_ratio_{transport}"] = asyn["client_wall"] / asyn["raw_wall"]
finally:
    stop_mock(server)
print(json.dumps(out))
""",
    "keeper": """
import os
from bench import ws
from deribit_mock.process import start_mock, stop_mock
ws.raise_fd_limit()
server = start_mock()
out = {}
try:
    for transport in ("websockets", "picows"):
        os.environ["DERIBIT_WS_TRANSPORT"] = transport
        figures = ws.bench_keeper(server, 3000, 10.0)
        out[f"keeper_p99_ms_3000_{transport}"] = figures["p99_ms"]
        out[f"keeper_cpu_pct_3000_{transport}"] = figures["cpu_pct"]
finally:
    stop_mock(server)
print(json.dumps(out))
""",
    "notify": """
import os
from bench import ws
from deribit_mock.process import start_mock, stop_mock
server = start_mock()
out = {}
try:
    for transport in ("websockets", "picows"):
        os.environ["DERIBIT_WS_TRANSPORT"] = transport
        figures = ws.bench_notify(server, 20_000, 5.0)
        out[f"notify_cpu_pct_{transport}"] = figures["cpu_pct"]
        out[f"notify_delivered_{transport}"] = figures["delivered_ratio"]
        out[f"notify_heartbeat_p99_ms_{transport}"] = figures["hb_p99_ms"]
finally:
    stop_mock(server)
print(json.dumps(out))
""",
    # (self-contained: the same loops and the same estimate on both commits, whatever their own
    # bench code measured then; it runs in the commit's process, where older commits lack what
    # this checkout's bench imports, RateLimit among them)
    "http": """
import asyncio, statistics, time
import httpx
from deribit_mock.process import start_mock, stop_mock
from deribit_session_client import Client
from deribit_session_client.api.session_management import set_heartbeat
try:  # (the credit limiter on, never waiting, as make bench measures it; older commits had none)
    from deribit_session_client import RateLimit
    options = {"rate_limit": RateLimit(credits=1e15, refill_per_s=1e15, cost=1)}
except ImportError:
    options = {}
server = start_mock()
api, url = server.api_url, server.api_url + "/public/set_heartbeat"
try:
    client, raw = Client(base_url=api, **options), httpx.Client()
    def sync_client(n):
        for _ in range(n):
            set_heartbeat.sync(client=client, interval=30)
    def sync_raw(n):
        for _ in range(n):
            raw.get(url, params={"interval": 30}).json()
    async def async_client():
        async with Client(base_url=api, **options) as c:
            gate = asyncio.Semaphore(100)
            async def one():
                async with gate:
                    await set_heartbeat.asyncio(client=c, interval=30)
            await asyncio.gather(*(one() for _ in range(1000)))
    async def async_raw():
        async with httpx.AsyncClient(timeout=10.0) as r:
            gate = asyncio.Semaphore(100)
            async def one():
                async with gate:
                    (await r.get(url, params={"interval": 30})).json()
            await asyncio.gather(*(one() for _ in range(1000)))
    def cpu(run):
        started = time.process_time()
        run()
        return time.process_time() - started
    runs = {
        "sync": ((lambda: sync_client(1500)), (lambda: sync_raw(1500))),
        "async": ((lambda: asyncio.run(async_client())), (lambda: asyncio.run(async_raw()))),
    }
    out = {}
    for name, (mine, theirs) in runs.items():
        mine(), theirs()  # (warm-up)
        ratios = []
        for round_ in range(5):  # paired rounds, the order reversed every other round
            if round_ % 2 == 0:
                a = cpu(mine); b = cpu(theirs)
            else:
                b = cpu(theirs); a = cpu(mine)
            ratios.append(a / b)
        out[f"http_{name}_cpu_ratio"] = statistics.median(ratios)
    client.close()
    raw.close()
finally:
    stop_mock(server)
print(json.dumps(out))
""",
}

PRELUDE = """
import json, os, sys
os.environ.setdefault("DERIBIT_KEEPER_LOOP", "asyncio")
sys.path[:0] = [os.path.join(os.getcwd(), "generated"), os.getcwd()]
"""


def worktree(rev: str, where: Path) -> Path:
    """The commit's tree, with what make puts beside the committed files (from the layout of
    issue 31 on: the runtime's copy in the package, the mock's models in the mock)."""
    path = where / rev.replace("/", "_")
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), rev], check=True, capture_output=True
    )
    runtime, copy = path / "runtime" / "_core", path / "generated" / "deribit_session_client" / "_core"
    if runtime.is_dir() and not copy.exists():
        shutil.copytree(runtime, copy)
    models, mock = path / "generated" / "deribit_mock_models.py", path / "deribit_mock"
    if (mock / "methods.py").read_text().count("from . import _models") and not (mock / "_models.py").exists():
        shutil.copyfile(models, mock / "_models.py")
    return path


@functools.cache
def current() -> tuple[Any, Any]:
    """This checkout's ``bench.http_calls`` and ``bench.instructions``: the measures below run
    this code on both commits, each on the commit's package in processes of their own."""
    sys.path[:0] = [str(ROOT / "generated"), str(ROOT)]
    from bench import http_calls, instructions

    return http_calls, instructions


def imported(tree: Path) -> dict[str, float]:
    """make bench's import measure (``http_calls.import_ms``) on the tree's package."""
    http_calls, _ = current()
    figures = http_calls.import_ms({"client": http_calls.IMPORT_CLIENT, "httpx": "import httpx"}, tree / "generated")
    return {
        "http_import_overhead_ms_fastest": figures["client_fastest"] - figures["httpx_fastest"],
        "http_import_overhead_ms_medians": figures["client"] - figures["httpx"],
    }


def counted(tree: Path) -> dict[str, float]:
    """The instruction counts of bench/instructions.py on the tree's package, against this
    checkout's mock: they repeat, so one round is enough."""
    http_calls, instructions = current()
    from deribit_mock.process import start_mock, stop_mock

    server = start_mock()
    try:
        calls = instructions.call_instructions(server.api_url, tree / "generated")
    finally:
        stop_mock(server)
    imports = instructions.import_instructions(
        {"client": http_calls.IMPORT_CLIENT, "httpx": "import httpx"}, tree / "generated"
    )
    return {
        "sync_instructions_per_call": calls["client"],
        "sync_instructions_ratio": calls["client"] / calls["raw"],
        "import_instructions_overhead": imports["client"] - imports["httpx"],
    }


#: The measures run in this process with this checkout's code (the others run the commit's own).
LOCAL: dict[str, Callable[[Path], dict[str, float]]] = {"import": imported, "instructions": counted}


def measure(tree: Path, name: str) -> dict[str, float]:
    if name in LOCAL:
        return LOCAL[name](tree)
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + MEASURES[name]],
        cwd=tree,
        capture_output=True,
        text=True,
        env={"PATH": str(ROOT / ".venv" / "bin") + ":/usr/bin:/bin", "PYTHONPATH": f"{tree / 'generated'}:{tree}"},
        timeout=900,
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} on {tree.name} failed:\n{done.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("head", nargs="?", default="HEAD")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", default=",".join([*MEASURES, *LOCAL]))
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n]
    with tempfile.TemporaryDirectory() as scratch:
        trees = {rev: worktree(rev, Path(scratch)) for rev in (args.base, args.head)}
        try:
            samples: dict[str, dict[str, list[float]]] = {rev: {} for rev in trees}
            for round_ in range(args.rounds):
                for name in names:
                    for rev, tree in trees.items() if round_ % 2 == 0 else reversed(trees.items()):
                        for key, value in measure(tree, name).items():
                            samples[rev].setdefault(key, []).append(value)
                        print(f"round {round_ + 1}: {name} on {rev} done", file=sys.stderr)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    base, head = samples[args.base], samples[args.head]
    print(f"{'measure':42} {args.base[:12]:>14} {args.head[:12]:>14} {'head/base':>10}  samples (base | head)")
    for key in base:
        a, b = statistics.median(base[key]), statistics.median(head[key])
        shown = " ".join(f"{v:.3g}" for v in base[key]) + " | " + " ".join(f"{v:.3g}" for v in head[key])
        print(f"{key:42} {a:14.3f} {b:14.3f} {b / a if a else float('nan'):10.3f}  {shown}")


if __name__ == "__main__":
    main()
