"""How `make bench` measures a loop: CPU per call, interleaved rounds, medians."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator, Mapping

#: Rounds of every interleaved measure.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))


def cpu_us(loop: Callable[[int], None], calls: int) -> float:
    """This process's CPU microseconds per call of ``loop(calls)``."""
    started = time.process_time()
    loop(calls)
    return (time.process_time() - started) / calls * 1e6


def interleaved_cpu_samples(
    loops: Mapping[str, Callable[[int], None]], calls: int, rounds: int, warmup: int
) -> dict[str, list[float]]:
    """Each loop's CPU per call in each of ``rounds`` rounds in which the loops take turns
    (:func:`in_turns`), after ``warmup`` untimed calls."""
    for loop in loops.values():
        loop(warmup)
    samples: dict[str, list[float]] = {name: [] for name in loops}
    for name in in_turns(list(loops), rounds):
        samples[name].append(cpu_us(loops[name], calls))
    return samples


def in_turns(names: list[str], rounds: int) -> Iterator[str]:
    """``names`` once a round for ``rounds`` rounds, the order reversed every other round: a
    machine getting busier, or what one leaves behind for the next, weighs on all of them alike."""
    for round_ in range(rounds):
        yield from names if round_ % 2 == 0 else reversed(names)


def interleaved_cpu_us(
    loops: Mapping[str, Callable[[int], None]], calls: int, rounds: int, warmup: int
) -> dict[str, float]:
    """Each loop's median CPU per call over the rounds of :func:`interleaved_cpu_samples`."""
    samples = interleaved_cpu_samples(loops, calls, rounds, warmup)
    return {name: statistics.median(values) for name, values in samples.items()}


def paired_ratio(numerator: list[float], denominator: list[float]) -> float:
    """The median of the rounds' ratios: each round's figures were measured side by side, so a
    round's ratio is free of what moved the machine between rounds (a 2-core VM's speed moves
    by 15 % within a minute; a ratio of the medians carries that into the result)."""
    return statistics.median(a / b for a, b in zip(numerator, denominator, strict=True))
