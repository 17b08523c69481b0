"""A sweep: every cell of a spec as an ordinary run folder, started, resumed or skipped.

Before anything runs, each cell's folder is read: no ``config.json`` → the cell starts; a run
with the spec's task, seed, steps and config that finished (``agent.npz``) → skipped; one that
did not → resumed (``train --resume``: from its last checkpoint, logs cut back to it, so nothing
is lost and nothing is logged twice); a run another live process holds (``run.lock``) → left to
it; a run with another task, seed, steps or config → the sweep refuses, before it starts, with
one line. A second ``sweep`` of the same spec and folder continues where the first stopped.

The spec is copied to ``<out>/sweep.toml``, which ``sweep-report`` reads.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..core.config import config_from_dict
from ..lab.run_folder import (
    agent_path,
    checkpoint_step,
    has_checkpoint,
    read_config_json,
    read_progress,
    replace_text,
)
from ..lab.run_lock import RunFolderLocked, wait_until_free
from .executors import Job, run_local, run_ray
from .spec import PEER_OPTIONS, PEERS, SPEC_COPY, Cell, Spec, SpecError, load_spec

PEER_SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "peers" / "torch_peer.py"
TORCH_INSTALL = 'pip install -e ".[peer]"'


@dataclass(frozen=True)
class CellState:
    """Where one cell stands: 'new', 'partial' (resumes), 'done', 'running' (another live
    process holds its folder) or 'skipped' (a peer without torch); ``step``: its last logged
    evaluation step (None: none yet)."""

    cell: Cell
    state: str
    step: int | None = None
    detail: str = ""


def inspect(cell: Cell, out: Path) -> CellState:
    """The state of ``cell``'s folder under ``out``; a folder holding another run is a
    SpecError that names the difference."""
    folder = cell.folder(out)
    try:
        wait_until_free(folder, 0.0)
    except RunFolderLocked:
        return CellState(cell, "running", _last_step(folder), "in use by another process")
    saved = read_config_json(folder) if folder.is_dir() else None
    if saved is None:
        return CellState(cell, "new")
    _check_same_run(cell, folder, saved)
    step = _last_step(folder)
    if _finished(cell, folder):
        return CellState(cell, "done", step)
    return CellState(cell, "partial", step,
                     f"checkpoint at {checkpoint_step(folder):,}" if has_checkpoint(folder)
                     else "no checkpoint yet")


def _last_step(folder: Path) -> int | None:
    try:
        rows = read_progress(folder)
    except (OSError, ValueError, KeyError):
        return None
    return int(rows[-1]["step"]) if rows else None


def _finished(cell: Cell, folder: Path) -> bool:
    if not cell.is_peer:
        return agent_path(folder).exists()  # train writes agent.npz once, at the end
    # the peer writes no agent.npz: its last checkpoint is taken at its last step
    return has_checkpoint(folder) and checkpoint_step(folder) >= cell.steps


def _check_same_run(cell: Cell, folder: Path, saved: dict) -> None:
    """Refuse a folder whose config.json is not the cell's run (a changed spec or preset)."""
    differences = []
    if saved.get("env_id", cell.task) != cell.task:
        differences.append(f"task {saved.get('env_id')} (the spec's: {cell.task})")
    if saved.get("seeds", [cell.seed]) != [cell.seed] and saved.get("seed") != cell.seed:
        differences.append(f"seeds {saved.get('seeds')} (the spec's: [{cell.seed}])")
    if saved.get("steps", cell.steps) != cell.steps:
        differences.append(f"steps {saved.get('steps')} (the spec's: {cell.steps})")
    if cell.is_peer:  # the peer's config.json records its two options
        differences += [f"{k} {saved.get(k)!r} (the spec's: {v!r})"
                        for k, v in cell.peer_options.items() if saved.get(k, v) != v]
    try:
        theirs = config_from_dict(saved["config"]).to_dict()
    except (KeyError, TypeError, ValueError):
        theirs = {}
    mine = cell.config().to_dict()
    differences += [f"{k}={theirs.get(k)!r} (the spec's: {v!r})" for k, v in mine.items()
                    if theirs.get(k) != v][:4]
    if set(theirs) != set(mine):
        differences.append(f"algorithm (the spec's: {cell.algorithm})")
    if differences:
        raise SpecError(f"{folder} holds another run than the spec's cell: "
                        f"{'; '.join(differences)}. Sweep into another --out, or move that "
                        "folder away")


def plan(spec: Spec, out: Path) -> list[CellState]:
    """Every cell's state; peers are 'skipped' where torch or the peer's script is missing."""
    missing = (f"torch is not installed ({TORCH_INSTALL})"
               if importlib.util.find_spec("torch") is None
               else None if PEER_SCRIPT.exists() else f"{PEER_SCRIPT} is missing")
    states = []
    for cell in spec.cells:
        state = inspect(cell, out)
        if cell.is_peer and missing and state.state in ("new", "partial"):
            state = CellState(cell, "skipped", state.step, missing)
        states.append(state)
    return states


def command(cell: Cell, out: Path, resume: bool) -> list[str]:
    """The command line that trains (or resumes) ``cell``: the one a user would type."""
    folder = str(cell.folder(out))
    sets = [f"--set={name}={value!r}" for name, value in cell.config_overrides.items()]
    if cell.is_peer:  # options and values again on --resume: the peer checks they are the run's
        options = [f"--{k}={v}" for k, v in dict(cell.overrides).items() if k in PEER_OPTIONS]
        return ([sys.executable, str(PEER_SCRIPT), "--env", cell.task, "--algo",
                 PEERS[cell.algorithm], "--seed", str(cell.seed), "--steps", str(cell.steps),
                 "--out", folder, "--no-progress", *options, *sets]
                + (["--resume"] if resume else []))
    train = [sys.executable, "-m", "ddpg_numpy", "train"]
    if resume:
        return train + ["--out", folder, "--resume", "--steps", str(cell.steps), "--no-progress"]
    return train + ["--env", cell.task, "--algo", cell.algorithm, "--seed", str(cell.seed),
                    "--steps", str(cell.steps), "--out", folder, "--no-progress", *sets]


def run_sweep(spec: Spec, out: Path, workers: int, ray_address: str | None = None,
              use_ray: bool = False) -> int:
    """Run every cell that is not done; 0 if all are done at the end, 1 if a cell failed."""
    states = plan(spec, out)  # refuses a folder with another run before anything starts
    out.mkdir(parents=True, exist_ok=True)
    replace_text(out / SPEC_COPY, spec.text)
    for state in states:
        if state.state == "skipped":
            print(f"skipping {state.cell.name}: {state.detail}")
        elif state.state == "running":
            print(f"leaving {state.cell.name} to the process that holds it (run.lock)")
    todo = [s for s in states if s.state in ("new", "partial")]
    done = sum(s.state == "done" for s in states)
    print(f"{len(states)} cells: {done} done, {len(todo)} to run "
          f"({sum(s.state == 'partial' for s in todo)} resumed), on "
          + (f"Ray ({ray_address or f'a local cluster of {workers} CPUs'})" if use_ray
             else f"{workers} local process(es)"), flush=True)
    jobs = [Job(s.cell.name, command(s.cell, out, s.state == "partial"),
                s.cell.folder(out).with_suffix(".log")) for s in todo]
    finished = [0]

    def report(job: Job, code: int, seconds: float) -> None:
        finished[0] += 1
        result = "done" if code == 0 else f"FAILED (exit code {code}; see {job.log})"
        print(f"[{finished[0]}/{len(jobs)}] {job.name}: {result}, {seconds:.0f} s", flush=True)

    if not jobs:
        codes = {}
    elif use_ray:
        codes = run_ray(jobs, ray_address, workers, report)
    else:
        codes = run_local(jobs, workers, report)
    failed = [name for name, code in codes.items() if code != 0]
    if failed:
        print(f"{len(failed)} cell(s) failed: {', '.join(failed)}. Their logs are beside their "
              "folders (<folder>.log); run the same command again to retry them.",
              file=sys.stderr)
    return 1 if failed else 0


def status_lines(spec: Spec, out: Path) -> list[str]:
    """One line per task and group: which seeds are done, partial (at which step), new."""
    lines, groups = [], {}
    for state in plan(spec, out):
        groups.setdefault((state.cell.task, state.cell.group), []).append(state)
    width = max(len(f"{task}  {group}") for task, group in groups)
    for (task, group), states in groups.items():
        parts = []
        for kind in ("done", "partial", "running", "new", "skipped"):
            seeds = [s for s in states if s.state == kind]
            if seeds:
                at = ("" if kind in ("done", "new", "skipped")
                      else " (" + ", ".join(f"{s.step or 0:,}" for s in seeds) + ")")
                parts.append(f"{kind} {','.join(str(s.cell.seed) for s in seeds)}{at}")
        steps = states[0].cell.steps
        lines.append(f"{f'{task}  {group}':<{width}}  {steps:>9,} steps  " + "; ".join(parts))
    counts = {}
    for states in groups.values():
        for s in states:
            counts[s.state] = counts.get(s.state, 0) + 1
    lines.append(f"{sum(counts.values())} cells: "
                 + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
    return lines


def default_workers() -> int:
    """One cell per CPU core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def sweep_command(spec_path: Path, out: Path, workers: int | None, ray: str | None,
                  status: bool) -> int:
    """``python -m ddpg_numpy sweep``: run the spec (or, with ``status``, show the grid).
    ``ray``: None (local processes), "" (a local Ray) or a cluster's address."""
    from ..lab.options import check_can_write

    spec = load_spec(spec_path, check_tasks=not status)
    if status:
        print("\n".join(status_lines(spec, out)))
        return 0
    check_can_write(out, "the sweep's folder", "--out", folder=True)
    try:
        return run_sweep(spec, out, workers or default_workers(), ray or None, ray is not None)
    except KeyboardInterrupt:
        print(f"\nddpg-numpy sweep: interrupted. Every cell keeps its last checkpoint; continue "
              f"with the same command (python -m ddpg_numpy sweep {spec_path} --out {out}).",
              file=sys.stderr)
        return 130


def command_line(args) -> int:
    """The commands ``sweep`` and ``sweep-report`` (their options: cli_parser.py)."""
    if args.command == "sweep-report":
        from .report import report_command

        return report_command(args.sweep, args.spec, args.out, args.reps)
    return sweep_command(args.spec, args.out, args.workers, args.ray, args.status)
