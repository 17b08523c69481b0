"""How well the Pendulum-v1 preset learns: 5 seeds against four pass/fail criteria.

    python benchmarks/learning.py [--seeds 0-4] [--steps 20000] [--out runs/learning]
    python benchmarks/learning.py --algo td3 --seeds 0-9 --solo-steps 0 --workers 2

``--algo td3`` runs TD3's Pendulum-v1 preset (``TD3Config.preset``) against the same criteria;
``--workers 2`` trains the seeds in two processes (the same numbers, on two cores).

Evaluation = the deterministic policy μ(s) on the same 50 fixed start states
(``env.reset(seed=10_000 + i)``, i < 50) every 1,000 environment steps, for every seed.
Criteria (an optimal controller scores -134.5 on these 50 starts):

* every seed ≥ -200 by 10,000 steps and never below -200 again up to 20,000 (no collapse);
* the median over seeds ≥ -200 by 6,000 steps;
* the median at 20,000 steps ≥ -155;
* the median wall-clock time of training to first reach -200 ≤ 10 s (evaluation not counted).

The learning curves come from one stacked run (all seeds in lock-step, ``train(seeds=...)``).
The wall-clock times come from solo runs (``train(seed=s)``), one seed at a time, read from
their ``timing.csv``: ``train_seconds`` at the first evaluation ≥ -200, with the evaluation time
reported separately. A stacked seed and a solo run of the same seed compute the same thing up
to floating-point rounding, which can still change a trajectory after a few thousand steps, so
the solo runs report their own first step ≥ -200.

Writes ``<out>/learning_results.md`` (the table printed at the end), the run folders
``<out>/stacked`` and ``<out>/solo_seed<s>``, and the learning curves of all seeds to
``<out>/pendulum_learning_5seeds.png`` (``--figure``). Wall-clock times depend on the machine
and its load; the table states both.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from ddpg_numpy import DDPGConfig, TD3Config, train  # noqa: E402
from ddpg_numpy.lab.options import parse_override, parse_seeds  # noqa: E402
from ddpg_numpy.lab.run_folder import read_config_json, read_progress, read_timing  # noqa: E402

ENV_ID = "Pendulum-v1"
SOLVED = -200.0  # "swings up and holds": the threshold of the criteria
FINAL_MEDIAN = -155.0  # median at the last step
ALL_SEEDS_BY = 10_000  # every seed ≥ SOLVED by this step, and stays there
MEDIAN_BY = 6_000  # the median over seeds ≥ SOLVED by this step
MAX_MEDIAN_SECONDS = 10.0  # median wall-clock training time to first reach SOLVED
OPTIMAL_FILE = ROOT / "checkpoints" / "pendulum_optimal.npz"


CONFIGS: dict[str, type[DDPGConfig]] = {"ddpg": DDPGConfig, "td3": TD3Config}


def benchmark_config(algo: str = "ddpg", **overrides: object) -> DDPGConfig:
    """The preset of ``algo`` (with optional overrides), evaluated on 50 fixed start states
    (unless ``eval_episodes`` is overridden: quick checks) every 1,000 steps, without
    checkpoints."""
    episodes = overrides.pop("eval_episodes", 50)
    return CONFIGS[algo].preset(ENV_ID, **overrides).replace(
        eval_episodes=episodes, eval_every=1000, checkpoint_every=10**9,
        checkpoint_replay=False)


def curves_of(rows: list[dict[str, float]], seeds: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(steps (T,), mean evaluation returns (S, T)) from progress.csv rows."""
    steps = np.array(sorted({int(r["step"]) for r in rows}))
    returns = np.full((len(seeds), len(steps)), np.nan)
    column = {s: i for i, s in enumerate(steps)}
    for r in rows:
        if int(r["seed"]) in seeds:
            returns[seeds.index(int(r["seed"])), column[int(r["step"])]] = r["eval_return_mean"]
    return steps, returns


def first_step_at_or_above(steps: np.ndarray, curve: np.ndarray, level: float) -> int | None:
    reached = np.flatnonzero(curve >= level)
    return int(steps[reached[0]]) if len(reached) else None


def value_at(steps: np.ndarray, curve: np.ndarray, step: int) -> float:
    hit = np.flatnonzero(steps == step)
    return float(curve[hit[0]]) if len(hit) else float("nan")


def solo_time_to_solved(run: Path) -> dict[str, float | None]:
    """First step ≥ SOLVED of a solo run, with training and evaluation seconds up to it."""
    rows = read_progress(run)
    timing = {int(r["step"]): r for r in read_timing(run)}
    steps = np.array([int(r["step"]) for r in rows])
    first = first_step_at_or_above(steps, np.array([r["eval_return_mean"] for r in rows]),
                                   SOLVED)
    if first is None:
        return {"step": None, "train_seconds": None, "eval_seconds": None}
    return {"step": first, "train_seconds": timing[first]["train_seconds"],
            "eval_seconds": timing[first]["eval_seconds"]}


def fmt(x: float | None, spec: str = ".1f", missing: str = "—") -> str:
    return missing if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def results_table(seeds: list[int], steps: np.ndarray, returns: np.ndarray,
                  solo: dict[int, dict[str, float | None]], last_step: int) -> tuple[str, bool]:
    """The markdown table and PASS/FAIL lines; also returns whether every criterion passed."""
    checkpoints = [MEDIAN_BY, ALL_SEEDS_BY, last_step]
    header = (["seed", "first step ≥ −200", "below −200 after?", "lowest after"]
              + [f"return at {s // 1000}k" for s in checkpoints]
              + ["solo: first step ≥ −200", "solo: train s to −200", "solo: eval s"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    firsts, collapsed = [], []
    for i, seed in enumerate(seeds):
        curve = returns[i]
        first = first_step_at_or_above(steps, curve, SOLVED)
        after = curve[steps >= first] if first is not None else np.array([])
        drops = bool((after < SOLVED).any())
        firsts.append(first)
        collapsed.append(drops)
        t = solo.get(seed, {})
        lines.append("| " + " | ".join(
            [str(seed), fmt(first, "d", "never"), "yes" if drops else "no",
             fmt(float(after.min()) if len(after) else None)]
            + [fmt(value_at(steps, curve, s)) for s in checkpoints]
            + [fmt(t.get("step"), "d", "never" if t else "—"), fmt(t.get("train_seconds")),
               fmt(t.get("eval_seconds"))]) + " |")

    median_curve = np.median(returns, axis=0)
    reached = [f for f in firsts if f is not None]
    median_first = float(np.median([f if f is not None else np.inf for f in firsts]))
    solo_seconds = [t["train_seconds"] for t in solo.values()]
    solo_eval = [t["eval_seconds"] for t in solo.values()]
    solo_steps = [t["step"] for t in solo.values()]
    median_seconds = (float(np.median([s if s is not None else np.inf for s in solo_seconds]))
                      if solo else None)
    lines.append("| " + " | ".join(
        ["**median**", fmt(median_first, ".0f", "never"), f"{sum(collapsed)} of {len(seeds)}",
         ""]
        + [fmt(value_at(steps, median_curve, s)) for s in checkpoints]
        + [fmt(float(np.median([s if s is not None else np.inf for s in solo_steps]))
               if solo else None, ".0f"),
           fmt(median_seconds), fmt(float(np.median([e for e in solo_eval if e is not None]))
                                    if any(e is not None for e in solo_eval) else None)])
        + " |")

    every_seed = (len(reached) == len(seeds) and max(reached) <= ALL_SEEDS_BY
                  and not any(collapsed))
    median_step = first_step_at_or_above(steps, median_curve, SOLVED)
    final_median = value_at(steps, median_curve, last_step)
    checks = [
        (every_seed, f"every seed ≥ −200 by {ALL_SEEDS_BY:,} steps and never below after: "
                     f"latest first step {fmt(max(reached) if reached else None, 'd', 'never')}"
                     f", {sum(collapsed)} seed(s) drop below −200 afterwards"),
        (median_step is not None and median_step <= MEDIAN_BY,
         f"median over seeds ≥ −200 by {MEDIAN_BY:,} steps: first at "
         f"{fmt(median_step, 'd', 'never')}"),
        (final_median >= FINAL_MEDIAN,
         f"median at {last_step:,} steps ≥ −{-FINAL_MEDIAN:.0f}: {final_median:.1f}"),
    ]
    if solo:
        checks.append((median_seconds is not None and median_seconds <= MAX_MEDIAN_SECONDS,
                       f"median wall-clock training time to −200 ≤ {MAX_MEDIAN_SECONDS:.0f} s: "
                       f"{fmt(median_seconds)} s (evaluation not counted)"))
    lines.append("")
    lines += [f"- {'PASS' if ok else 'FAIL'}: {text}" for ok, text in checks]
    return "\n".join(lines), all(ok for ok, _ in checks)


SHIPPED_RUN = ROOT / "checkpoints" / "pendulum"


def shipped_table(run: Path = SHIPPED_RUN, optimum_file: Path = OPTIMAL_FILE) -> str:
    """The Pendulum-v1 results table of docs/results.md, from a shipped run folder alone.

    Per seed: the first evaluation at or above −200, whether a later one falls below it, the
    evaluation return at 6,000 and 10,000 steps and the mean of the evaluations from 16,000 steps
    to the end (a window: one evaluation is a snapshot of a noisy curve); then the median and the
    mean ± standard error (ddof 1) over seeds. The caption line gives the optimum on the same
    start states. Written by ``python -m benchmarks.doc_tables``.
    """
    from ddpg_numpy.pendulum import load_ground_truth
    from ddpg_numpy.study.intervals import standard_error, window_mean

    rows = read_progress(run)
    seeds = sorted({int(r["seed"]) for r in rows})
    steps, returns = curves_of(rows, seeds)
    last = int(steps[-1])
    window = (last - 4000, last)
    firsts, falls, at6, at10, late = [], [], [], [], []
    lines = ["| seed | first evaluation ≥ −200 (step) | below −200 afterwards | return at 6,000 "
             f"steps | at 10,000 | mean of the evaluations {window[0]:,}–{window[1]:,} |",
             "|---|---|---|---|---|---|"]
    for i, seed in enumerate(seeds):
        first = first_step_at_or_above(steps, returns[i], SOLVED)
        fell = first is not None and bool((returns[i][steps >= first] < SOLVED).any())
        firsts.append(first)
        falls.append(fell)
        at6.append(value_at(steps, returns[i], 6000))
        at10.append(value_at(steps, returns[i], 10_000))
        late.append(window_mean(steps, returns[i], *window))
        lines.append(f"| {seed} | {fmt(first, ',d', 'never')} | {'yes' if fell else 'no'} | "
                     f"{at6[-1]:.1f} | {at10[-1]:.1f} | {late[-1]:.1f} |")
    reached = [f for f in firsts if f is not None]
    median_first = (f"{np.median(reached):,.0f}" if len(reached) == len(seeds)
                    else f"{len(reached)} of {len(seeds)} reach it")
    lines.append(f"| **median** | {median_first} | {sum(falls)} of {len(seeds)} | "
                 f"{np.median(at6):.1f} | {np.median(at10):.1f} | {np.median(late):.1f} |")
    lines.append(f"| **mean ± s.e.** | | | {np.mean(at6):.1f} ± {standard_error(at6):.1f} | "
                 f"{np.mean(at10):.1f} ± {standard_error(at10):.1f} | "
                 f"{np.mean(late):.1f} ± {standard_error(late):.1f} |")
    episodes = int(read_config_json(run)["config"]["eval_episodes"])
    optimum = load_ground_truth(optimum_file).eval_returns[:episodes].mean()
    lines += ["", f"{len(seeds)} seeds, {last:,} steps, evaluation every "
              f"{int(steps[1] - steps[0]):,} steps on {episodes} fixed start states; the optimal "
              f"controller (dynamic programming) averages {optimum:.1f} on them. s.e.: standard "
              "error of the mean over seeds (ddof 1)."]
    return "\n".join(lines)


def shipped_summary(run: Path = SHIPPED_RUN, optimum_file: Path = OPTIMAL_FILE) -> str:
    """Two sentences for README's results summary, from the same shipped run as
    ``shipped_table``. Written by ``python -m benchmarks.doc_tables``."""
    from ddpg_numpy.pendulum import load_ground_truth
    from ddpg_numpy.study.intervals import standard_error, window_mean

    rows = read_progress(run)
    seeds = sorted({int(r["seed"]) for r in rows})
    steps, returns = curves_of(rows, seeds)
    last = int(steps[-1])
    firsts = [first_step_at_or_above(steps, curve, SOLVED) for curve in returns]
    stays = sum(f is not None and bool((curve[steps >= f] >= SOLVED).all())
                for f, curve in zip(firsts, returns))
    late = [window_mean(steps, curve, last - 4000, last) for curve in returns]
    episodes = int(read_config_json(run)["config"]["eval_episodes"])
    optimum = load_ground_truth(optimum_file).eval_returns[:episodes].mean()
    latest = max((f for f in firsts if f is not None), default=None)

    def minus(x: float) -> str:
        return f"{x:.1f}".replace("-", "−")

    return (f"DDPG with the Pendulum-v1 preset, {len(seeds)} seeds: {stays} of {len(seeds)} "
            f"first reach −200 within {fmt(latest, ',d', 'never')} steps and never fall below it; "
            f"over the evaluations from {last - 4000:,} to {last:,} steps they average "
            f"{minus(np.mean(late))} ± {standard_error(late):.1f} (standard error over seeds), "
            f"where the optimal controller averages {minus(optimum)} on the same {episodes} "
            "start states.")


def plot_curves(run: Path, path: Path, label: str = "preset", algo: str = "ddpg") -> None:
    """All seeds' learning curves with their median and interquartile range: the whole run,
    and the same zoomed in on the criteria (where a collapse below −200 would show)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ddpg_numpy.plots import plot_runs, save_figure, style

    lines = {"−200 (swings up and holds)": SOLVED,
             f"−{-FINAL_MEDIAN:.0f} (median at 20k)": FINAL_MEDIAN}
    if OPTIMAL_FILE.exists():
        with np.load(OPTIMAL_FILE) as data:
            optimal = float(data["eval_returns"].mean())
        lines[f"optimal controller (−{-optimal:.1f})"] = optimal
    with style():
        fig, (whole, zoom) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    for ax, title in ((whole, "the whole run"), (zoom, "zoomed in on the criteria")):
        plot_runs([run], labels=[label], companions=False, axes=[ax],
                  reference_lines=lines, title=f"{algo.upper()} on {ENV_ID}: {title}")
        ax.set_ylabel("mean return over 50 fixed start states")
    zoom.set_ylim(-260, -125)
    zoom.get_legend().remove()
    save_figure(fig, path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-4"),
                        help="seeds, e.g. 0-4 (default) or 5-9")
    parser.add_argument("--steps", type=int, default=20_000, help="environment steps (20000)")
    parser.add_argument("--solo-steps", type=int, default=ALL_SEEDS_BY,
                        help="steps of each solo timing run (default 10000; 0: no solo runs)")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "learning",
                        help="folder for the run folders and learning_results.md "
                             "(replaced if it exists)")
    parser.add_argument("--figure", type=Path, default=None,
                        help="where to write the learning curves (default: in --out; the "
                             "committed figure is figures/pendulum_learning_curves.png, drawn "
                             "by `python -m ddpg_numpy figures` from the same runs)")
    parser.add_argument("--algo", choices=sorted(CONFIGS), default="ddpg",
                        help="ddpg (default) or td3: whose Pendulum-v1 preset to run")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes for the seeds of the stacked run (default 1)")
    parser.add_argument("--set", dest="overrides", type=parse_override, action="append",
                        default=[], metavar="NAME=VALUE",
                        help="try a change to the preset, e.g. --set noise=ou (repeatable)")
    args = parser.parse_args(argv)
    args.figure = args.figure or args.out / "pendulum_learning_5seeds.png"
    if args.steps < ALL_SEEDS_BY or args.steps % 1000:
        parser.error(f"--steps must be a multiple of 1000 and at least {ALL_SEEDS_BY}")
    overrides = dict(args.overrides)
    try:
        cfg = benchmark_config(args.algo, **dict(overrides))
    except (TypeError, ValueError) as e:
        parser.error(f"--set: {e} (fields: see DDPGConfig and TD3Config in "
                     "ddpg_numpy/core/config.py)")
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    load_before = os.getloadavg()

    tick = time.perf_counter()
    train(ENV_ID, cfg, args.steps, seeds=args.seeds, out=args.out / "stacked", progress=False,
          workers=min(args.workers, len(args.seeds)))
    stacked_seconds = time.perf_counter() - tick
    steps, returns = curves_of(read_progress(args.out / "stacked"), args.seeds)
    print(f"stacked run of {len(args.seeds)} seeds: {stacked_seconds:.0f} s", flush=True)

    solo = {}
    for seed in args.seeds if args.solo_steps else []:
        run = args.out / f"solo_seed{seed}"
        train(ENV_ID, cfg, args.solo_steps, seed=seed, out=run, progress=False)
        solo[seed] = solo_time_to_solved(run)
        print(f"solo seed {seed}: {solo[seed]}", flush=True)
    load_after = os.getloadavg()

    table, passed = results_table(args.seeds, steps, returns, solo, args.steps)
    seeds_text = ",".join(map(str, args.seeds))
    if len(args.seeds) > 1 and args.seeds == list(range(args.seeds[0], args.seeds[-1] + 1)):
        seeds_text = f"{args.seeds[0]}-{args.seeds[-1]}"  # 0-4 rather than 0,1,2,3,4
    command = ("python benchmarks/learning.py"
               + (f" --algo {args.algo}" if args.algo != "ddpg" else "")
               + f" --seeds {seeds_text} --steps {args.steps} --solo-steps {args.solo_steps}"
               + (f" --workers {args.workers}" if args.workers != 1 else "")
               + "".join(f" --set {k}={v!r}" for k, v in overrides.items()))
    what = "preset" + (" with " + ", ".join(f"{k}={v!r}" for k, v in overrides.items())
                       if overrides else "")
    report = "\n".join([
        f"## {args.algo.upper()} on {ENV_ID}, {what}, seeds {seeds_text}",
        "",
        f"Made by `{command}`. Evaluation: deterministic policy on {cfg.eval_episodes} fixed "
        "start states "
        "every 1,000 steps (an optimal controller: −134.5). Curves from one stacked run; "
        f"times from solo runs of {args.solo_steps:,} steps (training only; evaluation time "
        "in its own column).",
        "",
        table,
        "",
        f"Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"shared; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after. "
        f"Stacked {len(args.seeds)}-seed run: {stacked_seconds:.0f} s including evaluation. "
        "Wall-clock times are single measurements on a shared machine: expect ±30 %.",
        "",
        "Config: `" + repr(CONFIGS[args.algo].preset(ENV_ID, **overrides)) + "`",
    ])
    print("\n" + report)
    (args.out / "learning_results.md").write_text(report + "\n")
    plot_curves(args.out / "stacked", args.figure, what, args.algo)
    print(f"\nwrote {args.out / 'learning_results.md'} and {args.figure}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
