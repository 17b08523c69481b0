"""The float32 fast path: L12–L15 on preallocated buffers, tested equal to ``DDPG.update``.

The training loop asks ``update_for(agent)`` which update function to call; the agent itself
only holds the plain code. ``benchmark`` times both.
"""

from .benchmark import blas_description, make_update, random_batch, updates_per_second
from .update import FastUpdate, update_for

__all__ = ["FastUpdate", "update_for", "blas_description", "make_update", "random_batch",
           "updates_per_second"]
