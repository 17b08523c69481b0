"""Window means and intervals over seeds (ddpg_numpy.study.intervals)."""

from __future__ import annotations

import numpy as np
import pytest

from ddpg_numpy.study.intervals import (
    difference_of_means,
    standard_error,
    summarize,
    window_mean,
)

pytest.importorskip("rliable", reason="the stats extra is not installed: pip install -e '.[stats]'")


def test_window_mean_includes_both_ends_and_nothing_else():
    steps = np.arange(5_000, 205_000, 5_000)
    returns = steps / 1000.0
    expected = np.arange(100, 205, 5).mean()
    assert window_mean(steps, returns, 100_000, 200_000) == pytest.approx(expected)
    with pytest.raises(ValueError, match="no evaluation"):
        window_mean(steps, returns, 201_000, 300_000)


def test_iqm_is_the_mean_of_the_middle_half_and_intervals_bracket_it():
    values = np.array([-50.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 900.0])
    summary = summarize({"g": values}, reps=2_000)["g"]
    assert summary.n == 8
    assert summary.iqm.estimate == pytest.approx(np.sort(values)[2:6].mean())
    assert summary.mean.estimate == pytest.approx(values.mean())
    for interval in (summary.mean, summary.iqm):
        assert interval.low <= interval.estimate <= interval.high


def test_summaries_are_reproducible_and_refuse_a_single_seed():
    scores = {"a": np.array([1.0, 2.0, 4.0]), "b": np.array([3.0, 3.5, 5.0, 7.0])}
    assert summarize(scores, reps=500, seed=3) == summarize(scores, reps=500, seed=3)
    with pytest.raises(ValueError, match="2 or more"):
        summarize({"a": np.array([1.0])})


def test_difference_of_means_sees_a_real_gap_and_not_a_fake_one():
    rng = np.random.default_rng(0)
    same_a, same_b = rng.normal(0, 1, 10), rng.normal(0, 1, 10)
    gap = difference_of_means(same_a + 5.0, same_b, reps=5_000)
    assert gap.low > 0 and gap.estimate == pytest.approx(same_a.mean() + 5 - same_b.mean())
    none = difference_of_means(same_a, same_b, reps=5_000)
    assert none.low < 0 < none.high


def test_standard_error_uses_ddof_1():
    assert standard_error(np.array([1.0, 3.0])) == pytest.approx(np.sqrt(2.0) / np.sqrt(2.0))
