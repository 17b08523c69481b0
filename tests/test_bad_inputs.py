"""The catalogue of bad inputs: every one ends with exit code 2 and ONE line on stderr that names
the problem and the fix; never a traceback, never a silently wrong run.

Each case is (name, argv, a regex the message must match[, a regex it must not match]); argv may
name the prepared files below ({run}, {text_npz}, ...). The command line runs in this process
(``main(argv)``: fast); ``test_the_real_exit_code`` runs a few in a subprocess as a user would.
To add a kind of bad input, add one line to CASES.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

from ddpg_numpy.cli import main

TINY = ["--set", "hidden=(8, 8)", "--set", "eval_every=50", "--set", "eval_episodes=1",
        "--set", "batch_size=8",
        "--set", "warmup_steps=0", "--set", "learning_starts=0", "--no-progress"]


# --- environments that are wrong on purpose ----------------------------------------------------

class ToyEnv(gym.Env):
    """A 3-d observation, 1-d action task; each variant below breaks one thing."""

    def __init__(self, obs_space=None, act_space=None, nan_reward_at: int | None = None,
                 warn: bool = False):
        if warn:  # as a library does for a deprecated id or an overflow
            warnings.warn("BadInputs: this environment is deprecated", UserWarning, stacklevel=2)
        self.observation_space = obs_space or spaces.Box(-1.0, 1.0, (3,), np.float64)
        self.action_space = act_space or spaces.Box(-2.0, 2.0, (1,), np.float32)
        self.nan_reward_at, self.t = nan_reward_at, 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self.observation_space.sample(), {}

    def step(self, action):
        self.t += 1
        reward = np.nan if self.t == self.nan_reward_at else -1.0
        return self.observation_space.sample(), reward, False, self.t >= 20, {}


TOY_ENVS = {
    "BadInputs/ZeroObs-v0": dict(obs_space=spaces.Box(-1.0, 1.0, (0,), np.float64)),
    "BadInputs/ScalarObs-v0": dict(obs_space=spaces.Box(-1.0, 1.0, (), np.float64)),
    "BadInputs/DictObs-v0": dict(obs_space=spaces.Dict({"x": spaces.Box(-1, 1, (2,))})),
    "BadInputs/InfiniteBounds-v0": dict(act_space=spaces.Box(-np.inf, np.inf, (1,))),
    "BadInputs/NanReward-v0": dict(nan_reward_at=3),
    "BadInputs/OtherBounds-v0": dict(act_space=spaces.Box(-1.0, 1.0, (1,), np.float32)),
    "BadInputs/WarnsThenZeroObs-v0": dict(obs_space=spaces.Box(-1.0, 1.0, (0,), np.float64),
                                          warn=True),
    "BadInputs/Warns-v0": dict(warn=True),
}
for env_id, kwargs in TOY_ENVS.items():
    if env_id not in gym.registry:
        gym.register(env_id, entry_point=lambda kwargs=kwargs, **_: ToyEnv(**kwargs))


# --- the files a user might hand over ----------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    """{name: path}: one tiny trained run, and broken copies of its pieces."""
    tmp = tmp_path_factory.mktemp("bad_inputs")
    run = tmp / "run"
    assert main(["train", "--env", "BadInputs/OtherBounds-v0", "--steps", "60", "--out", str(run),
                 *TINY]) == 0
    agent = (run / "agent.npz").read_bytes()
    paths = {"tmp": tmp, "run": run, "agent": run / "agent.npz",
             "a_file": tmp / "notes.txt", "text_npz": tmp / "notes.npz",
             "truncated": tmp / "truncated.npz", "corrupted": tmp / "corrupted.npz",
             "pickle": tmp / "pickle.npz", "objects": tmp / "objects.npz",
             "missing_entry": tmp / "missing.npz", "no_config": tmp / "no_config",
             "bad_gamma": tmp / "bad_gamma", "not_json": tmp / "not_json",
             "no_env_id": tmp / "no_env_id", "other_run": tmp / "other_run"}
    paths["a_file"].write_text("a text file\n")
    paths["text_npz"].write_text("a text file renamed .npz\n")
    paths["truncated"].write_bytes(agent[: len(agent) // 2])
    middle = len(agent) // 2  # inside the stored arrays: the zip's checksum no longer matches
    paths["corrupted"].write_bytes(agent[:middle] + bytes(b ^ 0xFF for b in agent[middle:
                                                                                   middle + 64])
                                   + agent[middle + 64:])
    paths["pickle"].write_bytes(pickle.dumps({"actor.theta": [1.0]}))
    np.savez(paths["objects"], a=np.array([{"x": 1}], dtype=object))
    with np.load(run / "agent.npz") as data:
        np.savez(paths["missing_entry"], **{k: data[k] for k in data.files if k != "obs_dim"})
    paths["no_config"].mkdir()
    config = json.loads((run / "config.json").read_text())
    for name, text in (("bad_gamma", json.dumps({**config, "config": {**config["config"],
                                                                       "gamma": 2}})),
                       ("not_json", "{ this is not json"),
                       ("no_env_id", json.dumps({k: v for k, v in config.items()
                                                 if k != "env_id"}))):
        shutil.copytree(run, paths[name])
        (paths[name] / "config.json").write_text(text)
    assert main(["train", "--env", "BadInputs/OtherBounds-v0", "--steps", "60", "--seed", "1",
                 "--out", str(paths["other_run"]), *TINY]) == 0
    paths.update(resume_folders(tmp, run, paths["other_run"], config))
    paths.update(odd_files(tmp, run))
    return {k: str(v) for k, v in paths.items()}


def resume_folders(tmp: Path, run: Path, other_run: Path, config: dict) -> dict[str, Path]:
    """Copies of ``run`` whose config.json, checkpoint or logs no longer agree (class 2, 3)."""
    edits = {
        "tau_edited": {**config, "config": {**config["config"], "tau": 0.5}},
        "tau_deleted": {**config, "config": {k: v for k, v in config["config"].items()
                                             if k != "tau"}},
        "seeds_edited": {**config, "seeds": [7]},
        "extra_entry": {**config, "notes": "mine"},
        "steps_text": {**config, "steps": "many"},
        "seeds_huge": {**config, "seeds": [2**64]},
        "td3_edited": {**config, "config": {**config["config"], "policy_delay": 2}},
        "null_config": None,
    }
    folders = {}
    for name, edited in edits.items():
        folders[name] = tmp / name
        shutil.copytree(run, folders[name])
        (folders[name] / "config.json").write_text(json.dumps(edited))
    folders["no_config_json"] = tmp / "no_config_json"  # deleted, results kept
    shutil.copytree(run, folders["no_config_json"])
    (folders["no_config_json"] / "config.json").unlink()
    folders["other_checkpoint"] = tmp / "other_checkpoint"  # seed 1's checkpoint in seed 0's run
    shutil.copytree(run, folders["other_checkpoint"])
    shutil.copy(other_run / "checkpoint.npz", folders["other_checkpoint"] / "checkpoint.npz")
    # A checkpoint as older versions wrote it (no copy of the logs), and a progress.csv that
    # lost its rows (a power cut before they reached the disk): rows would never be logged.
    folders["rows_lost"] = tmp / "rows_lost"
    shutil.copytree(run, folders["rows_lost"])
    with np.load(run / "checkpoint.npz") as data:
        np.savez(folders["rows_lost"] / "checkpoint.npz",
                 **{k: data[k] for k in data.files if not k.startswith("loop.") or
                    k.split(".")[1] not in ("progress_csv", "timing_csv")})
    lines = (run / "progress.csv").read_text().splitlines(keepends=True)
    (folders["rows_lost"] / "progress.csv").write_text(lines[0])
    return folders


def odd_files(tmp: Path, run: Path) -> dict[str, Path]:
    """Agent files and run locks with entries no run writes (class 5)."""
    with np.load(run / "agent.npz") as data:
        state = {k: data[k] for k in data.files}
    odd = {"seeds_empty": {"seeds": np.array([], dtype=np.int64)},
           "obs_dim_0": {"obs_dim": np.array(0)}, "config_null": {"config": np.array("null")},
           "seeds_2d": {"seeds": np.zeros((2, 2), dtype=np.int64)},
           "bounds_swapped": {"action_low": state["action_high"],
                              "action_high": state["action_low"]}}
    paths = {}
    for name, changes in odd.items():
        paths[name] = tmp / f"{name}.npz"
        np.savez(paths[name], **{**state, **changes})
    return paths


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    """(exit code, stderr) of the command line, run in this process."""
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own exit
        code = e.code
    return code, capsys.readouterr().err


# --- the catalogue -----------------------------------------------------------------------------

CASES = [
    # train: the numbers of a run
    ("steps 0", ["train", "--steps", "0"], r"--steps: 0 is too small: use a whole number >= 1"),
    ("steps negative", ["train", "--steps", "-5"], r"--steps: -5 is too small"),
    ("steps not a number", ["train", "--steps", "many"], r"--steps: 'many' is not a whole"),
    ("seeds repeated", ["train", "--seeds", "1,1"], r"lists seed \[1\] more than once"),
    ("seeds range reversed", ["train", "--seeds", "3-1"], r"range 3-1 is reversed; write 1-3"),
    ("seeds unreadable", ["train", "--seeds", "a-b"], r"a range like 0-4 or a list like 0,1,2"),
    ("seed negative", ["train", "--seed", "-1"], r"--seed: -1 is too small.*>= 0"),
    ("workers 0", ["train", "--workers", "0"], r"--workers: 0 is too small"),
    ("workers for one seed", ["train", "--workers", "2", "--steps", "5"],
     r"single-seed run.*--seeds 0-4"),
    # train: hyperparameters (--set), checked by DDPGConfig
    ("eval_every 0", ["train", "--set", "eval_every=0"], r"eval_every=0 must be a whole .* >= 1"),
    ("checkpoint_every 0", ["train", "--set", "checkpoint_every=0"], r"checkpoint_every=0 must"),
    ("actor_lr NaN", ["train", "--set", "actor_lr=nan"], r"actor_lr=nan must be a finite number"),
    ("critic_lr infinite", ["train", "--set", "critic_lr=inf"], r"critic_lr=inf must be a fin"),
    ("actor_lr negative", ["train", "--set", "actor_lr=-1"], r"actor_lr=-1 must be .* > 0"),
    ("updates_per_step negative", ["train", "--set", "updates_per_step=-1"],
     r"updates_per_step=-1 must be a whole number >= 1"),
    ("noise_sigma negative", ["train", "--set", "noise_sigma=-1"], r"noise_sigma=-1 must be"),
    ("gamma above 1", ["train", "--set", "gamma=1.5"], r"gamma=1.5 must be in \[0, 1\]"),
    ("tau 0", ["train", "--set", "tau=0"], r"tau=0 must be in \(0, 1\]"),
    ("batch_size 0", ["train", "--set", "batch_size=0"], r"batch_size=0 must be"),
    ("batch above buffer", ["train", "--set", "buffer_size=10", "--set", "batch_size=64"],
     r"batch_size \(64\) > buffer_size \(10\)"),
    ("hidden a number", ["train", "--set", "hidden=64"], r"hidden=64 must be a non-empty list"),
    ("hidden width 0", ["train", "--set", "hidden=(0, 8)"], r"hidden=\(0, 8\) must be"),
    ("batch_size a fraction", ["train", "--set", "batch_size=6.5"], r"batch_size=6.5 must be a wh"),
    ("unknown hyperparameter", ["train", "--set", "learning_rate=1"],
     r"unknown DDPGConfig field.*'learning_rate'.*known fields"),
    ("--set without =", ["train", "--set", "tau"], r"write NAME=VALUE"),
    ("unknown noise", ["train", "--set", "noise=pink"], r"noise='pink' must be 'ou' or 'gauss"),
    # train: environments
    ("discrete actions", ["train", "--env", "CartPole-v1", "--steps", "5"], r"continuous"),
    ("typo in the id", ["train", "--env", "Pendulm-v1", "--steps", "5"], r"Did you mean Pendul"),
    ("0-dimensional observation", ["train", "--env", "BadInputs/ZeroObs-v0", "--steps", "5"],
     r"observations of shape \(0,\).*at least one number"),
    ("scalar observation", ["train", "--env", "BadInputs/ScalarObs-v0", "--steps", "5"],
     r"observations of shape \(\).*ReshapeObservation"),
    ("dict observation", ["train", "--env", "BadInputs/DictObs-v0", "--steps", "5"],
     r"FlattenObservation"),
    ("infinite action bounds", ["train", "--env", "BadInputs/InfiniteBounds-v0", "--steps", "5"],
     r"finite bounds"),
    ("NaN reward before the first update",
     ["train", "--env", "BadInputs/NanReward-v0", "--steps", "60", "--out", "{tmp}/nan_run",
      *TINY], r"BadInputs/NanReward-v0 returned reward nan .* at step 3 .*Fix the environment"),
    # train: the run folder
    ("--out under a file", ["train", "--out", "{a_file}/run"],
     r"notes.txt is a file, not a folder\. Choose another --out"),
    ("--out is a file", ["train", "--out", "{a_file}"], r"is a file, not a folder"),
    ("--out already holds a run", ["train", "--out", "{run}", "--steps", "5"],
     r"already holds a run.*--resume"),
    ("--resume without --out", ["train", "--resume"], r"--resume needs --out"),
    ("--resume of nothing", ["train", "--resume", "--out", "{no_config}"],
     r"no run to resume.*without --resume"),
    ("--resume with other flags",
     ["train", "--resume", "--out", "{run}", "--set", "tau=0.5", "--env", "Pendulum-v1",
      "--seed", "3"],
     r"flags disagree: --env Pendulum-v1 \(the run's: BadInputs/OtherBounds-v0\); "
     r"--seed/--seeds \[3\] \(the run's: \[0\]\); --set tau=0.5 \(the run's: 0.005\)"),
    ("--resume with other workers", ["train", "--resume", "--out", "{run}", "--workers", "2"],
     r"--workers 2 \(the run's: 1\)"),
    ("--resume of a hand-edited config", ["train", "--resume", "--out", "{bad_gamma}"],
     r"config.json cannot be resumed: invalid DDPGConfig: gamma=2 must be in \[0, 1\]"),
    ("--resume of a config that is not JSON", ["train", "--resume", "--out", "{not_json}"],
     r"config.json cannot be resumed: .*Restore the file"),
    ("--resume of a config without env_id", ["train", "--resume", "--out", "{no_env_id}"],
     r"config.json cannot be resumed: it has no 'env_id' entry"),
    # evaluate: the file and the environment
    ("no such checkpoint", ["evaluate", "{tmp}/nothing.npz"], r"no checkpoint at .*Train first"),
    ("a folder as checkpoint", ["evaluate", "{run}"], r"is a folder; pass the agent file in it"),
    ("text file renamed .npz", ["evaluate", "{text_npz}"], r"is not an \.npz file", r"pickle"),
    ("truncated .npz", ["evaluate", "{truncated}"], r"truncated or damaged \(BadZipFile"),
    ("corrupted .npz", ["evaluate", "{corrupted}"], r"truncated or damaged"),
    ("a pickle", ["evaluate", "{pickle}"], r"is a pickle.*not loaded"),
    ("pickled arrays in an .npz", ["evaluate", "{objects}"], r"holds Python objects.*not loaded"),
    ("an entry missing", ["evaluate", "{missing_entry}"], r"has no 'obs_dim' entry",
     r"error: obs_dim$"),
    ("--episodes 0", ["evaluate", "{agent}", "--episodes", "0"], r"--episodes: 0 is too small"),
    ("--env with other action bounds", ["evaluate", "{agent}", "--env", "Pendulum-v1"],
     r"Pendulum-v1's actions lie in low=\[-2.0\], high=\[2.0\], but this agent scales its "
     r"actions to low=\[-1.0\], high=\[1.0\]"),
    ("--env with other dimensions",
     ["evaluate", "{agent}", "--env", "MountainCarContinuous-v0"],
     r"trained on BadInputs/OtherBounds-v0 with obs_dim=3.*has obs_dim=2", r"batch axis"),
    # render, plot, bench, pendulum-optimum: their targets and numbers
    ("--gif under a file", ["render", "{agent}", "--gif", "{a_file}/a.gif"],
     r"cannot write the GIF .*is a file, not a folder"),
    ("--gif is a folder", ["render", "{agent}", "--gif", "{tmp}"], r"is a folder: give a file"),
    ("--gif not a .gif", ["render", "{agent}", "--gif", "{tmp}/a.png"], r"name the file \*\.gif"),
    ("render --steps 0", ["render", "{agent}", "--gif", "{tmp}/a.gif", "--steps", "0"],
     r"--steps: 0 is too small"),
    ("plot a folder without a run", ["plot", "{no_config}"], r"no progress.csv in"),
    ("plot --out under a file", ["plot", "{run}", "--out", "{a_file}/c.png"],
     r"cannot write the plot .*is a file"),
    ("bench --batch 0", ["bench", "--batch", "0"], r"--batch: 0 is too small"),
    ("bench --hidden 0", ["bench", "--hidden", "0"], r"--hidden: 0 is too small"),
    ("pendulum-optimum --n-random", ["pendulum-optimum", "--n-random", "10"],
     r"square of an even number"),
    ("pendulum-optimum --gamma 1", ["pendulum-optimum", "--gamma", "1"], r"must be in \[0, 1\)"),
    # 4. inputs that make no sense: ranges, types, contradictions, empty strings
    ("seed at 2**32", ["train", "--seed", "4294967296"],
     r"--seed: 4294967296 is too large: seeds are whole numbers >= 0 and below 2\*\*32"),
    ("seeds at 2**64", ["train", "--seeds", "18446744073709551616"], r"below 2\*\*32"),
    ("seeds at 2**53 in a list", ["train", "--seeds", "0,9007199254740993"], r"below 2\*\*32"),
    ("seeds: too many", ["train", "--seeds", "0-100000"], r"more than 1000 seeds"),
    ("seeds: a range past 2**32", ["train", "--seeds", "0-99999999999999999999"],
     r"seed 99999999999999999999: .*below 2\*\*32"),
    ("--seed with --seeds", ["train", "--seed", "1", "--seeds", "0-2"],
     r"--seed 1 and --seeds \[0, 1, 2\]: give one"),
    ("--out empty", ["train", "--out", ""], r"argument --out: '' is empty: give a path, e\.g\."),
    ("--env empty", ["train", "--env", ""], r"argument --env: '' is empty: .*Pendulum-v1"),
    ("--env blank", ["train", "--env", "  "], r"argument --env: '  ' is empty"),
    ("--env without its version", ["train", "--env", "Pendulum", "--steps", "5"],
     r"'Pendulum' names no version: use 'Pendulum-v1' \(it has a preset\)", r"no preset"),
    ("evaluate an empty path", ["evaluate", ""], r"argument checkpoint: '' is empty"),
    ("evaluate --env empty", ["evaluate", "{agent}", "--env", ""], r"--env: '' is empty"),
    ("render --gif empty", ["render", "{agent}", "--gif", ""], r"--gif: '' is empty"),
    ("plot --out empty", ["plot", "{run}", "--out", ""], r"--out: '' is empty"),
    # 2. a resume that would trust a folder that no longer agrees with itself
    ("--resume: tau edited in config.json", ["train", "--resume", "--out", "{tau_edited}"],
     r"config.json and checkpoint.npz disagree: tau 0.5 in config.json, 0.005 in the "
     r"checkpoint\. Restore"),
    ("--resume: tau deleted from config.json", ["train", "--resume", "--out", "{tau_deleted}"],
     r"disagree: tau \"\(missing\)\" in config.json, 0.005 in the checkpoint"),
    ("--resume: seeds edited 0 -> 7", ["train", "--resume", "--out", "{seeds_edited}"],
     r"disagree: seeds \[7\] in config.json, \[0\] in the checkpoint"),
    ("--resume: another seed's checkpoint", ["train", "--resume", "--out", "{other_checkpoint}"],
     r"disagree: seeds \[0\] in config.json, \[1\] in the checkpoint"),
    ("--resume: config.json made TD3", ["train", "--resume", "--out", "{td3_edited}"],
     r"disagree: .*policy_delay 2 in config.json, \"\(missing\)\" in the checkpoint"),
    ("--resume: config.json is null", ["train", "--resume", "--out", "{null_config}"],
     r"config.json cannot be resumed: it holds null, not a run's settings"),
    ("--resume: config.json deleted", ["train", "--resume", "--out", "{no_config_json}"],
     r"holds a run but no config.json: its settings are lost.*Restore"),
    ("a new start where config.json was deleted", ["train", "--out", "{no_config_json}"],
     r"holds a run's results but no config.json: restore it", r"Use --resume"),
    ("--resume: an unknown entry", ["train", "--resume", "--out", "{extra_entry}"],
     r"cannot be resumed: unknown entry \['notes'\]"),
    ("--resume: steps as text", ["train", "--resume", "--out", "{steps_text}"],
     r'"steps": "many" must be a whole number >= 1'),
    ("--resume: a seed past 2**64", ["train", "--resume", "--out", "{seeds_huge}"],
     r"seed 18446744073709551616 in \"seeds\": .*below 2\*\*32"),
    # 3. rows a checkpoint covers, lost from progress.csv, and no copy to restore them from
    ("--resume: rows lost", ["train", "--resume", "--out", "{rows_lost}"],
     r"progress.csv has no rows for step 50, which checkpoint.npz \(step 60\) covers"),
    # 5. odd files
    ("agent file: no seeds", ["evaluate", "{seeds_empty}"], r"'seeds' entry .*\[\]"),
    ("agent file: seeds not a list", ["evaluate", "{seeds_2d}"], r"'seeds' entry"),
    ("agent file: obs_dim 0", ["evaluate", "{obs_dim_0}"], r"'obs_dim' entry .*0"),
    ("agent file: config null", ["evaluate", "{config_null}"], r"'config' entry"),
    ("agent file: bounds swapped", ["evaluate", "{bounds_swapped}"], r"'action_low'"),
    # 6. messages: the value at fault and an example that is not it
    ("noise_sigma 1e308", ["train", "--set", "noise_sigma=1e308"],
     r"noise_sigma=1e\+308 must be at most 10"),
    ("hidden one layer", ["train", "--set", "hidden=(64,)"],
     r"critic_action_layer=1 must index one of the hidden layers \(64,\) \(e\.g\. "
     r"critic_action_layer=0", r"e\.g\. critic_action_layer=1"),
    ("ou_theta unstable", ["train", "--set", "ou_theta=5"], r"ou_theta \* ou_dt = 5 must be <= 2"),
    ("a warning, then an error", ["train", "--env", "BadInputs/WarnsThenZeroObs-v0"],
     r"observations of shape \(0,\)", r"deprecated"),
    ("no command", [], r"the following arguments are required: COMMAND"),
    ("unknown command", ["trian"], r"invalid choice: 'trian'"),
]

@pytest.mark.parametrize("argv, message, not_message",
                         [(c[1], c[2], c[3] if len(c) > 3 else None) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line(argv, message, not_message, files, capsys):
    code, err = run_cli([a.format(**files) for a in argv], capsys)
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert re.search(message, err), err
    assert err.startswith("ddpg-numpy") and ": error: " in err
    if not_message:
        assert not re.search(not_message, err), err


def test_a_nan_reward_writes_no_row(files, capsys):
    """The NaN-reward case above stops before its first evaluation writes a row."""
    out = Path(files["tmp"]) / "nan_run_2"
    code, err = run_cli(["train", "--env", "BadInputs/NanReward-v0", "--steps", "60", "--out",
                         str(out), *TINY], capsys)
    assert code == 2 and "nan" in err
    rows = (out / "progress.csv").read_text().splitlines()
    assert len(rows) == 1  # the header alone


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_out_in_a_read_only_folder(tmp_path, capsys):
    tmp_path.chmod(0o555)
    try:
        code, err = run_cli(["train", "--out", str(tmp_path / "run")], capsys)
    finally:
        tmp_path.chmod(0o755)
    assert code == 2 and re.search(r"is not writable .*Choose a --out you can write to", err)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs a folder nobody can write: /proc")
def test_out_in_a_folder_nobody_can_write(capsys):
    code, err = run_cli(["train", "--out", "/proc/ddpg-numpy-run"], capsys)
    assert code == 2 and re.search(r"the folder /proc is not writable", err), err


@pytest.mark.parametrize("argv, message", [
    (["train", "--steps", "0"], r"--steps: 0 is too small"),
    (["evaluate", "{text_npz}"], r"is not an \.npz file"),
    (["train", "--resume", "--out", "{run}", "--set", "tau=0.5"], r"flags disagree"),
])
def test_the_real_exit_code(argv, message, files):
    """As a user runs it: a separate process, its real exit code and its whole stderr."""
    done = subprocess.run([sys.executable, "-m", "ddpg_numpy",
                           *[a.format(**files) for a in argv]],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert re.search(message, done.stderr), done.stderr


# --- what is promised beyond one line: each class, its real behaviour -----------------------------

def test_a_warning_is_shown_after_a_command_that_works(tmp_path, capsys, monkeypatch):
    """6. Warnings are held, not lost: shown after the output of a command that ends normally
    (through warnings.showwarning, which pytest itself records: watched here)."""
    shown = []
    monkeypatch.setattr(warnings, "showwarning", lambda message, *args: shown.append(message))
    code, err = run_cli(["train", "--env", "BadInputs/Warns-v0", "--steps", "20", "--out",
                         str(tmp_path / "run"), *TINY], capsys)
    assert code == 0, err
    assert "BadInputs: this environment is deprecated" in [str(m) for m in shown]


def test_the_one_line_stands_alone_in_a_real_process(files):
    """6. A library's warning during a failing command stays behind the one line."""
    done = subprocess.run([sys.executable, "-m", "ddpg_numpy", "train", "--env", "Pendulum-v0"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_one_seed_stack_resumes_with_resume_alone(tmp_path, capsys):
    """2. --seeds 5 is a stack of one seed; --resume alone continues it as one."""
    out = str(tmp_path / "run")
    args = ["--env", "BadInputs/OtherBounds-v0", *TINY]
    assert run_cli(["train", "--seeds", "5", "--steps", "60", "--out", out, *args], capsys)[0] == 0
    assert json.loads(Path(out, "config.json").read_text())["stacked"] is True
    code, err = run_cli(["train", "--resume", "--out", out, "--steps", "120", "--no-progress"],
                        capsys)
    assert code == 0, err
    assert [int(r.split(",")[1]) for r in Path(out, "progress.csv").read_text().splitlines()[1:]] \
        == [5, 5]


def test_extending_a_run_records_its_new_target(tmp_path, capsys):
    """2. After `--resume --steps N`, the printed `--resume` (no --steps) continues to N."""
    out = str(tmp_path / "run")
    assert run_cli(["train", "--env", "BadInputs/OtherBounds-v0", "--steps", "60", "--out", out,
                    *TINY], capsys)[0] == 0
    assert run_cli(["train", "--resume", "--out", out, "--steps", "110", "--no-progress"],
                   capsys)[0] == 0
    assert json.loads(Path(out, "config.json").read_text())["steps"] == 110
    code, err = run_cli(["train", "--resume", "--out", out, "--no-progress"], capsys)
    assert code == 0, err  # at its target already: nothing to do, no error


def test_rows_the_checkpoint_covers_are_restored_from_it(tmp_path, capsys):
    """3. A checkpoint carries the rows logged so far: a resume writes back rows the log lost
    (a power cut before they reached the disk), and the run ends as if never stopped."""
    args = ["--env", "Pendulum-v1", *TINY, "--set", "checkpoint_every=50"]  # it replays exactly
    whole, cut = str(tmp_path / "whole"), str(tmp_path / "cut")
    assert run_cli(["train", "--steps", "160", "--out", whole, *args], capsys)[0] == 0
    assert run_cli(["train", "--steps", "110", "--out", cut, *args], capsys)[0] == 0
    header = Path(cut, "progress.csv").read_text().splitlines(keepends=True)[0]
    Path(cut, "progress.csv").write_text(header)  # every row lost
    assert run_cli(["train", "--resume", "--out", cut, "--steps", "160", "--no-progress"],
                   capsys)[0] == 0
    assert Path(cut, "progress.csv").read_text() == Path(whole, "progress.csv").read_text()


def test_rows_are_on_disk_before_the_checkpoint(tmp_path, monkeypatch):
    """3. Every append to progress.csv and timing.csv is flushed and fsynced."""
    from ddpg_numpy.lab import run_logs

    synced = []
    monkeypatch.setattr(run_logs.os, "fsync", lambda fd: synced.append(os.readlink(
        f"/proc/self/fd/{fd}") if Path("/proc/self/fd").exists() else fd))
    (tmp_path / "progress.csv").write_text(",".join(run_logs.PROGRESS_FIELDS) + "\n")
    run_logs.append_progress(tmp_path, [{k: 1.0 for k in run_logs.PROGRESS_FIELDS}])
    run_logs.append_timing(tmp_path, 1, 0.5, 0.25)
    assert len(synced) == 2
    if Path("/proc/self/fd").exists():
        assert [Path(p).name for p in synced] == ["progress.csv", "timing.csv"]


def test_a_refused_resume_leaves_the_folder_as_it_was(files, capsys):
    """2. Nothing is written before the checks: the folder resumes once config.json is put
    back."""
    folder = Path(files["tau_edited"])
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert run_cli(["train", "--resume", "--out", str(folder)], capsys)[0] == 2
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    shutil.copy(Path(files["run"]) / "config.json", folder / "config.json")
    assert run_cli(["train", "--resume", "--out", str(folder), "--no-progress"], capsys)[0] == 0


@pytest.mark.parametrize("lock", ['{"pid": 99999999999999999999, "host": "%s"}',
                                  '{"pid": "abc", "host": "%s"}', "[1, 2]", "7", "null"])
def test_a_lock_no_process_can_hold_is_stale(lock, tmp_path, capsys):
    """5. run.lock with a pid too large for the OS, of the wrong type, or not an object."""
    import socket

    out = tmp_path / "run"
    out.mkdir()
    (out / "run.lock").write_text(lock.replace("%s", socket.gethostname()))
    code, err = run_cli(["train", "--env", "BadInputs/OtherBounds-v0", "--steps", "20",
                         "--out", str(out), *TINY], capsys)
    assert code == 0, err
    assert not (out / "run.lock").exists()


def test_plot_reads_a_half_written_row_and_a_workers_run_in_progress(files, tmp_path, capsys):
    """6. plot while a run writes: a last row cut short is not a row; a --workers run shows its
    groups' rows before they are merged."""
    run = tmp_path / "half"
    shutil.copytree(files["run"], run)
    with open(run / "progress.csv", "a") as f:
        f.write("100,0,3")  # an append under way
    code, err = run_cli(["plot", str(run), "--out", str(tmp_path / "a.png")], capsys)
    assert code == 0, err
    workers = tmp_path / "workers_run"
    group = workers / "workers" / "seeds_0_1"
    group.mkdir(parents=True)
    shutil.copy(Path(files["run"]) / "progress.csv", group / "progress.csv")
    (workers / "progress.csv").write_text(
        (group / "progress.csv").read_text().splitlines(keepends=True)[0])  # the header alone
    code, err = run_cli(["plot", str(workers), "--out", str(tmp_path / "b.png")], capsys)
    assert code == 0, err
    broken = tmp_path / "broken"
    shutil.copytree(files["run"], broken)
    with open(broken / "progress.csv", "a") as f:
        f.write("100,0\n200,0,1\n")  # rows a run never writes
    code, err = run_cli(["plot", str(broken)], capsys)
    assert code == 2 and re.search(r"progress.csv, line 3, has 2 cells", err), err


def test_actions_that_are_not_finite_are_blamed_on_the_agent(monkeypatch, tmp_path):
    """6. A NaN action stops the run naming the agent, not the environment."""
    from ddpg_numpy import DDPG, DDPGConfig, train
    from ddpg_numpy.core.agent import TrainingDivergedError

    monkeypatch.setattr(DDPG, "act", lambda self, obs, explore=False: np.full(1, np.nan))
    with pytest.raises(TrainingDivergedError, match=r"agent's actions became \[nan\] at step 1"):
        train("Pendulum-v1", DDPGConfig(hidden=(8, 8), batch_size=8), steps=20,
              out=tmp_path / "run", progress=False)


# --- 7. the Python API: TypeError or ValueError naming the fix, before any file is written ------

@pytest.mark.parametrize("kwargs, error, message", [
    (dict(config={"tau": 0.01}), TypeError, r"config is a dict, not a DDPGConfig: pass "
                                            r"DDPGConfig\.from_dict\(d\)"),
    (dict(config="paper"), TypeError, r"config is a str, not a DDPGConfig"),
    (dict(env_id=""), ValueError, r"environment id '': name a gymnasium environment"),
    (dict(env_id="Pendulum"), ValueError, r"use 'Pendulum-v1'"),
    (dict(seed=2**32), ValueError, r"seed=4294967296: .*below 2\*\*32"),
    (dict(seed=-1), ValueError, r"seed=-1"),
    (dict(seeds=[0, 2**64]), ValueError, r"seed 18446744073709551616 in seeds"),
    (dict(seeds=[]), ValueError, r"list at least one seed"),
    (dict(seeds=[1, 1]), ValueError, r"seeds lists seed \[1\] more than once"),
    (dict(seeds=range(2000)), ValueError, r"2000 seeds, more than the 1000"),
    (dict(steps=1.5), ValueError, r"steps=1.5"),
    (dict(env_id=None), TypeError, r"environment id None is a NoneType"),
    (dict(seeds={0, 1}), ValueError, r"seeds \{0, 1\} is a set: give a list of seeds"),
    (dict(workers=2.0), ValueError, r"workers=2.0"),
])
def test_the_python_api_refuses_before_writing(kwargs, error, message, tmp_path):
    from ddpg_numpy import train

    arguments = {"env_id": "Pendulum-v1", "steps": 20, "out": tmp_path / "run",
                 "progress": False, **kwargs}
    with pytest.raises(error, match=message):
        train(**arguments)
    assert not (tmp_path / "run").exists()


def test_an_array_of_seeds_is_a_list_of_seeds(tmp_path):
    from ddpg_numpy import DDPGConfig, train

    result = train("Pendulum-v1", DDPGConfig(hidden=(8, 8), batch_size=8, eval_every=10,
                                             eval_episodes=1), steps=10,
                   seeds=np.array([2, 3]), out=tmp_path / "run", progress=False)
    assert result.agent.seeds == [2, 3]
    assert json.loads((tmp_path / "run" / "config.json").read_text())["seeds"] == [2, 3]


def test_numpy_numbers_are_fine_in_the_api_and_config_json(tmp_path):
    """7. NumPy integers and floats, in DDPGConfig and train's arguments, become Python's."""
    from ddpg_numpy import DDPGConfig, train

    cfg = DDPGConfig(hidden=np.array([8, 8]), batch_size=np.int64(8), tau=np.float64(0.01),
                     checkpoint_replay=np.bool_(True), eval_every=np.int32(10),
                     eval_episodes=np.int64(1))
    assert type(cfg.batch_size) is int and cfg.hidden == (8, 8) and cfg.checkpoint_replay is True
    result = train("Pendulum-v1", cfg, steps=np.int64(20), seed=np.int64(3),
                   out=tmp_path / "run", progress=False)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["steps"] == 20 and saved["seeds"] == [3] and saved["config"]["tau"] == 0.01
    assert result.agent.seeds == [3]


def test_evaluation_streams_its_episodes(files, monkeypatch):
    """4. evaluate --episodes N: at most EVAL_CHUNK environments, whatever N."""
    from ddpg_numpy.core.td3 import load_agent
    from ddpg_numpy.lab import envs

    made = []
    real = envs.make_env
    monkeypatch.setattr(envs, "make_env", lambda env_id, **kw: made.append(1) or real(env_id,
                                                                                        **kw))
    monkeypatch.setattr(envs, "EVAL_CHUNK", 4)
    agent = load_agent(files["agent"])
    returns = envs.evaluate(agent, "BadInputs/OtherBounds-v0", 10)
    assert returns.shape == (10,) and len(made) == 4
    np.testing.assert_allclose(returns[4:8], envs.evaluate(agent, "BadInputs/OtherBounds-v0", 4,
                                                           seed_base=envs.EVAL_SEED_BASE + 4))
