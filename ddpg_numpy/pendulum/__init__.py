"""Pendulum-v1's ground truth: the best return any controller can get, by dynamic programming.

DDPG's return on Pendulum-v1 only means something next to the best return that is possible.
One concept per module:

* ``dynamics``: Pendulum-v1's physics (constants, one step, observations, start states);
* ``grid``: the (θ, θ̇) grid and bilinear interpolation on it;
* ``solver``: ``solve``, dynamic programming on the grid, and its result ``PendulumSolution``;
* ``rollouts``: what the optimal controller achieves (``simulate``, ``optimal_return``) and the
  start states it is measured on;
* ``truth``: the cache ``checkpoints/pendulum_optimal.npz`` (``GroundTruth``,
  ``build_ground_truth``, ``save_ground_truth``, ``load_ground_truth``), made by
  ``python -m ddpg_numpy pendulum-optimum``;
* ``reference``: the optimum beside an agent's numbers (same starts) and the swing-up start.

Importing the package imports neither matplotlib nor gymnasium (``evaluation_starts`` imports
gymnasium when it is called).
"""

from __future__ import annotations

from .dynamics import (
    DT,
    EPISODE_STEPS,
    LENGTH,
    MAX_SPEED,
    MAX_TORQUE,
    G,
    M,
    angle_normalize,
    evaluation_starts,
    observation_to_state,
    pendulum_step,
    to_observation,
)
from .grid import interpolate, theta_axis, thetadot_axis
from .reference import (
    hanging_evaluation_start,
    optimum_on_evaluation_starts,
    shipped_truth,
    swing_up_start,
)
from .rollouts import (
    Trajectories,
    expected_start_value,
    mean_and_se,
    optimal_return,
    random_starts,
    simulate,
)
from .solver import (
    DEFAULT_N_THETA,
    DEFAULT_N_THETADOT,
    DEFAULT_N_TORQUES,
    PendulumSolution,
    solve,
)
from .truth import (
    DEFAULT_GAMMA_CRITIC,
    DISCOUNTED_PREFIX,
    GroundTruth,
    build_ground_truth,
    load_ground_truth,
    save_ground_truth,
)

__all__ = [
    "DEFAULT_GAMMA_CRITIC",
    "DEFAULT_N_THETA",
    "DEFAULT_N_THETADOT",
    "DEFAULT_N_TORQUES",
    "DISCOUNTED_PREFIX",
    "DT",
    "EPISODE_STEPS",
    "G",
    "GroundTruth",
    "LENGTH",
    "M",
    "MAX_SPEED",
    "MAX_TORQUE",
    "PendulumSolution",
    "Trajectories",
    "angle_normalize",
    "build_ground_truth",
    "evaluation_starts",
    "expected_start_value",
    "interpolate",
    "load_ground_truth",
    "mean_and_se",
    "observation_to_state",
    "optimal_return",
    "pendulum_step",
    "random_starts",
    "save_ground_truth",
    "simulate",
    "solve",
    "theta_axis",
    "thetadot_axis",
    "to_observation",
    "hanging_evaluation_start",
    "optimum_on_evaluation_starts",
    "shipped_truth",
    "swing_up_start",
]
