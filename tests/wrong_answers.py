"""What the tests of every exercise checker share (tests/test_teach_ex*.py): a typical wrong answer
fails with the message meant for it, whether the checker prints or raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ddpg_numpy.teach import CHECKERS, ExerciseFailed, ExerciseNotDone, reset_tries

WrongAnswers = dict[str, list[tuple[Callable[..., Any], str]]]


def wrong_answer_params(wrong_answers: WrongAnswers) -> list[Any]:
    """One pytest case per (exercise, wrong function, expected message), with id <exercise>-<i>."""
    return [pytest.param(name, wrong, message, id=f"{name}-{i}")
            for name, cases in wrong_answers.items() for i, (wrong, message) in enumerate(cases)]


def assert_fails_with_message(name: str, wrong: Callable[..., Any], message: str,
                              capsys: pytest.CaptureFixture[str]) -> None:
    """``message`` is in the feedback of a first failure: the diagnosis, not the fix."""
    reset_tries()
    assert CHECKERS[name](wrong, raise_on_fail=False) is False
    out = capsys.readouterr().out
    assert out.startswith(f"✘ {name}: ") and message in out, out
    reset_tries()
    with pytest.raises(ExerciseFailed, match=f"^✘ {name}: ") as info:
        CHECKERS[name](wrong)
    assert message in str(info.value) and not isinstance(info.value, ExerciseNotDone)
    reset_tries()
