"""The classroom exercises: checkers (ddpg_numpy.teach), solution and student notebooks.

* every reference solution — taken from the solution notebooks, the single source of truth —
  passes its checker;
* typical wrong answers fail with the message meant for them (several per checker): in
  tests/test_teach_ex*.py, one file per checker module;
* the committed student notebooks are up to date with the solution notebooks, generated as
  nbgrader's ClearSolutions would;
* each student notebook, executed, stops at its first check cell with the checker's message;
* the guide's time estimates add up to what each notebook's header says.
"""

from __future__ import annotations

import importlib.util
import os
import posixpath
import re
import shutil
import sys
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest

from ddpg_numpy.teach import CHECKERS, check_all

REPO = Path(__file__).resolve().parent.parent
EXERCISES = REPO / "notebooks" / "exercises"
SOLUTION_NOTEBOOKS = sorted((EXERCISES / "solutions").glob("*.ipynb"))
STUDENT_NOTEBOOKS = sorted((EXERCISES / "student").glob("*.ipynb"))


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, EXERCISES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


generator = load_script("make_student_notebooks")
grader = load_script("grade")
RELEASE = grader.read_release(EXERCISES / "solutions")  # what grade.py grades against


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def solutions_namespace(path: Path) -> dict:
    """What a student with every exercise solved has defined: the setup and solution cells."""
    namespace: dict = {}
    with matplotlib.rc_context():  # a setup cell may apply_style(): keep it out of other tests
        for cell in nbformat.read(path, as_version=4).cells:
            meta = nbgrader_meta(cell)
            if cell.cell_type == "code" and (meta.get("solution")
                                             or meta.get("grade_id") == "setup"):
                exec(compile(cell.source, f"{path.name}:{meta['grade_id']}", "exec"), namespace)
    return namespace


def exercises_in(path: Path) -> list[str]:
    return [nbgrader_meta(c)["grade_id"].removeprefix("check_")
            for c in nbformat.read(path, as_version=4).cells if nbgrader_meta(c).get("grade")]


# --- reference solutions -------------------------------------------------------------------

def test_notebooks_cover_every_checker_once():
    names = [name for path in SOLUTION_NOTEBOOKS for name in exercises_in(path)]
    assert len(SOLUTION_NOTEBOOKS) == 5
    assert sorted(names) == sorted(CHECKERS)


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_reference_solutions_pass_their_checkers(path, capsys):
    namespace = solutions_namespace(path)
    for name in exercises_in(path):
        assert CHECKERS[name](namespace[name]) is None  # nothing for a notebook to display
        out = capsys.readouterr().out
        assert out.startswith(f"✔ {name}: all ") and out.rstrip().endswith("checks passed")


def test_check_all_reports_every_function_it_finds(capsys):
    namespace = solutions_namespace(SOLUTION_NOTEBOOKS[1])

    def bellman_target(rewards, terminated, next_q, gamma):
        return rewards + gamma * next_q

    namespace["bellman_target"] = bellman_target
    assert check_all(namespace) == {"bellman_target": False, "critic_loss_and_grad": True,
                                    "critic_action_gradient": True}
    assert "✘ bellman_target" in capsys.readouterr().out


# --- generating the student notebooks -------------------------------------------------------

def test_committed_student_notebooks_are_up_to_date():
    assert generator.stale_notebooks() == [], (
        "run: python notebooks/exercises/make_student_notebooks.py")
    assert [p.name for p in STUDENT_NOTEBOOKS] == [p.name for p in SOLUTION_NOTEBOOKS]


def test_check_mode_fails_on_a_stale_student_notebook(tmp_path, capsys):
    solutions = tmp_path / "solutions"
    shutil.copytree(EXERCISES / "solutions", solutions)
    path = solutions / SOLUTION_NOTEBOOKS[0].name
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\nA sentence the student version does not have yet."
    nbformat.write(nb, path)
    students = str(EXERCISES / "student")
    assert generator.main(["--check", "--solutions", str(solutions), "--students", students]) == 1
    assert f"stale: {path.name}: out of date" in capsys.readouterr().out
    generator.main(["--solutions", str(solutions), "--students", str(tmp_path / "student")])
    assert generator.main(["--check", "--solutions", str(solutions),
                           "--students", str(tmp_path / "student")]) == 0


def test_clear_solutions_matches_nbgrader():
    source = ("def f(x):\n    \"\"\"Doc.\"\"\"\n    y = 1\n    ### BEGIN SOLUTION\n    y += x\n"
              "    ### END SOLUTION\n    return y\n### BEGIN SOLUTION\nz = 2\n### END SOLUTION")
    cleared, replaced = generator.clear_solution_regions(source, "code", "test")
    assert replaced and cleared == (
        "def f(x):\n    \"\"\"Doc.\"\"\"\n    y = 1\n    # YOUR CODE HERE\n"
        "    raise NotImplementedError()\n    return y\n# YOUR CODE HERE\n"
        "raise NotImplementedError()")
    with pytest.raises(ValueError, match="nested"):
        generator.clear_solution_regions("### BEGIN SOLUTION\n### BEGIN SOLUTION", "code", "t")
    with pytest.raises(ValueError, match="without a matching"):
        generator.clear_solution_regions("### BEGIN SOLUTION\nx = 1", "code", "t")


def test_student_version_clears_locks_and_validates_like_nbgrader():
    def meta(grade_id, **flags):
        return {"nbgrader": {"grade": False, "solution": False, "locked": False,
                             "schema_version": 3, "grade_id": grade_id, **flags}}

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1  # whole cell is the answer", metadata=meta(
            "answer", solution=True)),
        nbformat.v4.new_code_cell("check()", metadata=meta("check", grade=True, locked=True,
                                                           points=1)),
    ])
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="✔")]
    nb.cells[1].execution_count = 3
    student = generator.student_version(nb)
    assert student.cells[0].source == generator.CODE_STUB
    assert student.cells[0].metadata["deletable"] is False
    assert student.cells[1].metadata["editable"] is False
    assert student.cells[1].outputs == [] and student.cells[1].execution_count is None
    assert nb.cells[1].outputs  # the solution notebook itself is untouched
    plain = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    with pytest.raises(ValueError, match="not marked as an nbgrader solution cell"):
        generator.student_version(plain)
    nb.cells[1].metadata["nbgrader"]["grade_id"] = "answer"
    with pytest.raises(ValueError, match="duplicate nbgrader grade_id"):
        generator.student_version(nb)


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_each_solution_cell_is_followed_by_its_check(path):
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    for cell, following in zip(cells, cells[1:]):
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            assert generator.BEGIN in cell.source and generator.END in cell.source
            assert nbgrader_meta(following) == {
                "grade": True, "grade_id": f"check_{meta['grade_id']}", "locked": True,
                "points": nbgrader_meta(following)["points"], "schema_version": 3,
                "solution": False, "task": False}
            name = meta["grade_id"]
            assert following.source == (  # the checker imported afresh, never the namespace's
                "# NBVAL_CHECK_OUTPUT\n"
                "# the checker straight from the package: a redefinition above does not count\n"
                f"from ddpg_numpy.teach import check_{name}\n\ncheck_{name}({name})")


# --- the student notebooks stop at their first exercise, with the checker's message ---------

def execute_until_error(path: Path, folder: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1"}
    env.pop("MPLBACKEND", None)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    with pytest.raises(CellExecutionError) as info:
        client.execute(env=env)
    nb.metadata["error"] = {"ename": info.value.ename, "evalue": info.value.evalue}
    return nb


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_stops_at_its_first_check_with_the_checkers_message(path, tmp_path):
    nb = execute_until_error(path, tmp_path)
    first = exercises_in(path)[0]
    assert nb.metadata["error"]["ename"] == "ExerciseNotDone"
    assert nb.metadata["error"]["evalue"].startswith(f"✘ {first}: not implemented yet")
    errors = [i for i, c in enumerate(nb.cells)
              if any(o.output_type == "error" for o in c.get("outputs", []))]
    first_check = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade"))
    assert errors == [first_check]
    error = next(o for o in nb.cells[first_check].outputs if o.output_type == "error")
    assert error.traceback == [f"ExerciseNotDone: {error.evalue}"]  # no confusing traceback
    # The grading script reads the same notebook: the first check failed, the others never ran.
    results = grader.read_results(nb, RELEASE[path.name], "")
    assert results[0].points == 0 and results[0].feedback.startswith("ExerciseNotDone: ✘")
    assert [r.feedback for r in results[1:]] == ["not run"] * (len(results) - 1)


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_grading_the_executed_solution_notebooks_gives_full_points(path):
    results, warnings = grader.grade(path, RELEASE, run=False)
    assert warnings == [] and results
    assert all(r.points == r.max_points > 0 and r.feedback == "✔" for r in results)


def test_grader_runs_the_releases_checks_whatever_the_submission_did_to_its_own():
    submission = nbformat.read(EXERCISES / "student" / SOLUTION_NOTEBOOKS[1].name, as_version=4)
    checks = [i for i, c in enumerate(submission.cells) if nbgrader_meta(c).get("grade")]
    submission.cells[checks[0]].source = "pass  # no more check"
    del submission.cells[checks[1]]
    sources, labels, warnings = grader.plan(submission, RELEASE[SOLUTION_NOTEBOOKS[1].name])
    assert warnings == ["check_bellman_target was edited; the release's check ran",
                        "check_critic_loss_and_grad was missing; the release's check ran"]
    # The student's cells run without any check (the release's checks run after them) and
    # without the setup cell (the release's runs first).
    assert "pass  # no more check" not in sources and len(sources) == len(labels)
    assert not any("from ddpg_numpy.teach import check_" in s for s in sources)
    assert [grade_id for grade_id in (label.partition("(")[2].rstrip(")") for label in labels)
            if grade_id] == ["bellman_target", "critic_loss_and_grad", "critic_action_gradient"]


# --- the "putting it together" cells agree with the checkers -----------------------------------

def putting_it_together(path: Path) -> str:
    """The source of the notebook's last cell that plugs the student's functions into the agent."""
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
             and not nbgrader_meta(c) and "NBVAL_CHECK_OUTPUT" in c.source]
    return cells[-1].source


def _float32(fn):
    return lambda *args: fn(*args).astype(np.float32)


def _in_place_bellman(rewards, terminated, next_q, gamma):
    rewards += gamma * (1.0 - terminated) * next_q
    return rewards


def _in_place_clipped(rewards, terminated, next_q1, next_q2, gamma):
    rewards += gamma * (1.0 - terminated) * np.minimum(next_q1, next_q2)
    return rewards


AGREEMENT_CASES = {  # (notebook, exercise, makes the wrong answer from the reference)
    "02 bellman float32": ("02_critic", "bellman_target", _float32),
    "02 bellman in place": ("02_critic", "bellman_target", lambda fn: _in_place_bellman),
    "05 target float32": ("05_td3", "clipped_double_q_target", _float32),
    "05 target in place": ("05_td3", "clipped_double_q_target", lambda fn: _in_place_clipped),
    "05 smoothing float32": ("05_td3", "smoothed_target_action", _float32),
}


@pytest.mark.parametrize("case", AGREEMENT_CASES)
def test_an_answer_the_checker_rejects_is_rejected_by_putting_it_together_too(case, capsys):
    notebook, exercise, wrong = AGREEMENT_CASES[case]
    path = EXERCISES / "solutions" / f"{notebook}.ipynb"
    namespace = solutions_namespace(path)
    exec(compile(putting_it_together(path), path.name, "exec"), namespace)
    honest = capsys.readouterr().out
    assert "False" not in honest and honest.count("True") >= 1
    namespace[exercise] = wrong(namespace[exercise])
    assert CHECKERS[exercise](namespace[exercise], raise_on_fail=False) is False
    capsys.readouterr()
    try:
        with matplotlib.rc_context():
            exec(compile(putting_it_together(path), path.name, "exec"), namespace)
        said = capsys.readouterr().out
    except Exception as err:  # the agent refuses it outright (a float32 action, say)
        said = f"{type(err).__name__}: {err}"
    assert "False" in said or "input dtype float32 does not match" in said, said


# --- the guide's time estimates add up ------------------------------------------------------

def test_time_estimates_add_up_to_what_each_notebook_says():
    guide = (EXERCISES / "README.md").read_text(encoding="utf-8")
    minutes: dict[str, int] = {}
    notebook = ""
    for row in re.findall(r"^\|(.*)\|$", guide, flags=re.MULTILINE):
        cells = [c.strip() for c in row.split("|")]
        if len(cells) == 6 and (time := re.fullmatch(r"(\d+) min", cells[4])):
            notebook = cells[0] or notebook
            minutes[notebook] = minutes.get(notebook, 0) + int(time.group(1))
    assert sorted(minutes) == [p.stem for p in SOLUTION_NOTEBOOKS]
    for path in SOLUTION_NOTEBOOKS:
        exercises, total = minutes[path.stem], minutes[path.stem] + 10  # + reading
        header = nbformat.read(path, as_version=4).cells[0].source
        assert f"**Time:** about {total} minutes" in header, path.name
        assert f"{path.stem[:2]} ≈ {exercises} + 10 = {total} min" in guide


# --- the handout works without the repository -----------------------------------------------

@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=lambda p: p.stem)
def test_a_student_notebook_links_no_file_a_pip_install_does_not_have(path):
    """Handed out with `pip install` of the package, a notebook has no repository around it: a
    relative link would point at nothing, so the generator names those files instead."""
    for cell in nbformat.read(path, as_version=4).cells:
        targets = re.findall(r"\]\(([^)\s]+)\)|(?:href|src)=[\"']([^\"']+)", cell.source)
        relative = [t for pair in targets for t in pair if t and not re.match(r"[a-z]+:|#", t)]
        assert relative == [], f"{path.name} links {relative}"
    solution = nbformat.read(EXERCISES / "solutions" / path.name, as_version=4).cells[0].source
    linked = re.findall(r"\]\((\.\.[^)\s]+)\)", solution)
    header = nbformat.read(path, as_version=4).cells[0].source
    for target in linked:  # each file the solution links is named in the handout
        named = posixpath.normpath(posixpath.join("notebooks/exercises/student", target))
        assert f"`{named}`" in header and (REPO / named).exists(), named


def test_the_link_rewrite_keeps_web_links_and_names_repository_files():
    text = ("[02 · The critic](../../02_critic.ipynb), [docs/pseudocode.md](../../../docs/"
            "pseudocode.md#L12), [the paper](https://arxiv.org/abs/1509.02971), [above](#top)")
    assert generator.unlink_repository_files(text) == (
        "02 · The critic (`notebooks/02_critic.ipynb` in the ddpg-numpy repository), "
        "`docs/pseudocode.md` of the ddpg-numpy repository, "
        "[the paper](https://arxiv.org/abs/1509.02971), [above](#top)")


# --- no answer stands anywhere in a student notebook -----------------------------------------

ANSWER_FINGERPRINTS = {  # a piece of code that gives each answer away
    "numerical_gradient": r"/ \(2 \* h\)",
    "linear_backward": r"@ W\.T",
    "relu_backward": r"\* \(x > 0\)",
    "tanh_backward": r"1(\.0)? - y",
    "bellman_target": r"\(1(\.0)? - (batch\.)?terminated\)",
    "critic_loss_and_grad": r"2(\.0)? \* \(?(q|td_error)\b",
    "critic_action_gradient": r"W2\[-act_dim:\]",
    "actor_gradient": r"actor\.backward\(-",
    "soft_update": r"tau \* \(theta",
    "ou_step": r"np\.sqrt\(dt\)",
    "sample_batch": r"\.integers\(0, buffer\.size",
    "clipped_double_q_target": r"np\.minimum\(next_q1, next_q2\)",
    "smoothed_target_action": r"noise_clip \* h",
    "delayed_updates": r"% policy_delay == 0",
    "td3_actor_gradient": r"critic1\.action_gradient",
}


def test_no_student_notebook_shows_an_answer_outside_its_answer_cell():
    solutions = {nbgrader_meta(c)["grade_id"]: c.source for p in SOLUTION_NOTEBOOKS
                 for c in nbformat.read(p, as_version=4).cells if nbgrader_meta(c).get("solution")}
    assert sorted(ANSWER_FINGERPRINTS) == sorted(CHECKERS)
    for exercise, pattern in ANSWER_FINGERPRINTS.items():
        assert re.search(pattern, solutions[exercise]), exercise  # the fingerprint is real
        for path in STUDENT_NOTEBOOKS:
            leaks = [c.source for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "code" and re.search(pattern, c.source)]
            assert leaks == [], f"{path.name} shows the answer to {exercise}: {leaks}"
