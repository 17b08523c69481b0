"""The environment loop of DDPG (pseudocode L3–L11) around the update (L12–L15), in one process.

``train_in_process`` trains one seed, or several in lock-step on stacked arrays (one
environment, buffer, noise and generator per seed). Each step of the loop is a function below:
act and store (L8–L10), learn (L11–L15), end episodes (L5, L6), evaluate and log, snapshot,
checkpoint. What the loop counts is ``LoopState``; it goes into the checkpoint whole, with where
each environment stands in its episode, so a resumed run continues exactly where the checkpoint
was taken (episode_replay.py; docs/runs.md says when that is exact). One process at a time trains
into a run folder (run_lock.py).
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
from ..core.td3 import agent_class
from ..fast import update_for
from .blas_record import record_blas
from .envs import evaluate, make_env
from .episode_replay import (
    EnvsAtCheckpoint,
    action_space_state,
    env_generator_state,
    replay_episodes,
    start_first_episodes,
)
from .kill_points import kill_point
from .loop_state import LoopState
from .resume import check_resume, record_target
from .run_folder import (
    append_progress,
    append_timing,
    checkpoint_path,
    cut_logs_to_step,
    has_checkpoint,
    load_checkpoint,
    read_progress,
    remove_stale_temp_files,
    restore_logs,
    save_agent,
    save_checkpoint,
    save_snapshot,
    start_run_folder,
)
from .run_lock import hold_run_folder


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
                     blas_threads: int | None, *, lock_wait_seconds: float = 0.0,
                     in_workers: bool = False) -> TrainResult:
    """Train ``seeds`` in this process; ``stacked=False`` is a solo agent of ``seeds[0]``.

    ``out`` is locked while training (a live holder is waited for up to ``lock_wait_seconds``).
    ``in_workers``: ``out`` is a worker group's folder (parallel.py).
    """
    lock = nullcontext() if out is None else hold_run_folder(out, lock_wait_seconds)
    with _limit_blas_threads(blas_threads), lock:
        run = _set_up(env_id, cfg, steps, seeds, stacked, out, resume, progress, in_workers)
        try:
            while run.loop.step < steps:  # L4 / L7: episodes and their time steps, in steps
                done = _act_and_store(run)  # L8–L10
                _learn(run)  # L11–L15
                _end_episodes(run, done)  # L5, L6 for the envs whose episode ended
                if run.loop.step % run.cfg.eval_every == 0:  # fixed schedule: resumes add no rows
                    _evaluate_and_log(run)
                _snapshot_if_due(run)
                _checkpoint_if_due(run)
                kill_point("step", run.loop.step)  # test-only (kill_points.py)
                if run.loop.step == run.cfg.warmup_steps:  # learning starts: tqdm's own format
                    run.bar.bar_format = None
                run.bar.update(1)
        except TrainingDivergedError as e:
            raise TrainingDivergedError(f"{e}{_what_is_kept(out)}") from e
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


def _what_is_kept(out: Path | None) -> str:
    """What a diverged run leaves to go back to, for its error message."""
    if out is None:
        return ""
    if has_checkpoint(out):
        return f" The last good checkpoint is {checkpoint_path(out)}."
    return (f" No checkpoint was written before this (one is written every checkpoint_every "
            f"steps), so there is nothing in {out} to resume from.")


def _set_up(env_id: str, cfg: DDPGConfig, steps: int, seeds: list[int], stacked: bool,
            out: Path | None, resume: bool, progress: bool, in_workers: bool) -> _Run:
    """Environments, agent, replay buffer and loop state: fresh, or from the checkpoint. A run
    to resume that stopped before its first checkpoint starts again from step 0."""
    if out is not None:
        remove_stale_temp_files(out)  # a killed run's half-written files
    if resume:
        cfg = check_resume(out, env_id, cfg, seeds, stacked, steps, in_workers=in_workers).config
        if not has_checkpoint(out):
            cut_logs_to_step(out, 0)  # start_run_folder below says so
            resume = False
        else:
            record_target(out, steps)  # a resume that extends the run: its new target
    # One training environment per seed, seeded as gymnasium recommends: reset(seed=) once.
    envs = [make_env(env_id) for _ in seeds]
    obs_dim, act_dim, low, high = box_dimensions(envs[0])
    # L1, L2 (inside DDPG) and L3: networks, targets, replay buffer R.
    agent = agent_class(cfg)(obs_dim, act_dim, low, high, cfg, seed=seeds if stacked else seeds[0])
    agent.env_id = env_id
    buffer = ReplayBuffer(min(cfg.buffer_size, max(steps, cfg.batch_size)), obs_dim, act_dim,
                          agent.dtype, stack=agent.stack)
    eval_envs = [make_env(env_id) for _ in range(len(seeds) * cfg.eval_episodes)]

    if resume:
        loop_state, saved_envs = load_checkpoint(out, agent, buffer)
        loop = LoopState.from_saved(loop_state, [g["env"] for g in saved_envs.generators],
                                    saved_envs.actions, len(envs))
        restore_logs(out, loop.step)  # the rows the checkpoint covers; later ones come again
        obs = replay_episodes(envs, seeds, saved_envs)  # L6, then the episode's steps again
    else:
        loop = LoopState(n_envs=len(envs))
        if out is not None:
            start_run_folder(out, cfg, env_id, seeds, steps, stacked=stacked)
        obs = start_first_episodes(envs, seeds)  # L6
    if out is not None:  # the BLAS kernel beside the logs (a worker group's: its parent says)
        record_blas(out, loop.step if resume else None, quiet=in_workers)
    update = update_for(agent)  # L12–L15: the float32 fast path, or the plain DDPG.update
    next_checkpoint = (loop.step // cfg.checkpoint_every + 1) * cfg.checkpoint_every
    bar = _progress_bar(steps, loop.step, env_id, progress, cfg.warmup_steps)
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
        if not np.isfinite(actions.sum()):  # before the environment is blamed for them
            raise TrainingDivergedError(
                f"the agent's actions became {actions.ravel()[:4].tolist()} at step "
                f"{loop.step + 1} (exploration noise or actor): lower noise_sigma or the learning "
                "rates.")
    # L9: execute a_t, observe r_t and s_{t+1}.
    stepped = [env.step(a.astype(np.float64)) for env, a in zip(envs, actions)]
    for taken, a in zip(loop.episode_actions, actions.astype(np.float64)):
        taken.append(a)  # a resume replays them (episode_replay.py)
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
        loop.reset_states[i] = env_generator_state(run.envs[i])  # before reset: resume replays
        loop.episode_actions[i] = []
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


def _checkpoint_if_due(run: _Run) -> None:
    """Checkpoint every checkpoint_every steps and at the end, wherever the episodes stand: each
    env's episode is saved as its start and its actions so far, which a resume replays."""
    loop, every = run.loop, run.cfg.checkpoint_every
    if run.out is None or (loop.step < run.next_checkpoint and loop.step != run.steps):
        return
    loop.train_seconds += run.seconds_since_tick()
    envs = EnvsAtCheckpoint(
        generators=[{"env": start, "action_space": action_space_state(env)}
                    for start, env in zip(loop.reset_states, run.envs)],
        actions=[np.array(taken, dtype=np.float64).reshape(len(taken), run.agent.act_dim)
                 for taken in loop.episode_actions],
        obs=np.asarray(run.obs, dtype=np.float64))
    save_checkpoint(run.out, run.agent, run.buffer, loop.to_saved(), envs)
    run.next_checkpoint = (loop.step // every + 1) * every


def _limit_blas_threads(n: int | None) -> AbstractContextManager:
    """BLAS on ``n`` threads inside the block (None: the library's own setting)."""
    if n is None:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n, user_api="blas")


def _progress_bar(total: int, initial: int, env_id: str, enabled: bool, warmup_steps: int):
    """Plain-text tqdm (not tqdm.auto's widget): its final state is what a committed notebook
    shows. Random warm-up steps run ~10x faster than learning ones, so during warm-up the bar
    shows no time left (it would be far too short) and afterwards its rate adapts quickly."""
    from tqdm import tqdm

    warming_up = initial < warmup_steps
    return tqdm(total=total, initial=initial, desc=f"DDPG {env_id}", unit="step",
                disable=not enabled, mininterval=0.5, smoothing=0.3,
                bar_format=WARMUP_BAR if warming_up else None)


# During warm-up: elapsed time and a note instead of tqdm's remaining-time estimate.
WARMUP_BAR = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}, random warm-up actions]"
