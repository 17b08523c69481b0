"""``train``: DDPG on a gymnasium environment, one seed or several, in one process or several.

The loop itself (pseudocode L3–L11 around the update L12–L15) is loop.py; seeds split over worker
processes are parallel.py; every file of the run folder (config.json, progress.csv, timing.csv,
checkpoint.npz, agent.npz, snapshots/) is written and read by run_folder.py.

Evaluation runs the deterministic policy μ(s) (no noise) on separate environments from a fixed
set of start states — ``reset(seed=EVAL_SEED_BASE + i)`` for i < eval_episodes — identical for every
seed and every evaluation, so numbers are comparable across the curve and across runs (envs.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..core.config import DDPGConfig, is_whole_number
from .envs import check_env_id
from .loop import TrainResult, train_in_process
from .options import check_train_arguments
from .parallel import train_in_workers

__all__ = ["train"]


def train(env_id: str, config: DDPGConfig | None = None, steps: int = 20_000, seed: int = 0,
          out: str | Path | None = None, *, seeds: Sequence[int] | None = None,
          workers: int = 1, resume: bool = False, progress: bool = True,
          blas_threads: int | None = 1) -> TrainResult:
    """Train DDPG on a gymnasium environment with Box spaces.

    ``seeds=[0, 1, 2]`` trains one independent agent per seed in lock-step (stacked weights,
    one environment, buffer, noise and generator per seed); ``workers=2`` splits them into two
    lock-step groups trained in parallel processes, on two CPU cores, with the same numbers
    (parallel.py). ``out`` is the run folder (nothing is written without one); ``resume=True``
    continues from ``out/checkpoint.npz``. Evaluations run every ``config.eval_every`` steps.
    ``blas_threads=1`` (default) keeps the matrix library on one thread: for networks this small
    a second thread costs more in synchronisation than it gains, and fights the environment for
    the CPU (None leaves the library's setting).

    Every argument is checked before any file is written: a wrong type is a TypeError, a value
    out of range a ValueError, each naming the fix.
    """
    check_train_arguments(steps, seed, seeds, out)  # steps >= 1, seeds in range once each, out
    check_env_id(env_id)
    if config is not None and not isinstance(config, DDPGConfig):
        fix = ("DDPGConfig.from_dict(d) (or TD3Config.from_dict(d))" if isinstance(config, dict)
               else "DDPGConfig(...), DDPGConfig.preset(env_id) or TD3Config(...)")
        raise TypeError(f"config is a {type(config).__name__}, not a DDPGConfig: pass {fix}.")
    if isinstance(workers, bool) or not is_whole_number(workers) or workers < 1:
        raise ValueError(f"workers={workers!r}: use 1 (one process) or more (one process each).")
    # NumPy integers are fine as arguments, but are written to config.json as Python ints.
    steps, seed, workers = int(steps), int(seed), int(workers)
    out = None if out is None else Path(out)
    if seeds is not None and len(seeds) > 1 and workers > 1:
        return train_in_workers(env_id, config or DDPGConfig(), steps, [int(s) for s in seeds],
                                out, workers, resume, progress, blas_threads)
    if workers > 1 and seeds is None:
        raise ValueError(f"workers={workers} splits several seeds over processes, but this is a "
                         "single-seed run (a second core does not speed up one seed; see "
                         "benchmarks/README.md). Train several, e.g. seeds=[0, 1, 2, 3, 4] "
                         "(--seeds 0-4), or drop workers.")
    seed_list = [seed] if seeds is None else [int(s) for s in seeds]
    return train_in_process(env_id, config or DDPGConfig(), steps, seed_list,
                            stacked=seeds is not None, out=out, resume=resume, progress=progress,
                            blas_threads=blas_threads)
