"""The training lab: gymnasium lives here. Environments and the one rollout loop, the run folder, the training loop (L3–L11), seeds over processes."""

from __future__ import annotations

from .training import (  # noqa: F401
    EVAL_SEED_BASE,
    PROGRESS_FIELDS,
    TIMING_FIELDS,
    make_env,
    evaluate,
    TrainResult,
    train,
    METRICS,
    check_same_config,
)
from .parallel import (  # noqa: F401
    seed_groups,
    group_folder,
    train_in_workers,
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
