"""The benchmark scripts still run: each one end to end on tiny settings (numbers not judged).

They are run by hand and their results go into README tables, so nothing else would notice if a
change to the package broke one. Speeds are measured by the scripts themselves, never here.
"""

import csv
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import (  # noqa: E402
    ablations,
    end_to_end,
    learning,
    seed_scaling,
    td3_end_to_end,
    update_speed,
)


def test_seed_scaling_prints_the_table_and_the_fit(capsys):
    assert seed_scaling.main(["--stacks", "1,2", "--steps", "20", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "| seeds in one process | 1 | 2 |" in out and "fit: step ≈ F + S·m" in out


def test_end_to_end_compares_one_process_and_workers(capsys):
    assert end_to_end.main(["--skip", "halfcheetah,pendulum,solve", "--seeds", "0-2",
                            "--seed-steps", "1100", "--repeats", "1", "--workers", "1,2"]) == 0
    out = capsys.readouterr().out
    assert "3 Pendulum-v1 seeds at once vs 1, one process" in out
    assert "3 Pendulum-v1 seeds at once vs 1, 2 worker processes" in out


def test_update_speed_without_torch(capsys):
    assert update_speed.main(["--rounds", "1", "--seconds", "0.02", "--no-torch",
                              "--no-two-threads"]) == 0
    assert "| 400-300 / batch 256 |" in capsys.readouterr().out


def test_learning_writes_its_results(tmp_path, capsys):
    out = tmp_path / "learning"
    # Networks this small do not learn in 10,000 steps: the script must say so (exit code 1).
    assert learning.main(["--seeds", "0-1", "--steps", "10000", "--solo-steps", "0",
                          "--set", "hidden=(16, 16)", "--out", str(out)]) == 1
    text = (out / "learning_results.md").read_text()
    assert "| seed | first step ≥ −200 |" in text and "- FAIL: " in text


@pytest.mark.parametrize("name", ["preset", "gaussian_matched"])
def test_ablations_write_a_csv_and_their_conditions(tmp_path, name):
    out = tmp_path / "ablations"
    assert ablations.main(["--only", name, "--steps", "1000", "--seeds", "0-1",
                           "--eval-episodes", "2", "--out", str(out)]) == 0
    rows = (out / f"{name}.csv").read_text().splitlines()
    assert rows[0].split(",") == ablations.COLUMNS and len(rows) == 1 + 2  # 1 evaluation, 2 seeds
    conditions = json.loads((out / "conditions.json").read_text())
    assert list(conditions) == [name] and conditions[name]["seeds"] == [0, 1]
    blas = [lib for lib in conditions[name]["blas"]["threadpool_info"] if lib["user_api"] == "blas"]
    assert blas and blas[0]["architecture"]  # the kernel the condition's numbers came from


def test_update_speed_td3_times_cleanrls_shape_without_torch(capsys):
    assert update_speed.main(["--algo", "td3", "--rounds", "1", "--seconds", "0.02",
                              "--no-torch", "--no-two-threads"]) == 0
    out = capsys.readouterr().out
    assert "| 256-256 / batch 256 |" in out and "400-300" not in out


@pytest.mark.parametrize("numpy_rate, ratio, verdict", [(300.0, "2.00×", "✔"),
                                                        (200.0, "1.33×", "✘")])
def test_td3_ratio_is_against_pytorch_on_one_thread(numpy_rate, ratio, verdict):
    # PyTorch on 2 threads is faster here, but the threshold is per thread: 1 vs 1.
    results = {"256-256 / batch 256": {"NumPy fast path": [numpy_rate, numpy_rate],
                                       "PyTorch 1 thread": [150.0, 150.0],
                                       "PyTorch 2 threads": [250.0, 260.0]}}
    row = update_speed.table(results, algo="td3").splitlines()[-1]
    assert f"{ratio} (vs PyTorch 1 thread)" in row and row.endswith(f"≥ 1.5× {verdict} |")


def test_cleanrl_td3_moves_the_actor_and_targets_every_second_update():
    torch = pytest.importorskip("torch")
    from benchmarks.torch_td3_baseline import CLEANRL, make_torch_td3_update

    update = make_torch_td3_update(obs_dim=3, act_dim=1, hidden=(8, 8), batch_size=16)
    nets = update.networks

    def params(name):
        return torch.cat([p.detach().flatten() for p in nets[name].parameters()]).clone()

    before = {name: params(name) for name in nets}
    update()  # critic update 1: both critics move, the actor and the targets wait (d = 2)
    after_one = {name: params(name) for name in nets}
    for name in ("qf1", "qf2"):
        assert not torch.equal(after_one[name], before[name]), name
    for name in ("actor", "target_actor", "qf1_target", "qf2_target"):
        assert torch.equal(after_one[name], before[name]), name
    update()  # critic update 2: the actor and all three targets move, by τ toward the online
    after_two = {name: params(name) for name in nets}
    assert not torch.equal(after_two["actor"], before["actor"])
    for online, target in (("actor", "target_actor"), ("qf1", "qf1_target"),
                           ("qf2", "qf2_target")):
        expected = before[target] + CLEANRL["tau"] * (after_two[online] - before[target])
        assert torch.allclose(after_two[target], expected, atol=1e-6), target


def test_learning_runs_td3_in_workers(tmp_path, capsys):
    out = tmp_path / "learning_td3"
    learning.main(["--algo", "td3", "--seeds", "0-1", "--steps", "10000", "--solo-steps", "0",
                   "--workers", "2", "--set", "hidden=(16, 16)", "--set", "eval_episodes=2",
                   "--out", str(out)])
    text = (out / "learning_results.md").read_text()
    assert text.startswith("## TD3 on Pendulum-v1, preset with hidden=(16, 16), eval_episodes=2, "
                           "seeds 0-1")
    assert "--algo td3 --seeds 0-1 --steps 10000 --solo-steps 0 --workers 2" in text
    assert "Config: `TD3Config(" in text and (out / "stacked" / "workers").is_dir()


def test_update_profile_splits_the_update_into_products_and_the_rest():
    from benchmarks import update_profile

    share = update_profile.matmul_share("td3", updates=5)
    assert 0 < share["matmul_us"] < share["update_us"] and 0 < share["share"] < 1
    assert share["calls"] > 20  # every layer's forward and backward product is counted
    assert update_profile.fast_update.np is np  # the timing wrapper is taken out again


TD3_E2E_TINY = ["--steps", "100", "--warmup", "100", "--repeats", "1", "--hidden", "8", "8",
                "--batch", "16"]


def test_td3_end_to_end_measures_ours_through_train_without_torch(capsys):
    pytest.importorskip("mujoco")
    assert td3_end_to_end.main([*TD3_E2E_TINY, "--no-torch"]) == 0
    out = capsys.readouterr().out
    assert "PyTorch skipped (--no-torch)" in out and "| ours (NumPy fast path) | **" in out
    assert "PyTorch 1 thread |" not in out and "not measured (no PyTorch)" in out


def test_td3_end_to_end_says_how_to_install_a_missing_torch(capsys, monkeypatch):
    pytest.importorskip("mujoco")
    monkeypatch.setattr(td3_end_to_end, "torch_available", lambda: False)
    assert td3_end_to_end.main(TD3_E2E_TINY) == 0
    assert "pip install torch==2.13.0" in capsys.readouterr().out


def test_td3_end_to_end_against_cleanrls_loop_in_pytorch(capsys):
    pytest.importorskip("mujoco")
    torch = pytest.importorskip("torch")
    from ddpg_numpy.fast.denormals import SUPPORTED, denormals_flushed_now

    assert td3_end_to_end.main(TD3_E2E_TINY) == 0
    out = capsys.readouterr().out
    for name in td3_end_to_end.TORCH_VARIANTS:  # each with its ratio ours ÷ it
        assert next(line for line in out.splitlines()
                    if line.startswith(f"| {name} |")).count("×") == 1, name
    assert "Ours ÷ PyTorch 1 thread: " in out and "the threshold 2×" in out
    assert f"PyTorch {torch.__version__}" in out
    # The flushed and 2-thread variants change process-wide settings: both are undone.
    assert torch.get_num_threads() == 1 and not (SUPPORTED and denormals_flushed_now())


def test_the_pytorch_update_trains_on_the_minibatch_it_is_given():
    torch = pytest.importorskip("torch")
    from benchmarks.torch_td3_baseline import make_torch_td3_update

    update = make_torch_td3_update(obs_dim=3, act_dim=1, hidden=(8, 8), batch_size=16)
    buffer, rng = td3_end_to_end.RingBuffer(4, obs_dim=3, act_dim=1), np.random.default_rng(0)
    for reward in (1.0, 2.0, 3.0, 4.0, np.nan, np.nan):  # the NaNs overwrite the first two
        buffer.add(rng.normal(size=3), rng.uniform(-1, 1, 1), reward, rng.normal(size=3), False)
    batch = buffer.sample(16, rng)
    assert sorted(set(batch[2][~np.isnan(batch[2])])) == [3.0, 4.0] and np.isnan(batch[2]).any()
    td3_end_to_end.batch_loader(update)(batch)
    update()  # had it trained on its own fixed batch, the critics would stay finite
    assert not torch.isfinite(update.networks["qf1"].fc3.weight).all()


def test_td3_end_to_end_refuses_a_warmup_shorter_than_a_minibatch(capsys):
    with pytest.raises(SystemExit) as stop:
        td3_end_to_end.main(["--warmup", "100", "--batch", "256"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and "raise --warmup" in err


def test_fast_defaults_suite_prints_its_commands_ours_and_the_peers():
    from benchmarks import fast_defaults_suite as suite

    printed = suite.commands("runs/suite")
    assert len(printed) == len(suite.CELLS) and len(set(printed)) == len(printed)
    assert printed[0] == ("python -m ddpg_numpy train --env InvertedPendulum-v5 --algo ddpg "
                          f"--seed 0 --steps {suite.STEPS['InvertedPendulum-v5']} "
                          "--out runs/suite/InvertedPendulum-v5/ddpg/seed0 --no-progress")
    peers = [c for c in printed if "torch_peer.py" in c]
    assert peers and len(peers) == sum(c.is_peer for c in suite.CELLS)
    assert all(("--algo ddpg" in c) == ("/ddpg-pytorch-peer/" in c) for c in peers)


def test_fast_defaults_suite_marks_follow_the_task():
    from benchmarks import fast_defaults_suite as suite

    assert suite.success_mark("InvertedPendulum-v5", 5.0, 950.0)[0] == 1000.0
    assert suite.success_mark("MountainCarContinuous-v0", -33.4, 90.0) == (
        90.0, "gymnasium's threshold")
    assert suite.success_mark("Pusher-v5", -150.0, 0.0)[0] == -75.0  # 0 cannot be reached
    rows = [{"step": "200", "eval_return_mean": "3"}, {"step": "400", "eval_return_mean": "9"},
            {"step": "600", "eval_return_mean": "4"}]
    assert suite.first_success(rows, 9.0) == 400 and suite.first_success(rows, 9.5) is None


def test_fast_defaults_suite_collects_complete_runs_ours_and_the_peers(tmp_path, monkeypatch,
                                                                        capsys):
    from benchmarks import fast_defaults_suite as suite
    from ddpg_numpy import DDPGConfig, train

    task = "InvertedPendulum-v5"
    monkeypatch.setattr(suite, "STEPS", {**suite.STEPS, task: 400})
    cfg = DDPGConfig.fast_defaults(hidden=(16, 16), warmup_steps=100, learning_starts=100,
                                   eval_every=200, eval_episodes=2)
    runs, out = tmp_path / "runs", tmp_path / "out"
    run = runs / task / "ddpg" / "seed0"
    train(task, cfg, 400, seed=0, out=run, progress=False)
    shutil.copytree(run, runs / task / "ddpg-pytorch-peer" / "seed0")  # the peer's layout
    still_training = runs / task / "ddpg" / "seed1"  # a run at step 200 of 400
    shutil.copytree(run, still_training)
    lines = (still_training / "progress.csv").read_text().splitlines(keepends=True)
    (still_training / "progress.csv").write_text("".join(lines[:-1]))
    earlier = out / task / "ddpg" / "seed2"  # shipped by an earlier spec with other steps
    earlier.mkdir(parents=True)
    (earlier / "config.json").write_text('{"steps": 20000}')

    assert suite.main(["--runs", str(runs), "--out", str(out)]) == 0
    table = capsys.readouterr().out
    ours, peer = out / task / "ddpg", out / "pytorch_peer" / task / "ddpg"
    assert sorted(p.name for p in ours.iterdir()) == ["seed0"]  # not seed1, seed2 removed
    assert (peer / "seed0" / "progress.csv").read_text() == (run / "progress.csv").read_text()
    assert (peer / "seed0" / "blas.json").read_text() == (run / "blas.json").read_text()
    last = float(suite.read_rows(run)[-1]["eval_return_mean"])
    reached = suite.first_success(suite.read_rows(run), 1000.0)
    count = f"**{int(reached is not None)} / 1** (0: {'—' if reached is None else f'{reached:,}'})"
    assert (f"| {task} | 400 | 1,000 (the most an episode returns) | DDPG | {count}; last "
            f"{last:,.1f} | {count}; last {last:,.1f} | ") in table
    assert "950" in table  # gymnasium's reward_threshold for the task
    with open(out / "summary.csv", newline="") as f:
        rows = {r["group"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"ddpg", "ddpg-pytorch-peer"} and rows["ddpg"]["seeds"] == "0"
    assert suite.shipped_table(out) in table  # the docs' table, from the shipped files alone


def test_the_presets_counts_are_the_shipped_suites():
    """presets.py's comments state the suite's counts as '<ALGO>[ (PyTorch peer)] on <task>: k of
    n'; each must be what checkpoints/fast_defaults/ holds."""
    from benchmarks import fast_defaults_suite as suite

    lines = (ROOT / "ddpg_numpy" / "core" / "presets.py").read_text().splitlines()
    comments = " ".join(line.strip().lstrip("#").strip() for line in lines)
    claims = re.findall(r"\b(DDPG|TD3)( \(PyTorch peer\))? on ([\w-]+-v\d): (\d+) of (\d+)",
                        comments)
    assert len(claims) >= 5, "presets.py no longer states the suite's counts"
    counts = suite.shipped_counts()
    for algo, peer, task, k, n in claims:
        group = algo.lower() + ("-pytorch-peer" if peer else "")
        assert counts[task, group] == (int(k), int(n)), (
            f"presets.py says {algo}{peer} on {task}: {k} of {n}; the shipped runs give "
            f"{counts[task, group][0]} of {counts[task, group][1]}")


def test_fast_defaults_suite_without_runs_is_one_line(tmp_path, capsys):
    from benchmarks import fast_defaults_suite as suite

    with pytest.raises(SystemExit) as exit_:
        suite.main(["--runs", str(tmp_path / "none"), "--out", str(tmp_path / "out")])
    assert exit_.value.code == 2
    assert "train the suite first" in capsys.readouterr().err


def test_peer_speed_times_ours_and_the_peer_in_turns_and_writes_the_table(tmp_path, capsys):
    """peer_speed.py: each repeat runs ours, then the peer, on the preset with the short-run
    changes; the ratio column is ours ÷ peer of the same repeat; --write puts the same text in
    the file."""
    pytest.importorskip("torch", reason="the PyTorch peer needs torch: pip install -e '.[peer]'")
    from benchmarks import peer_speed

    out = tmp_path / "peer_speed.md"
    assert peer_speed.main(["--env", "InvertedPendulum-v5", "--steps", "200", "--warmup", "200",
                            "--repeats", "2", "--write", str(out)]) == 0
    printed = capsys.readouterr().out
    rates = [tuple(map(float, m)) for m in re.findall(
        r"repeat \d: ours (\d+), the peer (\d+) learning steps/s", printed)]
    assert len(rates) == 2
    ratios = re.search(r"\| \*\*[\d.]+×\*\* \(([\d.]+), ([\d.]+)\) \|", out.read_text())
    for (ours, peer), ratio in zip(rates, ratios.groups()):
        assert float(ratio) == pytest.approx(ours / peer, rel=0.02)  # printed rounded
    assert "InvertedPendulum-v5" in out.read_text() and out.read_text() in printed
    assert "Command: `python benchmarks/peer_speed.py --env InvertedPendulum-v5" in printed


@pytest.mark.parametrize("argv, problem", [
    (["--env", "Pendulum-v0"], "has no preset"),
    (["--warmup", "50"], "below the preset's batch 100"),
])
def test_peer_speed_refuses_bad_arguments_in_one_line(argv, problem, capsys):
    from benchmarks import peer_speed

    with pytest.raises(SystemExit) as stop:
        peer_speed.main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and problem in err and err.count("\n") == 1, err
