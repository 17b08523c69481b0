"""lab.loop_state: the metrics logged between evaluations."""

import numpy as np

from ddpg_numpy.lab.loop_state import METRICS, LoopState


def test_a_metric_absent_from_some_updates_is_averaged_over_the_updates_that_have_it():
    """TD3's delayed actor reports no objective (NaN) on the updates where it does not move."""
    loop = LoopState(n_envs=2)
    for k in range(4):
        objective = np.array([np.nan, np.nan]) if k % 2 else np.array([1.0 + k, 10.0 + k])
        loop.add_metrics({"critic_loss": np.array([k, 2 * k], float), "q_mean": 0.5,
                          "actor_objective": objective})
    rows = loop.progress_rows([0, 1], np.zeros((2, 3)), updates=4)
    assert [r["actor_objective"] for r in rows] == [(1 + 3) / 2, (10 + 12) / 2]
    assert [r["critic_loss"] for r in rows] == [6 / 4, 12 / 4]  # every update has it
    assert loop.metric_counts == [[0, 0]] * len(METRICS)  # reset for the next evaluation


def test_saved_state_round_trips_with_its_counts_and_older_checkpoints_still_load():
    loop = LoopState(n_envs=1)
    loop.add_metrics({"critic_loss": 2.0, "q_mean": 1.0, "actor_objective": np.nan})
    saved = loop.to_saved()
    again = LoopState.from_saved(saved, [None], [[]], n_envs=1)
    assert again.metric_counts == [[1], [1], [0]]
    older = {k: v for k, v in saved.items() if k != "metric_counts"}  # before counts existed
    assert LoopState.from_saved(older, [None], [[]], n_envs=1).metric_counts == [[1], [1], [1]]


def test_the_progress_bar_shows_no_time_left_during_random_warm_up(capsys):
    from ddpg_numpy import DDPGConfig, train

    cfg = DDPGConfig.preset("Pendulum-v1", hidden=(8, 8), eval_every=400, eval_episodes=1,
                            warmup_steps=300, learning_starts=300)
    train("Pendulum-v1", cfg, steps=400, seed=0, progress=True)
    frames = capsys.readouterr().err.replace("\r", "\n").splitlines()
    warm = [f for f in frames if "random warm-up actions" in f]
    assert warm and all("<" not in f for f in warm)  # tqdm writes "elapsed<remaining"
    learning = [f for f in frames if "400/400" in f]
    assert learning and "random warm-up" not in learning[-1] and "<" in learning[-1]
