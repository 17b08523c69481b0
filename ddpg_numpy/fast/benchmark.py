"""How many DDPG updates (L12–L15) and TD3 updates (T8–T13) per second your machine does:
``python -m ddpg_numpy bench``.

One update on a fixed random minibatch (sampling is not timed), repeated for a fixed time; the
rate of each repeat is printed and the median summarises them. The matrix library runs on one
thread (threadpoolctl), as in training: for networks this size a second thread mostly waits, and
the environment needs the other core. The fuller comparison with PyTorch, and the end-to-end
training speed, are in benchmarks/ (see benchmarks/README.md).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.config import DDPGConfig, TD3Config
from ..core.replay import Batch
from ..core.td3 import agent_class
from .choice import update_for


def random_batch(obs_dim: int, act_dim: int, batch_size: int, dtype: str | np.dtype,
                 seed: int = 0, stack: int | None = None) -> Batch:
    """A fixed minibatch of random transitions (5 % terminal), shaped like ReplayBuffer's."""
    rng = np.random.default_rng(seed)
    lead = () if stack is None else (stack,)
    dt = np.dtype(dtype)
    return Batch(rng.normal(size=lead + (batch_size, obs_dim)).astype(dt),
                 rng.uniform(-1, 1, lead + (batch_size, act_dim)).astype(dt),
                 rng.normal(size=lead + (batch_size,)).astype(dt),
                 rng.normal(size=lead + (batch_size, obs_dim)).astype(dt),
                 (rng.random(lead + (batch_size,)) < 0.05).astype(dt))


def make_update(obs_dim: int, act_dim: int, hidden: Sequence[int] = (400, 300),
                batch_size: int = 256, dtype: str = "float32", fast_path: bool | None = None,
                seed: int | Sequence[int] = 0, algorithm: str = "ddpg",
                **overrides: Any) -> Callable[[], Any]:
    """A zero-argument function doing one update of a DDPG (or ``algorithm="td3"``: TD3, the
    paper's three changes on) agent with the paper's hyperparameters, or ``overrides`` of them
    (e.g. ``critic_action_layer=0``), on a fixed batch (N = ``batch_size``; observations
    (N, obs_dim), actions (N, act_dim) in [-1, 1]). ``fast_path=None`` chooses as training
    does (``update_for``: fast for float32)."""
    configs = {"ddpg": DDPGConfig, "td3": TD3Config}
    if algorithm not in configs:
        raise ValueError(f"algorithm={algorithm!r}: choose 'ddpg' or 'td3'")
    cfg = configs[algorithm](hidden=tuple(hidden), batch_size=batch_size, dtype=dtype,
                             **overrides)
    agent = agent_class(cfg)(obs_dim, act_dim, -np.ones(act_dim), np.ones(act_dim), cfg, seed)
    update = update_for(agent, fast=fast_path)
    batch = random_batch(obs_dim, act_dim, batch_size, dtype, stack=agent.stack)
    return lambda: update(batch)


def updates_per_second(update: Callable[[], Any], repeats: int = 5, seconds: float = 1.0,
                       warmup: int = 10) -> list[float]:
    """Rates of ``repeats`` rounds, each calling ``update`` for at least ``seconds``."""
    for _ in range(warmup):
        update()
    rates = []
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            update()
            calls += 1
        rates.append(calls / elapsed)
    return rates


def blas_description() -> str:
    """Which matrix library NumPy uses, its kernels and thread count (via threadpoolctl)."""
    from threadpoolctl import threadpool_info

    for lib in threadpool_info():
        if lib.get("user_api") == "blas":
            threads, kernels = lib.get("num_threads"), lib.get("architecture", "?")
            return (f"{lib.get('internal_api')} {lib.get('version')} ({kernels} kernels, "
                    f"{threads} thread{'s' * (threads != 1)})")
    return "unknown BLAS"


def print_update_benchmark(obs_dim: int = 17, act_dim: int = 6,
                           hidden: Sequence[int] = (400, 300), batch: int = 256,
                           dtype: str = "float32", repeats: int = 5,
                           blas_threads: int = 1,
                           algorithms: Sequence[str] = ("ddpg", "td3")) -> dict[str, list[float]]:
    """Time the fast path and the plain code of each algorithm; print each repeat and the
    medians. A TD3 update is one update of both critics, the actor and targets every 2nd.

    Returns {"fast path": rates, "plain code": rates, "TD3 fast path": ..., "TD3 plain code":
    ...} (updates per second).
    """
    from threadpoolctl import threadpool_limits

    if repeats < 1 or batch < 1:
        raise ValueError(f"need repeats >= 1 and batch >= 1, got {repeats} and {batch}")
    results: dict[str, list[float]] = {}
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        blas = blas_description()
        for algorithm in algorithms:
            for name, fast in (("fast path", True), ("plain code", False)):
                update = make_update(obs_dim, act_dim, hidden, batch, dtype, fast_path=fast,
                                     algorithm=algorithm)
                label = name if algorithm == "ddpg" else f"{algorithm.upper()} {name}"
                results[label] = updates_per_second(update, repeats)
    shape = "-".join(map(str, hidden))
    print(f"{' and '.join(a.upper() for a in algorithms)} updates, {dtype}, obs {obs_dim} -> "
          f"act {act_dim}, hidden {shape}, batch {batch}")
    print(f"NumPy {np.__version__}, {blas}")
    for name, rates in results.items():
        print(f"{name:>14s}: median {statistics.median(rates):7.1f} updates/s   (repeats: "
              + ", ".join(f"{r:.0f}" for r in rates) + ")")
    return results
