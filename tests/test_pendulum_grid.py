"""Tests of the (θ, θ̇) grid and its interpolation (ddpg_numpy.pendulum.grid)."""

from __future__ import annotations

import numpy as np

from ddpg_numpy import pendulum as po


def test_axes_contain_the_upright_rest_state():
    theta, thetadot = po.theta_axis(400), po.thetadot_axis(401)
    assert theta.shape == (400,) and thetadot.shape == (401,)
    assert 0.0 in theta and 0.0 in thetadot
    assert theta[0] == -np.pi and theta[-1] < np.pi
    assert thetadot[0] == -8.0 and thetadot[-1] == 8.0


def test_interpolation_is_exact_at_nodes_periodic_in_theta_and_clipped_in_thetadot():
    rng = np.random.default_rng(2)
    table = rng.normal(size=(20, 21))
    theta, thetadot = po.theta_axis(20), po.thetadot_axis(21)
    np.testing.assert_allclose(
        po.interpolate(table, theta[:, None], thetadot[None, :]), table, atol=1e-12
    )
    th = rng.uniform(-np.pi, np.pi, (3, 4))
    thd = rng.uniform(-8, 8, (3, 4))
    v = po.interpolate(table, th, thd)
    assert v.shape == (3, 4)
    np.testing.assert_allclose(po.interpolate(table, th + 2 * np.pi, thd), v, atol=1e-12)
    np.testing.assert_array_equal(po.interpolate(table, 0.0, 100.0),
                                  po.interpolate(table, 0.0, 8.0))
    # Linear functions of θ̇ are reproduced exactly between the nodes.
    linear = np.broadcast_to(thetadot, (20, 21))
    np.testing.assert_allclose(po.interpolate(linear, th, thd), thd, atol=1e-12)
