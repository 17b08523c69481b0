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
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

from ddpg_numpy.cli import main

TINY = ["--set", "hidden=(8, 8)", "--set", "eval_every=50", "--set", "eval_episodes=1",
        "--set", "warmup_steps=0", "--set", "learning_starts=0", "--no-progress"]


# --- environments that are wrong on purpose ----------------------------------------------------

class ToyEnv(gym.Env):
    """A 3-d observation, 1-d action task; each variant below breaks one thing."""

    def __init__(self, obs_space=None, act_space=None, nan_reward_at: int | None = None):
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
             "no_env_id": tmp / "no_env_id"}
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
    return {k: str(v) for k, v in paths.items()}


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
