"""The algorithm, NumPy and the standard library only; read it bottom-up: nn, optim, networks,
replay, noise, config, agent (gradcheck and checkpoint are its tools)."""

from __future__ import annotations

from .agent import (  # noqa: F401
    DDPG,
    TrainingDivergedError,
    box_dimensions,
    soft_update,
)
from .checkpoint import (  # noqa: F401
    load_npz,
    save_npz_atomic,
)
from .config import (  # noqa: F401
    PRESETS,
    DDPGConfig,
)
from .gradcheck import (  # noqa: F401
    TOLERANCE,
    CheckResult,
    check_gradient,
    numerical_gradient,
    numerical_vjp,
    relative_error,
)
from .networks import (  # noqa: F401
    Actor,
    Critic,
    Network,
)
from .nn import (  # noqa: F401
    ACTIVATIONS,
    FINAL_LAYER_INIT,
    MLP,
    Linear,
    ReLU,
    Tanh,
    check_input,
    flatten_parameters,
    folded_blocks,
    stack_layers,
)
from .noise import (  # noqa: F401
    GaussianNoise,
    OrnsteinUhlenbeckNoise,
    make_noise,
)
from .optim import (  # noqa: F401
    SGD,
    Adam,
)
from .replay import (  # noqa: F401
    Batch,
    ReplayBuffer,
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
