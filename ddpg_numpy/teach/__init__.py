"""Teaching: one checker module per exercise notebook, and the gradient self-check."""

from __future__ import annotations

from .exercises import (  # noqa: F401
    CHECKERS,
    MISTAKE_TOLERANCE,
    TOLERANCE,
    ExerciseFailed,
    ExerciseNotDone,
    check_actor_gradient,
    check_all,
    check_bellman_target,
    check_critic_action_gradient,
    check_critic_loss_and_grad,
    check_linear_backward,
    check_numerical_gradient,
    check_ou_step,
    check_relu_backward,
    check_sample_batch,
    check_soft_update,
    check_tanh_backward,
)
from .selfcheck import (  # noqa: F401
    CHECK_GROUPS,
    all_gradient_checks,
    ddpg_update_checks,
)

__all__ = [
    "CHECKERS",
    "CHECK_GROUPS",
    "ExerciseFailed",
    "ExerciseNotDone",
    "MISTAKE_TOLERANCE",
    "TOLERANCE",
    "all_gradient_checks",
    "check_actor_gradient",
    "check_all",
    "check_bellman_target",
    "check_critic_action_gradient",
    "check_critic_loss_and_grad",
    "check_linear_backward",
    "check_numerical_gradient",
    "check_ou_step",
    "check_relu_backward",
    "check_sample_batch",
    "check_soft_update",
    "check_tanh_backward",
    "ddpg_update_checks",
]
