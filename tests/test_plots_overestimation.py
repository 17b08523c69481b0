"""plots.overestimation: the critic's Q(s₀, μ(s₀)) against the return obtained.

Every function runs on small inputs, returns its figure, writes a non-empty file, draws
the numbers it claims to draw, and rejects wrongly shaped input with a clear error."""

import numpy as np
import pytest
from plots_helpers import assert_written, pendulum_agent

from ddpg_numpy import plots as P
from ddpg_numpy.lab.envs import make_env


def test_discounted_horizon():
    h = P.discounted_horizon(0.9, 1e-2)
    assert 0.9**h < 1e-2 <= 0.9 ** (h - 1)
    with pytest.raises(ValueError, match="gamma"):
        P.discounted_horizon(1.0)


def test_overestimation_compares_q_with_the_discounted_return():
    snapshots = [pendulum_agent([0, 1]), pendulum_agent([2, 3])]
    gamma, horizon = 0.9, 4
    predicted, actual = P.overestimation(snapshots, "Pendulum-v1", episodes=2, gamma=gamma,
                                         horizon=horizon)
    assert predicted.shape == actual.shape == (2, 2)
    # Recompute snapshot 1, seed index 1 (agent seed 3) by hand.
    solo = pendulum_agent(3)
    returns, q0 = [], []
    for i in range(2):
        env = make_env("Pendulum-v1")
        obs, _ = env.reset(seed=10_000 + i)
        q0.append(solo.critic(obs[None].astype(float), solo.actor(obs[None].astype(float)))[0])
        total = 0.0
        for t in range(horizon):
            obs, reward, *_ = env.step(solo.act(obs))
            total += gamma**t * reward
        returns.append(total)
    assert np.isclose(predicted[1, 1], np.mean(q0))
    assert np.isclose(actual[1, 1], np.mean(returns))


def test_plot_overestimation(tmp_path):
    predicted, actual = np.ones((3, 4)), np.zeros((3, 4))
    fig = P.plot_overestimation(np.arange(4) * 100, predicted, actual, optimal_value=-1.0)
    assert len(fig.axes) == 2
    np.testing.assert_allclose(fig.axes[1].lines[-2].get_ydata(), 1.0)  # the median error
    assert_written(P.save_figure(fig, tmp_path / "over.png"))
    with pytest.raises(ValueError, match="predicted must have shape"):
        P.plot_overestimation(np.arange(3), predicted, actual)
    with pytest.raises(ValueError, match="differ"):
        P.plot_overestimation(np.arange(4), predicted, np.zeros((2, 4)))
