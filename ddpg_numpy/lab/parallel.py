"""Many seeds on several CPU cores: ``train(..., seeds=[0, 1, 2, 3, 4], workers=2)``.

One process trains its seeds in lock-step on stacked arrays (training.py). That removes Python's
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
only ``config.json`` and the headers, and the groups' folders show the progress.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ..core.agent import DDPG
from ..core.config import DDPGConfig


def seed_groups(seeds: Sequence[int], workers: int) -> list[list[int]]:
    """Consecutive groups of seeds, sizes differing by at most one (0-4 in 2: [0, 1, 2], [3, 4])."""
    if workers < 1:
        raise ValueError(f"workers={workers}: use 1 (one process) or more (one process each).")
    return [[int(s) for s in group] for group in
            np.array_split(np.asarray(seeds), min(workers, len(seeds)))]


def group_folder(out: Path, group: Sequence[int]) -> Path:
    return out / "workers" / ("seeds_" + "_".join(str(s) for s in group))


def _train_group(job: dict[str, Any]) -> tuple[dict[str, np.ndarray], list[dict[str, float]]]:
    """One group's lock-step run, in a worker process; returns what the parent merges."""
    from .training import train

    result = train(**job)
    return result.agent.state_dict(), result.progress


def train_in_workers(env_id: str, cfg: DDPGConfig, steps: int, seeds: list[int],
                     out: Path | None, workers: int, resume: bool, progress: bool,
                     blas_threads: int | None):
    """``train`` for ``workers`` > 1: the groups in parallel processes, then one merged run."""
    from .training import TrainResult, _start_run_folder

    groups = seed_groups(seeds, workers)
    jobs = [dict(env_id=env_id, config=cfg, steps=steps, seeds=group, out=None, resume=False,
                 progress=progress and k == 0, blas_threads=blas_threads)  # one bar: group 0
            for k, group in enumerate(groups)]
    if out is not None:
        if resume:
            _check_groups(out, cfg, groups)
        else:
            _start_run_folder(out, cfg, env_id, seeds, steps)
            run = json.loads((out / "config.json").read_text())
            (out / "config.json").write_text(json.dumps({**run, "groups": groups}, indent=2))
        for job, group in zip(jobs, groups):
            job["out"] = folder = group_folder(out, group)
            # A group stopped before its first checkpoint starts again (its run is
            # deterministic); the others continue from theirs.
            job["resume"] = resume and (folder / "checkpoint.npz").exists()
            if resume and not job["resume"]:
                shutil.rmtree(folder, ignore_errors=True)

    with ProcessPoolExecutor(max_workers=len(groups)) as pool:
        results = list(pool.map(_train_group, jobs))

    agent = DDPG.concatenate([DDPG.from_state_dict(state) for state, _ in results])
    if out is None:
        rows = sorted((row for _, group_rows in results for row in group_rows),
                      key=lambda r: (r["step"], seeds.index(int(r["seed"]))))
        return TrainResult(agent, rows, None)
    from .training import _read_progress

    _merge_folders(out, [group_folder(out, g) for g in groups], agent)
    return TrainResult(agent, _read_progress(out), out)


def _check_groups(out: Path, cfg: DDPGConfig, groups: list[list[int]]) -> None:
    from .training import check_same_config

    if not (out / "config.json").exists():
        raise FileNotFoundError(f"nothing to resume: no config.json in {out}. Start the run "
                                "without --resume.")
    run = json.loads((out / "config.json").read_text())
    saved_groups = run.get("groups", [run["seeds"]])
    if saved_groups != groups:
        raise ValueError(f"the run in {out} was trained in worker groups {saved_groups}, not "
                         f"{groups}: resume it with workers={len(saved_groups)} (the command "
                         "line does this for you).")
    check_same_config(out, DDPGConfig.from_dict(run["config"]), cfg)


def _merge_folders(out: Path, folders: list[Path], agent: DDPG) -> None:
    """Write out/progress.csv, timing.csv, agent.npz and snapshots/ from the group folders."""
    from .training import PROGRESS_FIELDS, TIMING_FIELDS

    seed_order = {s: i for i, s in enumerate(agent.seeds)}
    progress = [row for folder in folders for row in _read_rows(folder / "progress.csv")]
    progress.sort(key=lambda r: (int(r["step"]), seed_order[int(r["seed"])]))
    _write_rows(out / "progress.csv", PROGRESS_FIELDS, progress)  # the groups' own text

    timing: dict[str, dict[str, str]] = {}  # per step, the slowest group's seconds
    for folder in folders:
        for row in _read_rows(folder / "timing.csv"):
            kept = timing.setdefault(row["step"], row)
            for key in ("train_seconds", "eval_seconds"):
                if float(row[key]) > float(kept[key]):
                    kept[key] = row[key]
    _write_rows(out / "timing.csv", TIMING_FIELDS,
                sorted(timing.values(), key=lambda r: int(r["step"])))

    agent.save(out / "agent.npz")
    snapshot_sets = [{p.name for p in (f / "snapshots").glob("agent_*.npz")} for f in folders]
    for name in sorted(set.intersection(*snapshot_sets)):
        merged = DDPG.concatenate([DDPG.load(f / "snapshots" / name) for f in folders])
        merged.save(out / "snapshots" / name, training_state=False)
    for folder in folders:  # merged above; each group keeps its checkpoint and logs
        (folder / "agent.npz").unlink(missing_ok=True)
        shutil.rmtree(folder / "snapshots", ignore_errors=True)


def _read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _write_rows(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
