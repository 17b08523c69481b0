"""Optimizers acting in place on a network's ``params()`` with its ``grads()``.

Both take L2 weight decay the way the paper does (a penalty ½·λ‖θ‖² added to the loss), i.e.
the gradient becomes g + λθ before the step. The paper puts λ = 1e-2 on the critic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class SGD:
    """θ ← θ − lr · (g + λθ)."""

    def __init__(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float,
                 weight_decay: float = 0.0) -> None:
        if len(params) != len(grads):
            raise ValueError(f"{len(params)} parameter arrays but {len(grads)} gradient arrays.")
        self.params, self.grads = list(params), list(grads)
        self.lr, self.weight_decay = lr, weight_decay

    def step(self) -> None:
        for theta, g in zip(self.params, self.grads):
            if self.weight_decay:
                g = g + self.weight_decay * theta  # ∇(L + ½λ‖θ‖²) = g + λθ
            theta -= self.lr * g

    def state_dict(self) -> dict[str, np.ndarray]:
        return {}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        pass


class Adam:
    """Adam (Kingma & Ba, 2015, Algorithm 1) with bias correction.

    m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  m̂ = m/(1−β₁ᵗ),  v̂ = v/(1−β₂ᵗ),
    θ ← θ − lr · m̂ / (√v̂ + ε),   with g = ∂L/∂θ + λθ when weight decay λ is set.

    ``step`` is written as these formulas. The float32 training path runs an algebraically equal
    step without temporaries on the same ``m``, ``v`` and ``t`` (``ddpg_numpy/fast/adam.py``).
    """

    def __init__(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        if len(params) != len(grads):
            raise ValueError(f"{len(params)} parameter arrays but {len(grads)} gradient arrays.")
        self.params, self.grads = list(params), list(grads)
        # Python floats, not NumPy float64 scalars: those would turn float32 arithmetic into
        # float64 arithmetic (and make it slow).
        self.lr, self.eps, self.weight_decay = float(lr), float(eps), float(weight_decay)
        self.betas = (float(betas[0]), float(betas[1]))
        self.m = [np.zeros_like(p) for p in self.params]  # first moment
        self.v = [np.zeros_like(p) for p in self.params]  # second moment
        self.t = 0

    def step(self) -> None:
        self.t += 1
        beta1, beta2 = self.betas
        for theta, g, m, v in zip(self.params, self.grads, self.m, self.v):
            if self.weight_decay:
                g = g + self.weight_decay * theta  # ∇(L + ½λ‖θ‖²) = g + λθ
            m[...] = beta1 * m + (1.0 - beta1) * g  # m ← β₁m + (1−β₁)g
            v[...] = beta2 * v + (1.0 - beta2) * g * g  # v ← β₂v + (1−β₂)g²
            m_hat = m / (1.0 - beta1**self.t)
            v_hat = v / (1.0 - beta2**self.t)
            theta -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of t, m and v (one m_i, v_i per parameter array)."""
        state = {"t": np.array(self.t)}
        for i, (m, v) in enumerate(zip(self.m, self.v)):
            state[f"m{i}"], state[f"v{i}"] = m.copy(), v.copy()
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state["t"])
        for i, (m, v) in enumerate(zip(self.m, self.v)):
            m[...] = state[f"m{i}"]
            v[...] = state[f"v{i}"]
