"""Rollouts of the deterministic policy μ(s): one episode's record, and its GIF or notebook
animation with the step, action, reward and return written under each frame.

A GIF plays at real speed, at least ``GIF_MIN_FPS`` frames per second, with at most
``GIF_MAX_FRAMES`` frames: a whole Pendulum-v1 or Hopper-v5 episode, 5 s of HalfCheetah-v5's
50 s. MuJoCo draws its frames at the GIF's own width, shown pixel for pixel: its checkered floor
fills each frame, and scaled it would take more bytes still.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ..core.agent import DDPG
from ..lab.envs import EVAL_SEED_BASE, make_env, make_render_env, uses_mujoco
from .agent_outputs import seed_index
from .style import FrameAnimation, HTMLAnimation, signed, styled

GIF_MIN_FPS = 12  # frames per second of simulated time: smooth enough to follow the motion
GIF_MAX_FRAMES = 100  # a MuJoCo frame takes about 10 KB: a GIF stays near 1 MB
GIF_INCHES = 3.4  # a GIF's default width: 272 pixels at 80 dpi
MUJOCO_GIF_WIDTH = 208  # pixels (2.6 inches at 80 dpi); 272 would take ~1.4x the bytes


@dataclass
class Rollout:
    """One episode of the deterministic policy μ(s).

    observations (T + 1, obs_dim); actions (T, act_dim); rewards (T,); frames (F, H, W, 3)
    uint8 or None: frame j rendered right after action t = j * frame_every (the env draws its
    effect), F = ceil(T / frame_every).
    """

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    frames: np.ndarray | None = None
    env_id: str = ""
    fps: float = 30.0
    frame_every: int = 1


def rollout(agent: DDPG, env_id: str, seed: int = EVAL_SEED_BASE, steps: int = 200,
            agent_seed: int | None = None, render: bool = False, *, frame_every: int = 1,
            frame_width: int | None = None) -> Rollout:
    """Run μ(s) (no noise) from ``env.reset(seed=seed)`` for up to ``steps`` steps. With
    ``render``, a frame after every ``frame_every``-th action (headless; a MuJoCo task draws
    ``frame_width`` pixels square, default 480)."""
    i = seed_index(agent, agent_seed)
    if frame_every < 1:
        raise ValueError(f"frame_every must be >= 1, got {frame_every}.")
    env = make_render_env(env_id, frame_width) if render else make_env(env_id)
    try:
        if env.observation_space.shape != (agent.obs_dim,):
            raise ValueError(f"{env_id} has observations of shape {env.observation_space.shape} "
                             f"but the agent expects ({agent.obs_dim},): was it trained on "
                             f"{agent.env_id or 'another environment'}?")
        obs, _ = env.reset(seed=seed)
        observations, actions, rewards, frames = [obs], [], [], []
        for t in range(steps):
            action = agent.act(obs if agent.stack is None
                               else np.broadcast_to(obs, (agent.stack, agent.obs_dim)))
            action = np.asarray(action if agent.stack is None else action[i], dtype=np.float64)
            obs, reward, terminated, truncated, _ = env.step(action)
            observations.append(obs)
            actions.append(action)
            rewards.append(float(reward))
            if render and t % frame_every == 0:  # drawing is the slow part: only these
                frames.append(env.render())
            if terminated or truncated:
                break
        fps = float(env.metadata.get("render_fps") or 30)
    finally:
        env.close()
    return Rollout(np.array(observations), np.array(actions), np.array(rewards),
                   np.array(frames) if render else None, env_id, fps, frame_every)


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
    stride, steps = rollout.frame_every, len(rollout.actions)
    if len(frames) != len(range(0, steps, stride)) or steps != len(rollout.rewards):
        raise ValueError(f"need one action and reward per step and a frame every {stride} "
                         f"steps; got {len(frames)} frames, {steps} actions, "
                         f"{len(rollout.rewards)} rewards.")
    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}.")
    if every % stride:
        raise ValueError(f"every={every}: the rollout has frames only every {stride} steps "
                         f"(frame_every); pass a multiple of {stride}.")
    shown = np.arange(0, steps, every)  # the steps drawn; their frames: frames[shown // stride]
    if crop:
        rows, cols = crop_box(frames[shown // stride])
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
        image.set_data(frames[t // stride])
        caption.set_text(_caption(rollout, t, returns))
        return [image, caption]

    draw(0)
    return FrameAnimation(fig, draw, len(shown), rollout.fps / every)


def shared_palette(frames: np.ndarray, colours: int = 160) -> np.ndarray:
    """``frames`` (F, H, W, 3) uint8 drawn with one palette of ``colours`` colours, picked from
    a sample of them. A GIF frame whose palette has a free entry stores the pixels that did not
    change as transparent; a MuJoCo frame has more than 256 colours, which leaves none, and
    each frame is stored whole. With 160, a MuJoCo GIF is about half the size and looks the
    same."""
    sample = Image.fromarray(np.concatenate(frames[::max(1, len(frames) // 8)], axis=0))
    palette = sample.quantize(colours, dither=Image.Dither.NONE)
    return np.stack([np.asarray(Image.fromarray(frame).quantize(
        palette=palette, dither=Image.Dither.NONE).convert("RGB")) for frame in frames])


def gif_schedule(fps: float, episode_steps: int | None, steps: int | None = None,
                 every: int | None = None, max_frames: int = GIF_MAX_FRAMES) -> tuple[int, int]:
    """(steps, every) of a GIF of an env that runs at ``fps`` steps per second: a frame every
    ``every`` steps, by default the most that keeps ``GIF_MIN_FPS`` frames per second (2 for
    Pendulum-v1, 10 for Hopper-v5, 1 for HalfCheetah-v5), more if ``steps`` asks for more than
    ``max_frames``; ``steps`` by default a whole episode (``episode_steps``, or 1,000), up to
    ``max_frames`` frames."""
    if max_frames < 1:
        raise ValueError(f"max_frames must be >= 1, got {max_frames}.")
    if every is None:
        every = max(1, int(fps // GIF_MIN_FPS), math.ceil((steps or 0) / max_frames))
    if steps is None:
        steps = min(episode_steps or 1000, max_frames * every)
    if math.ceil(steps / every) > max_frames:
        enough = math.ceil(steps / max_frames)
        raise ValueError(f"{steps} steps with a frame every {every} make "
                         f"{math.ceil(steps / every)} frames, over the {max_frames} allowed: "
                         f"draw a frame every {enough} steps (--every {enough}), run fewer "
                         "steps, or raise --max-frames")
    return steps, every


def save_rollout_gif(agent: DDPG, env_id: str, path: str | Path, seed: int = EVAL_SEED_BASE,
                     steps: int | None = None, agent_seed: int | None = None,
                     every: int | None = None, dpi: int = 80, title: str | None = None, *,
                     width: int | None = None, max_frames: int = GIF_MAX_FRAMES) -> Path:
    """A GIF of the deterministic policy from ``env.reset(seed=seed)``, with step, action and
    reward drawn on each frame (headless; any env that renders ``rgb_array``), playing at real
    speed. Every ``every``-th step is drawn and ``steps`` are run (defaults: ``gif_schedule``).
    ``width`` in pixels (default: ``MUJOCO_GIF_WIDTH`` for MuJoCo, which draws its frames that
    size and square, shown pixel for pixel; ``GIF_INCHES`` at ``dpi`` for other tasks, whose
    frames are cropped to what moves and scaled)."""
    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"save_rollout_gif writes a GIF; name the file *.gif, got {path}.")
    if width is not None and width < 32:
        raise ValueError(f"width={width} pixels is too small to show anything: give 32 or "
                         f"more (e.g. {round(GIF_INCHES * dpi)}).")
    mujoco = uses_mujoco(env_id)
    width = MUJOCO_GIF_WIDTH if width is None and mujoco else width
    inches = GIF_INCHES if width is None else width / dpi
    frame_width = round(inches * dpi)  # = the image's width in the GIF: no resampling
    env = make_render_env(env_id, frame_width)  # MuJoCo's OpenGL is chosen before its import
    fps, episode_steps = float(env.metadata.get("render_fps") or 30), env.spec.max_episode_steps
    env.close()
    steps, every = gif_schedule(fps, episode_steps, steps, every, max_frames)
    run = rollout(agent, env_id, seed, steps, agent_seed, render=True, frame_every=every,
                  frame_width=frame_width)
    if mujoco:
        run.frames = shared_palette(run.frames)
    seed_text = f", seed {agent.seeds[seed_index(agent, agent_seed)]}" if agent.stack else ""
    title = title or f"{agent.algorithm.upper()} on {env_id}{seed_text}"
    anim = rollout_animation(run, every=every, title=title, width=inches, crop=not mujoco)
    return anim.save_gif(path, dpi=dpi)


def rollout_animation_html(agent: DDPG, env_id: str, seed: int = EVAL_SEED_BASE,
                           steps: int = 200, agent_seed: int | None = None, every: int = 2,
                           dpi: int = 80) -> HTMLAnimation:
    """The rollout of ``save_rollout_gif`` as an interactive HTML animation for notebooks
    (matplotlib's ``to_jshtml``: play, pause, step); a ``str`` that displays itself."""
    run = rollout(agent, env_id, seed, steps, agent_seed, render=True)
    return HTMLAnimation(rollout_animation(run, every=every).to_jshtml(dpi=dpi))


__all__ = ["GIF_MIN_FPS", "GIF_MAX_FRAMES", "GIF_INCHES", "MUJOCO_GIF_WIDTH", "Rollout",
           "rollout", "crop_box", "rollout_animation", "shared_palette", "gif_schedule",
           "save_rollout_gif",
           "rollout_animation_html"]
