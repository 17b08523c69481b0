"""The float32 fast path: L12–L15 on preallocated buffers, tested equal to ``DDPG.update``.

The training loop asks ``update_for(agent)`` which update function to call; the agent itself
only holds the plain code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.agent import DDPG
from ..core.replay import Batch
from .update import FastUpdate


def update_for(agent: DDPG, fast: bool | None = None) -> Callable[[Batch], dict[str, Any]]:
    """The function the training loop calls for L12–L15: ``FastUpdate(agent)`` for float32
    agents (or when ``fast=True``), the plain ``agent.update`` for float64 (or ``fast=False``)."""
    if fast is None:
        fast = agent.dtype == np.float32
    return FastUpdate(agent) if fast else agent.update


__all__ = ["FastUpdate", "update_for"]
