"""Pendulum-v1's physics, in one place: constants, one step, observation ↔ state, start states.

Copied from gymnasium/envs/classic_control/pendulum.py so that the ground truth (``solver``)
and the plots can step and draw the pendulum without an environment. θ = 0 is upright.
"""

from __future__ import annotations

import numpy as np

from ..lab.envs import EVAL_SEED_BASE

__all__ = [
    "DT",
    "EPISODE_STEPS",
    "G",
    "LENGTH",
    "M",
    "MAX_SPEED",
    "MAX_TORQUE",
    "angle_normalize",
    "evaluation_starts",
    "observation_to_state",
    "pendulum_step",
    "to_observation",
]

# Pendulum-v1 constants, as in gymnasium/envs/classic_control/pendulum.py.
G = 10.0
M = 1.0
LENGTH = 1.0
DT = 0.05
MAX_SPEED = 8.0
MAX_TORQUE = 2.0
EPISODE_STEPS = 200


def angle_normalize(x: np.ndarray) -> np.ndarray:
    """Wrap angles to [-π, π), exactly as gymnasium's ``angle_normalize``."""
    return ((x + np.pi) % (2 * np.pi)) - np.pi


def pendulum_step(
    theta: np.ndarray, thetadot: np.ndarray, torque: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Pendulum-v1 step, as ``PendulumEnv.step``; the arrays broadcast together.

    ``theta`` and ``thetadot`` are the current state (θ unwrapped, as gymnasium keeps it in
    ``env.unwrapped.state``), ``torque`` is clipped to [-2, 2] like the environment does.
    Returns ``(theta_next, thetadot_next, reward)``: the next state (θ not wrapped, θ̇ clipped
    to ±8) and this step's reward ``-(angle_normalize(θ)² + 0.1 θ̇² + 0.001 u²)``, a cost of
    the *current* state.

    The next state is bit-for-bit gymnasium's. The reward can differ in the last bit (in about
    0.1 % of steps), because gymnasium squares NumPy float64 scalars, which uses C ``pow``,
    while arrays are squared as ``x * x``.
    """
    theta = np.asarray(theta)
    thetadot = np.asarray(thetadot)
    u = np.clip(torque, -MAX_TORQUE, MAX_TORQUE)
    costs = angle_normalize(theta) ** 2 + 0.1 * thetadot**2 + 0.001 * (u**2)
    new_thetadot = (
        thetadot + (3 * G / (2 * LENGTH) * np.sin(theta) + 3.0 / (M * LENGTH**2) * u) * DT
    )
    new_thetadot = np.clip(new_thetadot, -MAX_SPEED, MAX_SPEED)
    new_theta = theta + new_thetadot * DT
    return new_theta, new_thetadot, -costs


def to_observation(theta: np.ndarray, thetadot: np.ndarray,
                   dtype: np.dtype | type = np.float32) -> np.ndarray:
    """Pendulum-v1 observations (cos θ, sin θ, θ̇), float32 like the environment's (or
    ``dtype``); shape broadcast(theta, thetadot) + (3,).

    Use it to evaluate an agent's μ(s) and Q(s, μ(s)) on the solution's (θ, θ̇) grid.
    """
    theta, thetadot = np.broadcast_arrays(np.asarray(theta), np.asarray(thetadot))
    return np.stack([np.cos(theta), np.sin(theta), thetadot], axis=-1).astype(dtype)


def observation_to_state(observations: np.ndarray) -> np.ndarray:
    """(θ, θ̇) (..., 2) from observations (cos θ, sin θ, θ̇) (..., 3); θ in [-π, π]."""
    obs = np.asarray(observations, dtype=float)
    if obs.shape[-1:] != (3,):
        raise ValueError(f"Pendulum-v1 observations have 3 columns (cos θ, sin θ, θ̇), got "
                         f"shape {obs.shape}.")
    return np.stack([np.arctan2(obs[..., 1], obs[..., 0]), obs[..., 2]], axis=-1)


def evaluation_starts(n: int = 50, seed_base: int = EVAL_SEED_BASE) -> np.ndarray:
    """Start states of Pendulum-v1 after ``env.reset(seed=seed_base + i)``, i < n; shape (n, 2).

    Computed by calling gymnasium. θ is recovered from the observation (cos θ, sin θ) with
    arctan2 and then replaced by the environment's own float64 state, which it equals up to
    the float32 rounding of the observation; this makes rollouts from these starts match the
    environment to the last bit.
    """
    import gymnasium as gym

    env = gym.make("Pendulum-v1")
    starts = np.empty((n, 2))
    try:
        for k in range(n):
            obs, _ = env.reset(seed=seed_base + k)
            theta = np.arctan2(float(obs[1]), float(obs[0]))
            exact = np.asarray(env.unwrapped.state, dtype=np.float64)
            if abs(angle_normalize(exact[0] - theta)) > 1e-5 or abs(exact[1] - obs[2]) > 1e-5:
                raise RuntimeError("observation and environment state disagree")
            starts[k] = exact
    finally:
        env.close()
    return starts
