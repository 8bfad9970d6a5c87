"""Instruction counts (valgrind's cachegrind, no cache simulation): what the client's import and
one kept-alive sync call execute, against httpx's, the same on every run and every machine.

CPU time on a shared 2-core VM moves by 10-15 % within a minute and by 1.8x between days; an
instruction count repeats within 0.3 %. It leaves out what the CPU makes of the instructions
(cache misses, the kernel's side of a socket call), so it backs the timed figures, it does not
replace them. Used by ``make bench`` when valgrind is installed (``apt install valgrind``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: One process's calls: ``python instructions.py TREE MODE N API_URL`` (MODE: client, raw, raw_query).
CALLS = """
import sys
tree, mode, n, api = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path[:0] = [tree]
import httpx
from deribit_session_client import Client
from deribit_session_client.api.session_management import set_heartbeat
try:  # (the credit limiter on, never waiting, as make bench measures it; older commits had none)
    from deribit_session_client import RateLimit
    options = {"rate_limit": RateLimit(credits=1e15, refill_per_s=1e15, cost=1)}
except ImportError:
    options = {}
url = api + "/public/set_heartbeat"
if mode == "client":
    client = Client(base_url=api, **options)
    for _ in range(n):
        set_heartbeat.sync(client=client, interval=30)
elif mode == "raw":
    raw = httpx.Client()
    for _ in range(n):
        raw.get(url, params={"interval": 30}).json()
else:
    raw, query = httpx.Client(), url + "?interval=30"
    for _ in range(n):
        raw.get(query).json()
"""


def available() -> bool:
    return shutil.which("valgrind") is not None


def count(args: list[str], env: dict[str, str] | None = None) -> int:
    """The instructions ``python *args`` executes, start-up and exit included."""
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", sys.executable, *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "", **(env or {})},
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def import_instructions(statements: dict[str, str], tree: Path = ROOT / "generated") -> dict[str, int]:
    """Each statement's instructions in a fresh interpreter (its bytecode cached first)."""
    env = {"PYTHONPATH": str(tree)}
    for statement in statements.values():
        subprocess.run(
            [sys.executable, "-c", statement], check=True, env={**os.environ, **env, "PYTHONDONTWRITEBYTECODE": ""}
        )
    return {name: count(["-c", statement], env) for name, statement in statements.items()}


def call_instructions(api_url: str, tree: Path = ROOT / "generated", calls: int = 500) -> dict[str, float]:
    """Instructions per kept-alive ``set_heartbeat.sync`` and per raw httpx GET (with ``params=``
    and with the query encoded first): ``calls`` more calls, the difference, per call (start-up,
    imports and the first connection cancel out)."""
    figures = {}
    for mode in ("client", "raw", "raw_query"):
        # (untimed, once: a tree's first run compiles and caches its bytecode, which would
        # otherwise count in the first run below and not in the second)
        subprocess.run(
            [sys.executable, "-c", CALLS, str(tree), mode, "1", api_url],
            check=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
        )
        few = count(["-c", CALLS, str(tree), mode, "100", api_url])
        many = count(["-c", CALLS, str(tree), mode, str(100 + calls), api_url])
        figures[mode] = (many - few) / calls
    return figures
