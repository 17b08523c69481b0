"""The DDPG agent: ``act`` is pseudocode line L8, ``update`` is L12–L15.

Line numbers refer to docs/pseudocode.md (Lillicrap et al. 2015, Algorithm 1). Pure NumPy: no
environment and no plotting here, so the algorithm can be read and tested on its own.

One agent, or S agents at once: with ``seed=[0, 1, 2]`` every array gains a leading seed axis
(stacked weights, per-seed noise and random generators) and each seed computes exactly what a
solo agent with that seed would, up to floating-point rounding.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .checkpoint import load_npz, save_npz_atomic
from .config import DDPGConfig
from .networks import Actor, Critic, Network
from .noise import make_noise
from .optim import Adam
from .replay import Batch


class TrainingDivergedError(FloatingPointError):
    """A loss became NaN or infinite; the agent's parameters were left as they were before."""


def soft_update(target: Network, source: Network, tau: float) -> None:
    """θ′ ← τθ + (1 − τ)θ′, in place on the flat parameter vectors (L15)."""
    theta_target = target.theta  # a view: updating it in place updates every layer's W and b
    theta_target += tau * (source.theta - theta_target)  # θ′ + τ(θ − θ′)


class DDPG:
    """Actor μ(s|θ^μ), critic Q(s,a|θ^Q), their targets μ′, Q′, optimizers and exploration noise.

    ``seed`` is an int (one agent) or a sequence of ints (one stacked agent per seed).
    """

    algorithm = "ddpg"  # recorded in agent files; TD3 (core/td3.py) records "td3"
    config_class: type[DDPGConfig] = DDPGConfig

    def __init__(self, obs_dim: int, act_dim: int, action_low: np.ndarray | Sequence[float],
                 action_high: np.ndarray | Sequence[float], config: DDPGConfig | None = None,
                 seed: int | Sequence[int] = 0) -> None:
        self.config = cfg = config or DDPGConfig()
        self.obs_dim, self.act_dim = obs_dim, act_dim
        self.dtype = np.dtype(cfg.dtype)
        self.seeds = [seed] if np.ndim(seed) == 0 else [int(s) for s in seed]
        self.stack = None if np.ndim(seed) == 0 else len(self.seeds)
        self.rngs = [np.random.default_rng(s) for s in self.seeds]
        self.action_low = np.asarray(action_low, dtype=self.dtype).reshape(act_dim)
        self.action_high = np.asarray(action_high, dtype=self.dtype).reshape(act_dim)

        # L1: randomly initialise critic Q(s,a|θ^Q) and actor μ(s|θ^μ) (each seed its own).
        actors, critics = [], []
        for rng in self.rngs:
            actors.append(Actor(obs_dim, act_dim, self.action_low, self.action_high, rng,
                                cfg.hidden, self.dtype))
            critics.append(Critic(obs_dim, act_dim, rng, cfg.hidden, cfg.critic_action_layer,
                                  self.dtype))
        self.actor = actors[0] if self.stack is None else Actor.stacked(actors)
        self.critic = critics[0] if self.stack is None else Critic.stacked(critics)

        # L2: initialise the targets with θ^Q′ ← θ^Q, θ^μ′ ← θ^μ.
        self.actor_target = self.actor.copy()
        self.critic_target = self.critic.copy()

        self.actor_optimizer = Adam([self.actor.theta], [self.actor.grad], lr=cfg.actor_lr)
        self.critic_optimizer = Adam([self.critic.theta], [self.critic.grad], lr=cfg.critic_lr,
                                     weight_decay=cfg.critic_weight_decay)
        # L5's random process 𝒩, one per seed; σ is relative to the action half-range.
        self.noises = [make_noise(cfg.noise, act_dim, rng, cfg.noise_sigma, cfg.ou_theta,
                                  cfg.ou_dt) for rng in self.rngs]
        self.updates = 0
        self.env_id: str | None = None  # set by for_env / train; saved with the agent

    @classmethod
    def for_env(cls, env: Any, config: DDPGConfig | None = None,
                seed: int | Sequence[int] = 0) -> DDPG:
        """An agent sized for a gymnasium environment with Box observation and action spaces."""
        obs_dim, act_dim, low, high = box_dimensions(env)
        agent = cls(obs_dim, act_dim, low, high, config, seed)
        agent.env_id = getattr(getattr(env, "spec", None), "id", None)
        return agent

    @property
    def rng(self) -> np.random.Generator:
        """The random generator of a solo agent (stacked agents have one per seed: ``rngs``)."""
        return self.rngs[0]

    def reset_noise(self) -> None:
        """A fresh random process 𝒩 for the new episode."""
        for noise in self.noises:  # L5: initialise 𝒩 for action exploration
            noise.reset()

    def act(self, obs: np.ndarray, explore: bool = False) -> np.ndarray:
        """L8: a = μ(s|θ^μ) (+ 𝒩 when exploring), clipped to the action bounds.

        obs (obs_dim,) -> action (act_dim,); stacked: (S, obs_dim) -> (S, act_dim).
        """
        obs = np.asarray(obs, dtype=self.dtype)
        action = self.actor.forward(obs[..., None, :])[..., 0, :]  # L8: μ(s_t|θ^μ)
        if explore:  # L8: + 𝒩_t, scaled to the action half-range
            noise = np.stack([n.sample() for n in self.noises])  # (S, act_dim)
            action = action + self.actor.half_width * (noise if self.stack else noise[0])
        return np.clip(action, self.action_low, self.action_high)

    def random_action(self) -> np.ndarray:
        """Uniform in the action box (warm-up exploration); shaped like ``act``'s output."""
        a = np.stack([rng.uniform(self.action_low, self.action_high) for rng in self.rngs])
        return (a if self.stack else a[0]).astype(self.dtype)

    def update(self, batch: Batch) -> dict[str, Any]:
        """One gradient step on critic and actor, then the target networks (L12–L15).

        ``batch`` arrays are (N, ·) (stacked: (S, N, ·)). Returns floats (stacked: (S,) arrays):
        critic_loss L, q_mean = mean Q(s_i, a_i), actor_objective J = mean Q(s_i, μ(s_i)).
        """
        cfg = self.config
        n = batch.rewards.shape[-1]

        # L12: y_i = r_i + γ (1 − terminated_i) Q′(s_{i+1}, μ′(s_{i+1}|θ^μ′)|θ^Q′)
        #      (1 − terminated): no future after a true terminal state, but a time-limit
        #      truncation is not terminal, so it keeps its bootstrap term. μ′ is tanh-bounded.
        next_q = self.critic_target(batch.next_obs, self.actor_target(batch.next_obs))
        y = batch.rewards + cfg.gamma * (1.0 - batch.terminated) * next_q

        # L13: update the critic by minimising L = (1/N) Σ_i (y_i − Q(s_i, a_i|θ^Q))².
        #      y is a constant here (no gradient flows into the targets).
        q = self.critic(batch.obs, batch.actions)
        td_error = q - y
        critic_loss = np.mean(td_error * td_error, axis=-1)
        self._check_finite("critic loss", critic_loss)
        self.critic.backward(2.0 * td_error / n)  # ∂L/∂Q_i = 2(Q_i − y_i)/N
        self.critic_optimizer.step()

        # L14: update the actor with ∇_θμ J ≈ (1/N) Σ_i ∇_a Q(s_i, a)|_{a=μ(s_i)} · ∇_θμ μ(s_i).
        #      Two explicit pieces: ∇_a Q from the critic, then the actor backpropagates it.
        #      Adam minimises, so we hand it the gradient of −J (gradient ascent on J).
        mu = self.actor(batch.obs)
        q_mu, dq_da = self.critic.action_gradient(batch.obs, mu)  # ∇_a Q(s_i, μ(s_i)): (N, act)
        self.actor.backward(-dq_da / n)  # · ∇_θμ μ(s_i), summed over i, into actor.grad
        self.actor_optimizer.step()

        # L15: θ^Q′ ← τθ^Q + (1−τ)θ^Q′ and θ^μ′ ← τθ^μ + (1−τ)θ^μ′.
        soft_update(self.critic_target, self.critic, cfg.tau)
        soft_update(self.actor_target, self.actor, cfg.tau)

        self.updates += 1
        metrics = {"critic_loss": critic_loss, "q_mean": q.mean(axis=-1),
                   "actor_objective": q_mu.mean(axis=-1)}
        return {k: (float(v) if self.stack is None else v.astype(float))
                for k, v in metrics.items()}

    def _check_finite(self, name: str, value: np.ndarray) -> None:
        if not np.all(np.isfinite(value)):
            bad = [s for s, v in zip(self.seeds, np.atleast_1d(value)) if not np.isfinite(v)]
            raise TrainingDivergedError(
                f"the {name} became {np.atleast_1d(value)[0]} at update {self.updates} "
                f"(seed {bad}). The parameters were not changed by this update. Usual causes: "
                "rewards or observations with NaN/inf, or learning rates too high for the reward "
                "scale — lower critic_lr/actor_lr, or scale the rewards.")

    # --- saving and restoring (checkpoints store arrays only: no pickle) -------------------

    def networks(self) -> dict[str, Network]:
        return {"actor": self.actor, "critic": self.critic, "actor_target": self.actor_target,
                "critic_target": self.critic_target}

    def state_dict(self, training_state: bool = True) -> dict[str, np.ndarray]:
        """Everything needed to continue exactly: parameters, targets, Adam moments, noise and
        random-generator states, as a flat dict of NumPy arrays. ``training_state=False`` keeps
        only what acting and plotting need (actor and critic): a file a quarter the size."""
        state: dict[str, np.ndarray] = {
            "config": np.array(self.config.to_json()), "seeds": np.array(self.seeds),
            "stacked": np.array(self.stack is not None), "updates": np.array(self.updates),
            "obs_dim": np.array(self.obs_dim), "act_dim": np.array(self.act_dim),
            "action_low": self.action_low.copy(), "action_high": self.action_high.copy(),
            "env_id": np.array(self.env_id or ""), "algorithm": np.array(self.algorithm)}
        for name, net in self.networks().items():
            state[f"{name}.theta"] = net.theta.copy()  # copies: the agent trains on
        if not training_state:
            return {k: v for k, v in state.items() if "target" not in k}
        for name, opt in (("actor_optimizer", self.actor_optimizer),
                          ("critic_optimizer", self.critic_optimizer)):
            for key, value in opt.state_dict().items():
                state[f"{name}.{key}"] = value
        state["rng"] = np.array(json.dumps([r.bit_generator.state for r in self.rngs]))
        state["noise"] = np.stack([n.state for n in self.noises])
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore from ``state_dict``; a mismatch of shapes says which config produced it."""
        self.check_algorithm(state)
        saved = self.config_class.from_dict(json.loads(str(state["config"])))
        if "actor_target.theta" not in state:  # a minimal file: targets start as copies (L2)
            state = {**state, "actor_target.theta": state["actor.theta"],
                     "critic_target.theta": state["critic.theta"]}
        for name, net in self.networks().items():
            if state[f"{name}.theta"].shape != net.theta.shape:
                raise ValueError(
                    f"checkpoint's {name} has {state[f'{name}.theta'].shape} parameters but this "
                    f"agent's has {net.theta.shape}: the checkpoint was made with another network "
                    f"shape or environment (saved: hidden={saved.hidden}, critic_action_layer="
                    f"{saved.critic_action_layer}, obs_dim={int(state['obs_dim'])}, act_dim="
                    f"{int(state['act_dim'])}; this agent: hidden={self.config.hidden}, "
                    f"critic_action_layer={self.config.critic_action_layer}, obs_dim="
                    f"{self.obs_dim}, act_dim={self.act_dim}). Load it with DDPG.load(path), "
                    "which rebuilds the agent with the checkpoint's own config.")
        for name, net in self.networks().items():
            net.theta[...] = state[f"{name}.theta"]
        self.updates = int(state["updates"])
        if "rng" not in state:
            return
        for name, opt in (("actor_optimizer", self.actor_optimizer),
                          ("critic_optimizer", self.critic_optimizer)):
            opt.load_state_dict({k.split(".", 1)[1]: v for k, v in state.items()
                                 if k.startswith(name + ".")})
        for rng, rng_state in zip(self.rngs, json.loads(str(state["rng"]))):
            rng.bit_generator.state = rng_state
        for noise, noise_state in zip(self.noises, state["noise"]):
            noise.state[...] = noise_state


    def save(self, path: str | Path, training_state: bool = True) -> Path:
        """Write the agent (no replay buffer) to an .npz file, atomically; see ``state_dict``."""
        return save_npz_atomic(path, self.state_dict(training_state))

    @classmethod
    def load(cls, path: str | Path) -> DDPG:
        """Rebuild an agent from ``save`` or a training checkpoint, with its own config."""
        state = load_npz(path)
        if "actor.theta" not in state:
            raise ValueError(f"{path} holds no DDPG agent (no 'actor.theta' entry).")
        return cls.from_state_dict(state)

    @classmethod
    def from_state_dict(cls, state: dict[str, np.ndarray]) -> DDPG:
        """Rebuild an agent from ``state_dict`` (in memory), with its own config."""
        cls.check_algorithm(state)
        seeds = [int(s) for s in state["seeds"]]
        config = cls.config_class.from_dict(json.loads(str(state["config"])))
        agent = cls(int(state["obs_dim"]), int(state["act_dim"]), state["action_low"],
                    state["action_high"], config,
                    seed=seeds if bool(state["stacked"]) else seeds[0])
        agent.load_state_dict(state)
        agent.env_id = str(state.get("env_id", "")) or None
        return agent

    @classmethod
    def concatenate(cls, agents: Sequence[DDPG]) -> DDPG:
        """One stacked agent holding the seeds of ``agents`` (solo or stacked), in order.

        They must share config, sizes and update count: e.g. the seed groups that
        ``train(..., workers=k)`` trained in separate processes. Every per-seed array
        (parameters, Adam moments, noise and generator states) is joined along the seed axis.
        """
        first = agents[0]
        for other in agents[1:]:
            if (other.config, other.obs_dim, other.act_dim, other.updates) != \
                    (first.config, first.obs_dim, first.act_dim, first.updates):
                raise ValueError("DDPG.concatenate: the agents differ in config, sizes or "
                                 f"number of updates ({first.updates} vs {other.updates}); only "
                                 "agents trained alike can be stacked.")
        states = [a.state_dict() for a in agents]
        merged = dict(states[0])

        def per_seed(agent: DDPG, value: np.ndarray) -> np.ndarray:
            return value if agent.stack is not None else value[None]

        for key in merged:
            name, _, field = key.rpartition(".")
            if field == "theta" or (name.endswith("_optimizer") and field[:1] in "mv"
                                    and field[1:].isdigit()):
                merged[key] = np.concatenate([per_seed(a, s[key]) for a, s in zip(agents, states)])
        merged["noise"] = np.concatenate([s["noise"] for s in states])  # always (S or 1, ...)
        merged["rng"] = np.array(json.dumps([r for s in states for r in json.loads(str(s["rng"]))]))
        merged["seeds"] = np.array([seed for a in agents for seed in a.seeds])
        merged["stacked"] = np.array(True)
        return type(first).from_state_dict(merged)  # DDPG or TD3, as the agents are

    @classmethod
    def check_algorithm(cls, state: dict[str, np.ndarray]) -> None:
        """A file of another algorithm is an error that names the loader to use instead."""
        saved = str(state["algorithm"]) if "algorithm" in state else "ddpg"  # older files: DDPG
        if saved != cls.algorithm:
            raise ValueError(f"this file holds a {saved.upper()} agent, not a {cls.__name__}: load "
                             f"it with {saved.upper()}.load(path), or ddpg_numpy.load_agent(path) "
                             "for either.")


def box_dimensions(env: Any) -> tuple[int, int, np.ndarray, np.ndarray]:
    """(obs_dim, act_dim, action_low, action_high) of an env with flat Box spaces, or a clear
    error explaining what DDPG needs instead."""
    obs_space, act_space = env.observation_space, env.action_space
    name = getattr(getattr(env, "spec", None), "id", type(env).__name__)
    if type(act_space).__name__ != "Box":
        raise TypeError(
            f"{name} has a {act_space} action space, but DDPG needs continuous actions (a Box): "
            "its actor outputs real numbers. Pick a continuous-control environment (e.g. "
            "Pendulum-v1, MountainCarContinuous-v0, a MuJoCo task) or use DQN for discrete ones.")
    if type(obs_space).__name__ != "Box" or len(obs_space.shape) != 1:
        raise TypeError(
            f"{name} has observation space {obs_space}, but these networks take flat vectors of "
            "shape (obs_dim,). Image or dict observations need a feature extractor first; for a "
            "dict of vectors wrap the env in gymnasium.wrappers.FlattenObservation.")
    if len(act_space.shape) != 1 or not np.all(np.isfinite(act_space.low)) \
            or not np.all(np.isfinite(act_space.high)):
        raise ValueError(f"{name}: DDPG needs a 1-D action Box with finite bounds, got "
                         f"{act_space}; the actor's tanh output is scaled to those bounds.")
    return obs_space.shape[0], act_space.shape[0], act_space.low, act_space.high
