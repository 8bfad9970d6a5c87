"""How `make bench` measures a loop: CPU per call, interleaved rounds, medians."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping


def cpu_us(loop: Callable[[int], None], calls: int) -> float:
    """This process's CPU microseconds per call of ``loop(calls)``."""
    started = time.process_time()
    loop(calls)
    return (time.process_time() - started) / calls * 1e6


def interleaved_cpu_us(
    loops: Mapping[str, Callable[[int], None]], calls: int, rounds: int, warmup: int
) -> dict[str, float]:
    """Each loop's median CPU per call over ``rounds`` rounds in which the loops take turns
    (so that a machine getting busier weighs on all of them), after ``warmup`` untimed calls."""
    for loop in loops.values():
        loop(warmup)
    samples: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(rounds):
        for name, loop in loops.items():
            samples[name].append(cpu_us(loop, calls))
    return {name: statistics.median(values) for name, values in samples.items()}
