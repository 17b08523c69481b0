"""Every run resumes: checkpoints on schedule with episodes replayed, runs stopped before
their first checkpoint, half-written files, and one writer per run folder (run.lock).

The kills themselves (kill -9 at chosen points, a workers run's parent killed) are
tests/test_kill_resume.py; these tests build the folders a kill leaves, in this process.
"""

import json
import os
import socket
import subprocess
import time

import numpy as np
import pytest
from crashing_pendulum import ENV_ID

from ddpg_numpy import DDPGConfig, train
from ddpg_numpy.cli import main
from ddpg_numpy.core.checkpoint import load_npz
from ddpg_numpy.lab.run_folder import start_run_folder
from ddpg_numpy.lab.run_lock import LOCK_FILE, RunFolderLocked, hold_run_folder

# checkpoint_every=150 falls mid-episode for every seed; evaluations every 100 steps.
CFG = DDPGConfig(hidden=(16, 16), batch_size=32, warmup_steps=100, learning_starts=100,
                 eval_every=100, eval_episodes=2, checkpoint_every=150)
SEEDS = [0, 1, 2]


def assert_same_run(a, b):
    """Byte-identical progress.csv and the same arrays in agent.npz."""
    assert (a / "progress.csv").read_text() == (b / "progress.csv").read_text()
    agent_a, agent_b = load_npz(a / "agent.npz"), load_npz(b / "agent.npz")
    assert agent_a.keys() == agent_b.keys()
    for key in agent_a:
        np.testing.assert_array_equal(agent_a[key], agent_b[key], err_msg=key)


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """The uninterrupted 600-step stacked run on the task with terminations."""
    out = tmp_path_factory.mktemp("whole") / "run"
    train(ENV_ID, CFG, steps=600, seeds=SEEDS, out=out, progress=False)
    return out


# --- 1. checkpoints on schedule, whatever the episode lengths --------------------------------

def test_a_stacked_run_with_terminations_checkpoints_and_resumes_exactly(whole, tmp_path):
    out = tmp_path / "cut"
    train(ENV_ID, CFG, steps=350, seeds=SEEDS, out=out, progress=False)
    checkpoint = load_npz(out / "checkpoint.npz")
    assert int(checkpoint["updates"]) == 350 - 100 + 1  # written at the end, mid-episode
    lengths = [len(checkpoint[f"loop.actions.{i}"]) for i in range(len(SEEDS))]
    assert len(set(lengths)) == len(SEEDS) and min(lengths) > 0, \
        "the seeds should stand at different steps of their episodes"
    assert json.loads(str(checkpoint["loop.state"]))["episodes"] != [1, 1, 1]
    train(ENV_ID, CFG, steps=600, seeds=SEEDS, out=out, progress=False, resume=True)
    assert_same_run(out, whole)


def test_a_stacked_mujoco_run_with_terminations_resumes_exactly(tmp_path):
    pytest.importorskip("mujoco")
    cfg = CFG.replace(hidden=(32, 32), warmup_steps=200, learning_starts=200, eval_every=300,
                      checkpoint_every=250)
    train("Hopper-v5", cfg, steps=900, seeds=SEEDS, out=tmp_path / "whole", progress=False)
    train("Hopper-v5", cfg, steps=700, seeds=SEEDS, out=tmp_path / "cut", progress=False)
    checkpoint = load_npz(tmp_path / "cut" / "checkpoint.npz")
    assert min(len(checkpoint[f"loop.actions.{i}"]) for i in range(len(SEEDS))) > 0
    train("Hopper-v5", cfg, steps=900, seeds=SEEDS, out=tmp_path / "cut", progress=False,
          resume=True)
    assert_same_run(tmp_path / "cut", tmp_path / "whole")


def test_an_environment_that_does_not_replay_is_reported(tmp_path, capsys):
    out = tmp_path / "run"
    env_id = "crashing_pendulum:UnseededPendulum-v0"  # starts from the global generator
    train(env_id, CFG, steps=250, seed=0, out=out, progress=False)
    capsys.readouterr()
    train(env_id, CFG, steps=300, seed=0, out=out, progress=False, resume=True)
    assert "did not replay its episode" in capsys.readouterr().out


# --- 2. stopped before the first checkpoint; half-written files ------------------------------

def test_a_run_stopped_before_its_first_checkpoint_starts_again(whole, tmp_path, capsys):
    out = tmp_path / "run"
    # What a kill at step 250 leaves when the first checkpoint is due at 400: rows, no checkpoint.
    train(ENV_ID, CFG.replace(checkpoint_every=400), steps=250, seeds=SEEDS, out=out,
          progress=False)
    (out / "checkpoint.npz").unlink()
    (out / "agent.npz").unlink()
    with pytest.raises(FileExistsError, match="--resume"):  # its rows are not thrown away
        train(ENV_ID, CFG, steps=600, seeds=SEEDS, out=out, progress=False)
    capsys.readouterr()
    train(ENV_ID, CFG.replace(checkpoint_every=400), steps=600, seeds=SEEDS, out=out,
          progress=False, resume=True)
    assert "starting it again from step 0" in capsys.readouterr().out
    assert (out / "progress.csv").read_text() == (whole / "progress.csv").read_text()


@pytest.mark.parametrize("resume", [False, True])
def test_a_folder_with_a_config_and_no_rows_can_be_started_or_resumed(whole, tmp_path, resume):
    out = tmp_path / "run"
    start_run_folder(out, CFG, ENV_ID, SEEDS, 600)  # killed right after starting
    train(ENV_ID, CFG, steps=600, seeds=SEEDS, out=out, progress=False, resume=resume)
    assert_same_run(out, whole)


def test_stale_temp_files_and_a_half_written_row_are_cleaned_on_resume(whole, tmp_path):
    out = tmp_path / "run"
    train(ENV_ID, CFG, steps=350, seeds=SEEDS, out=out, progress=False)
    left = [out / ".checkpoint.npz.k1ll3d.tmp", out / ".progress.csv.4242.tmp",
            out / "progress.tmp"]
    for path in left:
        path.write_bytes(b"half a file")
    with open(out / "progress.csv", "a") as f:
        f.write("3")  # a kill in the middle of an append: a row cut short, "step 3"
    train(ENV_ID, CFG, steps=600, seeds=SEEDS, out=out, progress=False, resume=True)
    assert not any(path.exists() for path in left)
    assert_same_run(out, whole)


# --- 3. one writer per run folder ------------------------------------------------------------

def write_lock(out, pid, host=None, process_start=None):
    out.mkdir(parents=True, exist_ok=True)
    (out / LOCK_FILE).write_text(json.dumps({
        "pid": pid, "host": host or socket.gethostname(), "started": "2026-01-01 00:00:00",
        "process_start": process_start}))


def test_a_second_training_into_a_folder_in_use_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    holder = subprocess.Popen(["sleep", "30"])
    try:
        write_lock(out, holder.pid)
        with pytest.raises(RunFolderLocked, match=f"pid {holder.pid} on .*another --out"):
            train(ENV_ID, CFG, steps=200, seeds=SEEDS, out=out, progress=False)
        code = main(["train", "--env", ENV_ID, "--seeds", "0-2", "--steps", "1000",
                     "--out", str(out), "--no-progress"])
        err = capsys.readouterr().err
        assert code == 2 and f"pid {holder.pid}" in err and "Traceback" not in err
        assert not (out / "progress.csv").exists()  # nothing was written
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_is_taken_over(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()  # its pid is not alive on this host
    write_lock(tmp_path / "a", gone.pid)
    # Our own pid, but a process started at another time: the pid was reused.
    write_lock(tmp_path / "b", os.getpid(), process_start=1)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / LOCK_FILE).write_text("")  # its writer died before writing it
    for name in "abc":
        train(ENV_ID, CFG, steps=100, seeds=SEEDS, out=tmp_path / name, progress=False)
        assert not (tmp_path / name / LOCK_FILE).exists()  # released at the end


def test_a_lock_from_another_host_is_refused_with_the_way_out(tmp_path):
    write_lock(tmp_path, 1, host="another-machine.invalid")
    with pytest.raises(RunFolderLocked, match="another-machine.invalid.*delete .*run.lock"):
        train(ENV_ID, CFG, steps=100, seeds=SEEDS, out=tmp_path, progress=False)


def test_the_lock_waits_for_a_holder_that_is_stopping(tmp_path):
    holder = subprocess.Popen(["sleep", "0.5"])  # an orphaned worker finishing its step
    write_lock(tmp_path, holder.pid)
    start = time.monotonic()
    with hold_run_folder(tmp_path, wait_seconds=20):
        assert json.loads((tmp_path / LOCK_FILE).read_text())["pid"] == os.getpid()
    assert 0.4 < time.monotonic() - start < 20  # it waited for the exit (a zombie is gone)
    holder.wait()
    assert not (tmp_path / LOCK_FILE).exists()


def test_resuming_with_fewer_steps_than_the_run_has_is_one_clear_line(tmp_path, capsys):
    out = tmp_path / "run"
    fast = ["--set", "hidden=(8, 8)", "--set", "eval_every=100", "--set", "eval_episodes=1",
            "--set", "checkpoint_every=100", "--no-progress"]
    assert main(["train", "--steps", "300", "--out", str(out), *fast]) == 0
    capsys.readouterr()
    assert main(["train", "--out", str(out), "--resume", "--steps", "200"]) == 2
    err = capsys.readouterr().err
    assert "already at step 300" in err and "--steps above 300" in err and "Traceback" not in err
    assert main(["train", "--out", str(out), "--resume", "--steps", "400"]) == 0  # extends it


# --- 4. folders written before resumes checked them: still resumable -------------------------

def test_a_folder_from_before_resume_checks_resumes_exactly(whole, tmp_path):
    """config.json without "stacked", a checkpoint without its copy of the logs: what runs
    started before this version left. The resume takes "stacked" from the checkpoint, cuts the
    logs back as before, and ends byte for byte as the uninterrupted run."""
    out = tmp_path / "cut"
    train(ENV_ID, CFG, steps=350, seeds=SEEDS, out=out, progress=False)
    config = json.loads((out / "config.json").read_text())
    del config["stacked"]
    (out / "config.json").write_text(json.dumps(config, indent=2))
    with np.load(out / "checkpoint.npz") as data:
        np.savez(out / "checkpoint.npz", **{k: data[k] for k in data.files
                                            if k not in ("loop.progress_csv", "loop.timing_csv")})
    with open(out / "progress.csv", "a") as f:
        f.write("400,0,1,-1\n")  # a row past the checkpoint: cut
    train(ENV_ID, CFG, steps=600, seeds=SEEDS, out=out, progress=False, resume=True)
    assert_same_run(out, whole)
