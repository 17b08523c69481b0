import numpy as np
import pytest

from ddpg_numpy.core.gradcheck import TOLERANCE, numerical_gradient, relative_error
from ddpg_numpy.core.networks import Actor, Critic


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def test_actor_respects_asymmetric_bounds(rng):
    low, high = np.array([-1.0, 0.0]), np.array([3.0, 0.5])
    actor = Actor(4, 2, low, high, rng, hidden=(16, 16))
    for p in actor.params():  # large weights push tanh to saturation
        p[...] = rng.uniform(-5, 5, p.shape)
    a = actor(rng.normal(size=(500, 4)) * 10)
    assert a.shape == (500, 2)
    assert np.all(a >= low) and np.all(a <= high)
    assert a[:, 0].min() < -0.9 and a[:, 0].max() > 2.9  # the whole box is reachable


def test_actor_starts_near_the_centre_of_the_box(rng):
    actor = Actor(3, 1, [-2.0], [4.0], rng)
    np.testing.assert_allclose(actor(rng.normal(size=(10, 3))), 1.0, atol=0.1)


def test_actor_rejects_bad_bounds(rng):
    with pytest.raises(ValueError, match="high > low"):
        Actor(3, 1, [1.0], [1.0], rng)
    with pytest.raises(ValueError, match="finite"):
        Actor(3, 1, [-np.inf], [1.0], rng)


@pytest.mark.parametrize("action_layer", [0, 1])
def test_critic_action_gradient_matches_finite_differences(rng, action_layer):
    critic = Critic(3, 2, rng, hidden=(10, 8), action_layer=action_layer)
    obs, act = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    q, dq_da = critic.action_gradient(obs, act)
    assert q.shape == (7,) and dq_da.shape == (7, 2)
    numeric = numerical_gradient(lambda: float(critic(obs, act).sum()), act)
    assert relative_error(dq_da, numeric) < TOLERANCE


def test_action_gradient_leaves_parameter_gradients_alone(rng):
    critic = Critic(3, 1, rng, hidden=(6, 5))
    obs, act = rng.normal(size=(4, 3)), rng.normal(size=(4, 1))
    critic.forward(obs, act)
    critic.backward(np.ones(4))
    before = critic.grad.copy()
    critic.action_gradient(obs, act + 1.0)
    np.testing.assert_array_equal(critic.grad, before)


def test_paper_critic_feeds_the_action_into_the_second_layer(rng):
    critic = Critic(5, 2, rng, hidden=(400, 300))
    shapes = [p.shape for p in critic.params()]
    assert shapes == [(5, 400), (400,), (402, 300), (300,), (300, 1), (1,)]
    concat_first = Critic(5, 2, rng, hidden=(400, 300), action_layer=0)
    assert concat_first.params()[0].shape == (7, 400)


def test_copy_is_independent(rng):
    actor = Actor(3, 1, [-1.0], [1.0], rng, hidden=(4, 4))
    target = actor.copy()
    np.testing.assert_array_equal(target.theta, actor.theta)
    actor.theta[...] += 1.0
    assert not np.allclose(target.theta, actor.theta)
    obs = rng.normal(size=(2, 3))
    assert not np.allclose(target(obs), actor(obs))  # the layers follow their own theta


def test_critic_rejects_wrong_action_width(rng):
    critic = Critic(3, 2, rng, hidden=(4, 4))
    with pytest.raises(ValueError, match=r"Critic.forward\(action\): expected input of shape"):
        critic(np.zeros((5, 3)), np.zeros((5, 3)))
