"""The MuJoCo results beside the TD3 paper's: learning curves of our DDPG and TD3 on HalfCheetah,
Hopper and Walker2d, each seed and their mean, with the paper's 10 seeds of TD3 as a mean ± std
band. Reads checkpoints/mujoco/ (made by benchmarks/mujoco_table.py): one run folder per task,
algorithm and seed (<env>/<algo>/seed<k>/progress.csv), and td3_paper_curves.csv."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..lab.run_folder import progress_columns
from .curves import steps_axis
from .style import OKABE_ITO, REFERENCE_COLOR, figure_and_axes, styled

PAPER_CURVES_FILE = "td3_paper_curves.csv"
TASKS = ("HalfCheetah", "Hopper", "Walker2d")  # the paper's locomotion tasks we ran
ALGORITHMS = {"ddpg": "DDPG", "td3": "TD3"}  # folder name -> label, in drawing order
COLORS = {"ddpg": OKABE_ITO["blue"], "td3": OKABE_ITO["vermillion"]}


@dataclass
class SeedCurves:
    """Evaluation returns of several seeds, which may have got to different steps.

    steps: (T,) every step any seed logged, ascending; values: (S, T), NaN where a seed has
    not got that far; seeds: the S seed numbers."""

    steps: np.ndarray
    values: np.ndarray
    seeds: list[int]

    def at(self, step: int) -> np.ndarray | None:
        """(S,) every seed's value at ``step``, or None unless every seed logged it."""
        hit = np.flatnonzero(self.steps == step)
        if hit.size == 0 or np.isnan(self.values[:, hit[0]]).any():
            return None
        return self.values[:, hit[0]]

    def mean(self) -> np.ndarray:
        """(T,) the mean over seeds where every seed has a value, NaN elsewhere."""
        complete = ~np.isnan(self.values).any(axis=0)
        return np.where(complete, np.nan_to_num(self.values).mean(axis=0), np.nan)

    def last_steps(self) -> np.ndarray:
        """(S,) the last step each seed logged."""
        return np.array([self.steps[~np.isnan(row)].max() for row in self.values])


def mean_and_std(values: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation over seeds (ddof 0, as the band and the tables use)."""
    return float(np.mean(values)), float(np.std(values))


def task_of(env_id: str) -> str:
    """'Hopper-v5' -> 'Hopper': our tasks (v5) and the paper's (v1) meet on the name."""
    return re.sub(r"-v\d+$", "", env_id)


def _curves(per_seed: Mapping[int, tuple[np.ndarray, np.ndarray]]) -> SeedCurves:
    """{seed: (steps, values)} -> SeedCurves on the union of the steps."""
    seeds = sorted(per_seed)
    steps = np.unique(np.concatenate([per_seed[s][0] for s in seeds]))
    values = np.full((len(seeds), len(steps)), np.nan)
    for i, s in enumerate(seeds):
        values[i, np.searchsorted(steps, per_seed[s][0])] = per_seed[s][1]
    return SeedCurves(steps, values, seeds)


def load_mujoco_runs(folder: str | Path) -> dict[str, dict[str, SeedCurves]]:
    """{env_id: {algo: SeedCurves}} from ``folder/<env_id>/<algo>/seed<k>/progress.csv`` (the
    runs may be partial: each seed counts up to its last row)."""
    found: dict[str, dict[str, dict[int, tuple[np.ndarray, np.ndarray]]]] = {}
    for progress in sorted(Path(folder).glob("*/*/seed*/progress.csv")):
        run = progress.parent
        columns = progress_columns(run)
        env_id, algo, seed = run.parent.parent.name, run.parent.name, int(run.name[4:])
        found.setdefault(env_id, {}).setdefault(algo, {})[seed] = (
            columns["step"], columns["eval_return_mean"])
    return {env: {algo: _curves(seeds) for algo, seeds in algos.items()}
            for env, algos in found.items()}


def load_paper_curves(path: str | Path) -> dict[str, SeedCurves]:
    """{task: SeedCurves} from td3_paper_curves.csv (columns env, seed, step, return; lines
    starting with '#' say where the numbers come from). Tasks by name: 'Hopper', not
    'Hopper-v1'."""
    per_task: dict[str, dict[int, list[tuple[float, float]]]] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            per_task.setdefault(task_of(row["env"]), {}).setdefault(int(row["seed"]), []).append(
                (float(row["step"]), float(row["return"])))
    return {task: _curves({s: tuple(np.array(rows).T) for s, rows in seeds.items()})
            for task, seeds in per_task.items()}


def comparison_step(curves: Sequence[SeedCurves], target: int) -> int | None:
    """``target`` if every seed of every curve got there, else the last step before it that
    they all logged (partial runs), or None if there is none."""
    shared: set[int] | None = None
    for c in curves:
        logged = {int(s) for s, v in zip(c.steps, c.mean()) if not np.isnan(v)}
        shared = logged if shared is None else shared & logged
    return max((s for s in shared or () if s <= target), default=None)


def _summary(label: str, values: np.ndarray | None) -> str:
    if values is None:
        return f"{label} —"
    mean, std = mean_and_std(values)
    return f"{label} {mean:,.0f} ± {std:,.0f}"


@styled
def plot_mujoco_curves(runs: Mapping[str, Mapping[str, SeedCurves]],
                       paper: Mapping[str, SeedCurves], *, tasks: Sequence[str] = TASKS,
                       max_step: int = 200_000, axes: Sequence[Axes] | None = None) -> Figure:
    """One panel per task: each seed of DDPG and TD3 as a thin line, their mean as a thick one,
    and the TD3 paper's mean ± std over its seeds as a grey band, up to ``max_step`` steps.

    runs: ``load_mujoco_runs``; paper: ``load_paper_curves``. Each title compares the means at
    ``max_step`` (or, while runs are partial, at the last step all of the panel's seeds logged).
    """
    fig, all_axes = figure_and_axes(axes, len(tasks), (5.6 * len(tasks), 4.8))
    by_task = {task_of(env): (env, algos) for env, algos in runs.items()}
    for ax, task in zip(all_axes, tasks):
        env_id, algos = by_task.get(task, (task, {}))
        ours = {a: algos[a] for a in ALGORITHMS if a in algos}
        reference = paper.get(task)
        if reference is not None:
            keep = reference.steps <= max_step
            mid = reference.mean()[keep]
            spread = np.nanstd(reference.values[:, keep], axis=0)
            ax.fill_between(reference.steps[keep], mid - spread, mid + spread,
                            color=REFERENCE_COLOR, alpha=0.2, lw=0)
            ax.plot(reference.steps[keep], mid, color=REFERENCE_COLOR, lw=1.5, ls="--",
                    label=f"the TD3 paper's TD3 (v1 tasks): mean ± std of "
                          f"{len(reference.seeds)} seeds")
        for algo, curves in ours.items():
            keep = curves.steps <= max_step
            for row in curves.values[:, keep]:
                ax.plot(curves.steps[keep], row, color=COLORS[algo], lw=0.8, alpha=0.45)
            ax.plot(curves.steps[keep], curves.mean()[keep], color=COLORS[algo], lw=2.2,
                    label=f"our {ALGORITHMS[algo]} (v5 tasks): mean over seeds (thin: each)")
        step = comparison_step(list(ours.values()), max_step)
        if step is None:
            ax.set_title(f"{env_id}: no evaluations yet")
        else:
            parts = [_summary(f"{ALGORITHMS[a]} ({len(c.seeds)})", c.at(step))
                     for a, c in ours.items()]
            if reference is not None:
                parts.append(_summary(f"paper's TD3 ({len(reference.seeds)})",
                                      reference.at(step)))
            ax.set_title(f"{env_id}, at {step // 1000:,}k steps"
                         f"{'' if step == max_step else ' (runs partial)'}:\n"
                         + ", ".join(parts), fontsize=10.5)
        ax.set_xlim(0, max_step)
        steps_axis(ax)
        ax.set_ylabel("evaluation return (10 episodes)")
    legend: dict[str, object] = {}  # one legend: each label once, whichever panel drew it
    for ax in all_axes:
        handles, labels = ax.get_legend_handles_labels()
        legend.update(zip(labels, handles))
    all_axes[0].legend(legend.values(), legend.keys(), loc="upper left", fontsize=8.5)
    return fig


def plot_mujoco_folder(folder: str | Path, **kwargs: Any) -> Figure | None:
    """``plot_mujoco_curves`` of a folder laid out as checkpoints/mujoco/ (runs and the paper's
    curves); None if it has no td3_paper_curves.csv (e.g. no such folder)."""
    folder = Path(folder)
    if not (folder / PAPER_CURVES_FILE).is_file():
        return None
    return plot_mujoco_curves(load_mujoco_runs(folder), load_paper_curves(
        folder / PAPER_CURVES_FILE), **kwargs)


__all__ = ["ALGORITHMS", "PAPER_CURVES_FILE", "TASKS", "SeedCurves", "comparison_step",
           "load_mujoco_runs", "load_paper_curves", "mean_and_std", "plot_mujoco_curves",
           "plot_mujoco_folder", "task_of"]
