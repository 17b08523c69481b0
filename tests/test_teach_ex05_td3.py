"""The checkers of ddpg_numpy.teach.ex05_td3 (the clipped double-Q target, target policy smoothing,
the delay schedule, the actor through Q₁): typical wrong answers fail with the message meant for
them, and the references are what core/td3.py does."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from wrong_answers import assert_fails_with_message, wrong_answer_params

from ddpg_numpy import TD3, Batch, TD3Config
from ddpg_numpy.teach import check_delayed_updates, ex05_td3

# --- 5.1 ------------------------------------------------------------------------------------


def target_with(combine, done=lambda d: 1.0 - d):
    return lambda r, d, q1, q2, gamma: r + gamma * done(d) * combine(q1, q2)


# --- 5.2 ------------------------------------------------------------------------------------

def smoothing(actor_target, batch, z, low, high, std, clip, *, scale_h=True, clip_h=True,
              clip_noise=True, clip_box=True, at="next_obs", range_factor=1.0):
    h = range_factor * (high - low) / 2
    noise = std * (h if scale_h else 1.0) * z
    if clip_noise:
        bound = clip * (h if clip_h else 1.0)
        noise = np.clip(noise, -bound, bound)
    action = batch.actions if at == "actions" else actor_target(getattr(batch, at))
    return np.clip(action + noise, low, high) if clip_box else action + noise


def smoothing_clipped_after_adding(actor_target, batch, z, low, high, std, clip, in_h=True):
    h = (high - low) / 2
    bound = clip * h if in_h else clip
    noisy = np.clip(actor_target(batch.next_obs) + std * h * z, -bound, bound)
    return np.clip(noisy, low, high)


def smoothing_max_action(actor_target, batch, z, low, high, std, clip):
    """The authors' TD3 code: noise in units of max_action, actions clipped to ±max_action."""
    noise = np.clip(std * high * z, -clip * high, clip * high)
    return np.clip(actor_target(batch.next_obs) + noise, -high, high)


def smoothing_precedence(actor_target, batch, z, low, high, std, clip):
    h = high - low / 2  # the brackets forgotten
    noise = np.clip(std * h * z, -clip * h, clip * h)
    return np.clip(actor_target(batch.next_obs) + noise, low, high)


def smoothing_own_noise(actor_target, batch, z, low, high, std, clip):
    return smoothing(actor_target, batch, np.random.standard_normal(z.shape), low, high, std, clip)


def smoothing_z_clipped_first(actor_target, batch, z, low, high, std, clip):
    h = (high - low) / 2
    return np.clip(actor_target(batch.next_obs) + std * h * np.clip(z, -clip, clip), low, high)


# --- 5.3 ------------------------------------------------------------------------------------

def schedule(env_steps, per_step, d, critics, actor, targets, *, clock="updates", test_first=False,
             targets_every_update=False, order=("actor", "targets")):
    """A delay schedule with one knob per known mistake (the defaults are TD3's)."""
    calls = {"actor": actor, "targets": targets}
    updates = 0
    for step in range(env_steps):
        for i in range(per_step):
            count = {"updates": updates + (0 if test_first else 1), "env steps": step + 1,
                     "within step": i + 1, "always": 0, "after step": 1}[clock]
            critics()
            updates += 1
            if count % d == 0:
                for name in order:
                    calls[name]()
            elif targets_every_update:
                targets()
        if clock == "after step" and (step + 1) % d == 0:
            actor()
            targets()


def schedule_env_steps_only(env_steps, per_step, d, critics, actor, targets):
    for step in range(1, env_steps + 1):  # one critic update per environment step
        critics()
        if step % d == 0:
            actor()
            targets()


def schedule_never_ends(env_steps, per_step, d, critics, actor, targets):
    while True:
        critics()


# --- 5.4 ------------------------------------------------------------------------------------

def actor_through(actor, critic1, critic2, batch, through="q1", sign=-1.0):
    n = len(batch.obs)
    mu = actor(batch.obs)
    q1, g1 = critic1.action_gradient(batch.obs, mu)
    q2, g2 = critic2.action_gradient(batch.obs, mu)
    dq_da = {"q1": g1, "q2": g2, "mean": (g1 + g2) / 2,
             "min": np.where((q1 <= q2)[:, None], g1, g2)}[through]
    actor.backward(sign * dq_da / n)
    return actor.grad.copy()


def actor_n_from_len_batch(actor, critic1, critic2, batch):
    mu = actor(batch.obs)
    _, dq_da = critic1.action_gradient(batch.obs, mu)
    actor.backward(-dq_da / len(batch))  # 5, the Batch's fields
    return actor.grad.copy()


def actor_at_replay_actions(actor, critic1, critic2, batch):
    actor(batch.obs)
    _, dq_da = critic1.action_gradient(batch.obs, batch.actions)
    actor.backward(-dq_da / len(batch.obs))
    return actor.grad.copy()


def actor_averaged_first(actor, critic1, critic2, batch):
    mu = actor(batch.obs)
    _, dq_da = critic1.action_gradient(batch.obs, mu)
    actor.backward(-np.broadcast_to(dq_da.mean(axis=0), dq_da.shape) / len(batch.obs))
    return actor.grad.copy()


def target_float32(r, d, q1, q2, gamma):
    return (r + gamma * (1.0 - d) * np.minimum(q1, q2)).astype(np.float32)


def target_in_place(r, d, q1, q2, gamma):
    q1 *= gamma * (1.0 - d)  # the caller's next_q1 changes
    q2 *= gamma * (1.0 - d)
    return r + np.minimum(q1, q2)


def target_with_invert(r, d, q1, q2, gamma):
    return r + gamma * ~d * np.minimum(q1, q2)


_CALLS = {"count": 0}


def schedule_global_counter(env_steps, per_step, d, critics, actor, targets):
    """The count of critic updates kept across calls (a module-level variable)."""
    for _ in range(env_steps * per_step):
        critics()
        _CALLS["count"] += 1
        if _CALLS["count"] % d == 0:
            actor()
            targets()


def actor_with_a_step(actor, critic1, critic2, batch):
    grad = actor_through(actor, critic1, critic2, batch)
    actor.theta[...] -= 0.01 * grad  # an optimizer step inside: the parameters change
    return grad


WRONG_ANSWERS = {
    "clipped_double_q_target": [
        (target_with(np.maximum), "you took the larger of the two estimates"),
        (target_with(np.minimum, done=lambda d: 1.0), "must not bootstrap"),
        (target_with(np.minimum, done=lambda d: d), "you bootstrapped only the terminal"),
        (target_with(lambda q1, q2: (q1 + q2) / 2), "you averaged the two estimates"),
        (target_with(lambda q1, q2: q1), "that is DDPG's target, from Q′₁ alone"),
        (target_with(lambda q1, q2: min(q1.min(), q2.min())), "one minimum over the whole batch"),
        (target_with(lambda q1, q2: np.min(q1, q2)), "np.min(x, y) reads y as an axis"),
        (target_with_invert, "~terminated do not work on floats"),
        (target_float32, "is float32; the inputs are float64"),
        (target_in_place, "your function changed its input `q1` in place"),
    ],
    "smoothed_target_action": [
        (lambda *a: smoothing(*a, clip_noise=False), "the noise is not clipped"),
        (lambda *a: smoothing(*a, scale_h=False, clip_h=False),
         "the noise is not scaled by the action half-range"),
        (lambda *a: smoothing(*a, clip_h=False), "the clip bound c is a fraction"),
        (lambda *a: smoothing(*a, range_factor=2.0), "you scaled by the full range"),
        (lambda *a: smoothing(*a, clip_box=False), "the smoothed action can leave the action box"),
        (lambda *a: smoothing(*a, at="actions"), "the noise went onto the behaviour action"),
        (lambda *a: smoothing(*a, at="obs"), "μ′ was evaluated at s_i"),
        (smoothing_z_clipped_first, "you clipped z before scaling it"),
        (lambda m, b, z, lo, hi, std, c: smoothing(m, b, z, lo, hi, c, std),
         "σ̃ and c are swapped"),
        (smoothing_own_noise, "two calls with the same z gave different results"),
        (smoothing_clipped_after_adding, "you clipped the noisy action μ′(s′) + ε to ±c·h"),
        (lambda *a: smoothing_clipped_after_adding(*a, in_h=False),
         "you clipped the noisy action μ′(s′) + ε to ±c·h"),
        (smoothing_max_action, "the authors' code's convention"),
        (lambda *a: np.clip(smoothing(*a, clip_box=False), -1.0, 1.0), "you clipped ã to [−1, 1]"),
        (smoothing_precedence, "your h is high − low / 2"),
    ],
    "delayed_updates": [
        (lambda *a: schedule(*a, targets_every_update=True),
         "the targets moved after every critic update"),
        (lambda *a: schedule(*a, clock="env steps"), "the delay is counted in environment steps"),
        (lambda *a: schedule(*a, clock="after step"), "the delay is counted in environment steps"),
        (lambda *a: schedule(*a, test_first=True),
         "off by one: the actor moved after critic update 1"),
        (lambda *a: schedule(*a, clock="within step"), "starts again at every environment step"),
        (lambda *a: schedule(*a, clock="always"), "that is DDPG"),
        (lambda *a: schedule(*a, order=("targets", "actor")), "the calls come in the wrong order"),
        (schedule_env_steps_only, "update_critics() was called 4 times"),
        (schedule_never_ends, "were called over"),
        (schedule_global_counter, "your function keeps a count between calls"),
    ],
    "td3_actor_gradient": [
        (lambda *a: actor_through(*a, through="min"), "you trained the actor through min(Q₁, Q₂)"),
        (lambda *a: actor_through(*a, through="q2"), "that is the gradient through Q₂"),
        (lambda *a: actor_through(*a, through="mean"), "you averaged the two critics' gradients"),
        (lambda *a: actor_through(*a, sign=1.0), "the sign is flipped"),
        (actor_with_a_step, "your function changed θ^μ"),
        (actor_n_from_len_batch, "the number of fields of the Batch named tuple"),
        (actor_at_replay_actions, "not at the replay buffer's actions"),
        (actor_averaged_first, "do not average ∇_a Q₁ over the batch"),
    ],
}


@pytest.mark.parametrize("name, wrong, message", wrong_answer_params(WRONG_ANSWERS))
def test_typical_wrong_answers_fail_with_the_intended_message(name, wrong, message, capsys):
    assert_fails_with_message(name, wrong, message, capsys)


def test_every_checker_of_the_module_has_at_least_two_wrong_answers():
    checked = sorted(name.removeprefix("check_") for name in ex05_td3.__all__)
    assert sorted(WRONG_ANSWERS) == checked
    assert all(len(cases) >= 2 for cases in WRONG_ANSWERS.values())


def test_the_correct_schedule_passes_and_is_td3_updates():
    """The knob-free schedule passes, and the checker's reference is read off TD3.update: the
    actor and targets move after critic updates d, 2d, ... (agent.updates counts them)."""
    assert check_delayed_updates(schedule, raise_on_fail=False) is True
    for d in (1, 2, 3):
        events = ex05_td3._core_schedule(7, d)
        assert events.count("critics") == 7
        assert ex05_td3._after(events, "actor") == ex05_td3._after(events, "targets") == [
            u for u in range(1, 8) if u % d == 0]


def test_the_smoothing_reference_is_td3s_target_noise():
    """With z drawn from the agent's own generator, the reference ã is T8 with TD3's noise."""
    low, high = np.array([-2.0, 0.0]), np.array([2.0, 0.5])
    agent = TD3(3, 2, low, high, TD3Config(hidden=(8, 8), dtype="float64"), seed=4)
    rng = np.random.default_rng(0)
    batch = Batch(*(rng.normal(size=s) for s in ((6, 3), (6, 2), 6, (6, 3), 6)))
    z = copy.deepcopy(agent.rngs[0]).standard_normal((6, 2))
    noise = agent.target_noise(6)  # draws the same z from the generator itself
    h = (high - low) / 2
    assert np.allclose(noise, np.clip(0.2 * h * z, -0.5 * h, 0.5 * h), rtol=0, atol=1e-15)
    assert np.abs(noise).max() <= 0.5 * h.max()
    reference = ex05_td3._reference_smoothing(agent.actor_target, batch, z, low, high, 0.2, 0.5)
    assert np.array_equal(reference, np.clip(agent.actor_target(batch.next_obs) + noise,
                                             low, high))
