"""DDPG against TD3 and each of its changes: the critic's Q₁(s₀, μ(s₀)) against what it estimates.

What each critic estimates: without target smoothing, the discounted return Σₜ γᵗ rₜ that μ
really obtains from s₀ (exact: Pendulum-v1 is deterministic); with target smoothing (T8), the
value of the *smoothed* policy, which takes μ(s₀) and then μ(s) plus T8's clipped noise at every
later step (mean of rollouts, with its standard error). A one-sided reference: the optimal
V*(s₀) from dynamic programming, whose own error at s₀ is measured by running the DP controller
from s₀ (``optimal_value_and_error``). The data are the ``start_values.csv`` and
``probe_values.csv`` files written by ``benchmarks/td3_ablation.py`` (checkpoints/td3/).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..pendulum import PendulumSolution, simulate
from .curves import plot_learning_curve, steps_axis
from .style import OKABE_ITO, REFERENCE_COLOR, figure_and_axes, styled

START_VALUES_FILE = "start_values.csv"
PROBE_VALUES_FILE = "probe_values.csv"
CONDITION_COLORS = [OKABE_ITO[c] for c in ("black", "orange", "sky_blue", "green",
                                           "vermillion", "purple", "blue")]


@dataclass
class StartValues:
    """One condition's critics and true returns at the evaluation start states s₀.

    ``steps`` (T,) snapshot steps, ``seeds`` (S,), and (S, T, n) arrays over n start states:
    ``q1`` = Q₁(s₀, μ(s₀)), ``q2`` = Q₂(s₀, μ(s₀)) (NaN with one critic), ``returns`` = the
    discounted return μ obtains from s₀, ``smoothed`` = the smoothed policy's value and
    ``smoothed_se`` its standard error (NaN where it was not measured: without T8, early
    snapshots).
    """

    steps: np.ndarray
    seeds: list[int]
    q1: np.ndarray
    q2: np.ndarray
    returns: np.ndarray
    smoothed: np.ndarray
    smoothed_se: np.ndarray

    @property
    def twin(self) -> bool:
        """Whether the run had a second critic Q₂."""
        return not np.isnan(self.q2).all()

    @property
    def smoothed_steps(self) -> np.ndarray:
        """(T,) bool: the snapshots where the smoothed policy's value was measured."""
        return ~np.isnan(self.smoothed).any(axis=(0, 2))

    def truth(self) -> np.ndarray:
        """What Q₁ estimates, (S, T, n): the smoothed policy's value where it was measured (a
        run with T8), else μ's own return."""
        return np.where(np.isnan(self.smoothed), self.returns, self.smoothed)

    def bias(self, truth: str = "own") -> np.ndarray:
        """Q₁(s₀, μ(s₀)) minus a truth, averaged over the start states: (S, T), > 0
        over-estimates. ``truth``: "own" (what this critic estimates, ``truth()``),
        "deterministic" (μ's return) or "smoothed" (NaN where not measured). Q₁ is the critic
        the actor climbs (T12), so it is the estimate that steers μ."""
        reference = {"own": self.truth(), "deterministic": self.returns,
                     "smoothed": self.smoothed}[truth]
        return (self.q1 - reference).mean(axis=-1)


def _read_table(path: Path, columns: tuple[str, ...]
                ) -> tuple[np.ndarray, list[int], np.ndarray, dict[str, np.ndarray]]:
    """A (step, seed, start, columns...) CSV as (steps (T,), seeds, starts (n,), column ->
    (S, T, n) arrays); an empty cell or a missing column is NaN."""
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: make it with `python -m "
                                "benchmarks.td3_ablation` (see checkpoints/td3/README.md).")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    steps = np.array(sorted({int(r["step"]) for r in rows}))
    seeds = sorted({int(r["seed"]) for r in rows})
    starts = np.array(sorted({int(r["start"]) for r in rows}))
    arrays = {c: np.full((len(seeds), len(steps), len(starts)), np.nan) for c in columns}
    step_index = {s: k for k, s in enumerate(steps)}
    start_index = {s: k for k, s in enumerate(starts)}
    for r in rows:
        where = (seeds.index(int(r["seed"])), step_index[int(r["step"])],
                 start_index[int(r["start"])])
        for column, values in arrays.items():
            values[where] = float(r[column]) if r.get(column) else np.nan
    return steps, seeds, starts, arrays


def load_start_values(folder: str | Path) -> StartValues:
    """``folder/start_values.csv`` (columns step, seed, start, q1, q2, discounted_return and,
    optionally, smoothed_return, smoothed_se) as arrays; a missing file is a FileNotFoundError
    naming the command that makes it."""
    path = Path(folder) / START_VALUES_FILE
    steps, seeds, starts, a = _read_table(path, ("q1", "q2", "discounted_return",
                                                 "smoothed_return", "smoothed_se"))
    if (np.isnan(a["q1"]).any() or np.isnan(a["discounted_return"]).any()
            or not np.array_equal(starts, np.arange(len(starts)))):
        raise ValueError(f"{path} misses some (step, seed, start) rows: rerun the command "
                         "that made it (checkpoints/td3/README.md).")
    return StartValues(steps, seeds, a["q1"], a["q2"], a["discounted_return"],
                       a["smoothed_return"], a["smoothed_se"])


@dataclass
class ProbeValues:
    """Q₁(s₀, μ(s₀)) and μ's return at a few start states, at closely spaced snapshots at the
    end of training: ``steps`` (T,), ``seeds`` (S,), ``starts`` (n,), ``q1`` and ``returns``
    (S, T, n)."""

    steps: np.ndarray
    seeds: list[int]
    starts: np.ndarray
    q1: np.ndarray
    returns: np.ndarray

    def fluctuation(self, of: str = "q1") -> np.ndarray:
        """(S,) per seed: the standard deviation (ddof 1) over the snapshots of ``of`` ("q1",
        "returns" or "bias" = q1 − returns) at each start after removing its straight-line trend,
        then the root mean square over the starts. How much the estimate moves from one
        snapshot to the next, not where it drifts."""
        x = {"q1": self.q1, "returns": self.returns, "bias": self.q1 - self.returns}[of]
        t = (self.steps - self.steps.mean()) / max(np.ptp(self.steps), 1)
        design = np.stack([np.ones_like(t), t], axis=1)  # (T, 2)
        flat = np.moveaxis(x, 1, 0).reshape(len(t), -1)  # (T, S·n)
        coef, *_ = np.linalg.lstsq(design, flat, rcond=None)
        residual = (flat - design @ coef).reshape(len(t), *x.shape[::2])  # (T, S, n)
        variance = residual.var(axis=0, ddof=2)  # two fitted parameters per series
        return np.sqrt(variance.mean(axis=-1))


def load_probe_values(folder: str | Path) -> ProbeValues:
    """``folder/probe_values.csv`` (columns step, seed, start, q1, discounted_return)."""
    path = Path(folder) / PROBE_VALUES_FILE
    steps, seeds, starts, a = _read_table(path, ("q1", "discounted_return"))
    if np.isnan(a["q1"]).any() or np.isnan(a["discounted_return"]).any():
        raise ValueError(f"{path} misses some (step, seed, start) rows: rerun the command "
                         "that made it (checkpoints/td3/README.md).")
    return ProbeValues(steps, seeds, starts, a["q1"], a["discounted_return"])


def optimal_value_and_error(solution: PendulumSolution, starts: np.ndarray,
                            gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """V*(s₀) from the DP table and its error at each start state s₀ of ``starts`` (n, 2).

    The error is V*(s₀) minus the discounted return of the DP controller itself from s₀, run
    with the exact dynamics for H steps (γᴴ < 1e-3, so the rewards left out change the sum by
    less than 1): the method of notebook 07. A controller's return can only be below the true
    optimum, so a positive error may be the table's optimism; a negative one is its pessimism
    (the true optimum is at least the controller's return). Returns (value (n,), error (n,)).
    """
    starts = np.asarray(starts, dtype=float).reshape(-1, 2)
    horizon = math.ceil(math.log(1e-3) / math.log(gamma))
    run = simulate(solution, starts, steps=horizon)
    controller_return = (run.rewards * gamma ** np.arange(horizon)).sum(axis=1)
    value = solution.value(starts[:, 0], starts[:, 1])
    return value, value - controller_return


@styled
def plot_td3_overestimation(steps: np.ndarray, bias: Mapping[str, np.ndarray],
                            above_optimum: Mapping[str, np.ndarray] | None = None, *,
                            optimum_band: tuple[float, float] | None = None,
                            title: str | None = None,
                            axes: Sequence[Axes] | None = None) -> Figure:
    """Left: each condition's Q₁(s₀, μ(s₀)) minus what that critic estimates (μ's return, or
    the smoothed policy's value with T8) over training (median and interquartile range over
    seeds). Right (if ``above_optimum``): Q₁(s₀, μ(s₀)) − V*(s₀), with a grey band from
    ``optimum_band`` = (low, high), the DP table's own error averaged over the starts, its
    pessimistic part (< 0) and its optimistic part (> 0): inside it, no claim about V* is safe.

    steps (T,); bias and above_optimum map a condition's label to an (S, T) array.
    """
    steps = np.asarray(steps, dtype=float)
    panels = [("bias", bias)] + ([("optimum", above_optimum)] if above_optimum else [])
    for _, data in panels:
        for label, values in data.items():
            if np.ndim(values) != 2 or np.shape(values)[1] != len(steps):
                raise ValueError(f"{label!r}: values must have shape (seeds, {len(steps)}) to "
                                 f"match steps, got {np.shape(values)}.")
    fig, axs = figure_and_axes(axes, len(panels), (6.2 * len(panels), 5.2))
    for ax, (kind, data) in zip(axs, panels):
        for color, (label, values) in zip(CONDITION_COLORS, data.items()):
            plot_learning_curve(steps, np.asarray(values, float), ax=ax, label=label,
                                color=color, describe_spread=False)
        ax.axhline(0, color=REFERENCE_COLOR, lw=1.2, ls="--")
        steps_axis(ax)
        if kind == "bias":
            ax.set_ylabel("Q₁(s₀, μ(s₀)) − what Q₁ estimates")
            ax.set_title("Against μ's return; with T8, the smoothed policy's value")
        else:
            if optimum_band:
                low, high = optimum_band
                ax.axhspan(low, high, color=REFERENCE_COLOR, alpha=0.15, lw=0,
                           label=f"{low:+.1f} to {high:+.1f}: the DP table's own error")
            ax.set_ylabel("Q₁(s₀, μ(s₀)) − V*(s₀)")
            ax.set_title("Against the optimum V*(s₀) (dynamic programming)")
    # One legend for both panels, below them: inside, it hid the curves it names.
    handles, labels = [], []
    for ax in axs:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


__all__ = ["PROBE_VALUES_FILE", "ProbeValues", "StartValues", "load_probe_values",
           "load_start_values", "optimal_value_and_error", "plot_td3_overestimation"]
