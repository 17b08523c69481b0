"""plots.curves: learning curves from progress.csv.

Every function runs on small inputs, returns its figure, writes a non-empty file, draws
the numbers it claims to draw, and rejects wrongly shaped input with a clear error."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from plots_helpers import assert_written, write_run

from ddpg_numpy import plots as P


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
