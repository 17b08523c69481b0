"""Every exercise checker by exercise name, and ``check_all`` for grading scripts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .ex01_backprop import (
    check_linear_backward,
    check_numerical_gradient,
    check_relu_backward,
    check_tanh_backward,
)
from .ex02_critic import (
    check_bellman_target,
    check_critic_action_gradient,
    check_critic_loss_and_grad,
)
from .ex03_actor_and_targets import check_actor_gradient, check_soft_update
from .ex04_exploration_and_replay import check_ou_step, check_sample_batch
from .ex05_td3 import (
    check_clipped_double_q_target,
    check_delayed_updates,
    check_smoothed_target_action,
    check_td3_actor_gradient,
)

__all__ = ["CHECKERS", "check_all"]


CHECKERS: dict[str, Callable[..., bool | None]] = {
    "numerical_gradient": check_numerical_gradient,
    "linear_backward": check_linear_backward,
    "relu_backward": check_relu_backward,
    "tanh_backward": check_tanh_backward,
    "bellman_target": check_bellman_target,
    "critic_loss_and_grad": check_critic_loss_and_grad,
    "critic_action_gradient": check_critic_action_gradient,
    "actor_gradient": check_actor_gradient,
    "soft_update": check_soft_update,
    "ou_step": check_ou_step,
    "sample_batch": check_sample_batch,
    "clipped_double_q_target": check_clipped_double_q_target,
    "smoothed_target_action": check_smoothed_target_action,
    "delayed_updates": check_delayed_updates,
    "td3_actor_gradient": check_td3_actor_gradient,
}


def check_all(namespace: dict[str, Any]) -> dict[str, bool]:
    """Run the checker of every exercise function found in ``namespace`` (e.g. ``globals()`` or
    ``vars(module)``), never raising; returns {exercise: passed}. For grading scripts."""
    return {name: bool(checker(namespace[name], raise_on_fail=False))
            for name, checker in CHECKERS.items() if callable(namespace.get(name))}
