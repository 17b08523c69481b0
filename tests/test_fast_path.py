"""The fast path (ddpg_numpy/fast) computes what the plain DDPG.update computes.

Same parameters, targets, Adam moments, gradients and metrics after several updates, up to
floating-point rounding (the folded bias sums in another order), in float64 and float32, for one
agent and for stacked seeds, with the action entering the critic at the input or the 2nd layer.
"""

import copy
import inspect

import numpy as np
import pytest

from ddpg_numpy import DDPG, Batch, DDPGConfig
from ddpg_numpy.core.gradcheck import TOLERANCE, check_gradient
from ddpg_numpy.core.nn import MLP, folded_blocks
from ddpg_numpy.fast import FastUpdate, update_for

TOL = {"float64": dict(rtol=1e-9, atol=1e-12), "float32": dict(rtol=2e-4, atol=2e-6)}


def make_batch(rng, n, lead=(), obs_dim=3, act_dim=2, dtype="float64"):
    def cast(x):
        return np.asarray(x, dtype=dtype)
    return Batch(cast(rng.normal(size=lead + (n, obs_dim))),
                 cast(rng.uniform(-1, 1, lead + (n, act_dim))), cast(rng.normal(size=lead + (n,))),
                 cast(rng.normal(size=lead + (n, obs_dim))),
                 cast(rng.random(lead + (n,)) < 0.3))


def twin_agents(cfg, seed):
    """The same agent twice: one to train on the fast path, one on the plain code."""
    return tuple(DDPG(3, 2, [-1.0, 0.0], [2.0, 0.5], cfg, seed=seed) for _ in range(2))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("action_layer", [1, 0])
@pytest.mark.parametrize("seed", [0, [0, 1, 2]], ids=["solo", "stacked"])
def test_fast_update_matches_plain_update(dtype, action_layer, seed):
    cfg = DDPGConfig(hidden=(16, 12), dtype=dtype, critic_action_layer=action_layer, tau=0.1,
                     actor_lr=1e-2, critic_lr=1e-2, critic_weight_decay=1e-2, gamma=0.9)
    fast, plain = twin_agents(cfg, seed)
    fast_update = FastUpdate(fast)
    rng = np.random.default_rng(1)
    lead = () if fast.stack is None else (fast.stack,)
    for n in (7, 7, 10, 7):  # a new batch size makes the fast path reallocate its buffers
        batch = make_batch(rng, n, lead, dtype=dtype)
        got, expected = fast_update(batch), plain.update(batch)
        for key in expected:
            np.testing.assert_allclose(got[key], expected[key], **TOL[dtype], err_msg=key)
    for name, net in plain.networks().items():
        np.testing.assert_allclose(fast.networks()[name].theta, net.theta, **TOL[dtype],
                                   err_msg=name)
    for name in ("actor", "critic"):
        np.testing.assert_allclose(fast.networks()[name].grad, plain.networks()[name].grad,
                                   **TOL[dtype], err_msg=f"{name} gradient")
        f_opt, p_opt = getattr(fast, f"{name}_optimizer"), getattr(plain, f"{name}_optimizer")
        np.testing.assert_allclose(f_opt.m[0], p_opt.m[0], **TOL[dtype])
        np.testing.assert_allclose(f_opt.v[0], p_opt.v[0], rtol=TOL[dtype]["rtol"], atol=1e-12)
    assert fast.updates == plain.updates == 4
    assert fast.actor.theta.dtype == np.dtype(dtype)


def test_fast_gradients_match_finite_differences():
    """The gradients the fast path hands to Adam, against central differences (float64)."""
    rng = np.random.default_rng(0)
    cfg = DDPGConfig(hidden=(8, 6), dtype="float64", gamma=0.9)
    agent = DDPG(3, 2, [-1.0, -2.0], [2.0, 1.0], cfg, seed=0)
    update = FastUpdate(agent)
    for net in (agent.critic, agent.actor):  # away from the tiny final-layer initialisation
        net.theta[...] = rng.uniform(-0.5, 0.5, net.theta.shape)
    agent.critic_target.theta[...] += 0.05 * rng.normal(size=agent.critic.theta.shape)
    batch = make_batch(rng, 9)
    y = batch.rewards + cfg.gamma * (1 - batch.terminated) * agent.critic_target(
        batch.next_obs, agent.actor_target(batch.next_obs))
    update.critic_adam.step = update.actor_adam.step = lambda: None  # keep θ and grads
    update(batch)

    def critic_loss():
        return float(np.mean((y - agent.critic(batch.obs, batch.actions)) ** 2))

    def minus_actor_objective():
        return -float(np.mean(agent.critic(batch.obs, agent.actor(batch.obs))))

    for result in (check_gradient("fast L13", agent.critic.grad.copy(), critic_loss,
                                  agent.critic.theta),
                   check_gradient("fast L14", agent.actor.grad.copy(), minus_actor_objective,
                                  agent.actor.theta)):
        assert result.error < TOLERANCE, str(result)


def test_folded_blocks_are_the_weights_with_the_bias_as_last_row():
    rng = np.random.default_rng(0)
    for net in (MLP.build([3, 5, 2], rng), MLP.stacked([MLP.build([3, 5, 2], rng)
                                                        for _ in range(3)])):
        blocks = folded_blocks(net.theta, net.linears(), net.stack)
        grad_blocks = folded_blocks(net.grad, net.linears(), net.stack)
        for lin, block, grad_block in zip(net.linears(), blocks, grad_blocks):
            np.testing.assert_array_equal(block[..., :-1, :], lin.W)
            np.testing.assert_array_equal(block[..., -1, :], lin.b)
            assert np.shares_memory(block, net.theta) and np.shares_memory(grad_block, net.grad)
        x = rng.normal(size=(net.stack or 1, 4, 3))[0 if net.stack is None else slice(None)]
        ones = np.ones(x.shape[:-1] + (1,))
        h = np.maximum(np.concatenate([x, ones], axis=-1) @ blocks[0], 0)
        y = np.concatenate([h, ones], axis=-1) @ blocks[1]
        np.testing.assert_allclose(y, net.forward(x), rtol=1e-12)  # [x, 1] [W; b] = xW + b


def test_folded_blocks_refuse_a_vector_the_layers_do_not_live_in():
    net = MLP.build([3, 5, 2], np.random.default_rng(0))
    with pytest.raises(ValueError, match="not views of this flat vector"):
        folded_blocks(net.theta.copy(), net.linears())


def test_training_chooses_the_fast_path_for_float32_only():
    agent32 = DDPG(3, 2, [-1, -1], [1, 1], DDPGConfig(dtype="float32"))
    agent64 = DDPG(3, 2, [-1, -1], [1, 1], DDPGConfig(dtype="float64"))
    assert isinstance(update_for(agent32), FastUpdate)
    assert update_for(agent64) == agent64.update
    assert update_for(agent32, fast=False) == agent32.update
    assert isinstance(update_for(agent64, fast=True), FastUpdate)


def test_the_agent_knows_nothing_of_the_fast_path():
    """The fast path is chosen by the training loop: DDPG.update is the plain code, always."""
    agent = DDPG(3, 2, [-1, -1], [1, 1], DDPGConfig(hidden=(8, 6), dtype="float32"))
    assert not any("fast" in name.lower() for name in vars(agent))
    assert "fast" not in inspect.getsource(DDPG).lower()  # (core never imports fast: test_layout)


def test_fast_path_keeps_the_plain_errors():
    # (a NaN loss on both paths: tests/test_agent.py::test_non_finite_loss_stops_...)
    cfg = DDPGConfig(hidden=(8, 6), dtype="float32")
    agent = DDPG(3, 2, [-1, -1], [1, 1], cfg)
    rng = np.random.default_rng(3)
    update = FastUpdate(agent)
    with pytest.raises(TypeError, match="float64 does not match the parameters' float32"):
        update(make_batch(rng, 5, dtype="float64"))
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 3\)"):
        update(make_batch(rng, 5, obs_dim=4, dtype="float32"))
    with pytest.raises(ValueError, match="ReplayBuffer\\(stack=S\\)"):
        update(make_batch(rng, 5, lead=(2,), dtype="float32"))


def test_a_copied_agent_trains_on_its_own_parameters():
    """copy.deepcopy keeps each layer a view of its own theta; a fast path made for the copy
    trains the copy and leaves the original."""
    rng = np.random.default_rng(4)
    cfg = DDPGConfig(hidden=(8, 6), dtype="float32", critic_lr=1e-2)
    agent = DDPG(3, 2, [-1, -1], [1, 1], cfg)
    batch = make_batch(rng, 6, dtype="float32")
    update = FastUpdate(agent)
    update(batch)
    twin = copy.deepcopy(agent)
    before = agent.critic.theta.copy()
    assert FastUpdate(twin)(batch) == update(batch)
    assert not np.array_equal(agent.critic.theta, before)
    np.testing.assert_array_equal(twin.critic.theta, agent.critic.theta)
    assert not np.shares_memory(twin.critic.theta, agent.critic.theta)


def test_fast_path_follows_loaded_parameters(tmp_path):
    rng = np.random.default_rng(5)
    cfg = DDPGConfig(hidden=(8, 6), dtype="float32")
    a, b = DDPG(3, 2, [-1, -1], [1, 1], cfg, seed=1), DDPG(3, 2, [-1, -1], [1, 1], cfg, seed=2)
    batch = make_batch(rng, 6, dtype="float32")
    update_a, update_b = FastUpdate(a), FastUpdate(b)
    update_a(batch)
    update_b(batch)  # b's fast path exists before the load writes into its arrays
    a.save(tmp_path / "a.npz")
    b.load_state_dict(DDPG.load(tmp_path / "a.npz").state_dict())
    assert update_a(batch) == update_b(batch)


def test_a_deep_copied_network_trains_its_own_layers():
    """Each layer's W is a view of theta; a deep copy keeps that (plain deepcopy would not)."""
    rng = np.random.default_rng(6)
    net = MLP.build([3, 5, 2], rng)
    twin = copy.deepcopy(net)
    x = rng.normal(size=(4, 3))
    twin.theta[...] *= 2.0  # e.g. an optimizer step on the copy's flat vector
    assert not np.allclose(twin.forward(x), net.forward(x))  # its layers moved with theta
    np.testing.assert_array_equal(net.theta * 2.0, twin.theta)
    twin.backward(np.ones((4, 2)))
    assert np.shares_memory(twin.grads()[0], twin.grad) and not np.any(net.grad)


def test_benchmark_helpers_time_either_path():
    from ddpg_numpy.fast.benchmark import make_update, random_batch, updates_per_second

    batch = random_batch(5, 2, 16, "float32", stack=3)
    assert batch.obs.shape == (3, 16, 5) and batch.terminated.dtype == np.float32
    for fast in (True, False):
        update = make_update(5, 2, (8, 6), 16, "float32", fast_path=fast)
        assert set(update()) == {"critic_loss", "q_mean", "actor_objective"}
        rates = updates_per_second(update, repeats=2, seconds=0.01, warmup=1)
        assert len(rates) == 2 and all(r > 0 for r in rates)  # rates exist; speed not asserted
