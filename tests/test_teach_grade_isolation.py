"""grade.py against submissions that try to earn points without answers, to touch the instructor's
files, or that break: only the release's checks count, each submission runs isolated, the batch
never stops, a dead kernel costs only what it killed, and every trick is flagged.

The submissions are built here from the student notebook 02 (three exercises, 2 + 2 + 3 points)
and graded in one batch by grade.py run as the instructor would run it (a subprocess, --csv).
"""

from __future__ import annotations

import ast
import copy
import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_exercises import EXERCISES, grader
from test_teach_graders import HONEST, NOTEBOOK, POINTS, STUDENT, answer, grade_id, stub

from ddpg_numpy.teach.sandbox import run_isolated

TIMEOUT = 10
FULL = {e: POINTS[e] for e in POINTS}  # {exercise: points}
REPO_SOLUTION = EXERCISES / "solutions" / "05_td3.ipynb"


def with_answers(answers: dict[str, str]) -> nbformat.NotebookNode:
    nb = copy.deepcopy(STUDENT)
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb


def index_of(nb, which: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if grade_id(c) == which)


def fresh(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``cell`` with its own cell id (as Jupyter gives a pasted cell)."""
    cell = copy.deepcopy(cell)
    cell["id"] = nbformat.v4.new_code_cell().id
    return cell


def code(source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = {"schema_version": 3, "solution": False, "locked": False,
                                     "task": False, **nbgrader}
    return cell


def forged() -> nbformat.NotebookNode:
    """Honest answers, and every way to claim extra points with grade-cell metadata."""
    nb = with_answers(HONEST)
    check = nb.cells[index_of(nb, "check_bellman_target")]
    renamed = fresh(check)
    renamed.metadata.nbgrader.update(grade_id="check_bonus", points=100)
    nb.cells.insert(index_of(nb, "check_bellman_target") + 1, renamed)
    nb.cells.append(code("print('free points')", grade=True, grade_id="free", points=100))
    retyped = nb.cells[index_of(nb, "bellman_target")]
    retyped.metadata.nbgrader.update(grade=True, points=50)
    twice = fresh(nb.cells[index_of(nb, "check_critic_loss_and_grad")])
    twice.metadata.nbgrader["points"] = 20
    nb.cells.insert(index_of(nb, "check_critic_loss_and_grad"), twice)
    return nb


def split_and_copied() -> nbformat.NotebookNode:
    """Honest work in split and copied answer cells: a wrong first try of bellman_target kept
    above its check, the right one in a copy of the cell below it; critic_action_gradient split
    in two cells with the same metadata (as Jupyter's "split cell" does)."""
    nb = with_answers({**HONEST, "bellman_target": stub("bellman_target")})
    later = fresh(nb.cells[index_of(nb, "bellman_target")])
    later.source = answer("bellman_target")
    nb.cells.insert(index_of(nb, "check_bellman_target") + 1, later)
    i = index_of(nb, "critic_action_gradient")
    head = fresh(nb.cells[i])
    head.source = "import numpy as np  # the first half of a split cell"
    nb.cells.insert(i, head)
    return nb


FRAME_CHEAT = '''def bellman_target(rewards, terminated, next_q, gamma):
    import sys

    frame = sys._getframe(1)
    while frame is not None:  # the checker's expected value, read from its frame
        if "expected" in frame.f_locals:
            return frame.f_locals["expected"]
        frame = frame.f_back
'''
TRANSFORMER = '''def _blank_checks(lines):
    return ["pass\\n"] if any("check_" in line for line in lines) else lines


get_ipython().input_transformers_cleanup.append(_blank_checks)
'''
PATCHES = '''import importlib

teach = importlib.import_module("ddpg_numpy.teach")
vars(teach)["check_critic_action_gradient"] = lambda fn, *args, **kwargs: None
vars(teach)["check_bellman_target"] = lambda fn, *args, **kwargs: 5  # partial credit, > max
'''
DIES_WHEN_CHECKED = answer("critic_loss_and_grad").replace(
    '    """\n', '    """\n    import os\n\n    os._exit(1)\n', 1)


def attack(target: Path, outside: Path) -> str:
    """An answer cell that rewrites an instructor file (with its own content: harmless if it got
    through) and drops a file outside its folder."""
    return (stub("bellman_target") + "\n\n\nfrom pathlib import Path\n\n"
            f"for path, text in ((Path({str(target)!r}), Path({str(target)!r}).read_text()),\n"
            f"                   (Path({str(outside)!r}), 'pwned')):\n"
            "    try:\n        path.write_text(text)\n"
            "    except OSError as err:\n        print(err)\n")


def adversaries(tmp: Path) -> dict[str, tuple[nbformat.NotebookNode, dict[str, float]]]:
    """{student: (notebook, the points grade.py must give per exercise)}."""
    zero = dict.fromkeys(FULL, 0.0)
    return {
        "forged": (forged(), FULL),
        "split": (split_and_copied(), FULL),
        "attacker": (with_answers({**HONEST, "bellman_target": attack(REPO_SOLUTION,
                                                                      tmp / "pwned.txt")}),
                     {**FULL, "bellman_target": 0.0}),
        "frames": (with_answers({**HONEST, "bellman_target": FRAME_CHEAT}),
                   {**FULL, "bellman_target": 0.0}),
        "transformer": (with_answers({"bellman_target": stub("bellman_target") + "\n\n\n"
                                      + TRANSFORMER}), zero),
        # A patched package voids every pass after the patch, honest ones included.
        "patcher": (with_answers({**HONEST, "bellman_target": stub("bellman_target"),
                                  "critic_action_gradient": stub("critic_action_gradient")}),
                    zero),
        "dies_in_last_answer": (with_answers({**HONEST, "critic_action_gradient":
                                              HONEST["critic_action_gradient"]
                                              + "\n\nimport os\n\nos._exit(1)\n"}),
                                {**FULL, "critic_action_gradient": 0.0}),
        "dies_when_checked": (with_answers({**HONEST, "critic_loss_and_grad": DIES_WHEN_CHECKED}),
                              {**FULL, "critic_loss_and_grad": 0.0}),
    }


def add_patches(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb.cells.insert(index_of(nb, "check_critic_loss_and_grad"), code(PATCHES))  # a new cell
    return nb


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """(scores {student: {exercise: points}}, flagged {student: [feedback]}, stdout, tmp)."""
    tmp = tmp_path_factory.mktemp("batch")
    subs = adversaries(tmp)
    add_patches(subs["patcher"][0])
    paths = []
    for student, (nb, _) in subs.items():
        path = tmp / "submissions" / student / NOTEBOOK
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
        paths.append(path)
    before = hashlib.sha256(REPO_SOLUTION.read_bytes()).hexdigest()
    done = subprocess.run([sys.executable, str(EXERCISES / "grade.py"), *map(str, paths),
                           "--csv", str(tmp / "grades.csv"), "--timeout", str(TIMEOUT)],
                          capture_output=True, text=True, cwd=tmp)
    assert hashlib.sha256(REPO_SOLUTION.read_bytes()).hexdigest() == before
    scores: dict[str, dict[str, float]] = {}
    flagged: dict[str, list[str]] = {}
    with open(tmp / "grades.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["exercise"] == "flagged":
                flagged.setdefault(row["student"], []).append(row["feedback"])
            else:
                scores.setdefault(row["student"], {})[row["exercise"].removeprefix("check_")] = (
                    float(row["points"]))
    return scores, flagged, done, tmp, {s: expected for s, (_, expected) in subs.items()}


def test_only_honest_answers_score_whatever_the_submission_does(batch):
    scores, _, done, tmp, expected = batch
    (tmp / "stdout.txt").write_text(done.stdout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert scores == expected


def test_forged_renamed_duplicated_and_retyped_grade_cells_earn_nothing_and_are_reported(batch):
    scores, flagged, done, _, _ = batch
    assert sorted(scores["forged"]) == sorted(FULL)  # no row for check_bonus or free
    report = "\n".join(flagged["forged"])
    assert "is a copy of check_bellman_target: earns nothing" in report  # renamed to check_bonus
    assert "(free) is marked as a grade cell worth 100 points" in report
    assert "(bellman_target) is marked as a grade cell worth 50 points" in report
    assert "check_critic_loss_and_grad appears 2 times; counted once" in done.stdout
    assert "check_critic_loss_and_grad claims ['20'] points; the release gives 2" in done.stdout


def test_a_submission_cannot_write_instructor_files_or_outside_its_folder(batch):
    _, flagged, _, tmp, _ = batch
    assert not (tmp / "pwned.txt").exists()
    report = "\n".join(flagged["attacker"])
    assert f"writing {REPO_SOLUTION.resolve()}" in report and "pwned.txt" in report


def test_frame_inspection_input_transformers_and_patched_checkers_score_nothing_and_are_flagged(
        batch):
    scores, flagged, done, _, _ = batch
    assert any("frame inspection" in f for f in flagged["frames"])
    assert any("input_transformers" in f for f in flagged["transformer"])
    assert any("importlib" in f for f in flagged["patcher"])
    assert "no pass from the package's checker in this cell" in done.stdout


def test_a_dead_kernel_costs_only_what_it_killed(batch):
    _, flagged, done, _, _ = batch
    assert any("killed the kernel" in f for f in flagged["dies_in_last_answer"])
    assert "check 2 killed the kernel; the next checks ran in a new one" in done.stdout


def test_the_kernel_has_neither_the_repository_nor_the_submissions_on_its_import_path(tmp_path):
    nb = with_answers({"bellman_target": stub("bellman_target") + "\n\nimport sys\n"
                       "print('PATH', sys.path)\nimport ddpg_numpy\n"
                       "print('PACKAGE', ddpg_numpy.__file__)\n"})
    release = grader.ReleaseNotebook.read(EXERCISES / "solutions" / NOTEBOOK)
    sources, _, _ = grader.plan(nb, release)
    ran, _, _, _ = run_isolated(release.setup, sources, [], TIMEOUT)
    printed = "".join(o.get("text", "") for r in ran for o in r.cell.outputs)
    repo = str(EXERCISES.parent.parent)
    path_line = next(line for line in printed.splitlines() if line.startswith("PATH"))
    entries = ast.literal_eval(path_line.removeprefix("PATH "))
    assert "" not in entries and str(tmp_path) not in path_line
    assert [p for p in entries if p == repo or p.startswith(repo + "/")
            and not p.startswith(sys.prefix)] == []  # only the environment's own folders
    assert f"{repo}/ddpg_numpy/__init__.py" in printed  # the installed (editable) package


def test_every_solution_notebook_submitted_gets_full_points_and_no_flag(tmp_path):
    """The guard's refusals and flags leave honest work alone, on all five notebooks (NumPy,
    Gymnasium, Matplotlib figures, the putting-together cells)."""
    paths = []
    for solution in sorted((EXERCISES / "solutions").glob("*.ipynb")):
        path = tmp_path / "ada" / solution.name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(solution.read_bytes())
        paths.append(path)
    done = subprocess.run([sys.executable, str(EXERCISES / "grade.py"), *map(str, paths),
                           "--csv", str(tmp_path / "grades.csv")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r for r in rows if r["exercise"] == "flagged" or r["points"] != r["max_points"]] == []
    assert sum(float(r["points"]) for r in rows) == 30
    assert "  ada                      30/30\n" in done.stdout


def test_signed_lines_verify_only_with_their_key_and_unchanged():
    from ddpg_numpy.teach import guard

    line = guard.sign(b"k" * 64, {"kind": "pass", "exercise": "soft_update"})
    assert guard.verify_line(b"k" * 64, line) == {"kind": "pass", "exercise": "soft_update"}
    assert guard.verify_line(b"x" * 64, line) is None  # another kernel's key
    assert guard.verify_line(b"k" * 64, line.replace("soft_update", "ou_step")) is None
    with pytest.raises(RuntimeError, match="needs its key"):
        guard.install()  # a student calling it in their notebook gets nothing


def test_prepare_for_nbgrader_keeps_the_last_of_cells_sharing_a_grade_id(tmp_path):
    path = tmp_path / "split" / NOTEBOOK
    path.parent.mkdir()
    nbformat.write(split_and_copied(), path)
    changes = grader.prepare_for_nbgrader(path)
    assert [c.split(": ", 1)[1] for c in changes] == [
        "a copy of bellman_target, now a plain cell",
        "a copy of critic_action_gradient, now a plain cell"]
    nb = nbformat.read(path, as_version=4)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids))  # what nbgrader's autograde needs
    assert next(c for c in nb.cells if grade_id(c) == "bellman_target").source == answer(
        "bellman_target")  # the last copy, the one the student finished
    assert grader.prepare_for_nbgrader(path) == []  # nothing left to do
