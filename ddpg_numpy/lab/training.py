"""Training: the environment loop of DDPG (pseudocode L3–L11) around ``DDPG.update`` (L12–L15).

A run folder holds ``config.json``, ``progress.csv`` (one row per evaluation and seed),
``timing.csv`` (wall-clock seconds, kept apart so ``progress.csv`` is bit-for-bit reproducible),
``checkpoint.npz`` (everything needed to resume), at the end ``agent.npz`` (the agent alone) and,
with ``snapshot_every`` or ``snapshot_steps``, ``snapshots/agent_<step>.npz`` (actor and critic,
for plots over training).
A run of several seeds in worker processes also keeps each group's own run (with its checkpoint)
in ``workers/seeds_<a>_<b>/`` and merges the files above from them (parallel.py).

Evaluation runs the deterministic policy μ(s) (no noise) on a separate environment from a fixed
set of start states — ``reset(seed=10_000 + i)`` for i < eval_episodes — identical for every
seed and every evaluation, so numbers are comparable across the curve and across runs.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core.agent import DDPG, TrainingDivergedError, box_dimensions
from ..core.checkpoint import load_npz, save_npz_atomic
from ..core.config import DDPGConfig
from ..core.replay import ReplayBuffer
from ..fast import update_for
from .envs import evaluate, make_env

PROGRESS_FIELDS = ["step", "seed", "episodes", "eval_return_mean", "eval_return_std",
                   "eval_return_min", "eval_return_max", "train_return", "critic_loss",
                   "q_mean", "actor_objective", "updates"]
TIMING_FIELDS = ["step", "train_seconds", "eval_seconds"]


@dataclass
class TrainResult:
    """What ``train`` returns: the trained agent, the logged rows and the run folder."""

    agent: DDPG
    progress: list[dict[str, float]] = field(default_factory=list)
    out: Path | None = None

    def eval_returns(self, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(steps, mean evaluation returns) for one seed (default: the first)."""
        seed = self.agent.seeds[0] if seed is None else seed
        rows = [r for r in self.progress if int(r["seed"]) == seed]
        return (np.array([r["step"] for r in rows]),
                np.array([r["eval_return_mean"] for r in rows]))


def train(env_id: str, config: DDPGConfig | None = None, steps: int = 20_000, seed: int = 0,
          out: str | Path | None = None, *, seeds: Sequence[int] | None = None,
          workers: int = 1, resume: bool = False, progress: bool = True,
          blas_threads: int | None = 1) -> TrainResult:
    """Train DDPG on a gymnasium environment with Box spaces.

    ``seeds=[0, 1, 2]`` trains one independent agent per seed in lock-step (stacked weights,
    one environment, buffer, noise and generator per seed); ``workers=2`` splits them into two
    lock-step groups trained in parallel processes, on two CPU cores, with the same numbers
    (parallel.py). ``out`` is the run folder (nothing is written without one); ``resume=True``
    continues from ``out/checkpoint.npz``. Evaluations run every ``config.eval_every`` steps.
    ``blas_threads=1`` (default) keeps the matrix library on one thread: for networks this small
    a second thread costs more in synchronisation than it gains, and fights the environment for
    the CPU (None leaves the library's setting).
    """
    if workers < 1:
        raise ValueError(f"workers={workers}: use 1 (one process) or more (one process each).")
    if seeds is not None and len(seeds) > 1 and workers > 1:
        from .parallel import train_in_workers

        return train_in_workers(env_id, config or DDPGConfig(), steps, [int(s) for s in seeds],
                                None if out is None else Path(out), workers, resume, progress,
                                blas_threads)
    if workers > 1 and seeds is None:
        raise ValueError(f"workers={workers} splits several seeds over processes, but this is a "
                         "single-seed run (a second core does not speed up one seed; see "
                         "benchmarks/README.md). Train several, e.g. seeds=[0, 1, 2, 3, 4] "
                         "(--seeds 0-4), or drop workers.")
    with _blas_threads(blas_threads):
        return _train(env_id, config, steps, seed, out, seeds, resume, progress)


def _blas_threads(n: int | None):
    from contextlib import nullcontext

    if n is None:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n, user_api="blas")


def _train(env_id: str, config: DDPGConfig | None, steps: int, seed: int,
           out: str | Path | None, seeds: Sequence[int] | None, resume: bool,
           progress: bool) -> TrainResult:
    cfg = config or DDPGConfig()
    seed_list = [seed] if seeds is None else [int(s) for s in seeds]
    stacked = seeds is not None
    out = Path(out) if out is not None else None
    if resume:
        cfg = _check_resume_config(out, cfg)

    # One training environment per seed, seeded as gymnasium recommends: reset(seed=) once.
    envs = [make_env(env_id) for _ in seed_list]
    obs_dim, act_dim, low, high = box_dimensions(envs[0])
    # L1, L2 (inside DDPG) and L3: networks, targets, replay buffer R.
    agent = DDPG(obs_dim, act_dim, low, high, cfg, seed=seed_list if stacked else seed)
    agent.env_id = env_id
    buffer = ReplayBuffer(min(cfg.buffer_size, max(steps, cfg.batch_size)), obs_dim, act_dim,
                          agent.dtype, stack=agent.stack)
    eval_envs = [make_env(env_id) for _ in range(len(seed_list) * cfg.eval_episodes)]
    sample_rng = agent.rngs if stacked else agent.rng

    loop = _LoopState(n_envs=len(envs))
    if resume:
        loop = _restore(out, agent, buffer, envs)
        obs = _reset_all(envs, seed_list, None, loop.env_rng_states)
    else:
        if out is not None:
            _start_run_folder(out, cfg, env_id, seed_list, steps)
        obs = _reset_all(envs, seed_list, seed_list, None)  # L6
    update = update_for(agent)  # L12–L15: the float32 fast path, or the plain DDPG.update
    next_checkpoint = (loop.step // cfg.checkpoint_every + 1) * cfg.checkpoint_every
    bar = _progress_bar(steps, loop.step, env_id, progress)
    tick = time.perf_counter()
    try:
        while loop.step < steps:  # L4 / L7: episodes and their time steps, counted in steps
            # L8: a_t = μ(s_t) + 𝒩_t, clipped to the bounds (random actions during warm-up).
            if loop.step < cfg.warmup_steps:
                actions = np.stack([env.action_space.sample() for env in envs])
            else:
                actions = np.atleast_2d(agent.act(obs if stacked else obs[0], explore=True))
            # L9: execute a_t, observe r_t and s_{t+1}.
            stepped = [env.step(a.astype(np.float64)) for env, a in zip(envs, actions)]
            next_obs = np.stack([s[0] for s in stepped])
            rewards = np.array([s[1] for s in stepped], dtype=float)
            terminated = np.array([s[2] for s in stepped], dtype=float)
            truncated = np.array([s[3] for s in stepped], dtype=bool)
            # L10: store (s_t, a_t, r_t, s_{t+1}) in R, with the terminal flag (not truncation).
            if stacked:
                buffer.add(obs, actions, rewards, next_obs, terminated)
            else:
                buffer.add(obs[0], actions[0], rewards[0], next_obs[0], terminated[0])
            obs = next_obs
            loop.episode_returns += rewards
            loop.step += 1

            # L11–L15: sample a minibatch from R and update critic, actor and targets.
            if len(buffer) >= max(cfg.batch_size, cfg.learning_starts):
                for _ in range(cfg.updates_per_step):
                    metrics = update(buffer.sample(cfg.batch_size, sample_rng))
                    loop.add_metrics(metrics)

            # End of an episode: back to L5 (fresh noise) and L6 (new initial observation).
            done = np.logical_or(terminated > 0, truncated)
            for i in np.flatnonzero(done):
                loop.recent_returns[i] = (loop.recent_returns[i]
                                          + [float(loop.episode_returns[i])])[-10:]
                loop.episode_returns[i] = 0.0
                agent.noises[i].reset()
                loop.env_rng_states[i] = _rng_states(envs[i])  # before reset: resume replays it
                obs[i] = envs[i].reset()[0]
                loop.episodes[i] += 1

            if loop.step % cfg.eval_every == 0:  # on a fixed schedule, so resumes add no rows
                loop.train_seconds += time.perf_counter() - tick
                tick = time.perf_counter()
                returns = np.atleast_2d(evaluate(agent, env_id, cfg.eval_episodes,
                                                 envs=eval_envs))
                loop.eval_seconds += time.perf_counter() - tick
                _append_rows(out, loop.progress_rows(seed_list, returns, agent.updates), loop)
                bar.set_postfix(eval_return=f"{np.median(returns.mean(axis=1)):.1f}")
                tick = time.perf_counter()

            if out is not None and ((cfg.snapshot_every and loop.step % cfg.snapshot_every == 0)
                                    or loop.step in cfg.snapshot_steps):
                agent.save(out / "snapshots" / f"agent_{loop.step:07d}.npz", training_state=False)

            # Checkpoint only where every env has just ended an episode (and at the end of a run
            # that stops at such a point): resuming then replays exactly what would have come.
            if out is not None and done.all() and (loop.step >= next_checkpoint
                                                   or loop.step == steps):
                loop.train_seconds += time.perf_counter() - tick
                tick = time.perf_counter()
                _save_checkpoint(out, agent, buffer, loop)
                next_checkpoint = (loop.step // cfg.checkpoint_every + 1) * cfg.checkpoint_every
            bar.update(1)
    except TrainingDivergedError as e:
        kept = f" The last good checkpoint is {out / 'checkpoint.npz'}." if out else ""
        raise TrainingDivergedError(f"{e}{kept}") from e
    finally:
        bar.close()
    if out is not None:
        agent.save(out / "agent.npz")
    return TrainResult(agent, _read_progress(out) if out else loop.rows, out)


# --- the bookkeeping around the loop -----------------------------------------------------

METRICS = ("critic_loss", "q_mean", "actor_objective")


@dataclass
class _LoopState:
    """The loop's counters and running statistics: all of it goes into the checkpoint."""

    n_envs: int
    step: int = 0
    episodes: list[int] | None = None  # finished training episodes per env
    train_seconds: float = 0.0
    eval_seconds: float = 0.0
    episode_returns: np.ndarray | None = None  # (n_envs,) return of the running episodes
    recent_returns: list[list[float]] | None = None  # last 10 training returns per env
    metric_sums: list[list[float]] | None = None  # per metric, per env, since the last eval
    n_updates: int = 0  # updates since the last evaluation
    env_rng_states: list[Any] | None = None
    rows: list[dict[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.episode_returns is None:
            self.episode_returns = np.zeros(self.n_envs)
        self.recent_returns = self.recent_returns or [[] for _ in range(self.n_envs)]
        self.metric_sums = self.metric_sums or [[0.0] * self.n_envs for _ in METRICS]
        self.env_rng_states = self.env_rng_states or [None] * self.n_envs
        self.episodes = self.episodes or [0] * self.n_envs

    def add_metrics(self, metrics: dict[str, Any]) -> None:
        for sums, name in zip(self.metric_sums, METRICS):
            values = np.broadcast_to(metrics[name], (self.n_envs,))
            for i in range(self.n_envs):
                sums[i] += float(values[i])
        self.n_updates += 1

    def progress_rows(self, seeds: list[int], returns: np.ndarray,
                      updates: int) -> list[dict[str, float]]:
        """One progress.csv row per seed; resets the running metric sums."""
        rows = []
        for i, seed in enumerate(seeds):
            means = {name: sums[i] / self.n_updates if self.n_updates else float("nan")
                     for name, sums in zip(METRICS, self.metric_sums)}
            recent = self.recent_returns[i]
            rows.append({"step": self.step, "seed": seed, "episodes": self.episodes[i],
                         "eval_return_mean": float(returns[i].mean()),
                         "eval_return_std": float(returns[i].std()),
                         "eval_return_min": float(returns[i].min()),
                         "eval_return_max": float(returns[i].max()),
                         "train_return": float(np.mean(recent)) if recent else float("nan"),
                         **means, "updates": updates})
        self.metric_sums = [[0.0] * self.n_envs for _ in METRICS]
        self.n_updates = 0
        return rows

    def to_arrays(self) -> dict[str, np.ndarray]:
        scalars = {k: getattr(self, k) for k in ("step", "episodes", "train_seconds",
                                                  "eval_seconds", "n_updates")}  # JSON-able
        lists = {"recent_returns": self.recent_returns, "metric_sums": self.metric_sums,
                 "episode_returns": self.episode_returns.tolist()}
        return {"loop.state": np.array(json.dumps({**scalars, **lists}))}

    @classmethod
    def from_arrays(cls, state: dict[str, np.ndarray], n_envs: int) -> _LoopState:
        d = json.loads(str(state["loop.state"]))
        d["episode_returns"] = np.array(d["episode_returns"])
        d["env_rng_states"] = json.loads(str(state["loop.env_rng"]))
        return cls(n_envs=n_envs, **d)


def _rng_states(env: Any) -> dict[str, Any]:
    return {"env": env.unwrapped.np_random.bit_generator.state,
            "action_space": env.action_space.np_random.bit_generator.state}


def _reset_all(envs: list, seeds: list[int], reset_seeds: list[int] | None,
               rng_states: list[Any] | None) -> np.ndarray:
    """L6 for every env: seeded on a fresh run; from the saved generator states on resume."""
    obs = []
    for i, env in enumerate(envs):
        if rng_states is None:
            env.action_space.seed(seeds[i])
            obs.append(env.reset(seed=reset_seeds[i])[0])
        else:
            env.unwrapped.np_random.bit_generator.state = rng_states[i]["env"]
            env.action_space.np_random.bit_generator.state = rng_states[i]["action_space"]
            obs.append(env.reset()[0])
    return np.stack(obs).astype(np.float64)


def _start_run_folder(out: Path, cfg: DDPGConfig, env_id: str, seeds: list[int],
                      steps: int) -> None:
    if (out / "progress.csv").exists():
        raise FileExistsError(f"{out} already holds a run. Use --resume to continue it, or "
                              "choose another --out folder.")
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(
        {"env_id": env_id, "seeds": seeds, "steps": steps, "config": cfg.to_dict()}, indent=2))
    for name, fields in (("progress.csv", PROGRESS_FIELDS), ("timing.csv", TIMING_FIELDS)):
        with open(out / name, "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerow(fields)


def _append_rows(out: Path | None, rows: list[dict[str, float]], loop: _LoopState) -> None:
    loop.rows.extend(rows)
    if out is None:
        return
    with open(out / "progress.csv", "a", newline="") as f:
        writer = csv.DictWriter(f, PROGRESS_FIELDS, lineterminator="\n")
        writer.writerows({k: _fmt(r[k]) for k in PROGRESS_FIELDS} for r in rows)
    with open(out / "timing.csv", "a", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow([loop.step, f"{loop.train_seconds:.3f}",
                                f"{loop.eval_seconds:.3f}"])


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def _read_progress(out: Path) -> list[dict[str, float]]:
    with open(out / "progress.csv", newline="") as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def _save_checkpoint(out: Path, agent: DDPG, buffer: ReplayBuffer, loop: _LoopState) -> None:
    state = agent.state_dict()
    if agent.config.checkpoint_replay:
        state.update({f"replay.{k}": v for k, v in buffer.state_dict().items()})
    state.update(loop.to_arrays())
    # The generator states saved just before each env's last reset: resuming replays that reset.
    state["loop.env_rng"] = np.array(json.dumps(loop.env_rng_states))
    save_npz_atomic(out / "checkpoint.npz", state)


def _restore(out: Path, agent: DDPG, buffer: ReplayBuffer, envs: list) -> _LoopState:
    """Load checkpoint.npz into agent and buffer; cut the logs back to the checkpoint's step."""
    state = load_npz(out / "checkpoint.npz")
    agent.load_state_dict(state)
    if "replay.obs" in state:
        buffer.load_state_dict({k.split(".", 1)[1]: v for k, v in state.items()
                                if k.startswith("replay.")})
    else:
        print("note: this checkpoint holds no replay buffer (checkpoint_replay=False); "
              "training continues with an empty one, so it will not match an uninterrupted run.")
    loop = _LoopState.from_arrays(state, len(envs))
    for name in ("progress.csv", "timing.csv"):  # drop rows logged after the checkpoint
        lines = (out / name).read_text().splitlines(keepends=True)
        kept = [lines[0]] + [ln for ln in lines[1:] if int(ln.split(",", 1)[0]) <= loop.step]
        (out / name).write_text("".join(kept))
    return loop


def _check_resume_config(out: Path | None, cfg: DDPGConfig) -> DDPGConfig:
    groups = json.loads((out / "config.json").read_text()).get("groups", []) \
        if out is not None and (out / "config.json").exists() else []
    if len(groups) > 1:
        raise ValueError(f"the run in {out} was trained in {len(groups)} worker groups "
                         f"{groups}: resume it with workers={len(groups)} (the command line "
                         "does this for you).")
    if out is None or not (out / "checkpoint.npz").exists():
        raise FileNotFoundError(f"nothing to resume: no checkpoint.npz in {out}. Start the run "
                                "without --resume.")
    saved = DDPGConfig.from_dict(json.loads((out / "config.json").read_text())["config"])
    check_same_config(out, saved, cfg)
    return saved


def check_same_config(out: Path, saved: DDPGConfig, cfg: DDPGConfig) -> None:
    """Resuming with another config than the run's is an error that lists the differences."""
    if saved != cfg:
        diff = {k: (v, cfg.to_dict()[k]) for k, v in saved.to_dict().items()
                if cfg.to_dict()[k] != v}
        raise ValueError(f"the run in {out} was started with another config; differences "
                         f"(saved, given): {diff}. Resume with the saved config "
                         "(the command line does this for you).")


def _progress_bar(total: int, initial: int, env_id: str, enabled: bool):
    # Plain-text tqdm (not tqdm.auto's widget): its final state is what a committed notebook shows.
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=f"DDPG {env_id}", unit="step",
                disable=not enabled, mininterval=0.5, smoothing=0.05)
