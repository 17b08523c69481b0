"""Tests of Pendulum-v1's physics (ddpg_numpy.pendulum.dynamics) against gymnasium, and of what
importing the wing pulls in."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np

from ddpg_numpy import pendulum as po


def test_step_matches_gymnasium_exactly():
    rng = np.random.default_rng(0)
    env = gym.make("Pendulum-v1").unwrapped
    n = 500
    theta = rng.uniform(-3 * np.pi, 3 * np.pi, n)  # gymnasium never wraps θ
    thetadot = rng.uniform(-8, 8, n)
    torque = rng.uniform(-2.5, 2.5, n)  # includes out-of-range torques: both clip
    new_theta, new_thetadot, reward = po.pendulum_step(theta, thetadot, torque)
    for k in range(n):
        env.state = np.array([theta[k], thetadot[k]])
        obs, r, terminated, truncated, _ = env.step(np.array([torque[k]]))
        assert not terminated and not truncated
        assert env.state[0] == new_theta[k]  # the state is bit-for-bit identical
        assert env.state[1] == new_thetadot[k]
        # The reward may differ in the last bit: gymnasium squares np.float64 *scalars*
        # (C pow), NumPy arrays are squared as x * x.
        assert abs(r - reward[k]) <= 1e-14 * abs(r)
        assert obs.dtype == np.float32
        np.testing.assert_array_equal(obs, po.to_observation(new_theta[k], new_thetadot[k]))
    env.close()


def test_evaluation_starts_are_gymnasium_resets():
    eval_starts = po.evaluation_starts()
    assert eval_starts.shape == (50, 2)
    env = gym.make("Pendulum-v1")
    for k in (0, 17, 49):
        obs, _ = env.reset(seed=10_000 + k)
        np.testing.assert_allclose(np.arctan2(obs[1], obs[0]), eval_starts[k, 0], atol=1e-6)
        np.testing.assert_allclose(obs[2], eval_starts[k, 1], atol=1e-6)
    env.close()
    assert np.all(np.abs(eval_starts[:, 0]) <= np.pi)
    assert np.all(np.abs(eval_starts[:, 1]) <= 1.0)
    np.testing.assert_array_equal(po.evaluation_starts(3, seed_base=10_001), eval_starts[1:4])


def test_wing_imports_no_matplotlib_and_gymnasium_only_when_called():
    """The ground truth is usable without plotting, and gymnasium is loaded only by
    ``evaluation_starts`` (which needs the environment), not by importing the wing."""
    code = (
        "import sys\n"
        "import ddpg_numpy.pendulum as po\n"
        "from ddpg_numpy.pendulum import dynamics, grid, rollouts, solver, truth\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
        "assert 'gymnasium' not in sys.modules, 'gymnasium imported at import time'\n"
        "po.evaluation_starts(1)\n"
        "assert 'gymnasium' in sys.modules\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported by evaluation_starts'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
