"""ddpg-numpy: DDPG (Lillicrap et al., 2015) from scratch in NumPy, line by line.

Public API::

    from ddpg_numpy import DDPG, DDPGConfig, ReplayBuffer, train
"""

from .agent import DDPG, TrainingDivergedError, soft_update
from .config import DDPGConfig
from .replay import Batch, ReplayBuffer
from .training import TrainResult, evaluate, train

__all__ = ["DDPG", "DDPGConfig", "ReplayBuffer", "Batch", "train", "TrainingDivergedError",
           "soft_update", "TrainResult", "evaluate"]
__version__ = "0.1.0"

