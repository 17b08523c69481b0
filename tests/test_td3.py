"""TD3 (core/td3.py): DDPG with three switches, each doing what the paper's line says.

All off, it is DDPG bit for bit; the target (T8, T9) is checked against the formula through
what the critics receive; the delay (T11) counts critic updates; the actor follows Q₁ only
(T12); files record their algorithm; stacked seeds are solo seeds side by side.
"""

import copy

import numpy as np
import pytest

from ddpg_numpy import DDPG, TD3, Batch, DDPGConfig, TD3Config, load_agent
from ddpg_numpy.core import TrainingDivergedError, agent_class, config_from_dict, save_npz_atomic
from ddpg_numpy.core.checkpoint import load_npz
from ddpg_numpy.core.gradcheck import TOLERANCE
from ddpg_numpy.core.networks import Critic
from ddpg_numpy.teach.selfcheck import td3_update_checks

LOW, HIGH = [-1.0, 0.0], [2.0, 0.5]  # asymmetric bounds: half-ranges h = (1.5, 0.25)
BASE = dict(hidden=(16, 12), tau=0.1, actor_lr=1e-2, critic_lr=1e-2, gamma=0.9)
DDPG_SWITCHES = dict(twin_critics=False, target_smoothing=False, policy_delay=1)


def make_batch(rng, n=7, lead=(), dtype="float64"):
    def cast(x):
        return np.asarray(x, dtype=dtype)
    return Batch(cast(rng.normal(size=lead + (n, 3))), cast(rng.uniform(-1, 1, lead + (n, 2))),
                 cast(rng.normal(size=lead + (n,))), cast(rng.normal(size=lead + (n, 3))),
                 cast(rng.random(lead + (n,)) < 0.3))


def td3(seed=0, **switches):
    return TD3(3, 2, LOW, HIGH, TD3Config(**BASE, **switches), seed=seed)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("seed", [0, [0, 1, 2]], ids=["solo", "stacked"])
def test_with_every_switch_off_td3_is_ddpg_bit_for_bit(dtype, seed):
    ddpg = DDPG(3, 2, LOW, HIGH, DDPGConfig(**BASE, dtype=dtype), seed=seed)
    agent = td3(seed, dtype=dtype, **DDPG_SWITCHES)
    rng = np.random.default_rng(1)
    lead = () if ddpg.stack is None else (ddpg.stack,)
    for _ in range(5):
        batch = make_batch(rng, lead=lead, dtype=dtype)
        expected, got = ddpg.update(batch), agent.update(batch)
        assert expected.keys() == got.keys()
        for key in expected:
            np.testing.assert_array_equal(got[key], expected[key], err_msg=key)
    ours, theirs = agent.state_dict(), ddpg.state_dict()
    assert set(ours) == set(theirs)
    for key in theirs:
        if key not in ("config", "algorithm"):
            np.testing.assert_array_equal(ours[key], theirs[key], err_msg=key)
    assert str(ours["algorithm"]) == "td3" and str(theirs["algorithm"]) == "ddpg"


def test_twin_critics_have_their_own_initialisation_target_and_optimizer():
    agent = td3()
    assert agent.critic2.theta.shape == agent.critic.theta.shape
    assert not np.allclose(agent.critic2.theta, agent.critic.theta)  # T1: its own draw
    np.testing.assert_array_equal(agent.critic2_target.theta, agent.critic2.theta)  # T2
    assert not np.shares_memory(agent.critic2_target.theta, agent.critic2.theta)
    assert agent.critic2_optimizer.params[0] is agent.critic2.theta
    assert td3(twin_critics=False).critic2 is None
    # Q₂ is drawn after DDPG's networks: μ and Q₁ are DDPG's own, whatever the switches.
    ddpg = DDPG(3, 2, LOW, HIGH, DDPGConfig(**BASE), seed=0)
    np.testing.assert_array_equal(agent.critic.theta, ddpg.critic.theta)
    np.testing.assert_array_equal(agent.actor.theta, ddpg.actor.theta)


def test_target_noise_is_clipped_gaussian_scaled_by_the_half_range():
    agent = td3(target_noise=0.2, target_noise_clip=0.5)
    z = copy.deepcopy(agent.rng).standard_normal((20_000, 2))  # the draws the agent will make
    noise = agent.target_noise(20_000)
    h = np.array([1.5, 0.25])
    np.testing.assert_allclose(noise, np.clip(0.2 * h * z, -0.5 * h, 0.5 * h), rtol=1e-15)
    np.testing.assert_allclose(np.abs(noise).max(axis=0), 0.5 * h)  # c = 0.5h is reached
    # σ̃ = 0.2h: clipping z at ±2.5 leaves std √(E[min(z², 6.25)]) = 0.989 of it
    assert np.all(np.abs(noise.std(axis=0) / (0.2 * h) - 0.989) < 0.02)


@pytest.fixture
def critic_calls(monkeypatch):
    """Every Critic call (network, action in, Q out) and backward (network, ∂L/∂Q) of a test."""
    calls, grads = [], []
    forward, backward = Critic.forward, Critic.backward

    def recorded_forward(self, obs, action):
        q = forward(self, obs, action)
        calls.append((self, action.copy(), q.copy()))
        return q

    def recorded_backward(self, grad_q, param_grads=True):
        grads.append((self, grad_q.copy()))
        return backward(self, grad_q, param_grads)

    monkeypatch.setattr(Critic, "__call__", recorded_forward)
    monkeypatch.setattr(Critic, "backward", recorded_backward)
    return calls, grads


def test_t8_t9_the_target_is_the_min_of_the_twin_targets_at_the_smoothed_action(critic_calls):
    calls, grads = critic_calls
    agent = td3(target_noise=0.6, target_noise_clip=0.4)
    rng = np.random.default_rng(2)
    for net in (agent.critic_target, agent.critic2_target):
        net.theta[...] = rng.uniform(-0.5, 0.5, net.theta.shape)  # Q′₁ ≠ Q′₂
    agent.actor_target.theta[...] = rng.uniform(-1.5, 1.5, agent.actor_target.theta.shape)
    batch = make_batch(rng, n=64)
    before = copy.deepcopy(agent)
    mu_next = before.actor_target(batch.next_obs)
    smoothed = np.clip(mu_next + before.target_noise(64), LOW, HIGH)  # T8, by hand
    agent.update(batch)

    targets = {id(agent.critic_target): None, id(agent.critic2_target): None}
    online = {id(agent.critic): None, id(agent.critic2): None}
    for net, action, q in calls:
        if id(net) in targets:
            np.testing.assert_array_equal(action, smoothed)  # both targets see the same ã
            targets[id(net)] = q
        elif id(net) in online and online[id(net)] is None:
            online[id(net)] = q  # Q_j(s, a), the first call on each online critic
    q1_next, q2_next = targets.values()
    assert np.any(q1_next < q2_next) and np.any(q2_next < q1_next)  # min picks both sides
    assert np.any(smoothed != mu_next)  # smoothing, then clipping to the bounds:
    assert np.any(smoothed == LOW) and np.any(smoothed == HIGH)
    y = batch.rewards + 0.9 * (1 - batch.terminated) * np.minimum(q1_next, q2_next)  # T9
    for net, grad_q in grads[:2]:  # T10: ∂L_j/∂Q_j = 2(Q_j − y)/N, so y = Q_j − N·∂L_j/∂Q_j / 2
        np.testing.assert_allclose(online[id(net)] - 64 * grad_q / 2, y, rtol=1e-12, atol=1e-12)


def test_t11_the_actor_and_every_target_move_once_every_d_critic_updates():
    agent = td3(policy_delay=3)
    rng = np.random.default_rng(3)
    moved_at = {name: [] for name in agent.networks()}
    objectives = []
    for _ in range(7):
        before = {name: net.theta.copy() for name, net in agent.networks().items()}
        objectives.append(agent.update(make_batch(rng))["actor_objective"])
        for name, net in agent.networks().items():
            if not np.array_equal(net.theta, before[name]):
                moved_at[name].append(agent.updates)
    assert moved_at["critic"] == moved_at["critic2"] == [1, 2, 3, 4, 5, 6, 7]
    for name in ("actor", "actor_target", "critic_target", "critic2_target"):
        assert moved_at[name] == [3, 6], name
    assert [np.isnan(j) for j in objectives] == [True, True, False, True, True, False, True]


def test_t12_the_actor_follows_q1_only():
    """Two agents that differ only in Q₂ (not in its target, so y is the same) take the same
    actor step; through min(Q₁, Q₂) or Q₂ they would not."""
    a, b = td3(policy_delay=1, target_smoothing=False), td3(policy_delay=1, target_smoothing=False)
    b.critic2.theta[...] = np.random.default_rng(4).normal(size=b.critic2.theta.shape)
    batch = make_batch(np.random.default_rng(5))
    a.update(batch), b.update(batch)
    np.testing.assert_array_equal(a.actor.theta, b.actor.theta)
    assert not np.array_equal(a.critic2.theta, b.critic2.theta)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_twin_critic_and_actor_gradients_match_finite_differences(seed):
    # (seed 0 puts a ReLU pre-activation within h of its kink: see td3_update_checks)
    for result in td3_update_checks(seed):
        assert result.error < TOLERANCE, str(result)


def test_a_diverging_second_critic_changes_nothing():
    agent = td3()
    agent.critic2.theta[...] = np.inf
    before = {name: net.theta.copy() for name, net in agent.networks().items()}
    with pytest.raises(TrainingDivergedError, match="Q2 loss"), np.errstate(invalid="ignore"):
        agent.update(make_batch(np.random.default_rng(6)))
    for name, net in agent.networks().items():
        np.testing.assert_array_equal(net.theta, before[name], err_msg=name)


def test_a_saved_agent_resumes_exactly_mid_delay(tmp_path):
    rng = np.random.default_rng(7)
    whole = td3(seed=[3, 4], policy_delay=2)
    batches = [make_batch(rng, lead=(2,)) for _ in range(6)]
    for batch in batches[:3]:  # 3 critic updates: the next one moves the actor
        whole.update(batch)
    whole.save(tmp_path / "a.npz")
    resumed = TD3.load(tmp_path / "a.npz")
    for batch in batches[3:]:
        expected, got = whole.update(batch), resumed.update(batch)
        for key in expected:
            np.testing.assert_array_equal(got[key], expected[key])
    for key, value in whole.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[key], value, err_msg=key)
    assert any(key.startswith("critic2_optimizer.m") for key in whole.state_dict())


def test_a_minimal_file_rebuilds_the_targets_as_copies(tmp_path):
    agent = td3()
    agent.update(make_batch(np.random.default_rng(8)))
    agent.save(tmp_path / "small.npz", training_state=False)
    loaded = TD3.load(tmp_path / "small.npz")
    np.testing.assert_array_equal(loaded.critic2.theta, agent.critic2.theta)
    np.testing.assert_array_equal(loaded.critic2_target.theta, agent.critic2.theta)


def test_files_record_their_algorithm_and_the_wrong_loader_names_the_right_one(tmp_path):
    td3_file, ddpg_file = tmp_path / "td3.npz", tmp_path / "ddpg.npz"
    td3().save(td3_file)
    DDPG(3, 2, LOW, HIGH, DDPGConfig(**BASE)).save(ddpg_file)
    with pytest.raises(ValueError, match=r"holds a TD3 agent, not a DDPG: load it with TD3\.load"):
        DDPG.load(td3_file)
    with pytest.raises(ValueError, match=r"holds a DDPG agent, not a TD3: load it with DDPG\.load"):
        TD3.load(ddpg_file)
    assert type(load_agent(td3_file)) is TD3 and type(load_agent(ddpg_file)) is DDPG
    # A file from before the entry existed is a DDPG file.
    old = {k: v for k, v in load_npz(ddpg_file).items() if k != "algorithm"}
    save_npz_atomic(tmp_path / "old.npz", old)
    assert type(DDPG.load(tmp_path / "old.npz")) is DDPG
    assert type(load_agent(tmp_path / "old.npz")) is DDPG
    with pytest.raises(ValueError, match="TD3.load"):
        DDPG(3, 2, LOW, HIGH, DDPGConfig(**BASE)).load_state_dict(load_npz(td3_file))


def test_stacked_seeds_are_solo_seeds_side_by_side():
    seeds = [0, 1, 2]
    stacked = td3(seed=seeds)
    solos = [td3(seed=s) for s in seeds]
    rng = np.random.default_rng(9)
    for _ in range(4):
        batch = make_batch(rng, lead=(3,))
        got = stacked.update(batch)
        for i, solo in enumerate(solos):
            expected = solo.update(Batch(*(x[i] for x in batch)))
            for key in expected:
                np.testing.assert_allclose(got[key][i], expected[key], rtol=1e-12, atol=1e-14)
    for name, net in stacked.networks().items():
        for i, solo in enumerate(solos):
            np.testing.assert_allclose(net.theta[i], solo.networks()[name].theta, rtol=1e-12,
                                       atol=1e-14, err_msg=name)
    joined = DDPG.concatenate(solos)  # as train(..., workers=k) joins seed groups
    assert type(joined) is TD3 and joined.seeds == seeds
    for name, net in joined.networks().items():
        np.testing.assert_array_equal(net.theta, np.stack([s.networks()[name].theta
                                                           for s in solos]), err_msg=name)


def test_the_config_chooses_the_algorithm():
    assert agent_class(TD3Config()) is TD3 and agent_class(DDPGConfig()) is DDPG
    with pytest.raises(TypeError, match="TD3 needs a TD3Config"):
        TD3(3, 2, LOW, HIGH, DDPGConfig())
    preset = TD3Config.preset("Pendulum-v1")
    ddpg_preset = DDPGConfig.preset("Pendulum-v1")
    assert isinstance(preset, TD3Config) and preset.hidden == ddpg_preset.hidden
    assert (preset.twin_critics, preset.target_smoothing, preset.policy_delay) == (True, True, 1)
    assert TD3Config.preset("Pendulum-v1", policy_delay=1).policy_delay == 1
    assert preset.replace(twin_critics=False).twin_critics is False
    assert config_from_dict(preset.to_dict()) == preset
    assert type(config_from_dict(ddpg_preset.to_dict())) is DDPGConfig


@pytest.mark.parametrize("bad, named", [
    (dict(policy_delay=0), "policy_delay=0"), (dict(policy_delay=1.5), "policy_delay=1.5"),
    (dict(target_noise=-0.1), "target_noise=-0.1"),
    (dict(target_noise_clip=float("nan")), "target_noise_clip=nan"),
    (dict(twin_critics="yes"), "twin_critics='yes'")])
def test_bad_td3_values_are_named(bad, named):
    with pytest.raises(ValueError, match=f"invalid TD3Config: {named}"):
        TD3Config(**bad)
    with pytest.raises(ValueError, match="unknown TD3Config field"):
        TD3Config.from_dict({"policy_dealy": 2})
