"""The checkers of ddpg_numpy.teach.ex03_actor_and_targets (the actor's gradient, the soft
update): typical wrong answers fail with the message meant for them."""

from __future__ import annotations

import pytest
from wrong_answers import assert_fails_with_message, wrong_answer_params

from ddpg_numpy.teach import ex03_actor_and_targets


def actor_grad(actor, critic, batch, sign=-1.0, divide=True, replay_actions=False,
               n_from_len_batch=False):
    mu = actor(batch.obs)
    _, dq_da = critic.action_gradient(batch.obs, batch.actions if replay_actions else mu)
    n = len(batch) if n_from_len_batch else len(batch.obs)
    actor.backward(sign * dq_da / (n if divide else 1))
    return actor.grad.copy()


def soft_update_rebinding(theta_target, theta, tau):
    theta_target = tau * theta + (1 - tau) * theta_target  # noqa: F841 - the bug under test


def soft_update_into_a_copy(theta_target, theta, tau):
    flat_target = theta_target.reshape(-1)  # a copy when theta_target is a non-contiguous view
    flat_target += tau * (theta.reshape(-1) - flat_target)


def soft_update_swapped(theta_target, theta, tau):
    theta_target[...] = (1 - tau) * theta + tau * theta_target


def actor_grad_with_a_step_inside(actor, critic, batch):
    """An optimizer step inside, with the lecture's name lr (not defined here)."""
    mu = actor(batch.obs)
    _, dq_da = critic.action_gradient(batch.obs, mu)
    actor.backward(-dq_da / len(batch.obs))
    actor.theta -= lr * actor.grad  # noqa: F821 - the mistake under test
    return actor.grad


def actor_grad_without_forward(actor, critic, batch):
    _, dq_da = critic.action_gradient(batch.obs, batch.actions)
    actor.backward(-dq_da / len(batch.obs))
    return actor.grad


WRONG_ANSWERS = {
    "actor_gradient": [
        (actor_grad_with_a_step_inside, "a name your function uses is defined neither in it"),
        (actor_grad_without_forward, "a backward pass needs the cache of a forward pass"),
        (lambda actor, critic, b: actor_grad(actor, critic, b, sign=1.0), "Adam minimises"),
        (lambda actor, critic, b: actor_grad(actor, critic, b, divide=False), "carries a 1/N"),
        (lambda actor, critic, b: actor_grad(actor, critic, b, replay_actions=True),
         "not at the replay buffer's actions"),
        (lambda actor, critic, b: critic.action_gradient(b.obs, actor(b.obs))[1],
         "That is ∇_a Q, the first factor"),
        (lambda actor, critic, b: actor_grad(actor, critic, b, n_from_len_batch=True),
         "len(batch) is 5, the number of fields"),
    ],
    "soft_update": [
        (soft_update_swapped, "τ is applied the wrong way round"),
        (soft_update_rebinding, "only rebinds the local name"),
        (lambda tt, t, tau: tau * t + (1 - tau) * tt, "you returned the new θ′"),
        (lambda tt, t, tau: tt.__setitem__(..., t), "hard update"),
        (soft_update_into_a_copy, "you wrote into a copy"),
    ],
}


@pytest.mark.parametrize("name, wrong, message", wrong_answer_params(WRONG_ANSWERS))
def test_typical_wrong_answers_fail_with_the_intended_message(name, wrong, message, capsys):
    assert_fails_with_message(name, wrong, message, capsys)


def test_every_checker_of_the_module_has_at_least_two_wrong_answers():
    checked = sorted(name.removeprefix("check_") for name in ex03_actor_and_targets.__all__)
    assert sorted(WRONG_ANSWERS) == checked
    assert all(len(cases) >= 2 for cases in WRONG_ANSWERS.values())
