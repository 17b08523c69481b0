"""Several seeds at once: each seed of a stacked agent (or run) is the solo agent (or run).

A stacked agent holds S independent agents along a leading axis: the same initial weights, the
same noise, the same replay samples and the same updates as S solo agents with those seeds.
Stacked matrix products are S separate products, so the numbers agree to floating-point
rounding (on most BLAS libraries exactly). Over thousands of steps a difference of one rounding
can grow — a nudged action sends an episode elsewhere — so long runs are compared statistically,
not number by number; these tests compare the first updates and a short run.
"""

import numpy as np
import pytest

from ddpg_numpy import DDPG, DDPGConfig, ReplayBuffer, train

SEEDS = [3, 4, 5]
TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1e-4, atol=1e-6)}


@pytest.mark.parametrize("dtype", ["float32", "float64"])  # fast path and plain code
def test_each_stacked_seed_matches_its_solo_agent(dtype):
    cfg = DDPGConfig(hidden=(32, 24), dtype=dtype, batch_size=16, tau=0.05, actor_lr=1e-3,
                     noise="ou", noise_sigma=0.3)
    stacked = DDPG(3, 2, [-1.0, -2.0], [1.0, 2.0], cfg, seed=SEEDS)
    solos = [DDPG(3, 2, [-1.0, -2.0], [1.0, 2.0], cfg, seed=s) for s in SEEDS]
    for i, solo in enumerate(solos):  # L1, L2: the same initial networks
        for name, net in solo.networks().items():
            np.testing.assert_array_equal(stacked.networks()[name].theta[i], net.theta)

    # L8–L10: the same exploring actions, stored in per-seed buffers.
    stacked_buffer = ReplayBuffer(100, 3, 2, dtype, stack=len(SEEDS))
    buffers = [ReplayBuffer(100, 3, 2, dtype) for _ in SEEDS]
    env = np.random.default_rng(0)  # stands in for the S environments
    for _ in range(40):
        obs, next_obs = env.normal(size=(3, 3)), env.normal(size=(3, 3))
        reward, terminated = env.normal(size=3), (env.random(3) < 0.1).astype(float)
        actions = stacked.act(obs, explore=True)
        for i, (solo, buffer) in enumerate(zip(solos, buffers)):
            np.testing.assert_allclose(actions[i], solo.act(obs[i], explore=True), **TOL[dtype])
            buffer.add(obs[i], actions[i], reward[i], next_obs[i], terminated[i])
        stacked_buffer.add(obs, actions, reward, next_obs, terminated)

    # L11–L15: the same minibatches and the same losses, update after update.
    for _ in range(20):
        batch = stacked_buffer.sample(16, stacked.rngs)
        metrics = stacked.update(batch)
        for i, (solo, buffer) in enumerate(zip(solos, buffers)):
            solo_batch = buffer.sample(16, solo.rng)
            np.testing.assert_array_equal(batch.obs[i], solo_batch.obs)
            solo_metrics = solo.update(solo_batch)
            for key, value in solo_metrics.items():
                np.testing.assert_allclose(metrics[key][i], value, **TOL[dtype], err_msg=key)
    for i, solo in enumerate(solos):
        for name, net in solo.networks().items():
            np.testing.assert_allclose(stacked.networks()[name].theta[i], net.theta,
                                       **TOL[dtype], err_msg=name)


def test_a_stacked_run_logs_what_solo_runs_log():
    cfg = DDPGConfig.preset("Pendulum-v1", hidden=(16, 16), batch_size=32, warmup_steps=100,
                            learning_starts=100, eval_every=200, eval_episodes=2)
    stacked = train("Pendulum-v1", cfg, steps=400, seeds=[0, 1], progress=False)
    for seed in (0, 1):
        solo = train("Pendulum-v1", cfg, steps=400, seed=seed, progress=False)
        rows = [r for r in stacked.progress if r["seed"] == seed]
        assert [r["step"] for r in rows] == [r["step"] for r in solo.progress] == [200, 400]
        for row, solo_row in zip(rows, solo.progress):
            for key in ("eval_return_mean", "train_return", "critic_loss", "q_mean",
                        "actor_objective", "updates", "episodes"):
                assert row[key] == pytest.approx(solo_row[key], rel=1e-4, abs=1e-6), key
        np.testing.assert_allclose(stacked.agent.actor.theta[seed], solo.agent.actor.theta,
                                   **TOL["float32"])
