"""The fast path of ``TD3.update`` (T8–T13): DDPG's fast pieces (update.py), used for TD3.

``TD3.update`` in core/td3.py is the code to read. This computes the same numbers up to
floating-point rounding (``tests/test_fast_td3.py``), with every switch on or off. What TD3 adds:

* the smoothing noise of T8 is drawn by the agent itself (``TD3.target_noise``: the same draws
  from the same generators as the plain code), added in place to μ′(s′) in the critic's action
  rows and clipped there to the action bounds;
* the second target critic Q′₂ runs on Q′₁'s buffers once Q′₁'s output is copied out (T9);
* the second critic Q₂ has its own buffers: both losses are checked before either critic moves,
  and Q₂'s activations must survive until its backward pass (T10);
* the actor step (T12) is DDPG's, through Q₁, whose input rows still hold the batch's states.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.replay import Batch
from ..core.td3 import TD3
from .adam import FusedAdam
from .update import FastUpdate, LeanNetwork


class FastTD3Update(FastUpdate):
    """``update(batch)``: T8–T13 for one TD3 agent, on its own parameters and Adam moments."""

    agent: TD3

    def __init__(self, agent: TD3) -> None:
        super().__init__(agent)
        self.twin = agent.critic2 is not None
        if self.twin:
            self.critic2 = LeanNetwork(agent.critic2)
            self.critic2_target = LeanNetwork(agent.critic2_target)
            self.scratch["critic2"] = np.empty_like(agent.critic2.theta)
            self.critic2_adam = FusedAdam(agent.critic2_optimizer)
        self.low = agent.action_low[:, None]  # (act_dim, 1): broadcasts over the batch columns
        self.high = agent.action_high[:, None]

    def _allocate(self, lead: tuple[int, ...], n: int) -> None:
        super()._allocate(lead, n)
        if self.twin:
            self.c2 = self.critic2.buffers(lead, n)  # Q₂'s own: it backpropagates after Q₁
            self.q2, self.td2 = np.empty_like(self.y), np.empty_like(self.y)

    def __call__(self, batch: Batch) -> dict[str, Any]:
        """T8–T13 exactly as ``TD3.update`` (which see for the line-by-line comments)."""
        agent, cfg = self.agent, self.agent.config
        n = self._prepare(batch)
        c = self.c
        action_rows = self._action_input(c)

        # T8: ã = clip(μ′(s′) + clip(ε, −c, c), a_low, a_high), in the critic's action rows.
        next_obs_t = batch.next_obs.mT
        self._policy(self.actor_target, next_obs_t, self.a, into=action_rows)
        if cfg.target_smoothing:
            action_rows += agent.target_noise(n).mT
            np.clip(action_rows, self.low, self.high, out=action_rows)

        # T9: y = r + γ(1 − terminated)·min_j Q′_j(s′, ã); Q′₂ reuses Q′₁'s buffers.
        self._critic_input(next_obs_t)
        next_q = self.q  # scratch until T10 writes Q₁(s, a) into it
        next_q[...] = self.critic_target.forward(c)[..., 0, :]
        if self.twin:
            np.minimum(next_q, self.critic2_target.forward(c)[..., 0, :], out=next_q)
        self._bootstrap(next_q, batch)

        # T10: each critic toward the same y; both losses checked before either moves.
        obs_t = batch.obs.mT
        critic_loss = self._critic_loss(self.critic, c, obs_t, batch, self.q, self.td)
        agent._check_finite("critic Q1 loss", critic_loss)
        if self.twin:
            critic2_loss = self._critic_loss(self.critic2, self.c2, obs_t, batch, self.q2,
                                             self.td2)
            agent._check_finite("critic Q2 loss", critic2_loss)
        self._critic_step(self.critic, c, self.td, self.critic_adam)
        if self.twin:
            self._critic_step(self.critic2, self.c2, self.td2, self.critic2_adam)
        q_mean = self.q.mean(axis=-1)
        agent.updates += 1  # the delay counts critic updates

        # T11: the actor and the targets move every d-th critic update only.
        actor_objective = np.full(np.shape(critic_loss), np.nan)
        if agent.updates % cfg.policy_delay == 0:
            # T12: the actor through Q₁ only (c's input rows still hold s), as L14.
            actor_objective = self._actor_step(obs_t, n)
            # T13: every target, critics first, as L15.
            pairs = [(agent.critic_target, agent.critic, self.scratch["critic"]),
                     (agent.actor_target, agent.actor, self.scratch["actor"])]
            if self.twin:
                pairs.append((agent.critic2_target, agent.critic2, self.scratch["critic2"]))
            self._soft_update(pairs)

        metrics = {"critic_loss": critic_loss, "q_mean": q_mean,
                   "actor_objective": actor_objective}
        if self.twin:
            metrics["critic2_loss"] = critic2_loss
        return {k: (float(v) if agent.stack is None else v.astype(float))
                for k, v in metrics.items()}
