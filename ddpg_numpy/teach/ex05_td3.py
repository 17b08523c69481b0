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
        ], hint="ã = clip(μ′(s′) + clip(σ̃·h·z, −c·h, c·h), low, high), h = (high − low)/2.")


def check_smoothed_target_action(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                                 hint: bool = False) -> bool | None:
    """Check ``smoothed_target_action(actor_target, batch, z, action_low, action_high,
    noise_std, noise_clip) -> ã`` (N, act_dim) (T8)."""
    return run_checker("smoothed_target_action", _check_smoothed_target_action, student_fn,
                       raise_on_fail, hint)


# --- 5.3 the delay schedule (T11) -----------------------------------------------------------------

def _core_schedule(updates: int, policy_delay: int) -> list[str]:
    """What ``updates`` calls of TD3.update do, read off the parameters: "critics" each call,
    then "actor" and "targets" on the calls that move them."""
    config = TD3Config(hidden=(4, 4), dtype="float64", policy_delay=policy_delay)
    agent = TD3(2, 1, [-1.0], [1.0], config, seed=0)
    rng = np.random.default_rng(0)
    batch = Batch(rng.normal(size=(4, 2)), rng.uniform(-1, 1, (4, 1)), rng.normal(size=4),
                  rng.normal(size=(4, 2)), np.zeros(4))
    events = []
    for _ in range(updates):
        actor, target = agent.actor.theta.copy(), agent.critic_target.theta.copy()
        agent.update(batch)
        events.append("critics")
        events += ["actor"] * (not np.array_equal(actor, agent.actor.theta))
        events += ["targets"] * (not np.array_equal(target, agent.critic_target.theta))
    return events


_CLOCK: Message = ("the delay is counted in environment steps; T11 counts critic updates, and "
                   "with updates_per_step > 1 these clocks differ.", "Keep one count of critic "
                   "updates over the whole run; test it after each critic update.")
_WITHIN = ("your count of critic updates starts again at every environment step; it runs over the "
           "whole training (agent.updates in TD3).")
# The known wrong schedules, (when, rule, feedback): after critic update u (from 1), the i-th of
# environment step t (both from 0), the actor and targets move if rule(t, i, u, d); when "step":
# once after step t's critic updates instead; when "targets": the targets after every update.
_WRONG_SCHEDULES: tuple[tuple[str, Callable[..., bool], Message], ...] = (
    ("targets", lambda t, i, u, d: u % d == 0,
     "the targets moved after every critic update, as in DDPG's L15; in TD3 they move only "
     "with the actor, every d-th critic update (T11–T13)."),
    ("update", lambda t, i, u, d: True,
     "the actor and targets moved after every critic update: that is DDPG. T11 delays them to "
     "every d-th critic update."),
    ("update", lambda t, i, u, d: (u - 1) % d == 0,
     ("off by one: the actor moved after critic update 1. Counted from 1, the first actor "
      "update comes after critic update d, as in TD3.update.",
      "Count the critic update first (updates += 1), then test updates % d == 0.")),
    ("update", lambda t, i, u, d: (u + 1) % d == 0,
     "off by one: the actor moved after critic update d − 1, 2d − 1, ..., not d, 2d, ...."),
    *(("update", lambda t, i, u, d, k=k: (t + k) % d == 0, _CLOCK) for k in (0, 1)),
    *(("step", lambda t, i, u, d, k=k: (t + k) % d == 0, _CLOCK) for k in (0, 1)),
    *(("update", lambda t, i, u, d, k=k: (i + k) % d == 0, _WITHIN) for k in (0, 1)),
)


def _schedule(env_steps: int, per_step: int, d: int, when: str,
              rule: Callable[..., bool]) -> list[str]:
    """The events of a loop that follows one of the ``_WRONG_SCHEDULES``."""
    events, u = [], 0
    for t in range(env_steps):
        for i in range(per_step):
            u += 1
            actor = when != "step" and rule(t, i, u, d)
            events += ["critics"] + ["actor"] * actor + ["targets"] * (actor or when == "targets")
        events += ["actor", "targets"] * (when == "step" and rule(t, 0, u, d))
    return events


def _after(events: list[str], what: str) -> list[int]:
    """The critic updates (counted from 1) after which ``what`` happened."""
    return [events[:i].count("critics") for i, e in enumerate(events) if e == what]


def _run_recorded(check: Checker, fn: Callable[..., Any], env_steps: int, per_step: int, d: int,
                  limit: int) -> list[str]:
    """The student's loop with callbacks that record "critics", "actor" and "targets"."""
    events: list[str] = []

    def record(what: str) -> Callable[[], None]:
        def callback() -> None:
            if len(events) > limit:  # a loop that would not end
                raise RuntimeError(f"the update functions were called over {limit} times in "
                                   "all; check your loop bounds.")
            events.append(what)
        return callback

    check.call(fn, env_steps, per_step, d, *map(record, ("critics", "actor", "targets")))
    return events


def _check_delayed_updates(check: Checker, fn: Callable[..., Any]) -> None:
    for env_steps, per_step, d in ((4, 2, 2), (6, 1, 3), (4, 3, 2)):
        total = env_steps * per_step
        expected = _core_schedule(total, d)
        events = _run_recorded(check, fn, env_steps, per_step, d, 10 * len(expected))
        name = f"env_steps = {env_steps}, updates_per_step = {per_step}, policy_delay = {d}"
        calls = events.count("critics")
        check.true(calls == total, f"for {name}, update_critics() was called {calls} times; "
                                   "each environment step has updates_per_step critic updates, "
                                   f"{total} in all.")
        if events == expected:
            check.passed()
            continue
        for when, rule, message in _WRONG_SCHEDULES:
            if _schedule(env_steps, per_step, d, when, rule) == events:
                check.fail(f"for {name}: {check.say(message)}")
        moving = _after(expected, "actor")
        if _after(events, "actor") == moving and _after(events, "targets") == moving:
            check.fail(f"for {name}, the calls come in the wrong order: after each critic "
                       "update, update_critics(), then (every d-th) update_actor(), then "
                       "update_targets(): T13 moves μ′ toward the actor's new parameters.")
        check.fail(f"for {name}, the actor moved after critic updates "
                   f"{_after(events, 'actor')} and the targets after "
                   f"{_after(events, 'targets')}; TD3.update moves both after {moving}.")


def check_delayed_updates(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                          hint: bool = False) -> bool | None:
    """Check ``delayed_updates(env_steps, updates_per_step, policy_delay, update_critics,
    update_actor, update_targets) -> None`` (T11)."""
    return run_checker("delayed_updates", _check_delayed_updates, student_fn, raise_on_fail,
                       hint)


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
        got = check.call(fn, *copies, Batch(*(b.copy() for b in batch)),
                         hint="compute μ(s) = actor(batch.obs) first: actor.backward needs the "
                              "cache of that forward pass.")
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
        ], hint="as exercise 3.1, with critic1: actor.backward(−∇_a Q₁(s, μ(s)) / N), then "
                "actor.grad.")


def check_td3_actor_gradient(student_fn: Callable[..., Any], raise_on_fail: bool = True,
                             hint: bool = False) -> bool | None:
    """Check ``td3_actor_gradient(actor, critic1, critic2, batch) -> ∂(−J)/∂θ^μ`` (P,) (T12)."""
    return run_checker("td3_actor_gradient", _check_td3_actor_gradient, student_fn,
                       raise_on_fail, hint)
