"""Shared by the tests of ddpg_numpy.plots: tiny agents, a fake run folder, file checks."""

import csv

from ddpg_numpy import DDPG, DDPGConfig
from ddpg_numpy.lab.run_logs import PROGRESS_FIELDS

TINY = DDPGConfig(hidden=(8, 8), dtype="float64")


def pendulum_agent(seed=0):
    agent = DDPG(3, 1, [-2.0], [2.0], TINY, seed=seed)
    agent.env_id = "Pendulum-v1"
    return agent


def write_run(folder, seeds=(0, 1, 2), steps=(100, 200, 300)):
    """A progress.csv with known numbers: eval_return_mean = -1000 + step + 10 * seed."""
    folder.mkdir(parents=True)
    with open(folder / "progress.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, PROGRESS_FIELDS)
        writer.writeheader()
        for step in steps:
            for seed in seeds:
                writer.writerow({k: 0 for k in PROGRESS_FIELDS} | {
                    "step": step, "seed": seed, "eval_return_mean": -1000 + step + 10 * seed,
                    "critic_loss": "nan" if step == steps[0] else 1.0 / step,
                    "q_mean": -step / 10})
    return folder


def assert_written(path):
    assert path.is_file() and path.stat().st_size > 0
