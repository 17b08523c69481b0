"""The numbers in the markdown pages' prose (outside the generated tables, which
tests/test_doc_tables.py checks) are those of their sources: shipped files, specs, presets, code
constants and the committed notebooks. Each claim below names a sentence of a page with a
placeholder for each number, and the source the number comes from; the test builds the sentence
from the source and looks for it in the page (lines joined, so a sentence may wrap). The day a
source changes, the sentence is no longer found and the page has to be made true again.

Run-time figures of a particular CPU are not claims of this kind: a page either points at the
shipped file that records them (timing.csv, conditions.json, a notebook's cell metadata) and is
checked against it here, or gives an order of magnitude that depends on the CPU.
"""

from __future__ import annotations

import ast
import csv
import json
import math
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import gymnasium
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks/ is not installed

from ddpg_numpy.core.config import MAX_NOISE, DDPGConfig, TD3Config  # noqa: E402
from ddpg_numpy.core.presets import DDPG_PRESETS, FAST_DEFAULTS  # noqa: E402
from ddpg_numpy.lab.envs import EVAL_CHUNK, EVAL_SEED_BASE  # noqa: E402
from ddpg_numpy.lab.options import MAX_SEEDS  # noqa: E402
from ddpg_numpy.lab.workers import STOP_SECONDS, WATCH_SECONDS  # noqa: E402
from ddpg_numpy.study.intervals import DEFAULT_REPS  # noqa: E402
from ddpg_numpy.study.spec import load_spec  # noqa: E402
from ddpg_numpy.teach.checkers import CHECKERS  # noqa: E402
from ddpg_numpy.teach.checking import REVEAL_AFTER  # noqa: E402

CHECKPOINTS = ROOT / "checkpoints"
SPECS = ROOT / "benchmarks" / "specs"
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen"]
ORDINALS = ["zeroth", "first", "second", "third", "fourth", "fifth"]


# -- formats, as the pages write numbers ------------------------------------------------------

def _n(x: float) -> str:
    """A whole number with thousands commas: 20,000."""
    return f"{round(x):,}"


def _ret(x: float, digits: int = 1) -> str:
    """A return as the pages write it: thousands commas, a true minus sign."""
    return f"{x:,.{digits}f}".replace("-", "−")


def _sci(x: float) -> str:
    """1e-3, 3e-4, 1e-9: a power of ten times a one-digit mantissa."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _range(seeds, dash: str = "–") -> str:
    """Consecutive seeds as a range, '0–2'; anything else is not what the pages state."""
    seeds = sorted(set(seeds))
    assert seeds == list(range(seeds[0], seeds[-1] + 1)), f"seeds {seeds} are not a range"
    return f"{seeds[0]}{dash}{seeds[-1]}"


def _and(items) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# -- sources ----------------------------------------------------------------------------------

def _json(path: str) -> dict:
    return json.loads((ROOT / path).read_text(encoding="utf-8"))


def _pendulum_config() -> dict:
    return _json("checkpoints/pendulum/config.json")


def _pendulum_row(step: int, seed: int) -> dict:
    with open(CHECKPOINTS / "pendulum" / "progress.csv", newline="") as f:
        return next(r for r in csv.DictReader(f) if int(r["step"]) == step
                    and int(r["seed"]) == seed)


def _pendulum_minutes() -> str:
    with open(CHECKPOINTS / "pendulum" / "timing.csv", newline="") as f:
        last = list(csv.DictReader(f))[-1]
    minutes = round((float(last["train_seconds"]) + float(last["eval_seconds"])) / 60)
    return f"{minutes} minute" + ("" if minutes == 1 else "s")


def _snapshot_phrase() -> tuple[str, str]:
    """('1,000, 2,000, 3,000 and 4,000', '4,000') when the snapshots are those steps, then every
    4,000 to the end."""
    steps = sorted(_pendulum_config()["config"]["snapshot_steps"])
    early = [s for s in steps if s <= 4000]
    later = [s for s in steps if s > 4000]
    gaps = {b - a for a, b in zip([early[-1], *later], later)}
    assert len(gaps) == 1 and later[-1] == _pendulum_config()["steps"], steps
    return _and(_n(s) for s in early), _n(gaps.pop())


def _optimum() -> dict:
    with np.load(CHECKPOINTS / "pendulum_optimal.npz") as f:
        return {k: f[k] for k in f.files}


def _ablations() -> dict:
    return _json("checkpoints/ablations/conditions.json")


def _one(values) -> object:
    """The one value every item shares (a page states it once for all of them)."""
    values = list(values)
    assert all(v == values[0] for v in values), f"not one value: {values}"
    return values[0]


def _td3_seeds() -> int:
    return len(_one(c["seeds"] for c in _json("checkpoints/td3/conditions.json").values()))


def _mujoco_ours() -> tuple[str, int]:
    """(seeds of each shipped task and algorithm of ours, steps of each run) in checkpoints/mujoco:
    the seeds as one count ("3") or, where the groups differ, the range ("3–5")."""
    folders = sorted((CHECKPOINTS / "mujoco").glob("*-v5/*/seed*/config.json"))
    groups: dict[tuple[str, str], int] = {}
    for path in folders:
        groups[path.parts[-4], path.parts[-3]] = groups.get((path.parts[-4], path.parts[-3]), 0) + 1
    assert len(groups) == 6, sorted(groups)  # 3 tasks x DDPG, TD3
    steps = _one(json.loads(p.read_text())["steps"] for p in folders)
    low, high = min(groups.values()), max(groups.values())
    return (str(low) if low == high else f"{low}–{high}"), steps


def _spec_seeds(spec: str, task: str, algorithm: str, dash: str = "–") -> str:
    cells = load_spec(SPECS / spec, check_tasks=False).cells
    return _range([c.seed for c in cells if c.task == task and c.algorithm == algorithm], dash)


def _fast_default_tasks() -> list[str]:
    cells = load_spec(SPECS / "fast_defaults.toml", check_tasks=False).cells
    return sorted({c.task for c in cells})


def _requires_python() -> str:
    text = (ROOT / "pyproject.toml").read_text()
    return re.search(r'^requires-python = ">=([\d.]+)"', text, re.M).group(1)


def _torch_pin() -> str:
    return re.search(r'^peer = \["torch==([\d.]+)"\]', (ROOT / "pyproject.toml").read_text(),
                     re.M).group(1)


def _demo_steps() -> str:
    demo = (ROOT / "Makefile").read_text().split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    return _n(int(re.search(r"--steps (\d+)", demo).group(1)))


def _constant(path: str, name: str):
    """A module-level constant of a Python file, read without importing it."""
    for node in ast.parse((ROOT / path).read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name
                                                for t in node.targets):
            expression = ast.Expression(node.value)  # literals, and dict(...) of literals
            return eval(compile(expression, path, "eval"), {"__builtins__": {}, "dict": dict})
    raise AssertionError(f"{path} defines no {name}")


def _decorators(path: str, function: str) -> list[ast.Call]:
    for node in ast.walk(ast.parse((ROOT / path).read_text())):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return [d for d in node.decorator_list if isinstance(d, ast.Call)]
    raise AssertionError(f"{path} has no {function}")


def _hypothesis_examples(path: str, function: str) -> int:
    for call in _decorators(path, function):
        for keyword in call.keywords:
            if keyword.arg == "max_examples":
                return ast.literal_eval(keyword.value)
    raise AssertionError(f"{function} has no max_examples")


def _parametrized_cases(path: str, function: str) -> int:
    cases = 1
    for call in _decorators(path, function):
        if getattr(call.func, "attr", None) == "parametrize":
            cases *= len(ast.literal_eval(call.args[1]))
    return cases


def _default_list(path: str, option: str) -> str:
    """'1, 2, 3 and 5' from a benchmark's ``default=parse_seeds("1,2,3,5")``."""
    found = re.search(rf'"{option}", type=parse_seeds, default=parse_seeds\("([\d,-]+)"\)',
                      (ROOT / path).read_text()).group(1)
    from ddpg_numpy.lab.options import parse_seeds

    return _and(parse_seeds(found))


def _exercise_points() -> list[int]:
    points = []
    for path in sorted((ROOT / "notebooks" / "exercises" / "solutions").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        points.append(sum(c["metadata"].get("nbgrader", {}).get("points", 0) for c in cells
                          if c["metadata"].get("nbgrader", {}).get("grade")))
    return points


def _notebook_output(name: str, pattern: str) -> re.Match:
    cells = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(o.get("text", "")) for c in cells if c["cell_type"] == "code"
                     for o in c.get("outputs", []))
    found = re.search(pattern, text)
    assert found, f"notebooks/{name}: no output matches {pattern!r}"
    return found


def _kernel_example() -> str:
    """DDPG seed 4 at 20,000 steps in the same command's run under SkylakeX, shipped by commit
    9a9adb8 as checkpoints/td3/ddpg/progress.csv (git history)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the earlier run is in the repository's history")
    shown = subprocess.run(["git", "show", "9a9adb8:checkpoints/td3/ddpg/progress.csv"],
                           cwd=ROOT, capture_output=True, text=True)
    if shown.returncode != 0:
        pytest.skip("commit 9a9adb8 is not in this clone's history")
    row = next(r for r in csv.DictReader(shown.stdout.splitlines())
               if r["step"] == "20000" and r["seed"] == "4")
    return _ret(float(row["eval_return_mean"]), 0)


MUJOCO = DDPG_PRESETS["HalfCheetah-v5"]
# (page, sentence with a {} per number, the numbers from their source)
CLAIMS: list[tuple[str, str, Callable[[], tuple]]] = [
    # README.md
    ("README.md", "the book, {} executed notebooks",
     lambda: (WORDS[len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))],)),
    ("README.md", "make demo # train DDPG on Pendulum-v1 ({} steps)", lambda: (_demo_steps(),)),
    ("README.md", "With Python ≥ {} and `make`", lambda: (_requires_python(),)),
    ("README.md", "`peer` (PyTorch {}, the CPU build", lambda: (_torch_pin(),)),
    ("README.md", "Learning curves of {} seeds on Pendulum-v1",
     lambda: (len(_pendulum_config()["seeds"]),)),
    ("README.md", "the {}-seed run of the same preset in `checkpoints/pendulum/` took {}, its "
     "`timing.csv` says", lambda: (len(_pendulum_config()["seeds"]), _pendulum_minutes())),
    # docs/results.md
    ("docs/results.md", "## DDPG on Pendulum-v1: the preset on {} seeds",
     lambda: (len(_pendulum_config()["seeds"]),)),
    ("docs/results.md", "on the same {} start states for every seed",
     lambda: (_pendulum_config()["config"]["eval_episodes"],)),
    ("docs/results.md", "adds TD3's three changes one at a time, {} seeds each",
     lambda: (_td3_seeds(),)),
    ("docs/results.md", "with the TD3 paper's values, {} seeds of each algorithm, {} steps per run",
     lambda: (_mujoco_ours()[0], _n(_mujoco_ours()[1]))),
    ("docs/results.md", "the TD3 paper's MuJoCo values ({}, batch {}, learning rates {}, τ = {}, "
     "Gaussian noise σ = {}, no weight decay", lambda: (
         "-".join(map(str, FAST_DEFAULTS["hidden"])), FAST_DEFAULTS["batch_size"],
         _sci(_one([FAST_DEFAULTS["actor_lr"], FAST_DEFAULTS["critic_lr"]])),
         f"{FAST_DEFAULTS['tau']:g}", f"{FAST_DEFAULTS['noise_sigma']:g}")),
    ("docs/results.md", "after {} random steps (`ddpg_numpy/core/presets.py`",
     lambda: (_n(DDPGConfig.fast_defaults().warmup_steps),)),
    ("docs/results.md", "evaluated on {} fixed start states without noise",
     lambda: (DDPGConfig.fast_defaults().eval_episodes,)),
    ("docs/results.md", "DDPG on {} tasks with seeds {}, and DDPG and TD3 on InvertedPendulum-v5",
     lambda: (WORDS[len(_fast_default_tasks()) - 1],
              _spec_seeds("fast_defaults.toml", "Reacher-v5", "ddpg"))),
    ("docs/results.md", "the fast defaults with {} random steps and the DDPG paper's actor "
     "learning rate, with seeds {}", lambda: (
         _n(DDPG_PRESETS["InvertedPendulum-v5"]["warmup_steps"]),
         _spec_seeds("fast_defaults.toml", "InvertedPendulum-v5", "td3"))),
    # docs/book-site.md
    ("docs/book-site.md", "README as the front page, notebooks 00–{}, docs/",
     lambda: (sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))[-1].name[:2],)),
    # docs/usage.md
    ("docs/usage.md", "shows how they do on {} tasks",
     lambda: (WORDS[len(_fast_default_tasks())],)),
    # docs/pseudocode.md
    ("docs/pseudocode.md", "it is only truncated at {} steps.",
     lambda: (gymnasium.spec("Pendulum-v1").max_episode_steps,)),
    ("docs/pseudocode.md", "floats below {} count as 0",
     lambda: (f"{float(np.finfo(np.float32).tiny):.1e}",)),
    ("docs/pseudocode.md", "with σ̃ = {}h and c = {}h (h: the action half-range)",
     lambda: (f"{TD3Config().target_noise:g}", f"{TD3Config().target_noise_clip:g}")),
    # docs/architecture.md
    ("docs/architecture.md", "a core over {} lines",
     lambda: (_n(_constant("tests/test_layout.py", "CORE_LINES_LIMIT")),)),
    ("docs/architecture.md", "moves seed 4 from {} at 20,000 steps (Haswell, "
     "`checkpoints/pendulum/progress.csv`)",
     lambda: (_ret(float(_pendulum_row(20000, 4)["eval_return_mean"])),)),
    ("docs/architecture.md", "to {} under OpenBLAS's own choice there, SkylakeX",
     lambda: (_kernel_example(),)),
    # docs/runs.md
    ("docs/runs.md", "(it polls `os.getppid()` every {} s)", lambda: (f"{WATCH_SECONDS:g}",)),
    ("docs/runs.md", "and stops it, with SIGKILL {} later if need be", lambda: (
        "a second" if STOP_SECONDS == 1 else f"{STOP_SECONDS:g} s",)),
    ("docs/runs.md", "`tests/test_properties.py::test_any_config_json_resumes_only_as_the_run_"
     "wrote_it` ({} generated files)", lambda: (_hypothesis_examples(
         "tests/test_properties.py", "test_any_config_json_resumes_only_as_the_run_wrote_it"),)),
    ("docs/runs.md", "the resume equals an uninterrupted run ({} cases)", lambda: (
        _parametrized_cases("tests/test_kill_resume.py",
                            "test_no_worker_outlives_its_parent_and_the_folder_resumes"),)),
    # docs/errors.md
    ("docs/errors.md", "lists more than {} seeds` | a run trains at most {} seeds at once "
     "(`MAX_SEEDS`", lambda: (MAX_SEEDS, MAX_SEEDS)),
    ("docs/errors.md", "at most {} action half-ranges (`MAX_NOISE`)", lambda: (MAX_NOISE,)),
    ("docs/errors.md", "at most {} environments per seed, `EVAL_CHUNK`", lambda: (EVAL_CHUNK,)),
    ("docs/errors.md", "make 1000 frames, over the {} allowed` (render)",
     lambda: (re.search(r'"--max-frames", type=whole\(1\), default=(\d+)',
                        (ROOT / "ddpg_numpy" / "cli_parser.py").read_text()).group(1),)),
    # docs/sweeps.md
    ("docs/sweeps.md", "`study.intervals.summarize`, {} resamples", lambda: (_n(DEFAULT_REPS),)),
    ("docs/sweeps.md", "DDPG and TD3 on HalfCheetah, Hopper, Walker2d-v5, {} steps", lambda: (
        _n(_one(c.steps for c in load_spec(SPECS / "mujoco.toml", check_tasks=False).cells)),)),
    ("docs/sweeps.md", "the fast defaults on five tasks without tuning, seeds {} ({} on "
     "InvertedPendulum-v5)", lambda: (_spec_seeds("fast_defaults.toml", "Pusher-v5", "ddpg"),
                                      _spec_seeds("fast_defaults.toml", "InvertedPendulum-v5",
                                                  "ddpg"))),
    ("docs/sweeps.md", "Pendulum-v1, seeds {} |",
     lambda: (_spec_seeds("td3_ablation.toml", "Pendulum-v1", "td3"),)),
    ("docs/sweeps.md", "TD3 on HalfCheetah-v5, {} steps, seeds {}:", lambda: (
        _n(_one(c.steps for c in load_spec(SPECS / "td3_switches.toml", check_tasks=False).cells)),
        _spec_seeds("td3_switches.toml", "HalfCheetah-v5", "td3"))),
    ("docs/sweeps.md", "Pendulum-v1 presets on {} seeds", lambda: (len({
        c.seed for c in load_spec(SPECS / "pendulum_presets.toml", check_tasks=False).cells}),)),
    # benchmarks/README.md
    ("benchmarks/README.md", "(`pip install torch=={}`, CPU build)", lambda: (_torch_pin(),)),
    ("benchmarks/README.md", "float64 to {}, float32 to {};", lambda: (
        _sci(_constant("tests/test_fast_path.py", "TOL")["float64"]["rtol"]),
        _sci(_constant("tests/test_fast_path.py", "TOL")["float32"]["rtol"]))),
    ("benchmarks/README.md", "a plain PyTorch update, {} shapes",
     lambda: (WORDS[len(_constant("benchmarks/update_speed.py", "SHAPES"))],)),
    ("benchmarks/README.md", "for {} stacked seeds",
     lambda: (_default_list("benchmarks/seed_scaling.py", "--stacks"),)),
    ("benchmarks/README.md", "5 seeds at once against 1 (one process, {} workers)", lambda: (
        _and(w for w in _default_list("benchmarks/end_to_end.py", "--workers").replace(
            " and", ",").split(", ") if w != "1"),)),
    ("benchmarks/README.md", "the soft updates every 2nd call (`policy_frequency = {}`)",
     lambda: (_constant("benchmarks/torch_td3_baseline.py", "CLEANRL")["policy_frequency"],)),
    ("benchmarks/README.md", "Adam {} without weight decay",
     lambda: (_sci(_constant("benchmarks/torch_td3_baseline.py", "CLEANRL")["learning_rate"]),)),
    # benchmarks/peers/README.md
    ("benchmarks/peers/README.md", "(torch {}, CPU build)", lambda: (_torch_pin(),)),
    ("benchmarks/peers/README.md", "the TD3 target: N(0, {}²) noise clipped to ±{} (both times the "
     "action half-range", lambda: (f"{TD3Config().target_noise:g}",
                                    f"{TD3Config().target_noise_clip:g}")),
    ("benchmarks/peers/README.md", "seeds {} on HalfCheetah-v5 and Hopper-v5 and {} on "
     "Walker2d-v5", lambda: (
         _one([_spec_seeds("mujoco.toml", "HalfCheetah-v5", "td3-pytorch-peer", "-"),
               _spec_seeds("mujoco.toml", "Hopper-v5", "td3-pytorch-peer", "-")]),
         _spec_seeds("mujoco.toml", "Walker2d-v5", "td3-pytorch-peer", "-"))),
    ("benchmarks/peers/README.md", "{} random warm-up steps, {} on HalfCheetah; learning starts "
     "at {} transitions", lambda: (
         _n(_one([DDPG_PRESETS[t]["warmup_steps"] for t in ("Hopper-v5", "Walker2d-v5")])),
         _n(MUJOCO["warmup_steps"]),
         _n(_one(DDPG_PRESETS[t]["learning_starts"]
                 for t in ("HalfCheetah-v5", "Hopper-v5", "Walker2d-v5"))))),
    ("benchmarks/peers/README.md", "batch {}, τ = {}, γ = {}, {} units", lambda: (
        MUJOCO["batch_size"], f"{MUJOCO['tau']:g}", f"{MUJOCO['gamma']:g}",
        "-".join(map(str, MUJOCO["hidden"])))),
    ("benchmarks/peers/README.md", "the {} fixed start states `reset(seed={} + i)` every {} steps",
     lambda: (MUJOCO["eval_episodes"], f"{EVAL_SEED_BASE:_}", _n(MUJOCO["eval_every"]))),
    ("benchmarks/peers/README.md", "checkpoints every {} steps and at the end",
     lambda: (_n(MUJOCO["checkpoint_every"]),)),
    # checkpoints/README.md
    ("checkpoints/README.md", "## pendulum/ — the preset on {} seeds",
     lambda: (len(_pendulum_config()["seeds"]),)),
    ("checkpoints/README.md",
     "`progress.csv` ({} fixed evaluation starts every {} steps, {} seeds)",
     lambda: (_pendulum_config()["config"]["eval_episodes"],
              _n(_pendulum_config()["config"]["eval_every"]), len(_pendulum_config()["seeds"]))),
    ("checkpoints/README.md", "`agent.npz` (the {} stacked agents after {} steps",
     lambda: (len(_pendulum_config()["seeds"]), _n(_pendulum_config()["steps"]))),
    ("checkpoints/README.md", "`snapshots/agent_<step>.npz` at {} steps, while the seeds learn, "
     "then every {}", _snapshot_phrase),
    ("checkpoints/README.md", "on a {} × {} (θ, θ̇) grid",
     lambda: _optimum()["value_table"].shape),
    ("checkpoints/README.md", "the {} evaluation start states and the returns the optimal "
     "controller achieves from them (mean {})", lambda: (
         len(_optimum()["eval_starts"]), _ret(float(_optimum()["eval_returns"].mean())))),
    ("checkpoints/README.md", "(`solve_seconds` {} s, `discounted_solve_seconds` {} s)", lambda: (
        round(float(_optimum()["solve_seconds"])),
        round(float(_optimum()["discounted_solve_seconds"])))),
    ("checkpoints/README.md", "Made by ({} conditions one after the other, each {} stacked seeds × "
     "{} steps on one core; `conditions.json` records each one's seconds, {} minutes in all",
     lambda: (len(_ablations()), len(_one(c["seeds"] for c in _ablations().values())),
              _n(_one(c["steps"] for c in _ablations().values())),
              round(sum(c["seconds"] for c in _ablations().values()) / 60))),
    ("checkpoints/README.md", "`preset` (whose noise is the paper's OU process, θ = {}, σ = {})",
     lambda: (f"{_ablations()['preset']['config']['ou_theta']:g}",
              f"{_ablations()['preset']['config']['noise_sigma']:g}")),
    ("checkpoints/README.md", "only the last {} transitions",
     lambda: (_ablations()["no_replay"]["config"]["buffer_size"],)),
    ("checkpoints/README.md", "(Gaussian noise with the OU process's stationary std, {})",
     lambda: (f"{_ablations()['gaussian_matched']['config']['noise_sigma']:.2f}",)),
    ("checkpoints/README.md", "`gaussian_small` (Gaussian σ = {}, as TD3)",
     lambda: (f"{_ablations()['gaussian_small']['config']['noise_sigma']:g}",)),
    ("checkpoints/README.md", "(every {} steps, {} fixed start states)", lambda: (
        _n(_one(c["config"]["eval_every"] for c in _ablations().values())),
        _one(c["config"]["eval_episodes"] for c in _ablations().values()))),
    ("checkpoints/README.md", "TD3 on Pendulum-v1, {} seeds each", lambda: (_td3_seeds(),)),
    ("checkpoints/README.md", "MountainCarContinuous-v0 and Pusher-v5 with the fast defaults, "
     "seeds {};", lambda: (_spec_seeds("fast_defaults.toml", "Pusher-v5", "ddpg"),)),
    ("checkpoints/README.md", "(the fast defaults with {} random steps and the DDPG paper's actor "
     "learning rate), seeds {};", lambda: (
         _n(DDPG_PRESETS["InvertedPendulum-v5"]["warmup_steps"]),
         _spec_seeds("fast_defaults.toml", "InvertedPendulum-v5", "ddpg"))),
    # notebooks/README.md
    ("notebooks/README.md", "{} seeds trained live", lambda: (WORDS[int(_notebook_output(
        "06_full_algorithm.ipynb", r"trained (\d+) seeds x").group(1))],)),
    ("notebooks/README.md", "prints its own duration ({} s in the committed output", lambda: (
        _notebook_output("06_full_algorithm.ipynb", r"steps in (\d+) s").group(1),)),
    ("notebooks/README.md", "each change alone and TD3 ({} seeds each)", lambda: (_td3_seeds(),)),
    ("notebooks/README.md", "DDPG and TD3 on HalfCheetah, Hopper and Walker2d ({} seeds, {}k "
     "steps", lambda: (_mujoco_ours()[0], _mujoco_ours()[1] // 1000)),
    # notebooks/exercises/README.md
    ("notebooks/exercises/README.md", "{} exercises on the parts of DDPG (and TD3)",
     lambda: (WORDS[len(CHECKERS)].capitalize(),)),
    ("notebooks/exercises/README.md", "in {} notebooks.",
     lambda: (WORDS[len(_exercise_points())],)),
    ("notebooks/exercises/README.md", "({} points in total: {} per notebook)",
     lambda: (sum(_exercise_points()), _and(_exercise_points()))),
    ("notebooks/exercises/README.md", "or from the {} failed try in a row (`REVEAL_AFTER`",
     lambda: (ORDINALS[REVEAL_AFTER],)),
    ("notebooks/exercises/README.md", "({} s by default, nbgrader's)",
     lambda: (_constant("notebooks/exercises/grade.py", "NBGRADER_TIMEOUT"),)),
]


def _page(path: str) -> str:
    return " ".join((ROOT / path).read_text(encoding="utf-8").split())


@pytest.mark.parametrize("page, sentence, source", CLAIMS,
                         ids=[f"{p}: {s[:60]}" for p, s, _ in CLAIMS])
def test_the_page_states_what_its_source_holds(page, sentence, source) -> None:
    expected = sentence.format(*source())
    assert expected in _page(page), (
        f"{page} should say {expected!r} (the number from its source, tests/test_doc_numbers.py); "
        "make the page true again")


# (page, the phrase stating a size, the file or folder it is the size of)
SIZES = [
    ("checkpoints/README.md", "About 6 MB in all.", "checkpoints/pendulum"),
    ("checkpoints/README.md", "1.7 MB.", "checkpoints/pendulum_optimal.npz"),
    ("checkpoints/README.md", "the folder is about 60 kB", "checkpoints/ablations"),
    ("checkpoints/README.md", "Under 2 MB; no agents are kept.", "checkpoints/td3"),
    ("checkpoints/README.md", "Under 1 MB.", "checkpoints/fast_defaults"),
]
UNITS = {"kB": 1e3, "MB": 1e6}


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@pytest.mark.parametrize("page, phrase, target", SIZES, ids=[t for _, _, t in SIZES])
def test_a_stated_size_is_the_files(page, phrase, target) -> None:
    """"About 6 MB" is the size rounded to the digits given; "Under 1 MB" an upper bound."""
    assert phrase in _page(page), f"{page} no longer says {phrase!r}: update SIZES"
    number, unit = re.search(r"([\d.]+) (kB|MB)", phrase).groups()
    size = _size(ROOT / target) / UNITS[unit]
    if phrase.lower().startswith("under"):
        assert size < float(number), f"{target} is {size:.2f} {unit}, not under {number} {unit}"
    else:
        digits = len(number.replace(".", "").lstrip("0").rstrip("0")) or 1
        rounded = round(size, digits - 1 - math.floor(math.log10(size)))
        assert math.isclose(rounded, float(number)), (
            f"{target} is {size:.3g} {unit}; {page} says {phrase!r}")


def test_the_cells_not_shipped_are_the_ones_listed() -> None:
    """checkpoints/README.md lists the fast-defaults spec's cells whose runs are not shipped:
    the spec's cells minus the shipped folders, no more and no less."""
    missing: dict[tuple[bool, str, str], list[int]] = {}
    for cell in load_spec(SPECS / "fast_defaults.toml", check_tasks=False).cells:
        algo = cell.algorithm.removesuffix("-pytorch-peer")
        folder = (CHECKPOINTS / "fast_defaults" / ("pytorch_peer" if cell.is_peer else "")
                  / cell.task / algo / f"seed{cell.seed}")
        if not (folder / "progress.csv").exists():
            missing.setdefault((cell.is_peer, algo, cell.task), []).append(cell.seed)
    stated = {f"{'the PyTorch peer' + chr(39) + 's' if peer else 'our'} {algo.upper()} on {task}, "
              + (f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {_range(seeds)}")
              for (peer, algo, task), seeds in missing.items()}
    page = _page("checkpoints/README.md")
    if not stated:
        assert "Not yet here" not in page, "every cell is shipped: drop the 'Not yet here' list"
        return
    listed = set(page.split("Not yet here", 1)[1].split("): ", 1)[1].split(".", 1)[0].split("; "))
    assert listed == stated, (f"checkpoints/README.md lists {sorted(listed)} as not shipped, "
                              f"but the cells not shipped are {sorted(stated)}")


def test_the_notebook_run_times_are_the_committed_notebooks() -> None:
    """notebooks/README.md's run-time column is what executing each committed notebook took
    (its cells' execution metadata, benchmarks/notebook_times.py). A re-execution changes the
    recorded time with the CPU's load, so a figure passes within a factor of 2 (or 10 s) of it;
    one that no longer describes the committed notebook fails: rerun
    python benchmarks/notebook_times.py --write."""
    from benchmarks import notebook_times

    recorded = notebook_times.times()
    rows = {m.group(3): int(m.group(4))
            for m in notebook_times.ROW.finditer(notebook_times.DOC.read_text(encoding="utf-8"))}
    assert set(rows) == set(recorded), "notebooks/README.md: a row per notebook"
    for name, seconds in recorded.items():
        assert seconds is not None, f"{name} records no execution times: execute it with nbconvert"
        stated = rows[name]
        assert abs(stated - seconds) <= 10 or seconds / 2 <= stated <= 2 * seconds, (
            f"notebooks/README.md gives {name} {stated} s, its committed execution took "
            f"{seconds:.0f} s: run python benchmarks/notebook_times.py --write")


def test_the_run_time_column_is_rewritten_from_the_metadata() -> None:
    from benchmarks import notebook_times

    page = "| 06 | [W](06_full_algorithm.ipynb) | L1 | what | 220 s |\n| x |\n"
    assert notebook_times.with_times(page, {"06_full_algorithm.ipynb": 183.4}) == (
        "| 06 | [W](06_full_algorithm.ipynb) | L1 | what | 183 s |\n| x |\n")
    assert notebook_times.with_times(page, {"06_full_algorithm.ipynb": None}) == page
