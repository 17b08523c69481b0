"""Exploration noise 𝒩 (pseudocode L5, L8): a_t = μ(s_t) + 𝒩_t.

The paper uses an Ornstein–Uhlenbeck process, whose samples are correlated in time, so the
exploring action drifts smoothly instead of jittering — useful for physical systems with
momentum. Uncorrelated Gaussian noise is the common simpler alternative (TD3 uses it).
Samples have shape (act_dim,), or (S, act_dim) for S stacked agents with one generator each.
"""

from __future__ import annotations

import numpy as np


class OrnsteinUhlenbeckNoise:
    """x_{t+1} = x_t + θ(μ − x_t)·dt + σ·√dt·ε_t,  ε_t ~ N(0, I).

    Mean-reverting towards μ (0 here) at rate θ; stationary std σ/√(θ(2 − θ·dt)) for this
    discrete form (σ·√(1/(2θ)) as dt → 0). ``reset()`` restarts from x = μ at each episode (L5).
    """

    def __init__(self, act_dim: int, rng: np.random.Generator, theta: float = 0.15,
                 sigma: float = 0.2, dt: float = 1.0, mu: float = 0.0) -> None:
        self.act_dim, self.rng = act_dim, rng
        self.theta, self.sigma, self.dt, self.mu = theta, sigma, dt, mu
        self.state = np.full(act_dim, mu, dtype=np.float64)

    def reset(self) -> None:
        self.state[...] = self.mu

    def sample(self) -> np.ndarray:
        eps = self.rng.standard_normal(self.act_dim)
        self.state += self.theta * (self.mu - self.state) * self.dt \
            + self.sigma * np.sqrt(self.dt) * eps
        return self.state.copy()


class GaussianNoise:
    """Independent N(0, σ²) samples each step; nothing to reset."""

    def __init__(self, act_dim: int, rng: np.random.Generator, sigma: float = 0.1) -> None:
        self.act_dim, self.rng, self.sigma = act_dim, rng, sigma
        self.state = np.zeros(act_dim)  # stateless; kept for a uniform checkpoint format

    def reset(self) -> None:
        pass

    def sample(self) -> np.ndarray:
        return self.sigma * self.rng.standard_normal(self.act_dim)


Noise = OrnsteinUhlenbeckNoise | GaussianNoise


def make_noise(kind: str, act_dim: int, rng: np.random.Generator, sigma: float,
               theta: float = 0.15, dt: float = 1.0) -> Noise:
    """The exploration process named by a config's ``noise`` field."""
    if kind == "ou":
        return OrnsteinUhlenbeckNoise(act_dim, rng, theta=theta, sigma=sigma, dt=dt)
    if kind == "gaussian":
        return GaussianNoise(act_dim, rng, sigma=sigma)
    raise ValueError(f"unknown noise {kind!r}; use 'ou' (paper) or 'gaussian'.")
