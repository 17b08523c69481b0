"""Which update function the training loop calls: ``update_for(agent)``.

The plain ``agent.update`` (DDPG's L12–L15 or TD3's T8–T13) for float64 agents, its fast path
(update.py, td3_update.py) for float32 ones. The agent never chooses: it holds the plain code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.agent import DDPG
from ..core.replay import Batch
from ..core.td3 import TD3
from .denormals import flush_denormals
from .td3_update import FastTD3Update
from .update import FastUpdate


def update_for(agent: DDPG, fast: bool | None = None) -> Callable[[Batch], dict[str, Any]]:
    """``FastUpdate(agent)`` (``FastTD3Update`` for TD3) for float32 agents or ``fast=True``;
    the plain ``agent.update`` for float64 agents or ``fast=False``. Either runs with denormals
    flushed to zero if the config says so (``flush_denormals``; denormals.py says why)."""
    if fast is None:
        fast = agent.dtype == np.float32
    if not fast:
        update = agent.update
    else:
        update = FastTD3Update(agent) if isinstance(agent, TD3) else FastUpdate(agent)
    return flush_denormals(update) if agent.config.flush_denormals else update
