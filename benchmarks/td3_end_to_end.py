"""TD3 on HalfCheetah-v5 end to end: our training loop against a CleanRL-style PyTorch TD3.

    python benchmarks/td3_end_to_end.py [--steps 3000] [--warmup 1000] [--repeats 3] [--no-torch]

Environment steps per second while learning, acting and stepping and storing and updating once
per step, at CleanRL's shape (hidden 256-256, batch 256, Adam 3e-4). The last line checks the
ratio against a threshold: ours ≥ 2× a plain PyTorch TD3 written the CleanRL way, timed in the
same process on the same CPU. CleanRL publishes 87 minutes per million steps for its PyTorch TD3
on HalfCheetah (other hardware).

* **Ours**: ``ddpg_numpy.train`` (the real loop) with ``TD3Config.preset("HalfCheetah-v5")``
  changed to CleanRL's shape and learning rates (``update_speed.TD3_AS_CLEANRL``; the action at
  the critic's input, τ = 5e-3, Gaussian σ = 0.1, d = 2 already are the preset's), float32 fast
  path, denormals flushed as in the preset, NumPy's BLAS on 1 thread. The random warm-up is cut
  to ``--warmup`` steps (it only fills the buffer), no checkpoints, one one-episode evaluation
  at the end of the warm-up and of the run (more if their step counts share a smaller factor).
  Steps/s come from the run's ``timing.csv``, whose training seconds leave evaluation out.
* **PyTorch**: the loop of CleanRL's ``td3_continuous_action.py`` around the update of
  ``torch_td3_baseline.py`` (its networks, optimizers and update, reused, not copied): random
  actions for ``--warmup`` steps, then the actor on one observation under ``no_grad`` plus
  Gaussian noise 0.1·action_scale, clipped; a NumPy ring buffer (CleanRL uses SB3's, NumPy too)
  sampled uniformly and handed over with ``torch.as_tensor``; one update per step. Plain
  ``gymnasium.make`` (CleanRL wraps it in a one-env ``SyncVectorEnv``: a little slower).
  ``torch.set_num_threads(1)`` for the comparison; 2 threads, and 1 thread with
  ``torch.set_flush_denormal(True)`` (what our fast path does: ddpg_numpy/fast/denormals.py),
  as extra columns.

Each repeat runs every contender once, ``--steps`` learning steps after the warm-up, the same
seed for all; the table gives medians over repeats and the ratio ours ÷ PyTorch per repeat.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from benchmarks.torch_baseline import torch_available  # noqa: E402
from benchmarks.torch_td3_baseline import make_torch_td3_update  # noqa: E402
from benchmarks.update_speed import TD3_AS_CLEANRL  # noqa: E402
from ddpg_numpy import TD3Config, train  # noqa: E402
from ddpg_numpy.fast import blas_description  # noqa: E402
from ddpg_numpy.lab.options import OneLineParser, whole  # noqa: E402
from ddpg_numpy.lab.run_folder import read_timing  # noqa: E402

ENV_ID = "HalfCheetah-v5"
THRESHOLD_RATIO = 2.0  # ours ÷ CleanRL-style PyTorch TD3 on 1 thread, median over repeats
CLEANRL_MINUTES_PER_MILLION = 87.0  # CleanRL's published PyTorch TD3 on HalfCheetah
EXPLORATION_NOISE = 0.1  # CleanRL's exploration_noise, a fraction of action_scale
OURS = "ours (NumPy fast path)"
# name -> (torch.set_num_threads, torch.set_flush_denormal); the first is the comparison.
TORCH_VARIANTS = {"PyTorch 1 thread": (1, False), "PyTorch 2 threads": (2, False),
                  "PyTorch 1 thread, denormals flushed": (1, True)}
# Where torch_td3_baseline's update reads its minibatch (names inside make_torch_td3_update).
BATCH_NAMES = ("observations", "actions", "rewards", "next_observations", "dones")


def our_config(hidden: Sequence[int], batch: int, warmup: int, steps: int) -> TD3Config:
    """The HalfCheetah preset at CleanRL's shape; an evaluation (one episode) at the warm-up's
    end and the run's, so that timing.csv has a row at both."""
    return TD3Config.preset(ENV_ID, **TD3_AS_CLEANRL, hidden=tuple(hidden), batch_size=batch,
                            warmup_steps=warmup, learning_starts=warmup,
                            eval_every=math.gcd(warmup, steps), eval_episodes=1,
                            checkpoint_every=10**9, checkpoint_replay=False)


def run_ours(cfg: TD3Config, steps: int, seed: int, folder: Path) -> dict[str, float]:
    """One ``train`` run of ``cfg.warmup_steps + steps`` steps: learning steps/s from
    timing.csv (evaluation excluded), and the whole call's wall-clock seconds."""
    run = folder / f"ours-{seed}-{time.monotonic_ns()}"
    tick = time.perf_counter()
    train(ENV_ID, cfg, cfg.warmup_steps + steps, seed=seed, out=run, progress=False)
    wall = time.perf_counter() - tick
    seconds = {int(r["step"]): r["train_seconds"] for r in read_timing(run)}
    learning = seconds[cfg.warmup_steps + steps] - seconds[cfg.warmup_steps]
    return {"steps_per_s": steps / learning, "learning_s": learning, "wall_s": wall}


class RingBuffer:
    """Replay as CleanRL's (SB3's ReplayBuffer): float32 NumPy arrays, uniform sampling."""

    def __init__(self, capacity: int, obs_dim: int, act_dim: int) -> None:
        self.obs = np.zeros((capacity, obs_dim), np.float32)
        self.actions = np.zeros((capacity, act_dim), np.float32)
        self.rewards = np.zeros(capacity, np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), np.float32)
        self.dones = np.zeros(capacity, np.float32)
        self.capacity, self.next, self.size = capacity, 0, 0

    def add(self, obs: np.ndarray, action: np.ndarray, reward: float, next_obs: np.ndarray,
            terminated: bool) -> None:
        i = self.next
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.dones[i] = next_obs, terminated
        self.next, self.size = (i + 1) % self.capacity, min(self.size + 1, self.capacity)

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        """(obs (n, obs_dim), actions (n, act_dim), rewards (n,), next_obs (n, obs_dim),
        dones (n,)), drawn uniformly with replacement."""
        i = rng.integers(0, self.size, n)
        return self.obs[i], self.actions[i], self.rewards[i], self.next_obs[i], self.dones[i]


def batch_loader(update: Callable[[], None]) -> Callable[[tuple[np.ndarray, ...]], None]:
    """A function that makes ``update`` (from ``make_torch_td3_update``, which trains on the
    fixed batch it closes over) train on the given minibatch next: the batch's tensors are
    swapped in its closure, so the update runs as the isolated update benchmark
    (benchmarks/torch_td3_baseline.py) times it."""
    import torch

    cells = dict(zip(update.__code__.co_freevars, update.__closure__ or ()))
    missing = [name for name in BATCH_NAMES if name not in cells]
    if missing:
        raise RuntimeError(f"make_torch_td3_update's update no longer reads {missing}: update "
                           "BATCH_NAMES in benchmarks/td3_end_to_end.py")

    def load(batch: tuple[np.ndarray, ...]) -> None:
        for name, array in zip(BATCH_NAMES, batch, strict=True):
            cells[name].cell_contents = torch.as_tensor(array)

    return load


def run_torch(hidden: Sequence[int], batch: int, warmup: int, steps: int, seed: int,
              threads: int, flush: bool) -> dict[str, float]:
    """CleanRL's TD3 loop for ``warmup + steps`` steps: learning steps/s (the last ``steps``,
    each acting, stepping, storing and updating) and the whole run's wall-clock seconds."""
    import gymnasium as gym
    import torch

    tick = time.perf_counter()
    torch.set_flush_denormal(flush)  # process-wide: undone below, before ours runs again
    try:
        env = gym.make(ENV_ID)
        obs_dim, act_dim = env.observation_space.shape[0], env.action_space.shape[0]
        low, high = env.action_space.low, env.action_space.high
        if not (np.all(low == -1) and np.all(high == 1)):  # the baseline's actor assumes it
            raise ValueError(f"{ENV_ID}'s actions are not in [-1, 1]: {env.action_space}")
        update = make_torch_td3_update(obs_dim, act_dim, hidden, batch, threads, seed)
        actor, load = update.networks["actor"], batch_loader(update)
        buffer, rng = RingBuffer(warmup + steps, obs_dim, act_dim), np.random.default_rng(seed)
        env.action_space.seed(seed)
        obs, _ = env.reset(seed=seed)
        for step in range(warmup + steps):
            if step == warmup:
                learning_tick = time.perf_counter()
            if step < warmup:
                action = env.action_space.sample()
            else:
                with torch.no_grad():
                    action = actor(torch.as_tensor(obs, dtype=torch.float32).unsqueeze(0))[0]
                    action += torch.normal(0.0, actor.action_scale * EXPLORATION_NOISE)
                action = action.numpy().clip(low, high)
            next_obs, reward, terminated, truncated, _ = env.step(action)
            buffer.add(obs, action, reward, next_obs, terminated)  # the true s', not a reset
            obs = env.reset()[0] if terminated or truncated else next_obs
            if step >= warmup:
                load(buffer.sample(batch, rng))
                update()
        learning = time.perf_counter() - learning_tick
        env.close()
    finally:
        torch.set_flush_denormal(False)
        torch.set_num_threads(1)
    return {"steps_per_s": steps / learning, "learning_s": learning,
            "wall_s": time.perf_counter() - tick}


def minutes_per_million(steps_per_s: float) -> float:
    return 1e6 / steps_per_s / 60.0


def table(results: dict[str, list[dict[str, float]]]) -> str:
    """Markdown: per contender the median steps/s (per repeat), minutes per million steps,
    ours ÷ it (median of the per-repeat ratios), and each run's wall-clock."""
    ours = [r["steps_per_s"] for r in results[OURS]]
    lines = ["| contender | steps/s while learning: median (repeats) | minutes per 1M steps "
             "| ours ÷ contender: median (repeats) | wall-clock per run, s |",
             "|---|---|---|---|---|"]
    for name, runs in results.items():
        rates = [r["steps_per_s"] for r in runs]
        median = statistics.median(rates)
        if name == OURS:
            ratio = "—"
        else:
            ratios = [a / b for a, b in zip(ours, rates)]
            ratio = (f"**{statistics.median(ratios):.2f}×** ("
                     + ", ".join(f"{x:.2f}" for x in ratios) + ")")
        lines.append(f"| {name} | **{median:.0f}** ({', '.join(f'{x:.0f}' for x in rates)}) | "
                     f"{minutes_per_million(median):.0f} | {ratio} | "
                     + ", ".join(f"{r['wall_s']:.1f}" for r in runs) + " |")
    published = 1e6 / (CLEANRL_MINUTES_PER_MILLION * 60.0)
    lines.append(f"| CleanRL's published PyTorch TD3 (other hardware, whole run) | "
                 f"{published:.0f} | {CLEANRL_MINUTES_PER_MILLION:.0f} | "
                 f"{statistics.median(ours) / published:.2f}× | — |")
    return "\n".join(lines)


def verdict(results: dict[str, list[dict[str, float]]]) -> str:
    main = next(iter(TORCH_VARIANTS))
    if main not in results:
        return f"Ours ÷ {main}: not measured (no PyTorch); threshold {THRESHOLD_RATIO:g}×."
    ratio = statistics.median(a["steps_per_s"] / b["steps_per_s"]
                              for a, b in zip(results[OURS], results[main]))
    mark = "✔ above" if ratio >= THRESHOLD_RATIO else "✘ below"
    return f"Ours ÷ {main}: {ratio:.2f}× — {mark} the threshold {THRESHOLD_RATIO:g}×."


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = OneLineParser(prog="td3_end_to_end.py", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=whole(1), default=3000,
                        help="learning steps per run, after the warm-up (default 3000)")
    parser.add_argument("--warmup", type=whole(1), default=1000,
                        help="random steps first, to fill the buffer (default 1000)")
    parser.add_argument("--repeats", type=whole(1), default=3,
                        help="rounds, each running every contender once (default 3)")
    parser.add_argument("--hidden", type=whole(1), nargs=2, default=[256, 256],
                        metavar=("H1", "H2"), help="hidden widths (default 256 256, CleanRL's)")
    parser.add_argument("--batch", type=whole(1), default=256,
                        help="minibatch size (default 256, CleanRL's)")
    parser.add_argument("--no-torch", action="store_true", help="measure ours only")
    parser.add_argument("--main-only", action="store_true",
                        help="PyTorch on 1 thread only (no 2-thread and flushed columns)")
    parser.add_argument("--no-two-threads", action="store_true",
                        help="no 2-thread PyTorch column (it crawls when other jobs hold a core)")
    args = parser.parse_args(argv)
    check_short_run(parser, args.warmup, args.steps, args.batch, "--batch")
    return args


def check_short_run(parser: argparse.ArgumentParser, warmup: int, steps: int, batch: int,
                    batch_is: str) -> None:
    """A timing run's --warmup must fill one minibatch (``batch``, named ``batch_is`` in the
    message), and --warmup and --steps must share a factor of 100 or more (its evaluations are
    every gcd steps); else exit 2 with one line."""
    if warmup < batch:
        parser.error(f"--warmup {warmup} is below {batch_is} {batch}: the first "
                     "minibatch needs that many transitions; raise --warmup")
    if math.gcd(warmup, steps) < min(100, warmup):
        parser.error(f"--warmup {warmup} and --steps {steps} share no factor of "
                     "100 or more, so the runs would evaluate too often: use multiples of 100")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    from threadpoolctl import threadpool_limits

    variants = {} if args.no_torch else dict(
        list(TORCH_VARIANTS.items())[:1] if args.main_only else TORCH_VARIANTS)
    if args.no_two_threads:
        variants = {name: v for name, v in variants.items() if v[0] == 1}
    if args.no_torch:
        print("PyTorch skipped (--no-torch): ours only.")
    elif not torch_available():
        print("PyTorch is not installed: ours only (pip install torch==2.13.0, the CPU build, "
              "for the comparison).")
        variants = {}
    torch_version = "not measured"
    if variants:
        import torch

        torch_version = torch.__version__
    with threadpool_limits(limits=1, user_api="blas"):
        blas = blas_description()
    cfg = our_config(args.hidden, args.batch, args.warmup, args.steps)
    load_before, started = os.getloadavg(), time.strftime("%Y-%m-%d %H:%M")
    results: dict[str, list[dict[str, float]]] = {OURS: [], **{name: [] for name in variants}}
    with tempfile.TemporaryDirectory(prefix="ddpg-td3-e2e-") as tmp:
        for repeat in range(args.repeats):  # interleaved: every contender sees the same load
            results[OURS].append(run_ours(cfg, args.steps, repeat, Path(tmp)))
            for name, (threads, flush) in variants.items():
                results[name].append(run_torch(args.hidden, args.batch, args.warmup,
                                               args.steps, repeat, threads, flush))
            print(f"repeat {repeat + 1}: " + "; ".join(
                f"{name} {runs[-1]['steps_per_s']:.0f} steps/s ({runs[-1]['learning_s']:.1f} s "
                f"learning, {runs[-1]['wall_s']:.1f} s whole run)"
                for name, runs in results.items()), flush=True)
    load_after = os.getloadavg()
    shape = "-".join(map(str, args.hidden))
    command = "python benchmarks/td3_end_to_end.py " + " ".join(sys.argv[1:] if argv is None
                                                                 else argv)
    print(f"\nTD3 on {ENV_ID}, hidden {shape}, batch {args.batch}, Adam 3e-4, "
          f"{args.warmup:,} random steps then {args.steps:,} learning steps per run, "
          f"{args.repeats} repeat(s), seeds 0-{args.repeats - 1}; steps/s over the learning "
          "steps (ours: training seconds of timing.csv, evaluation excluded; wall-clock: the "
          "whole run with set-up and warm-up, ours also with its evaluations).\n")
    print(table(results))
    print(f"\n{verdict(results)}")
    print(f"\nMachine: {platform.machine()} {os.cpu_count()} cores; load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; {started}. NumPy "
          f"{np.__version__}, BLAS: {blas}; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; PyTorch {torch_version}.")
    print(f"Command: `{command.strip()}`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
