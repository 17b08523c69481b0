"""The two graders of the classroom kit, grade.py and nbgrader, agree — on honest submissions and on
tampered ones — and grade.py survives what a real batch of submissions holds.

nbgrader is not a dependency of the package. Where it is importable, its own ``determine_grade``
and a full generate_assignment/autograde cycle are compared with grade.py; elsewhere those two
tests are skipped, and grade.py's copy of nbgrader's scoring rule is checked against the rule's
cases written out here.
"""

from __future__ import annotations

import copy
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_exercises import EXERCISES, grader

from ddpg_numpy.teach.graded_kernel import KERNEL_NAME, install_kernel

NOTEBOOK = "02_critic.ipynb"  # three exercises, and quick to run
SOLUTION = nbformat.read(EXERCISES / "solutions" / NOTEBOOK, as_version=4)
STUDENT = nbformat.read(EXERCISES / "student" / NOTEBOOK, as_version=4)
TIMEOUT = 10  # seconds per cell, for both graders
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def answer(exercise: str) -> str:
    """The reference answer cell of an exercise (the markers are comments: it runs as it is)."""
    return next(c.source for c in SOLUTION.cells if grade_id(c) == exercise)


def stub(exercise: str) -> str:
    """The exercise as handed out: its function still raises NotImplementedError."""
    return next(c.source for c in STUDENT.cells if grade_id(c) == exercise)


def submission(answers: dict[str, str | list[str]],
               checks: dict[str, str | None] | None = None):
    """The student notebook with the given answer cells (a list: the cell split in several, each
    with the cell's metadata, as Jupyter's "split cell" leaves them), and check cells edited
    (source) or deleted (None)."""
    nb = nbformat.from_dict(STUDENT)
    for index in range(len(nb.cells) - 1, -1, -1):
        cell = nb.cells[index]
        if grade_id(cell) in answers:
            parts = answers[grade_id(cell)]
            parts = [parts] if isinstance(parts, str) else parts
            cell.source = parts[-1]
            for part in reversed(parts[:-1]):
                head = copy.deepcopy(cell)
                head.source, head["id"] = part, nbformat.v4.new_code_cell().id
                nb.cells.insert(index, head)
    for check, source in (checks or {}).items():
        index = next(i for i, c in enumerate(nb.cells) if grade_id(c) == check)
        if source is None:
            del nb.cells[index]
        else:
            nb.cells[index].source = source
    return nb


HONEST = {e: answer(e) for e in ("bellman_target", "critic_loss_and_grad",
                                 "critic_action_gradient")}
STDERR_WRITES = answer("bellman_target").replace(
    '    """\n',
    '    """\n    import sys\n\n    print("debugging:", rewards.shape, file=sys.stderr)\n', 1)
WARNS = answer("critic_loss_and_grad").replace(
    '    """\n', '    """\n    import warnings\n    warnings.warn("a warning from my answer")\n', 1)
LOOPS = answer("critic_loss_and_grad").replace('    """\n', '    """\n    while True:\n'
                                               '        pass\n', 1)
# An answer that looks for nbgrader's gradebook above its folder and gives every grade 100 points;
# both graders' kernels refuse to open it (grade.py's guard, nbgrader's ddpg-numpy-graded kernel).
ATTACKS_THE_GRADEBOOK = answer("bellman_target") + '''

import os
import sqlite3

here = os.getcwd()
for _ in range(4):
    here = os.path.dirname(here)
    if os.path.exists(os.path.join(here, "gradebook.db")):
        try:
            with sqlite3.connect(os.path.join(here, "gradebook.db")) as db:
                db.execute("UPDATE grade SET manual_score = 100")
        except (OSError, sqlite3.Error) as err:
            print("refused:", err)
'''
# Each: (answers, checks, {exercise: honest?}); an exercise scores only if its answer is honest.
SUBMISSIONS = {
    "honest": (HONEST, None, {"bellman_target": True, "critic_loss_and_grad": True,
                              "critic_action_gradient": True}),
    "writes_to_stderr": ({**HONEST, "bellman_target": STDERR_WRITES,
                          "critic_loss_and_grad": WARNS}, None,
                         {"bellman_target": True, "critic_loss_and_grad": True,
                          "critic_action_gradient": True}),
    "redefines_checkers": (
        {**HONEST,
         "bellman_target": stub("bellman_target") + "\n\ncheck_bellman_target = lambda fn: True",
         "critic_action_gradient": stub("critic_action_gradient")
         + "\n\n\ndef check_critic_action_gradient(fn, *args, **kwargs):\n    return None"},
        None, {"bellman_target": False, "critic_loss_and_grad": True,
               "critic_action_gradient": False}),
    "edits_a_check": ({**HONEST, "bellman_target": stub("bellman_target")},
                      {"check_bellman_target": "pass  # no check"},
                      {"bellman_target": False, "critic_loss_and_grad": True,
                       "critic_action_gradient": True}),
    "deletes_a_check": ({**HONEST, "critic_loss_and_grad": stub("critic_loss_and_grad")},
                        {"check_critic_loss_and_grad": None},
                        {"bellman_target": True, "critic_loss_and_grad": False,
                         "critic_action_gradient": True}),
    "attacks_the_gradebook": ({**HONEST, "bellman_target": ATTACKS_THE_GRADEBOOK}, None,
                              {"bellman_target": True, "critic_loss_and_grad": True,
                               "critic_action_gradient": True}),
    "splits_a_cell": ({**HONEST, "critic_action_gradient": [
        "import numpy as np  # the first half of a split cell", HONEST["critic_action_gradient"]]},
        None, {"bellman_target": True, "critic_loss_and_grad": True,
               "critic_action_gradient": True}),
    "loops_forever": ({**HONEST, "critic_loss_and_grad": LOOPS}, None,
                      {"bellman_target": True, "critic_loss_and_grad": False,
                       "critic_action_gradient": True}),
}
POINTS = {grade_id(c).removeprefix("check_"): float(c.metadata["nbgrader"]["points"])
          for c in SOLUTION.cells if c.metadata.get("nbgrader", {}).get("grade")}


def write_submissions(folder: Path) -> list[Path]:
    paths = []
    for student, (answers, checks, _) in SUBMISSIONS.items():
        path = folder / student / NOTEBOOK
        path.parent.mkdir(parents=True)
        nbformat.write(submission(answers, checks), path)
        paths.append(path)
    return paths


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graded_by_grade_py(tmp_path_factory):
    """{student: {exercise: points}} and the printed report, from one executed grade.py run."""
    folder = tmp_path_factory.mktemp("submissions")
    paths = write_submissions(folder)
    out = folder / "grades.csv"
    stdout = subprocess.run(
        [sys.executable, str(EXERCISES / "grade.py"), *map(str, paths), "--csv", str(out),
         "--timeout", str(TIMEOUT)], capture_output=True, text=True, check=True,
        cwd=folder).stdout
    scores: dict[str, dict[str, float]] = {}
    for row in read_csv(out):
        if row["exercise"] == "flagged":  # a row for the instructor to review, no points
            continue
        scores.setdefault(row["student"], {})[row["exercise"].removeprefix("check_")] = float(
            row["points"])
    return scores, stdout


def test_grade_py_scores_only_honest_answers(graded_by_grade_py):
    scores, stdout = graded_by_grade_py
    expected = {student: {e: POINTS[e] if honest else 0.0 for e, honest in which.items()}
                for student, (_, _, which) in SUBMISSIONS.items()}
    assert scores == expected
    assert "Cell output is" not in stdout
    assert f"the cell ran longer than {TIMEOUT} s" in stdout  # the loop, recorded
    assert "check_bellman_target was edited; the release's check ran" in stdout
    assert "check_critic_loss_and_grad was missing; the release's check ran" in stdout
    assert "(bellman_target) mentions 'check_bellman_target ='" in stdout
    total = sum(POINTS.values())
    assert "Totals per student:" in stdout and f"  honest {'':17s} {total:g}/{total:g}" in stdout


def test_nbgrader_gives_every_submission_the_same_points(graded_by_grade_py, tmp_path):
    pytest.importorskip("nbgrader", reason="nbgrader is not installed (pip install nbgrader)")
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    (course / "source" / "ps").mkdir(parents=True)
    shutil.copy(EXERCISES / "solutions" / NOTEBOOK, course / "source" / "ps" / NOTEBOOK)
    (course / "nbgrader_config.py").write_text(  # the settings README.md asks for
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.Execute.timeout = {TIMEOUT}\n"
        "c.OverwriteCells.add_missing_cells = True\n"
        f"c.Execute.kernel_name = {KERNEL_NAME!r}\n")
    kernels = install_kernel(tmp_path / "jupyter").parent.parent  # .../share/jupyter

    def nbgrader(*args: str) -> str:
        env = {**os.environ, "PATH": os.pathsep.join(  # nbgrader runs `alembic` from PATH
            [str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            "JUPYTER_PATH": str(kernels)}
        done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--force"], cwd=course,
                              capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout + done.stderr

    nbgrader("generate_assignment", "ps")
    for student, (answers, checks, _) in SUBMISSIONS.items():  # submitted/<student>/<assignment>
        folder = course / "submitted" / student / "ps"
        folder.mkdir(parents=True)
        nbformat.write(submission(answers, checks), folder / NOTEBOOK)
    # A split or copied cell carries its nbgrader metadata: without this step nbgrader 0.9.6 aborts
    # the whole run (default settings) or fails that student (add_missing_cells).
    prepared = subprocess.run([sys.executable, str(EXERCISES / "grade.py"),
                               "--prepare-for-nbgrader",
                               *map(str, sorted((course / "submitted").glob("*/ps/*.ipynb")))],
                              capture_output=True, text=True, check=True).stdout
    assert "splits_a_cell/ps/02_critic.ipynb: cell 10: a copy of critic_action_gradient, now a " \
        "plain cell" in prepared
    log = nbgrader("autograde", "ps")
    assert "Cell output is" not in log  # the checkers display nothing
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        by_nbgrader = {student: {g.name.removeprefix("check_"): g.score for g in
                                 gradebook.find_submission_notebook(
                                     NOTEBOOK.removesuffix(".ipynb"), "ps", student).grades
                                 if g.name.startswith("check_")}
                       for student in SUBMISSIONS}
    assert by_nbgrader == graded_by_grade_py[0]
    assert "refused: grading: sqlite3.connect on" in (
        course / "autograded" / "attacks_the_gradebook" / "ps" / NOTEBOOK).read_text()


# --- nbgrader's scoring rule ------------------------------------------------------------------

def check_cell_with(outputs: list) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("check()", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 3, "grade_id": "check_x",
        "schema_version": 3}})
    cell.outputs, cell.execution_count = outputs, 1
    return cell


def stream(name: str, text: str):
    return nbformat.v4.new_output("stream", name=name, text=text)


def result(text: str):
    return nbformat.v4.new_output("execute_result", data={"text/plain": text}, execution_count=1)


ERROR = nbformat.v4.new_output("error", ename="ExerciseFailed", evalue="✘ x: wrong",
                               traceback=[])
RULE = [  # (outputs, nbgrader's points out of 3)
    ([], 3.0),
    ([stream("stdout", "✔ x: all 2 checks passed\n")], 3.0),
    ([stream("stdout", "✔\n"), stream("stderr", "a warning\n")], 0.0),  # stderr costs it all
    ([stream("stdout", "✘\n"), ERROR], 0.0),
    ([result("True")], 3.0),  # not a number: full points (and nbgrader warns)
    ([result("1.5")], 1.5),  # a number: partial credit
    ([result("-1")], 3.0),
    ([result("1.5"), ERROR], 1.5),  # the first deciding output wins
]


@pytest.mark.parametrize("outputs, points", RULE)
def test_grade_py_scores_a_check_cell_by_nbgraders_rule(outputs, points):
    assert grader.cell_score(check_cell_with(outputs), 3.0) == points


@pytest.mark.parametrize("outputs, points", RULE)
def test_grade_py_scores_a_check_cell_as_nbgrader_itself(outputs, points):
    utils = pytest.importorskip("nbgrader.utils", reason="nbgrader is not installed")
    assert utils.determine_grade(check_cell_with(outputs)) == (points, 3.0)


# --- grade.py on a real batch -----------------------------------------------------------------

def executed_solution(folder: Path, name: str, student: str) -> Path:
    path = folder / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXERCISES / "solutions" / NOTEBOOK, path)
    return path


def test_grade_py_records_an_odd_file_and_grades_the_rest(tmp_path, capsys):
    renamed = executed_solution(tmp_path, "02_critic (1).ipynb", "ada")
    unknown = executed_solution(tmp_path, "homework.ipynb", "bob")
    broken = tmp_path / "bob" / "03_actor_and_targets.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    fine = executed_solution(tmp_path, NOTEBOOK, "bob")
    out = tmp_path / "grades.csv"
    code = grader.main([str(renamed), str(unknown), str(broken), str(fine), "--no-execute",
                        "--csv", str(out)])
    printed = capsys.readouterr()
    assert code == 2 and "2 file(s) not graded" in printed.err
    assert "graded as 02_critic.ipynb" in printed.out
    assert "homework.ipynb: NOT GRADED — no release notebook matches" in printed.out
    assert "03_actor_and_targets.ipynb: NOT GRADED — cannot read" in printed.out
    rows = read_csv(out)
    graded = [r for r in rows if r["exercise"] != "(not graded)"]
    assert [r["student"] for r in graded] == ["ada"] * 3 + ["bob"] * 3
    assert all(r["feedback"] == "✔" for r in graded)
    total = sum(POINTS.values())
    assert f"  ada {'':20s} {total:g}/{total:g}" in printed.out
    assert f"  bob {'':20s} {total:g}/{total:g}" in printed.out


def test_grade_py_writes_its_csv_after_every_notebook(tmp_path, monkeypatch, capsys):
    first = executed_solution(tmp_path, NOTEBOOK, "ada")
    second = executed_solution(tmp_path, NOTEBOOK, "bob")
    out = tmp_path / "grades.csv"
    real_grade = grader.grade

    def grade_then_stop(path, *args, **kwargs):
        if path == second:
            raise KeyboardInterrupt  # the batch is stopped while grading the second notebook
        return real_grade(path, *args, **kwargs)

    monkeypatch.setattr(grader, "grade", grade_then_stop)
    with pytest.raises(KeyboardInterrupt):
        grader.main([str(first), str(second), "--no-execute", "--csv", str(out)])
    assert [r["student"] for r in read_csv(out)] == ["ada"] * 3
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


@pytest.mark.parametrize("value", ["0", "-5", "ten"])
def test_grade_py_rejects_a_bad_timeout_with_one_line(value, capsys):
    with pytest.raises(SystemExit) as info:
        grader.main([str(EXERCISES / "solutions" / NOTEBOOK), "--timeout", value])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "Traceback" not in err
    assert f"argument --timeout: {value!r} is not a whole number of seconds > 0" in err


def test_a_submission_that_breaks_the_grader_does_not_stop_the_batch(tmp_path, monkeypatch,
                                                                     capsys):
    paths = [executed_solution(tmp_path, NOTEBOOK, student) for student in ("ada", "bob", "cy")]
    real_grade = grader.grade

    def grade_or_break(path, *args, **kwargs):
        if path == paths[1]:
            raise ValueError("partial credit 5.0 exceeds the cell's 2.0")  # as the old grader
        return real_grade(path, *args, **kwargs)

    monkeypatch.setattr(grader, "grade", grade_or_break)
    out = tmp_path / "grades.csv"
    code = grader.main([*map(str, paths), "--no-execute", "--csv", str(out)])
    printed = capsys.readouterr().out
    assert code == 2
    assert "bob/02_critic.ipynb: NOT GRADED — the grader failed on it (ValueError" in printed
    total = sum(POINTS.values())
    assert [r["student"] for r in read_csv(out) if r["exercise"] != "(not graded)"] == \
        ["ada"] * 3 + ["cy"] * 3
    assert f"  cy {'':21s} {total:g}/{total:g}" in printed
