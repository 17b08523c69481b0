"""One seed's μ(s), Q(s, a) and ∇ₐQ, read from an agent that may hold several seeds stacked.

Stacked agents (``DDPG(..., seed=[0, 1, 2])``) are drawn one seed at a time: the plots take
``agent_seed=`` (one of ``agent.seeds``; default the first).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.agent import DDPG


def seed_index(agent: DDPG, agent_seed: int | None) -> int:
    """Position of ``agent_seed`` in the stack (0 for None)."""
    if agent_seed is None:
        return 0
    if agent_seed not in agent.seeds:
        raise ValueError(f"agent_seed={agent_seed} is not one of this agent's seeds "
                         f"{agent.seeds}; pass one of them, or None for the first.")
    return agent.seeds.index(agent_seed)


def _batch(agent: DDPG, x: Any, width: int, name: str) -> np.ndarray:
    """(N, width) in the agent's dtype, broadcast to (S, N, width) for a stacked agent."""
    x = np.asarray(x, dtype=agent.dtype)
    if x.ndim != 2 or x.shape[1] != width:
        raise ValueError(f"{name} must have shape (N, {width}), got {x.shape}; add a batch "
                         "axis with x[None] for a single state.")
    return x if agent.stack is None else np.broadcast_to(x, (agent.stack, *x.shape))


def policy_and_value(agent: DDPG, obs: np.ndarray,
                     agent_seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """μ(s) (N, act_dim) and Q(s, μ(s)) (N,) of one seed, for observations (N, obs_dim)."""
    i = seed_index(agent, agent_seed)
    x = _batch(agent, obs, agent.obs_dim, "obs")
    mu = agent.actor(x)
    q = agent.critic(x, mu)
    return (mu, q) if agent.stack is None else (mu[i], q[i])


def critic_values(agent: DDPG, obs: np.ndarray, actions: np.ndarray,
                  agent_seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Q(s, a) (N,) and ∇_a Q(s, a) (N, act_dim) of one seed's critic (the L14 gradient)."""
    i = seed_index(agent, agent_seed)
    x = _batch(agent, obs, agent.obs_dim, "obs")
    a = _batch(agent, actions, agent.act_dim, "actions")
    if x.shape[-2] != a.shape[-2]:
        raise ValueError(f"obs has {x.shape[-2]} rows but actions has {a.shape[-2]}.")
    q, dq_da = agent.critic.action_gradient(x, a)
    return (q, dq_da) if agent.stack is None else (q[i], dq_da[i])


__all__ = ["policy_and_value", "critic_values"]
