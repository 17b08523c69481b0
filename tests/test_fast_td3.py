"""The fast path of TD3 (fast/td3_update.py) computes what the plain TD3.update computes.

Same parameters, targets, gradients, Adam moments and metrics after several updates, up to
floating-point rounding, with each switch on and off, for one agent and for stacked seeds.
"""

import itertools

import numpy as np
import pytest

from ddpg_numpy import DDPG, TD3, Batch, DDPGConfig, TD3Config, TrainingDivergedError
from ddpg_numpy.core.gradcheck import TOLERANCE, check_gradient
from ddpg_numpy.fast import FastTD3Update, FastUpdate, update_for

TOL = {"float64": dict(rtol=1e-9, atol=1e-12), "float32": dict(rtol=2e-4, atol=2e-6)}
SWITCHES = [dict(twin_critics=t, target_smoothing=s, policy_delay=d)
            for t, s, d in itertools.product([True, False], [True, False], [1, 2])]


def make_batch(rng, n, lead=(), dtype="float64"):
    def cast(x):
        return np.asarray(x, dtype=dtype)
    return Batch(cast(rng.normal(size=lead + (n, 3))), cast(rng.uniform(-1, 1, lead + (n, 2))),
                 cast(rng.normal(size=lead + (n,))), cast(rng.normal(size=lead + (n, 3))),
                 cast(rng.random(lead + (n,)) < 0.3))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("seed", [0, [0, 1, 2]], ids=["solo", "stacked"])
@pytest.mark.parametrize("switches", SWITCHES,
                         ids=["-".join(f"{k}={v}" for k, v in s.items()) for s in SWITCHES])
def test_fast_td3_update_matches_plain_update(dtype, seed, switches):
    action_layer = 0 if switches["target_smoothing"] else 1  # both ways the action enters
    cfg = TD3Config(hidden=(16, 12), dtype=dtype, critic_action_layer=action_layer, tau=0.1,
                    actor_lr=1e-2, critic_lr=1e-2, critic_weight_decay=1e-2, gamma=0.9,
                    target_noise=0.5, target_noise_clip=0.3, **switches)
    fast, plain = (TD3(3, 2, [-1.0, 0.0], [2.0, 0.5], cfg, seed=seed) for _ in range(2))
    saturated = np.random.default_rng(2).uniform(-1.5, 1.5, fast.actor_target.theta.shape)
    for agent in (fast, plain):  # μ′(s′) near the bounds: the smoothed action gets clipped
        agent.actor_target.theta[...] = saturated
    fast_update = FastTD3Update(fast)
    rng = np.random.default_rng(1)
    lead = () if fast.stack is None else (fast.stack,)
    for n in (7, 7, 10, 7, 7):  # a new batch size makes the fast path reallocate its buffers
        batch = make_batch(rng, n, lead, dtype=dtype)
        got, expected = fast_update(batch), plain.update(batch)
        assert got.keys() == expected.keys()
        for key in expected:
            np.testing.assert_allclose(got[key], expected[key], **TOL[dtype], err_msg=key)
    for name, net in plain.networks().items():
        np.testing.assert_allclose(fast.networks()[name].theta, net.theta, **TOL[dtype],
                                   err_msg=name)
    names = ["actor", "critic"] + (["critic2"] if switches["twin_critics"] else [])
    for name in names:
        np.testing.assert_allclose(fast.networks()[name].grad, plain.networks()[name].grad,
                                   **TOL[dtype], err_msg=f"{name} gradient")
        f_opt, p_opt = getattr(fast, f"{name}_optimizer"), getattr(plain, f"{name}_optimizer")
        assert f_opt.t == p_opt.t
        np.testing.assert_allclose(f_opt.m[0], p_opt.m[0], **TOL[dtype])
        np.testing.assert_allclose(f_opt.v[0], p_opt.v[0], rtol=TOL[dtype]["rtol"], atol=1e-12)
    assert fast.updates == plain.updates == 5
    assert fast.actor_optimizer.t == 5 // switches["policy_delay"]
    # the same smoothing-noise draws: the generators are where the plain code left them
    assert [r.bit_generator.state for r in fast.rngs] == [r.bit_generator.state for r in plain.rngs]


def test_fast_td3_gradients_match_finite_differences():
    """The gradients the fast path hands to Adam, against central differences (float64)."""
    rng = np.random.default_rng(0)
    cfg = TD3Config(hidden=(8, 6), dtype="float64", gamma=0.9, policy_delay=1,
                    target_smoothing=False)
    agent = TD3(3, 2, [-1.0, -2.0], [2.0, 1.0], cfg, seed=0)
    update = FastTD3Update(agent)
    for net in (agent.critic, agent.critic2, agent.actor):  # away from the tiny initialisation
        net.theta[...] = rng.uniform(-0.5, 0.5, net.theta.shape)
    agent.critic_target.theta[...] += 0.3 * rng.normal(size=agent.critic.theta.shape)
    agent.critic2_target.theta[...] += 0.3 * rng.normal(size=agent.critic2.theta.shape)
    batch = make_batch(rng, 9)
    next_action = agent.actor_target(batch.next_obs)
    y = batch.rewards + cfg.gamma * (1 - batch.terminated) * np.minimum(
        agent.critic_target(batch.next_obs, next_action),
        agent.critic2_target(batch.next_obs, next_action))
    update.critic_adam.step = update.critic2_adam.step = update.actor_adam.step = lambda: None
    update(batch)

    def critic_loss(critic):
        return lambda: float(np.mean((y - critic(batch.obs, batch.actions)) ** 2))

    def minus_actor_objective():
        return -float(np.mean(agent.critic(batch.obs, agent.actor(batch.obs))))

    for result in (check_gradient("fast T10 Q1", agent.critic.grad.copy(),
                                  critic_loss(agent.critic), agent.critic.theta),
                   check_gradient("fast T10 Q2", agent.critic2.grad.copy(),
                                  critic_loss(agent.critic2), agent.critic2.theta),
                   check_gradient("fast T12", agent.actor.grad.copy(), minus_actor_objective,
                                  agent.actor.theta)):
        assert result.error < TOLERANCE, str(result)


def test_training_chooses_the_td3_fast_path_for_float32_td3_agents():
    td3_32 = TD3(3, 2, [-1, -1], [1, 1], TD3Config(hidden=(8, 6), dtype="float32"))
    td3_64 = TD3(3, 2, [-1, -1], [1, 1], TD3Config(hidden=(8, 6), dtype="float64"))
    ddpg_32 = DDPG(3, 2, [-1, -1], [1, 1], DDPGConfig(hidden=(8, 6), dtype="float32"))
    assert type(update_for(td3_32)) is FastTD3Update
    assert update_for(td3_64) == td3_64.update
    assert update_for(td3_32, fast=False) == td3_32.update
    assert type(update_for(td3_64, fast=True)) is FastTD3Update
    assert type(update_for(ddpg_32)) is FastUpdate


def test_fast_td3_keeps_the_plain_errors():
    agent = TD3(3, 2, [-1, -1], [1, 1], TD3Config(hidden=(8, 6), dtype="float32"))
    update = FastTD3Update(agent)
    rng = np.random.default_rng(3)
    with pytest.raises(TypeError, match="float64 does not match the parameters' float32"):
        update(make_batch(rng, 5, dtype="float64"))
    with pytest.raises(ValueError, match=r"TD3\.update: batch\.obs has shape"):
        update(make_batch(rng, 5, lead=(2,), dtype="float32"))


def test_a_diverging_second_critic_changes_nothing_on_the_fast_path():
    agent = TD3(3, 2, [-1, -1], [1, 1], TD3Config(hidden=(8, 6), dtype="float32"))
    agent.critic2.theta[...] = np.inf
    before = {name: net.theta.copy() for name, net in agent.networks().items()}
    with pytest.raises(TrainingDivergedError, match="Q2 loss"), np.errstate(invalid="ignore"):
        FastTD3Update(agent)(make_batch(np.random.default_rng(4), 5, dtype="float32"))
    for name, net in agent.networks().items():
        np.testing.assert_array_equal(net.theta, before[name], err_msg=name)
