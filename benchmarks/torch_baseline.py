"""Optional PyTorch baseline for the DDPG update speed benchmark.

It times ONE plain DDPG update written the way a typical PyTorch implementation writes
it, so the NumPy implementation can be compared against a familiar reference:

* critic Q(s, a): Linear(obs, h1) -> ReLU, then cat(h, a) -> Linear(h1 + act, h2) -> ReLU
  -> Linear(h2, 1) (the action enters at the second layer, as in the DDPG paper);
* actor mu(s): Linear -> ReLU -> Linear -> ReLU -> Linear -> tanh, scaled by the action bound;
* target networks are deep copies; Adam for both (actor lr 1e-4, critic lr 1e-3 with
  weight_decay 1e-2);
* y = r + gamma * (1 - d) * Q'(s', mu'(s')) under ``torch.no_grad()``; critic MSE loss;
  actor loss -Q(s, mu(s)).mean(); soft target updates with tau = 1e-3 via in-place ``lerp_``.

Everything is float32. The batch is a fixed random batch created once, so sampling from a
replay buffer is not part of what is timed.

PyTorch is not a dependency of the package. Install the CPU build with
``pip install torch==2.13.0`` to use this script. Run it from the repository root::

    python benchmarks/torch_baseline.py --hidden 400 300 --batch 256 --obs-dim 17 --act-dim 6
"""

import argparse
import copy
import importlib.util
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__:
    from .timing import time_updates
else:  # Run as a script: make the repository root importable to find benchmarks.timing.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.timing import time_updates

__all__ = ["main", "make_torch_update", "time_updates", "torch_available"]

GAMMA = 0.99
TAU = 1e-3
ACTOR_LR = 1e-4
CRITIC_LR = 1e-3
CRITIC_WEIGHT_DECAY = 1e-2
DONE_PROBABILITY = 0.05


def torch_available() -> bool:
    """Return True if PyTorch can be imported in this environment."""
    return importlib.util.find_spec("torch") is not None


def _build_networks(
    obs_dim: int, act_dim: int, hidden: tuple[int, int], action_bound: float
) -> tuple[Any, Any]:
    """Build a fresh (actor, critic) pair of ``torch.nn.Module`` objects.

    The classes are defined here rather than at module level so that importing this module
    (for ``torch_available`` or ``time_updates``) works without PyTorch installed.
    """
    import torch
    from torch import nn

    h1, h2 = hidden

    class Actor(nn.Module):
        """Deterministic policy mu(s) = action_bound * tanh(MLP(s))."""

        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(
                nn.Linear(obs_dim, h1),
                nn.ReLU(),
                nn.Linear(h1, h2),
                nn.ReLU(),
                nn.Linear(h2, act_dim),
                nn.Tanh(),
            )

        def forward(self, obs: torch.Tensor) -> torch.Tensor:
            return action_bound * self.net(obs)

    class Critic(nn.Module):
        """Action-value Q(s, a); the action joins after the first hidden layer."""

        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Linear(obs_dim, h1)
            self.fc2 = nn.Linear(h1 + act_dim, h2)
            self.fc3 = nn.Linear(h2, 1)

        def forward(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
            h = torch.relu(self.fc1(obs))
            h = torch.relu(self.fc2(torch.cat([h, action], dim=1)))
            return self.fc3(h)

    return Actor(), Critic()


def make_torch_update(
    obs_dim: int,
    act_dim: int,
    hidden: Sequence[int] = (400, 300),
    batch_size: int = 256,
    threads: int = 2,
    seed: int = 0,
    action_bound: float = 1.0,
) -> Callable[[], None]:
    """Return a zero-argument callable that performs one plain DDPG update in PyTorch.

    Args:
        obs_dim: Observation size (17 for HalfCheetah).
        act_dim: Action size (6 for HalfCheetah).
        hidden: The two hidden-layer widths, shared by actor and critic.
        batch_size: Number of transitions in the fixed batch.
        threads: Intra-op thread count passed to ``torch.set_num_threads``. Note that
            this setting is global to the process.
        seed: Seed for the network initialisation and the random batch.
        action_bound: The actor's tanh output is multiplied by this.

    Returns:
        ``update()``: each call does one critic step, one actor step and one soft update
        of both target networks on the same fixed batch.

    Raises:
        ImportError: If PyTorch is not installed.
        ValueError: If ``hidden`` does not hold exactly two widths.
    """
    import torch

    hidden = tuple(hidden)
    if len(hidden) != 2:
        raise ValueError(f"hidden must hold exactly two widths, got {hidden}")

    torch.set_num_threads(threads)
    torch.manual_seed(seed)

    actor, critic = _build_networks(obs_dim, act_dim, (hidden[0], hidden[1]), action_bound)
    actor_target = copy.deepcopy(actor)
    critic_target = copy.deepcopy(critic)
    actor_optimizer = torch.optim.Adam(actor.parameters(), lr=ACTOR_LR)
    critic_optimizer = torch.optim.Adam(
        critic.parameters(), lr=CRITIC_LR, weight_decay=CRITIC_WEIGHT_DECAY
    )

    # A fixed float32 batch, created once: sampling is not part of the timed update.
    generator = torch.Generator().manual_seed(seed)
    obs = torch.randn(batch_size, obs_dim, generator=generator)
    actions = torch.rand(batch_size, act_dim, generator=generator) * 2.0 - 1.0
    rewards = torch.randn(batch_size, 1, generator=generator)
    next_obs = torch.randn(batch_size, obs_dim, generator=generator)
    done = (torch.rand(batch_size, 1, generator=generator) < DONE_PROBABILITY).float()

    def update() -> None:
        """One DDPG update: critic step, actor step, soft target updates."""
        # Critic: regress Q(s, a) onto the bootstrapped target y.
        with torch.no_grad():
            target_q = critic_target(next_obs, actor_target(next_obs))
            y = rewards + GAMMA * (1.0 - done) * target_q
        critic_loss = torch.nn.functional.mse_loss(critic(obs, actions), y)
        critic_optimizer.zero_grad()
        critic_loss.backward()
        critic_optimizer.step()

        # Actor: follow the critic's gradient, i.e. maximise Q(s, mu(s)).
        actor_loss = -critic(obs, actor(obs)).mean()
        actor_optimizer.zero_grad()
        actor_loss.backward()
        actor_optimizer.step()

        # Soft target updates: target <- (1 - tau) * target + tau * online.
        with torch.no_grad():
            for net, target in ((actor, actor_target), (critic, critic_target)):
                for param, target_param in zip(net.parameters(), target.parameters(), strict=True):
                    target_param.lerp_(param, TAU)

    return update


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: time the PyTorch DDPG update and print updates/s.

    Returns:
        The process exit code: 0 on success, 1 if PyTorch is not installed.
    """
    parser = argparse.ArgumentParser(
        description="Time one plain PyTorch DDPG update and print updates per second."
    )
    parser.add_argument(
        "--hidden",
        type=int,
        nargs=2,
        default=[400, 300],
        metavar=("H1", "H2"),
        help="hidden-layer widths (default: 400 300)",
    )
    parser.add_argument("--batch", type=int, default=256, help="batch size (default: 256)")
    parser.add_argument("--obs-dim", type=int, default=17, help="observation size (default: 17)")
    parser.add_argument("--act-dim", type=int, default=6, help="action size (default: 6)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default: 2)")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds (default: 5)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed updates (default: 20)")
    parser.add_argument(
        "--min-seconds", type=float, default=1.0, help="minimum seconds per round (default: 1.0)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    args = parser.parse_args(argv)

    if not torch_available():
        print("PyTorch is not installed; install it with: pip install torch==2.13.0")
        return 1

    import torch

    update = make_torch_update(
        args.obs_dim,
        args.act_dim,
        hidden=tuple(args.hidden),
        batch_size=args.batch,
        threads=args.threads,
        seed=args.seed,
    )
    rates = time_updates(
        update, warmup=args.warmup, min_seconds=args.min_seconds, repeats=args.repeats
    )

    h1, h2 = args.hidden
    print(
        f"torch {torch.__version__}  threads={args.threads}  obs={args.obs_dim} "
        f"act={args.act_dim}  hidden={h1}-{h2}  batch={args.batch}"
    )
    print(f"median: {statistics.median(rates):.1f} updates/s")
    print("repeats: " + ", ".join(f"{rate:.1f}" for rate in rates))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
