"""``render`` for MuJoCo tasks on a machine without a screen: an off-screen OpenGL is chosen
(MUJOCO_GL: egl, then osmesa), the GIF stays small, and where no OpenGL works the command says
which package to install, in one line, with exit code 2.

MuJoCo's tests are skipped without the ``mujoco`` package, the GIFs also where no off-screen
OpenGL works."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from plots_helpers import pendulum_agent

from ddpg_numpy import TD3, TD3Config
from ddpg_numpy.cli import main
from ddpg_numpy.core.checkpoint import save_npz_atomic
from ddpg_numpy.lab import envs
from ddpg_numpy.plots.rollout import (
    GIF_MAX_FRAMES,
    MUJOCO_GIF_WIDTH,
    gif_schedule,
    rollout,
    rollout_animation,
)

needs_mujoco = pytest.mark.skipif(importlib.util.find_spec("mujoco") is None,
                                  reason="needs pip install 'ddpg-numpy[mujoco]'")
ENV_ID = "Hopper-v5"  # 6 steps cannot make it fall: a fixed number of frames
TINY = TD3Config(hidden=(8, 8), dtype="float64")


@pytest.fixture
def agent_file(tmp_path):
    agent = TD3(11, 3, [-1.0] * 3, [1.0] * 3, TINY, seed=0)
    agent.env_id = ENV_ID
    return agent.save(tmp_path / "agent.npz", training_state=False)


@pytest.fixture
def offscreen():
    """MUJOCO_GL as ``render`` chooses it (restored after), or a skip naming why not."""
    if importlib.util.find_spec("mujoco") is None:
        pytest.skip("needs pip install 'ddpg-numpy[mujoco]'")
    saved = os.environ.get("MUJOCO_GL")
    try:
        envs.prepare_offscreen_rendering(ENV_ID)
    except envs.RenderingUnavailable as e:
        pytest.skip(f"no off-screen OpenGL: {e}")
    yield os.environ.get("MUJOCO_GL")
    if saved is None:
        os.environ.pop("MUJOCO_GL", None)
    else:
        os.environ["MUJOCO_GL"] = saved


def gif_frames(path):
    with Image.open(path) as gif:
        frames = []
        for k in range(gif.n_frames):
            gif.seek(k)
            frames.append(np.asarray(gif.convert("RGB")))
        return gif.format, gif.is_animated, gif.size, frames


def test_render_writes_an_animated_gif_of_the_frames_asked_for(agent_file, offscreen, tmp_path,
                                                               capsys):
    gif = tmp_path / "hopper.gif"
    assert main(["render", str(agent_file), "--gif", str(gif), "--steps", "6", "--every", "2",
                 "--width", "64"]) == 0
    assert f"wrote {gif}" in capsys.readouterr().out
    kind, animated, (width, height), frames = gif_frames(gif)
    assert kind == "GIF" and animated and len(frames) == 3  # steps 1, 3, 5 of 6
    assert width == 64 and height > width  # the square frame, a title above, a caption below
    scene = frames[0][frames[0].mean(axis=(1, 2)) < 200]  # the rows not white: sky and floor
    assert len(scene) >= 48 and scene.std() > 20  # a drawn scene, not blank or one colour
    assert not np.array_equal(frames[0], frames[1])  # the caption (step, reward) changes


def test_the_gif_plays_at_real_speed_within_the_frame_limit():
    # Hopper-v5 runs at 125 steps per second, HalfCheetah-v5 at 20, Pendulum-v1 at 30.
    assert gif_schedule(125, 1000) == (1000, 10)  # a whole episode: 100 frames, 12.5 per s
    assert gif_schedule(20, 1000) == (100, 1)  # the first 5 s: every step at 20 per s
    assert gif_schedule(30, 200) == (200, 2)  # Pendulum-v1 as it always was
    assert gif_schedule(20, 1000, steps=1000) == (1000, 10)  # asked for more: coarser
    assert gif_schedule(125, 1000, every=1) == (100, 1)  # at most GIF_MAX_FRAMES frames
    with pytest.raises(ValueError, match=r"1000 frames, over the 100 allowed.*--every 10"):
        gif_schedule(20, 1000, steps=1000, every=1)


def test_only_the_frames_shown_are_drawn_and_they_are_the_same():
    agent = pendulum_agent()
    every_step = rollout(agent, "Pendulum-v1", steps=7, render=True)
    sparse = rollout(agent, "Pendulum-v1", steps=7, render=True, frame_every=3)
    assert len(sparse.frames) == 3  # after steps 1, 4 and 7
    np.testing.assert_array_equal(sparse.frames, every_step.frames[::3])
    np.testing.assert_array_equal(sparse.rewards, every_step.rewards)
    assert rollout_animation(sparse, every=6).n_frames == 2
    with pytest.raises(ValueError, match="frames only every 3 steps"):
        rollout_animation(sparse, every=2)


def test_mujoco_frames_come_from_the_camera_that_follows_the_body(offscreen):
    env = envs.make_render_env(ENV_ID, 32)
    try:
        renderer = env.unwrapped.mujoco_renderer
        track = env.unwrapped.model.camera("track").id
        assert renderer.camera_id == track and (renderer.width, renderer.height) == (32, 32)
    finally:
        env.close()


def test_a_file_with_the_actor_alone_renders_the_same_gif(agent_file, offscreen, tmp_path):
    with np.load(agent_file) as full:
        actor_only = {k: full[k] for k in full.files if "critic" not in k}
    save_npz_atomic(tmp_path / "actor.npz", actor_only)
    for name in ("agent", "actor"):
        assert main(["render", str(tmp_path / f"{name}.npz"), "--gif",
                     str(tmp_path / f"{name}.gif"), "--steps", "2", "--width", "48"]) == 0
    assert (tmp_path / "agent.gif").read_bytes() == (tmp_path / "actor.gif").read_bytes()


def render_without_a_screen(agent_file, tmp_path, **environment):
    """``render`` in a fresh process with no DISPLAY, as on a server: (exit code, stderr)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MUJOCO_GL", "PYOPENGL_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "ddpg_numpy", "render", str(agent_file),
                           "--gif", str(tmp_path / "a.gif"), "--steps", "2"],
                          capture_output=True, text=True, env=env | environment, timeout=600)
    return done.returncode, done.stderr


@needs_mujoco
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="EGL and OSMesa are Linux's")
def test_without_any_offscreen_opengl_render_names_the_packages(agent_file, tmp_path):
    # PyOpenGL set to GLX makes both off-screen backends refuse to load, on any machine.
    code, err = render_without_a_screen(agent_file, tmp_path, PYOPENGL_PLATFORM="glx")
    assert code == 2 and "Traceback" not in err
    line, = err.strip().splitlines()
    assert line.startswith("ddpg-numpy render: error: MuJoCo cannot draw frames")
    for named in ("MUJOCO_GL=egl", "MUJOCO_GL=osmesa", "apt-get install libegl1 libgl1",
                  "apt-get install libosmesa6"):
        assert named in line
    assert not (tmp_path / "a.gif").exists()


@needs_mujoco
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="EGL and OSMesa are Linux's")
def test_a_mujoco_gl_that_cannot_draw_here_is_named_with_its_package(agent_file, tmp_path):
    # OSMesa with PyOpenGL set to EGL cannot load, on any machine (as without libOSMesa).
    code, err = render_without_a_screen(agent_file, tmp_path, MUJOCO_GL="osmesa",
                                        PYOPENGL_PLATFORM="egl")
    assert code == 2 and "Traceback" not in err
    line, = err.strip().splitlines()
    assert "MuJoCo cannot draw frames with MUJOCO_GL=osmesa here" in line
    assert "apt-get install libosmesa6" in line and "unset MUJOCO_GL" in line


def test_render_explains_its_gif_options():
    from ddpg_numpy.cli_parser import build_parser

    render = build_parser()._subparsers._group_actions[0].choices["render"]
    options = {a.option_strings[0]: a for a in render._actions if a.option_strings}
    for name in ("--steps", "--every", "--max-frames", "--width"):
        assert "default" in options[name].help, name
    assert options["--max-frames"].default == GIF_MAX_FRAMES
    assert str(MUJOCO_GIF_WIDTH) in options["--width"].help
    assert "MUJOCO_GL" in render.description
