"""Seeing what the agent learned: learning curves, value and policy maps, animations.

Every figure here has the same look (``style``/``apply_style``): Okabe–Ito colours that
colour-blind readers can tell apart, a white background that reads in light and dark notebook
themes, titles and axis labels with units. Every plotting function takes an optional ``ax`` or
``axes``, returns the matplotlib Figure, and never calls ``plt.show()``; nothing here selects a
backend. Functions that compute data (``pendulum_maps``, ``overestimation``, ``rollout`` ...)
are separate from the ones that draw it, so notebooks can look at the numbers too.

* Learning curves: ``load_progress``, ``seed_curves``, ``plot_learning_curve``, ``plot_runs``.
* Pendulum-v1 maps over the (θ, θ̇) plane: ``pendulum_maps``, ``optimal_pendulum_maps``,
  ``plot_pendulum_maps``, ``plot_maps_over_training``, ``animate_maps_over_training``.
* The critic's view of one state, Q(s, a) over the actions (L14): ``plot_critic_view``.
* Over-estimation, predicted Q(s, μ(s)) against the return obtained: ``overestimation``,
  ``plot_overestimation``.
* Exploration noise 𝒩 (L5, L8): ``noise_paths``, ``plot_noise_paths``.
* Rollouts: ``rollout``, ``rollout_animation``, ``save_rollout_gif``, ``rollout_animation_html``.

Stacked agents (``DDPG(..., seed=[0, 1, 2])``) are drawn one seed at a time: pass
``agent_seed=`` (one of ``agent.seeds``; default the first).
"""

from __future__ import annotations

import csv
import functools
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import cycler, ticker
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from ..core.agent import DDPG
    from ..pendulum.optimal import PendulumSolution

# --------------------------------------------------------------------------------------------
# One look for every figure
# --------------------------------------------------------------------------------------------

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency. Series use them in this order.
OKABE_ITO = {"blue": "#0072B2", "vermillion": "#D55E00", "green": "#009E73",
             "orange": "#E69F00", "purple": "#CC79A7", "sky_blue": "#56B4E9",
             "yellow": "#F0E442", "black": "#000000"}
COLORS = list(OKABE_ITO.values())
VALUE_CMAP = "viridis"  # sequential, perceptually uniform, colour-blind safe
ACTION_CMAP = "RdBu_r"  # diverging around zero torque; ColorBrewer marks it colour-blind safe
REFERENCE_COLOR = "#555555"

STYLE: dict[str, Any] = {
    "figure.facecolor": "white", "axes.facecolor": "white", "savefig.facecolor": "white",
    "figure.edgecolor": "white", "text.color": "black", "axes.labelcolor": "black",
    "axes.edgecolor": "#333333", "xtick.color": "#333333", "ytick.color": "#333333",
    "axes.prop_cycle": cycler(color=COLORS), "image.cmap": VALUE_CMAP,
    "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "figure.titlesize": 13,
    "legend.fontsize": 10, "xtick.labelsize": 10, "ytick.labelsize": 10,
    "axes.grid": True, "grid.color": "#cccccc", "grid.linewidth": 0.6, "grid.alpha": 0.7,
    "axes.spines.top": False, "axes.spines.right": False, "axes.titlepad": 8,
    "legend.frameon": True, "legend.framealpha": 0.9, "legend.edgecolor": "#cccccc",
    "lines.linewidth": 2.0, "figure.dpi": 100, "savefig.dpi": 120,
    "axes.unicode_minus": True,
}

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def style() -> Iterator[None]:
    """Temporarily use the package's look (``with style(): ...``); every plot function does."""
    with mpl.rc_context(STYLE):
        yield


def apply_style() -> None:
    """Use the package's look for every later figure (e.g. once at the top of a notebook)."""
    mpl.rcParams.update(STYLE)


def _styled(function: F) -> F:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with style():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def save_figure(fig: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Save ``fig`` as PNG (or any format matplotlib knows) without version or date metadata,
    so the same figure gives the same bytes on every run."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Software": None} if path.suffix.lower() == ".png" else None
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata=metadata)
    return path


class FrameAnimation:
    """An animation: ``draw_frame(k)`` redraws ``fig`` as frame k of ``n_frames``.

    ``save_gif(path)`` writes a GIF (pillow, which comes with matplotlib), drawing each frame
    once; ``to_jshtml()`` gives matplotlib's interactive HTML player, and a notebook shows the
    animation when it is the value of a cell. The figure is not registered with pyplot, so
    notebooks do not also show it as a still image.
    """

    def __init__(self, fig: Figure, draw_frame: Callable[[int], Any], n_frames: int,
                 fps: float) -> None:
        if n_frames < 1:
            raise ValueError("an animation needs at least one frame.")
        self.fig, self.draw_frame, self.n_frames, self.fps = fig, draw_frame, n_frames, fps

    def save_gif(self, path: str | Path, dpi: int = 80, fps: float | None = None) -> Path:
        path = Path(path)
        if path.suffix.lower() != ".gif":
            raise ValueError(f"save_gif writes a GIF; name the file *.gif, got {path}.")
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = PillowWriter(fps=fps or self.fps)
        with writer.saving(self.fig, str(path), dpi):
            for k in range(self.n_frames):
                self.draw_frame(k)
                writer.grab_frame()
        return path

    def to_jshtml(self, dpi: int = 80) -> str:
        anim = FuncAnimation(self.fig, self.draw_frame, frames=self.n_frames,
                             interval=1000 / self.fps, blit=False)
        with mpl.rc_context({"savefig.dpi": dpi, "animation.embed_limit": 50.0}):
            return anim.to_jshtml(fps=self.fps, default_mode="once")

    def _repr_html_(self) -> str:
        return self.to_jshtml()


def _figure_and_axes(axes: Axes | Sequence[Axes] | np.ndarray | None, n: int,
                     figsize: tuple[float, float], **subplots: Any) -> tuple[Figure, list[Axes]]:
    """The caller's ``n`` axes, or a new figure with a row of ``n``."""
    if axes is None:
        fig, new = plt.subplots(1, n, figsize=figsize, layout="constrained", squeeze=False,
                                **subplots)
        return fig, list(new.ravel())
    flat = [axes] if isinstance(axes, Axes) else list(np.ravel(np.asarray(axes, dtype=object)))
    if len(flat) != n:
        raise ValueError(f"this plot draws on {n} axes, but {len(flat)} were given; pass "
                         f"{n} axes (e.g. plt.subplots(1, {n})[1]) or none for a new figure.")
    return flat[0].figure, flat


def _legend(ax: Axes, **kwargs: Any) -> None:
    """A legend only when there is more than one labelled series."""
    labels = ax.get_legend_handles_labels()[1]
    if len([lab for lab in labels if not lab.startswith("_")]) > 1:
        ax.legend(**kwargs)


def signed(x: float, spec: str = ".1f") -> str:
    """A number for a label, with a true minus sign (−) instead of a hyphen."""
    return format(float(x), spec).replace("-", "\u2212")


def _array(x: Any, name: str, ndim: int, hint: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array {hint}, got shape {a.shape}.")
    return a


# --------------------------------------------------------------------------------------------
# Agents: one seed's μ(s), Q(s, a) and ∇_a Q
# --------------------------------------------------------------------------------------------


def _seed_index(agent: DDPG, agent_seed: int | None) -> int:
    if agent_seed is None:
        return 0
    if agent_seed not in agent.seeds:
        raise ValueError(f"agent_seed={agent_seed} is not one of this agent's seeds "
                         f"{agent.seeds}; pass one of them, or None for the first.")
    return agent.seeds.index(agent_seed)


def _batch(agent: DDPG, x: Any, width: int, name: str) -> np.ndarray:
    """(N, width) in the agent's dtype, broadcast to (S, N, width) for a stacked agent."""
    x = np.asarray(x, dtype=agent.dtype)
    if x.ndim != 2 or x.shape[1] != width:
        raise ValueError(f"{name} must have shape (N, {width}), got {x.shape}; add a batch "
                         "axis with x[None] for a single state.")
    return x if agent.stack is None else np.broadcast_to(x, (agent.stack, *x.shape))


def policy_and_value(agent: DDPG, obs: np.ndarray,
                     agent_seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """μ(s) (N, act_dim) and Q(s, μ(s)) (N,) of one seed, for observations (N, obs_dim)."""
    i = _seed_index(agent, agent_seed)
    x = _batch(agent, obs, agent.obs_dim, "obs")
    mu = agent.actor(x)
    q = agent.critic(x, mu)
    return (mu, q) if agent.stack is None else (mu[i], q[i])


def critic_values(agent: DDPG, obs: np.ndarray, actions: np.ndarray,
                  agent_seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Q(s, a) (N,) and ∇_a Q(s, a) (N, act_dim) of one seed's critic (the L14 gradient)."""
    i = _seed_index(agent, agent_seed)
    x = _batch(agent, obs, agent.obs_dim, "obs")
    a = _batch(agent, actions, agent.act_dim, "actions")
    if x.shape[-2] != a.shape[-2]:
        raise ValueError(f"obs has {x.shape[-2]} rows but actions has {a.shape[-2]}.")
    q, dq_da = agent.critic.action_gradient(x, a)
    return (q, dq_da) if agent.stack is None else (q[i], dq_da[i])


# --------------------------------------------------------------------------------------------
# Learning curves from progress.csv
# --------------------------------------------------------------------------------------------


def load_progress(run_dir: str | Path) -> dict[str, np.ndarray]:
    """The columns of ``run_dir/progress.csv`` as float arrays (one row per evaluation and
    seed: step, seed, eval_return_mean, critic_loss, q_mean, ...)."""
    path = Path(run_dir) / "progress.csv"
    if not path.is_file():
        raise FileNotFoundError(f"no progress.csv in {run_dir}: pass a run folder made by "
                                "python -m ddpg_numpy train --out DIR (or train(..., out=DIR)).")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path} has no rows yet: the run has not reached its first "
                         "evaluation (every config.eval_every steps).")
    return {k: np.array([float(r[k]) if r[k] != "" else np.nan for r in rows])
            for k in rows[0]}


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
            elif band == "ci95":  # bootstrap over seeds, fixed generator: same band every time
                rng = np.random.default_rng(0)
                pick = rng.integers(0, values.shape[0], size=(2000, values.shape[0]))
                boot = centre_of[center](values[pick], axis=1)  # (2000, T)
                lo, hi = np.nanpercentile(boot, [2.5, 97.5], axis=0)
            else:
                raise ValueError(f"band={band!r}: use 'iqr', 'ci95' (bootstrap 95 % confidence "
                                 "interval of the centre), 'range' or None.")
    return mid, lo, hi


BAND_NAMES = {"iqr": "interquartile range", "ci95": "bootstrap 95 % CI", "range": "min–max"}


@_styled
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
    steps = _array(steps, "steps", 1, "of environment steps (T,)")
    values = np.asarray(values, dtype=float)
    values = values[None] if values.ndim == 1 else values
    if values.ndim != 2 or values.shape[1] != steps.shape[0]:
        raise ValueError(f"values must have shape (seeds, {steps.shape[0]}) to match steps "
                         f"{steps.shape}, got {np.shape(values)}.")
    fig, (ax,) = _figure_and_axes(ax, 1, (7, 4))
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
    path = Path(run_dir) / "config.json"
    try:
        return int(json.loads(path.read_text())["config"]["eval_episodes"])
    except (OSError, KeyError, TypeError, ValueError):
        return None


def _reference_lines(ax: Axes, lines: Mapping[str, float] | None) -> None:
    styles = ["--", ":", "-."]
    for k, (name, y) in enumerate((lines or {}).items()):
        ax.axhline(y, color=REFERENCE_COLOR, ls=styles[k % 3], lw=1.4, label=name)


@_styled
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
            fig, all_axes = _figure_and_axes(None, 1, (9, 5))
    else:
        fig, all_axes = _figure_and_axes(axes, 3 if companions else 1, (0, 0))
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
    _legend(ax_ret, loc="lower right")
    if companions:
        all_axes[1].set_ylabel("L = mean (y − Q)²")
        all_axes[1].set_title("Critic loss (L13), mean per evaluation period")
        all_axes[2].set_ylabel("Q (discounted return)")
        all_axes[2].set_title("Mean Q(sᵢ, aᵢ) on the minibatches")
        all_axes[0].tick_params(labelbottom=True)
    return fig


# --------------------------------------------------------------------------------------------
# Pendulum-v1: value and policy maps over (θ, θ̇)
# --------------------------------------------------------------------------------------------

MAX_SPEED = 8.0  # Pendulum-v1's |θ̇| limit (rad/s)


@dataclass
class PendulumMaps:
    """Value and action over a (θ, θ̇) grid of Pendulum-v1 states.

    theta (n_theta,) in [-π, π] (0 = upright), thetadot (n_thetadot,) in [-8, 8] rad/s;
    value and action (n_thetadot, n_theta): rows are θ̇, columns θ, as ``imshow`` draws them.
    ``value`` is Q(s, μ(s)) for an agent, V*(s) for the optimum; ``action`` is the torque.
    """

    theta: np.ndarray
    thetadot: np.ndarray
    value: np.ndarray
    action: np.ndarray
    label: str = ""

    def __post_init__(self) -> None:
        shape = (len(self.thetadot), len(self.theta))
        for name in ("value", "action"):
            if np.shape(getattr(self, name)) != shape:
                raise ValueError(f"PendulumMaps.{name} must have shape (n_thetadot, n_theta) = "
                                 f"{shape}, got {np.shape(getattr(self, name))}.")


def _pendulum_grid(n_theta: int, n_thetadot: int) -> tuple[np.ndarray, np.ndarray]:
    if n_theta < 2 or n_thetadot < 2:
        raise ValueError(f"need at least 2 grid points per axis, got {n_theta} x {n_thetadot}.")
    return np.linspace(-np.pi, np.pi, n_theta), np.linspace(-MAX_SPEED, MAX_SPEED, n_thetadot)


def pendulum_observations(theta: np.ndarray, thetadot: np.ndarray) -> np.ndarray:
    """Pendulum-v1 observations (cos θ, sin θ, θ̇) of broadcast states: shape (..., 3)."""
    theta, thetadot = np.broadcast_arrays(np.asarray(theta, float), np.asarray(thetadot, float))
    return np.stack([np.cos(theta), np.sin(theta), thetadot], axis=-1)


def _check_pendulum_agent(agent: DDPG) -> None:
    if agent.obs_dim != 3 or agent.act_dim != 1:
        raise ValueError(f"Pendulum maps need an agent with Pendulum-v1's observation (cos θ, "
                         f"sin θ, θ̇) and one torque; this one has obs_dim={agent.obs_dim}, "
                         f"act_dim={agent.act_dim} (env {agent.env_id}).")


def pendulum_maps(agent: DDPG, agent_seed: int | None = None, n_theta: int = 121,
                  n_thetadot: int = 121, label: str = "") -> PendulumMaps:
    """Q(s, μ(s)) and μ(s) of a Pendulum-v1 agent on a (θ, θ̇) grid."""
    _check_pendulum_agent(agent)
    theta, thetadot = _pendulum_grid(n_theta, n_thetadot)
    obs = pendulum_observations(theta[None, :], thetadot[:, None]).reshape(-1, 3)
    mu, q = policy_and_value(agent, obs, agent_seed)
    shape = (n_thetadot, n_theta)
    return PendulumMaps(theta, thetadot, q.reshape(shape).astype(float),
                        mu[:, 0].reshape(shape).astype(float), label)


def optimal_pendulum_maps(solution: PendulumSolution, n_theta: int = 121,
                          n_thetadot: int = 121, label: str = "") -> PendulumMaps:
    """V*(θ, θ̇) and the optimal torque μ*(θ, θ̇) of a dynamic-programming solution
    (``pendulum_optimal.solve``) on the same grid as ``pendulum_maps``."""
    theta, thetadot = _pendulum_grid(n_theta, n_thetadot)
    th, thd = np.meshgrid(theta, thetadot)
    label = label or (f"optimal (DP), γ = {solution.gamma:g}" if solution.horizon is None
                      else f"optimal (DP), {solution.horizon} steps")
    # The policy table (greedy torque at the DP's grid nodes), interpolated: the same controller
    # as the lookahead ``simulate`` runs, without its chatter where two torques tie.
    return PendulumMaps(theta, thetadot, solution.value(th, thd).astype(float),
                        solution.policy(th, thd, method="table").astype(float), label)


def wrap_angle(theta: np.ndarray) -> np.ndarray:
    """Angles to [-π, π) (0 = upright)."""
    return (np.asarray(theta) + np.pi) % (2 * np.pi) - np.pi


def pendulum_states(observations: np.ndarray) -> np.ndarray:
    """(θ, θ̇) (T, 2) from Pendulum-v1 observations (cos θ, sin θ, θ̇) (T, 3)."""
    obs = _array(observations, "observations", 2, "(T, 3) of (cos θ, sin θ, θ̇)")
    if obs.shape[1] != 3:
        raise ValueError(f"Pendulum-v1 observations have 3 columns (cos θ, sin θ, θ̇), got "
                         f"shape {obs.shape}.")
    return np.stack([np.arctan2(obs[:, 1], obs[:, 0]), obs[:, 2]], axis=1)


def _draw_trajectory(ax: Axes, states: np.ndarray, label: str | None = None) -> None:
    """A (θ, θ̇) path, broken where θ wraps around ±π; start ○, end ★."""
    from matplotlib.patheffects import withStroke

    states = _array(states, "trajectory", 2, "(T, 2) of (θ, θ̇)")
    if states.shape[1] != 2:
        raise ValueError(f"a trajectory has shape (T, 2) of (θ, θ̇), got {states.shape}.")
    theta, thetadot = wrap_angle(states[:, 0]), states[:, 1]
    jumps = np.flatnonzero(np.abs(np.diff(theta)) > np.pi) + 1
    theta, thetadot = np.insert(theta, jumps, np.nan), np.insert(thetadot, jumps, np.nan)
    halo = [withStroke(linewidth=3.5, foreground="white")]
    ax.plot(theta, thetadot, color="black", lw=1.6, path_effects=halo, label=label)
    ax.plot(theta[0], thetadot[0], "o", color="black", ms=7, mfc="white", mew=1.6)
    ax.plot(theta[~np.isnan(theta)][-1], thetadot[~np.isnan(theta)][-1], "*", color="black",
            ms=13, mfc=OKABE_ITO["yellow"], mew=1.0)


def _angle_axes(ax: Axes, xlabel: bool = True, ylabel: bool = True) -> None:
    ax.set_xticks(np.pi * np.array([-1, -0.5, 0, 0.5, 1]), ["−π", "−π/2", "0", "π/2", "π"])
    ax.set_xlim(-np.pi, np.pi)
    ax.set_ylim(-MAX_SPEED, MAX_SPEED)
    ax.set_yticks([-8, -4, 0, 4, 8])
    ax.grid(False)
    if xlabel:
        ax.set_xlabel("angle θ (rad, 0 = upright)")
    if ylabel:
        ax.set_ylabel("angular velocity θ̇ (rad/s)")


def _value_limits(maps: Sequence[PendulumMaps]) -> tuple[float, float]:
    """Colour range shared by all value panels: 1st–99th percentile of all of them, so one
    diverged corner does not wash out the rest."""
    pooled = np.concatenate([np.ravel(m.value) for m in maps])
    lo, hi = np.nanpercentile(pooled, [1, 99])
    return float(lo), float(hi if hi > lo else lo + 1)


def _image(ax: Axes, maps: PendulumMaps, field: str, vmin: float, vmax: float):
    cmap = VALUE_CMAP if field == "value" else ACTION_CMAP
    return ax.imshow(getattr(maps, field), origin="lower", aspect="auto", cmap=cmap,
                     vmin=vmin, vmax=vmax, interpolation="nearest",
                     extent=(maps.theta[0], maps.theta[-1], maps.thetadot[0],
                             maps.thetadot[-1]))


VALUE_LABEL = "Q(s, μ(s)) or V*(s) (discounted return)"
ACTION_LABEL = "torque μ(s) (N·m)"


@_styled
def plot_pendulum_maps(maps: PendulumMaps | Sequence[PendulumMaps],
                       trajectories: Sequence[np.ndarray | None] | None = None, *,
                       torque_limit: float = 2.0, title: str | None = None,
                       axes: np.ndarray | Sequence[Axes] | None = None) -> Figure:
    """Value (left) and policy (right) maps over (θ, θ̇), one row per ``maps`` entry (e.g. the
    agent, then the DP optimum), on shared colour scales, each row with an optional (θ, θ̇)
    trajectory (T, 2) drawn on top. ``axes``: 2 per row."""
    maps = [maps] if isinstance(maps, PendulumMaps) else list(maps)
    if not maps:
        raise ValueError("plot_pendulum_maps needs at least one PendulumMaps.")
    trajectories = list(trajectories) if trajectories is not None else [None] * len(maps)
    if len(trajectories) != len(maps):
        raise ValueError(f"{len(trajectories)} trajectories for {len(maps)} rows of maps; pass "
                         "one per row (None for none).")
    rows = len(maps)
    if axes is None:
        fig, grid = plt.subplots(rows, 2, figsize=(10, 3.6 * rows + 0.6), layout="constrained",
                                 squeeze=False, sharex=True, sharey=True)
    else:
        fig, flat = _figure_and_axes(axes, 2 * rows, (0, 0))
        grid = np.array(flat, dtype=object).reshape(rows, 2)
    vmin, vmax = _value_limits(maps)
    for r, (m, trajectory) in enumerate(zip(maps, trajectories)):
        ax_v, ax_a = grid[r]
        im_v = _image(ax_v, m, "value", vmin, vmax)
        im_a = _image(ax_a, m, "action", -torque_limit, torque_limit)
        name = f"{m.label}: " if m.label else ""
        ax_v.set_title(f"{name}value")
        ax_a.set_title(f"{name}policy")
        for ax in (ax_v, ax_a):
            _angle_axes(ax, xlabel=r == rows - 1, ylabel=ax is ax_v)
            if trajectory is not None:
                _draw_trajectory(ax, trajectory)
    fig.colorbar(im_v, ax=list(grid[:, 0]), label=VALUE_LABEL, extend="both", extendfrac=0.02,
                 shrink=0.85, aspect=35, pad=0.02)
    fig.colorbar(im_a, ax=list(grid[:, 1]), label=ACTION_LABEL, shrink=0.85, aspect=35,
                 pad=0.02)
    if title:
        fig.suptitle(title)
    return fig


@_styled
def plot_maps_over_training(maps: Sequence[PendulumMaps], steps: Sequence[int], *,
                            optimal: PendulumMaps | None = None, torque_limit: float = 2.0,
                            title: str | None = None,
                            axes: np.ndarray | None = None) -> Figure:
    """How the critic and the policy form: Q(s, μ(s)) (top row) and μ(s) (bottom row) at
    several training steps, one column each, plus the optimum as the last column.
    ``axes``: (2, columns) array."""
    maps = list(maps)
    if len(maps) != len(steps) or not maps:
        raise ValueError(f"need one step per map and at least one map; got {len(maps)} maps "
                         f"and {len(steps)} steps.")
    columns = maps + ([optimal] if optimal is not None else [])
    n = len(columns)
    if axes is None:
        fig, grid = plt.subplots(2, n, figsize=(2.45 * n + 1.6, 5.6), layout="constrained",
                                 squeeze=False, sharex=True, sharey=True)
    else:
        grid = np.asarray(axes, dtype=object)
        if grid.shape != (2, n):
            raise ValueError(f"axes must be a (2, {n}) array, got shape {grid.shape}.")
        fig = grid[0, 0].figure
    vmin, vmax = _value_limits(columns)
    for c, m in enumerate(columns):
        im_v = _image(grid[0, c], m, "value", vmin, vmax)
        im_a = _image(grid[1, c], m, "action", -torque_limit, torque_limit)
        head = f"step {steps[c]:,}" if c < len(maps) else (m.label or "optimal")
        grid[0, c].set_title(head, fontsize=11)
        for r in range(2):
            _angle_axes(grid[r, c], xlabel=False, ylabel=False)
    grid[0, 0].set_ylabel("Q(s, μ(s))\nθ̇ (rad/s)")
    grid[1, 0].set_ylabel("μ(s)\nθ̇ (rad/s)")
    fig.supxlabel("angle θ (rad, 0 = upright)", fontsize=11)
    fig.colorbar(im_v, ax=list(grid[0]), label="discounted return", extend="both",
                 extendfrac=0.03, fraction=0.04, pad=0.01)
    fig.colorbar(im_a, ax=list(grid[1]), label="torque (N·m)", fraction=0.04, pad=0.01)
    fig.suptitle(title or "How the critic's value Q(s, μ(s)) and the policy μ(s) form")
    return fig


@_styled
def animate_maps_over_training(maps: Sequence[PendulumMaps], steps: Sequence[int], *,
                               optimal: PendulumMaps | None = None, torque_limit: float = 2.0,
                               fps: float = 2.0, title: str | None = None,
                               figsize: tuple[float, float] | None = None) -> FrameAnimation:
    """One frame per training step: Q(s, μ(s)) and μ(s), above the optimum if given.

    Save with ``anim.save_gif("maps.gif")``; in a notebook, end a cell with ``anim``."""
    maps = list(maps)
    if len(maps) != len(steps) or not maps:
        raise ValueError(f"need one step per map and at least one map; got {len(maps)} maps "
                         f"and {len(steps)} steps.")
    rows = 1 if optimal is None else 2
    fig = Figure(figsize=figsize or (8, 3.2 * rows + 0.7), layout="constrained")
    grid = fig.subplots(rows, 2, sharex=True, sharey=True, squeeze=False)
    vmin, vmax = _value_limits(maps + ([optimal] if optimal is not None else []))
    im_v = _image(grid[0, 0], maps[0], "value", vmin, vmax)
    im_a = _image(grid[0, 1], maps[0], "action", -torque_limit, torque_limit)
    grid[0, 0].set_title("critic Q(s, μ(s))")
    grid[0, 1].set_title("actor μ(s)")
    if optimal is not None:
        _image(grid[1, 0], optimal, "value", vmin, vmax)
        _image(grid[1, 1], optimal, "action", -torque_limit, torque_limit)
        grid[1, 0].set_title("optimal V*(s) (DP)")
        grid[1, 1].set_title("optimal μ*(s) (DP)")
    for r in range(rows):
        for c in range(2):
            _angle_axes(grid[r, c], xlabel=r == rows - 1, ylabel=c == 0)
    fig.colorbar(im_v, ax=list(grid[:, 0]), label="discounted return", extend="both",
                 extendfrac=0.03, aspect=30, pad=0.02)
    fig.colorbar(im_a, ax=list(grid[:, 1]), label="torque (N·m)", aspect=30, pad=0.02)
    heading = fig.suptitle("")

    def draw(k: int) -> list:
        im_v.set_data(maps[k].value)
        im_a.set_data(maps[k].action)
        heading.set_text(f"{title + ', ' if title else ''}step {steps[k]:,}")
        return [im_v, im_a, heading]

    draw(0)
    fig.draw_without_rendering()  # lay out once: only the images and the heading change
    fig.set_layout_engine("none")
    return FrameAnimation(fig, draw, len(maps), fps)


# --------------------------------------------------------------------------------------------
# The critic's view of one state (L14)
# --------------------------------------------------------------------------------------------


@_styled
def plot_critic_view(agent: DDPG, obs: np.ndarray, *, agent_seed: int | None = None,
                     action_index: int = 0, n_actions: int = 201,
                     reference: tuple[np.ndarray, np.ndarray] | None = None,
                     reference_label: str = "optimal Q*(s, a) (DP)", title: str | None = None,
                     ax: Axes | None = None) -> Figure:
    """Q(s, a) along one action dimension at a fixed state, with μ(s) and ∇_a Q marked.

    obs: (obs_dim,). Other action dimensions are held at μ(s). The tangent at μ(s) has slope
    ∇_a Q(s, μ(s)); the arrow shows where L14 moves μ(s): uphill, along +∇_a Q. ``reference``:
    optional (actions (M,), q (M,)) drawn for comparison, e.g. the DP's one-step lookahead.
    """
    obs = np.asarray(obs, dtype=float)
    if obs.shape != (agent.obs_dim,):
        raise ValueError(f"obs must be one state of shape ({agent.obs_dim},), got {obs.shape}.")
    if not 0 <= action_index < agent.act_dim:
        raise ValueError(f"action_index={action_index} out of range for act_dim={agent.act_dim}.")
    reference_arrays = None
    if reference is not None:
        reference_arrays = tuple(np.asarray(x, float) for x in reference)
        if reference_arrays[0].ndim != 1 or reference_arrays[0].shape != reference_arrays[1].shape:
            raise ValueError(f"reference must be (actions (M,), q (M,)), got shapes "
                             f"{reference_arrays[0].shape} and {reference_arrays[1].shape}.")
    fig, (ax,) = _figure_and_axes(ax, 1, (6.4, 4.4))
    low = float(agent.action_low[action_index])
    high = float(agent.action_high[action_index])
    mu, q_mu = policy_and_value(agent, obs[None], agent_seed)
    actions = np.repeat(mu, n_actions, axis=0).astype(float)
    actions[:, action_index] = np.linspace(low, high, n_actions)
    q, _ = critic_values(agent, np.repeat(obs[None], n_actions, axis=0), actions, agent_seed)
    _, grad = critic_values(agent, obs[None], mu, agent_seed)
    a0, q0, slope = float(mu[0, action_index]), float(q_mu[0]), float(grad[0, action_index])
    red, a = OKABE_ITO["vermillion"], actions[:, action_index]

    ax.plot(a, q, color=OKABE_ITO["blue"], label="critic Q(s, a)")
    if reference_arrays is not None:
        ax.plot(*reference_arrays, color=REFERENCE_COLOR, ls="--", lw=1.6, label=reference_label)
    half = 0.15 * (high - low)
    span = np.clip([a0 - half, a0 + half], low, high)
    ax.plot(span, q0 + slope * (span - a0), color=red, lw=2.6,
            label=f"tangent, slope ∇ₐQ = {signed(slope, '+.3g')}")
    best = int(np.argmax(q))
    ax.plot(a[best], q[best], "^", color=OKABE_ITO["green"], ms=10, mec="black",
            label=f"critic's best action {signed(a[best], '+.2f')}", zorder=5)
    ax.plot([a0], [q0], "o", color=red, ms=8, mec="black",
            label=f"actor's action μ(s) = {signed(a0, '+.2f')}", zorder=6)
    ax.set_xlim(low - 0.03 * (high - low), high + 0.03 * (high - low))  # room for the markers
    # Where L14 moves μ(s): an arrow along +∇ₐQ under the curve, or a note when μ(s) already
    # sits at the bound the gradient pushes towards (tanh saturated).
    ymin, ymax = ax.get_ylim()
    ax.set_ylim(ymin - 0.12 * (ymax - ymin), ymax)
    arrow_y = ymin - 0.06 * (ymax - ymin)
    target = float(np.clip(a0 + np.sign(slope) * 0.25 * (high - low), low, high))
    if abs(target - a0) > 0.05 * (high - low):
        ax.annotate("", xy=(target, arrow_y), xytext=(a0, arrow_y),
                    arrowprops={"arrowstyle": "-|>", "color": red, "lw": 2})
        # The label goes on whichever side (behind the tail or past the head) has more room.
        tail_room = high - a0 if target < a0 else a0 - low
        head_room = target - low if target < a0 else high - target
        at_tail = tail_room >= head_room
        x, leftwards = (a0, target > a0) if at_tail else (target, target < a0)
        ax.text(x, arrow_y, " L14 moves μ(s) ", ha="right" if leftwards else "left",
                va="center", fontsize=9, color=red)
    elif slope != 0:
        ax.text(a0, arrow_y, "∇ₐQ pushes μ(s) against the bound", ha="right" if a0 > 0
                else "left", va="center", fontsize=9, color=red)
    ax.set_xlabel(f"action a{'' if agent.act_dim == 1 else f'[{action_index}]'}")
    ax.set_ylabel("Q(s, a) (discounted return)")
    ax.set_title(title or "The critic's view of one state")
    _legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, fontsize=9)
    return fig


# --------------------------------------------------------------------------------------------
# Over-estimation: predicted Q(s, μ(s)) against the discounted return actually obtained
# --------------------------------------------------------------------------------------------


def discounted_horizon(gamma: float, tail: float = 1e-3) -> int:
    """Steps H after which γ^H < ``tail``: rewards later than that barely count."""
    if not 0 < gamma < 1:
        raise ValueError(f"gamma must be in (0, 1) for a discounted return, got {gamma}.")
    return int(math.ceil(math.log(tail) / math.log(gamma)))


def overestimation(snapshots: Sequence[DDPG], env_id: str, episodes: int = 10,
                   gamma: float | None = None, horizon: int | None = None,
                   seed_base: int = 10_000) -> tuple[np.ndarray, np.ndarray]:
    """The critic's prediction Q(s₀, μ(s₀)) and the discounted return Σₜ γᵗ rₜ that μ then
    actually obtains from the same start states s₀ (``env.reset(seed=seed_base + i)``).

    Rollouts run ``horizon`` steps (default: until γᵗ < 1e-3), past the environment's time
    limit, because the critic estimates the infinite-horizon return (truncation is not an end,
    see L12). snapshots: agents over training (all with the same seeds). Returns predicted and
    actual, each (S, T): mean over the start states, per seed S and snapshot T.
    """
    from ..lab.training import make_env

    if not snapshots:
        raise ValueError("overestimation needs at least one agent snapshot.")
    gamma = snapshots[0].config.gamma if gamma is None else gamma
    horizon = horizon or discounted_horizon(gamma)
    n_seeds = snapshots[0].stack or 1
    predicted = np.zeros((n_seeds, len(snapshots)))
    actual = np.zeros((n_seeds, len(snapshots)))
    envs = [make_env(env_id, max_episode_steps=horizon) for _ in range(n_seeds * episodes)]
    for t, agent in enumerate(snapshots):
        if (agent.stack or 1) != n_seeds:
            raise ValueError("all snapshots must have the same number of seeds.")
        obs = np.stack([env.reset(seed=seed_base + i % episodes)[0]
                        for i, env in enumerate(envs)])
        shape = (n_seeds, episodes) if agent.stack else (episodes,)
        x = obs.reshape(*shape, -1).astype(agent.dtype)
        q0 = agent.critic(x, agent.actor(x))
        predicted[:, t] = np.reshape(q0, (n_seeds, episodes)).mean(axis=1)
        returns = np.zeros(len(envs))
        running = np.ones(len(envs), dtype=bool)
        discount = 1.0
        while running.any():
            actions = agent.actor(obs.reshape(*shape, -1).astype(agent.dtype))
            actions = actions.reshape(len(envs), -1).astype(np.float64)
            for i in np.flatnonzero(running):
                obs[i], reward, terminated, truncated, _ = envs[i].step(actions[i])
                returns[i] += discount * reward
                running[i] = not (terminated or truncated)
            discount *= gamma
        actual[:, t] = returns.reshape(n_seeds, episodes).mean(axis=1)
    for env in envs:
        env.close()
    return predicted, actual


@_styled
def plot_overestimation(steps: np.ndarray, predicted: np.ndarray, actual: np.ndarray, *,
                        optimal_value: float | None = None, title: str | None = None,
                        axes: Sequence[Axes] | None = None) -> Figure:
    """Left: the critic's Q(s₀, μ(s₀)) and the discounted return obtained, over training (median
    and interquartile range over seeds). Right: their difference, above 0 = over-estimation.

    steps (T,); predicted, actual (S, T) (from ``overestimation``). ``optimal_value``: mean
    V*(s₀) of the same start states, drawn as a reference line.
    """
    steps = _array(steps, "steps", 1, "(T,)")
    predicted = np.atleast_2d(np.asarray(predicted, float))
    actual = np.atleast_2d(np.asarray(actual, float))
    for name, a in (("predicted", predicted), ("actual", actual)):
        if a.ndim != 2 or a.shape[1] != len(steps):
            raise ValueError(f"{name} must have shape (seeds, {len(steps)}) to match steps, "
                             f"got {a.shape}.")
    if predicted.shape != actual.shape:
        raise ValueError(f"predicted {predicted.shape} and actual {actual.shape} differ.")
    fig, (ax_v, ax_d) = _figure_and_axes(axes, 2, (11, 4.3))
    plot_learning_curve(steps, predicted, ax=ax_v, label="critic's prediction Q(s₀, μ(s₀))",
                        color=OKABE_ITO["vermillion"], describe_spread=False)
    plot_learning_curve(steps, actual, ax=ax_v, label="return obtained, Σ γᵗ rₜ",
                        color=OKABE_ITO["blue"], describe_spread=False)
    if optimal_value is not None:
        ax_v.axhline(optimal_value, color=REFERENCE_COLOR, ls=":", lw=1.4,
                     label=f"optimal V*(s₀) (DP) = {signed(optimal_value, '.0f')}")
    ax_v.set_ylabel("discounted return from s₀")
    ax_v.set_title("Predicted and obtained value of the start states")
    _legend(ax_v, loc="best", fontsize=9)
    plot_learning_curve(steps, predicted - actual, ax=ax_d, color=OKABE_ITO["purple"],
                        label="Q(s₀, μ(s₀)) − Σ γᵗ rₜ", show_seeds=True, describe_spread=False)
    ax_d.axhline(0, color=REFERENCE_COLOR, lw=1.2, ls="--", label="no bias")
    ax_d.set_ylabel("prediction error (return units)")
    ax_d.set_title("Critic error: > 0 over-estimates, < 0 under-estimates")
    _legend(ax_d, loc="best", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------------------------
# Exploration noise 𝒩 (L5, L8)
# --------------------------------------------------------------------------------------------


def noise_paths(kind: str, n_paths: int = 3, steps: int = 200, sigma: float = 0.2,
                theta: float = 0.15, dt: float = 1.0, seed: int = 0) -> np.ndarray:
    """Sample paths (n_paths, steps) of the package's noise process ('ou' or 'gaussian'), each
    started fresh (L5) with its own generator."""
    from ..core.noise import make_noise

    paths = np.empty((n_paths, steps))
    for p in range(n_paths):
        noise = make_noise(kind, 1, np.random.default_rng([seed, p]), sigma, theta, dt)
        paths[p] = [noise.sample()[0] for _ in range(steps)]
    return paths


@_styled
def plot_noise_paths(paths: Mapping[str, np.ndarray], *,
                     stationary_std: Mapping[str, float] | None = None,
                     title: str | None = None, axes: Sequence[Axes] | None = None) -> Figure:
    """Side-by-side sample paths of exploration processes, e.g. {"Ornstein–Uhlenbeck": ...,
    "Gaussian": ...}, each (n_paths, steps); dashed lines at ± the stationary std if given."""
    if not paths:
        raise ValueError("plot_noise_paths needs at least one named set of paths.")
    arrays = {name: _array(p, f"paths[{name!r}]", 2, "(n_paths, steps)")
              for name, p in paths.items()}
    fig, axs = _figure_and_axes(axes, len(arrays), (5.2 * len(arrays), 3.8), sharey=True)
    for ax, (name, p) in zip(axs, arrays.items()):
        for k, row in enumerate(p):
            ax.plot(np.arange(1, p.shape[1] + 1), row, lw=1.3, color=COLORS[k % len(COLORS)],
                    label=f"path {k + 1}")
        std = (stationary_std or {}).get(name)
        if std is not None:
            for sign in (1, -1):
                ax.axhline(sign * std, color=REFERENCE_COLOR, ls="--", lw=1.2,
                           label="± stationary std" if sign > 0 else None)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(name)
        ax.set_xlabel("time step t")
        _legend(ax, loc="upper right", fontsize=9, ncols=2)
    axs[0].set_ylabel("noise $\\mathcal{N}_t$ (fraction of the action half-range)")
    extent = 1.05 * max(float(np.max(np.abs(p))) for p in arrays.values())
    for ax in axs:
        ax.set_ylim(-extent, 1.5 * extent)  # the legends go above the paths
    if title:
        fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------------------------
# Rollouts: GIFs and notebook animations of the deterministic policy
# --------------------------------------------------------------------------------------------


@dataclass
class Rollout:
    """One episode of the deterministic policy μ(s).

    observations (T + 1, obs_dim); actions (T, act_dim); rewards (T,); frames (T, H, W, 3)
    uint8 or None, frame t rendered right after action t (the env draws its effect).
    """

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    frames: np.ndarray | None = None
    env_id: str = ""
    fps: float = 30.0


def _headless_rendering() -> None:
    """Let pygame and MuJoCo render off-screen when there is no display."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        os.environ.setdefault("MUJOCO_GL", "egl")


def rollout(agent: DDPG, env_id: str, seed: int = 10_000, steps: int = 200,
            agent_seed: int | None = None, render: bool = False) -> Rollout:
    """Run μ(s) (no noise) from ``env.reset(seed=seed)`` for up to ``steps`` steps."""
    from ..lab.training import make_env

    i = _seed_index(agent, agent_seed)
    if render:
        _headless_rendering()
    env = make_env(env_id, render_mode="rgb_array" if render else None)
    try:
        if env.observation_space.shape != (agent.obs_dim,):
            raise ValueError(f"{env_id} has observations of shape {env.observation_space.shape} "
                             f"but the agent expects ({agent.obs_dim},): was it trained on "
                             f"{agent.env_id or 'another environment'}?")
        obs, _ = env.reset(seed=seed)
        observations, actions, rewards, frames = [obs], [], [], []
        for _ in range(steps):
            action = agent.act(obs if agent.stack is None
                               else np.broadcast_to(obs, (agent.stack, agent.obs_dim)))
            action = np.asarray(action if agent.stack is None else action[i], dtype=np.float64)
            obs, reward, terminated, truncated, _ = env.step(action)
            observations.append(obs)
            actions.append(action)
            rewards.append(float(reward))
            if render:
                frames.append(env.render())
            if terminated or truncated:
                break
        fps = float(env.metadata.get("render_fps") or 30)
    finally:
        env.close()
    return Rollout(np.array(observations), np.array(actions), np.array(rewards),
                   np.array(frames) if render else None, env_id, fps)


def _fmt_action(a: np.ndarray) -> str:
    shown = " ".join(signed(x, "+6.2f" if a.size == 1 else "+5.1f") for x in a[:6])
    return shown if a.size == 1 else f"[{shown}{' …' if a.size > 6 else ''}]"


def _caption(rollout: Rollout, t: int, returns: np.ndarray) -> str:
    """Two lines under frame t: step, reward and return so far; the action."""
    return (f"step {t + 1:>4d}  reward {signed(rollout.rewards[t], '+7.2f')}  return "
            f"{signed(returns[t], '+8.1f')}\naction {_fmt_action(rollout.actions[t])}")


def crop_box(frames: np.ndarray, pad: float = 0.08) -> tuple[slice, slice]:
    """Rows and columns that hold everything that ever differs from the background (the
    top-left pixel's colour) in any frame, with a margin: Pendulum's rod fills a third of its
    500 x 500 canvas, so cropping makes it larger at the same file size."""
    step = 2  # every other pixel row and column is plenty to find the edges, and 4x faster
    changed = np.any(frames[:, ::step, ::step] != frames[:1, :1, :1], axis=(0, 3))
    if not changed.any():
        return slice(None), slice(None)
    rows = step * np.flatnonzero(changed.any(axis=1))
    cols = step * np.flatnonzero(changed.any(axis=0))
    height, width = frames.shape[1:3]
    margin = int(pad * max(rows[-1] - rows[0], cols[-1] - cols[0]))
    return (slice(max(rows[0] - margin, 0), min(rows[-1] + step + margin, height)),
            slice(max(cols[0] - margin, 0), min(cols[-1] + step + margin, width)))


@_styled
def rollout_animation(rollout: Rollout, *, every: int = 2, title: str | None = None,
                      width: float = 3.4, crop: bool = True) -> FrameAnimation:
    """An animation of a rendered ``Rollout``: every ``every``-th frame at real speed, with the
    step, the action, the reward and the return so far written under it. ``crop`` trims the
    background that no frame ever draws on."""
    frames = rollout.frames
    if frames is None or np.ndim(frames) != 4 or np.shape(frames)[-1] not in (3, 4):
        raise ValueError("rollout_animation needs rendered frames (T, H, W, 3): call "
                         "rollout(..., render=True).")
    if len(frames) != len(rollout.actions) or len(rollout.actions) != len(rollout.rewards):
        raise ValueError(f"need one frame, action and reward per step; got {len(frames)} "
                         f"frames, {len(rollout.actions)} actions, {len(rollout.rewards)} "
                         "rewards.")
    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}.")
    shown = np.arange(0, len(frames), every)
    if crop:
        rows, cols = crop_box(frames[shown])
        frames = frames[:, rows, cols]
    image_height = width * frames.shape[1] / frames.shape[2]  # inches
    returns = np.cumsum(rollout.rewards)
    top, bottom = 0.32, 0.55  # title above, two lines of text below
    fig = Figure(figsize=(width, image_height + top + bottom))
    total = image_height + top + bottom
    ax = fig.add_axes((0, bottom / total, 1, image_height / total))
    ax.set_axis_off()
    image = ax.imshow(frames[0])
    fig.text(0.5, 1 - 0.5 * top / total, title or rollout.env_id, ha="center", va="center",
             fontsize=10.5)
    caption = fig.text(0.5, 0.5 * bottom / total, _caption(rollout, 0, returns), ha="center",
                       va="center", fontsize=10, family="monospace")
    # Captions all have the same length (fixed-width numbers): shrink the font to fit once.
    text_width = caption.get_window_extent(FigureCanvasAgg(fig).get_renderer()).width / fig.dpi
    caption.set_fontsize(10 * min(1.0, 0.86 * width / text_width))  # margin: hinting at low dpi

    def draw(k: int) -> list:
        t = shown[k]
        image.set_data(frames[t])
        caption.set_text(_caption(rollout, t, returns))
        return [image, caption]

    draw(0)
    return FrameAnimation(fig, draw, len(shown), rollout.fps / every)


def save_rollout_gif(agent: DDPG, env_id: str, path: str | Path, seed: int = 10_000,
                     steps: int = 200, agent_seed: int | None = None, every: int = 2,
                     dpi: int = 80, title: str | None = None) -> Path:
    """A GIF of the deterministic policy from ``env.reset(seed=seed)``, with step, action and
    reward drawn on each frame (headless; any env that renders ``rgb_array``). Every
    ``every``-th frame keeps the file small; it plays at real speed."""
    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"save_rollout_gif writes a GIF; name the file *.gif, got {path}.")
    run = rollout(agent, env_id, seed, steps, agent_seed, render=True)
    seed_text = f", seed {agent.seeds[_seed_index(agent, agent_seed)]}" if agent.stack else ""
    anim = rollout_animation(run, every=every, title=title or f"DDPG on {env_id}{seed_text}")
    return anim.save_gif(path, dpi=dpi)


class HTMLAnimation(str):
    """An HTML string that Jupyter displays as the animation it contains."""

    def _repr_html_(self) -> str:
        return str(self)


def rollout_animation_html(agent: DDPG, env_id: str, seed: int = 10_000, steps: int = 200,
                           agent_seed: int | None = None, every: int = 2,
                           dpi: int = 80) -> HTMLAnimation:
    """The rollout of ``save_rollout_gif`` as an interactive HTML animation for notebooks
    (matplotlib's ``to_jshtml``: play, pause, step); a ``str`` that displays itself."""
    run = rollout(agent, env_id, seed, steps, agent_seed, render=True)
    return HTMLAnimation(rollout_animation(run, every=every).to_jshtml(dpi=dpi))


__all__ = [
    "OKABE_ITO", "COLORS", "STYLE", "style", "apply_style", "save_figure", "signed",
    "FrameAnimation", "policy_and_value", "critic_values", "load_progress", "seed_curves",
    "steps_axis", "plot_learning_curve", "plot_runs", "PendulumMaps", "pendulum_maps",
    "optimal_pendulum_maps", "pendulum_observations", "pendulum_states", "wrap_angle",
    "plot_pendulum_maps", "plot_maps_over_training", "animate_maps_over_training",
    "plot_critic_view", "discounted_horizon", "overestimation", "plot_overestimation",
    "noise_paths", "plot_noise_paths", "Rollout", "rollout", "crop_box", "rollout_animation",
    "save_rollout_gif", "HTMLAnimation", "rollout_animation_html",
]
