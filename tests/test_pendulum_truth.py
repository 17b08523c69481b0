"""Tests of the cached ground truth (ddpg_numpy.pendulum.truth) and of the command that makes it,
``python -m ddpg_numpy pendulum-optimum``."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ddpg_numpy import pendulum as po
from ddpg_numpy.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "checkpoints" / "pendulum_optimal.npz"
COMMAND = "python -m ddpg_numpy pendulum-optimum"
# The shipped file predates the subcommand and records the module that made it then.
TINY = ["--n-theta", "20", "--n-thetadot", "21", "--n-torques", "5", "--n-eval", "2",
        "--n-random", "16"]


@pytest.fixture(scope="module")
def truth() -> po.GroundTruth:
    return po.load_ground_truth(CACHE)


def test_cached_file(truth):
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
    np.testing.assert_array_equal(truth.eval_starts, po.evaluation_starts())
    assert truth.eval_returns.shape == (50,) and truth.eval_seed_base == 10_000
    assert truth.command == COMMAND + " --out checkpoints/pendulum_optimal.npz"
    assert "--out" in truth.command
    # Both ways of loading agree.
    loaded = po.PendulumSolution.load(CACHE)
    np.testing.assert_array_equal(loaded.value_table, sol.value_table)
    loaded = po.PendulumSolution.load(CACHE, prefix=po.DISCOUNTED_PREFIX)
    np.testing.assert_array_equal(loaded.value_table, disc.value_table)


def test_readme_gives_the_command():
    readme = (ROOT / "checkpoints" / "README.md").read_text()
    assert f"{COMMAND} --out checkpoints/pendulum_optimal.npz" in readme


def test_optimal_returns_are_plausible(truth):
    # Computed, not assumed: the DP controller (400x401 grid) gets about -134.5 on the
    # evaluation starts and about -137.5 over Pendulum-v1's reset distribution.
    assert -160.0 < truth.eval_mean_return < -125.0
    assert -150.0 < truth.random_mean_return < -125.0
    assert truth.random_return_se < 0.5
    # Every start is swung up and balanced: the worst episode costs far less than hanging.
    assert truth.eval_returns.max() <= 0.0
    assert truth.eval_returns.min() > -450.0


def test_command_writes_the_ground_truth_and_records_itself(tmp_path, capsys):
    out = tmp_path / "sub" / "truth.npz"
    assert main(["pendulum-optimum", "--out", str(out), *TINY]) == 0
    printed = capsys.readouterr().out
    assert "20x21 grid, 5 torques" in printed and f"wrote {out}" in printed
    assert [p.name for p in out.parent.iterdir()] == ["truth.npz"]  # no temporary file left
    truth = po.load_ground_truth(out)
    assert truth.command == f"{COMMAND} --out {shlex.quote(str(out))} {' '.join(TINY)}"
    # The recorded command parses back to the same options.
    recorded = build_parser().parse_args(shlex.split(truth.command)[3:])
    assert (recorded.n_theta, recorded.n_torques, recorded.n_random, recorded.out) == (
        20, 5, 16, out)
    assert truth.episode.shape == (20, 21) and truth.discounted is not None
    assert truth.eval_starts.shape == (2, 2) and truth.n_random == 16
    # The command and the function give the same arrays (apart from the timings).
    again = po.build_ground_truth(n_theta=20, n_thetadot=21, n_torques=5, n_eval=2, n_random=16)
    np.testing.assert_array_equal(again.episode.value_table, truth.episode.value_table)
    np.testing.assert_array_equal(again.discounted.policy_table, truth.discounted.policy_table)
    np.testing.assert_array_equal(again.eval_returns, truth.eval_returns)
    assert again.random_mean_return == truth.random_mean_return


def test_default_command_is_the_readme_one(tmp_path, monkeypatch):
    """Without options the recorded command is exactly the documented one."""
    recorded = {}
    monkeypatch.setattr(po, "build_ground_truth",
                        lambda **kwargs: recorded.update(kwargs) or _tiny_truth(kwargs))
    monkeypatch.chdir(tmp_path)
    assert main(["pendulum-optimum", "--out", "checkpoints/pendulum_optimal.npz"]) == 0
    assert recorded["command"] == f"{COMMAND} --out checkpoints/pendulum_optimal.npz"
    assert (recorded["n_theta"], recorded["n_thetadot"], recorded["n_torques"]) == (400, 401, 31)
    assert recorded["gamma"] == 0.99 and recorded["seed_base"] == 10_000


def _tiny_truth(kwargs: dict) -> po.GroundTruth:
    episode = po.solve(n_theta=4, n_thetadot=5, n_torques=3, horizon=2)
    starts = np.zeros((1, 2))
    return po.GroundTruth(episode=episode, discounted=None, eval_starts=starts,
                          eval_returns=po.optimal_return(starts, episode), eval_seed_base=0,
                          random_mean_return=0.0, random_return_se=0.0, n_random=4,
                          command=kwargs["command"])


@pytest.mark.parametrize("option, value, message", [
    ("--n-theta", "1", "--n-theta: 1 is too small: use a whole number >= 2"),
    ("--n-thetadot", "-5", "--n-thetadot: -5 is too small: use a whole number >= 2"),
    ("--n-torques", "0", "--n-torques: 0 is too small: use a whole number >= 1"),
    ("--gamma", "1.0", "--gamma 1.0: must be in [0, 1) (e.g."),
    ("--n-eval", "-1", "--n-eval: -1 is too small: use a whole number >= 1"),
    ("--seed-base", "-3", "--seed-base: -3 is too small: use a whole number >= 0"),
    ("--n-random", "5000", "--n-random 5000: must be the square of an even number (e.g."),
])
def test_bad_options_are_one_clear_line(option, value, message, tmp_path, capsys):
    out = tmp_path / "truth.npz"
    assert main(["pendulum-optimum", "--out", str(out), option, value]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ddpg-numpy pendulum-optimum: error: ") and message in err
    assert "\n" not in err and "Traceback" not in err
    assert not out.exists()


def test_bad_option_exits_with_code_2_from_the_shell(tmp_path):
    done = subprocess.run([sys.executable, "-m", "ddpg_numpy", "pendulum-optimum", "--out",
                           str(tmp_path / "t.npz"), "--n-theta", "1"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--n-theta: 1 is too small" in done.stderr


def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, truth, monkeypatch):
    path = tmp_path / "truth.npz"
    po.save_ground_truth(path, truth)
    before = path.read_bytes()

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        po.save_ground_truth(path, truth)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["truth.npz"]
    monkeypatch.undo()
    loaded = po.load_ground_truth(path)
    np.testing.assert_array_equal(loaded.episode.value_table, truth.episode.value_table)
    assert loaded.command == truth.command


def test_loading_a_missing_file_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="pendulum-optimum --out"):
        po.load_ground_truth(tmp_path / "missing.npz")
