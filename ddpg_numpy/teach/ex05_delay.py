"""Checker for exercise 5.3 of notebook 05 (TD3): the delay schedule (T11), compared with what
``core.td3.TD3.update`` does to the parameters. (The other TD3 checkers are in ``ex05_td3``.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.config import TD3Config
from ..core.replay import Batch
from ..core.td3 import TD3
from .checking import Checker, Message, run_checker

__all__ = ["check_delayed_updates"]


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
    first, again = (_run_recorded(check, fn, 3, 1, 2, 100) for _ in range(2))  # 3 % 2 != 0
    check.true(first == again, "two calls with the same arguments updated at different "
                               "critic updates: your function keeps a count between calls (a "
                               "global variable?). Each call is a new training run: start the "
                               "count of critic updates at 0 inside the function.")
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
