"""plots.rollout: episodes of μ(s), their GIFs and notebook animations.

Every function runs on small inputs, returns its figure, writes a non-empty file, draws
the numbers it claims to draw, and rejects wrongly shaped input with a clear error."""

import numpy as np
import pytest
from PIL import Image
from plots_helpers import TINY, assert_written, pendulum_agent

from ddpg_numpy import DDPG
from ddpg_numpy import plots as P
from ddpg_numpy.lab.envs import make_env


def test_rollout_matches_stepping_the_env_by_hand():
    agent = pendulum_agent()
    run = P.rollout(agent, "Pendulum-v1", seed=3, steps=5)
    assert run.observations.shape == (6, 3) and run.actions.shape == (5, 1)
    env = make_env("Pendulum-v1")
    obs, _ = env.reset(seed=3)
    for t in range(5):
        obs, reward, *_ = env.step(agent.act(obs))
        assert np.isclose(run.rewards[t], reward)
    np.testing.assert_allclose(run.observations[-1], obs)


def test_rollout_rejects_an_agent_for_another_env():
    with pytest.raises(ValueError, match="observations of shape"):
        P.rollout(DDPG(4, 1, [-1], [1], TINY), "Pendulum-v1", steps=2)


def test_crop_box_keeps_everything_drawn():
    frames = np.full((2, 50, 60, 3), 255, dtype=np.uint8)
    frames[0, 10:20, 30:35] = 0
    frames[1, 25:28, 12:14] = 0
    rows, cols = P.crop_box(frames, pad=0.0)
    for t in range(2):  # nothing drawn is cut off, and the crop is much smaller than the frame
        assert (frames[t] < 255).sum() == (frames[t, rows, cols] < 255).sum()
    assert (rows.stop - rows.start) * (cols.stop - cols.start) < 0.25 * 50 * 60


def test_save_rollout_gif_and_html(tmp_path):
    agent = pendulum_agent([0, 1])
    path = P.save_rollout_gif(agent, "Pendulum-v1", tmp_path / "roll.gif", steps=6, every=2,
                              agent_seed=1, dpi=30)
    assert_written(path)
    assert Image.open(path).n_frames == 3
    html = P.rollout_animation_html(agent, "Pendulum-v1", steps=2, every=1, dpi=20)
    assert isinstance(html, str) and "<script" in html and html._repr_html_() == html
    with pytest.raises(ValueError, match=r"\*\.gif"):
        P.save_rollout_gif(agent, "Pendulum-v1", tmp_path / "roll.mp4")


def test_rollout_animation_needs_frames():
    run = P.rollout(pendulum_agent(), "Pendulum-v1", steps=2)
    with pytest.raises(ValueError, match="render=True"):
        P.rollout_animation(run)
