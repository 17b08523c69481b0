"""Many seeds on several CPU cores: ``train(..., seeds=[0, 1, 2, 3, 4], workers=2)``.

One process trains its seeds in lock-step on stacked arrays (loop.py). That removes Python's
per-call overhead, not arithmetic: every seed needs its own matrix products, and after the fast
path a solo Pendulum update is already mostly products, so on one core five seeds cost about
3.6× one. ``workers=k`` splits the seeds into k groups of consecutive seeds, each a lock-step run
in its own process, so the other cores take their share (benchmarks/README.md has the numbers).

The grouping changes no number: a seed's products are separate BLAS calls in any stack, and the
rest is elementwise, so each seed computes what it computes alone (tests/test_parallel.py checks
that a run in workers logs and saves what the one-process run does).

Processes are started the platform's way. Where that is by spawning (macOS, Windows), a script
that calls ``train(..., workers=k)`` must do so under ``if __name__ == "__main__":``, as for any
use of multiprocessing; notebooks and the command line need nothing.

Run folder: each group is a complete run of its own in ``out/workers/seeds_<a>_<b>/``, with its
own checkpoint, so an interrupted run resumes group by group. When the groups finish, their
``progress.csv``, ``timing.csv`` (the slowest group's seconds), ``agent.npz`` and snapshots are
merged into ``out/`` as the one-process run would have written them; until then ``out/`` holds
only ``config.json``, ``blas.json`` and the headers, and the groups' folders show the progress.

One writer per folder: the parent holds ``out/run.lock``, each worker its group's. The workers'
lifecycle (they never outlive the parent, and SIGINT or SIGTERM to the parent stops them all) is
workers.py's. A resume right after the parent was killed waits for its workers to stop (they
stop within about a second) before it touches their folders.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from ..core.agent import DDPG
from ..core.config import DDPGConfig
from ..core.td3 import agent_from_state_dict, load_agent
from .blas_record import record_blas
from .kill_points import kill_point
from .loop import TrainResult, train_in_process
from .resume import check_resume_groups, record_target
from .run_folder import (
    WORKERS_FOLDER,
    agent_path,
    checkpoint_step,
    group_folder,
    has_checkpoint,
    merge_group_logs,
    read_progress,
    remove_stale_temp_files,
    save_agent,
    save_snapshot,
    snapshot_files,
    snapshot_folder,
    snapshot_path,
    snapshot_step,
    start_run_folder,
)
from .run_lock import hold_run_folder, wait_until_free
from .workers import Terminated, exit_as_terminated, run_in_workers, terminate_raises

ORPHAN_WAIT_SECONDS = 60.0  # how long a resume waits for a killed run's workers to stop


def seed_groups(seeds: Sequence[int], workers: int) -> list[list[int]]:
    """Consecutive groups of seeds, sizes differing by at most one (0-4 in 2: [0, 1, 2], [3, 4])."""
    if workers < 1:
        raise ValueError(f"workers={workers}: use 1 (one process) or more (one process each).")
    return [[int(s) for s in group] for group in
            np.array_split(np.asarray(seeds), min(workers, len(seeds)))]


def train_in_workers(env_id: str, cfg: DDPGConfig, steps: int, seeds: list[int],
                     out: Path | None, workers: int, resume: bool, progress: bool,
                     blas_threads: int | None) -> TrainResult:
    """``train`` for ``workers`` > 1: the groups in parallel processes, then one merged run."""
    groups = seed_groups(seeds, workers)
    jobs = [dict(env_id=env_id, cfg=cfg, steps=steps, seeds=group, stacked=True, out=None,
                 resume=False, progress=progress and k == 0,  # one bar: group 0's
                 blas_threads=blas_threads)
            for k, group in enumerate(groups)]
    try:
        with terminate_raises():  # SIGTERM: workers stopped and locks released, then exit
            return _train_groups(env_id, cfg, steps, seeds, out, groups, jobs, resume)
    except Terminated:
        exit_as_terminated()
        raise


def _train_groups(env_id: str, cfg: DDPGConfig, steps: int, seeds: list[int], out: Path | None,
                  groups: list[list[int]], jobs: list[dict[str, Any]],
                  resume: bool) -> TrainResult:
    with nullcontext() if out is None else hold_run_folder(out):
        if out is not None:
            _prepare_groups(out, cfg, env_id, seeds, steps, groups, jobs, resume)
        kept = (f"; each group keeps its last checkpoint in {out / WORKERS_FOLDER}. Continue "
                f"with: python -m ddpg_numpy train --out {out} --resume") if out else ""
        results = run_in_workers(_train_group, jobs, on_death=kept)
        agent = DDPG.concatenate([agent_from_state_dict(state) for state, _ in results])
        if out is None:
            rows = sorted((row for _, group_rows in results for row in group_rows),
                          key=lambda r: (r["step"], seeds.index(int(r["seed"]))))
            return TrainResult(agent, rows, None)
        _merge_groups(out, [group_folder(out, g) for g in groups], agent)
        return TrainResult(agent, read_progress(out), out)


def _prepare_groups(out: Path, cfg: DDPGConfig, env_id: str, seeds: list[int], steps: int,
                    groups: list[list[int]], jobs: list[dict[str, Any]], resume: bool) -> None:
    """The top run folder and each group's: started, or checked and set to resume."""
    remove_stale_temp_files(out)
    for folder in sorted((out / WORKERS_FOLDER).glob("*")):
        wait_until_free(folder, ORPHAN_WAIT_SECONDS)  # a killed parent's workers are stopping
    if resume:
        check_resume_groups(out, env_id, cfg, seeds, groups, steps)
        record_target(out, steps)
    else:
        start_run_folder(out, cfg, env_id, seeds, steps, groups=groups, stacked=True)
    for job, group in zip(jobs, groups):
        job["out"] = folder = group_folder(out, group)
        # A group stopped before its first checkpoint starts again (its run is
        # deterministic); the others continue from theirs.
        job["resume"] = resume and has_checkpoint(folder)
        if resume and not job["resume"]:
            shutil.rmtree(folder, ignore_errors=True)
    # The top folder's blas.json, shipped with the merged logs (a resume's kernel takes over at
    # the earliest step a group continues from: 0 for a group started again).
    resumed = resume and any(job["resume"] for job in jobs)
    record_blas(out, min(checkpoint_step(job["out"]) if job["resume"] else 0 for job in jobs)
                if resumed else None)


def _train_group(job: dict[str, Any]) -> tuple[dict[str, np.ndarray], list[dict[str, float]]]:
    """One group's lock-step run, in a worker process; returns what the parent merges."""
    result = train_in_process(**job, lock_wait_seconds=ORPHAN_WAIT_SECONDS, in_workers=True)
    return result.agent.state_dict(), result.progress


def _merge_groups(out: Path, folders: list[Path], agent: DDPG) -> None:
    """Write out/progress.csv, timing.csv, agent.npz and snapshots/ from the group folders."""
    kill_point("merge")  # test-only (kill_points.py): the parent stopped while merging
    merge_group_logs(out, folders, agent.seeds)
    save_agent(out, agent)
    snapshot_sets = [{p.name for p in snapshot_files(f)} for f in folders]
    for name in sorted(set.intersection(*snapshot_sets)):
        step = snapshot_step(Path(name))
        merged = DDPG.concatenate([load_agent(snapshot_path(f, step)) for f in folders])
        save_snapshot(out, merged, step)
    for folder in folders:  # merged above; each group keeps its checkpoint and logs
        agent_path(folder).unlink(missing_ok=True)
        shutil.rmtree(snapshot_folder(folder), ignore_errors=True)
