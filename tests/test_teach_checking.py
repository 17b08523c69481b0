"""The harness shared by every exercise checker (ddpg_numpy.teach.checking): what a student sees
when the function is not written yet, when it crashes, or when the checker is given no function."""

from __future__ import annotations

import numpy as np
import pytest

from ddpg_numpy.teach import CHECKERS, ExerciseFailed, ExerciseNotDone


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
