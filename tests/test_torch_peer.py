"""The PyTorch peer (benchmarks/peers): its update is ddpg-numpy's TD3 / DDPG update (same
losses, same parameter changes on the same weights, Adam state, batch and smoothing noise), and
an interrupted run resumes to the same progress.csv as an uninterrupted one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (the peer's optional extra: pip install "
    "torch==2.13.0); the PyTorch peer is not tested")

from benchmarks.peers.torch_agents import TorchAgent  # noqa: E402
from ddpg_numpy.core.agent import DDPG  # noqa: E402
from ddpg_numpy.core.config import DDPGConfig, TD3Config  # noqa: E402
from ddpg_numpy.core.replay import Batch  # noqa: E402
from ddpg_numpy.core.td3 import TD3  # noqa: E402
from ddpg_numpy.lab.kill_points import KILL_AT_VARIABLE  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT / "benchmarks" / "peers" / "torch_peer.py"
OBS_DIM, ACT_DIM = 11, 3
LOW, HIGH = np.array([-1.0, -2.0, 0.0]), np.array([1.0, 2.0, 3.0])  # asymmetric on purpose


def _pairs(ours: DDPG, peer: TorchAgent) -> list[tuple[str, object, object]]:
    """(name, ours' network, the peer's Linear layers) for every network, targets included."""
    pairs = [("actor", ours.actor, peer.actor.layers),
             ("critic", ours.critic, peer.critic.q1_layers),
             ("actor_target", ours.actor_target, peer.actor_target.layers),
             ("critic_target", ours.critic_target, peer.critic_target.q1_layers)]
    if isinstance(ours, TD3):
        pairs += [("critic2", ours.critic2, peer.critic.q2_layers),
                  ("critic2_target", ours.critic2_target, peer.critic_target.q2_layers)]
    return pairs


def _flat_to_layers(flat: np.ndarray, layers) -> list[np.ndarray]:
    """ddpg-numpy's flat layout [W1 (in, out), b1, W2, b2, ...] as torch's [W1ᵀ, b1, ...]."""
    out, offset = [], 0
    for layer in layers:
        n_out, n_in = layer.weight.shape
        out.append(flat[offset:offset + n_in * n_out].reshape(n_in, n_out).T)
        offset += n_in * n_out
        out.append(flat[offset:offset + n_out])
        offset += n_out
    assert offset == flat.size
    return out


def _torch_params(layers) -> np.ndarray:
    """The peer's parameters in ddpg-numpy's flat layout, float64."""
    return np.concatenate([p.detach().numpy().T.ravel() if p.ndim == 2 else p.detach().numpy()
                           for layer in layers for p in (layer.weight, layer.bias)]).astype(float)


def _parameters(layers) -> list:
    return [p for layer in layers for p in (layer.weight, layer.bias)]


def _same_start(algo: str, cfg: DDPGConfig) -> tuple[DDPG, TorchAgent]:
    """Ours in float64 and the peer in float32 with equal weights (float32 values), targets a
    little off their networks (so the soft update shows) and equal Adam moments at t = 5 (so
    Adam's first steps, about ±lr·sign(g), do not magnify rounding)."""
    ours = (TD3 if algo == "td3" else DDPG)(OBS_DIM, ACT_DIM, LOW, HIGH, cfg, seed=4)
    torch.manual_seed(4)
    peer = TorchAgent(algo, OBS_DIM, ACT_DIM, LOW, HIGH, cfg, init="pytorch")
    rng = np.random.default_rng(5)
    as32 = lambda x: x.astype(np.float32).astype(np.float64)  # noqa: E731
    for name, net, layers in _pairs(ours, peer):
        off = 0.01 * rng.standard_normal(net.theta.shape) if "target" in name else 0.0
        net.theta[...] = as32(net.theta + off)
        with torch.no_grad():
            for p, value in zip(_parameters(layers), _flat_to_layers(net.theta, layers)):
                p.copy_(torch.from_numpy(value.astype(np.float32)))
    ours_critic_optimizers = [ours.critic_optimizer] + (
        [ours.critic2_optimizer] if algo == "td3" else [])
    groups = [([ours.actor_optimizer], [peer.actor.layers], peer.actor_optimizer),
              (ours_critic_optimizers, peer.critic.heads(), peer.critic_optimizer)]
    for ours_optimizers, heads, torch_optimizer in groups:
        for ours_opt, layers in zip(ours_optimizers, heads):
            ours_opt.m[0][...] = as32(1e-3 * rng.standard_normal(ours_opt.m[0].shape))
            ours_opt.v[0][...] = as32(rng.uniform(1e-6, 1e-5, ours_opt.v[0].shape))
            ours_opt.t = 5
            for p, m, v in zip(_parameters(layers), _flat_to_layers(ours_opt.m[0], layers),
                               _flat_to_layers(ours_opt.v[0], layers)):
                torch_optimizer.state[p] = {
                    "step": torch.tensor(5.0),
                    "exp_avg": torch.from_numpy(m.astype(np.float32).copy()),
                    "exp_avg_sq": torch.from_numpy(v.astype(np.float32).copy())}
    return ours, peer


def _batch(rng: np.random.Generator, n: int = 100) -> Batch:
    f32 = lambda x: x.astype(np.float32)  # noqa: E731
    return Batch(f32(rng.standard_normal((n, OBS_DIM))), f32(rng.uniform(LOW, HIGH, (n, ACT_DIM))),
                 f32(rng.standard_normal(n)), f32(rng.standard_normal((n, OBS_DIM))),
                 f32((rng.random(n) < 0.1).astype(float)))


@pytest.mark.parametrize("algo", ["td3", "ddpg"])
def test_peer_update_equals_ours_float64(algo: str) -> None:
    """Three updates (TD3: the actor and targets move on the 2nd) from the same state: the same
    losses, Q means and actor objectives (to 1e-5 relative), and the same parameter changes of
    every network, targets included (to float32's rounding of the parameters)."""
    cls = TD3Config if algo == "td3" else DDPGConfig
    cfg = cls.preset("Hopper-v5", hidden=(64, 48), dtype="float64", flush_denormals=False)
    ours, peer = _same_start(algo, cfg)
    before = [net.theta.copy() for _, net, _ in _pairs(ours, peer)]
    rng = np.random.default_rng(6)
    h = (HIGH - LOW) / 2
    for _ in range(3):
        batch = _batch(rng)
        smoothing = None
        if algo == "td3":  # the noise ours will draw, from a copy of its generator
            copy_rng = np.random.default_rng()
            copy_rng.bit_generator.state = ours.rng.bit_generator.state
            eps = cfg.target_noise * h * copy_rng.standard_normal((len(batch.rewards), ACT_DIM))
            smoothing = torch.from_numpy(np.clip(eps, -cfg.target_noise_clip * h,
                                                 cfg.target_noise_clip * h).astype(np.float32))
        got = peer.update(batch, actor_step=(peer.updates + 1) % getattr(cfg, "policy_delay", 1)
                          == 0, smoothing=smoothing)
        want = ours.update(Batch(*(x.astype(np.float64) for x in batch)))
        for key in ("critic_loss", "q_mean", "actor_objective"):
            assert np.isnan(got[key]) == np.isnan(want[key]), key
            if not np.isnan(want[key]):
                np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-7,
                                           err_msg=key)
    assert peer.updates == ours.updates == 3
    for (name, net, layers), start in zip(_pairs(ours, peer), before):
        change_ours, change_peer = net.theta - start, _torch_params(layers) - start
        assert np.abs(change_ours).max() > 1e-5, name  # every network moved (targets too)
        difference = np.abs(change_peer - change_ours).max()
        print(f"{algo} {name}: largest change {np.abs(change_ours).max():.2e}, largest "
              f"difference {difference:.1e} ({difference / np.abs(change_ours).max():.0e} of it)")
        # float32 rounding of the parameters themselves (~3e-8 for values near 0.3) is the
        # whole difference: a few units in the last place, under 1e-4 of the changes
        assert difference < 1e-7 and difference < 1e-4 * np.abs(change_ours).max(), name


def _train_side_by_side(cfg, ours64, peer, fast, fast_update, rng, h, updates=600) -> None:
    """``updates`` TD3 steps of the three agents on the same batches and smoothing noise."""
    for _ in range(updates):
        batch = _batch(rng)
        copy_rng = np.random.default_rng()  # the noise ours will draw, from a copy
        copy_rng.bit_generator.state = ours64.rng.bit_generator.state
        fast.rng.bit_generator.state = ours64.rng.bit_generator.state
        eps = cfg.target_noise * h * copy_rng.standard_normal((len(batch.rewards), ACT_DIM))
        smoothing = np.clip(eps, -cfg.target_noise_clip * h, cfg.target_noise_clip * h)
        peer.update(batch, actor_step=(peer.updates + 1) % cfg.policy_delay == 0,
                    smoothing=torch.from_numpy(smoothing.astype(np.float32)))
        ours64.update(Batch(*(x.astype(np.float64) for x in batch)))
        fast_update(batch)


def test_peer_and_our_float32_path_stay_together_over_many_updates() -> None:
    """600 TD3 updates from the same state, batches and smoothing noise: the peer (float32) and
    our fast float32 path stay within float32's rounding of each other (about 2e-7 of the
    parameters' size), while both drift from the float64 update by orders of magnitude more
    (rounding amplified by training): the two implementations follow one trajectory, so a
    difference between their runs comes from their random streams, not from the update."""
    from ddpg_numpy.fast import FastTD3Update

    cfg = TD3Config.preset("Hopper-v5", hidden=(64, 48), dtype="float64", flush_denormals=False)
    ours64, peer = _same_start("td3", cfg)
    fast = TD3(OBS_DIM, ACT_DIM, LOW, HIGH, cfg.replace(dtype="float32"), seed=4)
    for name, net, _ in _pairs(ours64, peer):
        fast.networks()[name].theta[...] = net.theta
    for name in ("actor_optimizer", "critic_optimizer", "critic2_optimizer"):
        source, copy = getattr(ours64, name), getattr(fast, name)
        copy.m[0][...], copy.v[0][...], copy.t = source.m[0], source.v[0], source.t
    fast_update, rng, h = FastTD3Update(fast), np.random.default_rng(6), (HIGH - LOW) / 2
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the peer runs (torch_peer.py); more only contend here
    try:
        _train_side_by_side(cfg, ours64, peer, fast, fast_update, rng, h)
    finally:
        torch.set_num_threads(threads)

    drift = 0.0
    for name, net, layers in _pairs(ours64, peer):
        size = np.abs(net.theta).max()
        peer_vs_fast = np.abs(_torch_params(layers) - fast.networks()[name].theta).max() / size
        float32_vs_64 = np.abs(fast.networks()[name].theta - net.theta).max() / size
        print(f"{name}: peer - ours float32 {peer_vs_fast:.1e}, ours float32 - float64 "
              f"{float32_vs_64:.1e}")
        assert peer_vs_fast < 1e-6, name
        drift = max(drift, float32_vs_64)
    assert drift > 1e-4  # the check is sharp enough to see rounding grow


def test_state_arrays_round_trip() -> None:
    """The checkpoint's arrays restore the agent: the next update is bit for bit the same."""
    cfg = TD3Config.preset("Hopper-v5", hidden=(32, 32))
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    peer = TorchAgent("td3", OBS_DIM, ACT_DIM, LOW, HIGH, cfg)
    for i in range(3):
        peer.update(_batch(rng), actor_step=i % 2 == 1)
    arrays = peer.state_arrays()
    assert {"actor_optimizer.0.exp_avg_sq", "critic_optimizer.11.step"} <= set(arrays)
    torch.manual_seed(1)  # other initial weights, to be overwritten
    restored = TorchAgent("td3", OBS_DIM, ACT_DIM, LOW, HIGH, cfg)
    restored.load_state_arrays(arrays)
    batch, noise = _batch(rng), torch.zeros(100, ACT_DIM)
    assert peer.update(batch, True, noise) == restored.update(batch, True, noise)
    for key, value in peer.state_arrays().items():
        np.testing.assert_array_equal(restored.state_arrays()[key], value, err_msg=key)


def _run_peer(out: Path, schedule: str, kill_at: int | None = None,
              resume: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, str(PEER), "--env", "InvertedPendulum-v5", "--algo", "td3",
               "--seed", "3", "--steps", "1200", "--out", str(out), "--schedule", schedule,
               "--eval-every", "100", "--checkpoint-every", "500", "--no-progress",
               "--set", "hidden=(48, 48)", "--set", "warmup_steps=200",
               "--set", "learning_starts=200"] + (["--init", "pytorch"]
                                                  if schedule == "episode-end" else [])
    env = dict(os.environ)
    env.pop(KILL_AT_VARIABLE, None)
    if kill_at is not None:
        env[KILL_AT_VARIABLE] = f"step:{kill_at}"
    return subprocess.run(command + (["--resume"] if resume else []), capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=900)


@pytest.mark.parametrize("schedule", ["per-step", "episode-end"])
def test_killed_run_resumes_to_the_same_progress(tmp_path: Path, schedule: str) -> None:
    """Killed (SIGKILL) at step 1,150, after the checkpoint at 1,000 taken mid-episode and the
    evaluation rows of 1,100; resumed: progress.csv equals the uninterrupted run's, byte for
    byte, and config.json says what made it."""
    whole = _run_peer(tmp_path / "whole", schedule)
    assert whole.returncode == 0, whole.stderr
    killed = _run_peer(tmp_path / "killed", schedule, kill_at=1150)
    assert killed.returncode == -9, killed.stderr
    rows = (tmp_path / "killed" / "progress.csv").read_text().splitlines()
    assert rows[-1].startswith("1100,")  # a row after the checkpoint, which resume redoes
    with np.load(tmp_path / "killed" / "checkpoint.npz") as checkpoint:
        assert json.loads(str(checkpoint["loop.state"]))["step"] == 1000
        assert len(checkpoint["loop.actions.0"]) > 0  # mid-episode: the episode is replayed
    resumed = _run_peer(tmp_path / "killed", schedule, resume=True)
    assert resumed.returncode == 0, resumed.stderr
    text = (tmp_path / "whole" / "progress.csv").read_text()
    assert (tmp_path / "killed" / "progress.csv").read_text() == text
    assert len(text.splitlines()) == 13 and "nan" not in text.splitlines()[-1]
    run = json.loads((tmp_path / "killed" / "config.json").read_text())
    assert (run["implementation"], run["torch_version"], run["torch_threads"],
            run["schedule"]) == ("pytorch-peer", torch.__version__, 1, schedule)
    assert run["config"]["hidden"] == [48, 48] and run["config"]["batch_size"] == 100


@pytest.mark.parametrize("args, says", [
    (["--algo", "sac"], "invalid choice: 'sac'"),
    (["--algo", "td3", "--env", "Pendulum-v1"], "does not implement"),
    (["--algo", "td3", "--set", "taux=1"], "unknown TD3Config field"),
    (["--algo", "td3", "--resume"], "nothing to resume"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    base = {"--env": "InvertedPendulum-v5", "--steps": "10", "--out": str(tmp_path / "run")}
    for flag, value in base.items():
        if flag not in args:
            args = args + [flag, value]
    done = subprocess.run([sys.executable, str(PEER), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and says in done.stderr, done.stderr


def test_peer_evaluation_is_ours() -> None:
    """The peer's policy on ddpg-numpy's evaluation: with ours' actor weights it scores what
    ours scores, start state by start state (the same 10 fixed starts)."""
    from benchmarks.peers.torch_peer import _EvalPolicy
    from ddpg_numpy.lab.envs import evaluate, make_env

    env_id = "InvertedPendulum-v5"
    cfg = TD3Config.preset(env_id, hidden=(32, 32))
    env = make_env(env_id)
    low, high = env.action_space.low, env.action_space.high
    ours = TD3(4, 1, low, high, cfg, seed=2)
    ours.env_id = env_id
    torch.manual_seed(2)
    peer = TorchAgent("td3", 4, 1, low, high, cfg)
    with torch.no_grad():
        for p, value in zip(_parameters(peer.actor.layers),
                            _flat_to_layers(ours.actor.theta, peer.actor.layers)):
            p.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    want = evaluate(ours, env_id, 10)
    got = evaluate(_EvalPolicy(peer, env_id, low, high), env_id, 10)
    assert got.shape == (10,) and len(set(want.tolist())) > 1  # different starts, returns
    np.testing.assert_array_equal(got, want)
