"""The checkers of ddpg_numpy.teach.ex03_actor_and_targets (the actor's gradient, the soft
update): typical wrong answers fail with the message meant for them."""

from __future__ import annotations

import pytest
from wrong_answers import assert_fails_with_message, wrong_answer_params

from ddpg_numpy.teach import ex03_actor_and_targets


def actor_grad(actor, critic, batch, sign=-1.0, divide=True, replay_actions=False):
    mu = actor(batch.obs)
    _, dq_da = critic.action_gradient(batch.obs, batch.actions if replay_actions else mu)
    actor.backward(sign * dq_da / (len(batch.obs) if divide else 1))
    return actor.grad.copy()


def soft_update_rebinding(theta_target, theta, tau):
    theta_target = tau * theta + (1 - tau) * theta_target  # noqa: F841 - the bug under test


def soft_update_swapped(theta_target, theta, tau):
    theta_target[...] = (1 - tau) * theta + tau * theta_target


WRONG_ANSWERS = {
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
}


@pytest.mark.parametrize("name, wrong, message", wrong_answer_params(WRONG_ANSWERS))
def test_typical_wrong_answers_fail_with_the_intended_message(name, wrong, message, capsys):
    assert_fails_with_message(name, wrong, message, capsys)


def test_every_checker_of_the_module_has_at_least_two_wrong_answers():
    checked = sorted(name.removeprefix("check_") for name in ex03_actor_and_targets.__all__)
    assert sorted(WRONG_ANSWERS) == checked
    assert all(len(cases) >= 2 for cases in WRONG_ANSWERS.values())
