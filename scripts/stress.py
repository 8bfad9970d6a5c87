"""Runs the test suite the way a shared CI machine treats it: busy loops on every core, and
one process of the run (a pytest worker or a mock server) frozen now and then.

    python scripts/stress.py [--spinners N] [--max-pause S] [--runs K] [pytest args...]

A pause is SIGSTOP, then SIGCONT after 50 ms to ``--max-pause`` seconds, every 0.3-1 s: what
a descheduled process (steal time, CPU throttling) looks like to the others. Linux only (it
reads the process tree from /proc). Exits with the first failing run's status. Nothing it
starts outlives it, and no process is left stopped.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _spin() -> None:  # (runs in a process of its own)
    while True:
        pass


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listing:
                found += [int(child) for child in listing.read().split()]
        except OSError:
            pass
    return found


def _tree(pid: int) -> list[int]:
    found = []
    for child in _children(pid):
        found += [child, *_tree(child)]
    return found


def _pauser(root: int, max_pause: float, done: threading.Event, paused: list[int]) -> None:
    while not done.wait(random.uniform(0.3, 1.0)):
        processes = _tree(root)
        if not processes:
            continue
        victim = random.choice(processes)
        try:
            os.kill(victim, signal.SIGSTOP)
        except ProcessLookupError:
            continue
        paused[0] += 1
        try:
            done.wait(random.uniform(0.05, max_pause))
        finally:
            try:
                os.kill(victim, signal.SIGCONT)
            except ProcessLookupError:
                pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spinners", type=int, default=os.cpu_count() or 2, help="busy loops (default: one a core)")
    parser.add_argument("--max-pause", type=float, default=0.5, help="longest freeze in seconds (default 0.5)")
    parser.add_argument("--runs", type=int, default=1)
    options, pytest_args = parser.parse_known_args()
    if not sys.platform.startswith("linux"):
        parser.error("Linux only: the process tree is read from /proc")
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(options.spinners)]
    for spinner in spinners:
        spinner.start()
    try:
        for run in range(1, options.runs + 1):
            command = [sys.executable, "-m", "pytest", "-n", "auto", "-p", "no:cacheprovider", *pytest_args]
            started = time.monotonic()
            suite = subprocess.Popen(command, cwd=ROOT)
            done, paused = threading.Event(), [0]
            pauser = threading.Thread(target=_pauser, args=(suite.pid, options.max_pause, done, paused))
            pauser.start()
            try:
                status = suite.wait()
            finally:
                done.set()
                pauser.join()
                if suite.poll() is None:
                    suite.kill()
                    suite.wait()
            took = time.monotonic() - started
            print(f"stress run {run}: exit {status} in {took:.0f} s, {paused[0]} pauses, {options.spinners} busy loops")
            if status != 0:
                return status
    finally:
        for spinner in spinners:
            spinner.terminate()
        for spinner in spinners:
            spinner.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
