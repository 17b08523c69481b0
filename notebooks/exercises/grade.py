"""Grade submitted exercise notebooks without nbgrader, scoring each check as nbgrader's autograder.

    python notebooks/exercises/grade.py submissions/*/0*.ipynb --csv grades.csv
    python notebooks/exercises/grade.py submissions/*/0*.ipynb --timeout 60
    python notebooks/exercises/grade.py --release course/source/ps submissions/*/0*.ipynb
    python notebooks/exercises/grade.py --prepare-for-nbgrader course/submitted/*/ps/*.ipynb

A submission is ``<student>/<notebook>.ipynb``; it is matched to its release notebook (by default
solutions/) by file name ("02_critic (1).ipynb" and "02_critic-Copy1.ipynb" count as
02_critic.ipynb). The release is read once, before the first submission, and is the only source of
what is graded:

* the check cells, their points and their source come from the release, never from the
  submission. A submission's extra, renamed, duplicated or re-typed grade cells, and edited or
  deleted checks, earn nothing and are reported; the release's setup cell runs first;
* the student's other code cells run in their order (answer cells copied or split included), and
  then the release's checks, so each check sees the student's final definitions;
* everything runs in a throw-away folder, in a kernel that cannot write the instructor's files and
  does not have the repository on its import path (``ddpg_numpy.teach.sandbox``). A cell that
  kills the kernel costs only itself (or, a check, its own points);
* a check scores by nbgrader's rule (``nbgrader.utils.determine_grade``: 0 if it shows an error or
  writes to stderr) and only if the package's own checker, unpatched, passed it: the grading guard
  (``ddpg_numpy.teach.guard``) signs every genuine pass; frame inspection, input transformers and
  patched checkers are flagged, one CSV row per flag.

A file that cannot be graded (no matching release notebook, not a notebook, a kernel that would not
start) is reported and skipped, and so is any failure of the grader itself on one file: the batch
always goes on (exit code 2 if any was skipped). The CSV is rewritten atomically after each
notebook, so an interrupted batch keeps what it graded. ``--no-execute`` reads outputs already in
the notebooks: use it only on notebooks this script or nbgrader executed, never on submissions
(their outputs can be typed in).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import re
import sys
import tempfile
from dataclasses import astuple, dataclass, field, fields
from pathlib import Path

import nbformat

from ddpg_numpy.teach.sandbox import Executed, SandboxError, run_isolated

HERE = Path(__file__).resolve().parent
SOLUTIONS = HERE / "solutions"
NBGRADER_TIMEOUT = 30  # seconds per cell: nbgrader's Execute.timeout default
# Code an exercise answer has no reason for: the checkers, Python's tables, frames, IPython's
# cell transformers, killing the kernel. Flagged "review by hand" in any student cell.
TAMPERING = re.compile(
    r"\bcheck_\w+\s*=|ddpg_numpy\.teach|\bsys\.modules|\bbuiltins\b|__import__|\bsetattr\s*\(|"
    r"\bimportlib\b|\bvars\s*\(|\bglobals\s*\(|_getframe|currentframe|\binspect\.|\bf_back\b|"
    r"\bf_locals\b|\btb_frame\b|\bgc\.|input_transformers|ast_transformers|\bget_ipython\b|"
    r"\bctypes\b|\bos\._exit\b|\bsettrace\b|\bsetprofile\b|\bsys\.audit|\bexec\s*\(|"
    r"\beval\s*\(|\bcompile\s*\(")


class NotGradable(Exception):
    """A file that cannot be graded; the message says why and what to do."""


@dataclass
class Result:
    student: str  # the submission's folder name
    notebook: str
    exercise: str  # the release's check id, e.g. "check_bellman_target"; "flagged" for a flag
    points: float
    max_points: float
    feedback: str  # "✔", "not run", the checker's ✘ message / the error, or what was flagged


@dataclass
class Check:
    grade_id: str
    source: str
    points: float


@dataclass
class ReleaseNotebook:
    """What the instructor's release says about one notebook: all that is graded."""

    name: str
    setup: list[str]  # the read-only code cells (the imports), run before the student's cells
    checks: list[Check]
    locked_ids: set[str] = field(default_factory=set)  # read-only, not graded (the setup cell)

    @classmethod
    def read(cls, path: Path) -> ReleaseNotebook:
        nb = nbformat.read(path, as_version=4)
        setup, checks, locked = [], [], set()
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or meta.get("solution"):
                continue
            if meta.get("grade"):
                checks.append(Check(meta["grade_id"], cell.source, float(meta["points"])))
            elif meta.get("locked"):
                setup.append(cell.source)
                locked.add(meta["grade_id"])
        return cls(path.name, setup, checks, locked)


def read_release(folder: Path) -> dict[str, ReleaseNotebook]:
    return {p.name: ReleaseNotebook.read(p) for p in sorted(folder.glob("*.ipynb"))}


def release_for(path: Path, release: dict[str, ReleaseNotebook]) -> ReleaseNotebook:
    """The release notebook a submission is graded against (by file name)."""
    if path.name in release:
        return release[path.name]
    # A browser's download or Jupyter's "Make a copy" renames: "02_critic (1)", "02_critic-Copy1".
    close = [r for name, r in release.items() if re.fullmatch(
        re.escape(Path(name).stem) + r"([ _-]?\(\d+\)|-Copy\d+)", path.stem)]
    if len(close) == 1:
        return close[0]
    raise NotGradable(f"no release notebook matches the name {path.name!r} (known: "
                      f"{sorted(release)}); rename the file to one of these.")


def nbgrader_meta(cell: nbformat.NotebookNode) -> dict:
    meta = cell.metadata.get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def plan(nb: nbformat.NotebookNode, release: ReleaseNotebook
         ) -> tuple[list[str], list[str], list[str]]:
    """(the student's code cells to run, a label for each, warnings). Cells holding a check or
    the setup (by grade id, or a check's source under another id) are left out: the release's
    run instead. Every grade cell of the submission is reported; none earns anything."""
    check_ids = {c.grade_id: c for c in release.checks}
    check_sources = {c.source.strip(): c.grade_id for c in release.checks}
    sources, labels, warnings = [], [], []
    seen: dict[str, list[nbformat.NotebookNode]] = {}
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        meta = nbgrader_meta(cell)
        grade_id = str(meta.get("grade_id", ""))
        if grade_id in check_ids or grade_id in release.locked_ids:
            seen.setdefault(grade_id, []).append(cell)
            continue
        if cell.source.strip() in check_sources:
            warnings.append(f"cell {index} ({grade_id or 'no id'}) is a copy of "
                            f"{check_sources[cell.source.strip()]}: earns nothing")
            continue
        if meta.get("grade"):
            warnings.append(f"cell {index} ({grade_id or 'no id'}) is marked as a grade cell "
                            f"worth {meta.get('points', 0)} points; the release has no such "
                            "check: earns nothing (its code runs as a plain cell)")
        sources.append(cell.source)
        labels.append(f"cell {index}" + (f" ({grade_id})" if grade_id else ""))
    for check in release.checks:
        copies = seen.get(check.grade_id, [])
        if not copies:
            warnings.append(f"{check.grade_id} was missing; the release's check ran")
        if len(copies) > 1:
            warnings.append(f"{check.grade_id} appears {len(copies)} times; counted once")
        if any(c.source != check.source for c in copies):
            warnings.append(f"{check.grade_id} was edited; the release's check ran")
        claimed = {nbgrader_meta(c).get("points") for c in copies} - {check.points}
        if claimed:
            warnings.append(f"{check.grade_id} claims {sorted(map(str, claimed))} points; the "
                            f"release gives {check.points:g}")
    return sources, labels, warnings


def suspicious(sources: list[str], labels: list[str]) -> list[str]:
    """Student cells that touch the checkers, Python's tables, frames or IPython: review them."""
    return [f"{label} mentions {TAMPERING.search(source).group(0)!r}: review it by hand"
            for source, label in zip(sources, labels, strict=True) if TAMPERING.search(source)]


def cell_score(cell: nbformat.NotebookNode, max_points: float) -> float:
    """nbgrader's score of an executed autograder test cell (``determine_grade``, nbgrader
    0.9.6): 0 at the first error or stderr output; the first displayed value as partial credit
    if it reads as a number in [0, max_points]; otherwise max_points."""
    for output in cell.get("outputs", []):
        if output.output_type == "error" or (output.output_type == "stream"
                                             and output.name == "stderr"):
            return 0.0
        if output.output_type == "execute_result":
            value = output.get("data", {}).get("text/plain", "")
            value = value[0] if isinstance(value, list) and len(value) == 1 else value
            try:
                partial = float(value)
            except (TypeError, ValueError):
                return max_points  # e.g. "True": nbgrader warns and gives full credit
            if partial > max_points:
                raise ValueError(f"partial credit {partial} exceeds the cell's {max_points}")
            return partial if partial >= 0 else max_points
    return max_points


def feedback_of(cell: nbformat.NotebookNode) -> str:
    """The check's ✘ message (the error), a stderr note, or ✔."""
    errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
    errors.sort(key=lambda o: o.ename != "CellTimeoutError")  # the timeout, not its interrupt
    for output in errors[:1] + cell.get("outputs", []):
        if output.output_type == "error":
            return f"{output.ename}: {output.evalue}".rstrip(": ")
        if output.output_type == "stream" and output.name == "stderr":
            return f"wrote to stderr (nbgrader scores that 0): {output.text.strip()[:200]}"
    return "✔"


def score(check: Check, done: Executed) -> tuple[float, str]:
    """Points and feedback of one executed release check: nbgrader's rule on its outputs, and
    only for a pass the guard signed, from the package's own checker, unpatched, with nothing
    flagged since the previous cell."""
    if done.status != "ran":
        return 0.0, done.status
    if done.cell.get("execution_count") is None and not done.cell.get("outputs"):
        return 0.0, "not run"
    try:
        points = cell_score(done.cell, check.points)
    except ValueError as err:
        return 0.0, f"{err} (not the checker's output): review"
    feedback = feedback_of(done.cell)
    if points == 0:
        return 0.0, feedback
    exercise = check.grade_id.removeprefix("check_")
    passes = [p for p in done.signed if p.get("kind") == "pass" and p.get("exercise") == exercise]
    if any(o.output_type == "execute_result" for o in done.cell.get("outputs", [])):
        return 0.0, "the check cell displayed a value; the checker displays none: review"
    if not passes:
        return 0.0, ("no pass from the package's checker in this cell (the cell was rewritten "
                     "or the checker replaced): review")
    problems = passes[0]["problems"] + [f"IPython's {s} changed" for s in passes[0]["shell"]]
    if problems:
        return 0.0, f"the checker was tampered with ({'; '.join(problems[:4])}): review"
    if done.lost_lines or passes[0]["flags"] != done.flags_before:
        return 0.0, "flagged while the check ran (see the flagged rows): review"
    return points, feedback


def report_flags(report: Executed | None) -> list[str]:
    """What the guard's final report says was changed by the end: the package, IPython."""
    if report is None:
        return []
    payload = next((p for p in report.signed if p.get("kind") == "report"), None)
    if payload is None:
        return ["the grading guard's final report is missing (its cell was rewritten or the "
                "output suppressed): review"]
    return ([f"by the end: {p}" for p in payload["problems"][:6]]
            + [f"by the end: IPython's {s} changed (cells rewritten before they run)"
               for s in payload["shell"]])


def flags_of(done: Executed, label: str) -> list[str]:
    return [f"{label}: {p['what']}" + (f" — at `{p['cell']}`" if p.get("cell") else "")
            for p in done.signed if p.get("kind") == "flag"]


def grade(path: Path, release: dict[str, ReleaseNotebook], run: bool = True,
          timeout: int = NBGRADER_TIMEOUT) -> tuple[list[Result], list[str]]:
    """(results per release check, then one row per flag; warnings) for one submission;
    NotGradable if it cannot be graded."""
    reference = release_for(path, release)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as err:  # unreadable JSON, not a notebook, ...
        raise NotGradable(f"cannot read {path.name} as a notebook ({type(err).__name__}: "
                          f"{err}); ask for the .ipynb file again.") from None
    student = path.parent.name
    warnings = [] if reference.name == path.name else [f"graded as {reference.name}"]
    sources, labels, notes = plan(nb, reference)
    warnings += notes + suspicious(sources, labels)
    if not run:
        return read_results(nb, reference, student), warnings
    try:
        ran, checks, restarts, report = run_isolated(
            reference.setup, sources, [c.source for c in reference.checks], timeout, labels)
    except SandboxError as err:
        raise NotGradable(f"running it failed: {err}") from None
    warnings += restarts
    results = []
    for check, done in zip(reference.checks, checks, strict=True):
        points, feedback = score(check, done)
        results.append(Result(student, reference.name, check.grade_id, points, check.points,
                              feedback))
    flagged = [f for done, label in zip(ran, labels, strict=True) for f in flags_of(done, label)]
    flagged += [f for done, c in zip(checks, reference.checks, strict=True)
                for f in flags_of(done, c.grade_id)]
    flagged += [f"{label}: {done.status}" for done, label in zip(ran, labels, strict=True)
                if done.status.startswith("killed")]
    flagged += report_flags(report)
    results += [Result(student, reference.name, "flagged", 0.0, 0.0, f) for f in flagged
                + [w for w in warnings if "review" in w or "earns nothing" in w]]
    return results, warnings


def read_results(nb: nbformat.NotebookNode, reference: ReleaseNotebook, student: str
                 ) -> list[Result]:
    """Points per release check from outputs already in ``nb`` (--no-execute): the last cell
    with the check's id and the release's source; points from the release."""
    results = []
    for check in reference.checks:
        cells = [c for c in nb.cells if c.cell_type == "code"
                 and nbgrader_meta(c).get("grade_id") == check.grade_id
                 and c.source == check.source]
        if not cells or (cells[-1].get("execution_count") is None
                         and not cells[-1].get("outputs")):
            results.append(Result(student, reference.name, check.grade_id, 0.0, check.points,
                                  "not run" if cells else "missing or edited"))
            continue
        try:
            points, feedback = cell_score(cells[-1], check.points), feedback_of(cells[-1])
        except ValueError as err:
            points, feedback = 0.0, f"{err}: review"
        results.append(Result(student, reference.name, check.grade_id, points, check.points,
                              feedback))
    return results


def prepare_for_nbgrader(path: Path) -> list[str]:
    """Make a submission safe for ``nbgrader autograde`` (0.9.6): of the cells sharing a grade id
    (a copied or split cell keeps its metadata), only the last keeps the nbgrader metadata, the
    others lose it and run as plain code, as nbgrader's DeduplicateIds intends. nbgrader itself
    leaves an empty ``nbgrader`` entry there, which aborts the whole autograde run (the default
    settings) or fails the student's assignment (``add_missing_cells``). Rewrites the file
    atomically; returns what it changed."""
    nb = nbformat.read(path, as_version=4)
    seen: set[str] = set()
    changed = []
    for index in range(len(nb.cells) - 1, -1, -1):
        meta = nb.cells[index].metadata.get("nbgrader")
        if not isinstance(meta, dict) or "grade_id" not in meta:
            if meta is not None and not meta:
                del nb.cells[index].metadata["nbgrader"]
                changed.append(f"cell {index + 1}: empty nbgrader metadata removed")
            continue
        if meta["grade_id"] in seen:
            del nb.cells[index].metadata["nbgrader"]
            changed.append(f"cell {index + 1}: a copy of {meta['grade_id']}, now a plain cell")
        seen.add(meta["grade_id"])
    if changed:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
        os.replace(tmp, path)
    return changed[::-1]


def fingerprint(paths: list[Path]) -> dict[str, str]:
    """SHA-256 of each file: the release and the package's checkers, compared after each
    submission (none can change them; if one did, the grader says so)."""
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def write_csv(rows: list[Result], path: Path) -> None:
    """All rows so far, written atomically (a temporary file renamed over the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow([f.name for f in fields(Result)])
            writer.writerows(astuple(r) for r in rows)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def positive_seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds > 0; "
                                         "e.g. --timeout 60")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path,
                        help="submitted notebooks, one folder per student")
    parser.add_argument("--release", type=Path, default=SOLUTIONS,
                        help="the instructor's notebooks with the check cells and points "
                             "(default: solutions/ beside this script)")
    parser.add_argument("--no-execute", action="store_true",
                        help="read the outputs already in the notebooks instead of running "
                             "them: only for notebooks you executed yourself, never for "
                             "submissions (outputs can be typed in)")
    parser.add_argument("--csv", type=Path, help="also write one row per check to this file")
    parser.add_argument("--timeout", type=positive_seconds, default=NBGRADER_TIMEOUT,
                        help="seconds a cell may run before it is interrupted and fails "
                             f"(default {NBGRADER_TIMEOUT}, nbgrader's; use the same value "
                             "as c.Execute.timeout in nbgrader_config.py)")
    parser.add_argument("--prepare-for-nbgrader", action="store_true",
                        help="only rewrite the notebooks so that nbgrader autograde survives "
                             "copied and split cells (see README.md), without grading")
    args = parser.parse_args(argv)
    if args.prepare_for_nbgrader:
        for path in args.notebooks:
            for change in prepare_for_nbgrader(path):
                print(f"{path}: {change}")
        return 0
    release = read_release(args.release)
    if not release:
        parser.error(f"no notebooks in the release folder {args.release}; pass --release DIR")
    watched = sorted(args.release.glob("*.ipynb")) + sorted(Path(__file__).resolve().parents[
        2].joinpath("ddpg_numpy", "teach").glob("*.py"))
    before = fingerprint(watched)
    rows: list[Result] = []
    skipped: list[str] = []
    for path in args.notebooks:
        try:
            results, warnings = grade(path, release, run=not args.no_execute,
                                      timeout=args.timeout)
        except Exception as err:  # one submission never stops the batch
            reason = str(err) if isinstance(err, NotGradable) else (
                f"the grader failed on it ({type(err).__name__}: {err}); grade it by hand")
            skipped.append(f"{path}: {reason}")
            print(f"{path}: NOT GRADED — {reason}")
            rows.append(Result(path.parent.name, path.name, "(not graded)", 0.0, 0.0, reason))
        else:
            changed = [f for f, h in fingerprint(watched).items() if before.get(f) != h]
            if changed:  # the guard refuses such writes; if one got through, say so loudly
                warnings.append(f"instructor files changed while grading it: {changed} "
                                "(later submissions are still graded from the release read "
                                "at the start): review")
                results.append(Result(path.parent.name, path.name, "flagged", 0.0, 0.0,
                                      warnings[-1]))
                before = fingerprint(watched)
            rows += results
            graded = [r for r in results if r.exercise != "flagged"]
            total, best = sum(r.points for r in graded), sum(r.max_points for r in graded)
            print(f"{path}: {total:g}/{best:g}")
            for warning in warnings:
                print(f"  warning: {warning}")
            for r in results:
                if r.exercise == "flagged":
                    print(f"  FLAGGED {r.feedback}")
                else:
                    print(f"  {r.exercise:<32s} {r.points:g}/{r.max_points:g}  {r.feedback}")
        if args.csv:
            write_csv(rows, args.csv)
    print("\nTotals per student:")
    for student in dict.fromkeys(r.student for r in rows):
        mine = [r for r in rows if r.student == student]
        flags = sum(r.exercise == "flagged" for r in mine)
        print(f"  {student or '.':<24s} {sum(r.points for r in mine):g}/"
              f"{sum(r.max_points for r in mine):g}"
              + (f"  ({flags} flagged: review)" if flags else ""))
    if skipped:
        print(f"\n{len(skipped)} file(s) not graded (see above); the others were.",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
