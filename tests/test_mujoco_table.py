"""benchmarks/mujoco_table.py: the MuJoCo runs collected into small shipped files, on a fake runs
folder (known numbers, the real column names) and on a tiny real trained agent."""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the collector imports plots (no display in tests)

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ddpg_numpy import TD3, TD3Config, load_agent, train  # noqa: E402
from ddpg_numpy.cli import main as cli_main  # noqa: E402
from ddpg_numpy.lab.envs import evaluate  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import mujoco_table as M  # noqa: E402

# The header of runs/mujoco/<env>/td3/seed0/progress.csv and timing.csv, copied.
PROGRESS_HEADER = ("step,seed,episodes,eval_return_mean,eval_return_std,eval_return_min,"
                   "eval_return_max,train_return,critic_loss,q_mean,actor_objective,updates")
TIMING_HEADER = "step,train_seconds,eval_seconds"
STEPS = range(5000, 200_001, 5000)


def ours(step, algo, seed):
    return step / (40 if algo == "td3" else 100) + 100 * seed


def write_run(run, env, algo, seed, last_step=200_000, torn_row=False):
    """progress.csv, timing.csv (1 s of training per 100 steps, 0.5 s of evaluation per
    evaluation) and config.json of a run that got to ``last_step``."""
    run.mkdir(parents=True)
    rows, timing = [PROGRESS_HEADER], [TIMING_HEADER]
    for k, step in enumerate(s for s in STEPS if s <= last_step):
        rows.append(f"{step},{seed},{step // 500},{ours(step, algo, seed)},1,0,2,3,0.5,40,41,"
                    f"{step - 999}")
        timing.append(f"{step},{step / 100},{0.5 * (k + 1)}")
    text = "\n".join(rows) + "\n"
    (run / "progress.csv").write_text(text + ("205000,0,41" if torn_row else ""))
    (run / "timing.csv").write_text("\n".join(timing) + "\n")
    config = {"learning_starts": 1000, "warmup_steps": 1000, "eval_episodes": 10}
    (run / "config.json").write_text(json.dumps({"env_id": env, "seeds": [seed],
                                                 "steps": 200_000, "config": config}))


def paper_value(task, seed, i):
    return {"Hopper": 20.0, "Walker2d": 30.0}.get(task, 1.0) * i + 50 * seed


@pytest.fixture
def paper_folder(tmp_path):
    """The paper's .npy files: 4 tasks x 10 seeds x 201 evaluations, known numbers."""
    folder = tmp_path / "td3curves"
    folder.mkdir()
    for task in M.PAPER_TASKS:
        for seed in M.PAPER_SEEDS:
            np.save(folder / f"TD3_{task}-v1_{seed}.npy",
                    np.array([paper_value(task, seed, i) for i in range(201)]))
    return folder


def run_main(runs, out, paper_folder, *extra):
    return M.main(["--runs", str(runs), "--peer-runs", str(runs.parent / "peer"), "--out",
                   str(out), "--paper-curves", str(paper_folder), "--paper-curves-2018-02",
                   str(paper_folder), "--reps", "100", *extra])


def test_collects_finished_logs_and_reports_over_seeds(tmp_path, paper_folder, capsys):
    runs, out = tmp_path / "runs", tmp_path / "out"
    for algo in ("ddpg", "td3"):
        for seed in (0, 1, 2):
            write_run(runs / "Hopper-v5" / algo / f"seed{seed}", "Hopper-v5", algo, seed,
                      torn_row=seed == 0)
            write_run(runs / "Walker2d-v5" / algo / f"seed{seed}", "Walker2d-v5", algo, seed,
                      last_step=150_000 if seed == 2 else 200_000)
    for seed in (0, 1):
        peer = tmp_path / "peer" / "Hopper-v5" / "td3" / f"seed{seed}"
        write_run(peer, "Hopper-v5", "td3", seed + 5)
        (peer / M.CHECKPOINT_FILE).write_bytes(b"")  # the peer keeps it and writes no agent.npz
    # A peer run laid out as a sweep cell (benchmarks/specs/mujoco.toml) goes to the same place.
    write_run(runs / "Hopper-v5" / "td3-pytorch-peer" / "seed2", "Hopper-v5", "td3", 7)
    assert run_main(runs, out, paper_folder) == 0
    copied = (out / "Hopper-v5/td3/seed0/progress.csv").read_text()
    assert copied == (runs / "Hopper-v5/td3/seed0/progress.csv").read_text().rsplit("\n", 1)[0] \
        + "\n"  # the row being written is left out
    assert copied.splitlines()[0] == PROGRESS_HEADER
    assert not list(out.rglob("*.npz"))  # no agent files in these runs: none written
    assert not (out / "Walker2d-v5/td3/seed2").exists()  # still training: left out
    assert (out / "pytorch_peer/Hopper-v5/td3/seed1/progress.csv").is_file()
    assert (out / "pytorch_peer/Hopper-v5/td3/seed2/progress.csv").is_file()
    assert not (out / "Hopper-v5/td3-pytorch-peer").exists()

    curves = (out / M.PAPER_CURVES_FILE).read_text().splitlines()
    assert curves[0].startswith("# The TD3 paper's learning curves") and \
        curves[2] == "env,seed,step,return"
    assert len(curves) == 3 + 4 * 10 * (M.PAPER_MAX_STEP // 5000 + 1)
    assert (out / M.PAPER_CURVES_FILE).stat().st_size < 150_000

    seeds = list(M.csv.DictReader(open(out / "results_seeds.csv")))
    hopper = [r for r in seeds if (r["task"], r["group"]) == ("Hopper", "ours TD3")]
    # Seed k's evaluations are step / 40 + 100 k: over 100k-200k their mean is 3,750 + 100 k.
    assert [float(r["100k–200k"]) for r in hopper] == [3750, 3850, 3950]
    assert [float(r["150k–200k"]) for r in hopper] == [4375, 4475, 4575]
    assert [float(r["at_200k"]) for r in hopper] == [5000, 5100, 5200]
    assert {r["steps_per_second"] for r in hopper} == {"100.0"}  # 1 s per 100 steps
    assert {r["kernel"] for r in hopper} == {M.mujoco_report.LEGACY_KERNEL}  # no blas.json

    rows = {(r["task"], r["group"], r["window"]): r
            for r in M.csv.DictReader(open(out / "results.csv"))}
    td3 = rows["Hopper", "ours TD3", "100k–200k"]
    assert td3["n"] == "3" and float(td3["mean"]) == 3850 and float(td3["iqm"]) == 3850
    assert 3750 <= float(td3["mean_low"]) < 3850 < float(td3["mean_high"]) <= 3950
    walker = rows["Walker2d", "ours TD3", "100k–200k"]
    assert walker["n"] == "2" and walker["unfinished"] == "0"
    paper = rows["Hopper", "paper, camera-ready", "100k–200k"]
    # The paper's seed k: 20 i + 50 k at evaluation i; i = 20 ... 40 over 100k-200k.
    assert paper["n"] == "10" and float(paper["mean"]) == 20 * 30 + 225
    diff = rows["Hopper", "ours TD3 − peer TD3", "100k–200k"]
    peer_mean = 3750 + 100 * 6  # its seeds wrote 100 k with k = 5, 6, 7
    assert float(diff["mean"]) == pytest.approx(3850 - peer_mean)
    assert float(diff["mean_low"]) < 3850 - peer_mean < float(diff["mean_high"])
    assert ("Hopper", "ours DDPG − peer TD3", "100k–200k") not in rows
    table = capsys.readouterr().out
    assert "| Hopper | ours TD3 | 100k–200k | 3 | 0 | 3,850 [" in table
    assert "| Hopper | peer TD3 | 100k–200k | 3 | 0 |" in table
    assert (out / "results.md").read_text() in table
    # Both sides ran at 100 steps per training second, under the same (recorded) kernel.
    assert "| Hopper | ours TD3 | SkylakeX | 3 | 100 | 100–100 |" in table
    assert "| Hopper | peer TD3 | SkylakeX | 3 | 100 | 100–100 |" in table
    assert "taking turns in one process" not in table  # no peer_speed.md in out

    # With peer_speed.md (benchmarks/peer_speed.py --write) the report quotes its table.
    (out / "peer_speed.md").write_text("TD3 on ...\n\n| implementation | x |\n|---|---|\n"
                                       "| the PyTorch peer (1 thread) | **1.47×** |\n\nMachine\n")
    report = M.mujoco_report.report_files(out, reps=50)["results.md"]
    assert report.endswith("process (`peer_speed.md`, written by `benchmarks/peer_speed.py`, "
                           "which names its machine and command):\n\n| implementation | x |\n"
                           "|---|---|\n| the PyTorch peer (1 thread) | **1.47×** |\n")


def test_shipped_runs_stay_and_unfinished_ones_come_only_marked(tmp_path, paper_folder):
    runs, out = tmp_path / "runs", tmp_path / "out"
    write_run(runs / "Hopper-v5/td3/seed0", "Hopper-v5", "td3", 0)
    assert run_main(runs, out, paper_folder) == 0
    (runs / "Hopper-v5/td3/seed0/progress.csv").unlink()  # the shipped run's folder is gone
    write_run(runs / "Hopper-v5/td3/seed1", "Hopper-v5", "td3", 1)  # a new finished run
    write_run(runs / "Hopper-v5/td3/seed2", "Hopper-v5", "td3", 2, last_step=50_000)
    assert run_main(runs, out, paper_folder) == 0
    assert sorted(p.name for p in (out / "Hopper-v5/td3").iterdir()) == ["seed0", "seed1"]
    assert run_main(runs, out, paper_folder, "--include-unfinished") == 0
    marked = out / "Hopper-v5/td3/seed2" / M.UNFINISHED_FILE
    assert marked.read_text().startswith("copied at step 50000 of 200000")
    rows = {(r["task"], r["group"], r["window"]): r
            for r in M.csv.DictReader(open(out / "results.csv"))}
    assert rows["Hopper", "ours TD3", "100k–200k"]["n"] == "2"
    assert rows["Hopper", "ours TD3", "100k–200k"]["unfinished"] == "1"
    peer = tmp_path / "peer" / "Walker2d-v5" / "td3" / "seed0"  # a group with no complete run
    write_run(peer, "Walker2d-v5", "td3", 0, last_step=20_000)
    assert run_main(runs, out, paper_folder, "--include-unfinished") == 0
    assert "| Walker2d | peer TD3 | 100k–200k | 0 | 1 | — | — | — |" in (
        out / "results.md").read_text()
    # A complete shipped run is never replaced by an unfinished one of the same seed.
    write_run(tmp_path / "again/Hopper-v5/td3/seed0", "Hopper-v5", "td3", 0, last_step=10_000)
    assert run_main(tmp_path / "again", out, paper_folder, "--include-unfinished") == 0
    assert M.last_step(out / "Hopper-v5/td3/seed0") == 200_000
    # Without the flag, the marked copy goes (it has not finished).
    assert run_main(runs, out, paper_folder) == 0
    assert not (out / "Hopper-v5/td3/seed2").exists()


def test_committed_report_is_what_the_command_writes_from_the_shipped_logs():
    shipped = Path(__file__).resolve().parents[1] / "checkpoints" / "mujoco"
    for name, text in M.mujoco_report.report_files(shipped).items():
        assert (shipped / name).read_text() == text, (
            f"checkpoints/mujoco/{name} is stale: python benchmarks/mujoco_report.py")


def test_without_runs_or_paper_curves_it_says_what_to_pass(tmp_path, paper_folder, capsys):
    assert M.main(["--runs", str(tmp_path / "nothing"), "--out", str(tmp_path / "o")]) == 2
    assert "no finished run folder" in capsys.readouterr().err
    write_run(tmp_path / "runs/Hopper-v5/td3/seed0", "Hopper-v5", "td3", 0)
    assert M.main(["--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "o"),
                   "--paper-curves", str(tmp_path / "missing")]) == 2
    assert "paper's .npy curves" in capsys.readouterr().err
    stacked = tmp_path / "stacked/Hopper-v5/td3/seed0"
    write_run(stacked, "Hopper-v5", "td3", 0)
    (stacked / "config.json").write_text(json.dumps({"seeds": [0, 1], "steps": 200_000}))
    assert M.main(["--runs", str(tmp_path / "stacked"), "--out", str(tmp_path / "o")]) == 2
    assert "one per folder" in capsys.readouterr().err
    # Once written, the curves stay when the paper's folders are not given.
    assert run_main(tmp_path / "runs", tmp_path / "o", paper_folder) == 0
    assert M.main(["--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "o")]) == 0


def test_actor_only_file_acts_like_the_agent_at_a_fraction_of_its_size(tmp_path, paper_folder,
                                                                        capsys):
    runs, out = tmp_path / "runs", tmp_path / "out"
    run = runs / "Pendulum-v1" / "td3" / "seed0"
    cfg = TD3Config.preset("Pendulum-v1", hidden=(64, 64), batch_size=16, buffer_size=1000,
                           warmup_steps=100, learning_starts=100, eval_every=100,
                           eval_episodes=2)
    train("Pendulum-v1", cfg, steps=300, seed=0, out=run, progress=False)
    assert run_main(runs, out, paper_folder, "--start-episodes", "3") == 0
    trained, actor = load_agent(run / "agent.npz"), load_agent(out / run.relative_to(runs) /
                                                                M.ACTOR_FILE)
    assert isinstance(actor, TD3) and actor.env_id == "Pendulum-v1"
    np.testing.assert_array_equal(actor.actor.theta, trained.actor.theta)
    assert actor.actor.theta.dtype == np.float32
    assert not actor.critic.theta.any() and not actor.critic2.theta.any()
    np.testing.assert_array_equal(evaluate(actor, "Pendulum-v1", 2),
                                  evaluate(trained, "Pendulum-v1", 2))
    acting = tmp_path / "acting.npz"
    trained.save(acting, training_state=False)  # actor and critics, uncompressed
    size = (out / run.relative_to(runs) / M.ACTOR_FILE).stat().st_size
    assert size < 0.5 * acting.stat().st_size
    capsys.readouterr()
    assert cli_main(["evaluate", str(out / run.relative_to(runs) / M.ACTOR_FILE),
                     "--episodes", "2"]) == 0
    assert "Pendulum-v1 seed 0: mean return" in capsys.readouterr().out

    values = list(M.csv.DictReader(open(out / M.START_VALUES_FILE)))
    assert [int(v["start"]) for v in values] == [0, 1, 2]
    assert {v["step"] for v in values} == {"300"}
    q1, returns = M.start_values(trained, "Pendulum-v1", 3)
    np.testing.assert_allclose([float(v["q1"]) for v in values], q1, atol=0.01)
    np.testing.assert_allclose([float(v["discounted_return"]) for v in values], returns,
                               atol=0.01)


def test_only_finished_runs_unless_asked(tmp_path):
    runs = tmp_path / "runs"
    write_run(runs / "Hopper-v5" / "td3" / "seed0", "Hopper-v5", "td3", 0)
    write_run(runs / "Hopper-v5" / "td3" / "seed1", "Hopper-v5", "td3", 1, last_step=50_000)
    (runs / "Hopper-v5" / "td3" / "seed0" / M.AGENT_FILE).write_bytes(b"")  # its run ended
    (runs / "Hopper-v5" / "td3" / "seed1" / M.CHECKPOINT_FILE).write_bytes(b"")
    assert [p.name for p in M.run_folders(runs, finished_only=False)] == ["seed0", "seed1"]
    assert [p.name for p in M.run_folders(runs)] == ["seed0"]


def test_action_bounds_gradients_are_the_actors_own(tmp_path):
    """benchmarks/mujoco_action_bounds.py: ‖∂J/∂θ‖ is the gradient of J = mean Q₁(s, μ(s)) (a
    central difference along a random direction agrees), and the saturation columns count what
    they say."""
    from benchmarks import mujoco_action_bounds as B

    agent = TD3(3, 2, [-2.0, -1.0], [2.0, 1.0], TD3Config(hidden=(16, 16), dtype="float64"))
    rng = np.random.default_rng(0)
    states, s0 = rng.normal(size=(50, 3)), rng.normal(size=3)
    row = B.snapshot_row(agent, s0, states)
    grad = agent.actor.grad.copy()
    assert row["grad_norm"] == pytest.approx(np.linalg.norm(grad))

    def objective(theta):
        saved = agent.actor.theta.copy()
        agent.actor.theta[...] = theta
        value = agent.critic(states, agent.actor(states)).mean()
        agent.actor.theta[...] = saved
        return value

    v, eps = rng.normal(size=grad.shape), 1e-6
    theta = agent.actor.theta.copy()
    slope = (objective(theta + eps * v) - objective(theta - eps * v)) / (2 * eps)
    assert slope == pytest.approx(grad @ v, rel=1e-5)
    unit = (agent.actor(states) - agent.actor.center) / agent.actor.half_width
    assert row["saturated"] == np.mean(np.abs(unit) > 0.99)
    assert row["mean_abs_action"] == pytest.approx(np.abs(unit).mean())
    np.testing.assert_allclose([row["a0_0"], row["a0_1"]], agent.actor(s0[None])[0])
