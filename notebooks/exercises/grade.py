"""Grade submitted exercise notebooks without nbgrader: run them, read the check cells.

    python notebooks/exercises/grade.py submissions/*/0*.ipynb --csv grades.csv
    python notebooks/exercises/grade.py --no-execute graded/*.ipynb   # already executed

Each notebook is matched to its solution notebook by file name. Its check cells (nbgrader grade
cells) are first restored from the solution notebook by grade_id, so an edited or deleted check
still counts; then the notebook is executed top to bottom with errors allowed (a failed check
does not stop the later ones; the exercises are independent). A check cell that ran without an
error earns its points; otherwise the feedback line of the error is reported.
Submissions run with your permissions: look at them first, or run this in a container.
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOLUTIONS = HERE / "solutions"
REPO = HERE.parent.parent


@dataclass
class Result:
    notebook: str
    exercise: str  # the check cell's nbgrader grade_id, e.g. "check_bellman_target"
    points: float
    max_points: float
    feedback: str  # "✔", "not run", or the checker's ✘ message / the error


def grade_cells(nb: nbformat.NotebookNode) -> list[tuple[int, nbformat.NotebookNode]]:
    return [(i, c) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


def restore_checks(nb: nbformat.NotebookNode, solution: nbformat.NotebookNode) -> list[str]:
    """Put the solution's check cells back (source and metadata), as nbgrader's OverwriteCells
    does; a deleted check cell is re-inserted after its exercise's solution cell. Returns
    warnings."""
    warnings = []
    by_id = {c.metadata["nbgrader"]["grade_id"]: i for i, c in enumerate(nb.cells)
             if "grade_id" in c.metadata.get("nbgrader", {})}
    for _, reference in grade_cells(solution):
        grade_id = reference.metadata["nbgrader"]["grade_id"]
        fresh = copy.deepcopy(reference)
        fresh.outputs, fresh.execution_count = [], None
        if grade_id in by_id:
            if nb.cells[by_id[grade_id]].source != reference.source:
                warnings.append(f"check cell {grade_id} was edited; restored")
            nb.cells[by_id[grade_id]] = fresh
            continue
        warnings.append(f"check cell {grade_id} was missing; re-inserted")
        exercise = grade_id.removeprefix("check_")
        after = by_id.get(exercise, len(nb.cells) - 1)
        nb.cells.insert(after + 1, fresh)
        by_id = {c.metadata["nbgrader"]["grade_id"]: i for i, c in enumerate(nb.cells)
                 if "grade_id" in c.metadata.get("nbgrader", {})}
    return warnings


def read_results(nb: nbformat.NotebookNode, name: str) -> list[Result]:
    """Points per check cell of an executed notebook."""
    results = []
    for _, cell in grade_cells(nb):
        meta = cell.metadata["nbgrader"]
        max_points = float(meta.get("points", 0))
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if errors:
            feedback = f"{errors[0].ename}: {errors[0].evalue}"
        elif cell.get("execution_count") is None:
            feedback = "not run"
        else:
            feedback = "✔"
        points = max_points if feedback == "✔" else 0.0
        results.append(Result(name, meta["grade_id"], points, max_points, feedback))
    return results


def execute(nb: nbformat.NotebookNode, folder: Path, timeout: int = 300) -> None:
    """Run every cell (errors allowed), in ``folder``, with this repository importable."""
    from nbclient import NotebookClient

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute(env=env)


def grade(path: Path, run: bool = True) -> tuple[list[Result], list[str]]:
    nb = nbformat.read(path, as_version=4)
    solution_path = SOLUTIONS / path.name
    if not solution_path.exists():
        known = sorted(p.name for p in SOLUTIONS.glob("*.ipynb"))
        raise FileNotFoundError(f"{path}: no solution notebook {solution_path.name} to grade "
                                f"against (known: {known}); keep the original file names.")
    warnings = []
    if run:
        warnings = restore_checks(nb, nbformat.read(solution_path, as_version=4))
        execute(nb, path.parent)
    return read_results(nb, str(path)), warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--no-execute", action="store_true",
                        help="read the outputs already in the notebooks instead of running them")
    parser.add_argument("--csv", type=Path, help="also write one row per check to this file")
    args = parser.parse_args(argv)
    rows: list[Result] = []
    for path in args.notebooks:
        results, warnings = grade(path, run=not args.no_execute)
        rows += results
        total, best = sum(r.points for r in results), sum(r.max_points for r in results)
        print(f"{path}: {total:g}/{best:g}")
        for warning in warnings:
            print(f"  warning: {warning}")
        for r in results:
            print(f"  {r.exercise:<32s} {r.points:g}/{r.max_points:g}  {r.feedback}")
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["notebook", "exercise", "points", "max_points", "feedback"])
            writer.writerows([r.notebook, r.exercise, r.points, r.max_points, r.feedback]
                             for r in rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
