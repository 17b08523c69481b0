"""The command line with ``--algo td3``: train, resume, evaluate, render, plot and bench, and the
bad inputs that come with choosing an algorithm (exit code 2, one line naming the fix)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from ddpg_numpy import TD3Config
from ddpg_numpy.cli import main
from ddpg_numpy.cli_parser import typed_overrides
from ddpg_numpy.core.checkpoint import load_npz
from ddpg_numpy.lab.options import parse_override

TINY = ["--set", "hidden=(8, 8)", "--set", "eval_every=50", "--set", "eval_episodes=1",
        "--set", "warmup_steps=0", "--set", "learning_starts=0", "--no-progress"]


def saved_config(run) -> dict:
    return json.loads((run / "config.json").read_text())["config"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A tiny TD3 run and a tiny DDPG run (100 steps each), shared by the tests below."""
    root = tmp_path_factory.mktemp("runs")
    assert main(["train", "--algo", "td3", "--steps", "100", "--out", str(root / "td3"),
                 *TINY]) == 0
    assert main(["train", "--steps", "100", "--out", str(root / "ddpg"), *TINY]) == 0
    return root


def test_train_algo_td3_uses_the_td3_preset_and_saves_a_td3_agent(runs):
    cfg = saved_config(runs / "td3")
    preset = TD3Config.preset("Pendulum-v1").to_dict()
    assert {k: cfg[k] for k in ("twin_critics", "target_smoothing", "policy_delay", "tau",
                                "gamma", "actor_lr")} == \
        {k: preset[k] for k in ("twin_critics", "target_smoothing", "policy_delay", "tau",
                                "gamma", "actor_lr")}
    state = load_npz(runs / "td3" / "agent.npz")
    assert str(state["algorithm"]) == "td3" and "critic2.theta" in state
    assert "twin_critics" not in saved_config(runs / "ddpg")  # no --algo: DDPG, as before
    assert str(load_npz(runs / "ddpg" / "agent.npz")["algorithm"]) == "ddpg"


def test_train_prints_the_algorithm_and_its_switches(tmp_path, capsys):
    assert main(["train", "--algo", "td3", "--steps", "60", "--set", "policy_delay=3",
                 *TINY]) == 0
    out = capsys.readouterr().out
    assert "TD3 (twin_critics=True, target_smoothing=True, policy_delay=3) on Pendulum-v1:" in out
    assert main(["train", "--steps", "60", *TINY]) == 0
    assert "DDPG on Pendulum-v1:" in capsys.readouterr().out


@pytest.mark.parametrize("written, value", [("false", False), ("False", False), ("TRUE", True),
                                            ("0", 0)])
def test_switches_accept_the_shells_true_and_false(written, value):
    pairs = [parse_override(f"twin_critics={written}"), parse_override("tau=0.01")]
    typed = typed_overrides(TD3Config, pairs)
    assert typed == {"twin_critics": value, "tau": 0.01}
    assert type(typed["twin_critics"]) is type(value)  # 0 stays a number: the config refuses it
    assert typed_overrides(TD3Config, [("noise", "false")]) == {"noise": "false"}  # not a switch


def test_every_switch_off_from_the_command_line(tmp_path):
    out = tmp_path / "off"
    assert main(["train", "--algo", "td3", "--steps", "60", "--out", str(out),
                 "--set", "twin_critics=false", "--set", "target_smoothing=False",
                 "--set", "policy_delay=1", *TINY]) == 0
    cfg = saved_config(out)
    assert (cfg["twin_critics"], cfg["target_smoothing"], cfg["policy_delay"]) == (False, False, 1)
    assert "critic2.theta" not in load_npz(out / "agent.npz")


def test_paper_with_td3_is_td3config_defaults(tmp_path):
    out = tmp_path / "paper"
    assert main(["train", "--algo", "td3", "--paper", "--steps", "60", "--out", str(out),
                 *TINY]) == 0
    cfg, paper = saved_config(out), TD3Config().to_dict()
    for name in ("actor_lr", "tau", "gamma", "batch_size", "noise", "twin_critics",
                 "policy_delay", "target_noise", "target_noise_clip"):
        assert cfg[name] == paper[name], name


def test_resume_takes_the_algorithm_from_the_run_folder(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--algo", "td3", "--steps", "100", "--out", str(out), *TINY]) == 0
    before = (out / "progress.csv").read_text()
    capsys.readouterr()
    assert main(["train", "--out", str(out), "--resume", "--steps", "200", "--no-progress"]) == 0
    said = capsys.readouterr().out
    assert "TD3 (twin_critics=True" in said and "seed 0: step 200" in said
    assert (out / "progress.csv").read_text().startswith(before)
    assert str(load_npz(out / "agent.npz")["algorithm"]) == "td3"
    # The same algorithm given again is no conflict; a --set of a TD3 switch that agrees neither.
    assert main(["train", "--out", str(out), "--resume", "--steps", "250", "--algo", "td3",
                 "--set", "twin_critics=true", "--no-progress"]) == 0


def test_resume_with_another_algo_lists_the_conflict(runs, capsys):
    delay = TD3Config.preset("Pendulum-v1").policy_delay
    assert main(["train", "--out", str(runs / "td3"), "--resume", "--algo", "ddpg",
                 "--set", f"policy_delay={delay + 1}", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--algo ddpg (the run's: td3)" in err
    assert f"--set policy_delay={delay + 1} (the run's: {delay})" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert main(["train", "--out", str(runs / "ddpg"), "--resume", "--algo", "td3",
                 "--no-progress"]) == 2
    assert "--algo td3 (the run's: ddpg)" in capsys.readouterr().err


def test_evaluate_and_render_load_either_agent(runs, tmp_path, capsys):
    for algo in ("td3", "ddpg"):
        agent = str(runs / algo / "agent.npz")
        assert main(["evaluate", agent, "--episodes", "1"]) == 0
        said = capsys.readouterr().out
        assert said.startswith(algo.upper()) and "Pendulum-v1 seed 0: mean return" in said
        assert main(["evaluate", agent, "--episodes", "1", "--algo", algo]) == 0
        gif = tmp_path / f"{algo}.gif"
        assert main(["render", agent, "--gif", str(gif), "--steps", "3", "--algo", algo]) == 0
        assert gif.read_bytes()[:6] in (b"GIF89a", b"GIF87a")
        capsys.readouterr()


def test_plot_labels_each_run_with_its_algorithm(runs, tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from ddpg_numpy import plots

    drawn = []
    real_plot_runs = plots.plot_runs

    def plot_runs(run_dirs, **kwargs):
        drawn.extend(kwargs["labels"])
        return real_plot_runs(run_dirs, **kwargs)

    monkeypatch.setattr(plots, "plot_runs", plot_runs)
    assert main(["plot", str(runs / "ddpg"), str(runs / "td3"), "--out",
                 str(tmp_path / "c.png")]) == 0
    assert drawn == ["ddpg (DDPG)", "td3 (TD3)"]
    legend = [t.get_text() for t in plt.gcf().axes[0].get_legend().get_texts()]
    assert "td3 (TD3)" in legend
    plt.close("all")


def test_bench_algo_td3_times_only_the_td3_update(capsys):
    assert main(["bench", "--algo", "td3", "--hidden", "8", "8", "--batch", "4", "--obs-dim", "3",
                 "--act-dim", "1", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    rates = {line.split(":")[0].strip(): float(line.split("median")[1].split()[0])
             for line in out.splitlines() if "median" in line}
    assert set(rates) == {"TD3 fast path", "TD3 plain code"}
    assert out.startswith("TD3 updates") and all(np.isfinite(r) and r > 0 for r in rates.values())


# --- bad inputs: exit code 2, one line, the problem and the fix --------------------------------

BAD = [
    ("an unknown algorithm", ["train", "--algo", "sac", "--steps", "5"],
     r"argument --algo: invalid choice: 'sac' \(choose from '?ddpg'?, '?td3'?\)"),
    ("a TD3 switch without --algo td3", ["train", "--set", "twin_critics=false", "--steps", "5"],
     r"--set twin_critics: TD3's own setting\(s\), but this run is DDPG; add --algo td3"),
    ("a switch that is neither true nor false",
     ["train", "--algo", "td3", "--set", "twin_critics=maybe", "--steps", "5"],
     r"twin_critics='maybe' must be True or False"),
    ("no delay below 1", ["train", "--algo", "td3", "--set", "policy_delay=0", "--steps", "5"],
     r"policy_delay=0 must be a whole number >= 1 \(1: no delay\)"),
    ("negative smoothing noise",
     ["train", "--algo", "td3", "--set", "target_noise=-0.1", "--steps", "5"],
     r"target_noise=-0.1 must be a finite number >= 0"),
    ("evaluate a TD3 file as DDPG", ["evaluate", "{td3}", "--algo", "ddpg"],
     r"--algo ddpg, but .*agent.npz holds a TD3 agent .*pass --algo td3, or drop --algo"),
    ("evaluate a DDPG file as TD3", ["evaluate", "{ddpg}", "--algo", "td3"],
     r"--algo td3, but .*agent.npz holds a DDPG agent .*pass --algo ddpg"),
    ("render a TD3 file as DDPG", ["render", "{td3}", "--gif", "{tmp}/a.gif", "--algo", "ddpg"],
     r"holds a TD3 agent"),
    ("bench an unknown algorithm", ["bench", "--algo", "ppo"], r"invalid choice: 'ppo'"),
]


@pytest.mark.parametrize("name, argv, message", BAD, ids=[case[0] for case in BAD])
def test_bad_algorithm_inputs_are_one_clear_line(name, argv, message, runs, tmp_path, capsys):
    files = {"td3": runs / "td3" / "agent.npz", "ddpg": runs / "ddpg" / "agent.npz",
             "tmp": tmp_path}
    argv = [a.format(**files) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "a.gif").exists()


def test_the_real_exit_code_of_an_algorithm_mismatch(runs):
    done = subprocess.run([sys.executable, "-m", "ddpg_numpy", "evaluate",
                           str(runs / "td3" / "agent.npz"), "--algo", "ddpg"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("ddpg-numpy evaluate: error: --algo ddpg, but")

