"""Tests of the dynamic programming (ddpg_numpy.pendulum.solver): Bellman consistency, the
upright rest state, grid convergence against the cached 400 x 401 solution, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ddpg_numpy import pendulum as po

CACHE = Path(__file__).resolve().parents[1] / "checkpoints" / "pendulum_optimal.npz"


@pytest.fixture(scope="module")
def small() -> po.PendulumSolution:
    return po.solve(n_theta=100, n_thetadot=101, n_torques=21)


@pytest.fixture(scope="module")
def eval_starts() -> np.ndarray:
    return po.evaluation_starts()


def test_bellman_consistency_at_grid_nodes(small):
    """The solver's precomputed backup agrees with interpolate() + pendulum_step()."""
    th, thd = np.meshgrid(small.theta, small.thetadot, indexing="ij")
    q, u = small.action_values(th, thd)
    assert q.shape == (*th.shape, u.size)
    np.testing.assert_allclose(q.max(axis=-1), small.value_table, atol=2e-3)
    q_of_table_action = np.take_along_axis(
        q, np.searchsorted(u, small.policy_table - 1e-6)[..., None], axis=-1
    )[..., 0]
    np.testing.assert_allclose(q_of_table_action, q.max(axis=-1), atol=2e-3)


def test_upright_rest_is_optimal_and_free(small):
    assert small.value(0.0, 0.0) == 0.0
    assert small.policy(0.0, 0.0) == 0.0
    assert np.all(small.value_table <= 0.0)
    assert small.value_table.min() > -200 * 16.2736044


def test_interpolation_shapes_nodes_and_periodicity(small):
    np.testing.assert_allclose(
        small.value(small.theta[:, None], small.thetadot[None, :]), small.value_table, atol=1e-9
    )
    rng = np.random.default_rng(1)
    theta = rng.uniform(-np.pi, np.pi, (3, 4))
    thetadot = rng.uniform(-8, 8, (3, 4))
    v = small.value(theta, thetadot)
    assert v.shape == (3, 4)
    np.testing.assert_allclose(small.value(theta + 2 * np.pi, thetadot), v, atol=1e-9)
    np.testing.assert_allclose(small.value(theta - 4 * np.pi, thetadot), v, atol=1e-9)
    a = small.policy(theta, thetadot)
    assert a.shape == (3, 4) and np.all(np.abs(a) <= 2.0)
    np.testing.assert_array_equal(small.policy(theta + 2 * np.pi, thetadot), a)
    assert small.policy(theta, thetadot, method="table").shape == (3, 4)
    with pytest.raises(ValueError):
        small.policy(theta, thetadot, method="nope")


def test_grid_convergence(small, eval_starts):
    """100x101 vs 200x201 vs the cached 400x401 grid: mean returns within a few units."""
    truth = po.load_ground_truth(CACHE)
    finer = po.solve(n_theta=200, n_thetadot=201, n_torques=21)
    means = [po.optimal_return(eval_starts, s).mean() for s in (small, finer)]
    means.append(truth.eval_mean_return)
    assert abs(means[0] - means[2]) < 3.0
    assert abs(means[1] - means[2]) < 1.5
    # A finer grid gives a better controller (to within noise).
    assert means[2] > means[0] - 0.1
    # Table values agree too.
    v_small = small.value(eval_starts[:, 0], eval_starts[:, 1]).mean()
    v_cached = truth.episode.value(eval_starts[:, 0], eval_starts[:, 1]).mean()
    assert abs(v_small - v_cached) < 4.0


def test_more_torques_do_not_matter(eval_starts):
    few = po.solve(n_theta=100, n_thetadot=101, n_torques=11)
    many = po.solve(n_theta=100, n_thetadot=101, n_torques=41)
    r_few = po.optimal_return(eval_starts, few).mean()
    r_many = po.optimal_return(eval_starts, many).mean()
    assert abs(r_few - r_many) < 1.0


def test_save_load_roundtrip(small, tmp_path):
    path = tmp_path / "sol.npz"
    small.save(path)
    loaded = po.PendulumSolution.load(path)
    for name in po.PendulumSolution._fields:
        np.testing.assert_array_equal(getattr(loaded, name), getattr(small, name))
    assert (loaded.horizon, loaded.gamma, loaded.iterations) == (
        small.horizon,
        small.gamma,
        small.iterations,
    )
    inf = po.solve(n_theta=40, n_thetadot=41, n_torques=5, horizon=None, gamma=0.9)
    inf.save(path)
    assert po.PendulumSolution.load(path).horizon is None
    assert [p.name for p in tmp_path.iterdir()] == ["sol.npz"]  # no temporary file left


def test_loading_a_missing_file_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m ddpg_numpy pendulum-optimum --out"):
        po.PendulumSolution.load(tmp_path / "missing.npz")


def test_value_iteration_needs_discount():
    with pytest.raises(ValueError):
        po.solve(n_theta=20, n_thetadot=21, n_torques=3, horizon=None, gamma=1.0)
