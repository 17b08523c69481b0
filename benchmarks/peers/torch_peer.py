"""A same-task PyTorch peer of ddpg-numpy's TD3 and DDPG: the authors' update (torch_agents.py)
in a CleanRL-style single-file loop, on ddpg-numpy's tasks, values, evaluation and run folder.

    python benchmarks/peers/torch_peer.py --env ENV --algo td3|ddpg --seed K --steps N --out DIR
        [--resume] [--init ours|pytorch] [--schedule per-step|episode-end] [--no-progress]
        [--eval-every N] [--checkpoint-every N] [--set NAME=VALUE ...]

Shared with ddpg-numpy, imported rather than copied: the values (``TD3Config.preset`` /
``DDPGConfig.preset``, the fast defaults for a task without one), ``make_env``, the evaluation
(``evaluate``: the deterministic policy from the 10 fixed start states ``reset(seed=10_000 + i)``
every ``eval_every`` steps), the replay buffer (float32, uniform with replacement, ``terminated``
but not truncation), the loop's counters and progress rows (``LoopState``), the run folder's logs
(progress.csv, timing.csv with the same columns), blas.json (the BLAS kernel the run was trained
under: blas_record.py) and the replay of the environment's episode on resume (episode_replay.py).
The torch-side randomness (initialisation, target smoothing noise) comes from
``torch.manual_seed(seed)``; exploration noise and minibatch indices from
``numpy.random.default_rng(seed)``; warm-up actions from the action space seeded with the seed.

Schedules: ``per-step`` (default, ddpg-numpy's loop): one update per environment step once the
buffer holds ``max(batch_size, learning_starts)`` transitions, the actor on every
``policy_delay``-th critic update counted over the run. ``episode-end`` (the authors' main.py of
the paper): the policy stays frozen during an episode; at its end (from the first episode on, as
``policy.train(replay_buffer, episode_timesteps)``) as many updates as it had steps, the actor on
iterations 0, d, 2d, ... of each call.

Checkpoints (checkpoint.npz, arrays only, written atomically every ``checkpoint_every`` steps
and at the end): the agent's arrays, the replay buffer, the NumPy and torch generator states, the
loop's counters and where the training episode stands; ``--resume`` continues exactly (the
progress.csv of an interrupted run equals that of an uninterrupted one: tests/test_torch_peer.py).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from a checkout

from ddpg_numpy.core.agent import box_dimensions  # noqa: E402
from ddpg_numpy.core.checkpoint import load_npz, save_npz_atomic  # noqa: E402
from ddpg_numpy.core.config import PRESETS, DDPGConfig, TD3Config  # noqa: E402
from ddpg_numpy.core.replay import ReplayBuffer  # noqa: E402
from ddpg_numpy.lab.blas_record import record_blas  # noqa: E402
from ddpg_numpy.lab.envs import evaluate, make_env  # noqa: E402
from ddpg_numpy.lab.episode_replay import (  # noqa: E402
    EnvsAtCheckpoint,
    action_space_state,
    env_generator_state,
    replay_episodes,
    start_first_episodes,
)
from ddpg_numpy.lab.kill_points import kill_point  # noqa: E402
from ddpg_numpy.lab.loop_state import LoopState  # noqa: E402
from ddpg_numpy.lab.options import OneLineParser, parse_override, whole  # noqa: E402
from ddpg_numpy.lab.run_folder import (  # noqa: E402
    CONFIG_FILE,
    PROGRESS_FIELDS,
    PROGRESS_FILE,
    TIMING_FIELDS,
    TIMING_FILE,
    append_progress,
    append_timing,
    checkpoint_path,
    cut_logs_to_step,
    has_checkpoint,
    holds_results,
    read_config_json,
    remove_stale_temp_files,
    replace_text,
)
from ddpg_numpy.lab.run_lock import hold_run_folder  # noqa: E402
from ddpg_numpy.study.cells import PEER_OPTIONS  # noqa: E402  (a sweep spec's variants set them)

IMPLEMENTATION = "pytorch-peer"
SCHEDULES = PEER_OPTIONS["schedule"]  # ("per-step", "episode-end")
TORCH_THREADS = 1
TORCH_MISSING = ("PyTorch is not installed: pip install torch==2.13.0 (or pip install -e "
                 "'.[peer]'), then run again")


def peer_config(env_id: str, algo: str, eval_every: int | None = None,
                checkpoint_every: int | None = None,
                overrides: dict[str, Any] | None = None) -> DDPGConfig:
    """ddpg-numpy's values for ``env_id``: its preset, else the fast defaults (as ``train``),
    with ``overrides`` (``--set``) and the two intervals."""
    if algo not in ("td3", "ddpg"):
        raise ValueError(f"algo={algo!r}: use td3 or ddpg")
    cls = TD3Config if algo == "td3" else DDPGConfig
    changes = {k: v for k, v in (("eval_every", eval_every),
                                 ("checkpoint_every", checkpoint_every)) if v is not None}
    changes = {**(overrides or {}), **changes}
    cfg = cls.preset(env_id) if env_id in PRESETS else cls.fast_defaults()
    cfg = cfg.replace(**changes)
    unsupported = {k: v for k, v in (("noise", cfg.noise), ("critic_action_layer",
                   cfg.critic_action_layer), ("updates_per_step", cfg.updates_per_step),
                   ("dtype", cfg.dtype)) if v != {"noise": "gaussian", "critic_action_layer": 0,
                                                  "updates_per_step": 1, "dtype": "float32"}[k]}
    if unsupported:
        raise ValueError(f"{env_id}'s preset has {unsupported}, which the peer does not "
                         "implement (it is the TD3 paper's setting: Gaussian noise, the action "
                         "at the critic's input, one update per step, float32); use a MuJoCo "
                         "task or a task without a preset")
    return cfg


class _EvalPolicy:
    """What ``evaluate`` asks of an agent, for the torch actor: sizes, bounds, ``actor``."""

    stack = None
    dtype = np.dtype(np.float32)

    def __init__(self, agent: Any, env_id: str, low: np.ndarray, high: np.ndarray) -> None:
        self.agent, self.env_id = agent, env_id
        self.obs_dim, self.act_dim = agent.obs_dim, agent.act_dim
        self.action_low, self.action_high = np.asarray(low), np.asarray(high)

    def actor(self, obs: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            return self.agent.actor(torch.from_numpy(obs)).numpy()


class PeerRun:
    """One training run of the peer: settings, environments, agent, buffer, loop state."""

    def __init__(self, env_id: str, algo: str, seed: int, steps: int, out: Path, init: str,
                 schedule: str, cfg: DDPGConfig, progress: bool) -> None:
        import torch

        from benchmarks.peers.torch_agents import TorchAgent

        torch.set_num_threads(TORCH_THREADS)
        torch.set_flush_denormal(cfg.flush_denormals)  # as ddpg-numpy's fast path
        torch.manual_seed(seed)
        self.torch = torch
        self.env_id, self.algo, self.seed, self.steps, self.out = env_id, algo, seed, steps, out
        self.init, self.schedule, self.cfg = init, schedule, cfg
        self.env = make_env(env_id)
        self.eval_envs = [make_env(env_id) for _ in range(cfg.eval_episodes)]
        obs_dim, act_dim, low, high = box_dimensions(self.env)
        self.low, self.high = np.asarray(low, np.float32), np.asarray(high, np.float32)
        self.half_width = (self.high - self.low) / 2
        self.agent = TorchAgent(algo, obs_dim, act_dim, low, high, cfg, init)
        self.policy = _EvalPolicy(self.agent, env_id, self.low, self.high)
        self.buffer = ReplayBuffer(min(cfg.buffer_size, max(steps, cfg.batch_size)), obs_dim,
                                   act_dim, np.float32)
        self.rng = np.random.default_rng(seed)
        self.loop = LoopState(n_envs=1)
        self.obs = np.zeros(obs_dim)
        self.progress = progress
        self.tick = time.perf_counter()

    # --- the loop ----------------------------------------------------------------------------

    def train(self) -> None:
        from tqdm import tqdm

        cfg, loop = self.cfg, self.loop
        bar = tqdm(total=self.steps, initial=loop.step, disable=not self.progress,
                   desc=f"{self.algo.upper()} peer {self.env_id}", unit="step", mininterval=0.5)
        next_checkpoint = (loop.step // cfg.checkpoint_every + 1) * cfg.checkpoint_every
        self.tick = time.perf_counter()
        while loop.step < self.steps:
            terminated, truncated = self.act_and_store()
            if self.schedule == "per-step" and len(self.buffer) >= max(cfg.batch_size,
                                                                       cfg.learning_starts):
                self.learn(actor_step=(self.agent.updates + 1) % self.delay == 0)
            if terminated or truncated:
                if self.schedule == "episode-end":  # policy.train(buffer, episode_timesteps)
                    for it in range(len(loop.episode_actions[0])):
                        self.learn(actor_step=it % self.delay == 0)
                self.end_episode()
            if loop.step % cfg.eval_every == 0:
                self.evaluate_and_log()
                bar.set_postfix(eval_return=f"{loop.rows[-1]['eval_return_mean']:.1f}")
            if loop.step >= next_checkpoint or loop.step == self.steps:
                self.save_checkpoint()
                next_checkpoint = (loop.step // cfg.checkpoint_every + 1) * cfg.checkpoint_every
            kill_point("step", loop.step)  # test-only (ddpg_numpy/lab/kill_points.py)
            bar.update(1)
        bar.close()

    @property
    def delay(self) -> int:
        return getattr(self.cfg, "policy_delay", 1)

    def act_and_store(self) -> tuple[bool, bool]:
        """Warm-up: a uniform action; then μ(s) + N(0, (σ·h)²), clipped. One env step, stored."""
        loop = self.loop
        if loop.step < self.cfg.warmup_steps:
            action = self.env.action_space.sample()
        else:
            noise = self.cfg.noise_sigma * self.rng.standard_normal(self.agent.act_dim)
            action = np.clip(self.agent.act(self.obs) + self.half_width * noise, self.low,
                             self.high)
        action = np.asarray(action, dtype=np.float64)
        next_obs, reward, terminated, truncated, _ = self.env.step(action)
        loop.episode_actions[0].append(action)  # a resume replays them
        self.buffer.add(self.obs, action, reward, next_obs, float(terminated))
        self.obs = np.asarray(next_obs, dtype=np.float64)
        loop.episode_returns += reward
        loop.step += 1
        return bool(terminated), bool(truncated)

    def learn(self, actor_step: bool) -> None:
        batch = self.buffer.sample(self.cfg.batch_size, self.rng)
        self.loop.add_metrics(self.agent.update(batch, actor_step))

    def end_episode(self) -> None:
        loop = self.loop
        loop.recent_returns[0] = (loop.recent_returns[0] + [float(loop.episode_returns[0])])[-10:]
        loop.episode_returns[0] = 0.0
        loop.reset_states[0] = env_generator_state(self.env)  # before reset: resume replays
        loop.episode_actions[0] = []
        self.obs = np.asarray(self.env.reset()[0], dtype=np.float64)
        loop.episodes[0] += 1

    def seconds_since_tick(self) -> float:
        now = time.perf_counter()
        elapsed, self.tick = now - self.tick, now
        return elapsed

    def evaluate_and_log(self) -> None:
        loop = self.loop
        loop.train_seconds += self.seconds_since_tick()
        returns = np.atleast_2d(evaluate(self.policy, self.env_id, self.cfg.eval_episodes,
                                         envs=self.eval_envs))
        loop.eval_seconds += self.seconds_since_tick()
        rows = loop.progress_rows([self.seed], returns, self.agent.updates)
        loop.rows.extend(rows)
        append_progress(self.out, rows)
        append_timing(self.out, loop.step, loop.train_seconds, loop.eval_seconds)
        self.tick = time.perf_counter()

    # --- run folder and checkpoint -----------------------------------------------------------

    def start_folder(self, argv: list[str]) -> None:
        """config.json (the run's values, the implementation, torch's version and threads) and
        the logs' headers."""
        for name, fields in ((PROGRESS_FILE, PROGRESS_FIELDS), (TIMING_FILE, TIMING_FIELDS)):
            replace_text(self.out / name, ",".join(fields) + "\n")
        self.write_config(argv)

    def write_config(self, argv: list[str]) -> None:
        run = {"env_id": self.env_id, "seeds": [self.seed], "steps": self.steps,
               "algorithm": self.algo, "implementation": IMPLEMENTATION,
               "torch_version": self.torch.__version__, "torch_threads": TORCH_THREADS,
               "init": self.init, "schedule": self.schedule,
               "command": " ".join(["python benchmarks/peers/torch_peer.py", *argv]),
               "config": self.cfg.to_dict()}
        replace_text(self.out / CONFIG_FILE, json.dumps(run, indent=2))

    def save_checkpoint(self) -> None:
        loop = self.loop
        loop.train_seconds += self.seconds_since_tick()
        state = {f"agent.{k}": v for k, v in self.agent.state_arrays().items()}
        state.update({f"replay.{k}": v for k, v in self.buffer.state_dict().items()})
        state["loop.state"] = np.array(json.dumps(loop.to_saved()))
        state["loop.env_rng"] = np.array(json.dumps(
            [{"env": loop.reset_states[0], "action_space": action_space_state(self.env)}]))
        state["loop.obs"] = self.obs[None].copy()
        state["loop.actions.0"] = np.array(loop.episode_actions[0], dtype=np.float64).reshape(
            -1, self.agent.act_dim)
        state["rng.numpy"] = np.array(json.dumps(self.rng.bit_generator.state))
        state["rng.torch"] = self.torch.get_rng_state().numpy().copy()
        save_npz_atomic(checkpoint_path(self.out), state)

    def load_checkpoint(self) -> None:
        state = load_npz(checkpoint_path(self.out))
        self.agent.load_state_arrays({k.split(".", 1)[1]: v for k, v in state.items()
                                      if k.startswith("agent.")})
        self.buffer.load_state_dict({k.split(".", 1)[1]: v for k, v in state.items()
                                     if k.startswith("replay.")})
        generators = json.loads(str(state["loop.env_rng"]))
        actions = [state["loop.actions.0"]]
        self.loop = LoopState.from_saved(json.loads(str(state["loop.state"])),
                                         [generators[0]["env"]], actions, 1)
        saved = EnvsAtCheckpoint(generators, actions, state["loop.obs"])
        self.obs = replay_episodes([self.env], [self.seed], saved)[0]
        self.rng.bit_generator.state = json.loads(str(state["rng.numpy"]))
        self.torch.set_rng_state(self.torch.from_numpy(np.array(state["rng.torch"])))


def run(env_id: str, algo: str, seed: int, steps: int, out: Path, *, resume: bool = False,
        init: str = "ours", schedule: str = "per-step", progress: bool = True,
        eval_every: int | None = None, checkpoint_every: int | None = None,
        overrides: dict[str, Any] | None = None, argv: list[str] | None = None) -> PeerRun:
    """Train (or resume) one peer run into ``out``; returns the finished run."""
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule={schedule!r}: use one of {SCHEDULES}")
    cfg = peer_config(env_id, algo, eval_every, checkpoint_every, overrides)
    with hold_run_folder(out):
        remove_stale_temp_files(out)
        saved = read_config_json(out)
        if resume:
            if saved is None:
                raise FileNotFoundError(f"nothing to resume: no {CONFIG_FILE} in {out}; start "
                                        "the run without --resume")
            asked = {"env_id": env_id, "algorithm": algo, "seeds": [seed], "init": init,
                     "schedule": schedule, "config": cfg.to_dict()}
            differs = sorted(k for k, v in asked.items() if saved.get(k) != v)
            if differs:
                raise ValueError(f"the run in {out} was started with other {differs}; resume "
                                 f"it with its own options ({saved.get('command')} --resume)")
        elif holds_results(out):
            raise FileExistsError(f"{out} already holds a run: use --resume to continue it, or "
                                  "choose another --out folder")
        peer = PeerRun(env_id, algo, seed, steps, out, init, schedule, cfg, progress)
        if resume and has_checkpoint(out):
            peer.load_checkpoint()
            if peer.loop.step > steps:
                raise ValueError(f"the run in {out} is already at step {peer.loop.step}, past "
                                 f"--steps {steps}: pass more steps")
            cut_logs_to_step(out, peer.loop.step)  # the rows after the checkpoint come again
            peer.write_config(argv or [])
            record_blas(out, peer.loop.step)  # a change of BLAS kernel: one line, and its step
        else:
            peer.start_folder(argv or [])
            record_blas(out)  # blas.json: the kernel this run reproduces under (torch's too)
            peer.obs = start_first_episodes([peer.env], [seed])[0]
        try:
            peer.train()
        finally:  # the flag is the CPU's, for the whole process: leave torch's default
            peer.torch.set_flush_denormal(False)
    return peer


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = OneLineParser(prog="torch_peer.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", required=True, help="gymnasium task, e.g. Hopper-v5")
    parser.add_argument("--algo", required=True, choices=("td3", "ddpg"))
    parser.add_argument("--seed", type=whole(0), default=0)
    parser.add_argument("--steps", type=whole(1), required=True, help="environment steps")
    parser.add_argument("--out", type=Path, required=True, help="the run folder")
    parser.add_argument("--resume", action="store_true", help="continue from checkpoint.npz")
    parser.add_argument("--init", choices=PEER_OPTIONS["init"], default="ours",
                        help="ours: U(±3e-3) final layers (default); pytorch: the authors'")
    parser.add_argument("--schedule", choices=SCHEDULES, default="per-step",
                        help="per-step: ddpg-numpy's loop (default); episode-end: the authors'")
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    parser.add_argument("--eval-every", type=whole(1), default=None,
                        help="steps between evaluations (default: the preset's, 5000)")
    parser.add_argument("--checkpoint-every", type=whole(1), default=None,
                        help="steps between checkpoints (default: the preset's, 10000)")
    parser.add_argument("--set", dest="overrides", type=parse_override, action="append",
                        default=[], metavar="NAME=VALUE",
                        help="change one of the preset's values (recorded in config.json)")
    args = parser.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print(f"torch_peer.py: error: {TORCH_MISSING}", file=sys.stderr)
        return 2
    try:
        peer = run(args.env, args.algo, args.seed, args.steps, args.out, resume=args.resume,
                   init=args.init, schedule=args.schedule, progress=args.progress,
                   eval_every=args.eval_every, checkpoint_every=args.checkpoint_every,
                   overrides=dict(args.overrides), argv=argv)
    except (ValueError, KeyError, TypeError, OSError, ModuleNotFoundError) as e:
        print(f"torch_peer.py: error: {str(e).splitlines()[0] if str(e) else repr(e)}",
              file=sys.stderr)
        return 2
    except FloatingPointError as e:
        print(f"torch_peer.py: training diverged: {e}", file=sys.stderr)
        return 1
    last = peer.loop.rows[-1] if peer.loop.rows else None
    print(f"done: {peer.loop.step} steps in {peer.out}"
          + (f", last evaluation {last['eval_return_mean']:.1f}" if last else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
