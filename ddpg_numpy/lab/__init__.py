"""The training lab, where gymnasium lives: environments and the evaluation rollout, the run
folder, the training loop (L3–L11), seeds over processes."""

from __future__ import annotations

from .envs import (  # noqa: F401
    EVAL_SEED_BASE,
    evaluate,
    make_env,
)
from .parallel import (  # noqa: F401
    group_folder,
    seed_groups,
    train_in_workers,
)
from .training import (  # noqa: F401
    METRICS,
    PROGRESS_FIELDS,
    TIMING_FIELDS,
    TrainResult,
    check_same_config,
    train,
)

__all__ = [
    "EVAL_SEED_BASE",
    "METRICS",
    "PROGRESS_FIELDS",
    "TIMING_FIELDS",
    "TrainResult",
    "check_same_config",
    "evaluate",
    "group_folder",
    "make_env",
    "seed_groups",
    "train",
    "train_in_workers",
]
