"""An agent file's header (sizes, seeds, bounds, config) checked before an agent is built from it.

``agent.npz``, ``checkpoint.npz`` and snapshots record what the agent is: ``obs_dim``,
``act_dim``, ``seeds``, ``stacked``, ``action_low``, ``action_high`` and ``config``. A file made
elsewhere, or edited, can hold entries no run writes (no seeds, a size of 0, bounds the wrong way
round). Building networks from them fails deep inside NumPy; ``check_agent_file`` says instead,
in one line, which entry is wrong and what to pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .options import SEED_LIMIT

ENTRIES = ("obs_dim", "act_dim", "seeds", "stacked", "action_low", "action_high", "config")
PASS_OURS = "Pass an agent.npz or checkpoint.npz written by ddpg-numpy."


def check_agent_file(path: str | Path) -> None:
    """Refuse an agent file whose header entries are not as a run writes them. A file that is
    not an .npz at all, or lacks an entry, is left to ``load_npz`` and the loaders, which
    already say so."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            if not set(ENTRIES) <= set(data.files):
                return
            header = {name: data[name] for name in ENTRIES}
    except Exception:  # noqa: BLE001 (not an .npz of arrays: load_npz explains it)
        return
    problem = _problem(header)
    if problem:
        raise ValueError(f"{path} has {problem}, so it holds no usable agent. {PASS_OURS}")


def _problem(h: dict[str, np.ndarray]) -> str | None:
    """The first entry that no run writes, described with its value and rule (None: fine)."""
    for name in ("obs_dim", "act_dim"):
        if h[name].shape != () or h[name].dtype.kind not in "iu" or int(h[name]) < 1:
            return f"{name!r} entry {h[name].tolist()!r} (a whole number >= 1)"
    seeds = h["seeds"]
    if (seeds.ndim != 1 or seeds.size == 0 or seeds.dtype.kind not in "iu"
            or not all(0 <= int(s) < SEED_LIMIT for s in seeds)):
        return (f"'seeds' entry {seeds.tolist()!r} (a list of at least one seed, each in "
                "[0, 2**32))")
    if h["stacked"].shape != () or h["stacked"].dtype != bool:
        return f"'stacked' entry {h['stacked'].tolist()!r} (True or False)"
    if not h["stacked"] and seeds.size != 1:
        return f"'seeds' entry {seeds.tolist()} for a solo agent (one seed)"
    act_dim = int(h["act_dim"])
    low, high = h["action_low"], h["action_high"]
    if (low.shape != (act_dim,) or high.shape != (act_dim,) or low.dtype.kind != "f"
            or not (np.isfinite(low).all() and np.isfinite(high).all() and (high > low).all())):
        return (f"'action_low' {low.tolist()} and 'action_high' {high.tolist()} (act_dim="
                f"{act_dim} finite bounds, each high above its low)")
    try:
        config = json.loads(str(h["config"]))
    except ValueError:
        config = None
    if not isinstance(config, dict):
        return f"'config' entry {str(h['config'])[:40]!r} (the hyperparameters as a JSON object)"
    return None
