"""Tests of what the optimal controller achieves (ddpg_numpy.pendulum.rollouts): rollouts match
the real environment, start-state sampling and its standard error."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from ddpg_numpy import pendulum as po

CACHE = Path(__file__).resolve().parents[1] / "checkpoints" / "pendulum_optimal.npz"


@pytest.fixture(scope="module")
def eval_starts() -> np.ndarray:
    return po.evaluation_starts()


def test_dp_policy_in_gymnasium_achieves_predicted_return(eval_starts):
    """Roll the greedy DP policy out in the real environment (with its time limit)."""
    truth = po.load_ground_truth(CACHE)
    solution = truth.episode
    predicted = po.optimal_return(eval_starts, solution)
    env = gym.make("Pendulum-v1")
    for k in range(len(eval_starts)):
        env.reset(seed=10_000 + k)
        total, steps, done = 0.0, 0, False
        while not done:
            theta, thetadot = env.unwrapped.state
            action = np.array([solution.policy(theta, thetadot)], dtype=np.float64)
            _, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            steps += 1
            done = terminated or truncated
        assert steps == 200
        assert abs(total - predicted[k]) < 1e-6
    env.close()
    # ... and the cached returns are exactly what the cached tables produce.
    np.testing.assert_allclose(predicted, truth.eval_returns, rtol=0, atol=1e-9)


def test_simulate_shapes_and_consistency(eval_starts):
    small = po.solve(n_theta=100, n_thetadot=101, n_torques=21)
    traj = po.simulate(small, eval_starts[:4], steps=30)
    assert traj.states.shape == (4, 31, 2)
    assert traj.actions.shape == traj.rewards.shape == (4, 30)
    np.testing.assert_array_equal(traj.states[:, 0], eval_starts[:4])
    np.testing.assert_array_equal(traj.returns, traj.rewards.sum(axis=1))
    assert np.all(np.abs(traj.actions) <= 2.0)
    assert np.all(np.abs(traj.states[:, :, 1]) <= 8.0)
    np.testing.assert_array_equal(po.optimal_return(eval_starts[:4], small, steps=30),
                                  traj.returns)


def test_random_starts():
    starts = po.random_starts(400, seed=3)
    assert starts.shape == (400, 2)
    assert np.all(np.abs(starts[:, 0]) <= np.pi) and np.all(np.abs(starts[:, 1]) <= 1.0)
    # One point per cell of the 20 x 20 stratification.
    cells = np.floor((starts + [np.pi, 1.0]) / [2 * np.pi / 20, 2.0 / 20]).astype(int)
    assert len({tuple(c) for c in cells}) == 400
    assert po.random_starts(10, stratified=False).shape == (10, 2)
    with pytest.raises(ValueError):
        po.random_starts(401)
    mean, se = po.mean_and_se(np.arange(400.0))
    assert mean == pytest.approx(199.5) and 0 < se < 1


def test_expected_start_value_is_the_table_mean_over_the_reset_box():
    solution = po.solve(n_theta=40, n_thetadot=41, n_torques=5, horizon=20)
    estimate = po.expected_start_value(solution, n_per_axis=50)
    grid_value = solution.value(*np.meshgrid(np.linspace(-np.pi, np.pi, 201),
                                             np.linspace(-1, 1, 201), indexing="ij"))
    assert estimate == pytest.approx(grid_value.mean(), abs=0.5)
