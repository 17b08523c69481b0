"""Rollouts of the deterministic policy μ(s): one episode's record, and its GIF or notebook
animation with the step, action, reward and return written under each frame."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..core.agent import DDPG
from ..lab.envs import EVAL_SEED_BASE, make_env
from .agent_outputs import seed_index
from .style import FrameAnimation, HTMLAnimation, signed, styled


@dataclass
class Rollout:
    """One episode of the deterministic policy μ(s).

    observations (T + 1, obs_dim); actions (T, act_dim); rewards (T,); frames (T, H, W, 3)
    uint8 or None, frame t rendered right after action t (the env draws its effect).
    """

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    frames: np.ndarray | None = None
    env_id: str = ""
    fps: float = 30.0


def _headless_rendering() -> None:
    """Let pygame and MuJoCo render off-screen when there is no display."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        os.environ.setdefault("MUJOCO_GL", "egl")


def rollout(agent: DDPG, env_id: str, seed: int = EVAL_SEED_BASE, steps: int = 200,
            agent_seed: int | None = None, render: bool = False) -> Rollout:
    """Run μ(s) (no noise) from ``env.reset(seed=seed)`` for up to ``steps`` steps."""
    i = seed_index(agent, agent_seed)
    if render:
        _headless_rendering()
    env = make_env(env_id, render_mode="rgb_array" if render else None)
    try:
        if env.observation_space.shape != (agent.obs_dim,):
            raise ValueError(f"{env_id} has observations of shape {env.observation_space.shape} "
                             f"but the agent expects ({agent.obs_dim},): was it trained on "
                             f"{agent.env_id or 'another environment'}?")
        obs, _ = env.reset(seed=seed)
        observations, actions, rewards, frames = [obs], [], [], []
        for _ in range(steps):
            action = agent.act(obs if agent.stack is None
                               else np.broadcast_to(obs, (agent.stack, agent.obs_dim)))
            action = np.asarray(action if agent.stack is None else action[i], dtype=np.float64)
            obs, reward, terminated, truncated, _ = env.step(action)
            observations.append(obs)
            actions.append(action)
            rewards.append(float(reward))
            if render:
                frames.append(env.render())
            if terminated or truncated:
                break
        fps = float(env.metadata.get("render_fps") or 30)
    finally:
        env.close()
    return Rollout(np.array(observations), np.array(actions), np.array(rewards),
                   np.array(frames) if render else None, env_id, fps)


def _fmt_action(a: np.ndarray) -> str:
    shown = " ".join(signed(x, "+6.2f" if a.size == 1 else "+5.1f") for x in a[:6])
    return shown if a.size == 1 else f"[{shown}{' …' if a.size > 6 else ''}]"


def _caption(rollout: Rollout, t: int, returns: np.ndarray) -> str:
    """Two lines under frame t: step, reward and return so far; the action."""
    return (f"step {t + 1:>4d}  reward {signed(rollout.rewards[t], '+7.2f')}  return "
            f"{signed(returns[t], '+8.1f')}\naction {_fmt_action(rollout.actions[t])}")


def crop_box(frames: np.ndarray, pad: float = 0.08) -> tuple[slice, slice]:
    """Rows and columns that hold everything that ever differs from the background (the
    top-left pixel's colour) in any frame, with a margin: Pendulum's rod fills a third of its
    500 x 500 canvas, so cropping makes it larger at the same file size."""
    step = 2  # every other pixel row and column is plenty to find the edges, and 4x faster
    changed = np.any(frames[:, ::step, ::step] != frames[:1, :1, :1], axis=(0, 3))
    if not changed.any():
        return slice(None), slice(None)
    rows = step * np.flatnonzero(changed.any(axis=1))
    cols = step * np.flatnonzero(changed.any(axis=0))
    height, width = frames.shape[1:3]
    margin = int(pad * max(rows[-1] - rows[0], cols[-1] - cols[0]))
    return (slice(max(rows[0] - margin, 0), min(rows[-1] + step + margin, height)),
            slice(max(cols[0] - margin, 0), min(cols[-1] + step + margin, width)))


@styled
def rollout_animation(rollout: Rollout, *, every: int = 2, title: str | None = None,
                      width: float = 3.4, crop: bool = True) -> FrameAnimation:
    """An animation of a rendered ``Rollout``: every ``every``-th frame at real speed, with the
    step, the action, the reward and the return so far written under it. ``crop`` trims the
    background that no frame ever draws on."""
    frames = rollout.frames
    if frames is None or np.ndim(frames) != 4 or np.shape(frames)[-1] not in (3, 4):
        raise ValueError("rollout_animation needs rendered frames (T, H, W, 3): call "
                         "rollout(..., render=True).")
    if len(frames) != len(rollout.actions) or len(rollout.actions) != len(rollout.rewards):
        raise ValueError(f"need one frame, action and reward per step; got {len(frames)} "
                         f"frames, {len(rollout.actions)} actions, {len(rollout.rewards)} "
                         "rewards.")
    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}.")
    shown = np.arange(0, len(frames), every)
    if crop:
        rows, cols = crop_box(frames[shown])
        frames = frames[:, rows, cols]
    image_height = width * frames.shape[1] / frames.shape[2]  # inches
    returns = np.cumsum(rollout.rewards)
    top, bottom = 0.32, 0.55  # title above, two lines of text below
    fig = Figure(figsize=(width, image_height + top + bottom))
    total = image_height + top + bottom
    ax = fig.add_axes((0, bottom / total, 1, image_height / total))
    ax.set_axis_off()
    image = ax.imshow(frames[0])
    fig.text(0.5, 1 - 0.5 * top / total, title or rollout.env_id, ha="center", va="center",
             fontsize=10.5)
    caption = fig.text(0.5, 0.5 * bottom / total, _caption(rollout, 0, returns), ha="center",
                       va="center", fontsize=10, family="monospace")
    # Captions all have the same length (fixed-width numbers): shrink the font to fit once.
    text_width = caption.get_window_extent(FigureCanvasAgg(fig).get_renderer()).width / fig.dpi
    caption.set_fontsize(10 * min(1.0, 0.86 * width / text_width))  # margin: hinting at low dpi

    def draw(k: int) -> list:
        t = shown[k]
        image.set_data(frames[t])
        caption.set_text(_caption(rollout, t, returns))
        return [image, caption]

    draw(0)
    return FrameAnimation(fig, draw, len(shown), rollout.fps / every)


def save_rollout_gif(agent: DDPG, env_id: str, path: str | Path, seed: int = EVAL_SEED_BASE,
                     steps: int = 200, agent_seed: int | None = None, every: int = 2,
                     dpi: int = 80, title: str | None = None) -> Path:
    """A GIF of the deterministic policy from ``env.reset(seed=seed)``, with step, action and
    reward drawn on each frame (headless; any env that renders ``rgb_array``). Every
    ``every``-th frame keeps the file small; it plays at real speed."""
    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"save_rollout_gif writes a GIF; name the file *.gif, got {path}.")
    run = rollout(agent, env_id, seed, steps, agent_seed, render=True)
    seed_text = f", seed {agent.seeds[seed_index(agent, agent_seed)]}" if agent.stack else ""
    anim = rollout_animation(run, every=every, title=title or f"DDPG on {env_id}{seed_text}")
    return anim.save_gif(path, dpi=dpi)


def rollout_animation_html(agent: DDPG, env_id: str, seed: int = EVAL_SEED_BASE,
                           steps: int = 200, agent_seed: int | None = None, every: int = 2,
                           dpi: int = 80) -> HTMLAnimation:
    """The rollout of ``save_rollout_gif`` as an interactive HTML animation for notebooks
    (matplotlib's ``to_jshtml``: play, pause, step); a ``str`` that displays itself."""
    run = rollout(agent, env_id, seed, steps, agent_seed, render=True)
    return HTMLAnimation(rollout_animation(run, every=every).to_jshtml(dpi=dpi))


__all__ = ["Rollout", "rollout", "crop_box", "rollout_animation", "save_rollout_gif",
           "rollout_animation_html"]
