"""The algorithm: NumPy and the standard library only. Read it bottom-up: nn, optim, networks, replay, noise, config, agent (gradcheck and checkpoint are its tools)."""

from __future__ import annotations

from .nn import (  # noqa: F401
    FINAL_LAYER_INIT,
    check_input,
    Linear,
    ReLU,
    Tanh,
    ACTIVATIONS,
    MLP,
    flatten_parameters,
    folded_blocks,
    stack_layers,
)
from .optim import (  # noqa: F401
    SGD,
    Adam,
)
from .networks import (  # noqa: F401
    Network,
    Actor,
    Critic,
)
from .replay import (  # noqa: F401
    Batch,
    ReplayBuffer,
)
from .noise import (  # noqa: F401
    OrnsteinUhlenbeckNoise,
    GaussianNoise,
    make_noise,
)
from .config import (  # noqa: F401
    DDPGConfig,
    PRESETS,
)
from .agent import (  # noqa: F401
    TrainingDivergedError,
    soft_update,
    DDPG,
    box_dimensions,
)
from .gradcheck import (  # noqa: F401
    TOLERANCE,
    relative_error,
    numerical_gradient,
    numerical_vjp,
    CheckResult,
    check_gradient,
)
from .checkpoint import (  # noqa: F401
    save_npz_atomic,
    load_npz,
)

__all__ = [
    "ACTIVATIONS",
    "Actor",
    "Adam",
    "Batch",
    "CheckResult",
    "Critic",
    "DDPG",
    "DDPGConfig",
    "FINAL_LAYER_INIT",
    "GaussianNoise",
    "Linear",
    "MLP",
    "Network",
    "OrnsteinUhlenbeckNoise",
    "PRESETS",
    "ReLU",
    "ReplayBuffer",
    "SGD",
    "TOLERANCE",
    "Tanh",
    "TrainingDivergedError",
    "box_dimensions",
    "check_gradient",
    "check_input",
    "flatten_parameters",
    "folded_blocks",
    "load_npz",
    "make_noise",
    "numerical_gradient",
    "numerical_vjp",
    "relative_error",
    "save_npz_atomic",
    "soft_update",
    "stack_layers",
]
