"""DDPG updates per second: NumPy (fast path and plain code) against a plain PyTorch update.

    python benchmarks/update_speed.py [--rounds 7] [--seconds 1] [--figure figures/update_speed.png]
    python benchmarks/update_speed.py --algo td3 [--rounds 7] [--seconds 1]

``--algo td3`` times one TD3 update (T8–T13) instead, at CleanRL's shape (256-256, batch 256)
and CleanRL's values (the action entering the critic's input, Adam 3e-4 without weight decay,
τ = 0.005, σ̃ = 0.2, c = 0.5, d = 2), against CleanRL's PyTorch update
(``benchmarks/torch_td3_baseline.py``); the ratio is taken against PyTorch on 1 thread, and the
table's threshold column checks it against 1.5×.

One update = L12–L15 on a fixed float32 minibatch (critic step, actor step, both soft target
updates; sampling is not timed), obs 17 → act 6 (HalfCheetah's sizes), the paper's learning
rates and weight decay, at four shapes: hidden 256-256 and 400-300, batch 64 and 256.

Contenders, timed in interleaved rounds (each round runs every contender for ``--seconds``, so a
busy moment of a shared machine hits all of them alike); the table gives the median round:

* NumPy fast path (``ddpg_numpy/fast/update.py``) and the plain code (``DDPG.update``,
  ``update_for(agent, fast=False)``), NumPy's BLAS on 1 thread (threadpoolctl), as in training; and
  the fast path on 2 BLAS threads, for comparison (it helps on an idle machine and collapses
  when the other core is busy, which is why training uses one);
* PyTorch (``benchmarks/torch_baseline.py``, written the usual way with autograd) with 1 and 2
  intra-op threads, only when torch is installed. The ratio column divides the fast path by the
  *better* of the two PyTorch figures.

A second table gives the same rounds per CPU-second of the calling thread, for the
single-threaded contenders: on a shared machine it shows the speed with a core to oneself.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from benchmarks.timing import time_updates  # noqa: E402
from benchmarks.torch_baseline import make_torch_update, torch_available  # noqa: E402
from benchmarks.torch_td3_baseline import CLEANRL, make_torch_td3_update  # noqa: E402
from ddpg_numpy.fast import blas_description, make_update  # noqa: E402

SHAPES = [((256, 256), 64), ((256, 256), 256), ((400, 300), 64), ((400, 300), 256)]
OBS_DIM, ACT_DIM = 17, 6
# Thresholds in updates/s: 1.6× and 2.3× a plain PyTorch 2.13 update on 2 threads of a 2-core
# x86-64 CPU with OpenBLAS (94 updates/s at 400-300/256, 242 at 256-256/64); on another CPU the
# ratio column is the figure to compare.
THRESHOLDS = {((400, 300), 256): 150.0, ((256, 256), 64): 550.0}
TD3_SHAPES = [((256, 256), 256)]  # CleanRL's networks and batch
TD3_THRESHOLD_RATIO = 1.5  # the TD3 fast path ≥ 1.5× PyTorch (CleanRL's way), both on 1 thread
# Our TD3 configured as CleanRL's td3_continuous_action.py (TD3Config's own defaults already
# are σ̃ = 0.2, c = 0.5, d = 2, γ = 0.99): the same work in both.
TD3_AS_CLEANRL = {"critic_action_layer": 0, "critic_weight_decay": 0.0,
                  "actor_lr": CLEANRL["learning_rate"], "critic_lr": CLEANRL["learning_rate"],
                  "tau": CLEANRL["tau"]}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def openblas_environment() -> str:
    """The OPENBLAS_* variables that choose kernels and cache sizes, as set for this run."""
    names = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    found = [f"{n}={os.environ[n]}" for n in names if n in os.environ]
    return " ".join(found) if found else "no OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (auto-detected)"


def contenders(hidden: tuple[int, int], batch: int, with_torch: bool, plain: bool,
               numpy_two_threads: bool, algo: str = "ddpg") -> dict:
    """name -> (update function, context manager to run it in, runs on one thread?)."""
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    def blas_threads(n):
        return lambda: threadpool_limits(limits=n, user_api="blas")

    ours = TD3_AS_CLEANRL if algo == "td3" else {}
    fast = make_update(OBS_DIM, ACT_DIM, hidden, batch, "float32", fast_path=True,
                       algorithm=algo, **ours)
    runs = {"NumPy fast path": (fast, blas_threads(1), True)}
    if plain:
        runs["NumPy plain code"] = (make_update(OBS_DIM, ACT_DIM, hidden, batch, "float32",
                                                fast_path=False, algorithm=algo, **ours),
                                    blas_threads(1), True)
    if numpy_two_threads:
        runs["NumPy fast path 2 threads"] = (fast, blas_threads(2), False)
    if with_torch:
        import torch

        for threads in (1, 2):
            def torch_threads(threads=threads):
                torch.set_num_threads(threads)  # process-wide: set before each round
                return nullcontext()
            make = make_torch_td3_update if algo == "td3" else make_torch_update
            runs[f"PyTorch {threads} thread{'s' * (threads > 1)}"] = (
                make(OBS_DIM, ACT_DIM, hidden, batch, threads=threads), torch_threads,
                threads == 1)
    return runs


def one_round(update, context, warmup: int, seconds: float,
              single_thread: bool) -> tuple[float, float | None]:
    """(updates per wall-clock second, updates per CPU second of this thread or None).

    The CPU-second rate ignores time the scheduler gave to other processes, so on a busy shared
    machine it shows what the code does when it has a core; it is only meaningful for code
    running on the calling thread alone.
    """
    calls = 0

    def counted():
        nonlocal calls
        calls += 1
        return update()

    with context():
        for _ in range(warmup):
            update()
        cpu = time.thread_time()
        rate = time_updates(counted, warmup=0, min_seconds=seconds, repeats=1)[0]
        cpu = time.thread_time() - cpu
    return rate, (calls / cpu if single_thread else None)


def measure(rounds: int, seconds: float, with_torch: bool, plain: bool,
            numpy_two_threads: bool, algo: str = "ddpg") -> tuple[dict, dict]:
    """({shape: {contender: [updates/s per round]}}, the same per CPU-second)."""
    results: dict[str, dict[str, list[float]]] = {}
    cpu_results: dict[str, dict[str, list[float]]] = {}
    for hidden, batch in TD3_SHAPES if algo == "td3" else SHAPES:
        label = f"{hidden[0]}-{hidden[1]} / batch {batch}"
        runs = contenders(hidden, batch, with_torch, plain, numpy_two_threads, algo)
        rates: dict[str, list[float]] = {name: [] for name in runs}
        cpu_rates: dict[str, list[float]] = {name: [] for name, run in runs.items() if run[2]}
        for r in range(rounds):
            for name, (update, context, single) in runs.items():
                wall, cpu = one_round(update, context, 20 if r == 0 else 2, seconds, single)
                rates[name].append(wall)
                if cpu is not None:
                    cpu_rates[name].append(cpu)
        results[label], cpu_results[label] = rates, cpu_rates
        print(f"{label}: " + ", ".join(f"{n} {statistics.median(v):.0f}"
                                       for n, v in rates.items()), flush=True)
    return results, cpu_results


def table(results: dict, thresholds: bool = True, algo: str = "ddpg") -> str:
    """A markdown table, one row per shape. DDPG: the ratio against the better PyTorch and
    ``THRESHOLDS`` in updates/s; TD3: the ratio against PyTorch on 1 thread, threshold 1.5×."""
    names = list(next(iter(results.values())))
    torch_names = [n for n in names if n.startswith("PyTorch")]
    if algo == "td3":
        torch_names = [n for n in torch_names if n == "PyTorch 1 thread"]
    header = ["hidden / batch", *[f"{n}: median (best)" for n in names]]
    if torch_names:
        header.append("fast path ÷ PyTorch 1 thread" if algo == "td3"
                      else "fast path ÷ better PyTorch")
    if thresholds:
        header.append("threshold")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (shape, batch), (label, rates) in zip(TD3_SHAPES if algo == "td3" else SHAPES,
                                              results.items()):
        med = {n: statistics.median(v) for n, v in rates.items()}
        row = [label, *[f"**{med[n]:.0f}** ({max(rates[n]):.0f})" for n in names]]
        ratio = None
        if torch_names:
            best = max(torch_names, key=med.get)
            ratio = med["NumPy fast path"] / med[best]
            row.append(f"{ratio:.2f}× (vs {best})")
        if thresholds and algo == "td3":
            above = "" if ratio is None else (" ✔" if ratio >= TD3_THRESHOLD_RATIO else " ✘")
            row.append(f"≥ {TD3_THRESHOLD_RATIO}×{above}")
        elif thresholds:
            threshold = THRESHOLDS.get((shape, batch))
            row.append(f"≥ {threshold:.0f}" if threshold else "—")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def plot(results: dict, cpu_results: dict, path: Path, subtitle: str,
         algo: str = "ddpg") -> None:
    """Grouped bars per shape: wall-clock medians (left) and per CPU-second (right), log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from ddpg_numpy.plots import COLORS, save_figure, style

    names = list(next(iter(results.values())))
    labels = [label.replace(" / ", "\n") for label in results]
    x = np.arange(len(labels))
    width = 0.8 / len(names)
    with style():
        fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), sharey=True)
        for ax, data, title in ((axes[0], results, "wall clock: median round (whiskers min–max)"),
                                (axes[1], cpu_results, "per CPU-second of the thread "
                                                       "(single-threaded only)")):
            for i, name in enumerate(names):
                if name not in next(iter(data.values())):
                    continue
                rates = [data[label][name] for label in data]
                med = np.array([statistics.median(r) for r in rates])
                lo = med - np.array([min(r) for r in rates])
                hi = np.array([max(r) for r in rates]) - med
                ax.bar(x + (i - (len(names) - 1) / 2) * width, med, width, yerr=[lo, hi],
                       capsize=3, label=name, color=COLORS[i], error_kw={"elinewidth": 1})
            ax.set_xticks(x, labels)
            ax.set_yscale("log")
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("hidden layers / minibatch (obs 17 → act 6, float32)")
        axes[0].set_ylabel(f"{algo.upper()} updates per second (log scale)")
        handles, names_ = axes[0].get_legend_handles_labels()
        fig.legend(handles, names_, loc="lower center", ncol=len(names),
                   bbox_to_anchor=(0.5, -0.15))
        lines = "T8–T13" if algo == "td3" else "L12–L15"
        fig.suptitle(f"One {algo.upper()} update ({lines}), NumPy vs PyTorch on a CPU\n"
                     + subtitle,
                     fontsize=11, y=1.04)
        save_figure(fig, path)
        plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algo", choices=["ddpg", "td3"], default="ddpg",
                        help="ddpg: four shapes against a plain PyTorch DDPG (default); td3: "
                             "256-256/256 against CleanRL's PyTorch TD3")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per round (1.0)")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--no-plain", action="store_true", help="skip the NumPy plain code")
    parser.add_argument("--no-two-threads", action="store_true",
                        help="skip the NumPy fast path on 2 BLAS threads")
    parser.add_argument("--figure", type=Path, default=None,
                        help="write the bar chart here (e.g. figures/update_speed.png)")
    parser.add_argument("--json", type=Path, default=None, help="write the raw rates here")
    args = parser.parse_args(argv)
    with_torch = torch_available() and not args.no_torch
    if not with_torch and not args.no_torch:
        print("PyTorch is not installed: NumPy figures only "
              "(pip install torch==2.13.0 for the comparison).")

    import numpy as np

    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M")
    results, cpu_results = measure(args.rounds, args.seconds, with_torch, not args.no_plain,
                                   not args.no_two_threads, args.algo)
    load_after = os.getloadavg()

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        versions = f"NumPy {np.__version__}, {blas_description()}"
    if with_torch:
        import torch

        versions += f"; PyTorch {torch.__version__}"
    machine = (f"{cpu_name()}, {os.cpu_count()} cores, shared; load average "
               f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; {started}")
    command = "python benchmarks/update_speed.py " + " ".join(argv if argv is not None
                                                                else sys.argv[1:])
    report = "\n".join([
        table(results, algo=args.algo), "",
        "Per CPU-second of the calling thread (the same rounds; single-threaded contenders "
        "only — what each does when it has a core to itself):", "",
        table(cpu_results, thresholds=False, algo=args.algo), "",
        f"Updates per second: median (best) of {args.rounds} interleaved rounds of "
        f"{args.seconds:g} s each. NumPy's BLAS on 1 thread unless the column says 2; the "
        f"ratio is the 1-thread fast path's. {versions}.", f"Machine: {machine}.",
        f"Command: `{command.strip()}`; environment: " + openblas_environment()])
    print("\n" + report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"results": results, "cpu_results": cpu_results,
                                         "machine": machine,
                                         "versions": versions, "command": command}, indent=1))
    if args.figure:
        plot(results, cpu_results, args.figure, f"{versions}; {machine}", args.algo)
        print(f"wrote {args.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
