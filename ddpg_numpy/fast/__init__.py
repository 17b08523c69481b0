"""The float32 fast path: L12–L15 (and TD3's T8–T13) on preallocated buffers, tested equal to
``DDPG.update`` (and ``TD3.update``).

The training loop asks ``update_for(agent)`` which update function to call; the agent itself
only holds the plain code. ``benchmark`` times both.
"""

from .benchmark import blas_description, make_update, random_batch, updates_per_second
from .choice import update_for
from .td3_update import FastTD3Update
from .update import FastUpdate

__all__ = ["FastTD3Update", "FastUpdate", "update_for", "blas_description", "make_update",
           "random_batch", "updates_per_second"]
