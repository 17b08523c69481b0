"""Teaching: one checker module per exercise notebook, and the gradient self-check."""

from __future__ import annotations

from .exercises import (  # noqa: F401
    TOLERANCE,
    MISTAKE_TOLERANCE,
    ExerciseFailed,
    ExerciseNotDone,
    check_numerical_gradient,
    check_linear_backward,
    check_relu_backward,
    check_tanh_backward,
    check_bellman_target,
    check_critic_loss_and_grad,
    check_critic_action_gradient,
    check_actor_gradient,
    check_soft_update,
    check_ou_step,
    check_sample_batch,
    CHECKERS,
    check_all,
)
from .selfcheck import (  # noqa: F401
    ddpg_update_checks,
    CHECK_GROUPS,
    all_gradient_checks,
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
