"""Generate the student notebooks in student/ from the solution notebooks in solutions/.

    python notebooks/exercises/make_student_notebooks.py           # (re)write student/*.ipynb
    python notebooks/exercises/make_student_notebooks.py --check   # exit 1 if any is stale

The solution notebooks are the single source of truth. Each student notebook is its solution
notebook passed through what ``nbgrader generate_assignment`` does to the cells, reproduced here
so that nbgrader is not needed (it is a heavy dependency):

* LockCells: grade (checker) cells become undeletable and read-only, solution cells undeletable;
* ClearSolutions: in solution cells, every region between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` becomes ``# YOUR CODE HERE`` + ``raise NotImplementedError()``, indented
  like the BEGIN line (a solution cell without markers is replaced entirely); markers in a cell
  not marked as a solution are an error, as in nbgrader;
* ClearOutput: outputs and execution counts are removed (also the execution timing metadata
  nbclient records, so that re-executing a solution notebook does not make its student
  notebook stale);
* CheckCellMetadata: grade ids are valid and unique, grade cells have points.

One step is not nbgrader's: links to the repository's other files (the lecture notebooks,
docs/pseudocode.md) become plain text naming the file, because a student who has the handout and a
``pip install`` of the package has no such files, and a link to nothing is worse than none.

nbgrader's database steps (checksums, saving cells) are left to nbgrader: instructors who use it
copy solutions/*.ipynb into their course's source/<assignment>/ and run
``nbgrader generate_assignment <assignment>`` (see README.md).
"""

from __future__ import annotations

import argparse
import copy
import posixpath
import re
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOLUTIONS, STUDENTS = HERE / "solutions", HERE / "student"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"  # nbgrader's default for Python
TEXT_STUB = "YOUR ANSWER HERE"
GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")
REPOSITORY = "the ddpg-numpy repository"
FOLDER = "notebooks/exercises/student"  # where the links of a student notebook are relative to
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def unlink_repository_files(markdown: str) -> str:
    """``[text](../../02_critic.ipynb)`` → ``text (`notebooks/02_critic.ipynb` in the
    repository)``; web links and anchors stay links."""
    def plain(match: re.Match[str]) -> str:
        text, target = match.groups()
        if re.match(r"[a-z]+:|#", target):
            return match.group(0)
        path = posixpath.normpath(posixpath.join(FOLDER, target.split("#")[0]))
        if text.strip("`") == path or text.strip("`").endswith(posixpath.basename(path)):
            return f"`{path}` of {REPOSITORY}"
        return f"{text} (`{path}` in {REPOSITORY})"
    return _LINK.sub(plain, markdown)


def nbgrader_flags(cell: nbformat.NotebookNode) -> tuple[bool, bool, bool]:
    """(solution, grade, locked) as nbgrader reads them from the cell metadata."""
    meta = cell.metadata.get("nbgrader", {})
    solution, grade = bool(meta.get("solution")), bool(meta.get("grade"))
    return solution, grade, not solution and (grade or bool(meta.get("locked")))


def clear_solution_regions(source: str, cell_type: str, where: str) -> tuple[str, bool]:
    """Replace each BEGIN/END SOLUTION region with the stub, indented like the BEGIN line.

    Returns (new source, whether a region was replaced). Same rules as nbgrader's
    ClearSolutions: the markers must be alone on their line; no nesting; no missing END.
    """
    stub = (CODE_STUB if cell_type == "code" else TEXT_STUB).split("\n")
    lines, in_solution, replaced = [], False, False
    for line in source.split("\n"):
        if line.strip() == BEGIN:
            if in_solution:
                raise ValueError(f"{where}: nested '{BEGIN}' (close the first region first).")
            in_solution = replaced = True
            indent = line[:line.find(BEGIN)]
            lines += [indent + stub_line for stub_line in stub]
        elif line.strip() == END:
            in_solution = False
        elif not in_solution:
            lines.append(line)
    if in_solution:
        raise ValueError(f"{where}: '{BEGIN}' without a matching '{END}'.")
    return "\n".join(lines), replaced


def student_version(solution_nb: nbformat.NotebookNode, name: str = "notebook"
                    ) -> nbformat.NotebookNode:
    """The student notebook made from a solution notebook (the input is not modified)."""
    nb = copy.deepcopy(solution_nb)
    grade_ids: set[str] = set()
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        solution, grade, locked = nbgrader_flags(cell)
        if solution or grade or locked:  # CheckCellMetadata
            grade_id = cell.metadata["nbgrader"].get("grade_id", "")
            if not GRADE_ID.match(grade_id):
                raise ValueError(f"{where}: invalid nbgrader grade_id {grade_id!r} (use letters, "
                                 "digits, _ and -).")
            if grade_id in grade_ids:
                raise ValueError(f"{where}: duplicate nbgrader grade_id {grade_id!r}.")
            grade_ids.add(grade_id)
            if grade and not isinstance(cell.metadata["nbgrader"].get("points"), int | float):
                raise ValueError(f"{where}: grade cell {grade_id!r} needs numeric 'points'.")
        if solution:  # LockCells
            cell.metadata["deletable"] = False
        elif grade or locked:
            cell.metadata["deletable"] = False
            cell.metadata["editable"] = False
        source, replaced = clear_solution_regions(cell.source, cell.cell_type, where)
        if replaced and not solution:  # ClearSolutions
            raise ValueError(f"{where}: a solution region in a cell not marked as an nbgrader "
                             "solution cell (set metadata.nbgrader.solution = true).")
        if solution and not replaced:
            source = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
        cell.source = unlink_repository_files(source) if cell.cell_type == "markdown" else source
        if cell.cell_type == "code":  # ClearOutput
            cell.outputs = []
            cell.execution_count = None
            for key in ("collapsed", "scrolled", "execution"):
                cell.metadata.pop(key, None)
    nb.metadata.pop("celltoolbar", None)
    return nb


def expected_students(solutions: Path = SOLUTIONS) -> dict[str, str]:
    """{file name: text of its student notebook} for every solution notebook."""
    paths = sorted(solutions.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"no solution notebooks in {solutions}")
    return {p.name: nbformat.writes(student_version(nbformat.read(p, as_version=4), p.name))
            + "\n" for p in paths}


def stale_notebooks(solutions: Path = SOLUTIONS, students: Path = STUDENTS) -> list[str]:
    """Student notebooks that are missing, out of date, or have no solution notebook."""
    expected = expected_students(solutions)
    problems = []
    for name, text in expected.items():
        path = students / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{name}: out of date with solutions/{name}")
    problems += [f"{p.name}: no solutions/{p.name}" for p in sorted(students.glob("*.ipynb"))
                 if p.name not in expected]
    return problems


def write_students(solutions: Path = SOLUTIONS, students: Path = STUDENTS) -> list[Path]:
    students.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in expected_students(solutions).items():
        path = students / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 listing student notebooks that are stale")
    parser.add_argument("--solutions", type=Path, default=SOLUTIONS)
    parser.add_argument("--students", type=Path, default=STUDENTS)
    args = parser.parse_args(argv)
    if args.check:
        problems = stale_notebooks(args.solutions, args.students)
        for problem in problems:
            print(f"stale: {problem}")
        if problems:
            print("Regenerate with: python notebooks/exercises/make_student_notebooks.py")
            return 1
        print(f"student notebooks are up to date with {args.solutions}")
        return 0
    for path in write_students(args.solutions, args.students):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
