"""The benchmark scripts still run: each one end to end on tiny settings (numbers not judged).

They are run by hand and their results go into README tables, so nothing else would notice if a
change to the package broke one. Speeds are measured by the scripts themselves, never here.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import ablations, end_to_end, learning, seed_scaling, update_speed  # noqa: E402


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


def test_update_speed_td3_times_cleanrls_shape_without_torch(capsys):
    assert update_speed.main(["--algo", "td3", "--rounds", "1", "--seconds", "0.02",
                              "--no-torch", "--no-two-threads"]) == 0
    out = capsys.readouterr().out
    assert "| 256-256 / batch 256 |" in out and "400-300" not in out


@pytest.mark.parametrize("numpy_rate, ratio, verdict", [(300.0, "2.00×", "✔"),
                                                        (200.0, "1.33×", "✘")])
def test_td3_ratio_is_against_pytorch_on_one_thread(numpy_rate, ratio, verdict):
    # PyTorch on 2 threads is faster here, but issue 14's target is per thread: 1 vs 1.
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

