import numpy as np

from ddpg_numpy.core.noise import GaussianNoise, OrnsteinUhlenbeckNoise, make_noise


def test_ou_reverts_to_its_mean():
    noise = OrnsteinUhlenbeckNoise(1, np.random.default_rng(0), theta=0.15, sigma=0.0)
    noise.state[...] = 1.0
    xs = [noise.sample()[0] for _ in range(10)]
    np.testing.assert_allclose(xs, 0.85 ** np.arange(1, 11))  # x ← x + θ(0 − x), σ = 0


def test_ou_stationary_statistics():
    theta, sigma, dt = 0.15, 0.2, 1.0
    noise = OrnsteinUhlenbeckNoise(4, np.random.default_rng(1), theta, sigma, dt)
    xs = np.array([noise.sample() for _ in range(60_000)])[1000:]
    expected_std = sigma / np.sqrt(theta * (2 - theta * dt))
    assert abs(xs.mean()) < 0.03
    np.testing.assert_allclose(xs.std(axis=0), expected_std, rtol=0.05)
    # lag-1 autocorrelation of this AR(1) process is 1 − θ·dt: correlated in time
    lag1 = np.mean([np.corrcoef(xs[:-1, i], xs[1:, i])[0, 1] for i in range(4)])
    assert abs(lag1 - (1 - theta * dt)) < 0.02


def test_ou_reset_restarts_at_the_mean():
    noise = OrnsteinUhlenbeckNoise(2, np.random.default_rng(2))
    for _ in range(20):
        noise.sample()
    noise.reset()
    np.testing.assert_array_equal(noise.state, 0.0)


def test_gaussian_noise_is_uncorrelated_with_the_given_scale():
    noise = GaussianNoise(1, np.random.default_rng(3), sigma=0.3)
    xs = np.array([noise.sample()[0] for _ in range(50_000)])
    assert abs(xs.std() - 0.3) < 0.01
    assert abs(np.corrcoef(xs[:-1], xs[1:])[0, 1]) < 0.02


def test_make_noise_by_name():
    rng = np.random.default_rng(0)
    assert isinstance(make_noise("ou", 1, rng, 0.2), OrnsteinUhlenbeckNoise)
    assert isinstance(make_noise("gaussian", 1, rng, 0.2), GaussianNoise)
