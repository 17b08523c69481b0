"""Checkers for exercise notebook 03, actor and targets: the actor's gradient ∂(−J)/∂θ^μ (L14)
and the soft update of a target network (L15) — compared with ``core.networks`` and
``core.agent.soft_update``."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..core.agent import soft_update as _reference_soft_update
from ..core.networks import Actor, Critic
from ..core.replay import Batch
from .checking import Checker, Message, is_close, run_checker

__all__ = ["check_actor_gradient", "check_soft_update"]


def _reference_actor_gradient(actor: Actor, critic: Critic, obs: np.ndarray,
                              at: np.ndarray | None = None, average: bool = False) -> np.ndarray:
    """∂(−J)/∂θ^μ as in DDPG.update (L14); ``at`` and ``average`` reproduce known mistakes."""
    actor, critic = actor.copy(), critic.copy()
    mu = actor(obs)
    _, dq_da = critic.action_gradient(obs, mu if at is None else at)
    if average:
        dq_da = np.broadcast_to(dq_da.mean(axis=0), dq_da.shape)
    actor.forward(obs)
    actor.backward(-dq_da / len(obs))
    return actor.grad.copy()


def _check_actor_gradient(check: Checker, fn: Callable[..., Any]) -> None:
    for seed, obs_dim, act_dim, n in ((11, 3, 2, 6), (12, 4, 1, 5)):
        rng = np.random.default_rng(seed)
        low, high = np.array([-1.0, 0.0][:act_dim]), np.array([2.0, 0.5][:act_dim])
        actor = Actor(obs_dim, act_dim, low, high, rng, hidden=(8, 7))
        actor.theta[...] = rng.uniform(-0.8, 0.8, actor.theta.shape)  # tanh not linear
        critic = Critic(obs_dim, act_dim, rng, hidden=(8, 6))
        critic.theta[...] = rng.uniform(-0.5, 0.5, critic.theta.shape)
        batch = Batch(rng.normal(size=(n, obs_dim)), rng.uniform(low, high, (n, act_dim)),
                      rng.normal(size=n), rng.normal(size=(n, obs_dim)), np.zeros(n))
        expected = _reference_actor_gradient(actor, critic, batch.obs)
        student_actor, student_critic = actor.copy(), critic.copy()
        got = check.call(fn, student_actor, student_critic, Batch(*(b.copy() for b in batch)))
        if isinstance(got, list | tuple):
            check.fail("return the flat gradient actor.grad (shape (P,)), not a list per layer.")
        check.true(np.array_equal(student_actor.theta, actor.theta)
                   and np.array_equal(student_critic.theta, critic.theta),
                   "your function changed θ^μ or θ^Q: it should only compute the gradient "
                   "(the optimizer takes the step afterwards).")
        check.same("∂(−J)/∂θ^μ", got, expected, n=n, mistakes=[
            (-expected, ("that is ∇J; Adam minimises, so return the gradient of −J.",
                         "Backpropagate −∇_a Q / N.")),
            (n * expected, "J is the mean of Q(s_i, μ(s_i)) over the N samples, so its gradient "
                           "carries a 1/N."),
            (expected * n / len(batch),
             f"len(batch) is {len(batch)}, the number of fields of the Batch named tuple, not "
             "the batch size N: take N from an array (batch.obs.shape[0])."),
            (expected / n, "you divided by N twice."),
            (_reference_actor_gradient(actor, critic, batch.obs, at=batch.actions),
             "∇_a Q must be taken at the actor's own actions a = μ(s_i), not at the replay "
             "buffer's actions a_i: the actor improves where it acts now."),
            (_reference_actor_gradient(actor, critic, batch.obs, average=True),
             "each sample's ∇_a Q(s_i, μ(s_i)) multiplies its own ∇_θμ μ(s_i): do not average "
             "∇_a Q over the batch before the backward pass."),
        ], shape_hints={(n, act_dim): ("That is ∇_a Q, the first factor; the second is the "
                                       "actor's backward pass.",
                                       "Backpropagate −∇_a Q / N through the actor "
                                       "(actor.backward) and return actor.grad, shape (P,).")},
           hint="−∇_θμ J = actor.backward(−∇_a Q(s, μ(s)) / N), then actor.grad.")


def check_actor_gradient(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                        hint: bool = False) -> bool | None:
    """Check ``actor_gradient(actor, critic, batch) -> ∂(−J)/∂θ^μ`` (P,) (L14)."""
    return run_checker("actor_gradient", _check_actor_gradient, student_fn, raise_on_fail, hint)


def _check_soft_update(check: Checker, fn: Callable[..., Any]) -> None:
    rng = np.random.default_rng(13)
    storage = rng.normal(size=(3, 12))  # stacked targets; a (3, 5) slice is a non-contiguous view
    cases = (("a (7,) parameter vector, τ = 0.1", rng.normal(size=7), rng.normal(size=7), 0.1),
             ("a (3, 5) view into a larger array, τ = 0.005", storage[:, 2:7],
              rng.normal(size=(3, 5)), 0.005))
    for case, (name, theta_target, theta, tau) in enumerate(cases):
        old_target = theta_target.copy()
        expected = SimpleNamespace(theta=old_target.copy())
        _reference_soft_update(expected, SimpleNamespace(theta=theta), tau)  # L15
        theta_in = theta.copy()
        returned = check.call(fn, theta_target, theta_in, tau, inputs_may_change=True)
        check.true(np.array_equal(theta_in, theta),
                   f"for {name}, you changed theta, the online parameters θ: only the target θ′ "
                   "moves in a soft update.")
        in_place: Message = ("the target network's layers are views into this array, so a new "
                             "array would update nothing.",
                             "Write into the array: theta_target[...] = ... or "
                             "theta_target += ....")
        if np.array_equal(theta_target, old_target):
            if case > 0:  # the contiguous case passed, so the writes went into a copy
                check.fail((f"for {name}, theta_target is unchanged, though your update of a "
                            "plain vector worked: you wrote into a copy. x.reshape(-1) and "
                            "x.ravel() of a non-contiguous view (a slice of a larger array, as "
                            "here) return a copy, not a view.", in_place[1]))
            if returned is not None and is_close(np.asarray(returned, float), expected.theta):
                check.fail((f"for {name}, you returned the new θ′ but theta_target itself is "
                            f"unchanged: {in_place[0]}", in_place[1]))
            check.fail((f"for {name}, theta_target is unchanged: `theta_target = ...` only "
                        f"rebinds the local name; {in_place[0]}", in_place[1]))
        check.passed()
        check.same(f"θ′ for {name}", theta_target, expected.theta, mistakes=[
            ((1 - tau) * theta + tau * old_target, "τ is applied the wrong way round: the "
                                                   "target must move a small step τ toward θ."),
            (theta, "that is a hard update (a copy, as in L2); L15 moves θ′ only a step τ toward "
                    "θ."),
            (old_target + tau * theta, "the target must also shrink: θ′ moves toward θ, it does "
                                       "not just add τθ."),
            (tau * theta, "the old target is gone: L15 keeps (1 − τ) of it."),
        ], hint="θ′ ← τθ + (1 − τ)θ′.")


def check_soft_update(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                     hint: bool = False) -> bool | None:
    """Check ``soft_update(theta_target, theta, tau) -> None`` (in place on theta_target, L15)."""
    return run_checker("soft_update", _check_soft_update, student_fn, raise_on_fail, hint)
