"""Optional PyTorch baseline for the TD3 update speed: the update of CleanRL's
``cleanrl/td3_continuous_action.py`` (vwxyzjn/cleanrl), taken out of its training loop.

What is kept from CleanRL, line for line in ``make_torch_td3_update``:

* ``QNetwork``: cat(s, a) -> Linear(obs + act, 256) -> ReLU -> Linear(256, 256) -> ReLU ->
  Linear(256, 1) (the action enters at the input); two of them, Q1 and Q2, each with its target;
* ``Actor``: Linear -> ReLU -> Linear -> ReLU -> Linear -> tanh, times ``action_scale`` plus
  ``action_bias`` (registered buffers);
* one ``torch.optim.Adam`` over both critics' parameters, one for the actor, learning rate 3e-4,
  no weight decay;
* the target: ``clipped_noise = (randn_like(actions) * policy_noise).clamp(-noise_clip,
  noise_clip) * action_scale``, ``next_action = (actor_target(s') + clipped_noise).clamp(low,
  high)``, ``y = r + (1 - done) * gamma * min(Q1'(s', ã), Q2'(s', ã))`` under ``no_grad``;
* ``qf_loss = mse(Q1(s, a), y) + mse(Q2(s, a), y)``, one backward, one critic step;
* every ``policy_frequency = 2`` critic updates: ``actor_loss = -Q1(s, mu(s)).mean()``, an actor
  step, and the soft updates of the three targets with tau = 0.005.

One change: CleanRL writes the soft update as ``target.data.copy_(tau * p + (1 - tau) *
target)``, which allocates two temporaries per tensor. Here it is the in-place
``target.lerp_(p, tau)`` (the same numbers up to rounding, and faster), so the baseline is the
faster of the two ways. Everything is float32; the minibatch is a fixed random batch created once,
so sampling from a replay buffer is not part of what is timed.

PyTorch is not a dependency of the package: ``pip install torch==2.13.0`` (CPU build). Run from
the repository root::

    python benchmarks/torch_td3_baseline.py --threads 1
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__:
    from .timing import time_updates
    from .torch_baseline import torch_available
else:  # Run as a script: make the repository root importable to find benchmarks.timing.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.timing import time_updates
    from benchmarks.torch_baseline import torch_available

__all__ = ["CLEANRL", "main", "make_torch_td3_update"]

# CleanRL's td3_continuous_action.py Args (the ones the update uses).
CLEANRL = {"learning_rate": 3e-4, "gamma": 0.99, "tau": 0.005, "policy_noise": 0.2,
           "noise_clip": 0.5, "policy_frequency": 2}
DONE_PROBABILITY = 0.05


def make_torch_td3_update(obs_dim: int = 17, act_dim: int = 6, hidden: Sequence[int] = (256, 256),
                          batch_size: int = 256, threads: int = 1,
                          seed: int = 0) -> Callable[[], None]:
    """A zero-argument callable doing one CleanRL TD3 update (both critics every call; the actor
    and the three soft updates every 2nd call) on a fixed float32 batch of ``batch_size``
    transitions (observations (N, obs_dim), actions (N, act_dim) in [-1, 1]).

    ``threads`` is passed to ``torch.set_num_threads`` (process-wide). Raises ImportError without
    PyTorch, ValueError unless ``hidden`` holds two widths.
    """
    import torch
    import torch.nn.functional as F
    from torch import nn, optim

    hidden = tuple(hidden)
    if len(hidden) != 2:
        raise ValueError(f"hidden must hold exactly two widths, got {hidden}")
    h1, h2 = hidden
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    low, high = -1.0, 1.0

    class QNetwork(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Linear(obs_dim + act_dim, h1)
            self.fc2 = nn.Linear(h1, h2)
            self.fc3 = nn.Linear(h2, 1)

        def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
            x = torch.cat([x, a], 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    class Actor(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Linear(obs_dim, h1)
            self.fc2 = nn.Linear(h1, h2)
            self.fc_mu = nn.Linear(h2, act_dim)
            self.register_buffer("action_scale", torch.full((act_dim,), (high - low) / 2.0))
            self.register_buffer("action_bias", torch.full((act_dim,), (high + low) / 2.0))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = torch.tanh(self.fc_mu(x))
            return x * self.action_scale + self.action_bias

    actor, qf1, qf2 = Actor(), QNetwork(), QNetwork()
    target_actor, qf1_target, qf2_target = (copy.deepcopy(n) for n in (actor, qf1, qf2))
    q_optimizer = optim.Adam(list(qf1.parameters()) + list(qf2.parameters()),
                             lr=CLEANRL["learning_rate"])
    actor_optimizer = optim.Adam(list(actor.parameters()), lr=CLEANRL["learning_rate"])
    gamma, tau = CLEANRL["gamma"], CLEANRL["tau"]

    generator = torch.Generator().manual_seed(seed)
    observations = torch.randn(batch_size, obs_dim, generator=generator)
    actions = torch.rand(batch_size, act_dim, generator=generator) * 2.0 - 1.0
    rewards = torch.randn(batch_size, generator=generator)
    next_observations = torch.randn(batch_size, obs_dim, generator=generator)
    dones = (torch.rand(batch_size, generator=generator) < DONE_PROBABILITY).float()
    step = 0

    def update() -> None:
        nonlocal step
        step += 1
        with torch.no_grad():
            clipped_noise = (torch.randn_like(actions) * CLEANRL["policy_noise"]).clamp(
                -CLEANRL["noise_clip"], CLEANRL["noise_clip"]) * target_actor.action_scale
            next_state_actions = (target_actor(next_observations) + clipped_noise).clamp(low,
                                                                                         high)
            qf1_next_target = qf1_target(next_observations, next_state_actions)
            qf2_next_target = qf2_target(next_observations, next_state_actions)
            min_qf_next_target = torch.min(qf1_next_target, qf2_next_target)
            next_q_value = rewards + (1 - dones) * gamma * min_qf_next_target.view(-1)

        qf1_a_values = qf1(observations, actions).view(-1)
        qf2_a_values = qf2(observations, actions).view(-1)
        qf_loss = F.mse_loss(qf1_a_values, next_q_value) + F.mse_loss(qf2_a_values,
                                                                      next_q_value)
        q_optimizer.zero_grad()
        qf_loss.backward()
        q_optimizer.step()

        if step % CLEANRL["policy_frequency"] == 0:
            actor_loss = -qf1(observations, actor(observations)).mean()
            actor_optimizer.zero_grad()
            actor_loss.backward()
            actor_optimizer.step()
            with torch.no_grad():  # in place (CleanRL: .data.copy_(tau * p + (1 - tau) * t))
                for net, target in ((actor, target_actor), (qf1, qf1_target), (qf2, qf2_target)):
                    for param, target_param in zip(net.parameters(), target.parameters(),
                                                   strict=True):
                        target_param.lerp_(param, tau)

    update.networks = {"actor": actor, "qf1": qf1, "qf2": qf2, "target_actor": target_actor,
                       "qf1_target": qf1_target, "qf2_target": qf2_target}  # for the tests
    return update


def main(argv: Sequence[str] | None = None) -> int:
    """Time the CleanRL-style TD3 update and print updates per second (exit 1 without torch)."""
    parser = argparse.ArgumentParser(description="Time one CleanRL-style PyTorch TD3 update.")
    parser.add_argument("--hidden", type=int, nargs=2, default=[256, 256], metavar=("H1", "H2"),
                        help="hidden-layer widths (default: 256 256, CleanRL's)")
    parser.add_argument("--batch", type=int, default=256, help="batch size (default: 256)")
    parser.add_argument("--obs-dim", type=int, default=17, help="observation size (default: 17)")
    parser.add_argument("--act-dim", type=int, default=6, help="action size (default: 6)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default: 1)")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds (default: 5)")
    parser.add_argument("--min-seconds", type=float, default=1.0,
                        help="minimum seconds per round (default: 1.0)")
    args = parser.parse_args(argv)
    if not torch_available():
        print("PyTorch is not installed; install it with: pip install torch==2.13.0")
        return 1
    import torch

    update = make_torch_td3_update(args.obs_dim, args.act_dim, args.hidden, args.batch,
                                   args.threads)
    rates = time_updates(update, warmup=20, min_seconds=args.min_seconds, repeats=args.repeats)
    print(f"torch {torch.__version__}  threads={args.threads}  obs={args.obs_dim} "
          f"act={args.act_dim}  hidden={args.hidden[0]}-{args.hidden[1]}  batch={args.batch}")
    print(f"TD3 median: {statistics.median(rates):.1f} updates/s  (repeats: "
          + ", ".join(f"{r:.1f}" for r in rates) + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
