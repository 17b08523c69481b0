"""Environments: ``make_env`` with errors that say what to do, and the evaluation rollout.

Evaluation runs the deterministic policy μ(s) (no noise) from a fixed set of start states —
``reset(seed=EVAL_SEED_BASE + i)`` for i < episodes — the same for every seed and every
evaluation, so numbers compare across a curve and across runs.
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np

from ..core.agent import DDPG

EVAL_SEED_BASE = 10_000  # evaluation episode i starts from env.reset(seed=EVAL_SEED_BASE + i)


def make_env(env_id: str, **kwargs: Any):
    """``gymnasium.make`` with errors that say what to do (typos, missing MuJoCo)."""
    import gymnasium as gym

    try:
        return gym.make(env_id, **kwargs)
    except gym.error.DependencyNotInstalled as e:
        raise ModuleNotFoundError(f"{env_id} needs an extra dependency ({e}). For MuJoCo "
                                  "tasks: pip install 'ddpg-numpy[mujoco]'.") from e
    except gym.error.Error as e:
        if env_id in gym.registry:
            raise
        close = difflib.get_close_matches(env_id, list(gym.registry), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown environment id {env_id!r}.{hint} List the registered ids "
                         "with: python -c 'import gymnasium; gymnasium.pprint_registry()'") from e


def rollout_rewards(agent: DDPG, env_id: str, episodes: int = 10,
                    seed_base: int = EVAL_SEED_BASE, envs: list | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Roll out the deterministic policy μ(s) from start states ``reset(seed=seed_base + i)``.

    All episodes run side by side (one batched actor call per time step), each until the
    environment ends it (its own time limit, or that of the ``envs`` given: a stacked agent
    with S seeds needs S * episodes of them). Returns the start observations (..., episodes,
    obs_dim) and the rewards (..., episodes, T), T the longest episode's length and 0 after an
    episode ends; ... is (S,) for a stacked agent, nothing otherwise.
    """
    n_agents = agent.stack or 1
    envs = envs or [make_env(env_id) for _ in range(n_agents * episodes)]
    obs = np.stack([env.reset(seed=seed_base + i % episodes)[0] for i, env in enumerate(envs)])
    starts = obs.copy()
    step_rewards = []
    running = np.ones(len(envs), dtype=bool)
    shape = (agent.stack, episodes) if agent.stack else (episodes,)
    while running.any():
        actions = agent.actor(obs.reshape(*shape, -1).astype(agent.dtype))
        actions = actions.reshape(len(envs), -1).astype(np.float64)
        rewards = np.zeros(len(envs))
        for i in np.flatnonzero(running):
            obs[i], rewards[i], terminated, truncated, _ = envs[i].step(actions[i])
            running[i] = not (terminated or truncated)
        step_rewards.append(rewards)
    return starts.reshape(*shape, -1), np.stack(step_rewards, axis=-1).reshape(*shape, -1)


def evaluate(agent: DDPG, env_id: str, episodes: int = 10, seed_base: int = EVAL_SEED_BASE,
             envs: list | None = None) -> np.ndarray:
    """Returns of the deterministic policy from start states ``reset(seed=seed_base + i)``.

    All episodes run side by side (``rollout_rewards``).
    Returns (episodes,), or (S, episodes) for a stacked agent.
    """
    _, rewards = rollout_rewards(agent, env_id, episodes, seed_base, envs)
    returns = np.zeros(rewards.shape[:-1])
    for t in range(rewards.shape[-1]):  # summed step by step in float64, as the episodes ran
        returns += rewards[..., t]
    return returns
