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


def _spin(parent: int) -> None:  # (runs in a process of its own; stops when its parent is gone)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while os.getppid() == parent:
        for _ in range(100_000):
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


def _stop_group(suite: subprocess.Popen[bytes]) -> None:
    """Resumes and kills the suite's whole process group (workers, mock servers)."""
    for number in (signal.SIGCONT, signal.SIGKILL):
        try:
            os.killpg(suite.pid, number)
        except ProcessLookupError:
            pass
    suite.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spinners", type=int, default=os.cpu_count() or 2, help="busy loops (default: one a core)")
    parser.add_argument("--max-pause", type=float, default=0.5, help="longest freeze in seconds (default 0.5)")
    parser.add_argument("--runs", type=int, default=1)
    options, pytest_args = parser.parse_known_args()
    if not sys.platform.startswith("linux"):
        parser.error("Linux only: the process tree is read from /proc")
    # SIGTERM and SIGHUP (a CI job's timeout, a closed terminal) end it as Ctrl-C does: through
    # the finally blocks below, which resume and stop everything it started.
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.default_int_handler)
    spinners = [
        multiprocessing.Process(target=_spin, args=(os.getpid(),), daemon=True) for _ in range(options.spinners)
    ]
    for spinner in spinners:
        spinner.start()
    try:
        for run in range(1, options.runs + 1):
            command = [sys.executable, "-m", "pytest", "-n", "auto", "-p", "no:cacheprovider", *pytest_args]
            started = time.monotonic()
            suite = subprocess.Popen(command, cwd=ROOT, start_new_session=True)  # a group to stop as one
            done, paused = threading.Event(), [0]
            pauser = threading.Thread(target=_pauser, args=(suite.pid, options.max_pause, done, paused))
            pauser.start()
            try:
                while True:
                    try:
                        status = suite.wait(timeout=0.2)  # (short waits: a signal is handled at once)
                        break
                    except subprocess.TimeoutExpired:
                        continue
            finally:
                done.set()
                pauser.join()  # (it resumes the process it paused before it returns)
                _stop_group(suite)  # (whatever of the run is left, stopped or not)
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
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
