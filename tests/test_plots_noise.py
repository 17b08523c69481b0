"""plots.noise: exploration noise paths.

Every function runs on small inputs, returns its figure, writes a non-empty file, draws
the numbers it claims to draw, and rejects wrongly shaped input with a clear error."""

import numpy as np
import pytest
from plots_helpers import assert_written

from ddpg_numpy import plots as P


def test_ou_noise_paths_follow_the_recursion():
    theta, sigma, dt = 0.15, 0.2, 1.0
    paths = P.noise_paths("ou", n_paths=2, steps=30, sigma=sigma, theta=theta, dt=dt, seed=7)
    assert paths.shape == (2, 30)
    eps = np.random.default_rng([7, 1]).standard_normal(30)
    x, expected = 0.0, []
    for e in eps:
        x = x - theta * x * dt + sigma * np.sqrt(dt) * e
        expected.append(x)
    np.testing.assert_allclose(paths[1], expected)


def test_plot_noise_paths(tmp_path):
    paths = {"OU": P.noise_paths("ou", 2, 20), "Gaussian": P.noise_paths("gaussian", 2, 20)}
    fig = P.plot_noise_paths(paths, stationary_std={"OU": 0.38})
    assert [ax.get_title() for ax in fig.axes] == ["OU", "Gaussian"]
    assert_written(P.save_figure(fig, tmp_path / "noise.png"))
    with pytest.raises(ValueError, match=r"2-D array \(n_paths, steps\)"):
        P.plot_noise_paths({"OU": np.zeros(5)})
