"""What each sweep executor costs before a cell trains: start-up time and memory.

    python benchmarks/sweep_overhead.py [--repeats 3]   # docs/sweeps.md gives their magnitudes

* a local cell: one ``python -m ddpg_numpy train`` process; timed here for a 1-step run (imports,
  environments, agent, run folder: everything but the training), wall-clock and CPU seconds, and
  its peak memory (maximum resident set size);
* Ray (optional extra): ``ray.init`` of a local Ray of 2 CPUs until a first task has run, and the
  memory of the processes Ray starts (the resident set sizes of the driver's child processes,
  summed: GCS, raylet, agents, the first worker). A cell on Ray then starts the same train
  process as a local cell, inside its Ray worker.

Medians of ``--repeats`` runs. Start-up time depends on the machine and its load; the script
prints the load average beside the numbers.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def local_cell() -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of one 1-step train process."""
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        tick = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ddpg_numpy", "train", "--env", "Pendulum-v1",
                        "--steps", "1", "--out", str(Path(tmp) / "run"), "--no-progress"],
                       cwd=ROOT, check=True, capture_output=True)
        wall = time.perf_counter() - tick
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024  # Linux: kilobytes


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def ray_start() -> tuple[float, float]:
    """(seconds from ray.init to a first task's result, MB of the processes Ray started)."""
    code = f"""
import os, time, sys
sys.path.insert(0, {str(ROOT)!r}); from benchmarks.sweep_overhead import _descendants, _rss_mb
from ddpg_numpy.study.executors import RAY_ENVIRONMENT
os.environ.update(RAY_ENVIRONMENT)
import ray
tick = time.perf_counter()
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
ray.get(ray.remote(lambda: 1).remote())
seconds = time.perf_counter() - tick
print(seconds, sum(_rss_mb(p) for p in _descendants(os.getpid())))
ray.shutdown()
"""
    with tempfile.TemporaryDirectory(prefix="ray") as tmp:
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, text=True,
                             capture_output=True, env={**os.environ, "RAY_TMPDIR": tmp})
    seconds, mb = map(float, out.stdout.split()[-2:])
    return seconds, mb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    local = [local_cell() for _ in range(args.repeats)]
    print(f"local cell (python -m ddpg_numpy train, 1 step): "
          f"{statistics.median(r[0] for r in local):.1f} s wall, "
          f"{statistics.median(r[1] for r in local):.1f} s CPU, "
          f"{statistics.median(r[2] for r in local):.0f} MB peak")
    try:
        import ray  # noqa: F401
    except ImportError:
        print("Ray: not installed (pip install -e '.[ray]')")
    else:
        runs = [ray_start() for _ in range(args.repeats)]
        print(f"local Ray of 2 CPUs (ray.init to a first task's result): "
              f"{statistics.median(r[0] for r in runs):.1f} s, "
              f"{statistics.median(r[1] for r in runs):.0f} MB in Ray's processes")
    print(f"medians of {args.repeats}; load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
