"""The classroom exercises: checkers (ddpg_numpy.teach.exercises), solution and student notebooks.

* every reference solution — taken from the solution notebooks, the single source of truth —
  passes its checker;
* typical wrong answers fail with the message meant for them (several per checker);
* the committed student notebooks are up to date with the solution notebooks, generated as
  nbgrader's ClearSolutions would;
* each student notebook, executed, stops at its first check cell with the checker's message.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest

from ddpg_numpy.teach.exercises import CHECKERS, ExerciseFailed, ExerciseNotDone, check_all
from ddpg_numpy.core.replay import Batch

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
    assert len(SOLUTION_NOTEBOOKS) == 4
    assert sorted(names) == sorted(CHECKERS)


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_reference_solutions_pass_their_checkers(path, capsys):
    namespace = solutions_namespace(path)
    for name in exercises_in(path):
        assert CHECKERS[name](namespace[name]) is True
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


# --- typical wrong answers, each with the message meant for it ------------------------------

def central(f, x, h, divide_by=2.0, restore=True, minus=True):
    grad = np.zeros_like(x)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + h
        f_plus = f()
        flat_x[i] = old - h if minus else old
        f_minus = f()
        if restore:
            flat_x[i] = old
        flat_g[i] = (f_plus - f_minus) / (divide_by * h)
    return grad


def critic_grad_by_hand(obs, actions, p, first_rows=False, mask=True, scale=1.0):
    h1 = np.maximum(obs @ p["W1"] + p["b1"], 0)
    z2 = np.concatenate([h1, actions], axis=1) @ p["W2"] + p["b2"]
    dq_dz2 = p["W3"][:, 0] * ((z2 > 0) if mask else np.ones_like(z2))
    act = actions.shape[1]
    rows = p["W2"][:act] if first_rows else p["W2"][-act:]
    return scale * dq_dz2 @ rows.T


def actor_grad(actor, critic, batch, sign=-1.0, divide=True, replay_actions=False):
    mu = actor(batch.obs)
    _, dq_da = critic.action_gradient(batch.obs, batch.actions if replay_actions else mu)
    actor.backward(sign * dq_da / (len(batch.obs) if divide else 1))
    return actor.grad.copy()


def take(buffer, idx, next_idx=None):
    next_idx = idx if next_idx is None else next_idx
    return Batch(buffer.obs[idx], buffer.actions[idx], buffer.rewards[idx],
                 buffer.next_obs[next_idx], buffer.terminated[idx])


def relu_in_place(x, grad_out):
    grad_out[x <= 0] = 0
    return grad_out


def soft_update_rebinding(theta_target, theta, tau):
    theta_target = tau * theta + (1 - tau) * theta_target  # noqa: F841 - the bug under test


def soft_update_swapped(theta_target, theta, tau):
    theta_target[...] = (1 - tau) * theta + tau * theta_target


WRONG_ANSWERS = {
    "numerical_gradient": [
        (lambda f, x, h: central(f, x, h, divide_by=1.0, minus=False), "forward difference"),
        (lambda f, x, h: central(f, x, h, restore=False), "x was not restored"),
        (lambda f, x, h: central(f, x.copy(), h), "never reached f()"),
        (lambda f, x, h: central(f, x, h, divide_by=1.0), "divide the central difference by 2h"),
        (lambda f, x, h: central(f, x, 1e-5), "use the h argument"),
    ],
    "linear_backward": [
        (lambda x, W, g: (g @ W.T, g.T @ x, g.sum(0)), "must have W's shape"),
        (lambda x, W, g: (g @ W.T, x.T @ g, g), "sums ∂L/∂y over the batch"),
        (lambda x, W, g: (g @ W.T, x.T @ g, g.mean(0)), "not a mean"),
        (lambda x, W, g: (g @ W, x.T @ g, g.sum(0)), "raised ValueError"),
        (lambda x, W, g: (-g @ W.T, x.T @ g, g.sum(0)), "sign is flipped"),
    ],
    "relu_backward": [
        (lambda x, g: (x > 0).astype(float), "multiplies it by the incoming gradient"),
        (lambda x, g: g * x, "not by x"),
        (lambda x, g: g * (g > 0), "not from the sign of grad_out"),
        (relu_in_place, "changed its input arrays in place"),
    ],
    "tanh_backward": [
        (lambda y, g: g * (1 - np.tanh(y) ** 2), "do not apply tanh to y again"),
        (lambda y, g: g * (1 - y), "(squared), not 1 − y"),
        (lambda y, g: 1 - y**2, "multiplies it by the incoming gradient"),
    ],
    "bellman_target": [
        (lambda r, d, q, gamma: r + gamma * q, "Multiply γQ′ by (1 − terminated)"),
        (lambda r, d, q, gamma: r + gamma * d * q, "not terminated"),
        (lambda r, d, q, gamma: r + (1 - d) * q, "multiply it by γ"),
        (lambda r, d, q, gamma: r + gamma * ~d * q, "use (1.0 - terminated)"),
    ],
    "critic_loss_and_grad": [
        (lambda q, y: (np.mean((q - y) ** 2), 2 * (q - y[:, None]) / len(y)),
         "broadcasts into an (N, N) matrix"),
        (lambda q, y: (np.mean((q[:, 0] - y) ** 2), 2 * (q - y) / len(y)),
         "has shape (3, 3), expected (3, 1)"),
        (lambda q, y: (np.mean((q[:, 0] - y) ** 2), 2 * (q - y[:, None])),
         "carries a 1/N"),
        (lambda q, y: (np.mean((q[:, 0] - y) ** 2), 2 * (q[:, 0] - y) / len(y)),
         "q is (N, 1), so dL_dq is (N, 1) too"),
        (lambda q, y: (np.mean((q[:, 0] - y) ** 2), 2 * (y[:, None] - q) / len(y)),
         "the sign is flipped"),
        (lambda q, y: (np.sum((q[:, 0] - y) ** 2), 2 * (q - y[:, None]) / len(y)),
         "not the sum"),
    ],
    "critic_action_gradient": [
        (lambda o, a, p: critic_grad_by_hand(o, a, p, first_rows=True), "the last ones: W2[6:]"),
        (lambda o, a, p: critic_grad_by_hand(o, a, p, mask=False), "through the second ReLU"),
        (lambda o, a, p: critic_grad_by_hand(o, a, p, scale=1 / len(o)), "no 1/N here"),
        (lambda o, a, p: critic_grad_by_hand(o, a, p).mean(axis=0), "one row per sample"),
    ],
    "actor_gradient": [
        (lambda actor, critic, b: actor_grad(actor, critic, b, sign=1.0), "Adam minimises"),
        (lambda actor, critic, b: actor_grad(actor, critic, b, divide=False), "divide ∇_a Q by N"),
        (lambda actor, critic, b: actor_grad(actor, critic, b, replay_actions=True),
         "not at the replay buffer's actions"),
        (lambda actor, critic, b: critic.action_gradient(b.obs, actor(b.obs))[1],
         "backpropagate −∇_a Q / N through the actor"),
    ],
    "soft_update": [
        (soft_update_swapped, "τ is applied the wrong way round"),
        (soft_update_rebinding, "only rebinds the local name"),
        (lambda tt, t, tau: tau * t + (1 - tau) * tt, "you returned the new θ′"),
        (lambda tt, t, tau: tt.__setitem__(..., t), "hard update"),
    ],
    "ou_step": [
        (lambda x, eps, th, s, dt, mu: x + th * (mu - x) * dt + s * dt * eps, "not with dt"),
        (lambda x, eps, th, s, dt, mu: x + th * (x - mu) * dt + s * np.sqrt(dt) * eps,
         "pushes it away"),
        (lambda x, eps, th, s, dt, mu: x - th * x * dt + s * np.sqrt(dt) * eps,
         "revert toward mu, not toward 0"),
        (lambda x, eps, th, s, dt, mu: x + th * (mu - x) * dt
         + s * np.sqrt(dt) * np.random.standard_normal(x.shape), "use the given eps"),
    ],
    "sample_batch": [
        (lambda buf, n, rng: take(buf, rng.integers(0, buf.capacity, n)),
         "not [0, buffer.capacity)"),
        (lambda buf, n, rng: take(buf, rng.integers(0, buf.size, n), rng.integers(0, buf.size, n)),
         "use it for every field"),
        (lambda buf, n, rng: take(buf, np.random.randint(0, buf.size, n)), "not with np.random"),
        (lambda buf, n, rng: take(buf, np.arange(buf.size - n, buf.size)),
         "most recent transitions"),
        (lambda buf, n, rng: take(buf, rng.integers(0, max(buf.position, 1), n)),
         "not [0, buffer.position)"),
    ],
}


@pytest.mark.parametrize("name, wrong, message", [
    pytest.param(name, wrong, message, id=f"{name}-{i}")
    for name, cases in WRONG_ANSWERS.items() for i, (wrong, message) in enumerate(cases)])
def test_typical_wrong_answers_fail_with_the_intended_message(name, wrong, message, capsys):
    assert CHECKERS[name](wrong, raise_on_fail=False) is False
    out = capsys.readouterr().out
    assert out.startswith(f"✘ {name}: ") and message in out, out
    with pytest.raises(ExerciseFailed, match=f"^✘ {name}: ") as info:
        CHECKERS[name](wrong)
    assert message in str(info.value) and not isinstance(info.value, ExerciseNotDone)


def test_every_checker_has_at_least_two_wrong_answers():
    assert all(len(WRONG_ANSWERS[name]) >= 2 for name in CHECKERS)


def test_unimplemented_exercise_raises_exercise_not_done(capsys):
    def linear_backward(x, W, grad_out):
        raise NotImplementedError()

    with pytest.raises(ExerciseNotDone, match="^✘ linear_backward: not implemented yet") as info:
        CHECKERS["linear_backward"](linear_backward)
    assert isinstance(info.value, AssertionError) and info.value.__cause__ is None
    assert info.value._render_traceback_() == [f"ExerciseNotDone: {info.value}"]
    assert CHECKERS["linear_backward"](linear_backward, raise_on_fail=False) is False
    assert "not implemented yet" in capsys.readouterr().out


def test_a_crash_in_student_code_shows_its_traceback_then_the_feedback():
    def bellman_target(rewards, terminated, next_q, gamma):
        return rewards + gamma * ~terminated * next_q

    with pytest.raises(ExerciseFailed) as info:
        CHECKERS["bellman_target"](bellman_target)
    assert isinstance(info.value.__cause__, TypeError)
    lines = "\n".join(info.value._render_traceback_())
    assert "~terminated" in lines  # the student's line, from their own traceback
    assert "ddpg_numpy" not in lines  # none of the checker's internals
    assert lines.endswith(f"ExerciseFailed: {info.value}")


def test_checker_given_something_else_than_a_function_says_so():
    with pytest.raises(TypeError, match=r"check_ou_step\(ou_step\)"):
        CHECKERS["ou_step"](np.zeros(3))


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
            assert following.source == (f"# NBVAL_CHECK_OUTPUT\ncheck_{meta['grade_id']}"
                                        f"({meta['grade_id']})")


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
    results = grader.read_results(nb, path.name)
    assert results[0].points == 0 and results[0].feedback.startswith("ExerciseNotDone: ✘")
    assert [r.feedback for r in results[1:]] == ["not run"] * (len(results) - 1)


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_grading_the_executed_solution_notebooks_gives_full_points(path):
    results, warnings = grader.grade(path, run=False)
    assert warnings == [] and results
    assert all(r.points == r.max_points > 0 and r.feedback == "✔" for r in results)


def test_grader_restores_edited_and_deleted_check_cells():
    solution = nbformat.read(SOLUTION_NOTEBOOKS[1], as_version=4)
    submission = nbformat.read(EXERCISES / "student" / SOLUTION_NOTEBOOKS[1].name, as_version=4)
    checks = [i for i, c in enumerate(submission.cells) if nbgrader_meta(c).get("grade")]
    submission.cells[checks[0]].source = "pass  # no more check"
    del submission.cells[checks[1]]
    warnings = grader.restore_checks(submission, solution)
    assert warnings == ["check cell check_bellman_target was edited; restored",
                        "check cell check_critic_loss_and_grad was missing; re-inserted"]
    restored = [c.source for c in submission.cells if nbgrader_meta(c).get("grade")]
    assert restored == [c.source for c in solution.cells if nbgrader_meta(c).get("grade")]
    order = [nbgrader_meta(c).get("grade_id") for c in submission.cells if nbgrader_meta(c)]
    assert order == [nbgrader_meta(c).get("grade_id") for c in solution.cells if nbgrader_meta(c)]
