"""The environment loop of DDPG (pseudocode L3–L11) around the update (L12–L15), in one process.

``train_in_process`` trains one seed, or several in lock-step on stacked arrays (one
environment, buffer, noise and generator per seed). Each step of the loop is a function below:
act and store (L8–L10), learn (L11–L15), end episodes (L5, L6), evaluate and log, snapshot,
checkpoint. What the loop counts is ``LoopState``; it goes into the checkpoint whole, so a resumed
run continues exactly where the checkpoint was taken.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core.agent import DDPG, TrainingDivergedError, box_dimensions
from ..core.config import DDPGConfig
from ..core.replay import ReplayBuffer
from ..fast import update_for
from .envs import evaluate, make_env
from .loop_state import LoopState
from .run_folder import (
    append_progress,
    append_timing,
    checkpoint_path,
    config_to_resume,
    cut_logs_to_step,
    load_checkpoint,
    read_progress,
    save_agent,
    save_checkpoint,
    save_snapshot,
    start_run_folder,
)


@dataclass
class TrainResult:
    """What ``train`` returns: the trained agent, the logged rows and the run folder."""

    agent: DDPG
    progress: list[dict[str, float]] = field(default_factory=list)
    out: Path | None = None

    def eval_returns(self, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(steps (T,), mean evaluation returns (T,)) for one seed (default: the first)."""
        seed = self.agent.seeds[0] if seed is None else seed
        rows = [r for r in self.progress if int(r["seed"]) == seed]
        return (np.array([r["step"] for r in rows]),
                np.array([r["eval_return_mean"] for r in rows]))


def train_in_process(env_id: str, cfg: DDPGConfig, steps: int, seeds: list[int], stacked: bool,
                     out: Path | None, resume: bool, progress: bool,
                     blas_threads: int | None) -> TrainResult:
    """Train ``seeds`` in this process; ``stacked=False`` is a solo agent of ``seeds[0]``."""
    with _limit_blas_threads(blas_threads):
        run = _set_up(env_id, cfg, steps, seeds, stacked, out, resume, progress)
        try:
            while run.loop.step < steps:  # L4 / L7: episodes and their time steps, in steps
                done = _act_and_store(run)  # L8–L10
                _learn(run)  # L11–L15
                _end_episodes(run, done)  # L5, L6 for the envs whose episode ended
                if run.loop.step % run.cfg.eval_every == 0:  # fixed schedule: resumes add no rows
                    _evaluate_and_log(run)
                _snapshot_if_due(run)
                _checkpoint_if_due(run, done)
                run.bar.update(1)
        except TrainingDivergedError as e:
            kept = f" The last good checkpoint is {checkpoint_path(out)}." if out else ""
            raise TrainingDivergedError(f"{e}{kept}") from e
        finally:
            run.bar.close()
        if out is not None:
            save_agent(out, run.agent)
        return TrainResult(run.agent, read_progress(out) if out else run.loop.rows, out)

@dataclass
class _Run:
    """One training run: its settings, the objects it trains, and where the loop stands."""

    env_id: str
    cfg: DDPGConfig
    steps: int
    seeds: list[int]
    stacked: bool
    out: Path | None
    agent: DDPG
    buffer: ReplayBuffer
    envs: list  # one training environment per seed
    eval_envs: list  # seeds × eval_episodes environments, reused at every evaluation
    update: Callable[[Any], dict[str, np.ndarray]]  # L12–L15 on one minibatch
    loop: LoopState
    obs: np.ndarray  # (n_envs, obs_dim) float64, s_t of every env
    bar: Any  # tqdm progress bar
    next_checkpoint: int  # the first step at which a checkpoint is due
    tick: float  # perf_counter at the start of the current timed stretch

    def seconds_since_tick(self) -> float:
        """Seconds since the last call (or the start), and start timing anew."""
        now = time.perf_counter()
        elapsed, self.tick = now - self.tick, now
        return elapsed


def _set_up(env_id: str, cfg: DDPGConfig, steps: int, seeds: list[int], stacked: bool,
            out: Path | None, resume: bool, progress: bool) -> _Run:
    """Environments, agent, replay buffer and loop state: fresh, or from the checkpoint."""
    if resume:
        cfg = config_to_resume(out, cfg)
    # One training environment per seed, seeded as gymnasium recommends: reset(seed=) once.
    envs = [make_env(env_id) for _ in seeds]
    obs_dim, act_dim, low, high = box_dimensions(envs[0])
    # L1, L2 (inside DDPG) and L3: networks, targets, replay buffer R.
    agent = DDPG(obs_dim, act_dim, low, high, cfg, seed=seeds if stacked else seeds[0])
    agent.env_id = env_id
    buffer = ReplayBuffer(min(cfg.buffer_size, max(steps, cfg.batch_size)), obs_dim, act_dim,
                          agent.dtype, stack=agent.stack)
    eval_envs = [make_env(env_id) for _ in range(len(seeds) * cfg.eval_episodes)]

    if resume:
        loop_state, env_rng_states = load_checkpoint(out, agent, buffer)
        loop = LoopState.from_saved(loop_state, env_rng_states, len(envs))
        cut_logs_to_step(out, loop.step)  # resuming logs those rows again
        obs = _reset_all(envs, seeds, None, loop.env_rng_states)
    else:
        loop = LoopState(n_envs=len(envs))
        if out is not None:
            start_run_folder(out, cfg, env_id, seeds, steps)
        obs = _reset_all(envs, seeds, seeds, None)  # L6
    update = update_for(agent)  # L12–L15: the float32 fast path, or the plain DDPG.update
    next_checkpoint = (loop.step // cfg.checkpoint_every + 1) * cfg.checkpoint_every
    bar = _progress_bar(steps, loop.step, env_id, progress)
    return _Run(env_id, cfg, steps, seeds, stacked, out, agent, buffer, envs, eval_envs, update,
                loop, obs, bar, next_checkpoint, time.perf_counter())


def _act_and_store(run: _Run) -> np.ndarray:
    """One environment step of every env (L8–L10); returns (n_envs,) bool: episode ended."""
    agent, envs, loop = run.agent, run.envs, run.loop
    # L8: a_t = μ(s_t) + 𝒩_t, clipped to the bounds (random actions during warm-up).
    if loop.step < run.cfg.warmup_steps:
        actions = np.stack([env.action_space.sample() for env in envs])
    else:
        actions = np.atleast_2d(agent.act(run.obs if run.stacked else run.obs[0], explore=True))
    # L9: execute a_t, observe r_t and s_{t+1}.
    stepped = [env.step(a.astype(np.float64)) for env, a in zip(envs, actions)]
    next_obs = np.stack([s[0] for s in stepped])
    rewards = np.array([s[1] for s in stepped], dtype=float)
    terminated = np.array([s[2] for s in stepped], dtype=float)
    truncated = np.array([s[3] for s in stepped], dtype=bool)
    # L10: store (s_t, a_t, r_t, s_{t+1}) in R, with the terminal flag (not truncation).
    if run.stacked:
        run.buffer.add(run.obs, actions, rewards, next_obs, terminated)
    else:
        run.buffer.add(run.obs[0], actions[0], rewards[0], next_obs[0], terminated[0])
    run.obs = next_obs
    loop.episode_returns += rewards
    loop.step += 1
    return np.logical_or(terminated > 0, truncated)


def _learn(run: _Run) -> None:
    """L11–L15: sample minibatches from R and update critic, actor and targets."""
    cfg = run.cfg
    if len(run.buffer) < max(cfg.batch_size, cfg.learning_starts):
        return
    sample_rng = run.agent.rngs if run.stacked else run.agent.rng
    for _ in range(cfg.updates_per_step):
        # L11: a minibatch of N transitions from R.
        run.loop.add_metrics(run.update(run.buffer.sample(cfg.batch_size, sample_rng)))


def _end_episodes(run: _Run, done: np.ndarray) -> None:
    """Envs whose episode ended (``done``, (n_envs,) bool) go back to L5 and L6."""
    loop = run.loop
    for i in np.flatnonzero(done):
        loop.recent_returns[i] = (loop.recent_returns[i] + [float(loop.episode_returns[i])])[-10:]
        loop.episode_returns[i] = 0.0
        run.agent.noises[i].reset()  # L5: a fresh random process 𝒩 for the next episode
        loop.env_rng_states[i] = _rng_states(run.envs[i])  # before reset: resume replays it
        run.obs[i] = run.envs[i].reset()[0]  # L6: receive the initial observation s_1
        loop.episodes[i] += 1


def _evaluate_and_log(run: _Run) -> None:
    """Evaluate every seed's deterministic policy; one progress row per seed, one timing row."""
    loop = run.loop
    loop.train_seconds += run.seconds_since_tick()
    returns = np.atleast_2d(evaluate(run.agent, run.env_id, run.cfg.eval_episodes,
                                     envs=run.eval_envs))  # (seeds, eval_episodes)
    loop.eval_seconds += run.seconds_since_tick()
    rows = loop.progress_rows(run.seeds, returns, run.agent.updates)
    loop.rows.extend(rows)
    if run.out is not None:
        append_progress(run.out, rows)
        append_timing(run.out, loop.step, loop.train_seconds, loop.eval_seconds)
    run.bar.set_postfix(eval_return=f"{np.median(returns.mean(axis=1)):.1f}")
    run.tick = time.perf_counter()  # the log and the bar count as neither training nor eval


def _snapshot_if_due(run: _Run) -> None:
    cfg, step = run.cfg, run.loop.step
    if run.out is not None and ((cfg.snapshot_every and step % cfg.snapshot_every == 0)
                                or step in cfg.snapshot_steps):
        save_snapshot(run.out, run.agent, step)


def _checkpoint_if_due(run: _Run, done: np.ndarray) -> None:
    """Checkpoint only where every env has just ended an episode (``done``, (n_envs,) bool), and
    at the end of a run that stops at such a point: resuming then replays exactly what would
    have come."""
    loop, every = run.loop, run.cfg.checkpoint_every
    if run.out is None or not done.all() or (loop.step < run.next_checkpoint
                                             and loop.step != run.steps):
        return
    loop.train_seconds += run.seconds_since_tick()
    save_checkpoint(run.out, run.agent, run.buffer, loop.to_saved(),
                               loop.env_rng_states)
    run.next_checkpoint = (loop.step // every + 1) * every


def _rng_states(env: Any) -> dict[str, Any]:
    return {"env": env.unwrapped.np_random.bit_generator.state,
            "action_space": env.action_space.np_random.bit_generator.state}


def _reset_all(envs: list, seeds: list[int], reset_seeds: list[int] | None,
               rng_states: list[Any] | None) -> np.ndarray:
    """L6 for every env: seeded on a fresh run; from the saved generator states on resume.
    Returns (n_envs, obs_dim) float64."""
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


def _limit_blas_threads(n: int | None) -> AbstractContextManager:
    """BLAS on ``n`` threads inside the block (None: the library's own setting)."""
    if n is None:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n, user_api="blas")


def _progress_bar(total: int, initial: int, env_id: str, enabled: bool):
    # Plain-text tqdm (not tqdm.auto's widget): its final state is what a committed notebook shows.
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=f"DDPG {env_id}", unit="step",
                disable=not enabled, mininterval=0.5, smoothing=0.05)
