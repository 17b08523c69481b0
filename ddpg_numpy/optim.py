"""Optimizers acting in place on a network's ``params()`` with its ``grads()``.

Both take L2 weight decay the way the paper does (a penalty ½·λ‖θ‖² added to the loss), i.e.
the gradient becomes g + λθ before the step. The paper puts λ = 1e-2 on the critic.
"""

from __future__ import annotations

import math
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
    """

    def __init__(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        if len(params) != len(grads):
            raise ValueError(f"{len(params)} parameter arrays but {len(grads)} gradient arrays.")
        self.params, self.grads = list(params), list(grads)
        self.lr, self.eps, self.weight_decay = float(lr), float(eps), float(weight_decay)
        self.betas = (float(betas[0]), float(betas[1]))  # Python floats: see step()
        self.m = [np.zeros_like(p) for p in self.params]  # first moment
        self.v = [np.zeros_like(p) for p in self.params]  # second moment
        self.decayed = [np.empty_like(p) for p in self.params]  # g + λθ, reused every step
        self.scratch = [np.empty_like(p) for p in self.params]  # reused: no allocation per step
        self.t = 0

    def step(self) -> None:
        self.t += 1
        beta1, beta2 = self.betas
        # Bias corrections folded into one step size: lr·√(1−β₂ᵗ)/(1−β₁ᵗ), with ε scaled to
        # match (ε̂ = ε·√(1−β₂ᵗ)); algebraically the update m̂/(√v̂ + ε) of the paper.
        # (Python floats, not NumPy float64 scalars: a float64 scalar would make every in-place
        # float32 operation below go through a slow casting loop, 8× slower.)
        bc2 = math.sqrt(1.0 - beta2**self.t)
        step_size = self.lr * bc2 / (1.0 - beta1**self.t)
        # Every operation writes into m, v or a preallocated scratch array (out=, in-place
        # operators): no temporary arrays are allocated per step.
        for theta, g, m, v, tmp, decayed in zip(self.params, self.grads, self.m, self.v,
                                                self.scratch, self.decayed):
            if self.weight_decay:
                g = np.add(g, np.multiply(theta, self.weight_decay, out=decayed), out=decayed)
            m *= beta1
            m += np.multiply(g, 1.0 - beta1, out=tmp)  # m ← β₁m + (1−β₁)g
            v *= beta2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - beta2
            v += tmp  # v ← β₂v + (1−β₂)g²
            np.sqrt(v, out=tmp)
            tmp += self.eps * bc2
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            theta -= tmp  # θ ← θ − lr · m̂ / (√v̂ + ε)

    def state_dict(self) -> dict[str, np.ndarray]:
        state = {"t": np.array(self.t)}
        for i, (m, v) in enumerate(zip(self.m, self.v)):
            state[f"m{i}"], state[f"v{i}"] = m, v
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state["t"])
        for i, (m, v) in enumerate(zip(self.m, self.v)):
            m[...] = state[f"m{i}"]
            v[...] = state[f"v{i}"]
