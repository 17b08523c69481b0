"""``python -m ddpg_numpy sweep``: a grid of ordinary run folders, skipped when done, resumed when
interrupted (SIGINT, kill -9) with nothing lost or repeated; a bad spec is one line, exit 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ddpg_numpy.cli import main
from ddpg_numpy.lab.run_lock import wait_until_free
from ddpg_numpy.study.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
TASKS = ("Pendulum-v1", "MountainCarContinuous-v0")
TINY = """
description = "2 tasks x 2 seeds, a few hundred steps"
steps = {steps}

[report]
window = [{window_start}, {steps}]

[variants.tiny]
eval_every = 100
eval_episodes = 2
warmup_steps = 100
learning_starts = 100
checkpoint_every = 100
hidden = [32, 32]

[[grid]]
tasks = ["Pendulum-v1", "MountainCarContinuous-v0"]
algorithms = ["td3"]
seeds = "0-1"
variants = ["tiny"]
"""
STEPS = 800


def write_spec(folder: Path, steps: int = STEPS, text: str = TINY) -> Path:
    path = folder / "tiny.toml"
    path.write_text(text.format(steps=steps, window_start=steps - 200))
    return path


def default_sigint() -> None:
    """In the child before exec: SIGINT's default action. A shell without job control starts
    background commands (CI scripts' ``cmd &``) with SIGINT ignored, every descendant inherits
    that, and Python then keeps ignoring it: the interrupt under test would never arrive."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def sweep(spec: Path, out: Path, *extra: str, wait: bool = True):
    command = [sys.executable, "-m", "ddpg_numpy", "sweep", str(spec), "--out", str(out),
               "--workers", "2", *extra]
    if not wait:  # SIGINT as a terminal gives it, even where this test runs in the background
        return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, preexec_fn=default_sigint)
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def cells(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("*/*/seed*") if p.is_dir())


def logs_of(folder: Path) -> dict[str, bytes]:
    """What must be byte for byte the same between two runs of a cell (timing.csv holds
    wall-clock seconds: only its steps)."""
    steps = [line.split(",")[0] for line in (folder / "timing.csv").read_text().splitlines()]
    return {"config.json": (folder / "config.json").read_bytes(),
            "progress.csv": (folder / "progress.csv").read_bytes(),
            "timing.csv steps": "\n".join(steps).encode()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny grid, swept once without interruption, on local processes."""
    folder = tmp_path_factory.mktemp("reference")
    spec = write_spec(folder)
    result = sweep(spec, folder / "out")
    assert result.returncode == 0, result.stderr
    return spec, folder / "out", result.stdout


def test_every_cell_is_an_ordinary_run_folder_in_the_grid_layout(reference):
    spec, out, stdout = reference
    assert [c.relative_to(out).as_posix() for c in cells(out)] == sorted(
        f"{task}/td3-tiny/seed{k}" for task in TASKS for k in (0, 1))
    for cell in cells(out):
        names = {p.name for p in cell.iterdir()}
        assert {"config.json", "progress.csv", "timing.csv", "checkpoint.npz",
                "agent.npz", "blas.json"} <= names  # blas.json: the kernel, as every run
        assert "run.lock" not in names  # released when the cell finished
        steps = [line.split(",")[0] for line in (cell / "progress.csv").read_text().split()[1:]]
        assert steps == [str(s) for s in range(100, STEPS + 1, 100)]  # each evaluation once
    assert (out / "sweep.toml").read_text() == spec.read_text()
    assert "4 cells: 0 done, 4 to run" in stdout


def test_a_cell_is_what_the_train_command_makes(reference, tmp_path):
    """The same flags typed by hand give the same config.json and progress.csv."""
    _, out, _ = reference
    by_hand = tmp_path / "by_hand"
    code = main(["train", "--env", "MountainCarContinuous-v0", "--algo", "td3", "--seed", "1",
                 "--steps", str(STEPS), "--out", str(by_hand), "--no-progress",
                 "--set", "eval_every=100", "--set", "eval_episodes=2",
                 "--set", "warmup_steps=100", "--set", "learning_starts=100",
                 "--set", "checkpoint_every=100", "--set", "hidden=[32, 32]"])
    assert code == 0
    assert logs_of(by_hand) == logs_of(out / "MountainCarContinuous-v0" / "td3-tiny" / "seed1")


def test_a_second_sweep_skips_the_finished_cells_and_touches_nothing(reference):
    spec, out, _ = reference
    before = {p: p.stat().st_mtime_ns for c in cells(out) for p in c.iterdir()}
    result = sweep(spec, out)
    assert result.returncode == 0, result.stderr
    assert "4 cells: 4 done, 0 to run" in result.stdout
    assert {p: p.stat().st_mtime_ns for c in cells(out) for p in c.iterdir()} == before
    status = main(["sweep", str(spec), "--out", str(out), "--status"])
    assert status == 0


def signal_if_alive(pid: int, how: signal.Signals) -> bool:
    try:
        os.kill(pid, how)
        return True
    except ProcessLookupError:
        return False


def freeze_running_cells(out: Path) -> list[int]:
    """SIGSTOP every cell process holding its folder's lock; returns their pids."""
    pids = []
    for lock in out.glob("*/*/seed*/run.lock"):
        try:
            pid = int(json.loads(lock.read_text())["pid"])
        except (FileNotFoundError, ValueError, KeyError):
            continue  # the cell just ended (or its lock is being written)
        if signal_if_alive(pid, signal.SIGSTOP):
            pids.append(pid)
    return pids


def has_pending_sigint(pid: int) -> bool:
    """Whether a (stopped) process has SIGINT waiting (Linux: /proc/PID/status), or is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    pending = 0
    for line in status.splitlines():
        if line.startswith(("SigPnd:", "ShdPnd:")):
            pending |= int(line.split()[1], 16)
    return bool(pending & (1 << (signal.SIGINT - 1)))


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "kill-9"])
def test_an_interrupted_sweep_continues_with_nothing_lost_or_repeated(reference, tmp_path, how):
    spec, done, _ = reference
    out = tmp_path / "out"
    process = sweep(spec, out, wait=False)
    # The running cells are frozen (SIGSTOP) once one has a checkpoint, so that however slowly
    # this process is scheduled on a loaded machine, the signal finds cells under way.
    deadline, frozen = time.monotonic() + 120, []
    while not frozen:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        if list(out.glob("*/*/seed*/checkpoint.npz")):
            frozen = freeze_running_cells(out)
        time.sleep(0.05)
    process.send_signal(how)
    if how == signal.SIGINT:  # the sweep passes SIGINT on to each cell: let them take it
        deadline = time.monotonic() + 60
        while process.poll() is None and not all(map(has_pending_sigint, frozen)) \
                and time.monotonic() < deadline:
            time.sleep(0.05)
    for pid in frozen:
        signal_if_alive(pid, signal.SIGCONT)
    _, stderr = process.communicate(timeout=120)
    if how == signal.SIGINT:
        assert process.returncode == 130
        assert "interrupted" in stderr and "same command" in stderr
    else:
        assert process.returncode == -signal.SIGKILL
    for cell in cells(out):  # the cells stopped with the sweep: nobody writes into them now
        wait_until_free(cell, 30.0)
    interrupted = {c.relative_to(out) for c in cells(out) if not (c / "agent.npz").exists()}
    assert interrupted, "the sweep was stopped after every cell had finished: nothing tested"

    again = sweep(spec, out)
    assert again.returncode == 0, again.stderr
    assert "resumed" in again.stdout
    assert [c.relative_to(out) for c in cells(out)] == [c.relative_to(done) for c in cells(done)]
    for cell in cells(done):
        assert logs_of(out / cell.relative_to(done)) == logs_of(cell), cell


def test_a_folder_trained_by_hand_is_a_cell_done_or_resumed(tmp_path):
    """Runs typed by hand into the grid's layout (as runs/mujoco's) are the sweep's cells:
    a finished one is skipped, an interrupted one resumed, one with other settings refused."""
    from ddpg_numpy.study.sweep import plan

    spec = tmp_path / "plain.toml"
    grid = ('[variants.ck]\ncheckpoint_every = 100\n[[grid]]\ntasks = ["Pendulum-v1"]\n'
            'algorithms = ["ddpg"]\nseeds = [0, 1]\nvariants = ["ck"]\n')
    spec.write_text("steps = 300\n" + grid)
    out = tmp_path / "out"
    train = [sys.executable, "-m", "ddpg_numpy", "train", "--env", "Pendulum-v1", "--algo",
             "ddpg", "--steps", "300", "--no-progress", "--set", "checkpoint_every=100"]
    subprocess.run([*train, "--seed", "0", "--out", str(out / "Pendulum-v1/ddpg-ck/seed0")],
                   cwd=ROOT, check=True, capture_output=True)
    killed = subprocess.run([*train, "--seed", "1", "--out",
                             str(out / "Pendulum-v1/ddpg-ck/seed1")], cwd=ROOT,
                            capture_output=True, env={**os.environ,
                                                      "DDPG_NUMPY_KILL_AT": "step:150"})
    assert killed.returncode == -signal.SIGKILL
    assert [s.state for s in plan(load_spec(spec), out)] == ["done", "partial"]
    mtime = (out / "Pendulum-v1/ddpg-ck/seed0/agent.npz").stat().st_mtime_ns
    result = sweep(spec, out)
    assert result.returncode == 0, result.stderr
    assert "2 cells: 1 done, 1 to run (1 resumed)" in result.stdout
    assert "--resume" in (out / "Pendulum-v1/ddpg-ck/seed1.log").read_text()
    assert (out / "Pendulum-v1/ddpg-ck/seed1/agent.npz").exists()
    assert (out / "Pendulum-v1/ddpg-ck/seed0/agent.npz").stat().st_mtime_ns == mtime

    spec.write_text("steps = 400\n" + grid)  # the spec changed: those folders are not its cells
    refused = sweep(spec, out)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "holds another run than the spec's cell: steps 300 (the spec's: 400)" in refused.stderr


BAD_SPECS = {
    "unknown task": ('steps = 300\n[[grid]]\ntasks = ["Pendulum-v9"]\nalgorithms = ["td3"]\n'
                     'seeds = "0-1"\n', "unknown environment id 'Pendulum-v9'"),
    "unknown key": ('steps = 300\nseed = 3\n[[grid]]\ntasks = ["Pendulum-v1"]\n'
                    'algorithms = ["td3"]\nseeds = "0-1"\n', "unknown key(s) 'seed'"),
    "unknown key in a block": ('steps = 300\n[[grid]]\ntask = ["Pendulum-v1"]\n'
                               'algorithms = ["td3"]\nseeds = "0-1"\n', "unknown key(s) 'task'"),
    "unknown config key": ('steps = 300\n[variants.x]\ntaau = 0.1\n[[grid]]\n'
                           'tasks = ["Pendulum-v1"]\nalgorithms = ["td3"]\nseeds = "0-1"\n'
                           'variants = ["x"]\n', "unknown key(s) taau"),
    "TD3 key for DDPG": ('steps = 300\n[variants.x]\npolicy_delay = 2\n[[grid]]\n'
                         'tasks = ["Pendulum-v1"]\nalgorithms = ["ddpg"]\nseeds = "0-1"\n'
                         'variants = ["x"]\n', "TD3's own"),
    "empty grid": ('steps = 300\n', "empty grid"),
    "no seeds": ('steps = 300\n[[grid]]\ntasks = ["Pendulum-v1"]\nalgorithms = ["td3"]\n'
                 'seeds = []\n', "no seeds"),
    "a seed twice": ('steps = 300\n[[grid]]\ntasks = ["Pendulum-v1"]\nalgorithms = ["td3"]\n'
                     'seeds = [0, 1, 1]\n', "seed 1 listed twice"),
    "a cell twice": ('steps = 300\n[[grid]]\ntasks = ["Pendulum-v1"]\nalgorithms = ["td3"]\n'
                     'seeds = "0-2"\n[[grid]]\ntasks = ["Pendulum-v1"]\nalgorithms = ["td3"]\n'
                     'seeds = "2-3"\n', "Pendulum-v1/td3/seed2 is listed twice"),
    "unknown algorithm": ('steps = 300\n[[grid]]\ntasks = ["Pendulum-v1"]\n'
                          'algorithms = ["sac"]\nseeds = "0"\n', "unknown algorithm 'sac'"),
    "a bad value": ('steps = 300\n[variants.x]\ntau = 2.0\n[[grid]]\ntasks = ["Pendulum-v1"]\n'
                    'algorithms = ["td3"]\nseeds = "0"\nvariants = ["x"]\n', "tau=2.0 must be"),
    "a window past the end": ('steps = 300\n[report]\nwindow = [0, 400]\n[[grid]]\n'
                              'tasks = ["Pendulum-v1"]\nalgorithms = ["td3"]\nseeds = "0"\n',
                              "window ends at 400"),
    "not TOML": ('steps = = 3\n', "not valid TOML"),
    "a peer's option for ours": ('steps = 300\n[variants.x]\nschedule = "episode-end"\n'
                                 '[[grid]]\ntasks = ["Pendulum-v1"]\nalgorithms = ["td3"]\n'
                                 'seeds = "0"\nvariants = ["x"]\n',
                                 "the PyTorch peer's own option(s), but the algorithm is td3"),
    "a peer's option it lacks": ('steps = 300\n[variants.x]\nschedule = "weekly"\n[[grid]]\n'
                                 'tasks = ["Pendulum-v1"]\nalgorithms = ["td3-pytorch-peer"]\n'
                                 'seeds = "0"\nvariants = ["x"]\n',
                                 "schedule = 'weekly'; use one of 'per-step', 'episode-end'"),
    "a bad value for the peer": ('steps = 300\n[variants.x]\ntau = 2.0\n[[grid]]\n'
                                 'tasks = ["Pendulum-v1"]\nalgorithms = ["ddpg-pytorch-peer"]\n'
                                 'seeds = "0"\nvariants = ["x"]\n', "tau=2.0 must be"),
}


@pytest.mark.parametrize("name", list(BAD_SPECS))
def test_a_bad_spec_is_one_line_and_exit_2_before_anything_runs(name, tmp_path, capsys):
    text, expected = BAD_SPECS[name]
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("ddpg-numpy sweep: error: ") and err.count("\n") == 1, err
    assert expected in err
    assert not (tmp_path / "out").exists()  # nothing ran, nothing was written


PEER_SPEC = ('steps = 300\n[[grid]]\ntasks = ["MountainCarContinuous-v0"]\n'
             'algorithms = ["td3-pytorch-peer"]\nseeds = [0]\n')


def test_the_pytorch_peer_is_an_algorithm_of_the_grid(tmp_path):
    """A peer cell runs benchmarks/peers/torch_peer.py into the same layout; done, it is
    skipped."""
    pytest.importorskip("torch", reason="the PyTorch peer needs torch: pip install -e '.[peer]'")
    spec = tmp_path / "peer.toml"
    spec.write_text(PEER_SPEC)
    out = tmp_path / "out"
    result = sweep(spec, out)
    assert result.returncode == 0, result.stdout + result.stderr
    cell = out / "MountainCarContinuous-v0" / "td3-pytorch-peer" / "seed0"
    assert "torch_peer.py --env MountainCarContinuous-v0 --algo td3 --seed 0 --steps 300" in (
        cell.with_suffix(".log").read_text())
    assert {"config.json", "progress.csv", "timing.csv", "checkpoint.npz", "blas.json"} <= {
        p.name for p in cell.iterdir()}
    again = sweep(spec, out)
    assert "1 cells: 1 done, 0 to run" in again.stdout


def test_without_torch_the_peer_cells_are_skipped_with_a_message(tmp_path, monkeypatch):
    import importlib.util

    from ddpg_numpy.study import sweep as sweep_module

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(sweep_module.importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else find_spec(name, *a))
    spec = tmp_path / "peer.toml"
    spec.write_text(PEER_SPEC)
    states = sweep_module.plan(load_spec(spec), tmp_path / "out")
    assert [(s.state, s.detail) for s in states] == [
        ("skipped", "torch is not installed (pip install -e \".[peer]\")")]


SWITCHES_SPEC = """
steps = 300
[variants.authors]
schedule = "episode-end"
init = "pytorch"
learning_starts = 200
[[grid]]
tasks = ["MountainCarContinuous-v0"]
algorithms = ["td3-pytorch-peer"]
seeds = [0]
variants = ["authors"]
[[grid]]
tasks = ["MountainCarContinuous-v0"]
algorithms = ["td3-pytorch-peer"]
seeds = [0]
"""


def test_a_peer_variant_passes_its_options_and_values_and_its_folder_must_match(tmp_path):
    """A peer cell's variant: init and schedule as the peer's --init and --schedule, the rest
    as --set, on a start and on a resume alike (the peer refuses a resume with other options);
    a folder made with another schedule or value is refused, the matching one is taken."""
    from ddpg_numpy.study.spec import SpecError
    from ddpg_numpy.study.sweep import _check_same_run, command

    spec_path = tmp_path / "switches.toml"
    spec_path.write_text(SWITCHES_SPEC)
    switched, default = load_spec(spec_path, check_tasks=False).cells
    assert switched.group == "td3-pytorch-peer-authors" and default.group == "td3-pytorch-peer"
    for resume in (False, True):
        line = command(switched, tmp_path, resume)
        assert line[1].endswith("torch_peer.py")
        assert {"--init=pytorch", "--schedule=episode-end", "--set=learning_starts=200"} <= set(
            line)
        assert ("--resume" in line) == resume
        assert not {a for a in command(default, tmp_path, resume)
                    if a.startswith(("--init", "--schedule", "--set"))}
    assert switched.config().learning_starts == 200 != default.config().learning_starts

    def saved(cell, **changes):  # what the peer's config.json holds for a run of ``cell``
        record = {"env_id": cell.task, "seeds": [cell.seed], "steps": cell.steps,
                  "algorithm": "td3", **cell.peer_options, "config": cell.config().to_dict()}
        return {**record, **changes}

    folder = switched.folder(tmp_path)
    _check_same_run(switched, folder, saved(switched))  # its own run: taken
    _check_same_run(default, folder, saved(default))
    with pytest.raises(SpecError, match="schedule 'per-step' .the spec's: 'episode-end'."):
        _check_same_run(switched, folder, saved(switched, schedule="per-step"))
    with pytest.raises(SpecError, match="init 'pytorch' .the spec's: 'ours'."):
        _check_same_run(default, folder, saved(default, init="pytorch"))
    with pytest.raises(SpecError, match="learning_starts=200 .the spec's: 1000."):
        _check_same_run(default, folder, saved(switched, init="ours", schedule="per-step"))


def test_a_peer_variant_runs_with_its_options(tmp_path):
    """End to end: the switched peer cell's run records the spec's options and values."""
    pytest.importorskip("torch", reason="the PyTorch peer needs torch: pip install -e '.[peer]'")
    spec = tmp_path / "switches.toml"
    spec.write_text(SWITCHES_SPEC.split("[[grid]]")[0] + "[[grid]]" +
                    SWITCHES_SPEC.split("[[grid]]")[1])  # the switched cell only
    out = tmp_path / "out"
    result = sweep(spec, out)
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads((out / "MountainCarContinuous-v0" / "td3-pytorch-peer-authors" / "seed0"
                         / "config.json").read_text())
    assert (record["init"], record["schedule"]) == ("pytorch", "episode-end")
    assert record["config"]["learning_starts"] == 200
    assert "1 cells: 1 done, 0 to run" in sweep(spec, out).stdout
