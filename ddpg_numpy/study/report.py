"""``python -m ddpg_numpy sweep-report runs/NAME``: the table and figure of a sweep.

Each seed's score is its mean evaluation return over the window the spec names (``[report]
window = [first, last]``, both ends included: ``intervals.window_mean``); per cell group (task,
algorithm and variant) the table gives the mean and the interquartile mean (IQM) of those
scores over the seeds, each with its stratified-bootstrap 95 % interval (``intervals.summarize``,
rliable). A seed counts once its run has logged an evaluation at or after the window's last step;
the table says how many seeds each group has and which are still missing.

The run folders are read with the run folder's own readers (``lab.run_folder``), so our runs and
the PyTorch peer's (same columns) are read alike. Writes ``report.md``, ``report.csv`` and
``report.png`` (``plots/sweep.py``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..lab.run_folder import progress_columns, replace_text
from .intervals import DEFAULT_REPS, RliableMissing, summarize, window_mean
from .spec import SPEC_COPY, Spec, SpecError, load_spec

COLUMNS = ["task", "group", "n", "seeds", "mean", "mean_low", "mean_high", "iqm", "iqm_low",
           "iqm_high", "missing"]


@dataclass
class Group:
    """One task's group over seeds: the seeds' curves and window means."""

    task: str
    group: str
    seeds: list[int] = field(default_factory=list)  # the seeds whose run covers the window
    scores: list[float] = field(default_factory=list)  # their window means, in seed order
    missing: list[int] = field(default_factory=list)  # seeds without the whole window yet
    curves: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def collect(spec: Spec, out: Path) -> list[Group]:
    """Every group of the spec with its seeds' curves (as far as they go) and window means."""
    if spec.window is None:
        raise SpecError(f"{spec.path} names no window for the report: add [report] with "
                        "window = [first, last] (environment steps)")
    groups: dict[tuple[str, str], Group] = {}
    for cell in spec.cells:
        first, last = spec.window[cell.task]
        group = groups.setdefault((cell.task, cell.group), Group(cell.task, cell.group))
        try:
            columns = progress_columns(cell.folder(out))
        except (FileNotFoundError, ValueError):
            group.missing.append(cell.seed)
            continue
        mine = columns["seed"] == cell.seed
        steps, returns = columns["step"][mine], columns["eval_return_mean"][mine]
        group.curves[cell.seed] = (steps, returns)
        if steps.size and steps.max() >= last:
            group.seeds.append(cell.seed)
            group.scores.append(window_mean(steps, returns, first, last))
        else:
            group.missing.append(cell.seed)
    return list(groups.values())


def table_rows(groups: list[Group], reps: int = DEFAULT_REPS) -> list[dict]:
    """One row per group (COLUMNS); the intervals need 2 or more seeds, else they stay empty.
    reps: bootstrap resamples per group."""
    try:
        summaries = summarize({f"{g.task}/{g.group}": np.array(g.scores) for g in groups
                               if len(g.scores) >= 2}, reps=reps)
    except RliableMissing as e:  # the command line prints ModuleNotFoundError as one line
        raise ModuleNotFoundError(str(e)) from None
    rows = []
    for g in groups:
        row = {"task": g.task, "group": g.group, "n": len(g.scores),
               "seeds": " ".join(map(str, g.seeds)),
               "missing": " ".join(map(str, g.missing))}
        summary = summaries.get(f"{g.task}/{g.group}")
        if summary is not None:
            row.update(summary.as_row())
        elif g.scores:
            row.update(mean=float(np.mean(g.scores)), iqm=float(np.mean(g.scores)))
        rows.append(row)
    return rows


def markdown(rows: list[dict], spec: Spec, command: str, reps: int = DEFAULT_REPS) -> str:
    windows = set(spec.window.values())
    span = (f"steps {min(windows)[0]:,}–{min(windows)[1]:,}" if len(windows) == 1
            else "the task's window (column window)")
    lines = [f"Made by `{command}` from the spec {spec.path.name}"
             + (f" ({spec.description})" if spec.description else "") + ".",
             "",
             f"Each seed's score: its mean evaluation return over {span}. Mean "
             "and IQM over seeds, each with its stratified-bootstrap 95 % interval (rliable, "
             f"{reps:,} resamples; none with fewer than 2 seeds).",
             "",
             "| task | algorithm | window | seeds | mean [95 % CI] | IQM [95 % CI] | not yet in |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        first, last = spec.window[r["task"]]
        lines.append(f"| {r['task']} | {r['group']} | {first:,}–{last:,} | {r['n']} | "
                     f"{_interval(r, 'mean')} | {_interval(r, 'iqm')} | {r['missing'] or '—'} |")
    return "\n".join(lines) + "\n"


def _interval(row: dict, name: str) -> str:
    if name not in row:
        return "—"
    if f"{name}_low" not in row:
        return f"{row[name]:,.1f}"
    return f"**{row[name]:,.1f}** [{row[f'{name}_low']:,.1f}, {row[f'{name}_high']:,.1f}]"


def report_csv(rows: list[dict]) -> str:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.3f}" if isinstance(v, float) else v) for k, v in row.items()
                         if k in COLUMNS})
    return text.getvalue()


def report_command(sweep: Path, spec_path: Path | None, out: Path | None,
                   reps: int = DEFAULT_REPS) -> int:
    """``sweep-report``: print the table; write report.md, report.csv and report.png."""
    from ..lab.options import check_can_write
    from ..plots.style import save_figure
    from ..plots.sweep import plot_sweep
    if not sweep.is_dir():
        raise FileNotFoundError(f"no sweep folder {sweep}: give the --out of a sweep")
    spec = load_spec(spec_path or sweep / SPEC_COPY, check_tasks=False)
    out = out or sweep
    check_can_write(out, "the report", "--out", folder=True)
    groups = collect(spec, sweep)
    if not any(g.scores for g in groups):
        raise ValueError(f"no run in {sweep} has reached the window's last step "
                         "yet: see python -m ddpg_numpy sweep "
                         f"{spec.path} --out {sweep} --status")
    rows = table_rows(groups, reps)
    command = f"python -m ddpg_numpy sweep-report {sweep}" + (
        f" --spec {spec_path}" if spec_path else "") + (
        f" --reps {reps}" if reps != DEFAULT_REPS else "")
    text = markdown(rows, spec, command, reps)
    out.mkdir(parents=True, exist_ok=True)
    replace_text(out / "report.md", text)
    replace_text(out / "report.csv", report_csv(rows))
    figure = plot_sweep(_curves(groups), spec.window,
                        {t: {r["group"]: r for r in rows if r["task"] == t and "mean_low" in r}
                         for t in dict.fromkeys(r["task"] for r in rows)})
    save_figure(figure, out / "report.png")
    print(text)
    print(f"wrote {out / 'report.md'}, {out / 'report.csv'} and {out / 'report.png'}")
    return 0


def _curves(groups: list[Group]) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """task -> group -> (steps (T,), returns (S, T)), seeds aligned on the union of steps."""
    curves: dict[str, dict] = {}
    for g in groups:
        if not g.curves:
            continue
        steps = np.unique(np.concatenate([s for s, _ in g.curves.values()]))
        returns = np.full((len(g.curves), len(steps)), np.nan)
        for i, (s, r) in enumerate(g.curves.values()):
            returns[i, np.searchsorted(steps, s)] = r
        curves.setdefault(g.task, {})[g.group] = (steps, returns)
    return curves
