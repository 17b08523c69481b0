"""Training speed end to end: environment steps per second while learning, time to −200, seeds.

    python benchmarks/end_to_end.py [--repeats 3] [--seeds 0-4] [--skip halfcheetah,...]

Everything runs through ``ddpg_numpy.train`` (the real loop: acting, env.step, replay, one update
per step), NumPy's BLAS on 1 thread, and reads the run's ``timing.csv``, whose training seconds
leave evaluation out (evaluation seconds are reported beside them). Four measurements:

* **HalfCheetah-v5 while learning** — its preset (400-300, float32) at batch 256 with the random
  warm-up cut to 1,000 steps (it only fills the buffer); steps/s over 1,000-step windows once
  updates run, median of the windows. Stable-Baselines3 DDPG (rl-zoo hyperparameters, 400-300,
  batch 256) does about 64 steps/s here on a 2-core x86-64 CPU with OpenBLAS (a reference
  figure: SB3 is not a dependency, so the script does not time it).
* **Pendulum-v1 while learning** — its preset; steps/s per 1,000-step window.
* **Pendulum-v1 time to −200** — solo runs of the preset (evaluation on 50 fixed start states every
  1,000 steps, as benchmarks/learning.py); training seconds until the first evaluation ≥ −200,
  median over seeds. Stable-Baselines3 takes about 150 s on the same kind of CPU (rl-zoo
  hyperparameters, 20,000 steps).
* **5 seeds at once** — ``train(seeds=[0, ..., 4], workers=w)`` for w = 1 (one process), 2, 3
  against ``train(seed=0)``, same steps: the ratio of training seconds (the slowest group's with
  workers), and of the whole wall-clock (set-up, evaluation, process start and merge included).
  5× is what 5 solo runs one after another would take.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from benchmarks.learning import benchmark_config, solo_time_to_solved  # noqa: E402
from ddpg_numpy import DDPGConfig, train  # noqa: E402
from ddpg_numpy.fast import blas_description  # noqa: E402
from ddpg_numpy.lab.options import parse_seeds  # noqa: E402
from ddpg_numpy.lab.run_folder import read_timing  # noqa: E402

# Stable-Baselines3 DDPG, rl-zoo hyperparameters, on a 2-core x86-64 CPU with OpenBLAS.
SB3_HALFCHEETAH_STEPS_PER_S = 64.0
SB3_PENDULUM_SECONDS = 150.0
WINDOW = 1000  # steps per timing window (= eval_every)


def window_rates(run: Path, from_step: int) -> list[float]:
    """Steps per second of training (evaluation excluded) in each window after ``from_step``."""
    rows = read_timing(run)
    return [(b["step"] - a["step"]) / (b["train_seconds"] - a["train_seconds"])
            for a, b in zip(rows, rows[1:]) if a["step"] >= from_step]


def quick(cfg: DDPGConfig) -> DDPGConfig:
    """No checkpoints (their disk time is not training), one evaluation per window."""
    return cfg.replace(eval_every=WINDOW, checkpoint_every=10**9, checkpoint_replay=False)


def steps_per_second(env_id: str, cfg: DDPGConfig, windows: int, folder: Path) -> list[float]:
    learning_from = max(cfg.learning_starts, cfg.batch_size)
    start = -(-learning_from // WINDOW) * WINDOW  # first window that is all learning
    run = folder / f"{env_id}-{time.monotonic_ns()}"
    train(env_id, cfg, start + windows * WINDOW, seed=0, out=run, progress=False)
    return window_rates(run, start)


def halfcheetah(windows: int, folder: Path) -> dict:
    cfg = quick(DDPGConfig.preset("HalfCheetah-v5", batch_size=256, warmup_steps=1000,
                                  learning_starts=1000, eval_episodes=1))
    rates = steps_per_second("HalfCheetah-v5", cfg, windows, folder)
    return {"rates": rates, "median": statistics.median(rates)}


def pendulum(windows: int, folder: Path) -> dict:
    rates = steps_per_second("Pendulum-v1", quick(DDPGConfig.preset("Pendulum-v1")), windows,
                             folder)
    return {"rates": rates, "median": statistics.median(rates)}


def time_to_solved(seeds: list[int], steps: int, folder: Path) -> dict:
    per_seed = {}
    for seed in seeds:
        run = folder / f"solve-{seed}"
        train("Pendulum-v1", benchmark_config(), steps, seed=seed, out=run, progress=False)
        per_seed[seed] = solo_time_to_solved(run)
        print(f"  seed {seed}: {per_seed[seed]}", flush=True)
    reached = [r for r in per_seed.values() if r["train_seconds"] is not None]
    # Seeds that never reach −200 count as slower than any that do (median of the ordering).
    train_s = sorted(r["train_seconds"] for r in reached) + [float("inf")] * (
        len(seeds) - len(reached))
    return {"per_seed": per_seed, "median_train_seconds": statistics.median(train_s),
            "median_eval_seconds": statistics.median(r["eval_seconds"] for r in reached)
            if reached else None,
            "median_step": statistics.median(r["step"] for r in reached) if reached else None}


def seeds_at_once(seeds: list[int], steps: int, repeats: int, workers: list[int],
                  folder: Path) -> dict:
    """Solo run of the first seed against all seeds in one process and in worker processes.

    Per repeat and setting: (training seconds, evaluation seconds, whole wall-clock seconds);
    training seconds of a run in workers are the slowest group's. The whole wall-clock adds
    set-up, process start and the merge of the groups' folders."""
    cfg = quick(DDPGConfig.preset("Pendulum-v1"))
    settings = [("solo", {"seed": seeds[0]})] + [
        (f"workers={w}", {"seeds": seeds, "workers": w}) for w in workers]
    times: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _ in settings}
    for r in range(repeats):  # interleaved, so every setting sees the same machine load
        for name, kwargs in settings:
            run = folder / f"{name}-{r}"
            tick = time.perf_counter()
            train("Pendulum-v1", cfg, steps, out=run, progress=False, **kwargs)
            wall = time.perf_counter() - tick
            last = read_timing(run)[-1]
            times[name].append((last["train_seconds"], last["eval_seconds"], wall))
    ratios = {name: {"train": statistics.median(t[0] / s[0] for t, s in
                                                zip(times[name], times["solo"])),
                     "wall": statistics.median(t[2] / s[2] for t, s in
                                               zip(times[name], times["solo"]))}
              for name in times}
    return {"times": times, "ratios": ratios}


def report(results: dict, args: argparse.Namespace, machine: str) -> str:
    lines = ["| measurement | result | reference / threshold |", "|---|---|---|"]
    if "halfcheetah" in results:
        r = results["halfcheetah"]
        lines.append(f"| HalfCheetah-v5 steps/s while learning (400-300, batch 256, float32) | "
                     f"**{r['median']:.0f}** (windows: {', '.join(f'{x:.0f}' for x in r['rates'])})"
                     f" = {r['median'] / SB3_HALFCHEETAH_STEPS_PER_S:.1f}× SB3 | SB3 ≈ 64; "
                     f"threshold ≥ 2× SB3 = 128 |")
    if "pendulum" in results:
        r = results["pendulum"]
        pre = DDPGConfig.preset("Pendulum-v1")
        shape = "-".join(map(str, pre.hidden))
        lines.append(f"| Pendulum-v1 steps/s while learning (preset: {shape}, batch "
                     f"{pre.batch_size}, {pre.updates_per_step} updates/step) | "
                     f"**{r['median']:.0f}** (windows: {', '.join(f'{x:.0f}' for x in r['rates'])})"
                     " | — |")
    if "solve" in results:
        r = results["solve"]
        per = ", ".join(f"{s}: {v['train_seconds']:.1f} s @ {v['step']}"
                        if v["train_seconds"] is not None else f"{s}: not reached"
                        for s, v in r["per_seed"].items())
        eval_s = r["median_eval_seconds"]
        lines.append(f"| Pendulum-v1 training seconds to first evaluation ≥ −200, median of "
                     f"{len(r['per_seed'])} seeds | **{r['median_train_seconds']:.1f} s** "
                     f"(+ {eval_s:.1f} s evaluation; seed: seconds @ step — {per}) | "
                     "SB3 ≈ 150 s; threshold ≤ 10 s |" if eval_s is not None else
                     "| Pendulum-v1 seconds to −200 | not reached | threshold ≤ 10 s |")
    if "seeds" in results:
        r = results["seeds"]
        solo = statistics.median(t[0] for t in r["times"]["solo"])
        for name, times in r["times"].items():
            if name == "solo":
                continue
            w = int(name.split("=")[1])
            how = "one process" if w == 1 else f"{w} worker processes"
            ratio = r["ratios"][name]
            lines.append(f"| {len(args.seeds)} Pendulum-v1 seeds at once vs 1, {how} "
                         f"({args.seed_steps:,} steps; training seconds) | "
                         f"**{ratio['train']:.2f}×** ({statistics.median(t[0] for t in times):.1f}"
                         f" s vs {solo:.1f} s; whole wall-clock with set-up, evaluation and "
                         f"merge {ratio['wall']:.2f}×) | {len(args.seeds)}× = one seed after "
                         "another |")
    command = "python benchmarks/end_to_end.py " + " ".join(sys.argv[1:])
    return "\n".join(lines + ["", f"Machine: {machine}.", f"Command: `{command.strip()}`."])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=3,
                        help="1,000-step windows timed while learning (default 3)")
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-4"),
                        help="seeds for time-to-−200 and for the stacked run (default 0-4)")
    parser.add_argument("--solve-steps", type=int, default=10_000,
                        help="length of each time-to-−200 run (default 10000)")
    parser.add_argument("--seed-steps", type=int, default=5000,
                        help="length of the solo and stacked runs compared (default 5000)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="rounds of the solo and multi-seed runs, interleaved (default 3)")
    parser.add_argument("--workers", type=parse_seeds, default=parse_seeds("1-3"),
                        help="worker processes for the multi-seed runs, e.g. 1,2 (default 1-3)")
    parser.add_argument("--skip", default="",
                        help="comma-separated parts to skip: halfcheetah,pendulum,solve,seeds")
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        blas = blas_description()
    load_before, started = os.getloadavg(), time.strftime("%Y-%m-%d %H:%M")
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="ddpg-e2e-") as tmp:
        folder = Path(tmp)
        parts = (("halfcheetah", lambda: halfcheetah(args.windows, folder)),
                 ("pendulum", lambda: pendulum(args.windows, folder)),
                 ("solve", lambda: time_to_solved(args.seeds, args.solve_steps, folder)),
                 ("seeds", lambda: seeds_at_once(args.seeds, args.seed_steps, args.repeats,
                                                 args.workers, folder)))
        for name, run in parts:
            if name in skip:
                continue
            tick = time.perf_counter()
            print(f"{name} ...", flush=True)
            results[name] = run()
            print(f"{name}: {time.perf_counter() - tick:.0f} s", flush=True)
    load_after = os.getloadavg()
    machine = (f"{platform.machine()} {os.cpu_count()} cores, shared; load average "
               f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; {started}; NumPy BLAS: "
               f"{blas}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print("\n" + report(results, args, machine))
    return 0


if __name__ == "__main__":
    sys.exit(main())
