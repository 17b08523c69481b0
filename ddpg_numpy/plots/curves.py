"""Learning curves from a run folder's progress.csv: one curve per run, centre and band over
its seeds, with the critic loss and the mean Q beside it."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..lab.run_folder import progress_columns, read_config_json
from .style import (
    COLORS,
    REFERENCE_COLOR,
    checked_array,
    figure_and_axes,
    legend_if_several,
    styled,
)


def load_progress(run_dir: str | Path) -> dict[str, np.ndarray]:
    """The columns of ``run_dir/progress.csv`` as float arrays (one row per evaluation and
    seed: step, seed, eval_return_mean, critic_loss, q_mean, ...)."""
    return progress_columns(run_dir)


def seed_curves(progress: Mapping[str, np.ndarray],
                column: str = "eval_return_mean") -> tuple[np.ndarray, np.ndarray, list[int]]:
    """One curve per seed: (steps (T,), values (S, T), seeds), at the steps every seed logged."""
    if column not in progress:
        raise KeyError(f"no column {column!r} in the progress log; columns: {sorted(progress)}")
    step, seed, value = (np.asarray(progress[k]) for k in ("step", "seed", column))
    seeds = sorted({int(s) for s in seed})
    common = set(step[seed == seeds[0]])
    for s in seeds[1:]:
        common &= set(step[seed == s])
    steps = np.array(sorted(common))
    values = np.full((len(seeds), len(steps)), np.nan)
    for i, s in enumerate(seeds):
        rows = {st: v for st, v, sd in zip(step, value, seed) if int(sd) == s}
        values[i] = [rows[st] for st in steps]
    return steps, values, seeds


def bootstrap_band(values: np.ndarray, reps: int = 2000, seed: int = 0,
                   centre=np.nanmean) -> tuple[np.ndarray, np.ndarray]:
    """(T,), (T,): the percentile-bootstrap 95 % interval of the centre over seeds at each step.

    values: (S, T). Whole curves are resampled (the same seeds at every step), from a seeded
    generator, so a figure is the same every time. centre: np.nanmean or np.nanmedian."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(values), size=(reps, len(values)))
    boot = centre(values[pick], axis=1)  # (reps, T)
    low, high = np.nanpercentile(boot, [2.5, 97.5], axis=0)
    return low, high


def _center_and_band(values: np.ndarray, center: str, band: str | None
                     ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """values (S, T) -> centre (T,) and band edges (T,), ignoring NaN."""
    centre_of = {"median": np.nanmedian, "mean": np.nanmean}
    if center not in centre_of:
        raise ValueError(f"center={center!r}: use 'median' or 'mean'.")
    with np.errstate(all="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
            mid = centre_of[center](values, axis=0)
            if band is None or values.shape[0] < 2:
                return mid, None, None
            if band == "iqr":
                lo, hi = np.nanpercentile(values, [25, 75], axis=0)
            elif band == "range":
                lo, hi = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
            elif band == "ci95":
                lo, hi = bootstrap_band(values, centre=centre_of[center])
            else:
                raise ValueError(f"band={band!r}: use 'iqr', 'ci95' (bootstrap 95 % confidence "
                                 "interval of the centre), 'range' or None.")
    return mid, lo, hi


BAND_NAMES = {"iqr": "interquartile range", "ci95": "bootstrap 95 % CI", "range": "min–max"}


@styled
def plot_learning_curve(steps: np.ndarray, values: np.ndarray, *, ax: Axes | None = None,
                        label: str | None = None, color: str | None = None,
                        center: str = "median", band: str | None = "iqr",
                        show_seeds: bool = False, log: bool = False,
                        describe_spread: bool = True) -> Figure:
    """One curve over seeds: the ``center`` (median or mean) of ``values`` and a shaded band.

    steps: (T,) environment steps; values: (S, T), one row per seed (or (T,) for one seed).
    ``band``: 'iqr' (25th–75th percentile), 'ci95' (bootstrap CI of the centre), 'range' or
    None. ``show_seeds`` adds a thin line per seed. ``describe_spread`` appends "median of S
    seeds, interquartile range" to the label (turn it off and say it in the title instead).
    """
    steps = checked_array(steps, "steps", 1, "of environment steps (T,)")
    values = np.asarray(values, dtype=float)
    values = values[None] if values.ndim == 1 else values
    if values.ndim != 2 or values.shape[1] != steps.shape[0]:
        raise ValueError(f"values must have shape (seeds, {steps.shape[0]}) to match steps "
                         f"{steps.shape}, got {np.shape(values)}.")
    fig, (ax,) = figure_and_axes(ax, 1, (7, 4))
    color = color or COLORS[sum(1 for line in ax.lines if line.get_label()[0] != "_")
                            % len(COLORS)]
    mid, lo, hi = _center_and_band(values, center, band)
    if show_seeds and values.shape[0] > 1:
        for row in values:
            ax.plot(steps, row, color=color, lw=0.7, alpha=0.35)
    n = values.shape[0]
    text = label or ""
    if n > 1 and describe_spread:
        text += f"{' — ' if text else ''}{center} of {n} seeds"
        if lo is not None:
            text += f", {BAND_NAMES[band]}"
    ax.plot(steps, mid, color=color, label=text or None)
    if lo is not None:
        ax.fill_between(steps, lo, hi, color=color, alpha=0.22, lw=0)
    if log:
        ax.set_yscale("log")
    steps_axis(ax)
    return fig


def _thousands(x: float, _position: Any = None) -> str:
    return f"{x / 1000:g}k" if abs(x) >= 1000 else f"{x:g}"


def steps_axis(ax: Axes, label: str = "environment steps") -> None:
    """An x axis of environment steps with compact ticks (5k, 10k, ...)."""
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(_thousands))
    ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    ax.set_xlabel(label)


def _eval_episodes(run_dir: str | Path) -> int | None:
    """config.eval_episodes of a run folder, if its config.json says."""
    try:
        return int(read_config_json(run_dir)["config"]["eval_episodes"])
    except (OSError, KeyError, TypeError, ValueError):
        return None


def _reference_lines(ax: Axes, lines: Mapping[str, float] | None) -> None:
    styles = ["--", ":", "-."]
    for k, (name, y) in enumerate((lines or {}).items()):
        ax.axhline(y, color=REFERENCE_COLOR, ls=styles[k % 3], lw=1.4, label=name)


@styled
def plot_runs(run_dirs: Sequence[str | Path], *, labels: Sequence[str] | None = None,
              column: str = "eval_return_mean", reference_lines: Mapping[str, float] | None = None,
              companions: bool = True, center: str = "median", band: str | None = "iqr",
              show_seeds: bool = True, title: str | None = None,
              axes: Sequence[Axes] | None = None) -> Figure:
    """Learning curves of run folders: evaluation return over environment steps (centre and
    band over each run's seeds), with the critic loss and the mean Q on companion axes.

    ``reference_lines`` maps a legend label to a return, e.g. {"solved (−200)": -200}.
    ``axes``: 3 axes (return, critic loss, mean Q), or 1 with ``companions=False``.
    """
    run_dirs = [run_dirs] if isinstance(run_dirs, (str, Path)) else list(run_dirs)
    if not run_dirs:
        raise ValueError("plot_runs needs at least one run folder.")
    labels = list(labels) if labels is not None else [Path(d).name for d in run_dirs]
    if len(labels) != len(run_dirs):
        raise ValueError(f"{len(labels)} labels for {len(run_dirs)} run folders.")
    if axes is None:
        if companions:
            fig = plt.figure(figsize=(10, 7.2), layout="constrained")
            grid = fig.add_gridspec(2, 2, height_ratios=[1.7, 1])
            ax_ret = fig.add_subplot(grid[0, :])
            ax_loss = fig.add_subplot(grid[1, 0], sharex=ax_ret)
            ax_q = fig.add_subplot(grid[1, 1], sharex=ax_ret)
            all_axes = [ax_ret, ax_loss, ax_q]
        else:
            fig, all_axes = figure_and_axes(None, 1, (9, 5))
    else:
        fig, all_axes = figure_and_axes(axes, 3 if companions else 1, (0, 0))
    ax_ret = all_axes[0]
    progresses = [load_progress(d) for d in run_dirs]
    for k, (progress, label) in enumerate(zip(progresses, labels)):
        color = COLORS[k % len(COLORS)]
        steps, values, _ = seed_curves(progress, column)
        plot_learning_curve(steps, values, ax=ax_ret, label=label, color=color, center=center,
                            band=band, show_seeds=show_seeds)
        if companions:
            for ax, name in ((all_axes[1], "critic_loss"), (all_axes[2], "q_mean")):
                steps, values, _ = seed_curves(progress, name)
                keep = ~np.all(np.isnan(values), axis=0)  # no updates yet: nothing to show
                plot_learning_curve(steps[keep], values[:, keep], ax=ax, color=color,
                                    center=center, band=band, log=name == "critic_loss")
    _reference_lines(ax_ret, reference_lines)
    ax_ret.set_ylabel("return (sum of rewards)")
    episodes = {_eval_episodes(d) for d in run_dirs}
    per = f", mean over {episodes.pop()} fixed start states" if len(episodes) == 1 \
        and None not in episodes else ""
    ax_ret.set_title(title or f"Evaluation return of the deterministic policy μ(s){per}")
    legend_if_several(ax_ret, loc="lower right")
    if companions:
        all_axes[1].set_ylabel("L = mean (y − Q)²")
        all_axes[1].set_title("Critic loss (L13), mean per evaluation period")
        all_axes[2].set_ylabel("Q (discounted return)")
        all_axes[2].set_title("Mean Q(sᵢ, aᵢ) on the minibatches")
        all_axes[0].tick_params(labelbottom=True)
    return fig



__all__ = ["BAND_NAMES", "bootstrap_band", "load_progress", "seed_curves", "plot_learning_curve",
           "steps_axis", "plot_runs"]
