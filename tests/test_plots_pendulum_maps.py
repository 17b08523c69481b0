"""plots.pendulum_maps and plots.training_maps: Pendulum-v1 value and policy maps.

Every function runs on small inputs, returns its figure, writes a non-empty file, draws
the numbers it claims to draw, and rejects wrongly shaped input with a clear error."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image
from plots_helpers import TINY, assert_written, pendulum_agent

from ddpg_numpy import DDPG
from ddpg_numpy import plots as P
from ddpg_numpy.pendulum import solve
from ddpg_numpy.pendulum.dynamics import to_observation


@pytest.fixture(scope="module")
def tiny_solution():
    return solve(16, 17, 5, horizon=None, gamma=0.9)


def test_pendulum_maps_are_q_of_mu_on_the_grid():
    agent = pendulum_agent()
    maps = P.pendulum_maps(agent, n_theta=7, n_thetadot=5)
    assert maps.value.shape == maps.action.shape == (5, 7)
    i, j = 3, 2  # θ̇ row, θ column
    obs = to_observation(maps.theta[j], maps.thetadot[i], dtype=np.float64)[None]
    mu = agent.actor(obs)
    assert np.isclose(maps.action[i, j], mu[0, 0])
    assert np.isclose(maps.value[i, j], agent.critic(obs, mu)[0])


def test_pendulum_maps_of_a_stacked_agent_pick_one_seed():
    stacked = pendulum_agent(seed=[0, 1])
    solo = pendulum_agent(seed=1)
    a = P.pendulum_maps(stacked, agent_seed=1, n_theta=6, n_thetadot=4)
    b = P.pendulum_maps(solo, n_theta=6, n_thetadot=4)
    np.testing.assert_allclose(a.value, b.value, rtol=1e-10)
    np.testing.assert_allclose(a.action, b.action, rtol=1e-10)
    with pytest.raises(ValueError, match="agent_seed=5 is not one of"):
        P.pendulum_maps(stacked, agent_seed=5)


def test_pendulum_maps_reject_other_environments_and_shapes():
    with pytest.raises(ValueError, match="Pendulum maps need"):
        P.pendulum_maps(DDPG(4, 2, [-1, -1], [1, 1], TINY))
    with pytest.raises(ValueError, match="n_thetadot, n_theta"):
        P.PendulumMaps(np.zeros(3), np.zeros(2), np.zeros((3, 2)), np.zeros((2, 3)))


def test_optimal_maps_interpolate_the_solution(tiny_solution):
    maps = P.optimal_pendulum_maps(tiny_solution, n_theta=9, n_thetadot=7)
    assert maps.value.shape == (7, 9) and "γ = 0.9" in maps.label
    assert np.isclose(maps.value[3, 4], tiny_solution.value(maps.theta[4], maps.thetadot[3]))
    assert np.all(np.abs(maps.action) <= 2)


def test_plot_pendulum_maps_with_trajectories(tmp_path, tiny_solution):
    agent = pendulum_agent()
    maps = [P.pendulum_maps(agent, n_theta=9, n_thetadot=9, label="agent"),
            P.optimal_pendulum_maps(tiny_solution, 9, 9)]
    # A path crossing θ = ±π is drawn in two pieces (NaN in between), not across the plot.
    path = np.array([[3.0, 1.0], [3.1, 1.0], [3.2, 1.0], [3.3, 1.0]])
    fig = P.plot_pendulum_maps(maps, [path, None], title="t")
    assert isinstance(fig, Figure) and len(fig.axes) == 4 + 2  # 4 maps, 2 colour bars
    drawn = fig.axes[0].lines[0].get_xdata()
    assert np.isnan(drawn).sum() == 1 and np.nanmax(np.abs(drawn)) <= np.pi
    assert_written(P.save_figure(fig, tmp_path / "maps.png"))
    with pytest.raises(ValueError, match="trajectory has shape"):
        P.plot_pendulum_maps(maps[0], [np.zeros((5, 3))])
    with pytest.raises(ValueError, match="1 rows of maps"):
        P.plot_pendulum_maps(maps[0], [None, None])


def test_pendulum_states_from_observations():
    theta = np.array([0.5, -3.0, 2.0])
    obs = to_observation(theta, np.array([1.0, 2.0, 3.0]), dtype=np.float64)
    np.testing.assert_allclose(P.pendulum_states(obs), np.c_[theta, [1, 2, 3]], atol=1e-12)
    with pytest.raises(ValueError, match="3 columns"):
        P.pendulum_states(np.zeros((4, 2)))


def test_maps_over_training_grid_and_animation(tmp_path, tiny_solution):
    maps = [P.pendulum_maps(pendulum_agent(s), n_theta=5, n_thetadot=5) for s in range(3)]
    optimal = P.optimal_pendulum_maps(tiny_solution, 5, 5)
    fig = P.plot_maps_over_training(maps, [100, 200, 300], optimal=optimal)
    assert sum(ax.get_title() == "step 200" for ax in fig.axes) == 1
    assert_written(P.save_figure(fig, tmp_path / "grid.png"))
    with pytest.raises(ValueError, match="one step per map"):
        P.plot_maps_over_training(maps, [100, 200])

    anim = P.animate_maps_over_training(maps, [100, 200, 300], optimal=optimal,
                                        figsize=(4, 3))
    assert anim.n_frames == 3 and isinstance(anim.fig, Figure)
    anim.draw_frame(2)
    assert anim.fig.texts[0].get_text().endswith("step 300")
    np.testing.assert_array_equal(anim.fig.axes[0].images[0].get_array(), maps[2].value)
    assert Image.open(anim.save_gif(tmp_path / "maps.gif", dpi=30)).n_frames == 3
