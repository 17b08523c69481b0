"""Adam's step without temporaries, for the float32 training path.

``core.optim.Adam.step`` is written as the paper's formulas; this is the same update rearranged
so that every operation writes into ``m``, ``v`` or a preallocated scratch array. The bias
corrections are folded into one step size, lr·√(1−β₂ᵗ)/(1−β₁ᵗ), with ε scaled to match
(ε̂ = ε·√(1−β₂ᵗ)): algebraically m̂/(√v̂ + ε), equal to the formula up to rounding
(tests/test_fast_path.py). It reads and writes the optimizer's own ``m``, ``v`` and ``t``, so a
checkpoint does not know which step ran.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.optim import Adam


class FusedAdam:
    """Scratch arrays for one ``Adam`` and its in-place step."""

    def __init__(self, optimizer: Adam) -> None:
        self.optimizer = optimizer
        self.decayed = [np.empty_like(p) for p in optimizer.params]  # g + λθ
        self.scratch = [np.empty_like(p) for p in optimizer.params]

    def step(self) -> None:
        opt = self.optimizer
        opt.t += 1
        beta1, beta2 = opt.betas  # Python floats: a NumPy float64 scalar would make every
        # in-place float32 operation below go through a slow casting loop (8× slower).
        bc2 = math.sqrt(1.0 - beta2**opt.t)
        step_size = opt.lr * bc2 / (1.0 - beta1**opt.t)
        for theta, g, m, v, tmp, decayed in zip(opt.params, opt.grads, opt.m, opt.v,
                                                self.scratch, self.decayed):
            if opt.weight_decay:
                g = np.add(g, np.multiply(theta, opt.weight_decay, out=decayed), out=decayed)
            m *= beta1
            m += np.multiply(g, 1.0 - beta1, out=tmp)  # m ← β₁m + (1−β₁)g
            v *= beta2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - beta2
            v += tmp  # v ← β₂v + (1−β₂)g²
            np.sqrt(v, out=tmp)
            tmp += opt.eps * bc2
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            theta -= tmp  # θ ← θ − lr · m̂ / (√v̂ + ε)
