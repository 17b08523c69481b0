import json
import re

import pytest

from ddpg_numpy import DDPGConfig, TD3Config
from ddpg_numpy.core.config import PRESETS


def test_defaults_are_the_papers():
    cfg = DDPGConfig()
    assert cfg.hidden == (400, 300) and cfg.critic_action_layer == 1
    assert (cfg.actor_lr, cfg.critic_lr, cfg.critic_weight_decay) == (1e-4, 1e-3, 1e-2)
    assert (cfg.gamma, cfg.tau, cfg.batch_size, cfg.buffer_size) == (0.99, 1e-3, 64, 10**6)
    assert (cfg.noise, cfg.ou_theta, cfg.noise_sigma) == ("ou", 0.15, 0.2)


def test_presets_exist_and_validate():
    assert "Pendulum-v1" in PRESETS
    cfg = DDPGConfig.preset("Pendulum-v1", tau=0.01)
    assert cfg.tau == 0.01 and cfg.hidden == PRESETS["Pendulum-v1"].hidden


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(KeyError, match="Pendulum-v1"):
        DDPGConfig.preset("Nope-v0")


def test_json_round_trip():
    cfg = DDPGConfig.preset("Pendulum-v1", snapshot_steps=[1000, 3000])
    assert cfg.snapshot_steps == (1000, 3000)
    assert DDPGConfig.from_dict(json.loads(cfg.to_json())) == cfg


@pytest.mark.parametrize("bad", [{"gamma": 1.5}, {"tau": 0.0}, {"noise": "pink"},
                                 {"dtype": "float16"}, {"batch_size": 0},
                                 {"hidden": (64,), "critic_action_layer": 1},
                                 {"buffer_size": 128, "learning_starts": 1000}])
def test_invalid_values_are_named(bad):
    with pytest.raises(ValueError, match=list(bad)[-1]):
        DDPGConfig(**bad)


def test_unknown_field_is_named():
    with pytest.raises(ValueError, match="unknown DDPGConfig field.*'lr'"):
        DDPGConfig.from_dict({"lr": 0.1})


@pytest.mark.parametrize("field, value, rule", [
    ("actor_lr", float("nan"), "a finite number > 0"),
    ("critic_lr", float("inf"), "a finite number > 0"),
    ("actor_lr", -1.0, "a finite number > 0"),
    ("actor_lr", 0.0, "a finite number > 0"),
    ("critic_weight_decay", -0.1, "a finite number >= 0"),
    ("noise_sigma", -1, "a finite number >= 0"),
    ("ou_theta", float("nan"), "a finite number >= 0"),
    ("ou_dt", 0, "a finite number > 0"),
    ("gamma", float("nan"), r"in \[0, 1\]"),
    ("gamma", -0.1, r"in \[0, 1\]"),
    ("tau", float("inf"), r"in \(0, 1\]"),
    ("updates_per_step", -1, "a whole number >= 1"),
    ("updates_per_step", 0, "a whole number >= 1"),
    ("eval_every", 0, "a whole number >= 1"),
    ("checkpoint_every", 0, "a whole number >= 1"),
    ("eval_episodes", 0, "a whole number >= 1"),
    ("buffer_size", 2.5, "a whole number >= 1"),
    ("batch_size", True, "a whole number >= 1"),
    ("warmup_steps", -1, "a whole number >= 0"),
    ("learning_starts", -5, "a whole number >= 0"),
    ("snapshot_every", -1, "a whole number >= 0"),
    ("hidden", (), "a non-empty list of layer widths >= 1"),
    ("hidden", (64, 0), "a non-empty list of layer widths >= 1"),
    ("hidden", (64.5, 64), "a non-empty list of layer widths >= 1"),
    ("snapshot_steps", (0,), "a list of environment steps >= 1"),
    ("snapshot_steps", 1000, "a list of environment steps >= 1"),
    ("checkpoint_replay", "yes", "True or False"),
])
def test_every_senseless_value_is_refused_with_the_field_value_and_a_fix(field, value, rule):
    """The message names the field and its value, the rule, and a value that works."""
    with pytest.raises(ValueError, match=rf"{field}={re.escape(repr(value))} must be {rule} "
                                         rf"\(e\.g\. {field}="):
        DDPGConfig(**{field: value})


def test_edge_values_that_make_sense_are_accepted():
    cfg = DDPGConfig(gamma=0.0, tau=1.0, noise_sigma=0.0, critic_weight_decay=0.0, ou_theta=0.0,
                     warmup_steps=0, learning_starts=0, snapshot_every=0, batch_size=1,
                     buffer_size=1, hidden=[8], critic_action_layer=0, eval_every=1,
                     checkpoint_every=1, eval_episodes=1, checkpoint_replay=False)
    assert cfg.hidden == (8,) and cfg.gamma == 0.0


def test_every_problem_is_listed_at_once():
    with pytest.raises(ValueError, match="actor_lr=-1.*eval_every=0"):
        DDPGConfig(actor_lr=-1, eval_every=0)


def test_replace_and_from_dict_validate_too():
    with pytest.raises(ValueError, match="tau=0 must be"):
        DDPGConfig().replace(tau=0)
    with pytest.raises(ValueError, match="unknown DDPGConfig field.*'learning_rate'"):
        DDPGConfig().replace(learning_rate=1e-3)
    with pytest.raises(ValueError, match="checkpoint_every=0 must be"):
        DDPGConfig.from_dict({**DDPGConfig().to_dict(), "checkpoint_every": 0})
    with pytest.raises(ValueError, match="a dict of fields"):
        DDPGConfig.from_dict([("tau", 0.1)])


def test_a_hand_edited_config_json_is_refused_when_read(tmp_path):
    """What --resume reads: an invalid value in config.json is the same clear error."""
    from ddpg_numpy.lab.run_folder import read_saved_run

    run = {"env_id": "Pendulum-v1", "seeds": [0], "steps": 100,
           "config": {**DDPGConfig().to_dict(), "actor_lr": float("nan")}}
    (tmp_path / "config.json").write_text(json.dumps(run))
    with pytest.raises(ValueError, match=r"actor_lr=nan must be a finite number > 0"):
        read_saved_run(tmp_path)


MUJOCO_TASKS = ("HalfCheetah-v5", "Hopper-v5", "Walker2d-v5", "InvertedPendulum-v5")


@pytest.mark.parametrize("env_id", MUJOCO_TASKS)
def test_mujoco_presets_are_the_td3_papers_values_on_the_fast_path(env_id):
    cfg = DDPGConfig.preset(env_id)
    assert cfg.hidden == (400, 300) and cfg.critic_action_layer == 0  # (s, a) enter together
    # InvertedPendulum's actor: the DDPG paper's 1e-4 (presets.py says why)
    actor_lr = 1e-4 if env_id == "InvertedPendulum-v5" else 1e-3
    assert (cfg.actor_lr, cfg.critic_lr, cfg.critic_weight_decay) == (actor_lr, 1e-3, 0.0)
    assert (cfg.batch_size, cfg.tau, cfg.gamma) == (100, 5e-3, 0.99)
    assert (cfg.noise, cfg.noise_sigma) == ("gaussian", 0.1)
    assert (cfg.eval_every, cfg.eval_episodes) == (5000, 10)
    assert cfg.dtype == "float32" and cfg.flush_denormals
    assert cfg.warmup_steps == (10_000 if env_id == "HalfCheetah-v5" else 1000)


@pytest.mark.parametrize("env_id", MUJOCO_TASKS)
def test_td3s_mujoco_preset_is_ddpgs_with_the_three_switches_on(env_id):
    td3 = TD3Config.preset(env_id)
    assert (td3.twin_critics, td3.target_smoothing, td3.policy_delay) == (True, True, 2)
    assert (td3.target_noise, td3.target_noise_clip) == (0.2, 0.5)
    assert DDPGConfig.from_dict({k: v for k, v in td3.to_dict().items()
                                 if k in DDPGConfig().to_dict()}) == DDPGConfig.preset(env_id)


def test_fast_defaults_are_the_td3_papers_values_in_float32_with_overrides():
    cfg = DDPGConfig.fast_defaults(batch_size=256)
    assert cfg.dtype == "float32" and cfg.flush_denormals and cfg.batch_size == 256
    assert (cfg.hidden, cfg.noise, cfg.warmup_steps) == ((400, 300), "gaussian", 10_000)
    assert isinstance(TD3Config.fast_defaults(), TD3Config)
    with pytest.raises(KeyError, match="fast_defaults"):
        DDPGConfig.preset("Ant-v5")
