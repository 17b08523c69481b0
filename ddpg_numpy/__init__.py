"""ddpg-numpy: DDPG (Lillicrap et al., 2015) from scratch in NumPy, line by line.

The public names live here::

    from ddpg_numpy import DDPG, DDPGConfig, ReplayBuffer, train

The package is grouped by reader (docs/architecture.md): ``core`` is the algorithm (NumPy
only); ``fast``, ``lab``, ``pendulum``, ``plots`` and ``teach`` are wings around it, each
importable as one path (``from ddpg_numpy.plots import plot_runs``).
"""

from .core.agent import DDPG, TrainingDivergedError, soft_update
from .core.config import DDPGConfig, TD3Config
from .core.networks import Actor, Critic
from .core.nn import MLP, Linear, ReLU, Tanh
from .core.optim import SGD, Adam
from .core.replay import Batch, ReplayBuffer
from .core.td3 import TD3, load_agent
from .lab.envs import evaluate
from .lab.loop import TrainResult
from .lab.training import train

__all__ = ["DDPG", "DDPGConfig", "ReplayBuffer", "Batch", "train", "evaluate", "TrainResult",
           "TrainingDivergedError", "soft_update", "Actor", "Critic", "MLP", "Linear", "ReLU",
           "Tanh", "Adam", "SGD", "TD3", "TD3Config", "load_agent"]
__version__ = "0.1.0"
