"""Where each training environment stands in its episode: saved at a checkpoint, put back on resume.

An environment cannot be snapshotted in general (a MuJoCo or Box2D simulator holds state
gymnasium does not expose), but it can be driven back to where it was. For each environment the
loop keeps the state of its generator just before its current episode's reset (or, in the first
episode, the seed it was reset with) and every action it has taken since. A checkpoint saves
these with the state of the action space's generator (warm-up samples actions from it). Resuming
resets the environment from that generator state (L6) and steps it through the same actions
again: every environment whose ``reset`` and ``step`` depend only on its own generator and the
actions (classic control, Box2D, MuJoCo on the same machine) ends exactly where the checkpoint
left it, generators included. The replayed transitions are not stored again (the replay buffer is
in the checkpoint) and the agent is not asked to act (its generators and noise are in the
checkpoint too), so the run continues as if it had never stopped.

An environment that does not replay (it draws on a global or outside source of randomness) is
detected: its observation after the replay differs from the saved one. The run then continues
from where the replay ended, with a note that it will not match an uninterrupted run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class EnvsAtCheckpoint:
    """Where the training environments stood at a checkpoint.

    generators: per env, {"env": its generator's state before its episode's reset (None: the
    first episode, reset with its seed), "action_space": its action space's generator's state
    now}; actions: per env, the episode's actions so far, (k_i, act_dim) float64; obs: (n_envs,
    obs_dim) float64, or None in checkpoints from before episodes were replayed (all taken at
    episode ends).
    """

    generators: list[dict[str, Any]]
    actions: list[np.ndarray]
    obs: np.ndarray | None


def env_generator_state(env: Any) -> dict[str, Any]:
    """The environment's own generator (``env.unwrapped.np_random``), as a JSON-able dict."""
    return env.unwrapped.np_random.bit_generator.state


def action_space_state(env: Any) -> dict[str, Any]:
    """The generator of ``env.action_space`` (``sample()`` during warm-up), JSON-able."""
    return env.action_space.np_random.bit_generator.state


def start_first_episodes(envs: list, seeds: list[int]) -> np.ndarray:
    """L6 for a fresh run: each env and its action space seeded with its seed, as gymnasium
    recommends (``reset(seed=)`` once). Returns (n_envs, obs_dim) float64."""
    obs = []
    for env, seed in zip(envs, seeds):
        env.action_space.seed(seed)
        obs.append(env.reset(seed=seed)[0])
    return np.stack(obs).astype(np.float64)


def replay_episodes(envs: list, seeds: list[int], saved: EnvsAtCheckpoint) -> np.ndarray:
    """Put every env back where a checkpoint left it; returns their observations (n_envs,
    obs_dim) float64 (``seeds``: the envs' seeds, which started their first episodes)."""
    now = []
    for i, env in enumerate(envs):
        generators = saved.generators[i]
        if generators["env"] is None:
            observation = env.reset(seed=seeds[i])[0]  # L6, as the first episode was started
        else:
            env.unwrapped.np_random.bit_generator.state = generators["env"]
            observation = env.reset()[0]  # L6
        for action in saved.actions[i]:
            observation, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:  # it did not, before: not deterministic
                observation = env.reset()[0]  # a fresh episode; the check below says so
                break
        env.action_space.np_random.bit_generator.state = generators["action_space"]
        now.append(np.asarray(observation, dtype=np.float64))
        if saved.obs is not None and not np.array_equal(now[-1], saved.obs[i]):
            print(f"note: the environment of seed {seeds[i]} did not replay its episode to where "
                  "the checkpoint left it (it is not deterministic given its seed and actions); "
                  "training continues from where the replay ended, so it will not match an "
                  "uninterrupted run.")
    return np.stack(now)
