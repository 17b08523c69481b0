"""Generated inputs (hypothesis): whatever a user puts in a config or on the command line, it
either works or ends with one clear error; never another exception, never a traceback.

Examples are derandomized (the same every run) and few, so this file stays under ~30 s.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ddpg_numpy import DDPGConfig
from ddpg_numpy.cli import main

FIELDS = [f.name for f in dataclasses.fields(DDPGConfig)]

# Any value a hand-edited config.json or a --set could hold: numbers of every kind (NaN, inf,
# huge, negative), text, None, booleans, lists.
ANY_VALUE = st.one_of(
    st.integers(-10, 10), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.none(), st.text(max_size=8), st.sampled_from(["ou", "gaussian",
                                                                    "float32", "float64"]),
    st.lists(st.integers(-2, 600), max_size=3), st.tuples(st.floats(), st.integers()))


def plausible(name: str) -> st.SearchStrategy:
    """Values of the field's own type and rough range, so that many configs are accepted."""
    default = DDPGConfig.__dataclass_fields__[name].default
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, int):
        return st.integers(0, 1) if name == "critic_action_layer" else st.integers(1, 2000)
    if isinstance(default, float):
        return st.floats(0, 1)
    if isinstance(default, str):
        return st.sampled_from(["ou", "gaussian", "float32", "float64"])
    return st.lists(st.integers(1, 64), max_size=3)  # hidden, snapshot_steps


FIELD_AND_VALUE = st.sampled_from(FIELDS).flatmap(
    lambda name: st.tuples(st.just(name), st.one_of(plausible(name), plausible(name),
                                                    plausible(name), ANY_VALUE)))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(FIELD_AND_VALUE, max_size=4).map(dict))
def test_any_config_is_valid_or_a_clear_value_error(changes):
    try:
        cfg = DDPGConfig(**changes)
    except ValueError as e:
        message = str(e)
        assert message.startswith("invalid DDPGConfig: ") and "\n" not in message
        assert any(f"{name}" in message for name in changes), message  # names a given field
        event("refused")
        return
    event("accepted")
    # Accepted: it means something, and survives config.json.
    assert DDPGConfig.from_dict(cfg.to_dict()) == cfg
    for name in ("actor_lr", "critic_lr", "tau", "ou_dt"):
        assert math.isfinite(getattr(cfg, name)) and getattr(cfg, name) > 0
    assert 0 <= cfg.gamma <= 1 and cfg.noise_sigma >= 0
    assert min(cfg.batch_size, cfg.eval_every, cfg.checkpoint_every, cfg.updates_per_step,
               *cfg.hidden) >= 1
    assert cfg.batch_size <= cfg.buffer_size


# --- the command line --------------------------------------------------------------------------

NUMBER_TEXT = st.one_of(st.integers(-3, 40).map(str), st.sampled_from(["", "x", "1.5", "1e3"]))
SET_NAMES = ["tau", "gamma", "actor_lr", "eval_every", "checkpoint_every", "batch_size",
             "hidden", "noise", "updates_per_step", "buffer_size", "noise_sigma", "nosuch", ""]
SET_VALUES = ["0", "1", "-1", "0.5", "nan", "inf", "-inf", "(8, 8)", "[]", "(0,)", "'ou'",
              "gaussian", "64", "1e-3", "x", "", "True", "None"]
OPTION = st.one_of(
    st.tuples(st.just("--steps"), NUMBER_TEXT),
    st.tuples(st.just("--seed"), NUMBER_TEXT),
    st.tuples(st.just("--seeds"), st.from_regex(r"-?[0-3](-[0-3])?(,-?[0-3])?", fullmatch=True)),
    st.tuples(st.just("--workers"), st.sampled_from(["-1", "0", "1", "x"])),
    st.tuples(st.just("--env"), st.sampled_from(["Pendulum-v1", "MountainCarContinuous-v0",
                                                 "CartPole-v1", "Pendulm-v1", "NoSuch-v0"])),
    st.tuples(st.just("--out"), st.sampled_from(["{tmp}/new", "{tmp}/a_file/run", "{tmp}",
                                                 "{run}"])),
    st.tuples(st.just("--set"), st.builds("{}={}".format, st.sampled_from(SET_NAMES),
                                          st.sampled_from(SET_VALUES))),
    st.tuples(st.sampled_from(["--resume", "--paper", "--no-progress", "--bogus"])),
)


@pytest.fixture(scope="module")
def existing_run(tmp_path_factory) -> Path:
    """A run folder to resume or collide with."""
    run = tmp_path_factory.mktemp("properties") / "run"
    assert main(["train", "--steps", "200", "--out", str(run), "--set", "hidden=(8, 8)",
                 "--set", "eval_every=200", "--set", "eval_episodes=1", "--no-progress"]) == 0
    return run


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(OPTION, max_size=5))
def test_any_train_command_runs_or_ends_with_one_clear_line(existing_run, options):
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a_file").write_text("not a folder")
        # Tiny by default (later options may override): 20 steps, small nets, short evaluations.
        argv = ["train", "--steps", "20", "--no-progress", "--set", "hidden=(8, 8)",
                "--set", "eval_episodes=1"]
        for option in options:
            argv += [part.format(tmp=tmp, run=existing_run) for part in option]
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = main(argv)
        except SystemExit as e:  # argparse's own exit
            code = e.code
    event(f"exit code {code}")  # pytest --hypothesis-show-statistics: both kinds occur
    assert code in (0, 2), (argv, err.getvalue())
    assert "Traceback" not in err.getvalue()
    if code == 2:
        lines = err.getvalue().strip().splitlines()
        assert len(lines) == 1 and ": error: " in lines[0], (argv, err.getvalue())
