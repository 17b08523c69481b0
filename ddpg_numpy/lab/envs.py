"""Environments: ``make_env`` with errors that say what to do, and the evaluation rollout.

Evaluation runs the deterministic policy μ(s) (no noise) from a fixed set of start states —
``reset(seed=EVAL_SEED_BASE + i)`` for i < episodes — the same for every seed and every
evaluation, so numbers compare across a curve and across runs.

``make_render_env`` makes one that draws frames without a screen, for GIFs.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import math
import os
import subprocess
import sys
from typing import Any

import numpy as np

from ..core.agent import DDPG, box_dimensions
from ..core.config import is_whole_number

EVAL_SEED_BASE = 10_000  # evaluation episode i starts from env.reset(seed=EVAL_SEED_BASE + i)


def make_env(env_id: str, **kwargs: Any):
    """``gymnasium.make`` with errors that say what to do (typos, missing MuJoCo, spaces with no
    numbers), and a check on every step: a NaN or infinite reward or observation stops the run
    with an error naming the environment, instead of poisoning the replay buffer and the logs."""
    import gymnasium as gym

    check_env_id(env_id)
    try:
        env = gym.make(env_id, **kwargs)
    except gym.error.DependencyNotInstalled as e:
        raise ModuleNotFoundError(f"{env_id} needs an extra dependency ({e}). For MuJoCo "
                                  "tasks: pip install 'ddpg-numpy[mujoco]'.") from e
    except gym.error.Error as e:
        if env_id in gym.registry:
            raise
        close = difflib.get_close_matches(env_id, list(gym.registry), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown environment id {env_id!r}.{hint} List the registered ids "
                         "with: python -c 'import gymnasium; gymnasium.pprint_registry()'") from e
    for kind, space, fix in (("observation", env.observation_space, "wrap a scalar one in "
                              "gymnasium.wrappers.ReshapeObservation(env, (1,))"),
                             ("action", env.action_space, "give it shape (act_dim,)")):
        shape = space.shape  # Box spaces only: other kinds are explained by box_dimensions
        if type(space).__name__ == "Box" and (len(shape) == 0 or 0 in shape):
            env.close()
            raise ValueError(f"{env_id} has {kind}s of shape {shape} ({space}): DDPG's networks "
                             f"need {kind}s that are flat vectors of at least one number. Fix "
                             f"the environment's {kind}_space ({fix}).")
    return _finite_steps_wrapper()(env, env_id)


def check_env_id(env_id: str) -> None:
    """Refuse an id that is not a non-empty string, and an unversioned one ('Pendulum'), which
    gymnasium would quietly run as its latest version (without that version's preset): the
    message names the versioned id."""
    import gymnasium as gym

    from ..core.config import PRESETS

    if not isinstance(env_id, str):
        raise TypeError(f"environment id {env_id!r} is a {type(env_id).__name__}: name a "
                        "gymnasium environment as text, e.g. 'Pendulum-v1'")
    if not env_id.strip():
        raise ValueError(f"environment id {env_id!r}: name a gymnasium environment, e.g. "
                         "Pendulum-v1")
    if env_id in gym.registry or "-v" in env_id.rsplit("/", 1)[-1]:
        return
    versions = sorted((k for k in gym.registry if k.rsplit("-v", 1)[0] == env_id),
                      key=lambda k: int(k.rsplit("-v", 1)[1]) if k.rsplit("-v", 1)[1].isdigit()
                      else -1)
    if versions:
        latest = versions[-1]
        preset = " (it has a preset)" if latest in PRESETS else ""
        raise ValueError(f"environment id {env_id!r} names no version: use {latest!r}{preset}, "
                         f"e.g. --env {latest}")


@functools.cache
def _finite_steps_wrapper() -> type:
    """The wrapper class, made on first use: gymnasium is imported only by what needs it."""
    import gymnasium as gym

    class FiniteSteps(gym.Wrapper):
        """Raises at the first NaN or infinite reward or observation, naming env and step."""

        def __init__(self, env: Any, env_id: str) -> None:
            super().__init__(env)
            self.env_id, self.episode_step = env_id, 0

        def reset(self, **kwargs: Any):
            self.episode_step = 0
            obs, info = self.env.reset(**kwargs)
            self._check(obs, None, "reset")
            return obs, info

        def step(self, action: Any):
            obs, reward, terminated, truncated, info = self.env.step(action)
            self.episode_step += 1
            self._check(obs, reward, f"step {self.episode_step} of an episode")
            return obs, reward, terminated, truncated, info

        def _check(self, obs: Any, reward: Any, when: str) -> None:
            # A sum is finite iff every term is (or finite terms overflowed: then look closer);
            # ~2 µs a step, against ~6 µs for np.isfinite on the reward and the observation.
            if (reward is None or math.isfinite(reward)) and (
                    math.isfinite(np.sum(obs)) or np.isfinite(obs).all()):
                return
            what = "" if reward is None else f"reward {reward} and "
            raise ValueError(
                f"{self.env_id} returned {what}observation {obs} at {when}: "
                "DDPG cannot learn from NaN or infinite numbers (the critic's targets would "
                "be NaN). Fix the environment, or wrap it to keep rewards and observations "
                "finite (e.g. clip them).")

    return FiniteSteps


def check_agent_fits(agent: DDPG, env: Any, env_id: str) -> None:
    """Refuse an env whose observations, actions or action bounds are not the ones the agent
    was trained on: its actor would read the wrong inputs or scale its actions wrongly."""
    obs_dim, act_dim, low, high = box_dimensions(env)
    trained = agent.env_id or "the environment it was trained on"
    fix = (f"Evaluate it on {trained} (leave out --env), or train an agent on {env_id}.")
    if (obs_dim, act_dim) != (agent.obs_dim, agent.act_dim):
        raise ValueError(f"this agent was trained on {trained} with obs_dim={agent.obs_dim}, "
                         f"act_dim={agent.act_dim}; {env_id} has obs_dim={obs_dim}, "
                         f"act_dim={act_dim}. {fix}")
    if not (np.allclose(low, agent.action_low) and np.allclose(high, agent.action_high)):
        raise ValueError(f"{env_id}'s actions lie in low={np.asarray(low).tolist()}, high="
                         f"{np.asarray(high).tolist()}, but this agent scales its actions to "
                         f"low={np.asarray(agent.action_low).tolist()}, high="
                         f"{np.asarray(agent.action_high).tolist()} ({trained}), so every "
                         f"action would mean something else. {fix}")


def rollout_rewards(agent: DDPG, env_id: str, episodes: int = 10,
                    seed_base: int = EVAL_SEED_BASE, envs: list | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Roll out the deterministic policy μ(s) from start states ``reset(seed=seed_base + i)``.

    All episodes run side by side (one batched actor call per time step), each until the
    environment ends it (its own time limit, or that of the ``envs`` given: a stacked agent
    with S seeds needs S * episodes of them). Returns the start observations (..., episodes,
    obs_dim) and the rewards (..., episodes, T), T the longest episode's length and 0 after an
    episode ends; ... is (S,) for a stacked agent, nothing otherwise.
    """
    n_agents = agent.stack or 1
    if episodes < 1:
        raise ValueError(f"episodes={episodes}: evaluate at least 1 episode (e.g. --episodes 10).")
    envs = envs or [make_env(env_id) for _ in range(n_agents * episodes)]
    check_agent_fits(agent, envs[0], env_id)
    obs = np.stack([env.reset(seed=seed_base + i % episodes)[0] for i, env in enumerate(envs)])
    starts = obs.copy()
    step_rewards = []
    running = np.ones(len(envs), dtype=bool)
    shape = (agent.stack, episodes) if agent.stack else (episodes,)
    while running.any():
        actions = agent.actor(obs.reshape(*shape, -1).astype(agent.dtype))
        actions = actions.reshape(len(envs), -1).astype(np.float64)
        rewards = np.zeros(len(envs))
        for i in np.flatnonzero(running):
            obs[i], rewards[i], terminated, truncated, _ = envs[i].step(actions[i])
            running[i] = not (terminated or truncated)
        step_rewards.append(rewards)
    return starts.reshape(*shape, -1), np.stack(step_rewards, axis=-1).reshape(*shape, -1)


EVAL_CHUNK = 100  # episodes run side by side by ``evaluate`` when it makes its own envs


def evaluate(agent: DDPG, env_id: str, episodes: int = 10, seed_base: int = EVAL_SEED_BASE,
             envs: list | None = None) -> np.ndarray:
    """Returns of the deterministic policy from start states ``reset(seed=seed_base + i)``.

    The episodes run side by side (``rollout_rewards``), on ``envs`` if given, else on at most
    EVAL_CHUNK environments per seed at a time, reused chunk after chunk: any number of
    episodes streams through the same few environments.
    Returns (episodes,), or (S, episodes) for a stacked agent.
    """
    if not is_whole_number(episodes) or episodes < 1:
        raise ValueError(f"episodes={episodes!r}: evaluate at least 1 episode (e.g. "
                         "--episodes 10).")
    if envs is not None or episodes <= EVAL_CHUNK:
        return _returns(agent, env_id, episodes, seed_base, envs)
    envs = [make_env(env_id) for _ in range((agent.stack or 1) * EVAL_CHUNK)]
    chunks = []
    for first in range(0, episodes, EVAL_CHUNK):
        n = min(EVAL_CHUNK, episodes - first)
        chunk_envs = [env for k in range(agent.stack or 1)
                      for env in envs[k * EVAL_CHUNK:k * EVAL_CHUNK + n]]
        chunks.append(_returns(agent, env_id, n, seed_base + first, chunk_envs))
    return np.concatenate(chunks, axis=-1)


def _returns(agent: DDPG, env_id: str, episodes: int, seed_base: int,
             envs: list | None) -> np.ndarray:
    _, rewards = rollout_rewards(agent, env_id, episodes, seed_base, envs)
    returns = np.zeros(rewards.shape[:-1])
    for t in range(rewards.shape[-1]):  # summed step by step in float64, as the episodes ran
        returns += rewards[..., t]
    return returns


# --------------------------------------------------------------------------------------------
# Frames without a screen (GIFs): pygame's dummy video driver, and an off-screen OpenGL for MuJoCo
# --------------------------------------------------------------------------------------------

# The Debian/Ubuntu packages behind each off-screen OpenGL MuJoCo can use. On Debian 12, libegl1
# alone brings no renderer: Mesa's software one (libgl1-mesa-dri) comes with libgl1.
OFFSCREEN_GL_PACKAGES = {"egl": "libegl1 libgl1", "osmesa": "libosmesa6"}

# Draws one frame of an empty scene: what gymnasium's MuJoCo renderer needs, nothing more.
_GL_PROBE = ("import mujoco; m = mujoco.MjModel.from_xml_string('<mujoco/>'); "
             "r = mujoco.Renderer(m, 16, 16); r.update_scene(mujoco.MjData(m)); r.render(); "
             "r.close()")


class RenderingUnavailable(OSError):
    """MuJoCo finds no off-screen OpenGL to draw frames with; the message names the package to
    install."""


def uses_mujoco(env_id: str) -> bool:
    """Whether ``env_id`` is a MuJoCo task (from its registration: MuJoCo is not imported)."""
    import gymnasium as gym

    try:
        return "mujoco" in str(gym.spec(env_id).entry_point).lower()
    except gym.error.Error:  # an unknown id: make_env explains it
        return False


def make_render_env(env_id: str, width: int | None = None):
    """``make_env`` with ``render_mode="rgb_array"`` that works without a screen (see
    ``prepare_offscreen_rendering``). A MuJoCo task draws ``width`` x ``width`` pixels (default
    480) through its model's "track" camera, which follows the centre of mass (gymnasium's
    default camera stays put since Gymnasium PR #1618, so a running Hopper soon leaves the
    picture; a model without that camera keeps the default); other tasks draw their own size."""
    prepare_offscreen_rendering(env_id)
    if not uses_mujoco(env_id):
        return make_env(env_id, render_mode="rgb_array")
    size = {"width": width, "height": width} if width else {}
    return make_env(env_id, render_mode="rgb_array", camera_name="track", **size)


def prepare_offscreen_rendering(env_id: str) -> None:
    """Before the environment (and MuJoCo) is imported: pygame draws without a window, and a
    MuJoCo task gets an OpenGL that works here. That is MUJOCO_GL if set; with no screen (Linux
    without DISPLAY), where MuJoCo's default (glfw) fails, egl, else osmesa. Raises
    RenderingUnavailable, naming the package to install, if none can draw."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    if not uses_mujoco(env_id) or importlib.util.find_spec("mujoco") is None:
        return  # nothing to choose (without mujoco, make_env says to install it)
    chosen = os.environ.get("MUJOCO_GL", "").strip().lower()
    screen = not sys.platform.startswith("linux") or any(
        os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY"))
    if not chosen and screen:
        return
    failures = {}
    for backend in [chosen] if chosen else list(OFFSCREEN_GL_PACKAGES):
        failures[backend] = _offscreen_gl_error(backend)
        if failures[backend] is None:
            os.environ["MUJOCO_GL"] = backend
            return
    raise RenderingUnavailable(_no_gl_message(failures, chosen))


@functools.cache
def _offscreen_gl_error(backend: str) -> str | None:
    """None if MuJoCo draws a frame with MUJOCO_GL=backend, else the last line of its error.
    Tried in a child process (about a second): an OpenGL that failed to load cannot be unloaded
    from this one to try the next."""
    try:
        done = subprocess.run([sys.executable, "-c", _GL_PROBE], capture_output=True, text=True,
                              env={**os.environ, "MUJOCO_GL": backend}, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{type(e).__name__}: {e}"
    lines = done.stderr.strip().splitlines()
    if done.returncode == 0:
        return None
    why = lines[-1] if lines else f"exit code {done.returncode}"
    return why if len(why) <= 140 else why[:139] + "…"


def _no_gl_message(failures: dict[str, str | None], chosen: str) -> str:
    if chosen:
        package = OFFSCREEN_GL_PACKAGES.get(chosen)
        fix = (f"install its library (Debian/Ubuntu: apt-get install {package})" if package
               else "set MUJOCO_GL=egl or osmesa, which need no screen")
        return (f"MuJoCo cannot draw frames with MUJOCO_GL={chosen} here ({failures[chosen]}): "
                f"{fix}, or unset MUJOCO_GL to let ddpg-numpy try egl, then osmesa")
    tried = "; ".join(f"MUJOCO_GL={name}: {why}" for name, why in failures.items())
    return ("MuJoCo cannot draw frames: there is no screen (DISPLAY) and no off-screen OpenGL "
            f"works ({tried}). Install one (Debian/Ubuntu: apt-get install "
            f"{OFFSCREEN_GL_PACKAGES['egl']} for EGL, or apt-get install "
            f"{OFFSCREEN_GL_PACKAGES['osmesa']} for OSMesa), then run again: MUJOCO_GL is "
            "chosen for you, or set it yourself")
