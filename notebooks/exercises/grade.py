"""Grade submitted exercise notebooks without nbgrader, scoring exactly as nbgrader's autograder.

    python notebooks/exercises/grade.py submissions/*/0*.ipynb --csv grades.csv
    python notebooks/exercises/grade.py submissions/*/0*.ipynb --timeout 60
    python notebooks/exercises/grade.py --no-execute graded/*/0*.ipynb   # already executed

A submission is ``<student>/<notebook>.ipynb``; it is matched to its solution notebook by file
name ("02_critic (1).ipynb" and "02_critic-Copy1.ipynb" count as 02_critic.ipynb). Then, as
``nbgrader autograde`` does:

* the read-only cells (the setup and check cells) are restored from the solution notebook, so an
  edited check still counts; a deleted one is put back after its exercise (nbgrader does this
  with ``OverwriteCells.add_missing_cells = True``, see README.md);
* the notebook runs top to bottom with errors allowed (every exercise is graded) and a time
  limit per cell: a cell that runs longer is interrupted and fails, and the next cells run;
* a check cell scores by nbgrader's rule (``nbgrader.utils.determine_grade``): 0 if it shows an
  error or writes to stderr, the number it displays as partial credit, otherwise its points.

A file that cannot be graded (no matching solution, not a notebook, a dead kernel) is reported
and skipped; the rest are graded (exit code 2 if any was skipped). The CSV is rewritten
atomically after each notebook, so an interrupted batch keeps what it graded. Submissions run with
your permissions: look at them first, or run this in a container.
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import re
import sys
import tempfile
from dataclasses import astuple, dataclass, fields
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOLUTIONS = HERE / "solutions"
REPO = HERE.parent.parent
NBGRADER_TIMEOUT = 30  # seconds per cell: nbgrader's Execute.timeout default
# Names an answer has no reason to touch: the checkers, or Python's module and builtin tables.
TAMPERING = re.compile(r"\bcheck_\w+\s*=|ddpg_numpy\.teach|\bsys\.modules|\bbuiltins\b|"
                       r"__import__|\bsetattr\s*\(")


class NotGradable(Exception):
    """A file that cannot be graded; the message says why and what to do."""


@dataclass
class Result:
    student: str  # the submission's folder name
    notebook: str
    exercise: str  # the check cell's nbgrader grade_id, e.g. "check_bellman_target"
    points: float
    max_points: float
    feedback: str  # "✔", "not run", or the checker's ✘ message / the error


def grade_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


def solution_for(path: Path) -> Path:
    """The solution notebook a submission is graded against (by file name)."""
    exact = SOLUTIONS / path.name
    if exact.exists():
        return exact
    known = sorted(SOLUTIONS.glob("*.ipynb"))
    # A browser's download or Jupyter's "Make a copy" renames: "02_critic (1)", "02_critic-Copy1".
    close = [s for s in known if re.fullmatch(re.escape(s.stem) + r"([ _-]?\(\d+\)|-Copy\d+)",
                                              path.stem)]
    if len(close) == 1:
        return close[0]
    raise NotGradable(f"no solution notebook matches the name {path.name!r} (known: "
                      f"{[s.name for s in known]}); rename the file to one of these.")


def restore_cells(nb: nbformat.NotebookNode, solution: nbformat.NotebookNode) -> list[str]:
    """Put the solution's read-only cells (setup, checks) back, source and metadata, as
    nbgrader's OverwriteCells does; a deleted check cell is re-inserted after the nearest graded
    cell before it in the solution, its exercise (``add_missing_cells``). Returns warnings."""
    warnings = []
    for index, reference in enumerate(solution.cells):
        meta = reference.metadata.get("nbgrader", {})
        if not (meta.get("grade") or meta.get("locked")) or meta.get("solution"):
            continue
        fresh = copy.deepcopy(reference)
        if fresh.cell_type == "code":
            fresh.outputs, fresh.execution_count = [], None
        by_id = {c.metadata["nbgrader"]["grade_id"]: i for i, c in enumerate(nb.cells)
                 if "grade_id" in c.metadata.get("nbgrader", {})}
        grade_id = meta["grade_id"]
        if grade_id in by_id:
            if nb.cells[by_id[grade_id]].source != reference.source:
                warnings.append(f"cell {grade_id} was edited; restored")
            nb.cells[by_id[grade_id]] = fresh
        elif meta.get("grade"):
            warnings.append(f"cell {grade_id} was missing; re-inserted")
            earlier = [by_id[c.metadata["nbgrader"]["grade_id"]] for c in solution.cells[:index]
                       if c.metadata.get("nbgrader", {}).get("grade_id") in by_id]
            nb.cells.insert(max(earlier) + 1 if earlier else 0, fresh)
        else:
            warnings.append(f"cell {grade_id} was missing (not re-inserted, as by nbgrader)")
    return warnings


def suspicious_answers(nb: nbformat.NotebookNode) -> list[str]:
    """Answer cells that touch the checkers or Python's tables: worth a look by hand (graded
    as they are, like nbgrader, so that the two graders agree)."""
    return [f"answer {c.metadata['nbgrader']['grade_id']} mentions "
            f"{TAMPERING.search(c.source).group(0)!r}: review it by hand"
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
            and TAMPERING.search(c.source)]


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


def read_results(nb: nbformat.NotebookNode, notebook: str, student: str = "") -> list[Result]:
    """Points per check cell of an executed notebook."""
    results = []
    for cell in grade_cells(nb):
        meta = cell.metadata["nbgrader"]
        max_points = float(meta.get("points", 0))
        if cell.get("execution_count") is None and not cell.get("outputs"):
            points, feedback = 0.0, "not run"
        else:
            points, feedback = cell_score(cell, max_points), feedback_of(cell)
        results.append(Result(student, notebook, meta["grade_id"], points, max_points, feedback))
    return results


def execute(nb: nbformat.NotebookNode, folder: Path, timeout: int = NBGRADER_TIMEOUT) -> None:
    """Run every cell (errors allowed), in ``folder``, with this repository importable, as
    nbgrader's Execute preprocessor does: a cell past ``timeout`` seconds is interrupted and
    gets a CellTimeoutError."""
    from nbclient import NotebookClient

    def record_timeout(cell: nbformat.NotebookNode, cell_index: int, execute_reply: dict) -> None:
        content = execute_reply["content"]
        if content["status"] == "error" and not any(
                o.output_type == "error" and o.ename == content["ename"] for o in cell.outputs):
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename=content["ename"], evalue=content["evalue"],
                traceback=content["traceback"]))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   interrupt_on_timeout=True, on_cell_executed=record_timeout,
                   error_on_timeout={"ename": "CellTimeoutError",
                                     "evalue": f"the cell ran longer than {timeout} s",
                                     "traceback": [f"CellTimeoutError: over {timeout} s"]},
                   resources={"metadata": {"path": str(folder)}}).execute(env=env)


def grade(path: Path, run: bool = True, timeout: int = NBGRADER_TIMEOUT
          ) -> tuple[list[Result], list[str]]:
    """(results per check cell, warnings) for one submission; NotGradable if it cannot be."""
    solution_path = solution_for(path)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as err:  # unreadable JSON, not a notebook, ...
        raise NotGradable(f"cannot read {path.name} as a notebook ({type(err).__name__}: "
                          f"{err}); ask for the .ipynb file again.") from None
    warnings = [] if solution_path.name == path.name else [f"graded as {solution_path.name}"]
    if run:
        warnings += restore_cells(nb, nbformat.read(solution_path, as_version=4))
        warnings += suspicious_answers(nb)
        try:
            execute(nb, path.parent, timeout)
        except Exception as err:  # a dead kernel, a kernel that would not start
            raise NotGradable(f"running it failed ({type(err).__name__}: {err}); grade it by "
                              "hand or rerun with a longer --timeout.") from None
    return read_results(nb, path.name, path.parent.name), warnings


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
    parser.add_argument("--no-execute", action="store_true",
                        help="read the outputs already in the notebooks instead of running them")
    parser.add_argument("--csv", type=Path, help="also write one row per check to this file")
    parser.add_argument("--timeout", type=positive_seconds, default=NBGRADER_TIMEOUT,
                        help="seconds a cell may run before it is interrupted and fails "
                             f"(default {NBGRADER_TIMEOUT}, nbgrader's; use the same value "
                             "as c.Execute.timeout in nbgrader_config.py)")
    args = parser.parse_args(argv)
    rows: list[Result] = []
    skipped: list[str] = []
    for path in args.notebooks:
        try:
            results, warnings = grade(path, run=not args.no_execute, timeout=args.timeout)
        except NotGradable as err:
            skipped.append(f"{path}: {err}")
            print(f"{path}: NOT GRADED — {err}")
            rows.append(Result(path.parent.name, path.name, "(not graded)", 0.0, 0.0, str(err)))
        else:
            rows += results
            total, best = sum(r.points for r in results), sum(r.max_points for r in results)
            print(f"{path}: {total:g}/{best:g}")
            for warning in warnings:
                print(f"  warning: {warning}")
            for r in results:
                print(f"  {r.exercise:<32s} {r.points:g}/{r.max_points:g}  {r.feedback}")
        if args.csv:
            write_csv(rows, args.csv)
    print("\nTotals per student:")
    for student in dict.fromkeys(r.student for r in rows):
        mine = [r for r in rows if r.student == student]
        print(f"  {student or '.':<24s} {sum(r.points for r in mine):g}/"
              f"{sum(r.max_points for r in mine):g}")
    if skipped:
        print(f"\n{len(skipped)} file(s) not graded (see above); the others were.",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
