"""A neural network from scratch: Linear, ReLU, Tanh and MLP with hand-written backprop.

Every layer is a forward/backward pair with a cache (the cs231n way):

* ``forward(x)`` computes the output and remembers what ``backward`` will need;
* ``backward(grad_out)`` takes ∂L/∂output and **returns ∂L/∂input**. Layers with parameters also
  write ∂L/∂W and ∂L/∂b into ``dW`` and ``db``. Those are *overwritten* on every call, never
  accumulated: calling ``backward`` twice gives the same gradients.

The returned input gradient is what DDPG needs most: the actor is trained with ∇_a Q(s, a), the
gradient of the critic with respect to one of its *inputs* (see ``networks.py``).

Shapes are ``(batch, features)``. All the math is written with ``@``, ``.mT`` and
``sum(axis=-2)`` so an optional leading axis works unchanged: ``(S, batch, features)`` inputs with
``(S, in, out)`` weights train S independent networks at once (one per seed).

Parameters of a network live in one flat vector ``theta`` (and gradients in ``grad``); each
layer's ``W`` and ``b`` are *views* into it. The optimizer, the soft target update and the
checkpoint then each touch one array instead of a list of them.

The layout of ``theta`` (the one place it is written down; ``flatten_parameters`` makes it):

* Linear layers in order, each as ``W`` then ``b``: θ = [W₁ (row-major), b₁, W₂, b₂, …];
* ``W`` is (in, out), so a layer computes x W + b with x of shape (batch, in); b is (out,);
* the critic (``networks.Critic``) concatenates [h; a] before the Linear its action enters
  (``action_layer``: 0 = the input, 1 = the second Linear as in the paper), so the action's
  weights are the **last act_dim rows** of that layer's W;
* a stack of S networks has theta of shape (S, P), with each seed's layout as above.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Literal

import numpy as np

Init = Literal["hidden", "final"]
FINAL_LAYER_INIT = 3e-3  # paper, section 7: final layers ~ U[-3e-3, 3e-3]


def check_input(x: np.ndarray, features: int, dtype: np.dtype, where: str,
                finite: bool = True) -> None:
    """Raise a clear error for the mistakes students make most: wrong width, dtype mix, NaN.

    ``finite=False`` skips the NaN scan (hidden layers: the network's input was already checked).
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{where}: expected a NumPy array, got {type(x).__name__}. "
                        "Convert it with np.asarray(x, dtype=...).")
    if x.ndim < 2 or x.shape[-1] != features:
        raise ValueError(f"{where}: expected input of shape (batch, {features}), got {x.shape}. "
                         "Add a batch axis with x[None] for a single sample.")
    if x.dtype != dtype:
        raise TypeError(f"{where}: input dtype {x.dtype} does not match the parameters' {dtype}. "
                        f"Convert it with x.astype(np.{dtype}) (no silent up/down-casting).")
    if finite and not np.all(np.isfinite(x)):
        raise ValueError(f"{where}: input contains NaN or inf. Check the data that produced it.")


class Linear:
    """Affine layer y = x W + b.

    Parameters: ``W`` of shape (in_features, out_features), ``b`` of shape (out_features,)
    (with a leading stack axis S when the layer is part of a stacked network).
    ``init="hidden"`` draws W and b from U[-1/√fan_in, 1/√fan_in] (paper, section 7);
    ``init="final"`` draws them from U[-3e-3, 3e-3] so initial outputs are near zero.
    """

    def __init__(self, in_features: int, out_features: int, rng: np.random.Generator,
                 init: Init = "hidden", dtype: np.dtype | type = np.float64) -> None:
        bound = 1.0 / np.sqrt(in_features) if init == "hidden" else FINAL_LAYER_INIT
        self.in_features, self.out_features = in_features, out_features
        self.W = rng.uniform(-bound, bound, (in_features, out_features)).astype(dtype)
        self.b = rng.uniform(-bound, bound, (out_features,)).astype(dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.x: np.ndarray | None = None  # cache

    def forward(self, x: np.ndarray, finite_check: bool = True) -> np.ndarray:
        """x: (..., N, in) -> y: (..., N, out)."""
        check_input(x, self.in_features, self.W.dtype, "Linear.forward", finite_check)
        self.x = x
        return x @ self.W + self.b[..., None, :]  # y = x W + b

    def backward(self, grad_out: np.ndarray, param_grads: bool = True) -> np.ndarray:
        """grad_out = ∂L/∂y: (..., N, out) -> returns ∂L/∂x: (..., N, in).

        Overwrites ``dW`` = xᵀ ∂L/∂y (..., in, out) and ``db`` = Σ_n ∂L/∂y (..., out).
        ``param_grads=False`` skips them when only the input gradient is wanted (∇_a Q).
        """
        if self.x is None:
            raise RuntimeError("Linear.backward called before forward.")
        if param_grads:
            np.matmul(self.x.mT, grad_out, out=self.dW)  # ∂L/∂W = xᵀ ∂L/∂y
            np.sum(grad_out, axis=-2, out=self.db)  # ∂L/∂b = Σ_n ∂L/∂y_n
        return grad_out @ self.W.mT  # ∂L/∂x = ∂L/∂y Wᵀ

    def params(self) -> list[np.ndarray]:
        return [self.W, self.b]

    def grads(self) -> list[np.ndarray]:
        return [self.dW, self.db]


class ReLU:
    """y = max(0, x), elementwise. ∂y/∂x = 1 where x > 0, else 0."""

    def __init__(self) -> None:
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x > 0
        return x * self.mask

    def backward(self, grad_out: np.ndarray, param_grads: bool = True) -> np.ndarray:
        if self.mask is None:
            raise RuntimeError("ReLU.backward called before forward.")
        return grad_out * self.mask  # ∂L/∂x = ∂L/∂y · 1[x > 0]

    def params(self) -> list[np.ndarray]:
        return []

    def grads(self) -> list[np.ndarray]:
        return []


class Tanh:
    """y = tanh(x), elementwise. ∂y/∂x = 1 − y²."""

    def __init__(self) -> None:
        self.y: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad_out: np.ndarray, param_grads: bool = True) -> np.ndarray:
        if self.y is None:
            raise RuntimeError("Tanh.backward called before forward.")
        return grad_out * (1.0 - self.y * self.y)  # ∂L/∂x = ∂L/∂y · (1 − tanh²x)

    def params(self) -> list[np.ndarray]:
        return []

    def grads(self) -> list[np.ndarray]:
        return []


Layer = Linear | ReLU | Tanh
ACTIVATIONS = {"relu": ReLU, "tanh": Tanh}


class MLP:
    """A sequence of layers; forward left to right, backward right to left.

    ``MLP.build(sizes, rng, activation="relu", output=None)`` makes
    Linear(sizes[0], sizes[1]) → act → … → Linear(sizes[-2], sizes[-1]) [→ output activation],
    the last Linear initialised with the small "final" range.
    """

    def __init__(self, layers: Sequence[Layer], stack: int | None = None) -> None:
        self.layers = list(layers)
        self.stack = stack  # S networks side by side (leading axis), or None for one
        self.theta, self.grad = flatten_parameters(self.layers, stack)

    @classmethod
    def stacked(cls, mlps: Sequence[MLP]) -> MLP:
        """One MLP holding S same-shaped MLPs along a leading axis (weights copied)."""
        return cls(stack_layers([m.layers for m in mlps]), stack=len(mlps))

    @classmethod
    def build(cls, sizes: Sequence[int], rng: np.random.Generator, activation: str = "relu",
              output: str | None = None, dtype: np.dtype | type = np.float64,
              final_init: Init = "final") -> MLP:
        layers: list[Layer] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            last = i == len(sizes) - 2
            layers.append(Linear(n_in, n_out, rng, init=final_init if last else "hidden",
                                 dtype=dtype))
            if not last:
                layers.append(ACTIVATIONS[activation]())
        if output is not None:
            layers.append(ACTIVATIONS[output]())
        return cls(layers)

    def __deepcopy__(self, memo: dict) -> MLP:
        """A copy whose layers are views of its *own* theta and grad. (Copying each view
        separately, as deepcopy would, leaves layers that no longer follow theta.)"""
        new = MLP.__new__(MLP)
        memo[id(self)] = new
        new.layers, new.stack = copy.deepcopy(self.layers, memo), self.stack
        # If something holding theta (an optimizer) was copied first, its copy becomes the storage.
        new.theta, new.grad = flatten_parameters(new.layers, self.stack,
                                                 memo.get(id(self.theta)), memo.get(id(self.grad)))
        new.grad[...] = self.grad
        memo[id(self.theta)], memo[id(self.grad)] = new.theta, new.grad  # so later ones follow
        return new

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (..., N, sizes[0]) -> (..., N, sizes[-1])."""
        for i, layer in enumerate(self.layers):
            x = layer.forward(x, i == 0) if isinstance(layer, Linear) else layer.forward(x)
        return x

    __call__ = forward

    def backward(self, grad_out: np.ndarray, param_grads: bool = True) -> np.ndarray:
        """∂L/∂output (..., N, sizes[-1]) -> ∂L/∂input (..., N, sizes[0]); overwrites grads."""
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out, param_grads)
        return grad_out

    def params(self) -> list[np.ndarray]:
        return [p for layer in self.layers for p in layer.params()]

    def grads(self) -> list[np.ndarray]:
        return [g for layer in self.layers for g in layer.grads()]

    @property
    def in_features(self) -> int:
        return self.linears()[0].in_features

    def linears(self) -> list[Linear]:
        return [layer for layer in self.layers if isinstance(layer, Linear)]


def flatten_parameters(layers: Sequence[Layer], stack: int | None = None,
                       theta: np.ndarray | None = None,
                       grad: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Move every layer's W, b (and dW, db) into one flat vector, leaving views behind.

    Returns (theta, grad), each of shape (P,) — or (S, P) with ``stack=S``, where each layer's
    parameters already carry the leading axis S. Values are kept; only the storage moves (into
    new arrays, or into the ``theta`` and ``grad`` given).
    """
    linears = [layer for layer in layers if isinstance(layer, Linear)]
    lead = () if stack is None else (stack,)
    sizes = [p.size // (stack or 1) for layer in linears for p in layer.params()]
    dtype = linears[0].W.dtype if linears else np.float64
    theta = np.empty(lead + (sum(sizes),), dtype=dtype) if theta is None else theta
    grad = np.zeros_like(theta) if grad is None else grad
    if theta.shape != lead + (sum(sizes),) or grad.shape != theta.shape:
        raise ValueError(f"flatten_parameters: storage of shape {theta.shape} and {grad.shape} "
                         f"given for {lead + (sum(sizes),)} parameters.")
    offset = 0
    for layer in linears:
        for name in ("W", "b"):
            value = getattr(layer, name)
            n = value.size // (stack or 1)
            view = theta[..., offset:offset + n].reshape(value.shape)
            view[...] = value
            setattr(layer, name, view)
            setattr(layer, "d" + name, grad[..., offset:offset + n].reshape(value.shape))
            offset += n
    return theta, grad


def folded_blocks(flat: np.ndarray, linears: Sequence[Linear],
                  stack: int | None = None) -> list[np.ndarray]:
    """Each Linear's [W; b] as one (in + 1, out) view of a flat vector (theta or grad).

    ``flatten_parameters`` stores every b right after its W, so the bias is simply one more row
    of the weight matrix: x W + b = [x, 1] [W; b]. The fast path (ddpg_numpy/fast/update.py)
    uses this to make the forward pass and ∂L/∂W, ∂L/∂b one matrix product each. Shapes
    (S, in + 1, out) stacked.
    """
    lead = () if stack is None else (stack,)
    blocks, offset = [], 0
    for lin in linears:
        n = (lin.in_features + 1) * lin.out_features
        block = flat[..., offset:offset + n].reshape(lead + (lin.in_features + 1,
                                                               lin.out_features))
        if not any(_same_view(block[..., :-1, :], w) for w in (lin.W, lin.dW)):
            raise ValueError("folded_blocks: the layers' parameters are not views of this flat "
                             "vector in flatten_parameters order; build the network with MLP.")
        blocks.append(block)
        offset += n
    if offset != flat.shape[-1]:
        raise ValueError(f"folded_blocks: the layers hold {offset} parameters but the flat "
                         f"vector has {flat.shape[-1]}.")
    return blocks


def _same_view(a: np.ndarray, b: np.ndarray) -> bool:
    """Do a and b look at the same memory in the same way?"""
    # The stride of an axis of length 1 is never used (and NumPy leaves it arbitrary: a stack
    # of one seed), so only the other axes' strides must agree.
    used = [i for i, n in enumerate(a.shape) if n > 1]
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            and a.shape == b.shape and [a.strides[i] for i in used] == [b.strides[i] for i in used])


def stack_layers(networks: Sequence[Sequence[Layer]]) -> list[Layer]:
    """Layers with a leading seed axis from S networks of identical shape (values copied)."""
    stacked: list[Layer] = []
    for same_layers in zip(*networks):
        first = same_layers[0]
        if isinstance(first, Linear):
            layer = Linear.__new__(Linear)
            layer.in_features, layer.out_features = first.in_features, first.out_features
            layer.W = np.stack([lay.W for lay in same_layers])
            layer.b = np.stack([lay.b for lay in same_layers])
            layer.dW, layer.db = np.zeros_like(layer.W), np.zeros_like(layer.b)
            layer.x = None
            stacked.append(layer)
        else:
            stacked.append(type(first)())
    return stacked
