"""The training loop (L3–L11): short real runs on Pendulum-v1, reproducibility, resume, errors."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from ddpg_numpy import DDPG, DDPGConfig, TrainingDivergedError, evaluate, train
from ddpg_numpy.core.checkpoint import load_npz
from ddpg_numpy.lab.run_logs import PROGRESS_FIELDS

# Small and fast; every value the assertions depend on is pinned here, not taken from the preset.
TINY = DDPGConfig.preset("Pendulum-v1", hidden=(16, 16), batch_size=64, warmup_steps=100,
                         learning_starts=100, updates_per_step=1, eval_every=200,
                         eval_episodes=3, checkpoint_every=400)
ROOT = Path(__file__).resolve().parents[1]


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_short_run_writes_a_complete_run_folder(tmp_path):
    result = train("Pendulum-v1", TINY, steps=600, seed=0, out=tmp_path / "run", progress=False)
    run = tmp_path / "run"
    assert {p.name for p in run.iterdir()} >= {"config.json", "progress.csv", "timing.csv",
                                               "checkpoint.npz", "agent.npz", "blas.json"}
    logged = rows(run / "progress.csv")
    assert list(logged[0]) == PROGRESS_FIELDS
    assert [int(r["step"]) for r in logged] == [200, 400, 600]
    assert int(logged[-1]["updates"]) == 600 - 100 + 1  # one update per step once ≥ 100 stored
    assert np.isfinite(float(logged[-1]["critic_loss"]))
    assert result.agent.updates == 501 and result.agent.env_id == "Pendulum-v1"
    assert [r["step"] for r in result.progress] == [200, 400, 600]


def test_same_seed_same_csv_and_other_seed_differs(tmp_path):
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        train("Pendulum-v1", TINY, steps=400, seed=seed, out=tmp_path / name, progress=False)
    text = {n: (tmp_path / n / "progress.csv").read_text() for n in "abc"}
    assert text["a"] == text["b"]
    assert text["a"] != text["c"]


def test_resume_continues_exactly(tmp_path):
    train("Pendulum-v1", TINY, steps=1000, seed=1, out=tmp_path / "whole", progress=False)
    # stopped at 700 steps, 100 steps into the fourth episode: the run ends with a checkpoint
    # there, and the resume replays those 100 steps of the environment from the episode's start
    train("Pendulum-v1", TINY, steps=700, seed=1, out=tmp_path / "cut", progress=False)
    checkpoint = load_npz(tmp_path / "cut" / "checkpoint.npz")
    assert int(checkpoint["updates"]) == 700 - 100 + 1
    assert checkpoint["loop.actions.0"].shape == (100, 1)
    train("Pendulum-v1", TINY, steps=1000, seed=1, out=tmp_path / "cut", progress=False,
          resume=True)
    assert (tmp_path / "cut" / "progress.csv").read_text() == \
        (tmp_path / "whole" / "progress.csv").read_text()
    whole, cut = DDPG.load(tmp_path / "whole" / "agent.npz"), DDPG.load(tmp_path / "cut" /
                                                                        "agent.npz")
    np.testing.assert_array_equal(whole.actor.theta, cut.actor.theta)


def test_snapshots_every_n_steps_and_at_chosen_steps(tmp_path):
    cfg = TINY.replace(snapshot_every=400, snapshot_steps=(100, 300))
    train("Pendulum-v1", cfg, steps=800, seed=0, out=tmp_path / "run", progress=False)
    saved = sorted(p.name for p in (tmp_path / "run" / "snapshots").iterdir())
    assert saved == [f"agent_{k:07d}.npz" for k in (100, 300, 400, 800)]
    snapshot = DDPG.load(tmp_path / "run" / "snapshots" / "agent_0000300.npz")
    assert snapshot.updates == 300 - 100 + 1  # one update per step from step 100


def test_a_finished_run_extended_with_more_steps_matches_one_longer_run(tmp_path):
    # The 400-step run sized its replay buffer to 400 and filled it: resuming into the longer
    # run's larger buffer must keep the transitions in order and append after them.
    train("Pendulum-v1", TINY, steps=800, seed=2, out=tmp_path / "whole", progress=False)
    train("Pendulum-v1", TINY, steps=400, seed=2, out=tmp_path / "cut", progress=False)
    train("Pendulum-v1", TINY, steps=800, seed=2, out=tmp_path / "cut", progress=False,
          resume=True)
    assert (tmp_path / "cut" / "progress.csv").read_text() == \
        (tmp_path / "whole" / "progress.csv").read_text()


def test_killed_run_resumes_without_losing_or_duplicating_rows(tmp_path):
    cmd = [sys.executable, "-m", "ddpg_numpy", "train", "--env", "Pendulum-v1", "--steps",
           "3000", "--seed", "2", "--no-progress", "--set", "hidden=(16, 16)",
           "--set", "eval_every=200", "--set", "eval_episodes=2", "--set", "checkpoint_every=200"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(cmd + ["--out", str(tmp_path / "whole")], check=True, env=env,
                   capture_output=True)
    proc = subprocess.Popen(cmd + ["--out", str(tmp_path / "killed")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    progress = tmp_path / "killed" / "progress.csv"
    deadline = time.time() + 60
    while time.time() < deadline and (not progress.exists() or len(rows(progress)) < 4):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = rows(progress)
    assert 4 <= len(before) < 15, "the run should have been killed part-way"
    subprocess.run([sys.executable, "-m", "ddpg_numpy", "train", "--out",
                    str(tmp_path / "killed"), "--resume", "--no-progress"], check=True, env=env,
                   capture_output=True)
    assert progress.read_text() == (tmp_path / "whole" / "progress.csv").read_text()


def test_a_crash_while_writing_a_checkpoint_keeps_the_previous_one(tmp_path, monkeypatch):
    out = tmp_path / "run"
    train("Pendulum-v1", TINY, steps=400, seed=0, out=out, progress=False)
    good = load_npz(out / "checkpoint.npz")

    def crash(file, **arrays):
        file.write(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        train("Pendulum-v1", TINY, steps=800, seed=0, out=out, progress=False, resume=True)
    monkeypatch.undo()
    after = load_npz(out / "checkpoint.npz")
    np.testing.assert_array_equal(after["actor.theta"], good["actor.theta"])
    assert not list(out.glob(".*.tmp")), "no temporary files left behind"


class HugeRewardPendulum(gym.Wrapper):
    """Pendulum whose rewards become 1e30 after ``after`` steps: finite, so the environment's
    own check lets them through, but the critic's squared error overflows (float32)."""

    def __init__(self, after: int = 650, **kwargs):
        super().__init__(gym.make("Pendulum-v1"))
        self.count, self.after = 0, after

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.count += 1
        return obs, (1e30 if self.count > self.after else reward), terminated, truncated, info


gym.register("HugeRewardPendulum-v0", entry_point=HugeRewardPendulum)
gym.register("EarlyHugeRewardPendulum-v0", entry_point=HugeRewardPendulum, kwargs={"after": 150})


def test_divergence_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(TrainingDivergedError, match="last good checkpoint is .*checkpoint.npz"):
        train("HugeRewardPendulum-v0", TINY, steps=2000, seed=0, out=out, progress=False)
    state = load_npz(out / "checkpoint.npz")
    assert int(state["updates"]) == 400 - 100 + 1  # the checkpoint at step 400, before 650
    assert np.all(np.isfinite(state["actor.theta"])) and np.all(np.isfinite(state["critic.theta"]))


def test_divergence_before_the_first_checkpoint_names_no_checkpoint(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(TrainingDivergedError, match="No checkpoint was written") as caught:
        train("EarlyHugeRewardPendulum-v0", TINY, steps=2000, seed=0, out=out, progress=False)
    assert "checkpoint.npz" not in str(caught.value) and not (out / "checkpoint.npz").exists()


def test_truncation_is_not_stored_as_terminal(tmp_path):
    train("Pendulum-v1", TINY, steps=400, seed=0, out=tmp_path / "run", progress=False)
    state = load_npz(tmp_path / "run" / "checkpoint.npz")
    assert len(state["replay.terminated"]) == 400  # two episodes, both cut by the time limit
    assert not state["replay.terminated"].any()


def test_several_seeds_at_once_log_each_seed(tmp_path):
    result = train("Pendulum-v1", TINY, steps=400, seeds=[0, 1, 2], out=tmp_path / "s",
                   progress=False)
    logged = rows(tmp_path / "s" / "progress.csv")
    assert [(r["step"], r["seed"]) for r in logged] == [
        ("200", "0"), ("200", "1"), ("200", "2"), ("400", "0"), ("400", "1"), ("400", "2")]
    assert result.agent.actor.theta.shape[0] == 3
    assert evaluate(result.agent, "Pendulum-v1", episodes=2).shape == (3, 2)


def test_evaluation_uses_fixed_start_states():
    agent = DDPG.for_env(gym.make("Pendulum-v1"), TINY, seed=0)
    np.testing.assert_array_equal(evaluate(agent, "Pendulum-v1", 3),
                                  evaluate(agent, "Pendulum-v1", 3))


def test_unknown_environment_suggests_the_right_id():
    with pytest.raises(ValueError, match="unknown environment id 'Pendulm-v1'.*Pendulum-v1"):
        train("Pendulm-v1", TINY, steps=10, progress=False)


def test_discrete_environment_is_explained():
    with pytest.raises(TypeError, match="continuous"):
        train("CartPole-v1", TINY, steps=10, progress=False)


def test_starting_over_an_existing_run_is_refused(tmp_path):
    train("Pendulum-v1", TINY, steps=200, out=tmp_path / "r", progress=False)
    with pytest.raises(FileExistsError, match="--resume"):
        train("Pendulum-v1", TINY, steps=200, out=tmp_path / "r", progress=False)


def test_resume_with_another_config_names_the_difference(tmp_path):
    train("Pendulum-v1", TINY, steps=400, out=tmp_path / "r", progress=False)
    with pytest.raises(ValueError, match="tau"):
        train("Pendulum-v1", TINY.replace(tau=0.5), steps=600, out=tmp_path / "r",
              progress=False, resume=True)


def test_a_mujoco_task_trains(tmp_path):
    pytest.importorskip("mujoco")
    cfg = DDPGConfig(hidden=(32, 32), batch_size=16, warmup_steps=20, eval_every=60,
                     eval_episodes=1)
    result = train("HalfCheetah-v5", cfg, steps=60, seed=0, progress=False)
    assert result.agent.obs_dim == 17 and result.agent.act_dim == 6
    assert np.isfinite(result.progress[-1]["critic_loss"])
