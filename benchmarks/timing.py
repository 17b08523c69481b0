"""Framework-free timing helper shared by the speed benchmarks.

This module deliberately imports nothing but the standard library, so the NumPy
benchmark and the optional PyTorch baseline measure updates in exactly the same way.
"""

import time
from collections.abc import Callable


def time_updates(
    update_fn: Callable[[], object],
    warmup: int = 20,
    min_seconds: float = 1.0,
    repeats: int = 5,
) -> list[float]:
    """Measure how many calls of ``update_fn`` run per second.

    ``update_fn`` is first called ``warmup`` times without timing (to fill caches and
    let lazy initialisation happen). Then, for each of ``repeats`` rounds, it is called
    again and again until at least ``min_seconds`` of wall-clock time have passed, and
    the round's rate is the number of calls divided by the time they took.

    Args:
        update_fn: A zero-argument callable performing one update; its result is ignored.
        warmup: Number of untimed calls before the first round.
        min_seconds: Minimum wall-clock duration of each round, in seconds.
        repeats: Number of timed rounds.

    Returns:
        One updates-per-second figure per round, in the order they were measured.
        Take the median to get a figure that is robust to a noisy machine.
    """
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    if min_seconds <= 0:
        raise ValueError(f"min_seconds must be > 0, got {min_seconds}")
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")

    for _ in range(warmup):
        update_fn()

    rates: list[float] = []
    for _ in range(repeats):
        calls = 0
        start = time.perf_counter()
        while True:
            update_fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        rates.append(calls / elapsed)
    return rates
