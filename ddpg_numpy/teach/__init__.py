"""Teaching: one checker module per exercise notebook, their shared harness, and the gradient
self-check.

* ``checking``: what every checker shares — pass/fail, feedback, what a student sees;
* ``ex01_backprop`` .. ``ex05_td3``: the checkers of each exercise notebook;
* ``checkers``: ``CHECKERS`` (every checker by exercise name) and ``check_all``;
* ``selfcheck``: every backward pass against finite differences
  (``python -m ddpg_numpy gradcheck``).
"""

from __future__ import annotations

from .checkers import CHECKERS, check_all
from .checking import (
    MISTAKE_TOLERANCE,
    REVEAL_AFTER,
    TOLERANCE,
    ExerciseFailed,
    ExerciseNotDone,
    reset_tries,
)
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
from .selfcheck import CHECK_GROUPS, all_gradient_checks, ddpg_update_checks

__all__ = [
    "CHECKERS",
    "CHECK_GROUPS",
    "ExerciseFailed",
    "ExerciseNotDone",
    "MISTAKE_TOLERANCE",
    "REVEAL_AFTER",
    "TOLERANCE",
    "all_gradient_checks",
    "check_actor_gradient",
    "check_all",
    "check_bellman_target",
    "check_clipped_double_q_target",
    "check_critic_action_gradient",
    "check_critic_loss_and_grad",
    "check_delayed_updates",
    "check_linear_backward",
    "check_numerical_gradient",
    "check_ou_step",
    "check_relu_backward",
    "check_sample_batch",
    "check_smoothed_target_action",
    "check_soft_update",
    "check_tanh_backward",
    "check_td3_actor_gradient",
    "ddpg_update_checks",
    "reset_tries",
]
