"""The fast path of ``DDPG.update``: the same math with fewer, leaner array operations.

``DDPG.update`` in core/agent.py is the code to read: L12–L15 written with the networks' plain
``forward``/``backward``. This module computes the same numbers up to floating-point rounding
(``tests/test_fast_path.py`` checks it against the plain code, and against finite differences)
with 1.2–1.45× as many updates per second (benchmarks/README.md); what is left at 400-300 is
about 85 % matrix products. The training loop chooses it for float32 agents (``update_for`` in
choice.py); float64 agents run the plain code. ``FastTD3Update`` (td3_update.py) builds TD3's
update from the same pieces. (``DDPG.act`` has no fast path: for one observation it
measured no faster.)

The tricks, each small:

1. **Preallocated buffers.** Every activation and gradient lives in an array made once per
   batch shape, and every product and ufunc writes into one with ``out=``: no fresh N×400
   temporaries (allocation, first-touch and cache misses on every update).
2. **The bias folded into the weights.** ``flatten_parameters`` stores each layer's b right
   after its W, so [W; b] is one (in + 1, out) block of theta (and of grad). With a row of ones
   under the layer's input, z = [W; b]ᵀ[x; 1] is one product (no bias add), and
   ∂L/∂[W; b] = [x; 1] ∂L/∂zᵀ is one product written straight into ``grad`` (no sum over N).
3. **Feature-major activations.** Buffers are (features, N), so a hidden layer's product lands
   in rows of the next layer's input and ReLU runs in place on a contiguous block; the
   critic's action occupies the rows after the hidden units (no concatenate).
4. **Only the gradients that are used.** No ∂L/∂s at the input layers; for ∇_a Q (L14) only
   the action's rows of the critic's W are multiplied (6 of 406 at 400-300 for HalfCheetah):
   one full-size product fewer than backpropagating ∂Q/∂[h; a] and slicing it.
5. **Shared buffers.** The target networks run on the online networks' buffers (their
   activations are not needed once y is computed); μ′(s′) and μ(s) are written directly into
   the critic's action rows.
6. **Adam without temporaries** (adam.py) and the soft update into a scratch array.
7. **Cheaper elementwise steps.** ReLU as a compare and a multiply by the kept mask (faster
   than np.maximum, and the mask is reused by backward); the critic's one-output layer
   backpropagates with a broadcast outer product instead of a K = 1 matrix product.

Shapes carry an optional leading seed axis S (stacked agents): every product is batched over it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.agent import DDPG
from ..core.networks import Actor, Critic, Network
from ..core.nn import check_input, folded_blocks
from ..core.replay import Batch
from .adam import FusedAdam


class Buffers:
    """Feature-major activations of one network shape for batches of N (with lead axes).

    ``x[k]``: (..., in_k + 1, N), the input of Linear k with a last row of ones (the bias);
    ``out``: (..., out_last, N), the last layer's output; ``dz[k]``: (..., out_k, N), ∂L/∂z_k;
    ``mask[k]``: ReLU's 1[z_k > 0] for the hidden layers.
    """

    def __init__(self, in_sizes: list[int], out_sizes: list[int], lead: tuple[int, ...],
                 n: int, dtype: np.dtype) -> None:
        self.x = [np.ones(lead + (i + 1, n), dtype) for i in in_sizes]
        self.out = np.empty(lead + (out_sizes[-1], n), dtype)
        self.dz = [np.empty(lead + (o, n), dtype) for o in out_sizes]
        self.mask = [np.empty(lead + (o, n), bool) for o in out_sizes[:-1]]


class LeanNetwork:
    """The Linear layers of an Actor or Critic as [W; b] views of its theta and grad."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.theta = network.theta  # to notice if the network's storage is ever replaced
        linears = network.net.linears()
        self.blocks = folded_blocks(network.theta, linears, network.stack)
        self.grad_blocks = folded_blocks(network.grad, linears, network.stack)
        self.in_sizes = [lin.in_features for lin in linears]
        self.out_sizes = [lin.out_features for lin in linears]

    def buffers(self, lead: tuple[int, ...], n: int) -> Buffers:
        return Buffers(self.in_sizes, self.out_sizes, lead, n, self.theta.dtype)

    def forward(self, buf: Buffers) -> np.ndarray:
        """Run the layers on ``buf.x[0]`` (filled by the caller); returns ``buf.out``."""
        last = len(self.blocks) - 1
        for k, wb in enumerate(self.blocks):
            if k == last:
                np.matmul(wb.mT, buf.x[k], out=buf.out)  # zᵀ = [W; b]ᵀ [x; 1]
            else:
                h = buf.x[k + 1][..., :self.out_sizes[k], :]  # the next layer's input rows
                np.matmul(wb.mT, buf.x[k], out=h)
                # ReLU in place, keeping its mask for backward: a boolean compare and a
                # multiply measured faster than np.maximum(h, 0, out=h).
                np.greater(h, 0, out=buf.mask[k])
                np.multiply(h, buf.mask[k], out=h)
        return buf.out

    def backward(self, buf: Buffers, param_grads: bool = True,
                 stop_at: int | None = None, rows: slice | None = None) -> np.ndarray | None:
        """Backpropagate ``buf.dz[-1]`` (filled by the caller) through the layers.

        Writes ∂L/∂[W; b] into the network's grad when ``param_grads``. Goes down to Linear 0
        (returns None: no input gradient is needed), or stops at Linear ``stop_at`` and returns
        the gradient of its input ``rows`` only (the critic's action rows, for ∇_a Q).
        """
        for k in range(len(self.blocks) - 1, -1, -1):
            wb, dz = self.blocks[k], buf.dz[k]
            if param_grads:
                np.matmul(buf.x[k], dz.mT, out=self.grad_blocks[k])  # ∂L/∂[W; b] = [x; 1] ∂L/∂zᵀ
            if k == stop_at:
                return wb[..., rows, :] @ dz  # ∂L/∂(those inputs) = W[rows] ∂L/∂z
            if k == 0:
                return None
            n_h = self.out_sizes[k - 1]
            dh = buf.dz[k - 1]
            if wb.shape[-1] == 1:  # one output (Q): ∂L/∂h = w ∂L/∂zᵀ is an outer product,
                np.multiply(wb[..., :n_h, :], dz, out=dh)  # much faster broadcast than matmul
            else:
                np.matmul(wb[..., :n_h, :], dz, out=dh)  # ∂L/∂h = W[h rows] ∂L/∂z
            np.multiply(dh, buf.mask[k - 1], out=dh)  # ReLU′: 1 where z > 0
        return None


class FastUpdate:
    """``update(batch)``: L12–L15 for one agent on its own buffers and parameter views.

    Made by the training loop (``update_for``), never by the agent: the agent holds only the
    plain code. It shares the agent's parameters, gradients and Adam moments, so plain and fast
    updates can be mixed and a checkpoint does not know which ran.
    """

    def __init__(self, agent: DDPG) -> None:
        self.agent = agent
        self.actor, self.critic = LeanNetwork(agent.actor), LeanNetwork(agent.critic)
        self.actor_target = LeanNetwork(agent.actor_target)
        self.critic_target = LeanNetwork(agent.critic_target)
        critic: Critic = agent.critic
        self.action_layer = critic.action_layer
        n_in = self.critic.in_sizes[self.action_layer]
        self.action_rows = slice(n_in - agent.act_dim, n_in)  # the action's rows of that input
        actor: Actor = agent.actor
        self.center = actor.center[:, None]  # (act_dim, 1): broadcasts over the batch columns
        self.half_width = actor.half_width[:, None]
        self.shape: tuple[int, ...] | None = None
        self.scratch = {name: np.empty_like(net.theta) for name, net in
                        (("actor", agent.actor), ("critic", agent.critic))}
        self.actor_adam = FusedAdam(agent.actor_optimizer)
        self.critic_adam = FusedAdam(agent.critic_optimizer)

    def _allocate(self, lead: tuple[int, ...], n: int) -> None:
        self.shape = lead + (n,)
        self.a = self.actor.buffers(lead, n)  # shared by μ and μ′
        self.c = self.critic.buffers(lead, n)  # shared by Q and Q′
        self.y = np.empty(lead + (n,), self.actor.theta.dtype)
        self.td = np.empty_like(self.y)
        self.q = np.empty_like(self.y)

    def _policy(self, net: LeanNetwork, obs_t: np.ndarray, buf: Buffers,
                into: np.ndarray) -> np.ndarray:
        """μ(s) for feature-major obs (..., obs_dim, N), written to ``into`` (..., act, N).
        Returns tanh(z), which the backward pass needs."""
        buf.x[0][..., :-1, :] = obs_t
        a = np.tanh(net.forward(buf), out=buf.out)
        np.multiply(a, self.half_width, out=into)
        into += self.center  # μ = c + h·tanh(z), as Actor.forward
        return a

    def _critic_input(self, obs_t: np.ndarray, buf: Buffers | None = None) -> None:
        """Copy the observations into a critic's first input rows (its action rows follow
        them when the action enters at the input; otherwise they are a later layer's)."""
        x0 = (self.c if buf is None else buf).x[0]
        x0[..., :self.agent.obs_dim, :] = obs_t

    def _action_input(self, buf: Buffers) -> np.ndarray:
        """The rows of a critic's buffers where the action enters: (..., act_dim, N)."""
        return buf.x[self.action_layer][..., self.action_rows, :]

    def _prepare(self, batch: Batch) -> int:
        """The plain update's input checks; (re)allocates for a new batch shape; returns N."""
        agent, name = self.agent, type(self.agent).__name__
        dtype, obs_dim, act_dim = agent.dtype, agent.obs_dim, agent.act_dim
        check_input(batch.obs, obs_dim, dtype, f"{name}.update(batch.obs)")
        check_input(batch.next_obs, obs_dim, dtype, f"{name}.update(batch.next_obs)")
        check_input(batch.actions, act_dim, dtype, f"{name}.update(batch.actions)")
        if batch.obs.shape[:-2] != (() if agent.stack is None else (agent.stack,)):
            expected = "(N, obs_dim)" if agent.stack is None else f"({agent.stack}, N, obs_dim)"
            raise ValueError(f"{name}.update: batch.obs has shape {batch.obs.shape}, but this "
                             f"agent takes {expected} batches. A stacked agent of S seeds "
                             "samples from ReplayBuffer(stack=S); a solo one from a plain buffer.")
        if batch.obs.shape[:-1] != self.shape:
            self._allocate(batch.obs.shape[:-2], batch.obs.shape[-2])
        return batch.rewards.shape[-1]

    def _bootstrap(self, next_q: np.ndarray, batch: Batch) -> None:
        """y = r + γ(1 − terminated)·next_q, into ``self.y``."""
        y = self.y
        np.subtract(1.0, batch.terminated, out=y)
        y *= self.agent.config.gamma
        y *= next_q
        y += batch.rewards

    def _critic_loss(self, net: LeanNetwork, buf: Buffers, obs_t: np.ndarray, batch: Batch,
                     q: np.ndarray, td: np.ndarray) -> np.ndarray:
        """Q(s, a) into ``q`` (..., N), Q − y into ``td``; returns L = mean (Q − y)² (...)."""
        self._critic_input(obs_t, buf)
        self._action_input(buf)[...] = batch.actions.mT
        q[...] = net.forward(buf)[..., 0, :]
        np.subtract(q, self.y, out=td)
        return np.einsum("...n,...n->...", td, td) / td.shape[-1]

    @staticmethod
    def _critic_step(net: LeanNetwork, buf: Buffers, td: np.ndarray, adam: FusedAdam) -> None:
        """Backpropagate ∂L/∂Q = 2(Q − y)/N through the critic of ``buf``; one Adam step."""
        np.multiply(td, 2.0, out=buf.dz[-1][..., 0, :])
        buf.dz[-1] /= td.shape[-1]
        net.backward(buf)
        adam.step()

    def _actor_step(self, obs_t: np.ndarray, n: int) -> np.ndarray:
        """L14 through Q₁ (``self.critic`` on ``self.c``, whose input rows must hold s); one
        Adam step on the actor. Returns J = mean Q(s, μ(s)) (...)."""
        a, c = self.a, self.c
        tanh_z = self._policy(self.actor, obs_t, a, into=self._action_input(c))
        q_mu = self.critic.forward(c)[..., 0, :]
        actor_objective = q_mu.mean(axis=-1)
        c.dz[-1][...] = -1.0 / n  # ∂(−J)/∂Q_i = −1/N: the −1/N of L14 enters at the top
        grad_mu = self.critic.backward(c, param_grads=False, stop_at=self.action_layer,
                                       rows=self.action_rows)  # −∇_a Q / N: (..., act, N)
        grad_mu *= self.half_width  # μ = c + h·tanh(z), as Actor.backward
        dz = a.dz[-1]
        np.multiply(tanh_z, tanh_z, out=dz)
        np.subtract(1.0, dz, out=dz)  # tanh′ = 1 − tanh²
        dz *= grad_mu
        self.actor.backward(a)
        self.actor_adam.step()
        return actor_objective

    def _soft_update(self, pairs: list[tuple[Network, Network, np.ndarray]]) -> None:
        """θ′ ← τθ + (1 − τ)θ′ for each (target, source, scratch), as soft_update."""
        for target, source, scratch in pairs:
            theta_target = target.theta
            step = np.subtract(source.theta, theta_target, out=scratch)
            step *= self.agent.config.tau
            theta_target += step  # θ′ + τ(θ − θ′)

    def __call__(self, batch: Batch) -> dict[str, Any]:
        """L12–L15 exactly as ``DDPG.update`` (which see for the line-by-line comments)."""
        agent = self.agent
        n = self._prepare(batch)
        c = self.c

        # L12: y = r + γ(1 − terminated)·Q′(s′, μ′(s′)), on the online networks' buffers.
        next_obs_t = batch.next_obs.mT
        self._policy(self.actor_target, next_obs_t, self.a, into=self._action_input(c))
        self._critic_input(next_obs_t)
        self._bootstrap(self.critic_target.forward(c)[..., 0, :], batch)

        # L13: critic loss L = mean (Q(s, a) − y)², gradient ∂L/∂Q = 2(Q − y)/N.
        obs_t = batch.obs.mT
        critic_loss = self._critic_loss(self.critic, c, obs_t, batch, self.q, self.td)
        agent._check_finite("critic loss", critic_loss)
        self._critic_step(self.critic, c, self.td, self.critic_adam)

        # L14: −∇_θμ J = −(1/N) Σ ∇_a Q(s, a)|_{a=μ(s)} ∇_θμ μ(s). The critic's input rows for s
        #      still hold batch.obs; μ(s) goes straight into its action rows.
        actor_objective = self._actor_step(obs_t, n)

        # L15: θ′ ← τθ + (1 − τ)θ′, as soft_update, with a preallocated scratch array.
        self._soft_update([(agent.critic_target, agent.critic, self.scratch["critic"]),
                           (agent.actor_target, agent.actor, self.scratch["actor"])])

        agent.updates += 1
        metrics = {"critic_loss": critic_loss, "q_mean": self.q.mean(axis=-1),
                   "actor_objective": actor_objective}
        return {k: (float(v) if agent.stack is None else v.astype(float))
                for k, v in metrics.items()}
