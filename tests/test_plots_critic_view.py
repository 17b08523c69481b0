"""plots.critic_view and plots.agent_outputs: Q(s, a) and ∇ₐQ of one seed.

Every function runs on small inputs, returns its figure, writes a non-empty file, draws
the numbers it claims to draw, and rejects wrongly shaped input with a clear error."""

import numpy as np
import pytest
from plots_helpers import assert_written, pendulum_agent

from ddpg_numpy import plots as P


def test_critic_view_tangent_has_the_slope_of_q(tmp_path):
    agent = pendulum_agent()
    obs = np.array([-1.0, 0.1, 0.5])
    fig = P.plot_critic_view(agent, obs, n_actions=11)
    tangent = next(line for line in fig.axes[0].lines if "slope" in line.get_label())
    x, y = tangent.get_xdata(), tangent.get_ydata()
    mu = agent.actor(obs[None])
    h = 1e-5
    q = [agent.critic(obs[None], mu + d)[0] for d in (h, -h)]
    assert np.isclose((y[1] - y[0]) / (x[1] - x[0]), (q[0] - q[1]) / (2 * h), rtol=1e-4)
    assert_written(P.save_figure(fig, tmp_path / "critic.png"))


def test_critic_view_rejects_bad_input():
    agent = pendulum_agent()
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        P.plot_critic_view(agent, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="action_index"):
        P.plot_critic_view(agent, np.zeros(3), action_index=1)
    with pytest.raises(ValueError, match="reference must be"):
        P.plot_critic_view(agent, np.zeros(3), reference=(np.zeros(3), np.zeros(4)))


def test_critic_values_match_action_gradient_of_a_solo_agent():
    stacked, solo = pendulum_agent([3, 4]), pendulum_agent(4)
    obs, actions = np.random.default_rng(0).normal(size=(5, 3)), np.zeros((5, 1))
    q, g = P.critic_values(stacked, obs, actions, agent_seed=4)
    q_solo, g_solo = solo.critic.action_gradient(obs, actions)
    np.testing.assert_allclose(q, q_solo, rtol=1e-10)
    np.testing.assert_allclose(g, g_solo, rtol=1e-10)
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        P.critic_values(solo, obs[:, :2], actions)
