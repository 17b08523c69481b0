"""The benchmark scripts still run: each one end to end on tiny settings (numbers not judged).

They are run by hand and their results go into README tables, so nothing else would notice if a
change to the package broke one. Speeds are measured by the scripts themselves, never here.
"""

import json
import sys
from pathlib import Path

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
