"""Where a lock-step step's time goes as seeds are stacked: shared by the stack or per seed.

    python benchmarks/seed_scaling.py [--stacks 1,2,3,5] [--steps 600] [--repeats 5]

For each stack size S: microseconds per environment step of the Pendulum-v1 preset, split into
acting (L8), stepping the S environments (L9), storing (L10), sampling (L11) and the updates
(L12–L15), after a random warm-up that fills the buffers; median of ``--repeats`` rounds. Then a
least-squares fit step ≈ F + S·m (F shared by the stack, m per seed) and the time of one
128×129 by 129×64 matrix product, the size of the preset's hidden layers. One BLAS thread, as in
``train``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import timeit
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from ddpg_numpy import DDPG, DDPGConfig, ReplayBuffer  # noqa: E402
from ddpg_numpy.lab import make_env  # noqa: E402
from ddpg_numpy.lab.options import parse_seeds  # noqa: E402

PARTS = ("act", "env", "store", "sample", "update")


def step_parts(stack: int, steps: int) -> dict[str, float]:
    """µs per environment step of each part, for ``stack`` seeds in one process."""
    cfg = DDPGConfig.preset("Pendulum-v1")
    seeds = list(range(stack))
    envs = [make_env("Pendulum-v1") for _ in seeds]
    agent = DDPG(3, 1, [-2.0], [2.0], cfg, seed=seeds)
    buffer = ReplayBuffer(10_000, 3, 1, agent.dtype, stack=stack)
    obs = np.stack([env.reset(seed=s)[0] for env, s in zip(envs, seeds)])
    seconds = dict.fromkeys(PARTS, 0.0)
    for t in range(cfg.warmup_steps + steps):
        timed = t >= cfg.warmup_steps
        tick = time.perf_counter()
        actions = agent.act(obs, explore=True) if timed else \
            np.stack([env.action_space.sample() for env in envs])
        acted = time.perf_counter()
        stepped = [env.step(a.astype(np.float64)) for env, a in zip(envs, actions)]
        next_obs = np.stack([s[0] for s in stepped])
        rewards = np.array([s[1] for s in stepped])
        terminated = np.array([s[2] for s in stepped], dtype=float)
        moved = time.perf_counter()
        buffer.add(obs, actions, rewards, next_obs, terminated)
        obs = next_obs
        stored = time.perf_counter()
        sample_s = update_s = 0.0
        if timed:
            for _ in range(cfg.updates_per_step):
                a = time.perf_counter()
                batch = buffer.sample(cfg.batch_size, agent.rngs)
                b = time.perf_counter()
                agent.update(batch)
                sample_s, update_s = sample_s + b - a, update_s + time.perf_counter() - b
            for part, s in zip(PARTS, (acted - tick, moved - acted, stored - moved, sample_s,
                                       update_s)):
                seconds[part] += s
    return {part: s / steps * 1e6 for part, s in seconds.items()}


def product_microseconds(repeats: int) -> float:
    w = np.ones((129, 128), np.float32)
    x = np.ones((129, 64), np.float32)
    out = np.empty((128, 64), np.float32)
    runs = timeit.repeat(lambda: np.matmul(w.mT, x, out=out), number=2000, repeat=repeats)
    return statistics.median(runs) / 2000 * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=parse_seeds, default=parse_seeds("1,2,3,5"))
    parser.add_argument("--steps", type=int, default=600, help="timed steps per round")
    parser.add_argument("--repeats", type=int, default=5, help="rounds (median)")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        rounds = {s: [] for s in args.stacks}
        for _ in range(args.repeats):  # interleaved, so every size sees the same load
            for s in args.stacks:
                rounds[s].append(step_parts(s, args.steps))
        product = product_microseconds(args.repeats)
    medians = {s: {p: statistics.median(r[p] for r in rounds[s]) for p in PARTS}
               for s in args.stacks}
    totals = {s: statistics.median(sum(r.values()) for r in rounds[s]) for s in args.stacks}

    print("| seeds in one process | " + " | ".join(map(str, args.stacks)) + " |")
    print("|---|" + "---|" * len(args.stacks))
    print("| whole step (µs) | " + " | ".join(f"{totals[s]:,.0f}" for s in args.stacks) + " |")
    for part in PARTS:
        print(f"| {part} | " + " | ".join(f"{medians[s][part]:,.0f}" for s in args.stacks) + " |")
    m, f = np.polyfit(list(totals), list(totals.values()), 1)
    cfg = DDPGConfig.preset("Pendulum-v1")
    per_seed_products = 9 * cfg.updates_per_step * product
    print(f"\nfit: step ≈ F + S·m with F = {f:.0f} µs and m = {m:.0f} µs per seed")
    print(f"one 128×129 by 129×64 product: {product:.1f} µs "
          f"({2 * 129 * 128 * 64 / product / 1e3:.0f} GFLOP/s); 9 per update, "
          f"{cfg.updates_per_step} updates per step: {per_seed_products:.0f} µs per seed and step")
    print(f"one process, 5 seeds: (F + 5m)/(F + m) = {(f + 5 * m) / (f + m):.2f}; "
          f"two cores in groups 3 + 2: (F + 3m)/(F + m) = {(f + 3 * m) / (f + m):.2f}; "
          "≤ 2 needs m ≤ F")
    return 0


if __name__ == "__main__":
    sys.exit(main())
