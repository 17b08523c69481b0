"""Where a sweep's cells run: local processes (the default) or Ray tasks on a cluster.

Each cell is one command line (``python -m ddpg_numpy train ...``, or the PyTorch peer's), run as
a child process that writes its own run folder; the executor only decides where and when. So
both executors make the same folders byte for byte: the same command runs, on one machine or on
a node of a cluster, and a run is deterministic for its seed on one machine type.

* ``run_local``: up to ``workers`` child processes at a time on the local machine. Ctrl-C (SIGINT)
  is passed to every running cell, which keeps its last checkpoint and exits; a cell's process
  is killed with the sweep's (Linux: ``PR_SET_PDEATHSIG``), so ``kill -9`` of the sweep leaves
  no orphan writing into a folder, only checkpoints to resume.
* ``run_ray``: one Ray task per cell (1 CPU each) on the cluster at ``address`` ("auto", or
  "host:port" of ``ray start --head``), or on a local Ray started here with ``workers`` CPUs.
  Ray is an optional extra (``pip install -e ".[ray]"``), imported only inside ``run_ray``. The
  nodes must see the run folders and the Python environment at the same paths (a shared file
  system, as on a Slurm cluster).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

RAY_INSTALL = 'pip install -e ".[ray]"'
# No dashboard, no usage statistics, nothing beyond the local machine for a local Ray.
# A busy machine can take more than Ray's 30 s to start its agents: give them 2 minutes.
RAY_ENVIRONMENT = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_DISABLE_DOCKER_CPU_WARNING": "1",
                   "RAY_agent_register_timeout_ms": "120000"}
INTERRUPT_GRACE_SECONDS = 60.0  # a cell stopped by Ctrl-C gets this long to exit on its own


@dataclass(frozen=True)
class Job:
    """One cell to run: its name (task/group/seed<k>), command line and log file."""

    name: str
    command: list[str]
    log: Path


Report = Callable[[Job, int, float], None]  # (job, exit code, seconds) when a cell ends


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    """Linux: the child gets SIGKILL when the process that started it dies (kill -9 too)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: a killed sweep's cells finish on their own, holding their locks


def start_cell(job: Job, cwd: Path | None = None) -> subprocess.Popen:
    """Start ``job``'s command with its output appended to ``job.log``."""
    job.log.parent.mkdir(parents=True, exist_ok=True)
    with open(job.log, "ab") as log:
        log.write(f"$ {' '.join(job.command)}\n".encode())
        log.flush()
        return subprocess.Popen(job.command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
                                stdin=subprocess.DEVNULL,
                                preexec_fn=_die_with_parent if sys.platform == "linux" else None)


def run_local(jobs: list[Job], workers: int, report: Report) -> dict[str, int]:
    """Run ``jobs`` in order, ``workers`` at a time; returns each job's exit code by name."""
    pending, running, codes = list(jobs), {}, {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                job = pending.pop(0)
                running[job.name] = (job, start_cell(job), time.monotonic())
            time.sleep(0.1)
            for name, (job, process, started) in list(running.items()):
                if process.poll() is not None:
                    del running[name]
                    codes[name] = process.returncode
                    report(job, process.returncode, time.monotonic() - started)
    except KeyboardInterrupt:
        _stop(process for _, process, _ in running.values())
        raise
    return codes


def _stop(processes) -> None:
    """SIGINT to each cell (it keeps its last checkpoint), then wait; SIGKILL if it hangs."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + INTERRUPT_GRACE_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_ray(jobs: list[Job], address: str | None, workers: int, report: Report) -> dict[str, int]:
    """Run ``jobs`` as Ray tasks, 1 CPU each; returns each job's exit code by name."""
    for key, value in RAY_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    if address:  # `ray start` (Ray 2.60) requires its token: ~/.ray/auth_token or RAY_AUTH_TOKEN
        os.environ.setdefault("RAY_AUTH_MODE", "token")
    try:
        import ray
    except ImportError:
        raise ModuleNotFoundError(f"--ray needs the optional package ray: {RAY_INSTALL} "
                                  "(or run without --ray: local processes)") from None
    cwd = str(Path.cwd())
    for attempt in (1, 2):  # a local Ray on a busy machine can miss its 30 s start-up limit
        try:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:  # a local Ray: the local loopback only, no dashboard
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                         _node_ip_address="127.0.0.1")
            break
        except Exception as e:  # noqa: BLE001 - Ray raises a bare Exception when it cannot start
            ray.shutdown()
            if address or attempt == 2:
                where = f"the Ray cluster at {address}" if address else "a local Ray"
                raise ConnectionError(f"could not start or reach {where}: {e} (on a busy "
                                      "machine a local Ray can take over its 30 s to start: "
                                      "try again, or run without --ray)") from None

    @ray.remote(num_cpus=1, max_retries=0)
    def run_cell(command: list[str], log: str) -> int:
        job = Job(log, command, Path(log))
        process = start_cell(job, cwd=Path(cwd))
        try:
            return process.wait()
        finally:
            if process.poll() is None:  # the task was cancelled: stop the cell, keep its files
                _stop([process])

    refs, started = {}, {}
    try:
        for job in jobs:
            refs[run_cell.remote(job.command, str(job.log))] = job
            started[job.name] = time.monotonic()
        codes = {}
        while refs:
            done, _ = ray.wait(list(refs), num_returns=1)
            job = refs.pop(done[0])
            try:
                codes[job.name] = ray.get(done[0])
            except ray.exceptions.RayError as e:  # a node or worker died: the cell resumes later
                print(f"{job.name}: the Ray task failed ({type(e).__name__})", file=sys.stderr)
                codes[job.name] = 1
            report(job, codes[job.name], time.monotonic() - started[job.name])
        return codes
    except KeyboardInterrupt:
        for ref in refs:
            ray.cancel(ref)  # KeyboardInterrupt in the task: its cell gets SIGINT (above)
        ray.wait(list(refs), num_returns=len(refs), timeout=INTERRUPT_GRACE_SECONDS)
        raise
    finally:
        ray.shutdown()
