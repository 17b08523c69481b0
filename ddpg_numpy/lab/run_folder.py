"""The run folder: every file a training run writes, and the one place that reads them back.

    config.json                  {"env_id", "seeds", "steps", "config"[, "groups"]}
    progress.csv                 one row per evaluation and seed (PROGRESS_FIELDS)
    timing.csv                   wall-clock seconds per evaluation (TIMING_FIELDS), kept apart so
                                 progress.csv is bit-for-bit reproducible
    checkpoint.npz               everything needed to resume (agent, replay buffer, loop state)
    agent.npz                    the trained agent alone, written at the end
    snapshots/agent_<step>.npz   actor and critic during training (snapshot_every/_steps)
    workers/seeds_<a>_<b>/       a worker group's own run folder (parallel.py)

Numbers in progress.csv are written so that they read back exactly: integers as integers, other
floats as ``repr`` (the shortest text that parses to the same float).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.agent import DDPG
from ..core.checkpoint import load_npz, save_npz_atomic
from ..core.config import DDPGConfig
from ..core.replay import ReplayBuffer

CONFIG_FILE = "config.json"
PROGRESS_FILE = "progress.csv"
TIMING_FILE = "timing.csv"
CHECKPOINT_FILE = "checkpoint.npz"
AGENT_FILE = "agent.npz"
SNAPSHOT_FOLDER = "snapshots"

PROGRESS_FIELDS = ["step", "seed", "episodes", "eval_return_mean", "eval_return_std",
                   "eval_return_min", "eval_return_max", "train_return", "critic_loss",
                   "q_mean", "actor_objective", "updates"]
TIMING_FIELDS = ["step", "train_seconds", "eval_seconds"]


# --- config.json ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SavedRun:
    """What config.json says about a run: enough to resume it."""

    env_id: str
    seeds: list[int]
    steps: int
    config: DDPGConfig
    groups: list[list[int]]  # seeds per worker process; [seeds] for a one-process run


def start_run_folder(out: Path, cfg: DDPGConfig, env_id: str, seeds: list[int], steps: int,
                     groups: list[list[int]] | None = None) -> None:
    """Write config.json and the headers of progress.csv and timing.csv; refuse an old run."""
    if (out / PROGRESS_FILE).exists():
        raise FileExistsError(f"{out} already holds a run. Use --resume to continue it, or "
                              "choose another --out folder.")
    out.mkdir(parents=True, exist_ok=True)
    run: dict[str, Any] = {"env_id": env_id, "seeds": seeds, "steps": steps,
                           "config": cfg.to_dict()}
    if groups is not None:
        run["groups"] = groups
    (out / CONFIG_FILE).write_text(json.dumps(run, indent=2))
    for name, fields in ((PROGRESS_FILE, PROGRESS_FIELDS), (TIMING_FILE, TIMING_FIELDS)):
        with open(out / name, "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerow(fields)


def read_config_json(out: str | Path) -> dict[str, Any] | None:
    """config.json as written (None if there is none)."""
    path = Path(out) / CONFIG_FILE
    return json.loads(path.read_text()) if path.exists() else None


def read_saved_run(out: Path) -> SavedRun | None:
    """config.json as a SavedRun (None if there is none)."""
    run = read_config_json(out)
    if run is None:
        return None
    return SavedRun(run["env_id"], run["seeds"], run["steps"],
                    DDPGConfig.from_dict(run["config"]), run.get("groups", [run["seeds"]]))


def check_same_config(out: Path, saved: DDPGConfig, cfg: DDPGConfig) -> None:
    """Resuming with another config than the run's is an error that lists the differences."""
    if saved != cfg:
        diff = {k: (v, cfg.to_dict()[k]) for k, v in saved.to_dict().items()
                if cfg.to_dict()[k] != v}
        raise ValueError(f"the run in {out} was started with another config; differences "
                         f"(saved, given): {diff}. Resume with the saved config "
                         "(the command line does this for you).")


def config_to_resume(out: Path | None, cfg: DDPGConfig) -> DDPGConfig:
    """The saved config of a one-process run with a checkpoint, after checking it is ``cfg``."""
    run = read_saved_run(out) if out is not None else None
    if run is not None and len(run.groups) > 1:
        raise ValueError(f"the run in {out} was trained in {len(run.groups)} worker groups "
                         f"{run.groups}: resume it with workers={len(run.groups)} (the command "
                         "line does this for you).")
    if out is None or not has_checkpoint(out):
        raise FileNotFoundError(f"nothing to resume: no {CHECKPOINT_FILE} in {out}. Start the "
                                "run without --resume.")
    if run is None:
        raise FileNotFoundError(f"{out} has a checkpoint but no {CONFIG_FILE}: its config is "
                                "lost, so it cannot be resumed.")
    check_same_config(out, run.config, cfg)
    return run.config


def check_resume_groups(out: Path, cfg: DDPGConfig, groups: list[list[int]]) -> None:
    """A worker run resumes with the worker groups and config it was started with."""
    run = read_saved_run(out)
    if run is None:
        raise FileNotFoundError(f"nothing to resume: no {CONFIG_FILE} in {out}. Start the run "
                                "without --resume.")
    if run.groups != groups:
        raise ValueError(f"the run in {out} was trained in worker groups {run.groups}, not "
                         f"{groups}: resume it with workers={len(run.groups)} (the command "
                         "line does this for you).")
    check_same_config(out, run.config, cfg)


# --- progress.csv and timing.csv -----------------------------------------------------------

def append_progress(out: Path, rows: list[dict[str, float]]) -> None:
    """Append rows (dicts with PROGRESS_FIELDS) to progress.csv."""
    with open(out / PROGRESS_FILE, "a", newline="") as f:
        writer = csv.DictWriter(f, PROGRESS_FIELDS, lineterminator="\n")
        writer.writerows({k: _number_text(r[k]) for k in PROGRESS_FIELDS} for r in rows)


def append_timing(out: Path, step: int, train_seconds: float, eval_seconds: float) -> None:
    """Append one row to timing.csv (seconds to the millisecond)."""
    with open(out / TIMING_FILE, "a", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow([step, f"{train_seconds:.3f}",
                                                     f"{eval_seconds:.3f}"])


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def read_progress(out: Path) -> list[dict[str, float]]:
    """progress.csv as rows of floats, in file order."""
    return _read_floats(out / PROGRESS_FILE)


def read_timing(out: Path) -> list[dict[str, float]]:
    """timing.csv as rows of floats (step, train_seconds, eval_seconds), in file order."""
    return _read_floats(out / TIMING_FILE)


def progress_columns(out: str | Path) -> dict[str, np.ndarray]:
    """progress.csv as columns: name -> (rows,) floats (an empty cell reads as NaN)."""
    path = Path(out) / PROGRESS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {PROGRESS_FILE} in {out}: pass a run folder made by "
                                "python -m ddpg_numpy train --out DIR (or train(..., out=DIR)).")
    rows = _read_text(path)
    if not rows:
        raise ValueError(f"{path} has no rows yet: the run has not reached its first "
                         "evaluation (every config.eval_every steps).")
    return {k: np.array([float(r[k]) if r[k] != "" else np.nan for r in rows]) for k in rows[0]}


def cut_logs_to_step(out: Path, step: int) -> None:
    """Drop the rows of progress.csv and timing.csv logged after ``step`` (resume replays them)."""
    for name in (PROGRESS_FILE, TIMING_FILE):
        lines = (out / name).read_text().splitlines(keepends=True)
        kept = [lines[0]] + [ln for ln in lines[1:] if int(ln.split(",", 1)[0]) <= step]
        (out / name).write_text("".join(kept))


def merge_group_logs(out: Path, folders: Sequence[Path], seeds: Sequence[int]) -> None:
    """out/progress.csv and timing.csv from the worker groups' run folders.

    progress rows keep the groups' own text, ordered by (step, position of the seed in
    ``seeds``); timing takes, per step, the slowest group's seconds.
    """
    seed_order = {s: i for i, s in enumerate(seeds)}
    progress = [row for folder in folders for row in _read_text(folder / PROGRESS_FILE)]
    progress.sort(key=lambda r: (int(r["step"]), seed_order[int(r["seed"])]))
    _write_text(out / PROGRESS_FILE, PROGRESS_FIELDS, progress)

    timing: dict[str, dict[str, str]] = {}
    for folder in folders:
        for row in _read_text(folder / TIMING_FILE):
            kept = timing.setdefault(row["step"], row)
            for key in ("train_seconds", "eval_seconds"):
                if float(row[key]) > float(kept[key]):
                    kept[key] = row[key]
    _write_text(out / TIMING_FILE, TIMING_FIELDS,
                sorted(timing.values(), key=lambda r: int(r["step"])))


def _read_floats(path: Path) -> list[dict[str, float]]:
    return [{k: float(v) for k, v in row.items()} for row in _read_text(path)]


def _read_text(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _write_text(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    tmp = path.with_suffix(".tmp")  # then a rename: readers never see half a file
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


# --- checkpoint.npz, agent.npz, snapshots/ -------------------------------------------------

def checkpoint_path(out: Path) -> Path:
    return out / CHECKPOINT_FILE


def has_checkpoint(out: Path) -> bool:
    return (out / CHECKPOINT_FILE).exists()


def save_checkpoint(out: Path, agent: DDPG, buffer: ReplayBuffer, loop_state: dict[str, Any],
                    env_rng_states: list[Any]) -> None:
    """Write checkpoint.npz: the agent's arrays, ``replay.*`` (if config.checkpoint_replay),
    ``loop.state`` (the JSON-able ``loop_state``) and ``loop.env_rng`` (one dict per env)."""
    state = agent.state_dict()
    if agent.config.checkpoint_replay:
        state.update({f"replay.{k}": v for k, v in buffer.state_dict().items()})
    state["loop.state"] = np.array(json.dumps(loop_state))
    state["loop.env_rng"] = np.array(json.dumps(env_rng_states))
    save_npz_atomic(out / CHECKPOINT_FILE, state)


def load_checkpoint(out: Path, agent: DDPG,
                    buffer: ReplayBuffer) -> tuple[dict[str, Any], list[Any]]:
    """Load checkpoint.npz into ``agent`` and ``buffer``; returns (loop_state, env_rng_states)
    as ``save_checkpoint`` was given them."""
    state = load_npz(out / CHECKPOINT_FILE)
    agent.load_state_dict(state)
    if "replay.obs" in state:
        buffer.load_state_dict({k.split(".", 1)[1]: v for k, v in state.items()
                                if k.startswith("replay.")})
    else:
        print("note: this checkpoint holds no replay buffer (checkpoint_replay=False); "
              "training continues with an empty one, so it will not match an uninterrupted run.")
    return json.loads(str(state["loop.state"])), json.loads(str(state["loop.env_rng"]))


def agent_path(out: Path) -> Path:
    return out / AGENT_FILE


def save_agent(out: Path, agent: DDPG) -> None:
    """agent.npz: ``DDPG.save`` of the trained agent (no replay buffer)."""
    agent.save(out / AGENT_FILE)


def snapshot_folder(out: Path) -> Path:
    return out / SNAPSHOT_FOLDER


def snapshot_path(out: Path, step: int) -> Path:
    return out / SNAPSHOT_FOLDER / f"agent_{step:07d}.npz"


def snapshot_files(out: Path) -> list[Path]:
    """The run's snapshots, in order of their step."""
    return sorted((out / SNAPSHOT_FOLDER).glob("agent_*.npz"))


def snapshot_step(path: Path) -> int:
    """The environment step of a snapshot file."""
    return int(path.stem.split("_")[1])


def save_snapshot(out: Path, agent: DDPG, step: int) -> None:
    """snapshots/agent_<step>.npz: actor and critic only (for plots over training)."""
    agent.save(snapshot_path(out, step), training_state=False)
