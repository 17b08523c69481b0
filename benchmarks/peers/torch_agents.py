"""TD3 and DDPG in PyTorch, written from the authors' code: the update of ``TD3.py`` and
``OurDDPG.py`` of sfujim/TD3 as the TD3 paper ran them (commit 00ae5cd and its Pytorch-0.4
rewrite 6a1d07c: 400-300, the action entering the critic with the state, Adam at PyTorch's
default 1e-3, batch 100, τ = 0.005, policy noise 0.2 clipped at 0.5, delay 2).

Kept from the authors, line for line:

* ``Actor``: Linear → ReLU → Linear → ReLU → Linear → tanh, scaled to the action box
  (``max_action * tanh``; here ``centre + half_width * tanh``, the same for a symmetric box);
* ``Critic``: Q(s, a) of cat(s, a) through Linear → ReLU → Linear → ReLU → Linear; for TD3 one
  module holding Q1 (l1-l3) and Q2 (l4-l6), with **one** Adam over both and the loss
  mse(Q1, y) + mse(Q2, y); the actor maximises Q1 alone;
* the target: ``noise = randn · policy_noise`` clamped to ±noise_clip (both times the action
  half-range, as the authors' later main.py scales them), ``ã = (μ′(s′) + noise).clamp(low, high)``,
  ``y = r + γ (1 − done) min(Q′1, Q′2)(s′, ã)`` without gradient;
* the actor's step and the soft updates of all targets on every d-th critic step;
* optimisers: ``torch.optim.Adam`` (L2 weight decay as its ``weight_decay``).

Two choices follow ddpg-numpy by default, each with the authors' as an option (torch_peer.py):
the initialisation (``"ours"``: PyTorch's default on the hidden layers, which is the DDPG paper's
U(±1/√fan_in), and U(±3·10⁻³) on the final layers; ``"pytorch"``: PyTorch's default everywhere,
as the authors) and which critic steps move the actor (the caller passes ``actor_step``).
One change of form: the soft update is ``target.lerp_(p, τ)``, θ′ + τ(θ − θ′), ddpg-numpy's form
of the authors' ``τθ + (1 − τ)θ′`` (the same up to rounding, without temporaries).

The agent's state goes in and out as NumPy arrays (``state_arrays`` / ``load_state_arrays``):
parameters, targets and Adam's ``exp_avg``, ``exp_avg_sq`` and ``step`` per parameter.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ddpg_numpy.core.config import DDPGConfig, TD3Config
from ddpg_numpy.core.nn import FINAL_LAYER_INIT
from ddpg_numpy.core.replay import Batch
from ddpg_numpy.study.cells import PEER_OPTIONS

INITS = PEER_OPTIONS["init"]  # ("ours", "pytorch")


def _mlp(sizes: Sequence[int]) -> nn.ModuleList:
    return nn.ModuleList(nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def _hidden_then(layers: nn.ModuleList, x: torch.Tensor) -> torch.Tensor:
    for layer in layers[:-1]:
        x = F.relu(layer(x))
    return layers[-1](x)


class Actor(nn.Module):
    """μ(s) = centre + half_width · tanh(MLP(s)): obs (N, obs_dim) -> actions (N, act_dim)."""

    def __init__(self, obs_dim: int, act_dim: int, low: np.ndarray, high: np.ndarray,
                 hidden: Sequence[int]) -> None:
        super().__init__()
        self.layers = _mlp([obs_dim, *hidden, act_dim])
        low_t = torch.as_tensor(np.asarray(low, dtype=np.float32))
        high_t = torch.as_tensor(np.asarray(high, dtype=np.float32))
        self.register_buffer("centre", (high_t + low_t) / 2)
        self.register_buffer("half_width", (high_t - low_t) / 2)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.centre + self.half_width * torch.tanh(_hidden_then(self.layers, obs))


class Critic(nn.Module):
    """Q1 (and for TD3 Q2) of cat(s, a): obs (N, obs_dim), actions (N, act_dim) -> (N,) each."""

    def __init__(self, obs_dim: int, act_dim: int, hidden: Sequence[int], twin: bool) -> None:
        super().__init__()
        sizes = [obs_dim + act_dim, *hidden, 1]
        self.q1_layers = _mlp(sizes)
        self.q2_layers = _mlp(sizes) if twin else None

    def q1(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return _hidden_then(self.q1_layers, torch.cat([obs, actions], 1)).view(-1)

    def forward(self, obs: torch.Tensor,
                actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        x = torch.cat([obs, actions], 1)
        q2 = None if self.q2_layers is None else _hidden_then(self.q2_layers, x).view(-1)
        return _hidden_then(self.q1_layers, x).view(-1), q2

    def heads(self) -> list[nn.ModuleList]:
        return [self.q1_layers] + ([self.q2_layers] if self.q2_layers is not None else [])


def final_layers(actor: Actor, critic: Critic) -> list[nn.Linear]:
    return [actor.layers[-1]] + [head[-1] for head in critic.heads()]


class TorchAgent:
    """Actor, critic(s), their targets and Adams; ``update`` is one step of TD3.py / OurDDPG.py.

    ``algo`` is "td3" (twin critics, target smoothing, the delay given by ``actor_step``) or
    "ddpg" (OurDDPG: one critic, no smoothing). Everything float32 on the CPU; parameters drawn
    from torch's global generator (``torch.manual_seed`` first), as the authors' code.
    """

    def __init__(self, algo: str, obs_dim: int, act_dim: int, low: np.ndarray,
                 high: np.ndarray, cfg: DDPGConfig, init: str = "ours") -> None:
        if init not in INITS:
            raise ValueError(f"init={init!r}: use one of {INITS}")
        self.algo, self.cfg, self.init = algo, cfg, init
        self.td3 = algo == "td3"
        if self.td3 and not isinstance(cfg, TD3Config):
            raise TypeError("TD3 needs a TD3Config")
        self.obs_dim, self.act_dim = obs_dim, act_dim
        self.actor = Actor(obs_dim, act_dim, low, high, cfg.hidden)
        self.critic = Critic(obs_dim, act_dim, cfg.hidden, twin=self.td3 and cfg.twin_critics)
        if init == "ours":  # the DDPG paper's final layers: initial outputs near zero
            for layer in final_layers(self.actor, self.critic):
                nn.init.uniform_(layer.weight, -FINAL_LAYER_INIT, FINAL_LAYER_INIT)
                nn.init.uniform_(layer.bias, -FINAL_LAYER_INIT, FINAL_LAYER_INIT)
        self.actor_target = copy.deepcopy(self.actor)
        self.critic_target = copy.deepcopy(self.critic)
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), lr=cfg.actor_lr)
        self.critic_optimizer = torch.optim.Adam(self.critic.parameters(), lr=cfg.critic_lr,
                                                 weight_decay=cfg.critic_weight_decay)
        half = self.actor.half_width
        self.low, self.high = self.actor.centre - half, self.actor.centre + half
        if self.td3:
            self.smoothing_sigma = cfg.target_noise * half  # σ̃ · h, per action dimension
            self.smoothing_clip = cfg.target_noise_clip * half  # c · h
        self.updates = 0  # critic steps, as ddpg-numpy's agents count them

    def act(self, obs: np.ndarray) -> np.ndarray:
        """μ(s) for one observation (obs_dim,) -> (act_dim,) float32, without noise."""
        with torch.no_grad():
            x = torch.from_numpy(np.asarray(obs, dtype=np.float32).reshape(1, -1))
            return self.actor(x)[0].numpy()

    def smoothing_noise(self, n: int) -> torch.Tensor:
        """clip(ε, −c·h, c·h), ε ~ N(0, (σ̃·h)²): (n, act_dim), from torch's generator."""
        eps = torch.randn(n, self.act_dim) * self.smoothing_sigma
        return torch.maximum(torch.minimum(eps, self.smoothing_clip), -self.smoothing_clip)

    def update(self, batch: Batch, actor_step: bool,
               smoothing: torch.Tensor | None = None) -> dict[str, float]:
        """One critic step; with ``actor_step`` also the actor's and the soft target updates.

        ``batch``: float32 NumPy arrays (N, ·). ``smoothing`` (N, act_dim): the clipped target
        noise to use instead of a fresh draw (tests). Returns critic_loss and q_mean of Q1,
        actor_objective = mean Q1(s, μ(s)) before the actor's step (NaN without one).
        """
        cfg = self.cfg
        obs, actions, rewards, next_obs, terminated = (torch.from_numpy(x) for x in batch)
        with torch.no_grad():
            next_action = self.actor_target(next_obs)
            if self.td3 and cfg.target_smoothing:
                noise = self.smoothing_noise(len(rewards)) if smoothing is None else smoothing
                next_action = torch.minimum(torch.maximum(next_action + noise, self.low),
                                            self.high)
            target_q1, target_q2 = self.critic_target(next_obs, next_action)
            target_q = target_q1 if target_q2 is None else torch.min(target_q1, target_q2)
            y = rewards + cfg.gamma * (1.0 - terminated) * target_q

        current_q1, current_q2 = self.critic(obs, actions)
        q1_loss = F.mse_loss(current_q1, y)
        critic_loss = q1_loss if current_q2 is None else q1_loss + F.mse_loss(current_q2, y)
        if not math.isfinite(critic_loss.item()):
            raise FloatingPointError(f"the critic loss became {critic_loss.item()} at update "
                                     f"{self.updates}")
        self.critic_optimizer.zero_grad()
        critic_loss.backward()
        self.critic_optimizer.step()
        self.updates += 1

        metrics = {"critic_loss": q1_loss.item(), "q_mean": current_q1.mean().item(),
                   "actor_objective": float("nan")}
        if actor_step:
            actor_loss = -self.critic.q1(obs, self.actor(obs)).mean()
            self.actor_optimizer.zero_grad()
            actor_loss.backward()
            self.actor_optimizer.step()
            metrics["actor_objective"] = -actor_loss.item()
            with torch.no_grad():
                for net, target in ((self.critic, self.critic_target),
                                    (self.actor, self.actor_target)):
                    for param, target_param in zip(net.parameters(), target.parameters()):
                        target_param.lerp_(param, cfg.tau)  # θ′ + τ(θ − θ′)
        return metrics

    # --- state as NumPy arrays (checkpoints without pickle) ---------------------------------

    def modules(self) -> dict[str, nn.Module]:
        return {"actor": self.actor, "critic": self.critic, "actor_target": self.actor_target,
                "critic_target": self.critic_target}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"actor_optimizer": self.actor_optimizer,
                "critic_optimizer": self.critic_optimizer}

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Parameters of every network ("<net>.<name>") and Adam's exp_avg, exp_avg_sq and step
        of each parameter ("<optimizer>.<index>.<key>"), copied; "updates"."""
        arrays: dict[str, np.ndarray] = {"updates": np.array(self.updates)}
        for name, module in self.modules().items():
            for key, value in module.state_dict().items():
                arrays[f"{name}.{key}"] = value.detach().numpy().copy()
        for name, optimizer in self.optimizers().items():
            for index, state in optimizer.state_dict()["state"].items():
                for key in ("exp_avg", "exp_avg_sq", "step"):
                    arrays[f"{name}.{index}.{key}"] = state[key].detach().numpy().copy()
        return arrays

    def load_state_arrays(self, arrays: dict[str, Any]) -> None:
        """The inverse of ``state_arrays``."""
        self.updates = int(arrays["updates"])
        for name, module in self.modules().items():
            module.load_state_dict({key: torch.from_numpy(np.array(arrays[f"{name}.{key}"]))
                                    for key in module.state_dict()})
        for name, optimizer in self.optimizers().items():
            saved = optimizer.state_dict()
            state = {}
            for index in range(sum(len(g["params"]) for g in saved["param_groups"])):
                if f"{name}.{index}.step" in arrays:
                    state[index] = {key: torch.from_numpy(np.array(arrays[f"{name}.{index}.{key}"]))
                                    for key in ("exp_avg", "exp_avg_sq", "step")}
            optimizer.load_state_dict({"state": state, "param_groups": saved["param_groups"]})
