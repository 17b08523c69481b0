"""The harness shared by every exercise checker (ddpg_numpy.teach.checking): what a student sees
when the function is not written yet, when it crashes, or when the checker is given no function;
what it returns; when it shows the fix; where a correct answer's stderr goes."""

from __future__ import annotations

import re
import sys
import warnings

import numpy as np
import pytest

from ddpg_numpy.teach import CHECKERS, REVEAL_AFTER, ExerciseFailed, ExerciseNotDone, reset_tries


def test_unimplemented_exercise_raises_exercise_not_done(capsys):
    def linear_backward(G, x, W):
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


def test_a_pass_displays_nothing_in_a_notebook_and_returns_true_in_a_script(capsys):
    def ou_step(x, eps, theta=0.15, sigma=0.2, dt=1.0, mu=0.0):
        return x + theta * (mu - x) * dt + sigma * np.sqrt(dt) * eps

    assert CHECKERS["ou_step"](ou_step) is None  # no "True" for nbgrader to warn about
    assert CHECKERS["ou_step"](ou_step, raise_on_fail=False) is True
    assert capsys.readouterr().out.count("✔ ou_step: all ") == 2


def tanh_backward_cubed(G, y):
    return G * (1 - y**3)


def test_the_fix_is_shown_on_request_or_from_the_third_failed_try(capsys):
    reset_tries()
    fix, offer = "Use (1.0 - terminated).", "check_bellman_target(your_function, hint=True)"

    def bellman_target(rewards, terminated, next_q, gamma):
        return rewards + gamma * ~terminated * next_q

    tries = []
    for _ in range(REVEAL_AFTER):
        with pytest.raises(ExerciseFailed) as info:
            CHECKERS["bellman_target"](bellman_target)
        tries.append(str(info.value))
    assert all(offer in t and fix not in t for t in tries[:-1])
    assert fix in tries[-1]
    reset_tries()
    with pytest.raises(ExerciseFailed, match=re.escape(fix)):
        CHECKERS["bellman_target"](bellman_target, hint=True)
    # The formula of a general mismatch follows the same rule.
    reset_tries()
    first = CHECKERS["tanh_backward"](tanh_backward_cubed, raise_on_fail=False)
    with_hint = CHECKERS["tanh_backward"](tanh_backward_cubed, raise_on_fail=False,
                                          hint=True)
    out = capsys.readouterr().out.splitlines()
    assert first is with_hint is False
    assert "1 − y²" not in out[0] and "hint=True" in out[0]
    assert "G ⊙ (1 − y²)" in out[1]
    reset_tries()


def test_a_pass_forgets_the_failed_tries():
    reset_tries()

    def relu_backward(G, x):
        return G * (x > 0.5)

    for _ in range(REVEAL_AFTER - 1):
        CHECKERS["relu_backward"](relu_backward, raise_on_fail=False)
    CHECKERS["relu_backward"](lambda G, x: G * (x > 0), raise_on_fail=False)
    with pytest.raises(ExerciseFailed) as info:
        CHECKERS["relu_backward"](relu_backward)
    assert "hint=True" in str(info.value) and "G * (x > 0)" not in str(info.value)
    reset_tries()


def test_what_a_correct_answer_writes_to_stderr_is_shown_on_stdout(capsys):
    def bellman_target(rewards, terminated, next_q, gamma):
        print("debug: shapes", rewards.shape, file=sys.stderr)
        warnings.warn("a warning from the answer", UserWarning, stacklevel=1)
        return rewards + gamma * (1.0 - terminated) * next_q

    def show_on_stderr(message, category, filename, lineno, file=None, line=None):
        # Python's own way (pytest records warnings instead of showing them)
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show_on_stderr
        assert CHECKERS["bellman_target"](bellman_target) is None
    captured = capsys.readouterr()
    assert captured.err == ""  # nbgrader scores a test cell with stderr output 0
    assert "debug: shapes" in captured.out and "a warning from the answer" in captured.out
    assert "✔ bellman_target" in captured.out
