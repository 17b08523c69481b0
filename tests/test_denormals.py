"""Denormal floats flushed to zero during an update (fast/denormals.py, ``flush_denormals``)."""

import numpy as np
import pytest

from ddpg_numpy import DDPG, TD3, DDPGConfig, TD3Config
from ddpg_numpy.core.replay import Batch
from ddpg_numpy.fast import FastUpdate, update_for
from ddpg_numpy.fast.denormals import SUPPORTED, denormals_flushed_now, flush_denormals

needs_x86_linux = pytest.mark.skipif(not SUPPORTED, reason="FTZ/DAZ set through glibc on x86-64")
TINY = np.float32(1e-39)  # below float32's smallest normal number, 1.18e-38: a denormal


@needs_x86_linux
def test_flushing_holds_inside_the_call_only_also_after_an_error():
    def halve(x):
        assert denormals_flushed_now()
        return x * np.float32(0.5)

    assert not denormals_flushed_now()
    assert flush_denormals(halve)(TINY) == 0.0  # the result is flushed to zero...
    assert not denormals_flushed_now()
    assert (np.float32(TINY) * np.float32(0.5)) > 0  # ...and outside the call it is not

    def fail():
        raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        flush_denormals(fail)()
    assert not denormals_flushed_now()


def _batch(agent, n: int) -> Batch:
    """A minibatch whose first observation feature is 0 in every row, so that the critic's
    first-layer weights on that feature get a gradient of exactly 0."""
    rng = np.random.default_rng(1)
    obs = rng.standard_normal((n, agent.obs_dim)).astype(np.float32)
    obs[:, 0] = 0.0
    act = rng.uniform(-1, 1, (n, agent.act_dim)).astype(np.float32)
    return Batch(obs, act, rng.standard_normal(n).astype(np.float32), obs.copy(),
                 np.zeros(n, np.float32))


def _agent(config_class, flush: bool) -> DDPG:
    cfg = config_class(hidden=(16, 16), dtype="float32", batch_size=8, flush_denormals=flush,
                       critic_weight_decay=0.0, critic_action_layer=0)
    return (TD3 if config_class is TD3Config else DDPG)(3, 1, [-1.0], [1.0], cfg, seed=0)


def test_the_switch_is_off_by_default_and_in_pendulums_preset_on_for_mujoco():
    assert DDPGConfig().flush_denormals is False
    assert DDPGConfig.preset("Pendulum-v1").flush_denormals is False  # shipped results' bits
    assert DDPGConfig.preset("HalfCheetah-v5").flush_denormals is True
    assert DDPGConfig.fast_defaults().flush_denormals is True
    assert isinstance(update_for(_agent(DDPGConfig, False)), FastUpdate)


@needs_x86_linux
@pytest.mark.parametrize("config_class", [DDPGConfig, TD3Config])
@pytest.mark.parametrize("fast", [True, False])
def test_adams_decaying_moment_reaches_zero_instead_of_a_denormal(config_class, fast):
    """Where the gradient is 0, Adam's first moment decays as m ← 0.9·m. From a tiny normal m
    that is a denormal; flushed, it is 0. Everything else is the same update."""
    agents = {}
    for flush in (False, True):
        agent = _agent(config_class, flush)
        agent.critic_optimizer.m[0][...] = np.float32(1.25e-38)  # normal; 0.9 × it is not
        update_for(agent, fast=fast)(_batch(agent, 8))
        agents[flush] = agent
    plain, flushed = agents[False].critic_optimizer, agents[True].critic_optimizer
    zero_gradient = flushed.grads[0] == 0
    assert zero_gradient.sum() >= 16  # the first feature's weights, one per first-layer unit
    assert np.all(plain.m[0][zero_gradient] == np.float32(0.9) * np.float32(1.25e-38))
    assert np.all(plain.m[0][zero_gradient] != 0)
    assert np.all(flushed.m[0][zero_gradient] == 0)
    np.testing.assert_allclose(flushed.m[0][~zero_gradient], plain.m[0][~zero_gradient],
                               rtol=1e-6)
    np.testing.assert_allclose(agents[True].critic.theta, agents[False].critic.theta,
                               rtol=1e-6, atol=1e-9)
