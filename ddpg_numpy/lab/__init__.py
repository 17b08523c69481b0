"""The training lab, where gymnasium lives: environments and the evaluation rollout (envs), the
run folder's files (run_folder, run_logs, run_lock), the training loop L3–L11 (loop, loop_state,
episode_replay), seeds over processes (parallel, workers), ``train`` (training) and the option
parsers (options)."""

from __future__ import annotations

from .envs import EVAL_SEED_BASE, evaluate, make_env
from .loop import TrainResult, train_in_process
from .loop_state import METRICS, LoopState
from .options import parse_override, parse_seeds
from .parallel import group_folder, seed_groups, train_in_workers
from .resume import check_same_config
from .run_folder import (
    PROGRESS_FIELDS,
    TIMING_FIELDS,
    SavedRun,
    progress_columns,
    read_config_json,
    read_progress,
    read_saved_run,
    read_timing,
    snapshot_files,
    snapshot_step,
)
from .run_lock import RunFolderLocked
from .training import train
from .workers import WorkerDied

__all__ = [
    # envs
    "EVAL_SEED_BASE", "evaluate", "make_env",
    # loop, loop_state
    "TrainResult", "train_in_process", "METRICS", "LoopState",
    # options
    "parse_override", "parse_seeds",
    # parallel
    "WorkerDied", "group_folder", "seed_groups", "train_in_workers",
    # run_lock
    "RunFolderLocked",
    # run_folder
    "PROGRESS_FIELDS", "TIMING_FIELDS", "SavedRun", "check_same_config", "progress_columns",
    "read_config_json", "read_progress", "read_saved_run", "read_timing", "snapshot_files",
    "snapshot_step",
    # training
    "train",
]
