"""Seeds in worker processes (parallel.py): the same numbers as one process, resumable."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ddpg_numpy import DDPG, DDPGConfig, ReplayBuffer, train
from ddpg_numpy.lab.parallel import seed_groups

TINY = DDPGConfig.preset("Pendulum-v1", hidden=(16, 16), batch_size=32, warmup_steps=100,
                         learning_starts=100, updates_per_step=1, eval_every=200,
                         eval_episodes=2, checkpoint_every=200, snapshot_every=200)
SEEDS = [3, 4, 5]
ROOT = Path(__file__).resolve().parents[1]


def test_workers_for_a_single_seed_run_are_explained():
    with pytest.raises(ValueError, match="single-seed run"):
        train("Pendulum-v1", TINY, steps=200, seed=0, workers=2, progress=False)


def test_seed_groups_are_consecutive_and_balanced():
    assert seed_groups([0, 1, 2, 3, 4], 2) == [[0, 1, 2], [3, 4]]
    assert seed_groups([0, 1, 2, 3, 4], 3) == [[0, 1], [2, 3], [4]]
    assert seed_groups([7, 9], 5) == [[7], [9]]  # never an empty group
    with pytest.raises(ValueError, match="workers=0"):
        seed_groups([0, 1], 0)


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    out = tmp_path_factory.mktemp("one") / "run"
    return train("Pendulum-v1", TINY, steps=600, seeds=SEEDS, out=out, progress=False)


def test_a_run_in_workers_writes_what_one_process_writes(one_process, tmp_path):
    out = tmp_path / "run"
    result = train("Pendulum-v1", TINY, steps=600, seeds=SEEDS, out=out, workers=2,
                   progress=False)
    # Each seed's products are separate BLAS calls in any stack, so the logs agree to the bit.
    assert (out / "progress.csv").read_text() == (one_process.out / "progress.csv").read_text()
    assert result.progress == one_process.progress
    assert json.loads((out / "config.json").read_text())["groups"] == [[3, 4], [5]]
    timing = (out / "timing.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in timing] == ["step", "200", "400", "600"]

    for name in ("agent.npz", "snapshots/agent_0000400.npz"):
        merged, whole = DDPG.load(out / name), DDPG.load(one_process.out / name)
        assert merged.seeds == whole.seeds == SEEDS
        merged_state, whole_state = merged.state_dict(), whole.state_dict()
        assert merged_state.keys() == whole_state.keys()
        for key in whole_state:
            np.testing.assert_array_equal(merged_state[key], whole_state[key], err_msg=key)
    # The groups keep what resuming needs, not a second copy of the agents.
    group = out / "workers" / "seeds_3_4"
    assert (group / "checkpoint.npz").exists()
    assert not (group / "agent.npz").exists() and not (group / "snapshots").exists()


def test_workers_without_a_run_folder(one_process):
    result = train("Pendulum-v1", TINY, steps=600, seeds=SEEDS, workers=3, progress=False)
    assert result.progress == one_process.progress
    np.testing.assert_array_equal(result.agent.critic.theta, one_process.agent.critic.theta)


def test_a_run_in_workers_resumes_group_by_group(one_process, tmp_path):
    out = tmp_path / "run"
    train("Pendulum-v1", TINY, steps=400, seeds=SEEDS, out=out, workers=2, progress=False)
    with pytest.raises(ValueError, match="workers=2"):
        train("Pendulum-v1", TINY, steps=600, seeds=SEEDS, out=out, workers=3, resume=True,
              progress=False)
    with pytest.raises(ValueError, match="differences.*'tau': \\(0.005, 0.01\\)"):
        train("Pendulum-v1", TINY.replace(tau=0.01), steps=600, seeds=SEEDS, out=out, workers=2,
              resume=True, progress=False)
    with pytest.raises(ValueError, match="workers=2"):  # in one process
        train("Pendulum-v1", TINY, steps=600, seeds=SEEDS, out=out, resume=True, progress=False)
    train("Pendulum-v1", TINY, steps=600, seeds=SEEDS, out=out, workers=2, resume=True,
          progress=False)
    assert (out / "progress.csv").read_text() == (one_process.out / "progress.csv").read_text()


def test_a_single_seed_in_a_list_is_a_stack_of_one():
    # A stack of one seed once failed in the fast path (NumPy leaves the stride of a length-1
    # axis arbitrary); workers make such groups whenever there are more workers than seeds.
    stacked = train("Pendulum-v1", TINY, steps=300, seeds=[5], progress=False)
    solo = train("Pendulum-v1", TINY, steps=300, seed=5, progress=False)
    assert stacked.agent.stack == 1
    assert [r["critic_loss"] for r in stacked.progress] == [r["critic_loss"]
                                                            for r in solo.progress]
    np.testing.assert_array_equal(stacked.agent.actor.theta[0], solo.agent.actor.theta)


def test_concatenate_stacks_solo_agents_into_the_stacked_agent():
    cfg = DDPGConfig(hidden=(8, 8), batch_size=8, dtype="float64", noise="ou")
    solos = [DDPG(3, 1, [-2.0], [2.0], cfg, seed=s) for s in SEEDS]
    stacked = DDPG(3, 1, [-2.0], [2.0], cfg, seed=SEEDS)
    rng = np.random.default_rng(0)
    buffers = [ReplayBuffer(50, 3, 1) for _ in SEEDS]
    for buffer in buffers:
        for _ in range(20):
            buffer.add(rng.normal(size=3), rng.normal(size=1), rng.normal(), rng.normal(size=3),
                       0.0)
    for solo, buffer in zip(solos, buffers):  # move every part of the state off its start
        solo.act(np.zeros(3), explore=True)
        solo.update(buffer.sample(8, solo.rng))
    joined = DDPG.concatenate(solos)
    assert joined.seeds == SEEDS and joined.stack == 3
    state = joined.state_dict()
    assert state.keys() == stacked.state_dict().keys()
    for i, solo in enumerate(solos):
        for name, net in solo.networks().items():
            np.testing.assert_array_equal(joined.networks()[name].theta[i], net.theta)
        np.testing.assert_array_equal(joined.critic_optimizer.m[0][i], solo.critic_optimizer.m[0])
        np.testing.assert_array_equal(joined.noises[i].state, solo.noises[0].state)
        assert joined.rngs[i].bit_generator.state == solo.rng.bit_generator.state
    with pytest.raises(ValueError, match="number of updates"):
        DDPG.concatenate([solos[0], stacked])


def test_ctrl_c_stops_every_worker_and_the_run_resumes_exactly(tmp_path):
    cmd = [sys.executable, "-m", "ddpg_numpy", "train", "--steps", "3000", "--seeds", "0-2",
           "--no-progress", "--set", "hidden=(16, 16)", "--set", "eval_every=200",
           "--set", "eval_episodes=2", "--set", "checkpoint_every=200"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(cmd + ["--out", str(tmp_path / "whole")], check=True, env=env,
                   capture_output=True)
    # Ctrl-C in a terminal reaches the whole process group: the parent and its workers. (SIGINT
    # is reset to its default in the child, in case this test itself runs with it ignored.)
    proc = subprocess.Popen(cmd + ["--workers", "2", "--out", str(tmp_path / "cut")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    group_log = tmp_path / "cut" / "workers" / "seeds_0_1" / "progress.csv"
    deadline = time.time() + 60
    while time.time() < deadline and (not group_log.exists()
                                      or len(group_log.read_text().splitlines()) < 1 + 3 * 2):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--resume" in stderr
    assert len(group_log.read_text().splitlines()) < 1 + 15 * 2, "stopped part-way"
    subprocess.run([sys.executable, "-m", "ddpg_numpy", "train", "--out", str(tmp_path / "cut"),
                    "--resume", "--no-progress"], check=True, env=env, capture_output=True)
    assert (tmp_path / "cut" / "progress.csv").read_text() == \
        (tmp_path / "whole" / "progress.csv").read_text()


def test_a_workers_run_whose_config_json_was_edited_is_refused(tmp_path, capsys):
    """A tau edited in the top config.json of a --workers run: the groups' config.json and
    checkpoints still hold the run's, so the resume refuses in one line and writes nothing."""
    from ddpg_numpy.cli import main

    out = tmp_path / "run"
    train("Pendulum-v1", TINY, steps=200, seeds=SEEDS, out=out, workers=2, progress=False)
    config = json.loads((out / "config.json").read_text())
    config["config"]["tau"] = 0.5
    (out / "config.json").write_text(json.dumps(config))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["train", "--resume", "--out", str(out), "--steps", "400", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "disagree on ['tau']" in err and "[0.005]" in err and len(err.splitlines()) == 1, err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
