"""kill -9 at random points, then resume: the run ends byte for byte as if it had never stopped.

Each scenario (one seed; three stacked seeds on a task whose episodes end at different times;
the same in two worker processes) is killed four times in a row, at points drawn from a seeded
generator, through the test-only hook ``DDPG_NUMPY_KILL_AT`` (ddpg_numpy/lab/kill_points.py):
inside a checkpoint write, inside a resume's rewrite of the logs, after a random step, and right
after a row is appended. Each kill is resumed from the command line; the last resume finishes,
and progress.csv and agent.npz are compared with an uninterrupted run's.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from crashing_pendulum import ENV_ID

from ddpg_numpy.core.checkpoint import load_npz

ROOT = Path(__file__).resolve().parents[1]
STEPS, CHECKPOINT_EVERY = 900, 150  # checkpoints mid-episode; evaluations every 100 steps
SETTINGS = ["--steps", str(STEPS), "--set", "hidden=(16, 16)", "--set", "batch_size=32",
            "--set", "warmup_steps=100", "--set", "learning_starts=100",
            "--set", "eval_every=100", "--set", "eval_episodes=2",
            "--set", f"checkpoint_every={CHECKPOINT_EVERY}"]
SCENARIOS = {"one seed": ["--env", "Pendulum-v1", "--seed", "2"],
             "stacked, terminations": ["--env", ENV_ID, "--seeds", "0-2"],
             "workers, terminations": ["--env", ENV_ID, "--seeds", "0-2", "--workers", "2"]}


def run_cli(args, kill_at=None, background=False):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
           "OPENBLAS_NUM_THREADS": "1"}
    env.pop("DDPG_NUMPY_KILL_AT", None)
    if kill_at:
        env["DDPG_NUMPY_KILL_AT"] = kill_at
    command = [sys.executable, "-m", "ddpg_numpy", "train", "--no-progress", *args]
    if background:
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def assert_same_run(a, b):
    assert (a / "progress.csv").read_text() == (b / "progress.csv").read_text()
    timing = [(path / "timing.csv").read_text().splitlines() for path in (a, b)]
    assert [line.split(",")[0] for line in timing[0]] == [line.split(",")[0] for line in timing[1]]
    agent_a, agent_b = load_npz(a / "agent.npz"), load_npz(b / "agent.npz")
    assert agent_a.keys() == agent_b.keys()
    for key in agent_a:
        np.testing.assert_array_equal(agent_a[key], agent_b[key], err_msg=key)


def temp_files(out):
    return sorted(p.relative_to(out) for p in out.rglob("*.tmp"))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The uninterrupted runs, by environment (a workers run writes what one process does)."""
    runs = {}
    for env_args in (SCENARIOS["one seed"], SCENARIOS["stacked, terminations"]):
        out = tmp_path_factory.mktemp("whole") / "run"
        done = run_cli([*env_args, *SETTINGS, "--out", str(out)])
        assert done.returncode == 0, done.stderr
        runs[env_args[1]] = out
    return runs


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_killed_four_times_at_random_points_the_run_ends_as_if_never_stopped(
        scenario, uninterrupted, tmp_path):
    rng = np.random.default_rng(list(SCENARIOS).index(scenario) + 13)
    args, out = SCENARIOS[scenario], tmp_path / "run"
    # A killed worker's parent says so, and to resume (exit 2, one line); others just die.
    killed = 2 if "workers" in scenario else -signal.SIGKILL

    # 1. Inside the write of the 2nd, 3rd or 4th checkpoint: the previous one must stay usable.
    done = run_cli([*args, *SETTINGS, "--out", str(out)],
                   kill_at=f"checkpoint:{rng.integers(2, 5)}")
    assert done.returncode == killed, done.stderr
    assert any(".checkpoint.npz." in str(p) for p in temp_files(out)), "killed mid-write"
    if "workers" in scenario:
        assert "--resume" in done.stderr and "Traceback" not in done.stderr
    # 2. Inside the resume's rewrite of progress.csv (new text written, not yet moved in place).
    done = run_cli(["--out", str(out), "--resume"], kill_at="log-cut:1")
    assert done.returncode == killed, done.stderr
    assert any(".progress.csv." in str(p) for p in temp_files(out)), "killed mid-rewrite"
    # 3. After a random step, mid-episode, between checkpoints.
    step = int(rng.integers(3 * CHECKPOINT_EVERY + 1, STEPS - 2 * CHECKPOINT_EVERY))
    done = run_cli(["--out", str(out), "--resume"], kill_at=f"step:{step}")
    assert done.returncode == killed, done.stderr
    # 4. Right after rows are appended to progress.csv, before timing.csv has its row.
    done = run_cli(["--out", str(out), "--resume"], kill_at=f"progress:{rng.integers(1, 3)}")
    assert done.returncode == killed, done.stderr

    done = run_cli(["--out", str(out), "--resume"])
    assert done.returncode == 0, done.stderr
    assert_same_run(out, uninterrupted[args[1]])
    assert not temp_files(out) and not list(out.rglob("run.lock"))


def alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_the_workers_stop_when_their_parent_is_killed_and_the_run_resumes(
        how, uninterrupted, tmp_path):
    out = tmp_path / "run"
    parent = run_cli([*SCENARIOS["workers, terminations"], *SETTINGS, "--out", str(out)],
                     background=True)
    locks = [out / "workers" / group / "run.lock" for group in ("seeds_0_1", "seeds_2")]
    group_log = out / "workers" / "seeds_0_1" / "progress.csv"
    rows = 1 + 2 * int(np.random.default_rng(int(how)).integers(2, 6))  # 2 to 5 evaluations
    # Each worker's pid is read as soon as its lock appears: on a busy machine the one-seed group
    # can finish (and remove its lock) before the watched group has logged its rows.
    pids: dict[Path, int] = {}
    deadline = time.time() + 120
    while time.time() < deadline and (len(pids) < len(locks) or not group_log.exists()
                                      or len(group_log.read_text().splitlines()) < rows):
        for lock in set(locks) - set(pids):
            try:
                pids[lock] = int(json.loads(lock.read_text())["pid"])
            except (FileNotFoundError, ValueError, KeyError):
                pass  # not written yet (or mid-write)
        time.sleep(0.02)
    assert len(pids) == len(locks), "both worker groups should have started"
    workers = list(pids.values())
    parent.send_signal(how)
    parent.wait()
    assert parent.returncode == -how

    deadline = time.time() + 30
    while any(alive(pid) for pid in workers) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers), "the orphaned workers should have stopped"
    # the group we watched stopped before the end (the other may have finished on a busy machine)
    watched = load_npz(out / "workers" / "seeds_0_1" / "checkpoint.npz")
    saved = json.loads(str(watched["loop.state"]))
    assert saved["step"] < STEPS

    resumed = run_cli(["--out", str(out), "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    assert_same_run(out, uninterrupted[ENV_ID])


# --- the workers' lifecycle: the parent stopped by each signal in each state ---------------------

LIFECYCLE = ["--env", "Pendulum-v1", "--seeds", "0-2", "--steps", "600",
             "--set", "hidden=(16, 16)", "--set", "batch_size=32", "--set", "warmup_steps=100",
             "--set", "learning_starts=100", "--set", "eval_every=100",
             "--set", "eval_episodes=2", "--set", "checkpoint_every=100"]
EXIT = {"INT": 130, "TERM": -signal.SIGTERM, "KILL": -signal.SIGKILL}


def tagged_processes(tag):
    """The live processes (not zombies) whose environment holds ``tag``: a run's parent and
    every worker it started, wherever they were reparented."""
    pids = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if tag.encode() in environ.read_bytes().split(b"\0") and alive(environ.parent.name):
                pids.append(int(environ.parent.name))
        except OSError:
            pass  # exited meanwhile, or not ours
    return pids


@pytest.fixture(scope="module")
def lifecycle_whole(tmp_path_factory):
    out = tmp_path_factory.mktemp("lifecycle") / "run"
    done = run_cli([*LIFECYCLE, "--out", str(out)])
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds workers in /proc")
@pytest.mark.parametrize("state", ["running", "finished", "merging"])
@pytest.mark.parametrize("how", ["INT", "TERM", "KILL"])
def test_no_worker_outlives_its_parent_and_the_folder_resumes(state, how, lifecycle_whole,
                                                              tmp_path):
    """The parent of a --workers run stopped by SIGINT, SIGTERM or SIGKILL while its workers
    train, after one group has finished, or while it merges: every worker is gone within a
    few seconds (the pipes it held are closed), and ``--resume`` ends as an uninterrupted run."""
    out, tag = tmp_path / "run", f"DDPG_NUMPY_TEST_TAG={tmp_path.name}-{state}-{how}"
    point = {"finished": "group-done", "merging": "merge"}.get(state)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1",
           tag.split("=")[0]: tag.split("=")[1]}
    env.pop("DDPG_NUMPY_KILL_AT", None)
    if point:
        env["DDPG_NUMPY_KILL_AT"] = f"{point}:1:{how}"  # the signal arrives at that moment
    parent = subprocess.Popen([sys.executable, "-m", "ddpg_numpy", "train", "--no-progress",
                               *LIFECYCLE, "--workers", "2", "--out", str(out)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if state == "running":  # while both groups train: a few evaluations logged
        group_log = out / "workers" / "seeds_0_1" / "progress.csv"
        deadline = time.time() + 60
        while time.time() < deadline and (not group_log.exists()
                                          or len(group_log.read_text().splitlines()) < 1 + 2 * 2):
            time.sleep(0.02)
        parent.send_signal(getattr(signal, f"SIG{how}"))  # the parent alone, not its group
    # communicate() returns once nothing holds the pipes open: a worker would keep them.
    _, stderr = parent.communicate(timeout=60)
    stopped = time.time()
    assert parent.returncode == EXIT[how], stderr
    assert "Traceback" not in stderr, stderr
    if how == "INT":
        assert "--resume" in stderr and len(stderr.strip().splitlines()) == 1, stderr
    while tagged_processes(tag) and time.time() < stopped + 10:
        time.sleep(0.05)
    assert not tagged_processes(tag), "a worker outlived its parent"
    # A second by design (workers.py); more allowed for a machine loaded by other work.
    assert time.time() - stopped < 5, "the workers took more than a few seconds to stop"

    resumed = run_cli(["--out", str(out), "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    assert (out / "progress.csv").read_text() == (lifecycle_whole / "progress.csv").read_text()
    assert not list(out.rglob("run.lock")) and not temp_files(out)
