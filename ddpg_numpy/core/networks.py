"""The actor μ(s|θ^μ) and the critic Q(s, a|θ^Q) of DDPG, built from ``nn`` layers.

Architecture as in the paper (section 7): two hidden ReLU layers (400 and 300 units by default);
the actor ends in tanh, scaled to the action bounds; in the critic the action enters at the
*second* layer, i.e. Q(s, a) = w₃ᵀ relu(W₂ [relu(W₁ s + b₁); a] + b₂) + b₃.

Two gradients make DDPG's actor update (pseudocode L14, see docs/pseudocode.md):

* ``Critic.action_gradient(s, a)`` returns ∇_a Q(s, a): backprop of ∂Q/∂Q = 1 through the critic
  down to its *action input*, without touching the critic's parameter gradients;
* ``Actor.backward(grad_action)`` takes a gradient with respect to the actor's output and
  backpropagates it into θ^μ: with grad_action = −∇_a Q / N this is −∇_θμ J.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np

from .nn import MLP, Linear, ReLU, check_input


class Network:
    """What Actor and Critic share: one MLP's layers, its flat parameters, copies, stacking."""

    net: MLP

    @property
    def theta(self) -> np.ndarray:
        """All parameters as one flat vector, (P,) or (S, P); the layers hold views into it."""
        return self.net.theta

    @property
    def grad(self) -> np.ndarray:
        """All parameter gradients, flat, same shape and order as ``theta``."""
        return self.net.grad

    def params(self) -> list[np.ndarray]:
        return self.net.params()

    def grads(self) -> list[np.ndarray]:
        return self.net.grads()

    @property
    def stack(self) -> int | None:
        return self.net.stack

    def copy(self):
        """An independent copy with equal parameters (used to make the target networks, L2)."""
        new = copy.deepcopy(self)
        new.net = MLP(new.net.layers, stack=self.net.stack)  # re-link the views to new storage
        return new

    @classmethod
    def stacked(cls, networks: Sequence[Network]):
        """S same-shaped networks as one, with a leading seed axis on every parameter."""
        new = copy.deepcopy(networks[0])
        new.net = MLP.stacked([n.net for n in networks])
        return new


class Actor(Network):
    """Deterministic policy μ(s) = c + h · tanh(MLP(s)), with c, h the centre and half-width of
    the action box [low, high] (so asymmetric bounds work).

    obs: (..., N, obs_dim) -> action: (..., N, act_dim).
    """

    def __init__(self, obs_dim: int, act_dim: int, action_low: np.ndarray,
                 action_high: np.ndarray, rng: np.random.Generator,
                 hidden: Sequence[int] = (400, 300), dtype: np.dtype | type = np.float64) -> None:
        low = np.asarray(action_low, dtype=dtype).reshape(act_dim)
        high = np.asarray(action_high, dtype=dtype).reshape(act_dim)
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high)) and np.all(high > low)):
            raise ValueError(f"action bounds must be finite with high > low, got low={low}, "
                             f"high={high}. DDPG squashes actions with tanh into a bounded box.")
        self.obs_dim, self.act_dim = obs_dim, act_dim
        self.center, self.half_width = (high + low) / 2, (high - low) / 2
        self.net = MLP.build([obs_dim, *hidden, act_dim], rng, "relu", output="tanh", dtype=dtype)

    def forward(self, obs: np.ndarray) -> np.ndarray:
        """μ(s): (..., N, obs_dim) -> (..., N, act_dim), inside [low, high]."""
        return self.center + self.half_width * self.net.forward(obs)

    __call__ = forward

    def backward(self, grad_action: np.ndarray) -> np.ndarray:
        """∂L/∂μ(s) (..., N, act_dim) -> writes ∂L/∂θ^μ into ``grad``; returns ∂L/∂s."""
        return self.net.backward(grad_action * self.half_width)  # chain rule through c + h·tanh


class Critic(Network):
    """Action-value Q(s, a). ``action_layer=1`` (paper) feeds a into the second Linear layer,
    concatenated with the first hidden layer's output; ``action_layer=0`` concatenates [s; a] at
    the input.

    obs: (..., N, obs_dim), action: (..., N, act_dim) -> q: (..., N).
    """

    def __init__(self, obs_dim: int, act_dim: int, rng: np.random.Generator,
                 hidden: Sequence[int] = (400, 300), action_layer: int = 1,
                 dtype: np.dtype | type = np.float64) -> None:
        if not 0 <= action_layer < len(hidden):
            raise ValueError(f"action_layer must be in [0, {len(hidden) - 1}] (0 = input, "
                             f"1 = second layer as in the paper), got {action_layer}.")
        self.obs_dim, self.act_dim, self.action_layer = obs_dim, act_dim, action_layer
        sizes = [obs_dim, *hidden, 1]
        layers: list = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            last = i == len(sizes) - 2
            n_in += act_dim if i == action_layer else 0  # this Linear also sees the action
            layers.append(Linear(n_in, n_out, rng, init="final" if last else "hidden",
                                 dtype=dtype))
            if not last:
                layers.append(ReLU())
        self.net = MLP(layers)
        self.split = 2 * action_layer  # index in net.layers of the Linear that takes [h; a]

    def forward(self, obs: np.ndarray, action: np.ndarray) -> np.ndarray:
        """Q(s, a): obs (..., N, obs_dim), action (..., N, act_dim) -> (..., N)."""
        dtype = self.net.theta.dtype
        check_input(obs, self.obs_dim, dtype, "Critic.forward(obs)")
        check_input(action, self.act_dim, dtype, "Critic.forward(action)")
        x = obs
        for i, layer in enumerate(self.net.layers):
            if i == self.split:
                x = np.concatenate([x, action], axis=-1)  # [h; a]
            x = layer.forward(x, False) if isinstance(layer, Linear) else layer.forward(x)
        return x[..., 0]

    __call__ = forward

    def backward(self, grad_q: np.ndarray,
                 param_grads: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """∂L/∂Q (..., N) -> (∂L/∂s (..., N, obs_dim), ∂L/∂a (..., N, act_dim)).

        Writes ∂L/∂θ^Q into ``grad`` unless ``param_grads=False``.
        """
        g = grad_q[..., None]
        grad_action = None
        for i in range(len(self.net.layers) - 1, -1, -1):
            g = self.net.layers[i].backward(g, param_grads)
            if i == self.split:  # undo the concatenation [h; a]
                g, grad_action = g[..., :-self.act_dim], g[..., -self.act_dim:]
        return g, grad_action

    def action_gradient(self, obs: np.ndarray,
                        action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Q(s, a) (..., N) and ∇_a Q(s, a) (..., N, act_dim), one sample at a time.

        Backprops ∂Q/∂Q = 1 for every sample; each Q_n depends only on its own a_n, so row n of
        the result is ∇_a Q(s_n, a_n). Only the layers from the action's entry point up are
        needed, and the critic's parameter gradients are left untouched.
        """
        q = self.forward(obs, action)
        g = np.ones_like(q)[..., None]  # ∂Q/∂Q = 1
        for layer in reversed(self.net.layers[self.split:]):
            g = layer.backward(g, param_grads=False)
        return q, g[..., -self.act_dim:]  # the action's part of ∂Q/∂[h; a]
