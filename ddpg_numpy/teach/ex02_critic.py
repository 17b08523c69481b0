"""Checkers for exercise notebook 02, the critic: the Bellman target y (L12), the critic's loss
and ∂L/∂Q (L13), and ∇_a Q through the paper's critic — compared with ``core.networks.Critic``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.networks import Critic
from .checking import Checker, run_checker

__all__ = ["check_bellman_target", "check_critic_action_gradient", "check_critic_loss_and_grad"]


def _check_bellman_target(check: Checker, fn: Callable[..., Any]) -> None:
    rng = np.random.default_rng(7)
    n = 8
    terminated = (np.arange(n) % 3 == 1).astype(float)  # a mix of terminal and non-terminal
    cases = (  # (name, rewards, terminated, next_q, gamma); the first is worked by hand
        ("the hand-worked case r = [1, -0.5, 2], terminated = [0, 1, 0], "
         "Q′ = [10, 10, -4], γ = 0.9", np.array([1.0, -0.5, 2.0]), np.array([0.0, 1.0, 0.0]),
         np.array([10.0, 10.0, -4.0]), 0.9),
        ("a random batch of 8 with γ = 0.99", rng.normal(size=n), terminated,
         rng.normal(size=n), 0.99),
    )
    for name, r, d, next_q, gamma in cases:
        expected = r + gamma * (1.0 - d) * next_q  # L12, as in DDPG.update
        got = check.call(fn, r.copy(), d.copy(), next_q.copy(), gamma,
                         hint=("terminated is a float array of 0.0/1.0: `not terminated` and "
                               "~terminated do not work on floats.", "Use (1.0 - terminated)."))
        check.same(f"y for {name}", got, expected, n=len(r), show=len(r) <= 3, mistakes=[
            (r + gamma * next_q, ("terminal transitions (terminated = 1) must not bootstrap — "
                                  "there is no future after a true terminal state.",
                                  "Multiply γQ′ by (1 − terminated).")),
            (r + gamma * d * next_q, "you bootstrapped only the terminal transitions, the ones "
                                     "that have no future."),
            (r + (1.0 - d) * next_q, "the future value is not discounted: multiply it by γ."),
            (gamma * (r + (1.0 - d) * next_q), "γ discounts only the future value Q′; the "
                                               "reward r_i is received now."),
            ((1.0 - d) * (r + gamma * next_q), "the last reward of a terminal transition still "
                                               "counts: (1 − terminated) multiplies only γQ′."),
            (r - gamma * (1.0 - d) * next_q, "the discounted future value is added to r, not "
                                             "subtracted."),
        ], hint="y_i = r_i + γ (1 − terminated_i) Q′_i.")


def check_bellman_target(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                        hint: bool = False) -> bool | None:
    """Check ``bellman_target(rewards, terminated, next_q, gamma) -> y`` (L12)."""
    return run_checker("bellman_target", _check_bellman_target, student_fn, raise_on_fail, hint)


def _check_critic_loss_and_grad(check: Checker, fn: Callable[..., Any]) -> None:
    rng = np.random.default_rng(8)
    cases = (("the hand-worked case q = [[1], [2], [0]], y = [0, 2, 1]",
              np.array([[1.0], [2.0], [0.0]]), np.array([0.0, 2.0, 1.0])),
             ("a random batch of 8", rng.normal(size=(8, 1)), rng.normal(size=8)))
    for name, q, y in cases:
        n = len(y)
        td = q[:, 0] - y
        loss, grad = float(np.mean(td**2)), (2.0 * td / n)[:, None]  # L13, as in DDPG.update
        result = check.call(fn, q.copy(), y.copy())
        if not (isinstance(result, tuple | list) and len(result) == 2):
            check.fail("return two things: (loss, dL_dq).")
        if np.ndim(result[0]) >= 1 and np.ndim(result[1]) == 0:
            check.fail("the tuple is the wrong way round: return (loss, dL_dq), the loss first.")
        got_loss, got_grad = result
        broadcast = q - y  # (N, 1) − (N,) -> (N, N): the classic silent bug
        check.same(f"the loss for {name}", got_loss, loss, n=n, show=n <= 3, mistakes=[
            (np.mean(broadcast**2), ("q has shape (N, 1) and y (N,): q − y broadcasts into an "
                                     "(N, N) matrix, and its mean is a different number — the "
                                     "classic silent DDPG bug.", "Use q[:, 0] − y.")),
            (np.sum(td**2), "L is the mean over the batch, (1/N) Σ_i, not the sum."),
        ], shape_hints={(n,): "The loss is one number: the mean over the batch.",
                        (n, 1): "The loss is one number: the mean over the batch."},
           hint="L = (1/N) Σ_i (y_i − Q_i)².")
        check.same(f"dL_dq for {name}", got_grad, grad, n=n, show=n <= 3, mistakes=[
            (2.0 * td[:, None], "L is a mean, so each ∂L/∂Q_i carries a 1/N."),
            (td[:, None] / n, "d/dQ (Q − y)² = 2(Q − y): the factor 2 is missing."),
            (2.0 * (y[:, None] - q) / n, "the sign is flipped: gradient descent on L must move "
                                         "Q toward y."),
            (2.0 * broadcast / n, ("q has shape (N, 1) and y (N,): q − y broadcasts into an "
                                   "(N, N) matrix.", "Compute q[:, 0] − y, then reshape.")),
        ], shape_hints={(n,): "The gradient has the shape of what it is the gradient of: q is "
                              "(N, 1), so dL_dq is (N, 1) too (add [:, None])."},
           hint="∂L/∂Q_i = 2(Q_i − y_i)/N, shape (N, 1) like q.")


def check_critic_loss_and_grad(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                              hint: bool = False) -> bool | None:
    """Check ``critic_loss_and_grad(q, y) -> (loss, dL_dq)`` with q (N, 1), y (N,) (L13)."""
    return run_checker("critic_loss_and_grad", _check_critic_loss_and_grad, student_fn,
                       raise_on_fail, hint)


_PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def _manual_action_gradient(obs: np.ndarray, actions: np.ndarray, p: dict[str, np.ndarray],
                            rows: slice, mask: bool = True) -> np.ndarray:
    """∇_a Q through the paper's critic by hand, with two knobs that reproduce known mistakes."""
    h1 = np.maximum(obs @ p["W1"] + p["b1"], 0.0)
    z2 = np.concatenate([h1, actions], axis=1) @ p["W2"] + p["b2"]
    dq_dz2 = p["W3"][:, 0] * ((z2 > 0) if mask else np.ones_like(z2))  # (N, H2)
    return dq_dz2 @ p["W2"][rows].T


def _check_critic_action_gradient(check: Checker, fn: Callable[..., Any]) -> None:
    for seed, obs_dim, act_dim, hidden, n in ((9, 3, 2, (6, 5), 4), (10, 4, 1, (7, 3), 5)):
        rng = np.random.default_rng(seed)
        critic = Critic(obs_dim, act_dim, rng, hidden=hidden)
        critic.theta[...] = rng.uniform(-0.7, 0.7, critic.theta.shape)  # leave the tiny init
        params = {name: p.copy() for name, p in zip(_PARAM_NAMES, critic.params())}
        obs, actions = rng.normal(size=(n, obs_dim)), rng.uniform(-1, 1, (n, act_dim))
        _, expected = critic.action_gradient(obs, actions)  # reference (gradient-checked)
        h1 = hidden[0]
        got = check.call(fn, obs.copy(), actions.copy(), {k: v.copy() for k, v in params.items()},
                         hint=f"shapes here: obs {obs.shape}, actions {actions.shape}, "
                              f"W1 {params['W1'].shape}, W2 {params['W2'].shape} (its input is "
                              f"[h1; a]), W3 {params['W3'].shape}.")
        check.same("∇_a Q", got, expected, n=n, mistakes=[
            (_manual_action_gradient(obs, actions, params, slice(0, act_dim)),
             ("you used the first act_dim rows of W2, which multiply h1. Layer 2's input is "
              "[h1; a] with h1 first, so the action's rows are the last ones.",
              f"Here: W2[{h1}:].")),
            (_manual_action_gradient(obs, actions, params, slice(h1, None), mask=False),
             "backpropagate through the second ReLU too: multiply by 1[z2 > 0]."),
            (expected / n, "∇_a Q is per sample: each Q_i depends only on its own a_i, so there "
                           "is no 1/N here (the 1/N belongs to the actor's objective J, L14)."),
            (-expected, "this is ∇_a Q itself; the minus sign of the actor's loss −J comes "
                        "later (L14)."),
        ], shape_hints={(act_dim,): "Return one row per sample, shape (N, act_dim): do not "
                                    "sum or average over the batch.",
                        (n, h1 + act_dim): f"That is ∂Q/∂[h1; a] for the whole input of layer "
                                           f"2; keep only the action's columns [:, {h1}:]."},
           hint="Backprop ∂Q/∂Q = 1: through W3, the ReLU mask 1[z2 > 0], then the action's "
                "rows of W2.")


def check_critic_action_gradient(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                                hint: bool = False) -> bool | None:
    """Check ``critic_action_gradient(obs, actions, params) -> dq_da`` (N, act_dim)."""
    return run_checker("critic_action_gradient", _check_critic_action_gradient, student_fn,
                       raise_on_fail, hint)
