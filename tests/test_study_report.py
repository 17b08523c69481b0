"""``sweep-report``: each seed's window mean, then per group the mean and IQM over seeds with
their stratified-bootstrap intervals, from the run folders' progress.csv (ours and the peer's)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from ddpg_numpy.cli import main
from ddpg_numpy.lab.run_folder import PROGRESS_FIELDS
from ddpg_numpy.study.intervals import summarize, window_mean
from ddpg_numpy.study.report import collect, table_rows
from ddpg_numpy.study.spec import load_spec

pytest.importorskip("rliable")
REPS = 1000  # bootstrap resamples: rliable's take seconds per thousand; the command's are 20,000

SPEC = """
steps = 1000
[report]
window = [600, 1000]
[[grid]]
tasks = ["Pendulum-v1"]
algorithms = ["td3", "td3-pytorch-peer"]
seeds = "0-3"
[[grid]]
tasks = ["Pendulum-v1"]
algorithms = ["ddpg"]
seeds = [0]
"""


def write_progress(folder, seed, returns, steps=None):
    """A run folder's progress.csv with these evaluation returns every 200 steps."""
    folder.mkdir(parents=True)
    steps = steps or list(range(200, 200 * len(returns) + 1, 200))
    with open(folder / "progress.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=PROGRESS_FIELDS)
        writer.writeheader()
        for step, value in zip(steps, returns):
            writer.writerow({**dict.fromkeys(PROGRESS_FIELDS, 0), "step": step, "seed": seed,
                             "eval_return_mean": value})


@pytest.fixture
def sweep_folder(tmp_path):
    rng = np.random.default_rng(5)
    truth = {}
    for group, centre in (("td3", -200.0), ("td3-pytorch-peer", -400.0)):
        for seed in range(4):
            returns = list(centre + 50 * rng.standard_normal(5))
            if group == "td3-pytorch-peer" and seed == 3:
                returns = returns[:3]  # still training: its run has not reached step 1000
            write_progress(tmp_path / "out" / "Pendulum-v1" / group / f"seed{seed}", seed,
                           returns)
            truth[(group, seed)] = returns
    write_progress(tmp_path / "out/Pendulum-v1/ddpg/seed0", 0, [-1.0, -2.0, -3.0, -4.0, -5.0])
    (tmp_path / "spec.toml").write_text(SPEC)
    return tmp_path, truth


def test_each_group_is_the_mean_and_iqm_of_its_seeds_window_means(sweep_folder):
    folder, truth = sweep_folder
    spec = load_spec(folder / "spec.toml", check_tasks=False)
    groups = {g.group: g for g in collect(spec, folder / "out")}
    steps = np.array([200, 400, 600, 800, 1000])
    expected = [window_mean(steps, np.array(truth[("td3", s)]), 600, 1000) for s in range(4)]
    assert groups["td3"].scores == pytest.approx(expected)
    assert expected[0] == pytest.approx(np.mean(truth[("td3", 0)][2:]))  # steps 600, 800, 1000
    assert groups["td3-pytorch-peer"].seeds == [0, 1, 2]
    assert groups["td3-pytorch-peer"].missing == [3]

    rows = {r["group"]: r for r in table_rows(list(groups.values()), reps=REPS)}
    reference = summarize({"td3": np.array(expected)}, reps=REPS)["td3"].as_row()
    assert {k: rows["td3"][k] for k in reference} == pytest.approx(reference)
    assert rows["td3"]["mean_low"] < rows["td3"]["mean"] < rows["td3"]["mean_high"]
    assert rows["td3-pytorch-peer"]["n"] == 3
    assert rows["ddpg"]["n"] == 1 and "mean_low" not in rows["ddpg"]  # no interval from 1 seed
    assert rows["ddpg"]["mean"] == pytest.approx(-4.0)


def test_the_command_writes_the_table_and_figure(sweep_folder, capsys):
    folder, _ = sweep_folder
    code = main(["sweep-report", str(folder / "out"), "--spec", str(folder / "spec.toml"),
                 "--out", str(folder / "report"), "--reps", str(REPS)])
    out = capsys.readouterr().out
    assert code == 0
    assert "| Pendulum-v1 | td3-pytorch-peer | 600–1,000 | 3 |" in out
    for name in ("report.md", "report.csv", "report.png"):
        assert (folder / "report" / name).stat().st_size > 0
    rows = list(csv.DictReader(open(folder / "report" / "report.csv")))
    assert [r["group"] for r in rows] == ["td3", "td3-pytorch-peer", "ddpg"]
    assert (folder / "report" / "report.md").read_text() in out


def test_a_report_without_a_window_or_runs_is_one_line(sweep_folder, capsys):
    folder, _ = sweep_folder
    (folder / "no_window.toml").write_text(SPEC.replace("[report]\nwindow = [600, 1000]\n", ""))
    code = main(["sweep-report", str(folder / "out"), "--spec", str(folder / "no_window.toml")])
    assert code == 2 and "names no window" in capsys.readouterr().err
    code = main(["sweep-report", str(folder / "empty"), "--spec", str(folder / "spec.toml")])
    assert code == 2 and "no sweep folder" in capsys.readouterr().err


def test_a_window_per_task(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text('[steps]\nPendulum-v1 = 1000\nMountainCarContinuous-v0 = 3000\n'
                    '[report.window]\nPendulum-v1 = [600, 1000]\n'
                    'MountainCarContinuous-v0 = [2000, 3000]\n[[grid]]\n'
                    'tasks = ["Pendulum-v1", "MountainCarContinuous-v0"]\n'
                    'algorithms = ["td3"]\nseeds = "0-1"\n')
    assert load_spec(spec, check_tasks=False).window == {
        "Pendulum-v1": (600, 1000), "MountainCarContinuous-v0": (2000, 3000)}
    spec.write_text(spec.read_text().replace("[2000, 3000]", "[2000, 4000]"))
    with pytest.raises(ValueError, match="window ends at 4000 for MountainCarContinuous-v0"):
        load_spec(spec, check_tasks=False)
