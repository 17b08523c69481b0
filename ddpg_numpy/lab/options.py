"""The options of training runs, shared by the command line, ``train()`` and the benchmarks:
the ``--seeds 0-4`` and ``--set NAME=VALUE`` parsers, and the checks that refuse a bad value
before any work starts, each with one message naming the problem and the fix. (Nothing imports
the command line itself.)"""

from __future__ import annotations

import argparse
import ast
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ..core.config import is_whole_number

if TYPE_CHECKING:
    from ..core.config import DDPGConfig
    from .run_folder import SavedRun

class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad option is one line (the problem, and where the options are
    explained) instead of the usage block followed by the error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")


def whole(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``least``, else a message saying so."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{value} is too small: use a whole number >= "
                                             f"{least}")
        return value
    parse.__name__ = f"whole number >= {least}"  # what argparse names in its messages
    return parse


SEEDS_HELP = "seeds are whole numbers >= 0: a range like 0-4 or a list like 0,1,2"


def parse_seeds(text: str) -> list[int]:
    """'0-4' -> [0, 1, 2, 3, 4]; '0,3,7' -> [0, 3, 7]; each seed once, none negative."""
    seeds: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            lo, hi = int(first), int(last if dash else first)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: {SEEDS_HELP}") from None
        if hi < lo:
            raise argparse.ArgumentTypeError(f"{text!r}: the range {lo}-{hi} is reversed; "
                                             f"write {hi}-{lo}")
        seeds.extend(range(lo, hi + 1))
    repeated = sorted({s for s in seeds if seeds.count(s) > 1})
    if repeated:
        raise argparse.ArgumentTypeError(f"{text!r} lists seed {repeated} more than once: each "
                                         "seed is one independent agent, so list each once "
                                         "(e.g. --seeds 0-4)")
    return seeds


def parse_override(text: str) -> tuple[str, object]:
    """'tau=0.005' -> ('tau', 0.005); values are Python literals (and nan, inf), else strings."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--set {text!r}: write NAME=VALUE, e.g. --set tau=0.005")
    key, value = text.split("=", 1)
    if value.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return key.strip(), float(value)  # not literals, but what a user types (and is refused)
    try:
        return key.strip(), ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return key.strip(), value


def check_train_arguments(steps: int, seed: int, seeds: Sequence[int] | None,
                          out: str | Path | None) -> None:
    """What ``train`` refuses before it starts: no steps, negative or repeated seeds, a run
    folder that cannot be written. Each is a ValueError naming the value and the fix."""
    if not is_whole_number(steps) or steps < 1:
        raise ValueError(f"steps={steps!r}: train for at least 1 environment step (--steps N, "
                         "N >= 1; the default is 20000).")
    for s in [seed] if seeds is None else list(seeds):
        if not is_whole_number(s) or s < 0:
            raise ValueError(f"seed {s!r}: {SEEDS_HELP} (e.g. --seed 0 or --seeds 0-4).")
    if seeds is not None:
        seeds = list(seeds)
        repeated = sorted({s for s in seeds if seeds.count(s) > 1})
        if not seeds or repeated:
            raise ValueError(f"seeds={seeds}: list each seed once, at least one (each is an "
                             "independent agent; e.g. --seeds 0-4).")
    if out is not None:
        check_can_write(out, "the run folder", "--out", folder=True)


def check_can_write(path: str | Path, what: str, option: str, *, folder: bool,
                    example: str = "out.png") -> None:
    """Refuse, before any work, a ``path`` that cannot be written: a folder to create (or
    reuse) when ``folder``, else a file. Names the obstacle: a file in the way, or a folder
    that is read-only (tested by writing in it: permissions alone do not say, e.g. as root)."""
    path = Path(path)
    if folder and path.exists() and not path.is_dir():
        raise ValueError(f"{what} {path} is a file, not a folder: choose another {option}.")
    if not folder and path.is_dir():
        raise ValueError(f"{what} {path} is a folder: give a file name, e.g. "
                         f"{option} {path / example}.")
    existing = path if folder else path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"cannot write {what} {path}: {existing} is a file, not a folder. "
                         f"Choose another {option}.")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        raise ValueError(f"cannot write {what} {path}: the folder {existing} is not writable "
                         f"({e.strerror}). Choose a {option} you can write to.") from None


def resume_conflicts(saved: SavedRun, env_id: str | None, seed: int | None,
                     seeds: Sequence[int] | None, workers: int | None,
                     config: DDPGConfig | None) -> list[str]:
    """The flags given with ``--resume`` (None: not given) that disagree with the saved run,
    each as "--flag value (the run's: value)". Flags equal to the run's are no conflict."""
    conflicts = []
    if env_id is not None and env_id != saved.env_id:
        conflicts.append(f"--env {env_id} (the run's: {saved.env_id})")
    given = list(seeds) if seeds is not None else None if seed is None else [seed]
    if given is not None and given != list(saved.seeds):
        conflicts.append(f"--seed/--seeds {given} (the run's: {saved.seeds})")
    if workers is not None and workers != len(saved.groups):
        conflicts.append(f"--workers {workers} (the run's: {len(saved.groups)})")
    if config is not None:
        mine, theirs = config.to_dict(), saved.config.to_dict()
        conflicts += [f"--set {k}={mine[k]!r} (the run's: {v!r})" for k, v in theirs.items()
                      if mine[k] != v]
    return conflicts


def saved_run_to_resume(out: Path | None) -> SavedRun:
    """The run in ``out`` to resume (its config.json), or an error saying why there is none:
    no folder given, no config.json, or one that is not as the run wrote it (hand-edited)."""
    from .run_folder import CONFIG_FILE, read_saved_run

    if out is None:
        raise ValueError("--resume needs --out, the run folder to continue.")
    try:
        saved = read_saved_run(Path(out))
    except (ValueError, KeyError, TypeError) as e:
        problem = f"it has no {e} entry" if isinstance(e, KeyError) else e
        raise ValueError(f"{Path(out) / CONFIG_FILE} cannot be resumed: {problem}. Restore the "
                         "file as the run wrote it, or start a new run in another --out "
                         "folder.") from e
    if saved is None:
        raise FileNotFoundError(f"no run to resume in {out} ({CONFIG_FILE} missing). Start it "
                                "without --resume.")
    return saved
