"""Plotting: every function runs on small inputs, returns its figure, writes a non-empty file,
draws the numbers it claims to draw, and rejects wrongly shaped input with a clear error."""

import csv

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display in tests

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from ddpg_numpy import DDPG, DDPGConfig  # noqa: E402
from ddpg_numpy.plots import plotting as P  # noqa: E402
from ddpg_numpy.pendulum.optimal import solve  # noqa: E402
from ddpg_numpy.lab.training import PROGRESS_FIELDS, make_env  # noqa: E402

TINY = DDPGConfig(hidden=(8, 8), dtype="float64")


def pendulum_agent(seed=0):
    agent = DDPG(3, 1, [-2.0], [2.0], TINY, seed=seed)
    agent.env_id = "Pendulum-v1"
    return agent


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def tiny_solution():
    return solve(16, 17, 5, horizon=None, gamma=0.9)


def write_run(folder, seeds=(0, 1, 2), steps=(100, 200, 300)):
    """A progress.csv with known numbers: eval_return_mean = -1000 + step + 10 * seed."""
    folder.mkdir(parents=True)
    with open(folder / "progress.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, PROGRESS_FIELDS)
        writer.writeheader()
        for step in steps:
            for seed in seeds:
                writer.writerow({k: 0 for k in PROGRESS_FIELDS} | {
                    "step": step, "seed": seed, "eval_return_mean": -1000 + step + 10 * seed,
                    "critic_loss": "nan" if step == steps[0] else 1.0 / step,
                    "q_mean": -step / 10})
    return folder


def assert_written(path):
    assert path.is_file() and path.stat().st_size > 0


# --- style ---------------------------------------------------------------------------------


def test_style_is_temporary_and_apply_style_is_global():
    before = dict(matplotlib.rcParams)
    with P.style():
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0] == P.COLORS[0]
    assert matplotlib.rcParams["axes.prop_cycle"] == before["axes.prop_cycle"]
    with matplotlib.rc_context():  # restores the settings afterwards
        P.apply_style()
        assert matplotlib.rcParams["figure.facecolor"] == "white"
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"] == P.COLORS


def test_okabe_ito_colours_are_distinct():
    assert len(set(P.COLORS)) == len(P.COLORS) == 8


def test_save_figure_writes_png_without_software_metadata(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    path = P.save_figure(fig, tmp_path / "sub" / "line.png")
    assert_written(path)
    assert "Software" not in Image.open(path).info


def test_signed_uses_a_true_minus_sign():
    assert P.signed(-3.14159, ".2f") == "\u22123.14"
    assert P.signed(2, "+.1f") == "+2.0"


# --- learning curves -----------------------------------------------------------------------


def test_seed_curves_pivots_progress_by_seed(tmp_path):
    steps, values, seeds = P.seed_curves(P.load_progress(write_run(tmp_path / "run")))
    assert seeds == [0, 1, 2]
    np.testing.assert_array_equal(steps, [100, 200, 300])
    expected = -1000 + steps[None, :] + 10 * np.array(seeds)[:, None]
    np.testing.assert_array_equal(values, expected)


def test_load_progress_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no progress.csv"):
        P.load_progress(tmp_path)
    with pytest.raises(KeyError, match="no column"):
        P.seed_curves(P.load_progress(write_run(tmp_path / "run")), "nope")


def test_learning_curve_draws_median_and_interquartile_band():
    rng = np.random.default_rng(0)
    steps, values = np.arange(1, 6) * 1000, rng.normal(size=(5, 5))
    fig = P.plot_learning_curve(steps, values, label="x")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.median(values, axis=0))
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    q25, q75 = np.percentile(values, [25, 75], axis=0)
    assert np.isclose(band.min(), q25.min()) and np.isclose(band.max(), q75.max())
    assert "median of 5 seeds" in ax.lines[0].get_label()


def test_learning_curve_bootstrap_band_is_deterministic_and_brackets_the_mean():
    values = np.random.default_rng(1).normal(size=(6, 4))
    bands = []
    for _ in range(2):
        fig = P.plot_learning_curve(np.arange(4), values, center="mean", band="ci95")
        bands.append(fig.axes[0].collections[0].get_paths()[0].vertices.copy())
    np.testing.assert_array_equal(bands[0], bands[1])
    low, high = bands[0][:, 1].min(), bands[0][:, 1].max()
    assert low < values.mean(axis=0).min() and high > values.mean(axis=0).max()


def test_learning_curve_rejects_wrong_shapes_and_options():
    with pytest.raises(ValueError, match="values must have shape"):
        P.plot_learning_curve(np.arange(4), np.zeros((3, 5)))
    with pytest.raises(ValueError, match="steps must be a 1-D array"):
        P.plot_learning_curve(np.zeros((2, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="band="):
        P.plot_learning_curve(np.arange(4), np.zeros((3, 4)), band="sd")


def test_plot_runs_returns_three_axes_with_reference_lines(tmp_path):
    runs = [write_run(tmp_path / "a"), write_run(tmp_path / "b", seeds=(0,))]
    fig = P.plot_runs(runs, reference_lines={"solved": -200.0})
    assert len(fig.axes) == 3
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any(lab.startswith("a") for lab in labels) and "solved" in labels
    # The critic-loss axis skips the first evaluation, where no update had happened (NaN).
    np.testing.assert_allclose(fig.axes[1].lines[0].get_xdata(), [200, 300])
    path = P.save_figure(fig, tmp_path / "curves.png")
    assert_written(path)


def test_plot_runs_checks_axes_and_labels(tmp_path):
    run = write_run(tmp_path / "a")
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="3 axes"):
        P.plot_runs([run], axes=axes)
    with pytest.raises(ValueError, match="labels"):
        P.plot_runs([run], labels=["a", "b"])
    fig = P.plot_runs(run, companions=False)  # one folder, one axis
    assert len(fig.axes) == 1


# --- Pendulum maps -------------------------------------------------------------------------


def test_pendulum_maps_are_q_of_mu_on_the_grid():
    agent = pendulum_agent()
    maps = P.pendulum_maps(agent, n_theta=7, n_thetadot=5)
    assert maps.value.shape == maps.action.shape == (5, 7)
    i, j = 3, 2  # θ̇ row, θ column
    obs = P.pendulum_observations(maps.theta[j], maps.thetadot[i])[None]
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
    obs = P.pendulum_observations(theta, np.array([1.0, 2.0, 3.0]))
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


# --- the critic's view ---------------------------------------------------------------------


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


# --- over-estimation -----------------------------------------------------------------------


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


# --- noise ---------------------------------------------------------------------------------


def test_ou_noise_paths_follow_the_recursion():
    theta, sigma, dt = 0.15, 0.2, 1.0
    paths = P.noise_paths("ou", n_paths=2, steps=30, sigma=sigma, theta=theta, dt=dt, seed=7)
    assert paths.shape == (2, 30)
    eps = np.random.default_rng([7, 1]).standard_normal(30)
    x, expected = 0.0, []
    for e in eps:
        x = x - theta * x * dt + sigma * np.sqrt(dt) * e
        expected.append(x)
    np.testing.assert_allclose(paths[1], expected)


def test_plot_noise_paths(tmp_path):
    paths = {"OU": P.noise_paths("ou", 2, 20), "Gaussian": P.noise_paths("gaussian", 2, 20)}
    fig = P.plot_noise_paths(paths, stationary_std={"OU": 0.38})
    assert [ax.get_title() for ax in fig.axes] == ["OU", "Gaussian"]
    assert_written(P.save_figure(fig, tmp_path / "noise.png"))
    with pytest.raises(ValueError, match=r"2-D array \(n_paths, steps\)"):
        P.plot_noise_paths({"OU": np.zeros(5)})


# --- rollouts ------------------------------------------------------------------------------


def test_rollout_matches_stepping_the_env_by_hand():
    agent = pendulum_agent()
    run = P.rollout(agent, "Pendulum-v1", seed=3, steps=5)
    assert run.observations.shape == (6, 3) and run.actions.shape == (5, 1)
    env = make_env("Pendulum-v1")
    obs, _ = env.reset(seed=3)
    for t in range(5):
        obs, reward, *_ = env.step(agent.act(obs))
        assert np.isclose(run.rewards[t], reward)
    np.testing.assert_allclose(run.observations[-1], obs)


def test_rollout_rejects_an_agent_for_another_env():
    with pytest.raises(ValueError, match="observations of shape"):
        P.rollout(DDPG(4, 1, [-1], [1], TINY), "Pendulum-v1", steps=2)


def test_crop_box_keeps_everything_drawn():
    frames = np.full((2, 50, 60, 3), 255, dtype=np.uint8)
    frames[0, 10:20, 30:35] = 0
    frames[1, 25:28, 12:14] = 0
    rows, cols = P.crop_box(frames, pad=0.0)
    for t in range(2):  # nothing drawn is cut off, and the crop is much smaller than the frame
        assert (frames[t] < 255).sum() == (frames[t, rows, cols] < 255).sum()
    assert (rows.stop - rows.start) * (cols.stop - cols.start) < 0.25 * 50 * 60


def test_save_rollout_gif_and_html(tmp_path):
    agent = pendulum_agent([0, 1])
    path = P.save_rollout_gif(agent, "Pendulum-v1", tmp_path / "roll.gif", steps=6, every=2,
                              agent_seed=1, dpi=30)
    assert_written(path)
    assert Image.open(path).n_frames == 3
    html = P.rollout_animation_html(agent, "Pendulum-v1", steps=2, every=1, dpi=20)
    assert isinstance(html, str) and "<script" in html and html._repr_html_() == html
    with pytest.raises(ValueError, match=r"\*\.gif"):
        P.save_rollout_gif(agent, "Pendulum-v1", tmp_path / "roll.mp4")


def test_rollout_animation_needs_frames():
    run = P.rollout(pendulum_agent(), "Pendulum-v1", steps=2)
    with pytest.raises(ValueError, match="render=True"):
        P.rollout_animation(run)
