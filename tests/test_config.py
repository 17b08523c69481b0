import json

import pytest

from ddpg_numpy import DDPGConfig
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
