"""TD3 (Fujimoto, van Hoof and Meger 2018) from DDPG's parts: ``update`` is T8–T13.

Line ids refer to the TD3 listing in docs/pseudocode.md. TD3 changes three things in DDPG's
update, each a switch in ``TD3Config`` so that they can be added one at a time:

1. clipped double Q (``twin_critics``): a second critic Q₂ with its own initialisation, target
   and Adam; the target y takes the smaller of the two target critics (T1, T2, T9, T10);
2. target policy smoothing (``target_smoothing``): clipped Gaussian noise on the target action,
   so that y does not exploit a narrow peak of Q′ (T8);
3. delayed policy updates (``policy_delay`` = d): the actor and all targets move once every d
   critic updates (T11–T13). The actor follows Q₁ alone.

With all three off, ``TD3.update`` does DDPG's L12–L15 operation for operation (same numbers,
bit for bit). Acting, exploration (L8), saving and stacking seeds are DDPG's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .agent import DDPG, soft_update
from .checkpoint import load_npz
from .config import DDPGConfig, TD3Config
from .networks import Critic, Network
from .optim import Adam
from .replay import Batch


class TD3(DDPG):
    """DDPG's actor μ, critic Q₁ and targets, plus (``twin_critics``) a critic Q₂ and Q′₂.

    ``updates`` counts critic updates: the clock of the policy delay (saved with the agent).
    """

    algorithm = "td3"
    config_class = TD3Config

    def __init__(self, obs_dim: int, act_dim: int, action_low: np.ndarray | Sequence[float],
                 action_high: np.ndarray | Sequence[float], config: TD3Config | None = None,
                 seed: int | Sequence[int] = 0) -> None:
        config = TD3Config() if config is None else config
        if not isinstance(config, TD3Config):
            raise TypeError(f"TD3 needs a TD3Config, got a {type(config).__name__}: use "
                            "TD3Config(**config.to_dict()) for TD3 with these values, or DDPG.")
        # T1, T2 for μ and Q₁: DDPG's L1, L2 (random initialisation, targets as copies).
        super().__init__(obs_dim, act_dim, action_low, action_high, config, seed)
        self.config: TD3Config = config
        self.critic2 = self.critic2_target = self.critic2_optimizer = None
        if config.twin_critics:
            # T1: Q₂ drawn from each seed's generator after μ and Q₁: its own initialisation.
            critics = [Critic(obs_dim, act_dim, rng, config.hidden, config.critic_action_layer,
                              self.dtype) for rng in self.rngs]
            self.critic2 = critics[0] if self.stack is None else Critic.stacked(critics)
            self.critic2_target = self.critic2.copy()  # T2: θ^Q′₂ ← θ^Q₂
            self.critic2_optimizer = Adam([self.critic2.theta], [self.critic2.grad],
                                          lr=config.critic_lr,
                                          weight_decay=config.critic_weight_decay)

    def target_noise(self, n: int) -> np.ndarray:
        """T8's clip(ε, −c, c), ε ~ N(0, σ̃²), in action units (σ̃, c scaled by the half-range
        h): (N, act_dim), stacked (S, N, act_dim), drawn from each seed's own generator."""
        cfg, h = self.config, self.actor.half_width
        z = np.stack([rng.standard_normal((n, self.act_dim)) for rng in self.rngs])
        eps = (cfg.target_noise * h) * z.astype(self.dtype)
        eps = np.clip(eps, -cfg.target_noise_clip * h, cfg.target_noise_clip * h)
        return eps if self.stack is not None else eps[0]

    def update(self, batch: Batch) -> dict[str, Any]:
        """One critic step for each critic; every d-th call also the actor and targets (T8–T13).

        ``batch`` arrays are (N, ·) (stacked: (S, N, ·)). Returns floats (stacked: (S,) arrays):
        critic_loss and q_mean of Q₁ (and critic2_loss of Q₂), actor_objective J = mean
        Q₁(s_i, μ(s_i)), NaN on the updates where the actor does not move.
        """
        cfg = self.config
        n = batch.rewards.shape[-1]

        # T8: ã = clip(μ′(s′) + clip(ε, −c, c), a_low, a_high), ε ~ N(0, σ̃²): the target
        #     action, smoothed so that y averages Q′ over a small neighbourhood of μ′(s′).
        next_action = self.actor_target(batch.next_obs)
        if cfg.target_smoothing:
            next_action = np.clip(next_action + self.target_noise(n), self.action_low,
                                  self.action_high)

        # T9: y_i = r_i + γ (1 − terminated_i) min_j Q′_j(s_{i+1}, ã_i): the smaller of the two
        #     estimates counters the critic's over-estimation (one critic: DDPG's L12).
        next_q = self.critic_target(batch.next_obs, next_action)
        if cfg.twin_critics:
            next_q = np.minimum(next_q, self.critic2_target(batch.next_obs, next_action))
        y = batch.rewards + cfg.gamma * (1.0 - batch.terminated) * next_q

        # T10: each critic minimises its own L_j = (1/N) Σ_i (y_i − Q_j(s_i, a_i))², toward the
        #      same y. Both losses are checked before either critic moves.
        critics = [(self.critic, self.critic_optimizer)]
        if cfg.twin_critics:
            critics.append((self.critic2, self.critic2_optimizer))
        q = [critic(batch.obs, batch.actions) for critic, _ in critics]
        td_errors = [q_j - y for q_j in q]
        losses = [np.mean(td * td, axis=-1) for td in td_errors]
        for j, loss in enumerate(losses):
            self._check_finite(f"critic Q{j + 1} loss", loss)
        for (critic, optimizer), td in zip(critics, td_errors):
            critic.backward(2.0 * td / n)  # ∂L_j/∂Q_j(s_i, a_i) = 2(Q_j − y_i)/N
            optimizer.step()
        self.updates += 1  # one more critic update: the delay counts these, not env steps

        # T11: the actor and the targets move only every d-th critic update (d = 1: always).
        actor_objective = np.full(np.shape(losses[0]), np.nan)
        if self.updates % cfg.policy_delay == 0:
            # T12: ∇_θμ J ≈ (1/N) Σ_i ∇_a Q₁(s_i, a)|_{a=μ(s_i)} · ∇_θμ μ(s_i), through Q₁ only
            #      (as L14); Adam minimises −J.
            mu = self.actor(batch.obs)
            q_mu, dq_da = self.critic.action_gradient(batch.obs, mu)
            self.actor.backward(-dq_da / n)
            self.actor_optimizer.step()
            actor_objective = q_mu.mean(axis=-1)

            # T13: θ^Q′_j ← τθ^Q_j + (1 − τ)θ^Q′_j for each critic, θ^μ′ ← τθ^μ + (1 − τ)θ^μ′.
            for target, source in self.target_pairs():
                soft_update(target, source, cfg.tau)

        metrics = {"critic_loss": losses[0], "q_mean": q[0].mean(axis=-1),
                   "actor_objective": actor_objective}
        if cfg.twin_critics:
            metrics["critic2_loss"] = losses[1]
        return {k: (float(v) if self.stack is None else v.astype(float))
                for k, v in metrics.items()}

    def target_pairs(self) -> list[tuple[Network, Network]]:
        """(target, online) for every soft update of T13: Q′₁ and μ′ in L15's order, then Q′₂."""
        pairs = [(self.critic_target, self.critic), (self.actor_target, self.actor)]
        return pairs + ([(self.critic2_target, self.critic2)] if self.critic2 is not None else [])

    # --- saving and restoring: DDPG's, plus Q₂, Q′₂ and Q₂'s Adam ------------------------------

    def networks(self) -> dict[str, Network]:
        nets = super().networks()
        if self.critic2 is not None:
            nets.update(critic2=self.critic2, critic2_target=self.critic2_target)
        return nets

    def state_dict(self, training_state: bool = True) -> dict[str, np.ndarray]:
        state = super().state_dict(training_state)
        if training_state and self.critic2_optimizer is not None:
            for key, value in self.critic2_optimizer.state_dict().items():
                state[f"critic2_optimizer.{key}"] = value
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.check_algorithm(state)
        if self.critic2 is not None:
            if "critic2.theta" not in state:
                raise ValueError("this TD3 file has no second critic (it was saved with "
                                 "twin_critics=False); load it with TD3.load(path), which "
                                 "rebuilds the agent with the file's own config.")
            if "critic2_target.theta" not in state:  # a minimal file: the target is a copy (T2)
                state = {**state, "critic2_target.theta": state["critic2.theta"]}
        super().load_state_dict(state)
        if self.critic2_optimizer is not None and "rng" in state:
            self.critic2_optimizer.load_state_dict(
                {k.split(".", 1)[1]: v for k, v in state.items()
                 if k.startswith("critic2_optimizer.")})


ALGORITHMS: dict[str, type[DDPG]] = {"ddpg": DDPG, "td3": TD3}


def agent_class(config: DDPGConfig) -> type[DDPG]:
    """TD3 for a TD3Config, DDPG for a DDPGConfig: choosing the config chooses the algorithm."""
    return TD3 if isinstance(config, TD3Config) else DDPG


def agent_from_state_dict(state: dict[str, np.ndarray]) -> DDPG:
    """A DDPG or TD3 agent, whichever ``state`` records (files without the entry are DDPG's)."""
    name = str(state["algorithm"]) if "algorithm" in state else "ddpg"
    if name not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {name!r} in this agent file; this ddpg-numpy "
                         f"knows {sorted(ALGORITHMS)}: upgrade it, or retrain the agent.")
    return ALGORITHMS[name].from_state_dict(state)


def load_agent(path: str | Path) -> DDPG:
    """``DDPG.load`` or ``TD3.load``, whichever the file holds."""
    state = load_npz(path)
    if "actor.theta" not in state:
        raise ValueError(f"{path} holds no DDPG or TD3 agent (no 'actor.theta' entry).")
    return agent_from_state_dict(state)
