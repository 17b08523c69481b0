"""figures.make_all: every committed figure from a (tiny) checkpoints folder, deterministically."""

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display in tests

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from ddpg_numpy import DDPGConfig, train  # noqa: E402
from ddpg_numpy import figures as F  # noqa: E402
from ddpg_numpy import pendulum as po  # noqa: E402
from ddpg_numpy import plots as P  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import td3_ablation  # noqa: E402

EXPECTED = {"pendulum_learning_curves.png", "pendulum_value_policy.png",
            "pendulum_maps_over_training.png", "pendulum_maps_over_training.gif",
            "pendulum_critic_view.png", "pendulum_overestimation.png", "exploration_noise.png",
            "pendulum_rollout.gif", "td3_overestimation.png"}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """The layout of checkpoints/ in miniature: a 3-seed run with snapshots, the TD3 ablation
    (5 conditions, 2 seeds, made by benchmarks/td3_ablation.py) and a coarse DP ground truth
    whose discounted part has the run's γ."""
    root = tmp_path_factory.mktemp("checkpoints")
    cfg = DDPGConfig.preset("Pendulum-v1", hidden=(8, 8), batch_size=16, buffer_size=1000,
                            warmup_steps=50, learning_starts=50, eval_every=100,
                            eval_episodes=2, snapshot_every=100, checkpoint_replay=False)
    train("Pendulum-v1", cfg, steps=300, seeds=[0, 1, 2], out=root / "pendulum",
          progress=False)
    for name in td3_ablation.CONDITIONS:
        td3_ablation.run_condition(name, cfg.replace(snapshot_every=0, snapshot_steps=(200, 300)),
                                   300, [0, 1], 1, root / "td3")
    episode = po.solve(16, 17, 5, horizon=200, gamma=1.0)
    discounted = po.solve(16, 17, 5, horizon=None, gamma=cfg.gamma)
    starts = po.evaluation_starts(2)
    po.save_ground_truth(root / "pendulum_optimal.npz", po.GroundTruth(
        episode=episode, discounted=discounted, eval_starts=starts,
        eval_returns=po.optimal_return(starts, episode), eval_seed_base=10_000,
        random_mean_return=0.0, random_return_se=0.0, n_random=0, command="test"))
    return root


@pytest.fixture
def small(monkeypatch):
    """Fewer grid points, start states and GIF frames: the same code, in seconds."""
    for name, value in (("GIF_STEPS", 12), ("MAP_POINTS", 15), ("TRAINING_MAP_POINTS", 9),
                        ("OVERESTIMATION_STARTS", 2), ("OVERESTIMATION_SNAPSHOTS", 2)):
        monkeypatch.setattr(F, name, value)


def test_make_all_writes_every_figure(checkpoints, tmp_path, small):
    paths = F.make_all(tmp_path / "figures", checkpoints)
    assert {p.name for p in paths} == EXPECTED
    for p in paths:
        assert p.parent == tmp_path / "figures" and p.stat().st_size > 0
        Image.open(p).verify()  # a readable image
    assert Image.open(tmp_path / "figures" / "pendulum_maps_over_training.gif").n_frames == 3
    assert Image.open(tmp_path / "figures" / "pendulum_rollout.gif").n_frames == 12 // 2


def test_figures_are_deterministic(checkpoints, tmp_path, small):
    inputs = F.Inputs(checkpoints)
    for make in (F.exploration_noise, F.value_policy_maps):  # seeded noise; a rollout
        first = make(inputs, tmp_path / "a")[0]
        second = make(inputs, tmp_path / "b")[0]
        assert first.read_bytes() == second.read_bytes(), first.name


def test_make_all_says_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="progress.csv is missing"):
        F.make_all(tmp_path / "figures", tmp_path)


def test_representative_seed_is_the_median_by_final_return():
    progress = {"step": np.array([1, 1, 1, 2, 2, 2]), "seed": np.array([4, 5, 6, 4, 5, 6]),
                "eval_return_mean": np.array([0, 0, 0, -300.0, -100.0, -200.0])}
    assert F.representative_seed(progress) == 6


def test_optimal_for_gamma_reuses_or_solves(checkpoints):
    truth = po.load_ground_truth(checkpoints / "pendulum_optimal.npz")
    assert F.optimal_for_gamma(truth, truth.discounted.gamma) is truth.discounted
    other = F.optimal_for_gamma(truth, 0.5)
    assert other.gamma == 0.5 and other.shape == truth.episode.shape


def test_optimal_eval_return_extends_past_the_cached_starts(checkpoints):
    truth = po.load_ground_truth(checkpoints / "pendulum_optimal.npz")  # 2 cached starts
    assert F.optimal_eval_return(truth, 1) == truth.eval_returns[0]
    three = po.optimal_return(po.evaluation_starts(3), truth.episode)
    assert np.isclose(F.optimal_eval_return(truth, 3), three.mean())
    assert np.allclose(three[:2], truth.eval_returns)


def test_swing_up_start_picks_the_lowest_hanging_state():
    starts = np.array([[0.1, 0.0], [-3.0, 0.5], [2.0, -1.0]])
    assert F.swing_up_start(starts) == 1


def test_td3_ablation_keeps_small_files_and_the_right_algorithm(checkpoints):
    for name, (_, switches) in td3_ablation.CONDITIONS.items():
        folder = checkpoints / "td3" / name
        assert sorted(p.name for p in folder.iterdir()) == [
            "blas.json", "config.json", "probe_values.csv", "progress.csv", "start_values.csv",
            "timing.csv"]
        values = P.load_start_values(folder)
        assert list(values.steps) == [200, 300] and values.seeds == [0, 1]
        assert values.q1.shape == values.returns.shape == (2, 2, 2)
        assert values.twin == bool(switches and switches["twin_critics"]), name
        assert np.isnan(values.smoothed).all()  # no snapshot at or after SMOOTHED_FROM


def test_start_values_are_the_critics_and_the_true_return(checkpoints):
    """start_values.csv holds Q₁, Q₂ of the saved agent and μ's discounted return, recomputed
    here with the gymnasium environment instead of the package's Pendulum dynamics."""
    from ddpg_numpy import TD3, TD3Config
    from ddpg_numpy.lab.envs import make_env

    cfg = TD3Config.preset("Pendulum-v1", hidden=(8, 8), gamma=0.5)
    agent = TD3(3, 1, [-2.0], [2.0], cfg, seed=[3, 4])
    starts = po.evaluation_starts(2)
    values = td3_ablation.start_values(agent, starts, cfg.gamma)
    obs = po.to_observation(starts[:, 0], starts[:, 1]).astype(np.float32)
    for i in range(2):
        q1 = agent.critic(obs[None].repeat(2, 0), agent.actor(obs[None].repeat(2, 0)))[i]
        assert np.allclose(values["q1"][i], q1)
        env = make_env("Pendulum-v1", max_episode_steps=20)
        for k in range(2):
            o, _ = env.reset(seed=10_000 + k)
            total, discount = 0.0, 1.0
            for _ in range(10):  # 0.5¹⁰ < 1e-3: the horizon start_values uses
                a = agent.actor(np.repeat(o[None, None].astype(np.float32), 2, 0))[i, 0]
                o, r, *_ = env.step(a)
                total, discount = total + discount * r, discount * cfg.gamma
            assert np.isclose(values["discounted_return"][i, k], total, atol=1e-3)
    assert not np.isnan(values["q2"]).any() and not np.allclose(values["q1"], values["q2"])


def test_smoothed_returns_take_mu_first_then_t8_noise():
    """The smoothed policy's rollouts: with σ̃ = 0 they are μ's own return; with noise, the
    first action is still μ(s₀) (a one-step horizon equals μ's), later ones move the return."""
    from ddpg_numpy import TD3, TD3Config

    cfg = TD3Config.preset("Pendulum-v1", hidden=(8, 8))
    starts = po.evaluation_starts(3)
    rng = np.random.default_rng(0)
    for gamma, noise, same in ((0.9, 0.0, True), (1e-4, 0.2, True), (0.9, 0.2, False)):
        agent = TD3(3, 1, [-2.0], [2.0], cfg.replace(target_noise=noise), seed=[0, 1])
        det = td3_ablation.discounted_returns(agent, starts, gamma)  # (2, 3)
        smooth = td3_ablation.discounted_returns(agent, starts, gamma, 4, rng)  # (2, 3, 4)
        assert det.shape == (2, 3) and smooth.shape == (2, 3, 4)
        assert np.allclose(smooth, det[..., None], atol=1e-6) == same, (gamma, noise)
    values = td3_ablation.start_values(agent, starts, 0.9, 4, rng)
    assert values["smoothed_se"].shape == (2, 3) and (values["smoothed_se"] > 0).all()


def test_probe_fluctuation_removes_the_trend(tmp_path):
    """A straight-line drift is not fluctuation; alternating ±1 around it is (std 1)."""
    rows = ["step,seed,start,q1,discounted_return"]
    for k, step in enumerate(range(0, 1000, 50)):
        for seed in (0, 1):
            wobble = (-1.0) ** k if seed else 0.0
            rows.append(f"{step},{seed},0,{-100 + 0.01 * step + wobble},-90")
    (tmp_path / "probe_values.csv").write_text("\n".join(rows) + "\n")
    probe = P.load_probe_values(tmp_path)
    spread = probe.fluctuation("q1")
    assert spread.shape == (2,) and spread[0] < 1e-9 and 0.9 < spread[1] < 1.1
    assert np.allclose(probe.fluctuation("returns"), 0)


def test_bias_is_q1_minus_the_return_averaged_over_starts(tmp_path):
    (tmp_path / "start_values.csv").write_text(
        "step,seed,start,q1,q2,discounted_return\n"
        "10,0,0,-5.0,,-7.0\n10,0,1,-1.0,,-1.0\n20,0,0,-3.0,,-2.0\n20,0,1,-4.0,,-4.0\n")
    values = P.load_start_values(tmp_path)
    assert not values.twin and not values.smoothed_steps.any()
    assert np.allclose(values.bias(), [[1.0, -0.5]])
    (tmp_path / "start_values.csv").write_text(
        "step,seed,start,q1,q2,discounted_return,smoothed_return,smoothed_se\n"
        "10,0,0,-5.0,,-7.0,,\n10,0,1,-1.0,,-1.0,,\n"
        "20,0,0,-3.0,,-2.0,-4.0,0.1\n20,0,1,-4.0,,-4.0,-6.0,0.1\n")
    values = P.load_start_values(tmp_path)  # with T8: the smoothed value where measured
    assert list(values.smoothed_steps) == [False, True]
    assert np.allclose(values.bias(), [[1.0, 1.5]])
    assert np.allclose(values.bias("deterministic"), [[1.0, -0.5]])
    (tmp_path / "start_values.csv").write_text(
        "step,seed,start,q1,q2,discounted_return\n10,0,0,-5.0,-6.0,-7.0\n10,0,1,-1.0,,-1.0\n"
        "20,0,0,-3.0,,-2.0\n")  # one row is missing
    with pytest.raises(ValueError, match="misses some"):
        P.load_start_values(tmp_path)
    with pytest.raises(FileNotFoundError, match="benchmarks.td3_ablation"):
        P.load_start_values(tmp_path / "nowhere")


def test_dp_error_is_the_table_minus_its_own_controller(checkpoints):
    """At the upright rest state the DP controller does nothing and gets 0, as the table says;
    on a coarse grid the table is off elsewhere, and the error names by how much."""
    truth = po.load_ground_truth(checkpoints / "pendulum_optimal.npz")
    starts = np.array([[0.0, 0.0], [np.pi, 0.0], [-1.0, 3.0]])
    value, error = P.optimal_value_and_error(truth.discounted, starts, truth.discounted.gamma)
    assert value.shape == error.shape == (3,)
    assert abs(value[0]) < 1e-6 and abs(error[0]) < 1e-6
    run = po.simulate(truth.discounted, starts[1:2], steps=400)
    achieved = (run.rewards[0] * truth.discounted.gamma ** np.arange(400)).sum()
    assert np.isclose(value[1] - error[1], achieved, atol=1.0)
    assert np.abs(error).max() > 0.1  # a 16 x 17 grid is far from exact
