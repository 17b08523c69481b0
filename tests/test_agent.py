"""DDPG.update (L12–L15) against finite differences and hand-computed targets."""

import numpy as np
import pytest

from ddpg_numpy import DDPG, Batch, DDPGConfig, TrainingDivergedError, soft_update
from ddpg_numpy.core.gradcheck import TOLERANCE
from ddpg_numpy.fast import update_for
from ddpg_numpy.teach.selfcheck import ddpg_update_checks

SMALL = DDPGConfig(hidden=(8, 6), dtype="float64", gamma=0.9, tau=0.1)


def make_batch(rng, n=5, obs_dim=3, act_dim=2, terminated=None):
    term = (rng.random(n) < 0.5).astype(float) if terminated is None else terminated
    return Batch(rng.normal(size=(n, obs_dim)), rng.uniform(-1, 1, (n, act_dim)),
                 rng.normal(size=n), rng.normal(size=(n, obs_dim)), term)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_update_gradients_match_finite_differences(seed):
    for result in ddpg_update_checks(seed):
        assert result.error < TOLERANCE, str(result)


def frozen_agent(cfg=SMALL, seed=0):
    agent = DDPG(3, 2, [-1.0, -1.0], [1.0, 1.0], cfg, seed=seed)
    agent.critic_optimizer.step = agent.actor_optimizer.step = lambda: None
    return agent


def test_critic_gradient_uses_one_minus_terminated():
    """Hand-check L12–L13: ∂L/∂Q_i = 2(Q_i − y_i)/N with y_i = r_i + γ(1 − d_i)Q′(s′, μ′(s′))."""
    rng = np.random.default_rng(0)
    batch = make_batch(rng, terminated=np.array([1.0, 0.0, 1.0, 0.0, 0.0]))
    agent = frozen_agent()
    q_next = agent.critic_target(batch.next_obs, agent.actor_target(batch.next_obs))
    y = batch.rewards + 0.9 * (1 - batch.terminated) * q_next
    q = agent.critic(batch.obs, batch.actions)
    metrics = agent.update(batch)
    assert metrics["critic_loss"] == pytest.approx(np.mean((q - y) ** 2), rel=1e-12)
    assert metrics["q_mean"] == pytest.approx(q.mean(), rel=1e-12)
    # the same gradient from backprop of 2(Q − y)/N computed by hand
    agent.critic(batch.obs, batch.actions)
    agent.critic.backward(2 * (q - y) / len(y))
    expected = agent.critic.grad.copy()
    agent.update(batch)
    np.testing.assert_allclose(agent.critic.grad, expected, rtol=1e-12)


def test_terminal_transitions_do_not_bootstrap():
    rng = np.random.default_rng(1)
    agent = frozen_agent()
    batch = make_batch(rng, terminated=np.ones(5))
    q = agent.critic(batch.obs, batch.actions)
    loss = agent.update(batch)["critic_loss"]
    assert loss == pytest.approx(np.mean((q - batch.rewards) ** 2), rel=1e-12)  # y = r


def test_actor_objective_is_mean_q_of_the_policy():
    rng = np.random.default_rng(2)
    agent = frozen_agent()
    batch = make_batch(rng)
    j = agent.critic(batch.obs, agent.actor(batch.obs)).mean()
    assert agent.update(batch)["actor_objective"] == pytest.approx(j, rel=1e-12)


def test_soft_update_is_exact():
    rng = np.random.default_rng(3)
    agent = DDPG(3, 2, [-1.0, -1.0], [1.0, 1.0], SMALL)
    target = agent.critic_target
    target.theta[...] = rng.normal(size=target.theta.shape)
    before, source = target.theta.copy(), agent.critic.theta.copy()
    soft_update(target, agent.critic, tau=0.25)
    # θ′ + τ(θ − θ′) equals τθ + (1 − τ)θ′ up to one rounding of each operation
    np.testing.assert_allclose(target.theta, 0.25 * source + 0.75 * before, rtol=0, atol=1e-15)
    soft_update(target, agent.critic, tau=1.0)
    np.testing.assert_allclose(target.theta, source, rtol=0, atol=1e-15)  # τ = 1: a hard copy


def test_update_moves_targets_by_tau_toward_the_new_networks():
    rng = np.random.default_rng(4)
    agent = DDPG(3, 2, [-1.0, -1.0], [1.0, 1.0], SMALL)
    old_target = agent.actor_target.theta.copy()
    agent.update(make_batch(rng))
    expected = 0.1 * agent.actor.theta + 0.9 * old_target
    np.testing.assert_allclose(agent.actor_target.theta, expected, rtol=1e-12)


def test_targets_start_as_copies_but_are_separate():
    agent = DDPG(3, 2, [-1.0, -1.0], [1.0, 1.0], SMALL)
    np.testing.assert_array_equal(agent.actor.theta, agent.actor_target.theta)
    np.testing.assert_array_equal(agent.critic.theta, agent.critic_target.theta)
    assert not np.shares_memory(agent.actor.theta, agent.actor_target.theta)


def test_learning_a_fixed_batch_lowers_the_critic_loss():
    rng = np.random.default_rng(5)
    cfg = SMALL.replace(critic_weight_decay=0.0, critic_lr=1e-2, hidden=(32, 32))
    agent = DDPG(3, 2, [-1.0, -1.0], [1.0, 1.0], cfg)
    batch = make_batch(rng, n=32, terminated=np.ones(32))  # y = r: a plain regression
    batch.rewards[:] = np.sin(batch.obs[:, 0]) + batch.actions[:, 1]  # a function Q can learn
    first = agent.update(batch)["critic_loss"]
    for _ in range(300):
        last = agent.update(batch)["critic_loss"]
    assert last < 0.2 * first


def test_act_stays_in_bounds_and_explores():
    agent = DDPG(3, 1, [-2.0], [0.5], SMALL.replace(noise_sigma=5.0), seed=0)
    obs = np.zeros(3)
    greedy = agent.act(obs)
    assert greedy.shape == (1,) and np.array_equal(greedy, agent.act(obs))
    noisy = np.array([agent.act(obs, explore=True) for _ in range(200)])
    assert noisy.min() == -2.0 and noisy.max() == 0.5  # large noise is clipped to the box
    assert len(np.unique(noisy)) > 10


def test_same_seed_same_agent_and_same_updates():
    rng = np.random.default_rng(6)
    batch = make_batch(rng)
    a, b = (DDPG(3, 2, [-1, -1], [1, 1], SMALL, seed=9) for _ in range(2))
    assert a.update(batch) == b.update(batch)
    np.testing.assert_array_equal(a.actor.theta, b.actor.theta)


@pytest.mark.parametrize("dtype", ["float64", "float32"])  # training's plain path and fast path
def test_non_finite_loss_stops_with_parameters_untouched(dtype):
    rng = np.random.default_rng(7)
    agent = DDPG(3, 2, [-1, -1], [1, 1], SMALL.replace(dtype=dtype))
    update = update_for(agent)
    batch = Batch(*(x.astype(dtype) for x in make_batch(rng)))
    batch.rewards[2] = np.nan
    before = {k: net.theta.copy() for k, net in agent.networks().items()}
    with pytest.raises(TrainingDivergedError, match="critic loss became nan.*not changed"):
        update(batch)
    for k, net in agent.networks().items():
        np.testing.assert_array_equal(net.theta, before[k])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_state_dict_is_a_copy_that_training_leaves_alone(dtype):
    rng = np.random.default_rng(11)
    agent = DDPG(3, 2, [-1, -1], [1, 1], SMALL.replace(dtype=dtype))
    batch = Batch(*(x.astype(dtype) for x in make_batch(rng)))
    update = update_for(agent)
    update(batch)
    state = agent.state_dict()
    saved = {k: v.copy() for k, v in state.items()}
    copy = DDPG.from_state_dict(state)
    copy_before = {k: v.copy() for k, v in copy.state_dict().items()}
    for _ in range(3):
        update(batch)
    assert not np.array_equal(agent.actor.theta, saved["actor.theta"])  # it did train on
    for key, value in saved.items():
        np.testing.assert_array_equal(state[key], value, err_msg=key)
    for key, value in copy.state_dict().items():
        np.testing.assert_array_equal(value, copy_before[key], err_msg=key)


def test_save_and_load_round_trip(tmp_path):
    rng = np.random.default_rng(8)
    agent = DDPG(3, 2, [-1, -0.5], [1, 2], SMALL, seed=4)
    agent.update(make_batch(rng))
    agent.env_id = "Fake-v0"
    agent.save(tmp_path / "a.npz")
    loaded = DDPG.load(tmp_path / "a.npz")
    assert loaded.config == agent.config and loaded.env_id == "Fake-v0"
    for name, net in agent.networks().items():
        np.testing.assert_array_equal(loaded.networks()[name].theta, net.theta)
    batch = make_batch(rng)
    assert loaded.update(batch) == agent.update(batch)  # optimiser moments came along
    np.testing.assert_array_equal(loaded.act(np.ones(3), explore=True),
                                  agent.act(np.ones(3), explore=True))  # and the generators


def test_checkpoint_from_another_network_shape_is_explained(tmp_path):
    DDPG(3, 2, [-1, -1], [1, 1], SMALL).save(tmp_path / "small.npz")
    bigger = DDPG(3, 2, [-1, -1], [1, 1], SMALL.replace(hidden=(16, 6)))
    from ddpg_numpy.core.checkpoint import load_npz
    with pytest.raises(ValueError, match=r"another network shape.*hidden"):
        bigger.load_state_dict(load_npz(tmp_path / "small.npz"))


def test_loading_is_pickle_free(tmp_path):
    DDPG(3, 2, [-1, -1], [1, 1], SMALL).save(tmp_path / "a.npz")
    with np.load(tmp_path / "a.npz", allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)


def test_for_env_rejects_discrete_and_image_spaces():
    gym = pytest.importorskip("gymnasium")
    with pytest.raises(TypeError, match="Discrete.*continuous actions"):
        DDPG.for_env(gym.make("CartPole-v1"))

    class ImageEnv:
        observation_space = gym.spaces.Box(0, 255, (64, 64, 3), np.uint8)
        action_space = gym.spaces.Box(-1, 1, (2,))

    with pytest.raises(TypeError, match="flat vectors"):
        DDPG.for_env(ImageEnv())


def test_float32_agent_stays_float32():
    rng = np.random.default_rng(9)
    agent = DDPG(3, 2, [-1, -1], [1, 1], SMALL.replace(dtype="float32"))
    b = make_batch(rng)
    b32 = Batch(*(x.astype(np.float32) for x in b))
    agent.update(b32)
    assert agent.actor.theta.dtype == agent.critic.grad.dtype == np.float32
    assert agent.act(np.zeros(3)).dtype == np.float32
