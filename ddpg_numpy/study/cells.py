"""A sweep's cell: one run of the grid, and what it trains with.

A cell is (task, algorithm, variant, seed, steps). Its config is what ``python -m ddpg_numpy
train`` gives it: the task's preset (the fast defaults where it has none) with the variant's
values; the PyTorch peer (``*-pytorch-peer``) reads the same presets, and takes two options of
its own from a variant, ``init`` and ``schedule``. ``check_variant`` refuses, before anything
runs, a variant the cell's algorithm cannot train with.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.config import PRESETS, DDPGConfig, TD3Config

OURS = {"ddpg": DDPGConfig, "td3": TD3Config}  # --algo NAME -> its config class
PEERS = {"ddpg-pytorch-peer": "ddpg", "td3-pytorch-peer": "td3"}  # name -> the peer's --algo
# The peer's own switches, not config fields (benchmarks/peers/torch_peer.py --init, --schedule):
# the authors' initialisation and update schedule; the first of each is the peer's default.
PEER_OPTIONS = {"init": ("ours", "pytorch"), "schedule": ("per-step", "episode-end")}
ALGORITHMS = (*OURS, *PEERS)


class SpecError(ValueError):
    """A spec that cannot run; the message is one line: the problem and the fix."""


@dataclass(frozen=True)
class Cell:
    """One run of the grid."""

    task: str
    algorithm: str  # one of ALGORITHMS
    variant: str | None  # None: the task's preset as it is
    seed: int
    steps: int
    overrides: tuple[tuple[str, Any], ...] = ()  # the variant's (name, value) pairs, sorted

    @property
    def group(self) -> str:
        """The cell's group over seeds, its folder under the task: 'td3' or 'td3-no_delay'."""
        return self.algorithm if self.variant is None else f"{self.algorithm}-{self.variant}"

    @property
    def is_peer(self) -> bool:
        return self.algorithm in PEERS

    @property
    def name(self) -> str:
        return f"{self.task}/{self.group}/seed{self.seed}"

    def folder(self, out: Path) -> Path:
        return Path(out) / self.task / self.group / f"seed{self.seed}"

    @property
    def config_overrides(self) -> dict[str, Any]:
        """The variant's config values (``--set``)."""
        return {k: v for k, v in self.overrides if k not in PEER_OPTIONS}

    @property
    def peer_options(self) -> dict[str, str]:
        """The peer's ``--init`` and ``--schedule`` of this cell (its defaults where unset)."""
        chosen = dict(self.overrides)
        return {k: chosen.get(k, choices[0]) for k, choices in PEER_OPTIONS.items()}

    def config(self) -> DDPGConfig:
        """The config this cell trains with: ``python -m ddpg_numpy train``'s, and the peer's,
        which reads the same presets."""
        return cell_config(PEERS.get(self.algorithm, self.algorithm), self.task,
                           self.config_overrides)


def cell_config(algorithm: str, task: str, overrides: dict[str, Any]) -> DDPGConfig:
    """What ``train --env task --algo algorithm --set k=v ...`` trains with: the task's preset,
    or the fast defaults for a task without one, with the overrides."""
    config_class = OURS[algorithm]
    base = config_class.preset(task) if task in PRESETS else config_class.fast_defaults()
    return base.replace(**overrides) if overrides else base


def check_variant(algorithm: str, task: str, overrides: dict[str, Any], name: str | None,
                   where: str) -> None:
    """The peer's options only for a peer, with a value it knows; the rest as config values."""
    options = {k: v for k, v in overrides.items() if k in PEER_OPTIONS}
    if options and algorithm not in PEERS:
        raise SpecError(f"{where}: variant {name!r} sets {', '.join(sorted(options))}, the "
                        f"PyTorch peer's own option(s), but the algorithm is {algorithm}: use "
                        f"{algorithm}-pytorch-peer, or drop them")
    for key, value in options.items():
        if value not in PEER_OPTIONS[key]:
            raise SpecError(f"[variants.{name}] of {where.split(' of ')[-1]}: {key} = "
                            f"{value!r}; use one of {', '.join(map(repr, PEER_OPTIONS[key]))}")
    rest = {k: v for k, v in overrides.items() if k not in PEER_OPTIONS}
    check_config(PEERS.get(algorithm, algorithm), task, rest, name, where)


def check_config(algorithm: str, task: str, overrides: dict[str, Any], name: str | None,
                  where: str) -> None:
    """Build the cell's config now, so that a bad override stops the sweep before it starts."""
    fields = {f.name for f in dataclasses.fields(OURS[algorithm])}
    td3_only = sorted(set(overrides) - fields & {f.name for f in dataclasses.fields(TD3Config)})
    if td3_only:
        raise SpecError(f"{where}: variant {name!r} sets {', '.join(td3_only)}, TD3's own "
                        f"setting(s), but the algorithm is {algorithm}: use td3, or drop them")
    unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(TD3Config)})
    if unknown:
        raise SpecError(f"[variants.{name}] of {where.split(' of ')[-1]}: unknown key(s) "
                        f"{', '.join(unknown)}; the keys are DDPGConfig's and TD3Config's fields "
                        "(ddpg_numpy/core/config.py) and, for the PyTorch peer, "
                        f"{' and '.join(PEER_OPTIONS)}")
    try:
        cell_config(algorithm, task, overrides)
    except (ValueError, TypeError) as e:
        raise SpecError(f"[variants.{name}] for {algorithm} on {task}: "
                        f"{' '.join(str(e).split())}") from None
