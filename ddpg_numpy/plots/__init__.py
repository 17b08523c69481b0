"""Matplotlib lives here: the style, and one module per figure family. Never imported by the
training path.

Functions that compute data (``pendulum_maps``, ``overestimation``, ``rollout`` ...) are separate
from the ones that draw it, so notebooks can look at the numbers too.

* ``style``: colours, ``style``/``apply_style``, ``save_figure``, ``FrameAnimation``.
* ``agent_outputs``: one seed's μ(s), Q(s, a) and ∇ₐQ (``agent_seed=`` picks the seed).
* ``curves``: learning curves from progress.csv.
* ``pendulum_maps``: Pendulum-v1 value and policy maps over (θ, θ̇).
* ``training_maps``: those maps over training, as a grid or an animation.
* ``critic_view``: Q(s, a) over the actions at one state (L14).
* ``overestimation``: predicted Q(s₀, μ(s₀)) against the return obtained.
* ``td3_overestimation``: the same for DDPG, TD3 and each of TD3's changes, with V*.
* ``mujoco``: DDPG and TD3 on MuJoCo tasks beside the TD3 paper's curves.
* ``noise``: exploration noise paths (L5, L8).
* ``rollout``: episodes of μ(s), as GIFs and notebook animations.
"""

from __future__ import annotations

from ..pendulum.dynamics import observation_to_state as pendulum_states  # name notebooks use
from .agent_outputs import critic_values, policy_and_value
from .critic_view import plot_critic_view
from .curves import (
    BAND_NAMES,
    load_progress,
    plot_learning_curve,
    plot_runs,
    seed_curves,
    steps_axis,
)
from .mujoco import (
    PAPER_CURVES_FILE,
    SeedCurves,
    load_mujoco_runs,
    load_paper_curves,
    plot_mujoco_curves,
    plot_mujoco_folder,
)
from .noise import noise_paths, plot_noise_paths
from .overestimation import discounted_horizon, overestimation, plot_overestimation
from .pendulum_maps import (
    ACTION_LABEL,
    VALUE_LABEL,
    PendulumMaps,
    optimal_pendulum_maps,
    pendulum_maps,
    plot_pendulum_maps,
)
from .rollout import (
    Rollout,
    crop_box,
    rollout,
    rollout_animation,
    rollout_animation_html,
    save_rollout_gif,
)
from .style import (
    ACTION_CMAP,
    COLORS,
    OKABE_ITO,
    REFERENCE_COLOR,
    STYLE,
    VALUE_CMAP,
    F,
    FrameAnimation,
    HTMLAnimation,
    apply_style,
    save_figure,
    signed,
    style,
)
from .td3_overestimation import (
    PROBE_VALUES_FILE,
    START_VALUES_FILE,
    ProbeValues,
    StartValues,
    load_probe_values,
    load_start_values,
    optimal_value_and_error,
    plot_td3_overestimation,
)
from .training_maps import animate_maps_over_training, plot_maps_over_training

__all__ = [
    # style
    "ACTION_CMAP", "COLORS", "F", "FrameAnimation", "HTMLAnimation", "OKABE_ITO",
    "REFERENCE_COLOR", "STYLE", "VALUE_CMAP", "apply_style", "save_figure", "signed", "style",
    # agent_outputs
    "critic_values", "policy_and_value",
    # curves
    "BAND_NAMES", "load_progress", "plot_learning_curve", "plot_runs", "seed_curves",
    "steps_axis",
    # pendulum_maps (and pendulum.dynamics.observation_to_state under its old name)
    "ACTION_LABEL", "VALUE_LABEL", "PendulumMaps", "optimal_pendulum_maps", "pendulum_maps",
    "pendulum_states", "plot_pendulum_maps",
    # training_maps
    "animate_maps_over_training", "plot_maps_over_training",
    # critic_view
    "plot_critic_view",
    # overestimation
    "discounted_horizon", "overestimation", "plot_overestimation",
    # noise
    "noise_paths", "plot_noise_paths",
    # rollout
    "Rollout", "crop_box", "rollout", "rollout_animation", "rollout_animation_html",
    "save_rollout_gif",
    # td3_overestimation
    "PROBE_VALUES_FILE", "START_VALUES_FILE", "ProbeValues", "StartValues", "load_probe_values",
    "load_start_values", "optimal_value_and_error", "plot_td3_overestimation",
    # mujoco
    "PAPER_CURVES_FILE", "SeedCurves", "load_mujoco_runs", "load_paper_curves",
    "plot_mujoco_curves", "plot_mujoco_folder",
]
