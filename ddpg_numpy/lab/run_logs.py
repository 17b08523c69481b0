"""progress.csv and timing.csv: the run's logs, appended row by row, cut back on resume, merged
from worker groups. Part of the run folder's format (run_folder.py has the rest).

Numbers in progress.csv are written so that they read back exactly: integers as integers, other
floats as ``repr`` (the shortest text that parses to the same float). Rows are appended; on
resume, the rows after the checkpoint and a last row a kill left half-written are dropped, the
file replaced whole (``replace_text``: a temporary file, then ``os.replace``).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .kill_points import kill_point

PROGRESS_FILE = "progress.csv"
TIMING_FILE = "timing.csv"

PROGRESS_FIELDS = ["step", "seed", "episodes", "eval_return_mean", "eval_return_std",
                   "eval_return_min", "eval_return_max", "train_return", "critic_loss",
                   "q_mean", "actor_objective", "updates"]
TIMING_FIELDS = ["step", "train_seconds", "eval_seconds"]


def append_progress(out: Path, rows: list[dict[str, float]]) -> None:
    """Append rows (dicts with PROGRESS_FIELDS) to progress.csv."""
    with open(out / PROGRESS_FILE, "a", newline="") as f:
        writer = csv.DictWriter(f, PROGRESS_FIELDS, lineterminator="\n")
        writer.writerows({k: _number_text(r[k]) for k in PROGRESS_FIELDS} for r in rows)
        _sync(f)
    kill_point("progress")


def append_timing(out: Path, step: int, train_seconds: float, eval_seconds: float) -> None:
    """Append one row to timing.csv (seconds to the millisecond)."""
    with open(out / TIMING_FILE, "a", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow([step, f"{train_seconds:.3f}",
                                                     f"{eval_seconds:.3f}"])
        _sync(f)


def _sync(f: Any) -> None:
    """On disk before the next checkpoint is written: a power cut never leaves a checkpoint
    ahead of the rows it covers (each checkpoint also carries them: run_folder.py)."""
    f.flush()
    os.fsync(f.fileno())


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def read_progress(out: Path) -> list[dict[str, float]]:
    """progress.csv as rows of floats, in file order."""
    return _read_floats(out / PROGRESS_FILE)


def read_timing(out: Path) -> list[dict[str, float]]:
    """timing.csv as rows of floats (step, train_seconds, eval_seconds), in file order."""
    return _read_floats(out / TIMING_FILE)


def progress_columns(out: str | Path) -> dict[str, np.ndarray]:
    """progress.csv as columns: name -> (rows,) floats (an empty cell reads as NaN)."""
    path = Path(out) / PROGRESS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {PROGRESS_FILE} in {out}: pass a run folder made by "
                                "python -m ddpg_numpy train --out DIR (or train(..., out=DIR)).")
    rows = _read_text(path)
    if not rows:  # a --workers run in progress: its groups' rows so far
        groups = sorted(Path(out).glob("workers/*/" + PROGRESS_FILE))
        rows = sorted((r for group in groups for r in _read_text(group)),
                      key=lambda r: int(r["step"]))
    if not rows:
        raise ValueError(f"{path} has no rows yet: the run has not reached its first "
                         "evaluation (every config.eval_every steps).")
    return {k: np.array([float(r[k]) if r[k] != "" else np.nan for r in rows]) for k in rows[0]}


def cut_logs_to_step(out: Path, step: int) -> None:
    """Drop the rows of progress.csv and timing.csv logged after ``step`` (resume replays them),
    and a last row a kill left half-written. Each file is replaced whole, atomically."""
    for name, fields in ((PROGRESS_FILE, PROGRESS_FIELDS), (TIMING_FILE, TIMING_FIELDS)):
        path = out / name
        lines = path.read_text().splitlines(keepends=True) if path.exists() else []
        rows = [ln for ln in lines[1:] if ln.endswith("\n")]
        kept = [ln for ln in rows if int(ln.split(",", 1)[0]) <= step]
        replace_text(path, ",".join(fields) + "\n" + "".join(kept), "log-cut")


def merge_group_logs(out: Path, folders: Sequence[Path], seeds: Sequence[int]) -> None:
    """out/progress.csv and timing.csv from the worker groups' run folders.

    progress rows keep the groups' own text, ordered by (step, position of the seed in
    ``seeds``); timing takes, per step, the slowest group's seconds.
    """
    seed_order = {s: i for i, s in enumerate(seeds)}
    progress = [row for folder in folders for row in _read_text(folder / PROGRESS_FILE)]
    progress.sort(key=lambda r: (int(r["step"]), seed_order[int(r["seed"])]))
    _write_text(out / PROGRESS_FILE, PROGRESS_FIELDS, progress)

    timing: dict[str, dict[str, str]] = {}
    for folder in folders:
        for row in _read_text(folder / TIMING_FILE):
            kept = timing.setdefault(row["step"], row)
            for key in ("train_seconds", "eval_seconds"):
                if float(row[key]) > float(kept[key]):
                    kept[key] = row[key]
    _write_text(out / TIMING_FILE, TIMING_FIELDS,
                sorted(timing.values(), key=lambda r: int(r["step"])))


def _read_floats(path: Path) -> list[dict[str, float]]:
    return [{k: float(v) for k, v in row.items()} for row in _read_text(path)]


def _read_text(path: Path) -> list[dict[str, str]]:
    """The rows of a log; a last row a kill (or a training under way) left half-written, with
    no newline yet, is not one."""
    text = path.read_text()
    rows = list(csv.DictReader(io.StringIO(text[:text.rfind("\n") + 1])))
    for number, row in enumerate(rows, start=2):
        if None in row.values() or None in row:  # too few cells, or too many
            cells = sum(v is not None for k, v in row.items() if k is not None)
            raise ValueError(f"{path}, line {number}, has {cells + len(row.get(None, []))} "
                             f"cells, not the header's {len(rows[0])}: restore the file as the "
                             "run wrote it")
    return rows


def _write_text(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    replace_text(path, text.getvalue())


def replace_text(path: Path, text: str, kill_point_name: str | None = None) -> None:
    """Write ``text`` to a temporary file, then move it over ``path``: readers, and a resume
    after a kill, see the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    if kill_point_name is not None:
        kill_point(kill_point_name)
    os.replace(tmp, path)
