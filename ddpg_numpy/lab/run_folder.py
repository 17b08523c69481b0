"""The run folder: every file a training run writes, and the one place that reads them back.

    config.json                  {"env_id", "seeds", "steps", "config"[, "groups"]}
    progress.csv                 one row per evaluation and seed (PROGRESS_FIELDS; run_logs.py)
    timing.csv                   wall-clock seconds per evaluation (TIMING_FIELDS), kept apart so
                                 progress.csv is bit-for-bit reproducible (run_logs.py)
    blas.json                    the BLAS kernel the run was trained under (blas_record.py)
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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.agent import DDPG
from ..core.checkpoint import load_npz, save_npz_atomic
from ..core.config import DDPGConfig, config_from_dict, is_whole_number
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
    stacked: bool | None = None  # seeds trained as a stack (None: not recorded, older folders)
    raw_config: dict[str, Any] | None = None  # the "config" entry as written


RUN_ENTRIES = ("env_id", "seeds", "steps", "config", "groups", "stacked")


def start_run_folder(out: Path, cfg: DDPGConfig, env_id: str, seeds: list[int], steps: int,
                     groups: list[list[int]] | None = None, stacked: bool | None = None) -> None:
    """Write config.json and the headers of progress.csv and timing.csv. A folder whose run
    stopped before its first checkpoint and evaluation is started again (nothing is lost); one
    with results is refused."""
    if holds_results(out) and not (out / CONFIG_FILE).exists():  # the advice --resume takes
        raise FileExistsError(f"{out} holds a run's results but no {CONFIG_FILE}: restore it "
                              "to continue the run with --resume, or choose another --out folder.")
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
    if stacked is not None:
        run["stacked"] = stacked  # a stack of one seed (--seeds 5) is not a solo run
    for name, fields in ((PROGRESS_FILE, PROGRESS_FIELDS), (TIMING_FILE, TIMING_FIELDS)):
        replace_text(out / name, ",".join(fields) + "\n")
    replace_text(out / CONFIG_FILE, json.dumps(run, indent=2))  # last: a run exists once it does


def group_folder(out: Path, group: Sequence[int]) -> Path:
    """The run folder of one worker group: out/workers/seeds_<a>_<b>..."""
    return out / WORKERS_FOLDER / ("seeds_" + "_".join(str(s) for s in group))


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
    """config.json as a SavedRun (None if there is none). A file that is not as a run writes it
    (not JSON, an entry missing, unknown or of the wrong type, a value DDPGConfig refuses) is a
    ValueError naming the entry and the fix."""
    path = Path(out) / CONFIG_FILE
    if not path.exists():
        return None
    try:
        saved = _saved_run(json.loads(path.read_text()))
    except (ValueError, TypeError, KeyError) as e:
        problem = f"it has no {e} entry" if isinstance(e, KeyError) else e
        raise ValueError(f"{path} cannot be resumed: {problem}. Restore the file as the run wrote "
                         "it, or start a new run in another --out folder.") from None
    return saved


def _saved_run(run: Any) -> SavedRun:
    """The entries of config.json, each checked for its type and range."""
    from .options import check_seed_list

    if not isinstance(run, dict):
        raise ValueError(f"it holds {json.dumps(run)[:40]}, not a run's settings (an object "
                         "with env_id, seeds, steps and config)")
    unknown = sorted(set(run) - set(RUN_ENTRIES))
    if unknown:
        raise ValueError(f"unknown entr{'y' if len(unknown) == 1 else 'ies'} {unknown} (a run "
                         f"writes {list(RUN_ENTRIES)})")
    env_id, seeds, steps, config = run["env_id"], run["seeds"], run["steps"], run["config"]
    if not isinstance(env_id, str) or not env_id.strip():
        raise ValueError(f'"env_id": {json.dumps(env_id)} must be a gymnasium id, e.g. '
                         '"Pendulum-v1"')
    check_seed_list(seeds, '"seeds"')
    if not is_whole_number(steps) or steps < 1:
        raise ValueError(f'"steps": {json.dumps(steps)} must be a whole number >= 1, e.g. 20000')
    if not isinstance(config, dict):
        raise ValueError(f'"config": {json.dumps(config)[:40]} must be an object of '
                         "hyperparameters")
    groups = run.get("groups", [seeds])
    if (not isinstance(groups, list) or not all(isinstance(g, list) and g for g in groups)
            or [s for g in groups for s in g] != seeds):
        raise ValueError(f'"groups": {json.dumps(groups)[:60]} must split "seeds" {seeds} into '
                         "consecutive non-empty lists")
    stacked = run.get("stacked")  # None: not recorded (older folders); null is not written
    if "stacked" in run and (not isinstance(stacked, bool) or (not stacked and len(seeds) > 1)):
        raise ValueError(f'"stacked": {json.dumps(stacked)} must be true or false (false only '
                         "for one seed)")
    return SavedRun(env_id, list(seeds), steps, config_from_dict(config), groups, stacked, config)


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
    # The logs' rows so far: a resume puts them back, so none the checkpoint covers is lost.
    state.update({f"loop.{name.replace('.', '_')}": np.array(_complete_lines(out / name))
                  for name in (PROGRESS_FILE, TIMING_FILE)})
    state.update({f"loop.actions.{i}": a for i, a in enumerate(envs.actions)})
    if armed("checkpoint"):  # test-only (kill_points.py): die with half the arrays written
        state = {**dict(list(state.items())[:len(state) // 2]), "kill": KillWhenWritten(),
                 **state}
    save_npz_atomic(out / CHECKPOINT_FILE, state)


def checkpoint_step(out: Path) -> int:
    """The environment step checkpoint.npz was taken at (reads that one entry only)."""
    with np.load(checkpoint_path(out), allow_pickle=False) as data:  # an npz loads lazily
        return int(json.loads(str(data["loop.state"]))["step"])


def _complete_lines(path: Path) -> str:
    """The file's text up to its last newline (a row cut short by a kill is not kept)."""
    text = path.read_text() if path.exists() else ""
    return text[:text.rfind("\n") + 1]


def restore_logs(out: Path, step: int) -> None:
    """progress.csv and timing.csv as they were when checkpoint.npz (at ``step``) was written,
    from the copy in it; a checkpoint without one (older versions) has the logs cut back to
    ``step``. Each file is replaced whole, atomically."""
    with np.load(checkpoint_path(out), allow_pickle=False) as data:
        saved = {name: str(data[f"loop.{name.replace('.', '_')}"])
                 for name in (PROGRESS_FILE, TIMING_FILE)
                 if f"loop.{name.replace('.', '_')}" in data.files}
    if len(saved) < 2 or not all(saved.values()):
        cut_logs_to_step(out, step)
        return
    replace_text(out / PROGRESS_FILE, saved[PROGRESS_FILE], "log-cut")
    replace_text(out / TIMING_FILE, saved[TIMING_FILE])


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
