"""figures.make_all: every committed figure from a (tiny) checkpoints folder, deterministically."""

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display in tests

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from ddpg_numpy import DDPGConfig, train  # noqa: E402
from ddpg_numpy import figures as F  # noqa: E402
from ddpg_numpy import pendulum as po  # noqa: E402

EXPECTED = {"pendulum_learning_curves.png", "pendulum_value_policy.png",
            "pendulum_maps_over_training.png", "pendulum_maps_over_training.gif",
            "pendulum_critic_view.png", "pendulum_overestimation.png", "exploration_noise.png",
            "pendulum_rollout.gif"}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """The layout of checkpoints/ in miniature: a 3-seed run with snapshots and a coarse DP
    ground truth whose discounted part has the run's γ."""
    root = tmp_path_factory.mktemp("checkpoints")
    cfg = DDPGConfig.preset("Pendulum-v1", hidden=(8, 8), batch_size=16, buffer_size=1000,
                            warmup_steps=50, learning_starts=50, eval_every=100,
                            eval_episodes=2, snapshot_every=100, checkpoint_replay=False)
    train("Pendulum-v1", cfg, steps=300, seeds=[0, 1, 2], out=root / "pendulum",
          progress=False)
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
