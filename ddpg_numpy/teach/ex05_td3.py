"""Checkers for exercise notebook 05, TD3: the clipped double-Q target (T9), target policy smoothing
(T8), the delay schedule (T11) and the actor trained through Q₁ alone (T12) — compared with
``core.td3.TD3``, whose behaviour is the reference (its ``target_noise``, its ``update``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.config import TD3Config
from ..core.networks import Actor, Critic
from ..core.replay import Batch
from ..core.td3 import TD3
from .checking import Checker, Message, run_checker
from .ex03_actor_and_targets import _reference_actor_gradient
from .ex04_exploration_and_replay import _GivenNormal
from .ex05_delay import _after, _core_schedule, check_delayed_updates

_ = (_after, _core_schedule)  # 5.3's checker lives in ex05_delay; its helpers are shared here

__all__ = ["check_clipped_double_q_target", "check_delayed_updates", "check_smoothed_target_action",
           "check_td3_actor_gradient"]


# --- 5.1 the clipped double-Q target (T9) ---------------------------------------------------------

def _target(r: np.ndarray, not_done: np.ndarray | float, next_q: np.ndarray | float,
            gamma: float) -> np.ndarray:
    """r + γ · not_done · next_q: the target y and, with other arguments, its known mistakes."""
    return r + gamma * not_done * next_q


def _check_clipped_double_q_target(check: Checker, fn: Callable[..., Any]) -> None:
    rng = np.random.default_rng(51)
    n = 8
    terminated = (np.arange(n) % 3 == 1).astype(float)  # a mix of terminal and non-terminal
    cases = (  # (name, rewards, terminated, Q′₁, Q′₂, γ); the first is worked by hand
        ("the hand-worked case r = [1, -0.5, 2], terminated = [0, 1, 0], Q′₁ = [10, 4, -5], "
         "Q′₂ = [8, 6, -3], γ = 0.9", np.array([1.0, -0.5, 2.0]), np.array([0.0, 1.0, 0.0]),
         np.array([10.0, 4.0, -5.0]), np.array([8.0, 6.0, -3.0]), 0.9),
        ("a random batch of 8 with γ = 0.99", rng.normal(size=n), terminated,
         rng.normal(size=n), rng.normal(size=n), 0.99),
    )
    crash: Message = ("np.min(x, y) reads y as an axis, and Python's min(x, y) compares whole "
                      "arrays: neither takes the smaller value sample by sample.",
                      "np.minimum(next_q1, next_q2) does, shape (N,).")
    for name, r, d, q1, q2, gamma in cases:
        expected = _target(r, 1.0 - d, np.minimum(q1, q2), gamma)  # T9, as in TD3.update
        got = check.call(fn, r.copy(), d.copy(), q1.copy(), q2.copy(), gamma, hint=crash)
        check.same(f"y for {name}", got, expected, n=len(r), show=len(r) <= 3, mistakes=[
            (_target(r, 1.0 - d, np.maximum(q1, q2), gamma),
             "you took the larger of the two estimates. The point of clipped double Q is the "
             "smaller one: it counters the critic's over-estimation, and max makes it worse."),
            (_target(r, 1.0, np.minimum(q1, q2), gamma),
             ("terminal transitions (terminated = 1) must not bootstrap — there is no future "
              "after a true terminal state.", "Multiply γ min(Q′₁, Q′₂) by (1 − terminated).")),
            (_target(r, d, np.minimum(q1, q2), gamma),
             "you bootstrapped only the terminal transitions, the ones that have no future."),
            (_target(r, 1.0 - d, (q1 + q2) / 2, gamma),
             "you averaged the two estimates; an average still over-estimates when both critics "
             "do. TD3 takes the smaller one, sample by sample."),
            (_target(r, 1.0 - d, q1, gamma), "that is DDPG's target, from Q′₁ alone: TD3 "
                                             "takes the smaller of both target critics."),
            (_target(r, 1.0 - d, q2, gamma), "that is the target from Q′₂ alone: TD3 takes the "
                                             "smaller of both target critics."),
            (_target(r, 1.0 - d, min(q1.min(), q2.min()), gamma),
             "you took one minimum over the whole batch: each sample i takes the smaller of its "
             "own two estimates Q′₁(s′ᵢ, ãᵢ) and Q′₂(s′ᵢ, ãᵢ)."),
        ], hint="y_i = r_i + γ (1 − terminated_i) min(Q′₁ᵢ, Q′₂ᵢ).")


def check_clipped_double_q_target(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                                  hint: bool = False) -> bool | None:
    """Check ``clipped_double_q_target(rewards, terminated, next_q1, next_q2, gamma) -> y`` (T9)."""
    return run_checker("clipped_double_q_target", _check_clipped_double_q_target, student_fn,
                       raise_on_fail, hint)


# --- 5.2 target policy smoothing (T8) -------------------------------------------------------------

def _reference_smoothing(actor_target: Actor, batch: Batch, z: np.ndarray, low: np.ndarray,
                         high: np.ndarray, noise_std: float, noise_clip: float) -> np.ndarray:
    """T8 as TD3.update computes it: its own ``target_noise`` (fed z) and the clip to the box."""
    config = TD3Config(hidden=(4, 4), dtype="float64", target_noise=noise_std,
                       target_noise_clip=noise_clip)
    agent = TD3(batch.obs.shape[1], len(low), low, high, config, seed=0)
    agent.rngs = [_GivenNormal(z)]
    noise = agent.target_noise(len(z))
    return np.clip(actor_target(batch.next_obs) + noise, agent.action_low, agent.action_high)


def _smoothed(action: np.ndarray, z: np.ndarray, scale: np.ndarray | float,
              bound: np.ndarray | float, box: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """action + clip(scale·z, −bound, bound), clipped to ``box`` = (low, high) unless None: T8
    and, with other arguments, its known mistakes."""
    smoothed = action + np.clip(scale * z, -bound, bound)
    return smoothed if box is None else np.clip(smoothed, *box)


def _check_smoothed_target_action(check: Checker, fn: Callable[..., Any]) -> None:
    cases = (  # (seed, obs_dim, action box, σ̃, c): half-ranges h ≠ 1, so a missing h shows
        (52, 3, np.array([-2.0, 0.0]), np.array([2.0, 0.5]), 0.2, 0.5),
        (53, 4, np.array([0.5]), np.array([1.0]), 0.3, 0.4),
    )
    for seed, obs_dim, low, high, std, clip in cases:
        rng = np.random.default_rng(seed)
        act_dim, n = len(low), 10
        actor_target = Actor(obs_dim, act_dim, low, high, rng, hidden=(8, 6))
        actor_target.theta[...] = rng.uniform(-1.5, 1.5, actor_target.theta.shape)  # μ′ spread
        batch = Batch(rng.normal(size=(n, obs_dim)), rng.uniform(low, high, (n, act_dim)),
                      rng.normal(size=n), 2.0 * rng.normal(size=(n, obs_dim)), np.zeros(n))
        z = rng.normal(size=(n, act_dim))
        z[:4] = np.array([3.5, -4.0, 2.9, -3.2])[:, None]  # noise beyond the clip bound c
        name = (f"the action box low = {low.tolist()}, high = {high.tolist()}, σ̃ = {std}, "
                f"c = {clip}")
        expected = _reference_smoothing(actor_target, batch, z, low, high, std, clip)
        calls = [check.call(fn, actor_target.copy(), Batch(*(b.copy() for b in batch)),
                            z.copy(), low.copy(), high.copy(), std, clip,
                            hint="μ′(s′) = actor_target(batch.next_obs) has shape (N, act_dim) "
                                 f"= {(n, act_dim)}, like z.") for _ in range(2)]
        if calls[0] is not None and calls[1] is not None:
            check.true(np.array_equal(np.asarray(calls[0], float), np.asarray(calls[1], float)),
                       "two calls with the same z gave different results: use the given z "
                       "(ε = σ̃·h·z, with z ~ N(0, I) drawn outside so that T8 can be checked), "
                       "do not draw your own noise.")
        h, box = (high - low) / 2, (low, high)
        mu_next = actor_target(batch.next_obs)
        check.same(f"ã for {name}", calls[0], expected, n=n, mistakes=[
            (_smoothed(mu_next, z, std * h, np.inf, box),
             ("the noise is not clipped: a rare large ε would move ã far from μ′(s′), and the "
              "point is a small neighbourhood.", "Clip the noise to [−c·h, c·h] before adding "
                                                 "it.")),
            (_smoothed(mu_next, z, std, clip, box),
             ("the noise is not scaled by the action half-range h = (high − low)/2: σ̃ and c "
              "are fractions of h, as in the authors' code.", "ε = σ̃·h·z, clipped to ±c·h.")),
            (_smoothed(mu_next, z, 2 * std * h, 2 * clip * h, box),
             "you scaled by the full range high − low; σ̃ and c are fractions of the half-range "
             "h = (high − low)/2."),
            (_smoothed(mu_next, z, std * h, clip, box),
             "the clip bound c is a fraction of the half-range too: clip to ±c·h, not ±c."),
            (_smoothed(mu_next, z, std * h, clip * h, None),
             ("the smoothed action can leave the action box [low, high], where μ′ never acts "
              "and Q′ was never trained.", "Clip ã to [action_low, action_high] after adding "
                                           "the noise.")),
            (_smoothed(batch.actions, z, std * h, clip * h, box),
             "the noise went onto the behaviour action a_i from the replay buffer. T8 smooths "
             "the target action: μ′ at the next state s′."),
            (_smoothed(actor_target(batch.obs), z, std * h, clip * h, box),
             "μ′ was evaluated at s_i; the target action is μ′ at the next state s′ "
             "(batch.next_obs)."),
            (_smoothed(mu_next, np.clip(z, -clip, clip), std * h, np.inf, box),
             "you clipped z before scaling it, so the noise is cut at ±c·σ̃·h; the bound ±c·h "
             "applies to the noise ε = σ̃·h·z itself."),
            (_smoothed(mu_next, z, clip * h, std * h, box),
             "σ̃ and c are swapped: σ̃ scales the noise, c is the clip bound."),
            *((np.clip(np.clip(mu_next + std * h * z, -bound, bound), low, high),
               "you clipped the noisy action μ′(s′) + ε to ±c·h; the clip bounds the noise ε "
               "alone, before it is added: ã = clip(μ′(s′) + clip(ε, −c·h, c·h), low, high).")
              for bound in (clip * h, clip)),
            (np.clip(mu_next + np.clip(std * high * z, -clip * high, clip * high), -high, high),
             "that is the authors' code's convention: noise scaled by max_action = high and "
             "actions clipped to ±max_action. It equals T8 only for a box symmetric around 0 "
             "(low = −high); here it is not, so scale by the half-range h = (high − low)/2 and "
             "clip to [low, high]."),
            (_smoothed(mu_next, z, std * h, clip * h, (-1.0, 1.0)),
             "you clipped ã to [−1, 1]; this action box is [action_low, action_high], so clip "
             "to those bounds."),
            (_smoothed(mu_next, z, std * (high - low / 2), clip * (high - low / 2), box),
             "your h is high − low / 2: division comes before subtraction, so write "
             "h = (high − low) / 2 with the brackets."),
        ], hint="ã = clip(μ′(s′) + clip(σ̃·h·z, −c·h, c·h), low, high), h = (high − low)/2.")


def check_smoothed_target_action(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                                 hint: bool = False) -> bool | None:
    """Check ``smoothed_target_action(actor_target, batch, z, action_low, action_high,
    noise_std, noise_clip) -> ã`` (N, act_dim) (T8)."""
    return run_checker("smoothed_target_action", _check_smoothed_target_action, student_fn,
                       raise_on_fail, hint)


# --- 5.4 the actor follows Q₁ alone (T12) ---------------------------------------------------------

def _through_smaller_critic(actor: Actor, critic1: Critic, critic2: Critic,
                            obs: np.ndarray) -> np.ndarray:
    """∂(−J)/∂θ^μ with J through min(Q₁, Q₂), sample by sample: a known mistake."""
    actor = actor.copy()
    (q1, g1), (q2, g2) = (critic.action_gradient(obs, actor(obs)) for critic in (critic1, critic2))
    actor.backward(-np.where((q1 <= q2)[:, None], g1, g2) / len(obs))
    return actor.grad.copy()


def _check_td3_actor_gradient(check: Checker, fn: Callable[..., Any]) -> None:
    for seed, obs_dim, act_dim, n in ((54, 3, 2, 6), (55, 4, 1, 5)):
        rng = np.random.default_rng(seed)
        low, high = np.array([-1.0, 0.0][:act_dim]), np.array([2.0, 0.5][:act_dim])
        actor = Actor(obs_dim, act_dim, low, high, rng, hidden=(8, 7))
        actor.theta[...] = rng.uniform(-0.8, 0.8, actor.theta.shape)
        critic1, critic2 = (Critic(obs_dim, act_dim, rng, hidden=(8, 6)) for _ in range(2))
        critic1.theta[...], critic2.theta[...] = rng.uniform(-0.5, 0.5, (2, critic1.theta.size))
        batch = Batch(rng.normal(size=(n, obs_dim)), rng.uniform(low, high, (n, act_dim)),
                      rng.normal(size=n), rng.normal(size=(n, obs_dim)), np.zeros(n))
        expected = _reference_actor_gradient(actor, critic1, batch.obs)  # T12: through Q₁
        copies = actor.copy(), critic1.copy(), critic2.copy()
        got = check.call(fn, *copies, Batch(*(b.copy() for b in batch)))
        check.true(all(np.array_equal(a.theta, b.theta)
                       for a, b in zip(copies, (actor, critic1, critic2))),
                   "your function changed θ^μ, θ^Q₁ or θ^Q₂: it should only compute the "
                   "gradient (the optimizer takes the step afterwards).")
        through_q2 = _reference_actor_gradient(actor, critic2, batch.obs)
        check.same("∂(−J)/∂θ^μ", got, expected, n=n, mistakes=[
            (_through_smaller_critic(actor, critic1, critic2, batch.obs),
             "you trained the actor through min(Q₁, Q₂). The minimum belongs in the target y "
             "(T9), against over-estimation; the actor follows Q₁ alone (T12)."),
            (through_q2, "that is the gradient through Q₂; TD3's actor follows Q₁ alone, and Q₂ "
                         "only serves the target y."),
            ((expected + through_q2) / 2, "you averaged the two critics' gradients; the actor "
                                          "follows Q₁ alone (T12)."),
            (expected * n / len(batch),
             f"len(batch) is {len(batch)}, the number of fields of the Batch named tuple, not "
             "the batch size N: take N from an array (batch.obs.shape[0])."),
            (_reference_actor_gradient(actor, critic1, batch.obs, at=batch.actions),
             "∇_a Q₁ must be taken at the actor's own actions a = μ(s_i), not at the replay "
             "buffer's actions a_i: the actor improves where it acts now (as in exercise 3.1)."),
            (_reference_actor_gradient(actor, critic1, batch.obs, average=True),
             "each sample's ∇_a Q₁(s_i, μ(s_i)) multiplies its own ∇_θμ μ(s_i): do not average "
             "∇_a Q₁ over the batch before the backward pass (as in exercise 3.1)."),
        ], hint="as exercise 3.1, with critic1: actor.backward(−∇_a Q₁(s, μ(s)) / N), then "
                "actor.grad.")


def check_td3_actor_gradient(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                             hint: bool = False) -> bool | None:
    """Check ``td3_actor_gradient(actor, critic1, critic2, batch) -> ∂(−J)/∂θ^μ`` (P,) (T12)."""
    return run_checker("td3_actor_gradient", _check_td3_actor_gradient, student_fn,
                       raise_on_fail, hint)
