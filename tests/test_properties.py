"""Generated inputs (hypothesis): whatever a user puts in a config or on the command line, it
either works or ends with one clear error; never another exception, never a traceback.

Examples are derandomized (the same every run); the file takes about a minute and a half, most
of it the 300 generated config.json files, each resumed (a finished run: no training).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import math
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
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
              "gaussian", "64", "1e-3", "x", "", "True", "None", "1e308", "(64,)"]
OPTION = st.one_of(
    st.tuples(st.just("--steps"), NUMBER_TEXT),
    st.tuples(st.just("--seed"), NUMBER_TEXT),
    st.tuples(st.just("--seeds"), st.from_regex(r"-?[0-3](-[0-3])?(,-?[0-3])?", fullmatch=True)),
    st.tuples(st.just("--seeds"), st.sampled_from(["0-100000", "4294967295", "4294967296",
                                                   "18446744073709551616", "", "0,,1"])),
    st.tuples(st.just("--seed"), st.sampled_from(["4294967296", "9007199254740993", " "])),
    st.tuples(st.sampled_from(["--out", "--env"]), st.sampled_from(["", " ", "Pendulum"])),
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


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(OPTION, max_size=5))
def test_any_train_command_runs_or_ends_with_one_clear_line(existing_run, options):
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a_file").write_text("not a folder")
        # Tiny by default (later options may override): 20 steps, small nets, short evaluations.
        argv = ["train", "--steps", "20", "--no-progress", "--set", "hidden=(8, 8)",
                "--set", "eval_episodes=1", "--set", "batch_size=8", "--set", "learning_starts=0"]
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


# --- generated config.json contents: a resume refuses, in one line, what the run did not write ---

TOP_ENTRIES = ["env_id", "seeds", "steps", "config", "groups", "stacked"]
JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.text(max_size=6),
              st.floats(allow_nan=False, allow_infinity=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=6)
EDIT = st.one_of(
    st.tuples(st.just("delete"), st.sampled_from(TOP_ENTRIES), st.none()),
    st.tuples(st.just("set"), st.sampled_from(TOP_ENTRIES + ["notes", ""]), JSON_VALUE),
    st.tuples(st.just("delete config"), st.sampled_from(FIELDS), st.none()),
    st.tuples(st.just("set config"), st.sampled_from(FIELDS + ["nosuch"]),
              st.one_of(JSON_VALUE, st.floats(), st.integers())),
    st.tuples(st.just("replace"), st.none(), JSON_VALUE),
)


def edited(run: object, edits: list) -> object:
    for kind, key, value in edits:
        if not isinstance(run, dict):
            return run
        if kind == "delete":
            run = {k: v for k, v in run.items() if k != key}
        elif kind == "set":
            run = {**run, key: value}
        elif kind == "replace":
            run = value
        elif isinstance(run.get("config"), dict):
            config = {k: v for k, v in run["config"].items() if k != key}
            run = {**run, "config": config if kind == "delete config" else {**config, key: value}}
    return run


def as_resumed(run: object) -> object:
    """What a resume takes from config.json, with the entries a run may leave out filled in
    (groups: one; stacked: not for one seed); the target steps apart."""
    if not isinstance(run, dict):
        return run
    filled = {"groups": [run.get("seeds")], "stacked": False, **run}
    return {k: v for k, v in filled.items() if k != "steps"}


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(EDIT, min_size=1, max_size=3))
def test_any_config_json_resumes_only_as_the_run_wrote_it(existing_run, edits):
    """Valid JSON with wrong types, missing and extra entries: the resume refuses in one line
    and writes nothing, unless the edit left the run as it was (or only changed its target);
    the folder resumes again once config.json is put back."""
    original = json.loads((existing_run / "config.json").read_text())
    run = edited(original, edits)
    steps = run.get("steps") if isinstance(run, dict) else None
    # The same run with a later target would train on: a legitimate extension, not tried here.
    assume(not (as_resumed(run) == as_resumed(original) and type(steps) is int
                and steps > original["steps"]))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "run"
        shutil.copytree(existing_run, folder)
        text = json.dumps(run, allow_nan=True)
        (folder / "config.json").write_text(text)
        before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["train", "--resume", "--out", str(folder), "--no-progress"])
        lines = err.getvalue().strip().splitlines()
        same = as_resumed(run) == as_resumed(original)
        if code == 0:
            event("resumed")
            assert same, (run, "was accepted")  # never a silently different run
            assert isinstance(run["steps"], int) and run["steps"] >= 1
        else:
            event("refused")
            assert code == 2 and len(lines) == 1 and ": error: " in lines[0], err.getvalue()
            assert "Traceback" not in err.getvalue()
            after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
            assert after == before, "a refused resume wrote into the folder"
            (folder / "config.json").write_text(json.dumps(original))
            with contextlib.redirect_stderr(io.StringIO()), \
                    contextlib.redirect_stdout(io.StringIO()):
                assert main(["train", "--resume", "--out", str(folder), "--no-progress"]) == 0
