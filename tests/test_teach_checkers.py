"""The registry of exercise checkers (ddpg_numpy.teach.checkers): every checker of every exercise
module, under its exercise's name."""

from __future__ import annotations

from ddpg_numpy.teach import (
    CHECKERS,
    ex01_backprop,
    ex02_critic,
    ex03_actor_and_targets,
    ex04_exploration_and_replay,
    ex05_td3,
)

EXERCISE_MODULES = (ex01_backprop, ex02_critic, ex03_actor_and_targets,
                    ex04_exploration_and_replay, ex05_td3)


def test_checkers_lists_every_checker_of_every_exercise_module_once():
    names = [name for module in EXERCISE_MODULES for name in module.__all__]
    assert sorted(f"check_{name}" for name in CHECKERS) == sorted(names)
    for module in EXERCISE_MODULES:
        for name in module.__all__:
            assert CHECKERS[name.removeprefix("check_")] is getattr(module, name)
