"""Regenerate every committed figure from the shipped checkpoints, deterministically::

    python -m ddpg_numpy figures [--out DIR]        (or: make figures)

Inputs, in ``checkpoints/`` (see checkpoints/README.md for the commands that made them):

* ``pendulum/``: a 5-seed Pendulum-v1 run folder (progress.csv, config.json, agent.npz with
  the stacked seeds, snapshots/agent_<step>.npz);
* ``pendulum_optimal.npz``: the dynamic-programming ground truth (``ddpg_numpy.pendulum``);
* ``td3/``: DDPG, each of TD3's changes alone and TD3, 5 seeds each (progress.csv, config.json,
  start_values.csv, probe_values.csv per condition; made by ``benchmarks/td3_ablation.py``);
* ``mujoco/`` (optional): DDPG and TD3 on MuJoCo and the TD3 paper's curves (mujoco_table.py).

Same files in, same images out: every random number is seeded, rollouts start from fixed
``env.reset(seed=...)`` states, and PNGs carry no version or date metadata.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from . import plots as P
from .core.agent import DDPG
from .core.config import DDPGConfig
from .core.td3 import load_agent
from .lab.envs import EVAL_SEED_BASE
from .lab.run_folder import read_config_json
from .pendulum import (
    GroundTruth,
    PendulumSolution,
    evaluation_starts,
    load_ground_truth,
    observation_to_state,
    optimal_return,
    simulate,
    solve,
    to_observation,
)
from .pendulum.reference import swing_up_start

REPO_ROOT = Path(__file__).resolve().parent.parent
CHECKPOINTS = REPO_ROOT / "checkpoints"
ENV_ID = "Pendulum-v1"
SOLVED = -200.0  # the customary "solved" return for Pendulum-v1
# How much each figure computes (the tests shrink these to run in seconds).
GIF_STEPS = 200  # environment steps in the rollout GIF: one whole Pendulum-v1 episode
MAP_POINTS = 121  # grid points per axis of the value and policy maps
TRAINING_MAP_POINTS = 81  # the same for the maps over training (many panels, a GIF)
OVERESTIMATION_STARTS = 10  # start states s₀ of the over-estimation study
OVERESTIMATION_SNAPSHOTS = 10  # snapshots it rolls out (evenly spaced over training)
TD3_CONDITIONS = {  # checkpoints/td3/<name>: the label of each condition, in the legend's order
    "ddpg": "DDPG", "twin_critics": "+ twin critics (T9)",
    "target_smoothing": "+ target smoothing (T8)", "policy_delay": "+ policy delay d = 2 (T11)",
    "td3": "TD3: all three"}


class Inputs:
    """The shipped run and ground truth, loaded once; derived data computed on demand."""

    def __init__(self, checkpoints: Path) -> None:
        self.run = checkpoints / "pendulum"
        self.td3_runs = checkpoints / "td3"
        self.mujoco = checkpoints / "mujoco"
        truth_file = checkpoints / "pendulum_optimal.npz"
        for needed in (self.run / "progress.csv", self.run / "agent.npz", truth_file):
            if not needed.exists():
                raise FileNotFoundError(
                    f"{needed} is missing: the figures are drawn from the shipped checkpoints "
                    f"in {checkpoints} (see checkpoints/README.md for the commands that make "
                    "them), or pass another folder with the same layout.")
        self.truth: GroundTruth = load_ground_truth(truth_file)
        self.agent = load_agent(self.run / "agent.npz")
        self.env_id = self.agent.env_id or ENV_ID
        self.run_config = read_config_json(self.run) or {}
        self.progress = P.load_progress(self.run)
        self.snapshot_steps, self.snapshot_files = [], []
        self._snapshots: list[DDPG] | None = None
        for f in sorted((self.run / "snapshots").glob("agent_*.npz")):
            self.snapshot_steps.append(int(f.stem.split("_")[1]))
            self.snapshot_files.append(f)
        self.seed = representative_seed(self.progress)
        self.optimal = optimal_for_gamma(self.truth, self.agent.config.gamma)
        self.start = swing_up_start(self.truth.eval_starts[:10])

    def snapshots(self) -> list[DDPG]:
        """The snapshot agents, loaded once and shared by the figures that use them."""
        if self._snapshots is None:
            self._snapshots = [load_agent(f) for f in self.snapshot_files]
        return self._snapshots

    @property
    def seed_text(self) -> str:
        n = len(self.agent.seeds)
        return f"seed {self.seed}" + (f", the median of {n} seeds by final return" if n > 2
                                      else "")


def representative_seed(progress: dict[str, np.ndarray]) -> int:
    """The seed whose final evaluation return is the median one (lower median if even)."""
    steps, values, seeds = P.seed_curves(progress)
    order = np.argsort(values[:, -1], kind="stable")
    return seeds[int(order[(len(seeds) - 1) // 2])]


def optimal_for_gamma(truth: GroundTruth, gamma: float) -> PendulumSolution:
    """The discounted DP solution with the critic's γ: the cached one if γ matches, else value
    iteration on a grid of at most 200 x 201 states (a few seconds; deterministic too)."""
    if truth.discounted is not None and abs(truth.discounted.gamma - gamma) < 1e-12:
        return truth.discounted
    n_theta, n_thetadot = truth.episode.shape
    return solve(min(n_theta, 200), min(n_thetadot, 201), len(truth.episode.torques),
                 horizon=None, gamma=gamma)


def optimal_eval_return(truth: GroundTruth, episodes: int) -> float:
    """Mean optimal return on the first ``episodes`` evaluation start states (the cached ones,
    or a DP rollout from more of them)."""
    if episodes <= len(truth.eval_returns):
        return float(truth.eval_returns[:episodes].mean())
    return float(optimal_return(evaluation_starts(episodes), truth.episode).mean())


# --------------------------------------------------------------------------------------------
# One function per figure: (inputs, out folder) -> paths written
# --------------------------------------------------------------------------------------------


def learning_curves(inp: Inputs, out: Path) -> list[Path]:
    episodes = int(inp.run_config.get("config", {}).get("eval_episodes",
                                                        len(inp.truth.eval_returns)))
    optimum = optimal_eval_return(inp.truth, episodes)
    steps, values, _ = P.seed_curves(inp.progress)
    final = float(np.median(values[:, -1]))
    fig = P.plot_runs(
        [inp.run], labels=["DDPG"],
        reference_lines={f"optimal return (dynamic programming): {P.signed(optimum)}": optimum,
                         f"“solved” ({P.signed(SOLVED, '.0f')})": SOLVED},
        title=f"{inp.env_id}: evaluation return on {episodes} fixed start states; final median "
              f"{P.signed(final)}, {optimum - final:.1f} below the optimum")
    return [_save(fig, out / "pendulum_learning_curves.png")]


def value_policy_maps(inp: Inputs, out: Path) -> list[Path]:
    seed_index = EVAL_SEED_BASE + inp.start
    run = P.rollout(inp.agent, inp.env_id, seed=seed_index, agent_seed=inp.seed)
    learned = P.pendulum_maps(inp.agent, inp.seed, MAP_POINTS, MAP_POINTS,
                              label=f"DDPG, seed {inp.seed}")
    optimal = P.optimal_pendulum_maps(inp.optimal, MAP_POINTS, MAP_POINTS)
    dp = simulate(inp.optimal, inp.truth.eval_starts[inp.start:inp.start + 1])
    fig = P.plot_pendulum_maps(
        [learned, optimal], [observation_to_state(run.observations), dp.states[0]],
        title=f"{inp.env_id}: what DDPG learned (top; {inp.seed_text}) and the optimum for "
              f"γ = {inp.optimal.gamma:g} (bottom)\npaths from reset(seed={seed_index}) "
              f"(○ start, ★ end), 200-step returns: {P.signed(run.rewards.sum(), '.0f')} DDPG, "
              f"{P.signed(dp.returns[0], '.0f')} optimal for γ = {inp.optimal.gamma:g}, "
              f"{P.signed(inp.truth.eval_returns[inp.start], '.0f')} best possible")
    return [_save(fig, out / "pendulum_value_policy.png")]


def maps_over_training(inp: Inputs, out: Path) -> list[Path]:
    if not inp.snapshot_files:
        return []
    snapshots = inp.snapshots()
    n = TRAINING_MAP_POINTS
    maps = [P.pendulum_maps(a, inp.seed, n, n) for a in snapshots]
    optimal = P.optimal_pendulum_maps(inp.optimal, n, n, label="optimal (DP)")
    final = inp.snapshot_steps[-1]
    chosen = sorted({int(np.argmin(np.abs(np.array(inp.snapshot_steps) - f * final)))
                     for f in (0.05, 0.1, 0.15, 0.2, 1.0)})  # the seeds learn early
    fig = P.plot_maps_over_training(
        [maps[k] for k in chosen], [inp.snapshot_steps[k] for k in chosen], optimal=optimal,
        title=f"How the critic's Q(s, μ(s)) (top) and the actor's μ(s) (bottom) form during "
              f"training ({inp.env_id}, seed {inp.seed})")
    paths = [_save(fig, out / "pendulum_maps_over_training.png")]
    anim = P.animate_maps_over_training(maps, inp.snapshot_steps, optimal=optimal, fps=2,
                                        title=f"DDPG on {inp.env_id}, seed {inp.seed}")
    paths.append(anim.save_gif(out / "pendulum_maps_over_training.gif", dpi=64))
    return paths


CRITIC_STATES = [  # (θ, θ̇, what the state is, θ as text)
    (np.pi, 0.0, "hanging down, at rest", "π"),
    (-np.pi / 2, 3.0, "horizontal, swinging up", "−π/2"),
    (0.35, 1.5, "near the top, falling away", "0.35"),
]


def critic_view(inp: Inputs, out: Path) -> list[Path]:
    with P.style():
        fig, axes = plt.subplots(1, len(CRITIC_STATES), figsize=(15, 5.2), layout="constrained")
    torques = np.linspace(-2, 2, 201)
    for ax, (theta, thetadot, what, theta_text) in zip(axes, CRITIC_STATES):
        q_star, _ = inp.optimal.action_values(theta, thetadot, torques)
        obs = to_observation(theta, thetadot, dtype=np.float64)
        P.plot_critic_view(inp.agent, obs, agent_seed=inp.seed, reference=(torques, q_star),
                           title=f"{what}\nθ = {theta_text} rad, θ̇ = {thetadot:g} rad/s", ax=ax)
        ax.set_xlabel("torque a (N·m)")
    fig.suptitle(f"The critic's view of three states ({inp.env_id}, seed {inp.seed}): Q(s, a) "
                 f"over the torques, the actor's μ(s) and the gradient ∇ₐQ that L14 follows\n"
                 f"(dashed: the true Q*(s, a) from dynamic programming, γ = "
                 f"{inp.optimal.gamma:g})")
    return [_save(fig, out / "pendulum_critic_view.png")]


def overestimation(inp: Inputs, out: Path) -> list[Path]:
    if not inp.snapshot_files:
        return []
    # From the first evaluation where the median seed reaches -200 on: before it, Q ≈ 0 (the
    # critic's last layer starts near zero) against returns of about -1000 would set the scale.
    steps, values, _ = P.seed_curves(inp.progress)
    learned = steps[np.argmax(np.median(values, axis=0) >= -200)]
    late = [k for k, step in enumerate(inp.snapshot_steps) if step >= learned] or \
        list(range(len(inp.snapshot_steps)))
    spaced = np.linspace(0, len(late) - 1, min(OVERESTIMATION_SNAPSHOTS, len(late)))
    keep = np.array(late)[np.unique(spaced.round().astype(int))]
    snapshots = [inp.snapshots()[k] for k in keep]
    episodes = OVERESTIMATION_STARTS
    predicted, actual = P.overestimation(snapshots, inp.env_id, episodes=episodes)
    starts = evaluation_starts(episodes)  # the same s₀ = reset(seed=EVAL_SEED_BASE + i)
    v_star = float(inp.optimal.value(starts[:, 0], starts[:, 1]).mean())
    gamma = inp.agent.config.gamma
    fig = P.plot_overestimation(
        np.array(inp.snapshot_steps)[keep], predicted, actual, optimal_value=v_star,
        title=f"Does the critic over-estimate? {inp.env_id}, {episodes} start states s₀, μ "
              f"rolled out for {P.discounted_horizon(gamma)} steps (γ = {gamma:g})\nmedian "
              f"and interquartile range of {len(inp.agent.seeds)} seeds; thin lines: each seed")
    return [_save(fig, out / "pendulum_overestimation.png")]


def td3_overestimation(inp: Inputs, out: Path) -> list[Path]:
    """Q₁(s₀, μ(s₀)) of DDPG, of each TD3 change alone and of TD3, against what each critic
    estimates (μ's return; with target smoothing, the smoothed policy's value) and against
    V*(s₀) (the DP table's own error on the start states as a grey band, both ways)."""
    names = [n for n in TD3_CONDITIONS if (inp.td3_runs / n / P.START_VALUES_FILE).exists()]
    if not names:
        return []
    values = {n: P.load_start_values(inp.td3_runs / n) for n in names}
    steps = values[names[0]].steps
    if any(not np.array_equal(v.steps, steps) for v in values.values()):
        raise ValueError(f"the runs in {inp.td3_runs} have snapshots at different steps: "
                         "rerun `python -m benchmarks.td3_ablation` (checkpoints/td3/README.md).")
    gamma = float((read_config_json(inp.td3_runs / names[0]) or {})["config"]["gamma"])
    n_starts = values[names[0]].q1.shape[-1]
    v_star, error = P.optimal_value_and_error(optimal_for_gamma(inp.truth, gamma),
                                              evaluation_starts(n_starts), gamma)
    # Where every smoothed critic's own truth was measured; without a T8 run, from where every
    # median seed reaches -200 (before, critics near their initial Q ≈ 0 would set the scale).
    smoothed = [v.smoothed_steps for v in values.values() if v.smoothed_steps.any()]
    if smoothed:
        keep = np.logical_and.reduce(smoothed)
    else:
        learned = max(_steps_to(P.load_progress(inp.td3_runs / n), SOLVED) for n in names)
        keep = steps >= learned if (steps >= learned).any() else np.ones(len(steps), bool)
    labels = {n: TD3_CONDITIONS[n] + (" vs smoothed π" if values[n].smoothed_steps.any()
                                      else "") for n in names}
    seeds = len(values[names[0]].seeds)
    fig = P.plot_td3_overestimation(
        steps[keep], {labels[n]: values[n].bias()[:, keep] for n in names},
        {labels[n]: (values[n].q1 - v_star).mean(axis=-1)[:, keep] for n in names},
        optimum_band=(float(np.minimum(error, 0).mean()), float(np.maximum(error, 0).mean())),
        title=f"From DDPG to TD3 on {inp.env_id}: Q₁(s₀, μ(s₀)) against what it estimates, on "
              f"{n_starts} start states s₀, γ = {gamma:g}\n"
              f"median and interquartile range of {seeds} seeds per condition, from "
              f"{int(steps[keep][0]):,} steps")
    return [_save(fig, out / "td3_overestimation.png")]


def _steps_to(progress: dict[str, np.ndarray], level: float) -> float:
    """The first evaluation step at which the median seed reaches ``level`` (inf: never)."""
    steps, values, _ = P.seed_curves(progress)
    reached = np.median(values, axis=0) >= level
    return float(steps[np.argmax(reached)]) if reached.any() else np.inf


def mujoco_learning_curves(inp: Inputs, out: Path) -> list[Path]:
    """Ours and a PyTorch peer's curves (mean, 95 % band) beside the TD3 paper's two sets."""
    fig = P.plot_mujoco_folder(inp.mujoco)  # None without checkpoints/mujoco
    return [] if fig is None else [_save(fig, out / "mujoco_learning_curves.png")]


def exploration_noise(inp: Inputs, out: Path) -> list[Path]:
    """The paper's OU process beside Gaussian noise of the same spread (stationary std)."""
    paper = DDPGConfig()
    theta, sigma, dt = paper.ou_theta, paper.noise_sigma, paper.ou_dt
    spread = sigma * np.sqrt(dt / (theta * dt * (2 - theta * dt)))  # OU's stationary std
    names = (f"Ornstein–Uhlenbeck (paper: θ = {theta:g}, σ = {sigma:g}, dt = {dt:g})",
             f"Gaussian, σ = {spread:.2f} (the same spread)")
    paths = {names[0]: P.noise_paths("ou", 2, 100, sigma, theta, dt, seed=0),
             names[1]: P.noise_paths("gaussian", 2, 100, spread, seed=0)}
    fig = P.plot_noise_paths(
        paths, stationary_std=dict.fromkeys(names, spread),
        title="Exploration noise $\\mathcal{N}_t$ added to μ(sₜ) (L8): Ornstein–Uhlenbeck "
              "drifts, Gaussian jitters")
    return [_save(fig, out / "exploration_noise.png")]


def rollout_gif(inp: Inputs, out: Path) -> list[Path]:
    path = P.save_rollout_gif(inp.agent, inp.env_id, out / "pendulum_rollout.gif",
                              seed=EVAL_SEED_BASE + inp.start, steps=GIF_STEPS, agent_seed=inp.seed,
                              title=f"DDPG on {inp.env_id}, seed {inp.seed}")
    return [path]


FIGURES: list[Callable[[Inputs, Path], list[Path]]] = [
    learning_curves, value_policy_maps, maps_over_training, critic_view, overestimation,
    td3_overestimation, mujoco_learning_curves, exploration_noise, rollout_gif]


def make_all(out_dir: str | Path = "figures", checkpoints: str | Path | None = None
             ) -> list[Path]:
    """Draw every figure into ``out_dir`` from ``checkpoints`` (default: the repository's
    checkpoints/ folder); returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    inp = Inputs(Path(checkpoints) if checkpoints is not None else CHECKPOINTS)
    paths: list[Path] = []
    for make in FIGURES:
        paths.extend(make(inp, out))
    return paths


def _save(fig, path: Path) -> Path:
    try:
        return P.save_figure(fig, path)
    finally:
        plt.close(fig)
