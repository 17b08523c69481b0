"""The algorithm, NumPy and the standard library only. Read it bottom-up, in the order the
notebooks teach it: nn, optim, networks, replay, noise, config, agent, then td3 (gradcheck and
checkpoint are its tools)."""

from .agent import DDPG, TrainingDivergedError, box_dimensions, soft_update
from .checkpoint import load_npz, save_npz_atomic
from .config import PRESETS, DDPGConfig, TD3Config, config_from_dict
from .gradcheck import (
    TOLERANCE,
    CheckResult,
    check_gradient,
    numerical_gradient,
    numerical_vjp,
    relative_error,
)
from .networks import Actor, Critic, Network
from .nn import (
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
from .noise import GaussianNoise, OrnsteinUhlenbeckNoise, make_noise
from .optim import SGD, Adam
from .replay import Batch, ReplayBuffer
from .td3 import ALGORITHMS, TD3, agent_class, agent_from_state_dict, load_agent

__all__ = ["ALGORITHMS", "TD3", "TD3Config", "agent_class", "agent_from_state_dict",
           "config_from_dict", "load_agent",
           "ACTIVATIONS", "Actor", "Adam", "Batch", "CheckResult", "Critic", "DDPG", "DDPGConfig",
           "FINAL_LAYER_INIT", "GaussianNoise", "Linear", "MLP", "Network",
           "OrnsteinUhlenbeckNoise", "PRESETS", "ReLU", "ReplayBuffer", "SGD", "TOLERANCE", "Tanh",
           "TrainingDivergedError", "box_dimensions", "check_gradient", "check_input",
           "flatten_parameters", "folded_blocks", "load_npz", "make_noise", "numerical_gradient",
           "numerical_vjp", "relative_error", "save_npz_atomic", "soft_update", "stack_layers"]
