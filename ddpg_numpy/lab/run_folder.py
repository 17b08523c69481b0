"""The run folder: every file a training run writes, and the one place that reads them back.

    config.json                  {"env_id", "seeds", "steps", "config"[, "groups"]}
    progress.csv                 one row per evaluation and seed (PROGRESS_FIELDS; run_logs.py)
    timing.csv                   wall-clock seconds per evaluation (TIMING_FIELDS), kept apart so
                                 progress.csv is bit-for-bit reproducible (run_logs.py)
    checkpoint.npz               everything needed to resume (agent, replay buffer, loop state)
    agent.npz                    the trained agent alone, written at the end
    snapshots/agent_<step>.npz   actor and critic during training (snapshot_every/_steps)
    workers/seeds_<a>_<b>/       a worker group's own run folder (parallel.py)
    run.lock                     the process training into the folder (run_lock.py)

Every file is written so that a kill at any moment leaves a folder that resumes: whole files are
written to a temporary file and moved into place (``os.replace``); rows are appended, and a
half-written last row is dropped when the logs are cut back on resume. Temporary files left by
a kill are removed when the next training starts. docs/runs.md has the guarantees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.agent import DDPG
from ..core.checkpoint import load_npz, save_npz_atomic
from ..core.config import DDPGConfig, config_from_dict
from ..core.replay import ReplayBuffer
from .episode_replay import EnvsAtCheckpoint
from .kill_points import KillWhenWritten, armed
from .run_logs import (  # noqa: F401  (the logs' names, re-exported: part of the run folder)
    PROGRESS_FIELDS,
    PROGRESS_FILE,
    TIMING_FIELDS,
    TIMING_FILE,
    append_progress,
    append_timing,
    cut_logs_to_step,
    merge_group_logs,
    progress_columns,
    read_progress,
    read_timing,
    replace_text,
)

CONFIG_FILE = "config.json"
CHECKPOINT_FILE = "checkpoint.npz"
AGENT_FILE = "agent.npz"
SNAPSHOT_FOLDER = "snapshots"
WORKERS_FOLDER = "workers"


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
    """Write config.json and the headers of progress.csv and timing.csv. A folder whose run
    stopped before its first checkpoint and evaluation is started again (nothing is lost); one
    with results is refused."""
    if holds_results(out):
        raise FileExistsError(f"{out} already holds a run. Use --resume to continue it, or "
                              "choose another --out folder.")
    if (out / CONFIG_FILE).exists():
        print(f"note: the run in {out} stopped before its first checkpoint, so there is "
              "nothing to resume; starting it again from step 0.")
    out.mkdir(parents=True, exist_ok=True)
    run: dict[str, Any] = {"env_id": env_id, "seeds": seeds, "steps": steps,
                           "config": cfg.to_dict()}
    if groups is not None:
        run["groups"] = groups
    for name, fields in ((PROGRESS_FILE, PROGRESS_FIELDS), (TIMING_FILE, TIMING_FIELDS)):
        replace_text(out / name, ",".join(fields) + "\n")
    replace_text(out / CONFIG_FILE, json.dumps(run, indent=2))  # last: a run exists once it does


def holds_results(out: Path) -> bool:
    """Whether ``out``, or a worker group in it, has a checkpoint or a logged row."""
    folders = [out, *sorted((out / WORKERS_FOLDER).glob("*"))]
    return any(has_checkpoint(f) or _has_rows(f / PROGRESS_FILE) for f in folders)


def _has_rows(path: Path) -> bool:
    return path.is_file() and len(path.read_text().splitlines()) > 1


def remove_stale_temp_files(out: Path) -> None:
    """Delete the temporary files a killed run left (called by the lock's holder): ours start
    with a dot and end in .tmp (progress.tmp and timing.tmp: older versions')."""
    for folder in (out, out / SNAPSHOT_FOLDER):
        for pattern in (".*.tmp", "progress.tmp", "timing.tmp"):
            for path in folder.glob(pattern):
                path.unlink(missing_ok=True)


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
                    config_from_dict(run["config"]), run.get("groups", [run["seeds"]]))


def check_same_config(out: Path, saved: DDPGConfig, cfg: DDPGConfig) -> None:
    """Resuming with another config than the run's is an error that lists the differences."""
    if saved != cfg:
        diff = {k: (v, cfg.to_dict()[k]) for k, v in saved.to_dict().items()
                if cfg.to_dict()[k] != v}
        raise ValueError(f"the run in {out} was started with another config; differences "
                         f"(saved, given): {diff}. Resume with the saved config "
                         "(the command line does this for you).")


def config_to_resume(out: Path | None, cfg: DDPGConfig) -> DDPGConfig:
    """The saved config of a one-process run, after checking it is ``cfg``."""
    run = read_saved_run(out) if out is not None else None
    if run is not None and len(run.groups) > 1:
        raise ValueError(f"the run in {out} was trained in {len(run.groups)} worker groups "
                         f"{run.groups}: resume it with workers={len(run.groups)} (the command "
                         "line does this for you).")
    if out is None or (run is None and not has_checkpoint(out)):
        raise FileNotFoundError(f"nothing to resume: no {CONFIG_FILE} in {out}. Start the run "
                                "without --resume.")
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


# --- checkpoint.npz, agent.npz, snapshots/ -------------------------------------------------

def checkpoint_path(out: Path) -> Path:
    return out / CHECKPOINT_FILE


def has_checkpoint(out: Path) -> bool:
    return (out / CHECKPOINT_FILE).exists()


def save_checkpoint(out: Path, agent: DDPG, buffer: ReplayBuffer, loop_state: dict[str, Any],
                    envs: EnvsAtCheckpoint) -> None:
    """Write checkpoint.npz: the agent's arrays, ``replay.*`` (if config.checkpoint_replay),
    ``loop.state`` (the JSON-able ``loop_state``), ``loop.env_rng`` (``envs.generators``),
    ``loop.obs`` and ``loop.actions.<i>``."""
    state = agent.state_dict()
    if agent.config.checkpoint_replay:
        state.update({f"replay.{k}": v for k, v in buffer.state_dict().items()})
    state["loop.state"] = np.array(json.dumps(loop_state))
    state["loop.env_rng"] = np.array(json.dumps(envs.generators))
    state["loop.obs"] = envs.obs
    state.update({f"loop.actions.{i}": a for i, a in enumerate(envs.actions)})
    if armed("checkpoint"):  # test-only (kill_points.py): die with half the arrays written
        state = {**dict(list(state.items())[:len(state) // 2]), "kill": KillWhenWritten(),
                 **state}
    save_npz_atomic(out / CHECKPOINT_FILE, state)


def checkpoint_step(out: Path) -> int:
    """The environment step checkpoint.npz was taken at (reads that one entry only)."""
    with np.load(checkpoint_path(out), allow_pickle=False) as data:  # an npz loads lazily
        return int(json.loads(str(data["loop.state"]))["step"])


def load_checkpoint(out: Path, agent: DDPG,
                    buffer: ReplayBuffer) -> tuple[dict[str, Any], EnvsAtCheckpoint]:
    """Load checkpoint.npz into ``agent`` and ``buffer``; returns (loop_state, envs) as
    ``save_checkpoint`` was given them."""
    state = load_npz(out / CHECKPOINT_FILE)
    agent.load_state_dict(state)
    if "replay.obs" in state:
        buffer.load_state_dict({k.split(".", 1)[1]: v for k, v in state.items()
                                if k.startswith("replay.")})
    else:
        print("note: this checkpoint holds no replay buffer (checkpoint_replay=False); "
              "training continues with an empty one, so it will not match an uninterrupted run.")
    generators = json.loads(str(state["loop.env_rng"]))
    actions = [state.get(f"loop.actions.{i}", np.zeros((0, agent.act_dim)))
               for i in range(len(generators))]
    envs = EnvsAtCheckpoint(generators, actions, state.get("loop.obs"))
    return json.loads(str(state["loop.state"])), envs


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
