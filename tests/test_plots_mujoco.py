"""plots.mujoco: our MuJoCo runs beside the TD3 paper's curves, from a small fake checkpoints
folder laid out as checkpoints/mujoco/ (benchmarks/mujoco_table.py writes the real one)."""

import csv
import json
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display in tests

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from plots_helpers import assert_written  # noqa: E402

from ddpg_numpy import figures as F  # noqa: E402
from ddpg_numpy import plots as P  # noqa: E402
from ddpg_numpy.lab.run_logs import PROGRESS_FIELDS  # noqa: E402
from ddpg_numpy.plots.mujoco import (  # noqa: E402
    UNFINISHED_FILE,
    bootstrap_band,
    load_groups,
    mean_and_std,
)

STEPS = range(5000, 200_001, 5000)


def ours(step, algo, seed):
    """Known evaluation returns: TD3 climbs faster than DDPG, seeds 100 apart."""
    return step / (40 if algo == "td3" else 100) + 100 * seed


def paper(step, seed):
    return step / 50 + 200 * (seed - 1)  # seeds 0, 1, 2: mean step / 50, std 163.3


def write_folder(root, last_step=None):
    """Hopper-v5 and Walker2d-v5, DDPG and TD3, seeds 0 and 1 (Walker2d's TD3 seed 1 stopping
    at ``last_step``), no HalfCheetah; the paper's curves for all three tasks, 3 seeds."""
    for env in ("Hopper-v5", "Walker2d-v5"):
        for algo in ("ddpg", "td3"):
            for seed in (0, 1):
                run = root / env / algo / f"seed{seed}"
                run.mkdir(parents=True)
                stop = last_step if (env, algo, seed) == ("Walker2d-v5", "td3", 1) else None
                with open(run / "progress.csv", "w", newline="") as f:
                    writer = csv.DictWriter(f, PROGRESS_FIELDS)
                    writer.writeheader()
                    for step in STEPS:
                        if stop is None or step <= stop:
                            writer.writerow({k: 0 for k in PROGRESS_FIELDS} | {
                                "step": step, "seed": seed,
                                "eval_return_mean": ours(step, algo, seed)})
                (run / "config.json").write_text(json.dumps({"env_id": env, "steps": 200_000}))
    with open(root / P.PAPER_CURVES_FILE, "w") as f:
        f.write("# where the numbers come from\nenv,seed,step,return\n")
        for task in ("HalfCheetah", "Hopper", "Walker2d"):
            for seed in range(3):
                for step in range(0, 300_001, 5000):
                    f.write(f"{task}-v1,{seed},{step},{paper(step, seed)}\n")
    return root


def test_loaders_read_runs_and_the_papers_curves(tmp_path):
    root = write_folder(tmp_path, last_step=150_000)
    runs, ref = P.load_mujoco_runs(root), P.load_paper_curves(root / P.PAPER_CURVES_FILE)
    assert sorted(runs) == ["Hopper-v5", "Walker2d-v5"] and sorted(runs["Hopper-v5"]) == \
        ["ddpg", "td3"]
    partial = runs["Walker2d-v5"]["td3"]
    np.testing.assert_array_equal(partial.last_steps(), [200_000, 150_000])
    assert partial.at(150_000) is not None and partial.at(155_000) is None
    assert np.isnan(partial.mean()[partial.steps == 200_000]).all()
    np.testing.assert_allclose(runs["Hopper-v5"]["td3"].at(100_000), [2500, 2600])
    assert sorted(ref) == ["HalfCheetah", "Hopper", "Walker2d"] and ref["Hopper"].seeds == [0, 1, 2]
    mean, std = mean_and_std(ref["Hopper"].at(200_000))
    assert mean == pytest.approx(4000) and std == pytest.approx(200)  # ddof 1
    (root / "Walker2d-v5/td3/seed1" / UNFINISHED_FILE).write_text("copied at step 150000")
    assert load_groups(root)["ours TD3"]["Walker2d"].seeds == [0]  # marked: left out
    assert load_groups(root, unfinished=True)["ours TD3"]["Walker2d"].seeds == [0, 1]
    assert list(load_groups(root)) == ["ours DDPG", "ours TD3", "paper, camera-ready"]


def test_each_panel_draws_every_seed_their_means_and_the_papers_band(tmp_path):
    root = write_folder(tmp_path)
    fig = P.plot_mujoco_folder(root)
    assert [ax.get_title().split(" ")[0] for ax in fig.axes] == \
        ["HalfCheetah", "Hopper", "Walker2d"]
    hopper = fig.axes[1]
    # DDPG and TD3: 2 seeds + mean each, a bootstrap band each; the paper: mean and its band.
    assert len(hopper.lines) == 7 and len(hopper.collections) == 3
    steps = np.array(STEPS, dtype=float)
    td3_mean = [line for line in hopper.lines if line.get_label().startswith("ours TD3")][0]
    np.testing.assert_allclose(td3_mean.get_ydata(), steps / 40 + 50)
    band = hopper.collections[-1].get_paths()[0].vertices  # the paper's: ± half a std (ddof 1)
    assert band[:, 1].max() == pytest.approx(4000 + 0.5 * 200)
    assert band[:, 0].max() == 200_000  # the paper's curves stop at the plot's 200k
    ours_band = hopper.collections[1].get_paths()[0].vertices  # TD3's: between its two seeds
    assert ours_band[:, 1].max() == pytest.approx(5100) and \
        ours_band[:, 1].min() == pytest.approx(5000 / 40)  # both seed 0
    assert "seeds: DDPG 2 · TD3 2 · paper 3" in hopper.get_title()
    assert len(fig.axes[0].lines) == 1  # HalfCheetah: the paper's mean only
    labels = fig.axes[0].get_legend().get_texts()
    assert len(labels) == 3  # the paper's band, our DDPG, our TD3: once for the figure
    assert_written(P.save_figure(fig, tmp_path / "mujoco.png"))


def test_bootstrap_band_holds_the_mean_and_stays_within_the_seeds():
    values = np.array([[0.0, 10.0], [2.0, 10.0], [4.0, 13.0]])
    low, high = bootstrap_band(values, reps=500)
    assert np.all(low <= values.mean(axis=0)) and np.all(values.mean(axis=0) <= high)
    assert np.all(low >= values.min(axis=0)) and np.all(high <= values.max(axis=0))
    assert low[0] < 2 < high[0]
    np.testing.assert_array_equal(bootstrap_band(values, reps=500)[0], low)  # seeded


def test_figures_draws_the_mujoco_curves_only_when_the_folder_exists(tmp_path):
    assert F.mujoco_learning_curves(SimpleNamespace(mujoco=tmp_path / "none"), tmp_path) == []
    inputs = SimpleNamespace(mujoco=write_folder(tmp_path / "mujoco"))
    (path,) = F.mujoco_learning_curves(inputs, tmp_path / "figures")
    assert path.name == "mujoco_learning_curves.png"
    assert_written(path)
