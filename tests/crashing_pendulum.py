"""A small deterministic task with true terminations, for the resume tests (no MuJoCo needed).

Pendulum-v1 whose episode "crashes" (terminates) at each step with probability 1/40, drawn from
the environment's own generator, under Pendulum's 200-step time limit. Episodes of different
seeds end at different steps, and ``step`` draws from ``np_random``, so a resume must restore
the generator exactly, not only the state. In a subprocess:
``--env crashing_pendulum:CrashingPendulum-v0``
with tests/ on PYTHONPATH (gymnasium imports the module, which registers the id).
"""

import gymnasium as gym
import numpy as np
from gymnasium.envs.classic_control.pendulum import PendulumEnv

CRASH_PROBABILITY = 1 / 40
ENV_ID = "crashing_pendulum:CrashingPendulum-v0"


class CrashingPendulumEnv(PendulumEnv):
    def step(self, u):
        obs, reward, _, truncated, info = super().step(u)
        return obs, reward, bool(self.np_random.random() < CRASH_PROBABILITY), truncated, info


class UnseededPendulumEnv(PendulumEnv):
    """Starts its episodes from the global NumPy generator: not reproducible from its seed."""

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.state = np.random.uniform(-np.pi, np.pi, size=2)
        self.last_u = None
        return self._get_obs(), {}


if "CrashingPendulum-v0" not in gym.registry:
    gym.register("CrashingPendulum-v0", entry_point=CrashingPendulumEnv, max_episode_steps=200)
    gym.register("UnseededPendulum-v0", entry_point=UnseededPendulumEnv, max_episode_steps=200)
