"""Every DDPG hyperparameter in one visible place.

The defaults are the paper's (Lillicrap et al. 2015, section 7, low-dimensional inputs);
``DDPGConfig.preset(env_id)`` gives values that make a specific environment learn fast on a CPU.
Deliberate departures from the paper are listed in ``docs/pseudocode.md``: no batch normalisation,
noise given relative to the action range, optional random warm-up steps.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from dataclasses import dataclass
from typing import Any, Literal

from .presets import DDPG_PRESETS, FAST_DEFAULTS, TD3_PRESET_CHANGES


@dataclass(frozen=True)
class DDPGConfig:
    """Hyperparameters. Defaults = the paper's; see ``preset`` for tuned ones."""

    hidden: tuple[int, ...] = (400, 300)  # units per hidden layer, actor and critic
    critic_action_layer: int = 1  # 1: action enters the critic's 2nd layer (paper); 0: input
    actor_lr: float = 1e-4  # Adam step size for θ^μ
    critic_lr: float = 1e-3  # Adam step size for θ^Q
    critic_weight_decay: float = 1e-2  # L2 penalty λ on θ^Q
    gamma: float = 0.99  # discount γ (L12)
    tau: float = 1e-3  # soft target update rate τ (L15)
    batch_size: int = 64  # minibatch size N (L11)
    buffer_size: int = 1_000_000  # replay capacity |R| (L3)
    noise: Literal["ou", "gaussian"] = "ou"  # exploration process 𝒩 (L5, L8)
    noise_sigma: float = 0.2  # σ, as a fraction of the action half-range
    ou_theta: float = 0.15  # OU mean reversion θ
    ou_dt: float = 1.0  # OU time step: x += θ(0 − x)dt + σ√dt·ε
    warmup_steps: int = 0  # uniformly random actions at first (0 in the paper)
    learning_starts: int = 0  # no update before this many transitions (and ≥ batch_size)
    updates_per_step: int = 1  # gradient steps per environment step
    dtype: Literal["float64", "float32"] = "float64"  # float32 is the fast path
    flush_denormals: bool = False  # updates treat floats below 1e-38 as 0: fast/denormals.py
    eval_every: int = 1000  # environment steps between evaluations
    eval_episodes: int = 10  # fixed start states per evaluation (lab.envs.EVAL_SEED_BASE + i)
    checkpoint_every: int = 5000  # checkpoint at the first episode end after this many steps
    checkpoint_replay: bool = True  # store the replay buffer (exact resume; large files)
    snapshot_every: int = 0  # also save snapshots/agent_<step>.npz (actor+critic only); 0: off
    snapshot_steps: tuple[int, ...] = ()  # ... and at these steps (e.g. early, while it learns)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # NumPy numbers as Python's: config.json takes them
            object.__setattr__(self, f.name, _plain(getattr(self, f.name)))
        self.validate()
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        object.__setattr__(self, "snapshot_steps", tuple(int(k) for k in self.snapshot_steps))

    def validate(self) -> None:
        """Raise one ValueError naming every field whose value makes no sense, with the value
        and a value that works (the paper's). Called on construction, so ``replace``,
        ``from_dict`` (a hand-edited config.json) and ``--set`` are all checked."""
        problems = _problems(self)
        if problems:
            raise ValueError(f"invalid {type(self).__name__}: " + "; ".join(problems))

    @classmethod
    def preset(cls, env_id: str, **overrides: Any) -> DDPGConfig:
        """Tuned hyperparameters for ``env_id`` (see PRESETS), with optional overrides."""
        if env_id not in PRESETS:
            known = ", ".join(sorted(PRESETS))
            raise KeyError(f"no preset for {env_id!r}; presets exist for: {known}. "
                           "Use DDPGConfig.fast_defaults() or the paper's DDPGConfig() instead.")
        return dataclasses.replace(PRESETS[env_id], **overrides)

    @classmethod
    def fast_defaults(cls, **overrides: Any) -> DDPGConfig:
        """For a task without a preset: the TD3 paper's values on the fast path (FAST_DEFAULTS in
        presets.py says why), with optional overrides."""
        return cls.from_dict({**cls().to_dict(), **FAST_DEFAULTS, **overrides})

    def replace(self, **changes: Any) -> DDPGConfig:
        _refuse_unknown_fields(type(self), changes)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        d["snapshot_steps"] = list(self.snapshot_steps)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DDPGConfig:
        if not isinstance(d, dict):
            raise ValueError(f"a {cls.__name__} is a dict of fields, got {type(d).__name__}: "
                             f"{d!r}")
        _refuse_unknown_fields(cls, d)
        return cls(**d)


def _refuse_unknown_fields(cls: type, changes: dict[str, Any]) -> None:
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(changes) - names)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} field(s) {unknown}; known fields: "
                         f"{sorted(names)}")


def _plain(x: Any) -> Any:
    """A NumPy scalar or array as the Python number or list it holds (lists and tuples
    element by element); anything else as it is."""
    if type(x).__module__ == "numpy" and hasattr(x, "tolist"):
        return x.tolist()
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(v) for v in x)
    return x


def is_whole_number(x: Any) -> bool:
    """An int (NumPy's too), but not a bool."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    """A real number that is finite (an int always is; float(10**400) would overflow)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and (
        is_whole_number(x) or math.isfinite(x))


MAX_NOISE = 10  # exploration and target noise, in action half-ranges


def _are_ints(x: Any, least: int) -> bool:
    return isinstance(x, (list, tuple)) and all(is_whole_number(k) and k >= least for k in x)


# What each field must be: (fields, test, rule). A problem reads "name=value must be RULE (e.g.
# name=the paper's value)"; intervals are counts >= 1 because the step count is divided by them.
_RULES = [
    (("actor_lr", "critic_lr", "ou_dt"), lambda v: _is_number(v) and v > 0, "a finite number > 0"),
    (("critic_weight_decay", "noise_sigma", "ou_theta", "target_noise", "target_noise_clip"),
     lambda v: _is_number(v) and v >= 0, "a finite number >= 0"),
    (("noise_sigma", "target_noise", "target_noise_clip"),
     lambda v: not _is_number(v) or v <= MAX_NOISE,
     f"at most {MAX_NOISE} (a fraction of the action half-range; beyond a few, the clipped "
     "actions are all at the bounds)"),
    (("batch_size", "buffer_size", "updates_per_step", "eval_every", "eval_episodes",
      "checkpoint_every"), lambda v: is_whole_number(v) and v >= 1, "a whole number >= 1"),
    (("warmup_steps", "learning_starts", "snapshot_every", "critic_action_layer"),
     lambda v: is_whole_number(v) and v >= 0, "a whole number >= 0"),
    (("gamma",), lambda v: _is_number(v) and 0 <= v <= 1, "in [0, 1]"),
    (("tau",), lambda v: _is_number(v) and 0 < v <= 1, "in (0, 1]"),
    (("noise",), lambda v: v in ("ou", "gaussian"), "'ou' or 'gaussian'"),
    (("policy_delay",), lambda v: is_whole_number(v) and v >= 1,
     "a whole number >= 1 (1: no delay)"),
    (("twin_critics", "target_smoothing"), lambda v: isinstance(v, bool), "True or False"),
    (("dtype",), lambda v: v in ("float64", "float32"), "'float64' or 'float32'"),
    (("checkpoint_replay", "flush_denormals"), lambda v: isinstance(v, bool), "True or False"),
    (("hidden",), lambda v: _are_ints(v, 1) and len(v) > 0, "a non-empty list of layer widths "
     ">= 1"),
    (("snapshot_steps",), lambda v: _are_ints(v, 1), "a list of environment steps >= 1"),
]


def _problems(cfg: DDPGConfig) -> list[str]:
    """Every field of ``cfg`` that breaks its rule, as a readable sentence."""
    paper = {f.name: f.default for f in dataclasses.fields(cfg)}
    paper["snapshot_steps"] = (1000, 3000)  # the paper's () shows no example
    problems = [f"{name}={getattr(cfg, name)!r} must be {rule} (e.g. {name}={paper[name]!r})"
                for names, ok, rule in _RULES for name in names
                if name in paper and not ok(getattr(cfg, name))]
    if problems:  # the relations below need each value to be sane first
        return problems
    if cfg.buffer_size < cfg.batch_size:
        problems.append(f"batch_size ({cfg.batch_size}) > buffer_size ({cfg.buffer_size}): a "
                        "minibatch is drawn from the buffer, so raise buffer_size or lower "
                        "batch_size")
    if cfg.learning_starts > cfg.buffer_size:
        problems.append(f"learning_starts ({cfg.learning_starts}) > buffer_size "
                        f"({cfg.buffer_size}): the buffer never holds that many transitions, so "
                        "no update would ever run; lower learning_starts")
    if cfg.critic_action_layer >= len(cfg.hidden):
        paper = ("" if len(cfg.hidden) > 1 else "; the paper's 1 needs two hidden layers, e.g. "
                 "hidden=(400, 300)")
        problems.append(f"critic_action_layer={cfg.critic_action_layer} must index one of the "
                        f"hidden layers {tuple(cfg.hidden)} (e.g. critic_action_layer=0: the "
                        f"action enters with the state{paper})")
    if cfg.noise == "ou" and cfg.ou_theta * cfg.ou_dt > 2:
        problems.append(f"ou_theta * ou_dt = {cfg.ou_theta * cfg.ou_dt:g} must be <= 2: the "
                        "OU process x += θ(0 − x)dt + σ√dt·ε grows without bound beyond that "
                        "(e.g. ou_theta=0.15, ou_dt=1, the paper's)")
    return problems


PRESETS: dict[str, DDPGConfig] = {env_id: DDPGConfig(**values)
                                  for env_id, values in DDPG_PRESETS.items()}


@dataclass(frozen=True)
class TD3Config(DDPGConfig):
    """DDPG's hyperparameters plus TD3's three changes (Fujimoto et al. 2018), each a switch.

    Switched off (``twin_critics=False, target_smoothing=False, policy_delay=1``) TD3 is DDPG.
    σ̃ and c are fractions of the action half-range h, as the authors' code scales them
    (sfujim/TD3 main.py: policy_noise = 0.2·max_action, noise_clip = 0.5·max_action).
    """

    twin_critics: bool = True  # T1, T9: a second critic Q₂; the target takes min(Q′₁, Q′₂)
    target_smoothing: bool = True  # T8: clipped Gaussian noise on the target action μ′(s′)
    target_noise: float = 0.2  # σ̃, a fraction of the action half-range
    target_noise_clip: float = 0.5  # c: the noise is clipped to [−c, c] (same units)
    policy_delay: int = 2  # T11: d critic updates per actor and target update (1: off)

    @classmethod
    def preset(cls, env_id: str, **overrides: Any) -> TD3Config:
        """DDPG's preset for ``env_id`` (PRESETS) with TD3's changes: the paper's values, except
        where TD3_PRESET_CHANGES says otherwise for ``env_id``, and optional overrides."""
        return cls.from_dict({**DDPGConfig.preset(env_id).to_dict(),
                              **TD3_PRESET_CHANGES.get(env_id, {}), **overrides})


def config_from_dict(d: dict[str, Any]) -> DDPGConfig:
    """A TD3Config if ``d`` has any of TD3's own fields, else a DDPGConfig (for config.json)."""
    td3_fields = {f.name for f in dataclasses.fields(TD3Config)} - set(DDPGConfig().to_dict())
    return (TD3Config if isinstance(d, dict) and td3_fields & set(d) else DDPGConfig).from_dict(d)
