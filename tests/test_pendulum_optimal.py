"""Tests of the dynamic-programming ground truth for Pendulum-v1 (ddpg_numpy.pendulum.optimal)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from ddpg_numpy.pendulum import optimal as po

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "checkpoints" / "pendulum_optimal.npz"


@pytest.fixture(scope="module")
def truth() -> po.GroundTruth:
    return po.load_ground_truth(CACHE)


@pytest.fixture(scope="module")
def eval_starts() -> np.ndarray:
    return po.evaluation_starts()


@pytest.fixture(scope="module")
def small() -> po.PendulumSolution:
    return po.solve(n_theta=100, n_thetadot=101, n_torques=21)


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


def test_evaluation_starts_are_gymnasium_resets(eval_starts):
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


def test_dp_policy_in_gymnasium_achieves_predicted_return(truth, eval_starts):
    """Roll the greedy DP policy out in the real environment (with its time limit)."""
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


def test_simulate_shapes_and_consistency(small, eval_starts):
    traj = po.simulate(small, eval_starts[:4], steps=30)
    assert traj.states.shape == (4, 31, 2)
    assert traj.actions.shape == traj.rewards.shape == (4, 30)
    np.testing.assert_array_equal(traj.states[:, 0], eval_starts[:4])
    np.testing.assert_array_equal(traj.returns, traj.rewards.sum(axis=1))
    assert np.all(np.abs(traj.actions) <= 2.0)
    assert np.all(np.abs(traj.states[:, :, 1]) <= 8.0)


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


def test_grid_convergence(small, truth, eval_starts):
    """100x101 vs 200x201 vs the cached 400x401 grid: mean returns within a few units."""
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


def test_cached_file(truth, eval_starts):
    with np.load(CACHE, allow_pickle=False) as data:
        assert "value_table" in data and "discounted_value_table" in data
    assert CACHE.stat().st_size < 2_000_000
    sol = truth.episode
    n_theta, n_thetadot = sol.shape
    assert sol.theta.shape == (n_theta,) and sol.thetadot.shape == (n_thetadot,)
    assert n_theta >= 300 and n_thetadot >= 300
    for table in (sol.value_table, sol.next_value_table, sol.policy_table):
        assert table.shape == (n_theta, n_thetadot)
        assert np.all(np.isfinite(table))
    assert sol.horizon == 200 and sol.gamma == 1.0 and sol.iterations == 200
    assert np.all(np.abs(sol.policy_table) <= 2.0)
    disc = truth.discounted
    assert disc is not None and disc.horizon is None and disc.gamma == pytest.approx(0.99)
    assert disc.value_table.shape == (n_theta, n_thetadot)
    assert disc.residual < 1e-4
    # Discounting only shrinks the (negative) swing-up cost, so V*_γ ≥ V_200 - tiny.
    assert np.all(disc.value_table >= sol.value_table - 1e-2)
    np.testing.assert_array_equal(truth.eval_starts, eval_starts)
    assert truth.eval_returns.shape == (50,) and truth.eval_seed_base == 10_000
    assert truth.command.startswith("python -m ddpg_numpy.pendulum.optimal")
    assert "--out" in truth.command
    # Both ways of loading agree.
    loaded = po.PendulumSolution.load(CACHE)
    np.testing.assert_array_equal(loaded.value_table, sol.value_table)
    loaded = po.PendulumSolution.load(CACHE, prefix=po.DISCOUNTED_PREFIX)
    np.testing.assert_array_equal(loaded.value_table, disc.value_table)


def test_optimal_returns_are_plausible(truth):
    # Computed, not assumed: the DP controller (400x401 grid) gets about -134.5 on the
    # evaluation starts and about -137.5 over Pendulum-v1's reset distribution.
    assert -160.0 < truth.eval_mean_return < -125.0
    assert -150.0 < truth.random_mean_return < -125.0
    assert truth.random_return_se < 0.5
    # Every start is swung up and balanced: the worst episode costs far less than hanging.
    assert truth.eval_returns.max() <= 0.0
    assert truth.eval_returns.min() > -450.0


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


def test_value_iteration_needs_discount():
    with pytest.raises(ValueError):
        po.solve(n_theta=20, n_thetadot=21, n_torques=3, horizon=None, gamma=1.0)


def test_module_imports_neither_matplotlib_nor_gymnasium():
    spec = importlib.util.find_spec("ddpg_numpy.pendulum.optimal")
    assert spec is not None and spec.origin is not None
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('po', {spec.origin!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['po'] = m\n"
        "spec.loader.exec_module(m)\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib'\n"
        "assert 'gymnasium' not in sys.modules, 'gymnasium'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
