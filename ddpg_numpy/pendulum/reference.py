"""The optimum beside every Pendulum-v1 number: what the optimal controller scores on the starts
an agent was measured on, and the start that shows a swing-up.

Read from the shipped ground truth (``checkpoints/pendulum_optimal.npz``, made by
``python -m ddpg_numpy pendulum-optimum``); where it is absent (an installed package without the
repository) every function answers None rather than guessing.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .dynamics import angle_normalize
from .truth import GroundTruth, load_ground_truth

ENV_ID = "Pendulum-v1"
SHIPPED_TRUTH = Path(__file__).resolve().parents[2] / "checkpoints" / "pendulum_optimal.npz"


def shipped_truth(path: str | os.PathLike = SHIPPED_TRUTH) -> GroundTruth | None:
    """The ground truth file, or None if it is not there."""
    return load_ground_truth(path) if Path(path).is_file() else None


def optimum_on_evaluation_starts(episodes: int, truth: GroundTruth | None = None) -> float | None:
    """Mean return of the optimal controller from the first ``episodes`` evaluation starts
    (``reset(seed=EVAL_SEED_BASE + i)``), or None when the file holds fewer starts."""
    truth = truth or shipped_truth()
    if truth is None or not 1 <= episodes <= len(truth.eval_returns):
        return None
    return float(np.mean(truth.eval_returns[:episodes]))


def swing_up_start(starts: np.ndarray) -> int:
    """Index of the start state (θ, θ̇) (n, 2) hanging lowest (|θ| nearest π): the most telling
    swing-up."""
    return int(np.argmax(np.abs(angle_normalize(starts[:, 0]))))


def hanging_evaluation_start(truth: GroundTruth | None = None) -> tuple[int, float, float] | None:
    """(reset seed, θ, the optimum's return from it) of the evaluation start hanging lowest."""
    truth = truth or shipped_truth()
    if truth is None:
        return None
    i = swing_up_start(truth.eval_starts)
    theta = float(angle_normalize(truth.eval_starts[i, 0]))
    return truth.eval_seed_base + i, theta, float(truth.eval_returns[i])
