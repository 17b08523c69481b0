"""blas.json: every run folder records the BLAS kernel it was trained under (a run reproduces bit
for bit only under that kernel), at the start and at every resume; a resume under another kernel
says so in one line and keeps the history, and is never refused.

"Another kernel" is made by editing blas.json or by monkeypatching threadpoolctl's
threadpool_info: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are never set here.
"""

import json
import sys

import numpy as np
import pytest
import threadpoolctl

from ddpg_numpy import DDPGConfig, train
from ddpg_numpy.cli import main
from ddpg_numpy.plots.mujoco import blas_kernel

CFG = DDPGConfig(hidden=(16, 16), batch_size=32, warmup_steps=100, learning_starts=100,
                 eval_every=100, eval_episodes=2, checkpoint_every=150)
SEEDS = [0, 1, 2]
NOT_OURS = "Neoverse"  # a kernel this test pretends another machine had
REAL_THREADPOOL_INFO = threadpoolctl.threadpool_info


def kernel_now() -> str:
    """This process's OpenBLAS kernel, straight from threadpoolctl."""
    return next(lib.get("architecture") or "?" for lib in REAL_THREADPOOL_INFO()
                if lib.get("user_api") == "blas")


def read(folder) -> dict:
    return json.loads((folder / "blas.json").read_text())


def forge(folder, architecture: str) -> None:
    """Edit blas.json as if the run had been started under ``architecture``."""
    record = read(folder)
    for lib in record["threadpool_info"]:
        if lib.get("user_api") == "blas":
            lib["architecture"] = architecture
    (folder / "blas.json").write_text(json.dumps(record))


def pretend_kernel(monkeypatch, architecture: str) -> None:
    """threadpool_info reports ``architecture`` for every BLAS library from now on."""
    def fake():
        return [{**lib, "architecture": architecture} if lib.get("user_api") == "blas" else lib
                for lib in REAL_THREADPOOL_INFO()]
    monkeypatch.setattr(threadpoolctl, "threadpool_info", fake)


def kernel_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "OpenBLAS kernel" in line]


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """The uninterrupted 600-step stacked run."""
    out = tmp_path_factory.mktemp("whole") / "run"
    train("Pendulum-v1", CFG, steps=600, seeds=SEEDS, out=out, progress=False)
    return out


def test_a_run_records_the_kernel_it_started_under(whole):
    record = read(whole)
    assert list(record) == ["threadpool_info", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                            "versions"]
    import gymnasium
    import numpy

    # The installed versions the run's numbers depend on (the simulator's where installed).
    assert record["versions"]["numpy"] == numpy.__version__
    assert record["versions"]["gymnasium"] == gymnasium.__version__
    assert record["versions"]["python"] == ".".join(map(str, sys.version_info[:3]))
    blas = [lib for lib in record["threadpool_info"] if lib["user_api"] == "blas"]
    assert blas and blas[0]["architecture"] == kernel_now()
    assert blas[0]["num_threads"] == 1  # recorded inside train's one-thread limit
    assert blas_kernel(whole) == kernel_now()  # the reader the MuJoCo report uses
    assert not list(whole.glob(".*.tmp"))  # written whole: no temporary file left


def test_a_resume_under_another_kernel_says_so_once_and_keeps_the_history(whole, tmp_path,
                                                                           capsys):
    out = tmp_path / "cut"
    train("Pendulum-v1", CFG, steps=350, seeds=SEEDS, out=out, progress=False)
    forge(out, NOT_OURS)  # the run started on a machine with another kernel
    capsys.readouterr()
    assert main(["train", "--out", str(out), "--resume", "--steps", "600", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert len(kernel_lines(err)) == 1 and err.count("\n") == 1, err
    assert f"started under the OpenBLAS kernel {NOT_OURS}" in err
    assert f"from step 350 under {kernel_now()}" in err and "bit for bit" in err
    record = read(out)
    assert blas_kernel(out) == NOT_OURS  # the kernel it started under is kept
    assert record["resumed_under"] == [{"step": 350, "architecture": kernel_now()}]
    # The resume itself is not touched: its rows are an uninterrupted run's, byte for byte.
    assert (out / "progress.csv").read_text() == (whole / "progress.csv").read_text()


def test_a_resume_under_the_same_kernel_leaves_the_record_alone(tmp_path, capsys):
    out = tmp_path / "run"
    train("Pendulum-v1", CFG, steps=150, seed=0, out=out, progress=False)
    before = (out / "blas.json").read_text()
    train("Pendulum-v1", CFG, steps=300, seed=0, out=out, progress=False, resume=True)
    assert (out / "blas.json").read_text() == before
    assert not kernel_lines(capsys.readouterr().err)


def test_each_change_of_kernel_is_one_entry(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    train("Pendulum-v1", CFG, steps=150, seed=0, out=out, progress=False)
    pretend_kernel(monkeypatch, NOT_OURS)
    train("Pendulum-v1", CFG, steps=300, seed=0, out=out, progress=False, resume=True)
    train("Pendulum-v1", CFG, steps=450, seed=0, out=out, progress=False, resume=True)  # same
    monkeypatch.undo()
    train("Pendulum-v1", CFG, steps=600, seed=0, out=out, progress=False, resume=True)
    err = capsys.readouterr().err
    assert kernel_lines(err) == [
        f"note: the run in {out} started under the OpenBLAS kernel {kernel_now()} and continues "
        f"from step 150 under {NOT_OURS}, so it will not reproduce bit for bit (both are in "
        "blas.json).",
        f"note: the run in {out} last ran under the OpenBLAS kernel {NOT_OURS} and continues "
        f"from step 450 under {kernel_now()}, so it will not reproduce bit for bit (both are in "
        "blas.json)."]
    assert read(out)["resumed_under"] == [{"step": 150, "architecture": NOT_OURS},
                                          {"step": 450, "architecture": kernel_now()}]
    assert blas_kernel(out) == kernel_now()  # where it started


def test_a_run_started_again_from_step_0_gets_a_new_record(tmp_path):
    out = tmp_path / "run"
    train("Pendulum-v1", CFG, steps=100, seed=0, out=out, progress=False)  # no checkpoint
    (out / "checkpoint.npz").unlink(missing_ok=True)
    (out / "progress.csv").write_text((out / "progress.csv").read_text().splitlines()[0] + "\n")
    forge(out, NOT_OURS)
    train("Pendulum-v1", CFG, steps=300, seed=0, out=out, progress=False, resume=True)
    assert blas_kernel(out) == kernel_now() and "resumed_under" not in read(out)


def test_a_folder_without_blas_json_is_resumed_and_says_from_which_step(tmp_path, capsys):
    out = tmp_path / "run"
    train("Pendulum-v1", CFG, steps=150, seed=0, out=out, progress=False)
    (out / "blas.json").unlink()  # a folder from before runs recorded their kernel
    train("Pendulum-v1", CFG, steps=300, seed=0, out=out, progress=False, resume=True)
    record = read(out)
    assert record["first_recorded_at_step"] == 150 and blas_kernel(out) == kernel_now()
    assert not kernel_lines(capsys.readouterr().err)


def test_a_damaged_blas_json_never_stops_a_resume(tmp_path, capsys):
    out = tmp_path / "run"
    train("Pendulum-v1", CFG, steps=150, seed=0, out=out, progress=False)
    (out / "blas.json").write_text('{"threadpool_info": [')  # cut short
    capsys.readouterr()
    train("Pendulum-v1", CFG, steps=300, seed=0, out=out, progress=False, resume=True)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "could not be read" in err and "step 150" in err
    assert read(out)["first_recorded_at_step"] == 150


def test_a_workers_run_records_its_top_folder_and_each_group(tmp_path, capfd):
    out = tmp_path / "run"
    train("Pendulum-v1", CFG, steps=350, seeds=SEEDS, out=out, workers=2, progress=False)
    groups = sorted((out / "workers").iterdir())
    assert len(groups) == 2
    for folder in [out, *groups]:
        assert blas_kernel(folder) == kernel_now(), folder
        forge(folder, NOT_OURS)
    capfd.readouterr()
    train("Pendulum-v1", CFG, steps=600, seeds=SEEDS, out=out, workers=2, progress=False,
          resume=True)
    err = capfd.readouterr().err
    assert len(kernel_lines(err)) == 1 and str(out / "workers") not in err, err  # the parent's
    for folder in [out, *groups]:
        assert read(folder)["resumed_under"] == [{"step": 350, "architecture": kernel_now()}]



def test_a_workers_resume_dates_the_change_from_a_group_started_again(tmp_path, capfd,
                                                                     monkeypatch):
    out = tmp_path / "run"
    train("Pendulum-v1", CFG, steps=350, seeds=SEEDS, out=out, workers=2, progress=False)
    first, second = sorted((out / "workers").iterdir())
    (second / "checkpoint.npz").unlink()  # this group starts again from step 0
    pretend_kernel(monkeypatch, NOT_OURS)  # the workers are forked: they see it too
    train("Pendulum-v1", CFG, steps=600, seeds=SEEDS, out=out, workers=2, progress=False,
          resume=True)
    assert f"from step 0 under {NOT_OURS}" in capfd.readouterr().err
    assert read(out)["resumed_under"] == [{"step": 0, "architecture": NOT_OURS}]
    assert read(first)["resumed_under"] == [{"step": 350, "architecture": NOT_OURS}]
    assert blas_kernel(second) == NOT_OURS and "resumed_under" not in read(second)


def test_the_pytorch_peer_records_its_kernel_at_start_and_resume(tmp_path, capsys, monkeypatch):
    pytest.importorskip("torch", reason="PyTorch is not installed (the peer's optional extra: "
                        "pip install torch==2.13.0); the peer's blas.json is not tested")
    pytest.importorskip("mujoco", reason="mujoco is not installed: the peer runs "
                        "InvertedPendulum-v5")
    from benchmarks.peers.torch_peer import run

    out = tmp_path / "peer"
    options = dict(progress=False, eval_every=100, checkpoint_every=100,
                   overrides={"hidden": (16, 16), "warmup_steps": 100, "learning_starts": 100})
    run("InvertedPendulum-v5", "td3", 0, 200, out, **options)
    assert list(read(out))[:3] == ["threadpool_info", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]
    assert blas_kernel(out) == kernel_now()
    capsys.readouterr()
    pretend_kernel(monkeypatch, NOT_OURS)
    run("InvertedPendulum-v5", "td3", 0, 300, out, resume=True, **options)
    assert len(kernel_lines(capsys.readouterr().err)) == 1
    assert read(out)["resumed_under"] == [{"step": 200, "architecture": NOT_OURS}]
    # the peer flushes denormals while it trains (a CPU flag of the whole process) and leaves
    # them as they were: a subnormal still survives arithmetic here
    assert np.array([1e-310])[0] * 1.0 != 0.0
