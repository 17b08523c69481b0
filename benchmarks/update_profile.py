"""Where the fast path's update time goes: the share of matrix products, and NumPy's matrix
products against PyTorch's on the same shapes (one thread each).

    python benchmarks/update_profile.py [--algo td3] [--updates 300]

1. The fast path (DDPG, or TD3 configured as CleanRL's: ``update_speed.TD3_AS_CLEANRL``) at
   256-256, batch 256, 17 → 6, timed in CPU seconds of this thread, with every ``np.matmul`` of
   ``ddpg_numpy/fast/update.py`` timed on its own (a wrapper around the module's ``np``; the few
   products written with ``@`` count as "other"). What is not a product (ReLU and its mask,
   Adam, soft updates, the smoothing noise, Python) is the rest.
2. The products of one 256-256 layer at batch 256 in NumPy (``np.matmul(..., out=)``) and in
   PyTorch (``torch.mm(..., out=)``), best of 5 rounds, in GFLOP/s: how much of a gap between
   the two updates the matrix libraries alone explain. Skipped without PyTorch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import ddpg_numpy.fast.update as fast_update  # noqa: E402
from benchmarks.torch_baseline import torch_available  # noqa: E402
from benchmarks.update_speed import TD3_AS_CLEANRL  # noqa: E402
from ddpg_numpy.fast import blas_description, make_update  # noqa: E402

# (rows, inner, columns) of the products in a 256-256 update at batch 256: the hidden layer
# (with its folded bias: 257), the critic's input layer with the action (17 + 6 + 1 = 24).
GEMM_SHAPES = [(256, 257, 256), (256, 256, 256), (24, 256, 256)]


class _TimedNumPy:
    """Stands in for ``np`` inside fast/update.py: ``matmul`` timed, everything else NumPy's."""

    def __init__(self) -> None:
        self.nanoseconds, self.calls = 0, 0

    def __getattr__(self, name: str):
        return getattr(np, name)

    def matmul(self, *args, **kwargs):
        start = time.thread_time_ns()
        result = np.matmul(*args, **kwargs)
        self.nanoseconds += time.thread_time_ns() - start
        self.calls += 1
        return result


def matmul_share(algo: str, updates: int) -> dict[str, float]:
    """µs per update (CPU of this thread), µs of it in np.matmul, and their ratio."""
    from threadpoolctl import threadpool_limits

    timed = _TimedNumPy()
    update = make_update(17, 6, (256, 256), 256, "float32", fast_path=True, algorithm=algo,
                         **(TD3_AS_CLEANRL if algo == "td3" else {}))
    real_np, fast_update.np = fast_update.np, timed
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            for _ in range(20):
                update()
            timed.nanoseconds = timed.calls = 0
            start = time.thread_time_ns()
            for _ in range(updates):
                update()
            total = time.thread_time_ns() - start
    finally:
        fast_update.np = real_np
    return {"update_us": total / updates / 1e3, "matmul_us": timed.nanoseconds / updates / 1e3,
            "share": timed.nanoseconds / total, "calls": timed.calls / updates}


def gemm_rates(rounds: int = 5, calls: int = 300) -> list[tuple[str, float, float | None]]:
    """(shape, NumPy GFLOP/s, PyTorch GFLOP/s or None), one thread each, best of ``rounds``."""
    from threadpoolctl import threadpool_limits

    torch = None
    if torch_available():
        import torch

        torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    rows = []
    for m, k, n in GEMM_SHAPES:
        a = rng.random((m, k), dtype=np.float32)
        b = rng.random((k, n), dtype=np.float32)
        c = np.empty((m, n), np.float32)
        runs = {"numpy": lambda a=a, b=b, c=c: np.matmul(a, b, out=c)}
        if torch is not None:
            ta, tb, tc = torch.from_numpy(a), torch.from_numpy(b), torch.empty(m, n)
            runs["torch"] = lambda ta=ta, tb=tb, tc=tc: torch.mm(ta, tb, out=tc)
        rates = {}
        with threadpool_limits(limits=1, user_api="blas"):
            for name, product in runs.items():
                for _ in range(50):
                    product()
                best = float("inf")
                for _ in range(rounds):
                    start = time.perf_counter()
                    for _ in range(calls):
                        product()
                    best = min(best, (time.perf_counter() - start) / calls)
                rates[name] = 2 * m * k * n / best / 1e9
        rows.append((f"{m}×{k} · {k}×{n}", rates["numpy"], rates.get("torch")))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algo", choices=["ddpg", "td3"], default="td3",
                        help="whose fast path to profile (default td3)")
    parser.add_argument("--updates", type=int, default=300, help="timed updates (default 300)")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        print(f"NumPy {np.__version__}, {blas_description()}")
    share = matmul_share(args.algo, args.updates)
    print(f"{args.algo.upper()} fast path, 256-256, batch 256, 17 -> 6: "
          f"{share['update_us']:.0f} µs per update (CPU), of which np.matmul "
          f"{share['matmul_us']:.0f} µs = {share['share']:.0%} ({share['calls']:.1f} calls); "
          f"the rest {share['update_us'] - share['matmul_us']:.0f} µs")
    for shape, numpy_rate, torch_rate in gemm_rates():
        versus = "" if torch_rate is None else f", PyTorch {torch_rate:.0f} GFLOP/s"
        print(f"product {shape}: NumPy {numpy_rate:.0f} GFLOP/s{versus}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
