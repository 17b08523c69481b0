"""The options of training runs, shared by the command line, ``train()`` and the benchmarks:
the ``--seeds 0-4`` and ``--set NAME=VALUE`` parsers, and the checks that refuse a bad value
before any work starts, each with one message naming the problem and the fix. (Nothing imports
the command line itself.)"""

from __future__ import annotations

import argparse
import ast
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ..core.config import is_whole_number

if TYPE_CHECKING:
    from ..core.config import DDPGConfig

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


def text(what: str, example: str) -> Callable[[str], str]:
    """An argparse type: any text but an empty (or blank) one, which names nothing."""
    def parse(value: str) -> str:
        if not value.strip():
            raise argparse.ArgumentTypeError(f"{value!r} is empty: give {what}, e.g. {example}")
        return value
    parse.__name__ = what
    return parse


def path(example: str) -> Callable[[str], Path]:
    """An argparse type: a path, not an empty one (Path('') is the current folder)."""
    def parse(value: str) -> Path:
        if not value.strip():
            raise argparse.ArgumentTypeError(f"{value!r} is empty: give a path, e.g. {example}")
        return Path(value)
    parse.__name__ = "path"
    return parse


def new_run_env(env_id: str | None, seed: int | None, seeds: list[int] | None) -> str:
    """The environment of a new run (default Pendulum-v1), after refusing flags that contradict
    each other (--seed and --seeds: one would be dropped) and an id without its version."""
    from .envs import check_env_id

    if seed is not None and seeds is not None:
        raise ValueError(f"--seed {seed} and --seeds {seeds[:5]}: give one, --seed N for one "
                         "agent or --seeds 0-4 for several")
    check_env_id(env_id or "Pendulum-v1")  # 'Pendulum': says 'Pendulum-v1', before a preset
    return env_id or "Pendulum-v1"


@contextmanager
def held_warnings() -> Iterator[list[str]]:
    """Library warnings (a deprecated id, an overflow) inside the block are held back and
    shown at its end, unless the block appends to the list it is given (a failed command:
    its one line stands alone)."""
    dropped: list[str] = []
    with warnings.catch_warnings(record=True) as held:
        yield dropped
    for w in held if not dropped else []:
        warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def seed(value: str) -> int:
    """An argparse type: one seed, a whole number in [0, 2**32)."""
    number = whole(0)(value)
    if number >= SEED_LIMIT:
        raise argparse.ArgumentTypeError(f"{number} is too large: {SEEDS_HELP}")
    return number


SEED_LIMIT = 2**32  # seeds are whole numbers in [0, 2**32): what every generator involved takes
MAX_SEEDS = 1000  # agents trained at once by one run (each has its own environments and buffer)
SEEDS_HELP = (f"seeds are whole numbers >= 0 and below 2**32 (0 to {SEED_LIMIT - 1}): a range "
              "like 0-4 or a list like 0,1,2")


def parse_seeds(text: str) -> list[int]:
    """'0-4' -> [0, 1, 2, 3, 4]; '0,3,7' -> [0, 3, 7]; each seed once, each in [0, 2**32), at
    most MAX_SEEDS of them. Linear in the length of the list (a range is sized before it is
    made)."""
    seeds: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            lo, hi = int(first), int(last if dash else first)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text[:40]!r}: {SEEDS_HELP}") from None
        if hi < lo:
            raise argparse.ArgumentTypeError(f"{text[:40]!r}: the range {lo}-{hi} is reversed; "
                                             f"write {hi}-{lo}")
        if hi >= SEED_LIMIT:
            raise argparse.ArgumentTypeError(f"seed {hi}: {SEEDS_HELP}")
        if len(seeds) + hi - lo + 1 > MAX_SEEDS:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} lists more than {MAX_SEEDS} seeds, "
                                             f"the most one run trains (e.g. --seeds 0-9)")
        seeds.extend(range(lo, hi + 1))
    try:
        check_seed_list(seeds, "--seeds")
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return seeds


def check_seed_list(seeds: object, name: str) -> None:
    """Refuse anything but a list of 1 to MAX_SEEDS distinct whole numbers in [0, 2**32)."""
    if not isinstance(seeds, (list, tuple)):
        raise ValueError(f"{name} {str(seeds)[:40]} is a {type(seeds).__name__}: give a list of "
                         f"seeds, e.g. [0, 1, 2]; {SEEDS_HELP}")
    if not seeds:
        raise ValueError(f"{name} {str(seeds)[:40]}: list at least one seed; {SEEDS_HELP}")
    if len(seeds) > MAX_SEEDS:
        raise ValueError(f"{name}: {len(seeds)} seeds, more than the {MAX_SEEDS} one run trains")
    for s in seeds:
        if not is_whole_number(s) or not 0 <= s < SEED_LIMIT:
            raise ValueError(f"seed {str(s)[:40]} in {name}: {SEEDS_HELP}")
    seen: set[int] = set()
    repeated = sorted({s for s in seeds if s in seen or seen.add(s)})
    if repeated:
        raise ValueError(f"{name} lists seed {repeated[:10]} more than once: each seed is one "
                         "independent agent, so list each once (e.g. --seeds 0-4)")


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
    if seeds is None:
        if not is_whole_number(seed) or not 0 <= seed < SEED_LIMIT:
            raise ValueError(f"seed={str(seed)[:40]}: {SEEDS_HELP} (e.g. seed=0).")
    else:
        if hasattr(seeds, "tolist"):  # a NumPy array of seeds
            seeds = seeds.tolist()
        check_seed_list(list(seeds) if isinstance(seeds, (tuple, range)) else seeds, "seeds")
    if out is not None:
        check_can_write(out, "the run folder", "--out", folder=True)


def note_if_it_never_learns(steps: int, cfg: DDPGConfig) -> None:
    """Say so when a run ends before its first update: updates start once the buffer holds
    max(batch_size, learning_starts) transitions, one per step."""
    first = max(cfg.batch_size, cfg.learning_starts)
    if steps < first:
        print(f"note: --steps {steps} ends before the first update, which comes once the replay "
              f"buffer holds {first} transitions (max(batch_size={cfg.batch_size}, "
              f"learning_starts={cfg.learning_starts})): the agent stays as initialised. Train "
              f"for more than {first} steps (e.g. --steps {max(first, 20_000)}) to see it learn.")


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
