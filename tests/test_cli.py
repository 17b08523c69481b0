"""The command line: each command once on tiny inputs, and its errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ddpg_numpy.cli import build_parser, main
from ddpg_numpy.lab.options import parse_seeds

FAST = ["--set", "hidden=(16, 16)", "--set", "eval_every=200", "--set", "eval_episodes=2",
        "--no-progress"]


def test_help_explains_commands_with_examples(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("train", "evaluate", "render", "plot", "figures", "gradcheck", "bench"):
        assert command in out
    assert "python -m ddpg_numpy train --env Pendulum-v1" in out


def test_train_help_describes_every_option():
    text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    for option in ("--env", "--steps", "--seed", "--seeds", "--workers", "--out", "--resume",
                   "--set"):
        assert option in text


def test_seeds_ranges_and_lists():
    assert parse_seeds("0-4") == [0, 1, 2, 3, 4]
    assert parse_seeds("1,5,7") == [1, 5, 7]
    with pytest.raises(Exception, match="0-4"):
        parse_seeds("a-b")
    with pytest.raises(Exception, match="reversed; write 1-3"):
        parse_seeds("3-1")
    with pytest.raises(Exception, match=r"seed \[2\] more than once"):
        parse_seeds("0-2,2")
    with pytest.raises(Exception, match=">= 0"):
        parse_seeds("-1")


def test_train_then_evaluate(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--steps", "400", "--out", str(out), *FAST]) == 0
    assert "evaluation return" in capsys.readouterr().out
    assert main(["evaluate", str(out / "agent.npz"), "--episodes", "2"]) == 0
    assert "Pendulum-v1 seed 0: mean return" in capsys.readouterr().out


def test_train_several_seeds(tmp_path, capsys):
    assert main(["train", "--steps", "200", "--seeds", "0-2", "--out", str(tmp_path / "s"),
                 *FAST]) == 0
    out = capsys.readouterr().out
    assert "seed 0:" in out and "seed 2:" in out


def test_seeds_in_workers_and_their_resume(tmp_path, capsys):
    out = tmp_path / "w"
    assert main(["train", "--steps", "200", "--seeds", "0-2", "--workers", "2", "--out",
                 str(out), *FAST]) == 0
    assert (out / "workers" / "seeds_0_1").is_dir() and (out / "workers" / "seeds_2").is_dir()
    first = (out / "progress.csv").read_text()
    # --resume takes the grouping from config.json (another one would be refused).
    assert main(["train", "--out", str(out), "--resume", "--steps", "400", "--no-progress"]) == 0
    assert "seed 2: step 400" in capsys.readouterr().out
    assert (out / "progress.csv").read_text().startswith(first)


def test_gradcheck_passes(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    assert "0 failed" in out and "FAIL" not in out


@pytest.mark.parametrize("argv, message", [
    (["train", "--env", "CartPole-v1", "--steps", "5"], "continuous"),
    (["train", "--env", "Pendulm-v1", "--steps", "5"], "Did you mean Pendulum-v1"),
    (["train", "--set", "tau=2", "--steps", "5"], "tau=2 must be in"),
    (["train", "--set", "learning_rate=1", "--steps", "5"], "learning_rate"),
    (["evaluate", "missing.npz"], "no checkpoint at missing.npz"),
    (["train", "--resume"], "--resume needs --out"),
])
def test_errors_are_one_clear_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_module_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "ddpg_numpy", "--help"], capture_output=True,
                          text=True)
    assert done.returncode == 0 and "gradcheck" in done.stdout


def test_plot_and_render(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--steps", "400", "--out", str(out), *FAST]) == 0
    assert main(["plot", str(out), "--out", str(tmp_path / "curves.png")]) == 0
    assert (tmp_path / "curves.png").stat().st_size > 10_000
    assert main(["render", str(out / "agent.npz"), "--gif", str(tmp_path / "a.gif"),
                 "--steps", "6"]) == 0
    assert (tmp_path / "a.gif").read_bytes()[:6] in (b"GIF89a", b"GIF87a")


def test_pendulum_returns_stand_beside_the_optimum_on_the_same_starts(tmp_path, capsys,
                                                                      monkeypatch):
    import matplotlib.pyplot as plt

    from ddpg_numpy import plots
    from ddpg_numpy.pendulum import load_ground_truth

    truth = load_ground_truth(Path(__file__).resolve().parents[1] / "checkpoints"
                              / "pendulum_optimal.npz")
    out = tmp_path / "run"
    assert main(["train", "--steps", "400", "--out", str(out), *FAST]) == 0
    on_two = f"optimum on these 2 start states (dynamic programming): " \
             f"{truth.eval_returns[:2].mean():.1f}"
    assert on_two in capsys.readouterr().out
    assert main(["evaluate", str(out / "agent.npz"), "--episodes", "3"]) == 0
    assert f"optimum on these 3 start states (dynamic programming): " \
           f"{truth.eval_returns[:3].mean():.1f}" in capsys.readouterr().out

    drawn = {}
    real_plot_runs = plots.plot_runs

    def plot_runs(runs, **kwargs):
        drawn.update(kwargs.get("reference_lines") or {})
        return real_plot_runs(runs, **kwargs)

    monkeypatch.setattr(plots, "plot_runs", plot_runs)
    assert main(["plot", str(out), "--out", str(tmp_path / "c.png")]) == 0
    assert list(drawn.values()) == [truth.eval_returns[:2].mean()]  # the run's own 2 starts
    plt.close("all")

    hanging = int(abs((truth.eval_starts[:, 0] + 3.141592653589793) % 6.283185307179586
                      - 3.141592653589793).argmax())
    assert main(["render", str(out / "agent.npz"), "--gif", str(tmp_path / "a.gif"),
                 "--steps", "2"]) == 0
    said = capsys.readouterr().out
    assert f"reset(seed={truth.eval_seed_base + hanging})" in said
    assert f"{truth.eval_returns[hanging]:.1f}" in said


def test_plot_of_a_folder_without_a_run_is_explained(tmp_path, capsys):
    assert main(["plot", str(tmp_path), "--out", str(tmp_path / "x.png")]) == 2
    assert "progress.csv" in capsys.readouterr().err


def subcommand(name: str):
    return build_parser()._subparsers._group_actions[0].choices[name]


def test_bench_gradcheck_and_render_explain_their_options():
    for action in subcommand("bench")._actions:
        assert action.help, f"bench {action.option_strings} has no help text"
        if action.default not in (None, "==SUPPRESS=="):
            assert "default" in action.help, f"bench {action.option_strings}: say the default"
    assert "finite differences" in subcommand("gradcheck").format_help()
    seed = next(a for a in subcommand("render")._actions if "--seed" in a.option_strings)
    assert "default: for Pendulum-v1 the evaluation start hanging lowest" in seed.help


def test_plot_without_out_writes_into_the_run_folder_not_here(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    assert main(["train", "--steps", "200", "--out", str(out), *FAST]) == 0
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert main(["plot", str(out)]) == 0
    assert f"wrote {out / 'learning_curves.png'}" in capsys.readouterr().out
    assert (out / "learning_curves.png").is_file() and list(here.iterdir()) == []


def test_resume_accepts_flags_equal_to_the_runs_own(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--steps", "200", "--out", str(out), *FAST]) == 0
    assert main(["train", "--out", str(out), "--resume", "--steps", "400", "--env",
                 "Pendulum-v1", "--seed", "0", "--workers", "1", "--set", "eval_every=200",
                 "--no-progress"]) == 0
    assert "seed 0: step 400" in capsys.readouterr().out


def test_a_run_shorter_than_one_evaluation_says_so(capsys):
    assert main(["train", "--steps", "30", *FAST]) == 0
    assert "no evaluation yet: the first is at step 200" in capsys.readouterr().out


def test_algo_is_explained_where_it_is_taken():
    for name in ("train", "evaluate", "render", "bench"):
        algo = next(a for a in subcommand(name)._actions if "--algo" in a.option_strings)
        assert list(algo.choices) == ["ddpg", "td3"] and algo.default is None, name
        assert "default" in algo.help, name
    assert not any("--algo" in a.option_strings for a in subcommand("plot")._actions)
    assert "algorithm" in subcommand("plot").format_help()  # labels come from config.json


def test_a_task_without_a_preset_trains_with_the_fast_defaults_and_says_so(tmp_path, capsys):
    small = ["--steps", "300", "--set", "hidden=(16, 16)", "--set", "warmup_steps=100",
             "--set", "learning_starts=100", "--set", "eval_every=300", "--set",
             "eval_episodes=1", "--no-progress"]
    out = tmp_path / "car"
    assert main(["train", "--env", "MountainCarContinuous-v0", "--out", str(out), *small]) == 0
    printed = capsys.readouterr().out
    assert "MountainCarContinuous-v0 has no preset: using the fast defaults" in printed
    assert "--paper for the DDPG paper's" in printed and "checkpoints/fast_defaults" in printed
    saved = json.loads((out / "config.json").read_text())["config"]
    assert saved["dtype"] == "float32" and saved["flush_denormals"] is True
    assert saved["batch_size"] == 100 and saved["noise"] == "gaussian"

    paper = tmp_path / "paper"
    assert main(["train", "--env", "MountainCarContinuous-v0", "--paper", "--out", str(paper),
                 *small]) == 0
    assert "has no preset" not in capsys.readouterr().out
    saved = json.loads((paper / "config.json").read_text())["config"]
    assert saved["dtype"] == "float64" and saved["noise"] == "ou" and saved["batch_size"] == 64
