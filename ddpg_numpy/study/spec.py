"""A sweep's spec: the grid of runs, read from a TOML file and checked before anything runs.

    description = "TD3 and DDPG on three MuJoCo tasks"
    steps = 200000                  # every cell's environment steps (or a table: task = steps)

    [report]
    window = [150000, 200000]       # a seed's score: its mean evaluation return from step 150,000
                                # to 200,000 (or a table: task = [first, last])

    [variants.no_delay]             # --set-style overrides, under a name (the folder's suffix)
    policy_delay = 1                # (for the PyTorch peer also its options init, schedule)

    [[grid]]                        # one or more blocks; the sweep is every cell of every block
    tasks = ["Hopper-v5", "HalfCheetah-v5"]
    algorithms = ["td3", "td3-pytorch-peer"]   # ddpg, td3, ddpg-pytorch-peer, td3-pytorch-peer
    seeds = "0-4"                   # or a list, [0, 1, 2]
    variants = ["no_delay"]         # optional; steps = ... here overrides the top level's

A cell is one run: (task, algorithm, variant, seed) for ``steps`` steps, in its own ordinary run
folder ``<out>/<task>/<algorithm>[-<variant>]/seed<k>``, trained by ``python -m ddpg_numpy train``
with the task's preset (the fast defaults where it has none) and the variant's ``--set`` values,
exactly as that command is typed by hand. A peer cell runs ``benchmarks/peers/torch_peer.py``
on the same values, a variant's ``init`` and ``schedule`` as its ``--init`` and ``--schedule``.

A bad spec is one ``SpecError`` line naming the problem and the fix: an unknown key, task or
algorithm, an empty grid, a seed or a cell listed twice, an override the config refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cells import (  # noqa: F401  (ALGORITHMS, OURS, PEER_OPTIONS, cell_config: re-exported)
    ALGORITHMS,
    OURS,
    PEER_OPTIONS,
    PEERS,
    Cell,
    SpecError,
    cell_config,
    check_variant,
)

TOP_KEYS = {"description", "steps", "report", "variants", "grid"}
GRID_KEYS = {"tasks", "algorithms", "seeds", "variants", "steps"}
REPORT_KEYS = {"window"}
NAME = re.compile(r"^[A-Za-z0-9_.]+$")  # a variant name is part of a folder name
SPEC_COPY = "sweep.toml"  # the copy of its spec a sweep keeps in its folder, for sweep-report


@dataclass(frozen=True)
class Spec:
    """A parsed, checked spec: its cells in the order they run (seed by seed, so every group
    has its first seeds early), the report's window and the spec's own text."""

    path: Path
    text: str
    description: str
    cells: list[Cell]
    window: dict[str, tuple[int, int]] | None  # task -> the report's window (first, last)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def tasks(self) -> list[str]:
        return list(dict.fromkeys(c.task for c in self.cells))


def load_spec(path: str | Path, check_tasks: bool = True) -> Spec:
    """Read and check the spec at ``path``; every problem is a SpecError (one line).
    ``check_tasks``: also make each task's environment once (an unknown id, a missing MuJoCo)."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"no spec file {path}: give a TOML file (examples in benchmarks/specs/)")
    text = path.read_text()
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise SpecError("reading a spec needs Python 3.11 or later, or: pip install "
                            "tomli") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{path} is not valid TOML ({e}): fix that line") from None
    spec = parse_spec(data, path, text)
    if check_tasks:
        _check_tasks(spec.tasks, str(path))
    return spec


def _check_tasks(tasks: list[str], where: str) -> None:
    from ..lab.envs import make_env

    for task in tasks:
        try:
            make_env(task).close()
        except (ValueError, ModuleNotFoundError, ImportError) as e:
            raise SpecError(f"{where}: task {task}: {' '.join(str(e).split())}") from None


def parse_spec(data: dict[str, Any], path: Path, text: str = "") -> Spec:
    where = str(path)
    _known_keys(data, TOP_KEYS, where)
    steps = data.get("steps")
    report = _table(data.get("report", {}), f"[report] of {where}")
    _known_keys(report, REPORT_KEYS, f"[report] of {where}")
    variants = _variants(data.get("variants", {}), where)
    blocks = data.get("grid")
    if not isinstance(blocks, list) or not blocks:
        raise SpecError(f"{where} has an empty grid: add a [[grid]] block with tasks, "
                        "algorithms and seeds")
    cells: dict[tuple, tuple[Cell, int]] = {}
    for number, block in enumerate(blocks, 1):
        block_where = f"[[grid]] block {number} of {where}"
        block = _table(block, block_where)
        _known_keys(block, GRID_KEYS, block_where)
        for cell in _block_cells(block, block_where, steps, variants):
            key = (cell.task, cell.group, cell.seed)
            if key in cells:
                raise SpecError(f"{cell.name} is listed twice ([[grid]] blocks "
                                f"{cells[key][1]} and {number} of {where}): list each cell once")
            cells[key] = (cell, number)
    ordered = sorted((c for c, _ in cells.values()), key=lambda c: c.seed)  # stable: spec order
    window = _window(report.get("window"), ordered, where)
    return Spec(path, text, str(data.get("description", "")), ordered, window, variants)


def _block_cells(block: dict[str, Any], where: str, top_steps: Any,
                 variants: dict[str, dict[str, Any]]) -> list[Cell]:
    tasks = _names(block.get("tasks"), "tasks", where, example='tasks = ["Pendulum-v1"]')
    algorithms = _names(block.get("algorithms"), "algorithms", where,
                        example='algorithms = ["td3"]')
    for algorithm in algorithms:
        if algorithm not in ALGORITHMS:
            raise SpecError(f"{where}: unknown algorithm {algorithm!r}; use one of "
                            f"{', '.join(ALGORITHMS)}")
    seeds = _seeds(block.get("seeds"), where)
    names: list[str | None] = [None]
    if "variants" in block:
        names = list(_names(block["variants"], "variants", where, example='variants = ["x"]'))
        for name in names:
            if name not in variants:
                raise SpecError(f"{where}: unknown variant {name!r}; define it as "
                                f"[variants.{name}] (defined: {', '.join(variants) or 'none'})")
    steps_of = {task: _steps(block.get("steps", top_steps), task, where) for task in tasks}
    cells = []
    for task in tasks:
        for algorithm in algorithms:
            for name in names:
                overrides = tuple(sorted(variants[name].items())) if name else ()
                for seed in seeds:
                    cells.append(Cell(task, algorithm, name, seed, steps_of[task], overrides))
            for name in names:
                check_variant(algorithm, task, variants[name] if name else {}, name, where)
    return cells


def _variants(table: Any, where: str) -> dict[str, dict[str, Any]]:
    table = _table(table, f"[variants] of {where}")
    variants = {}
    for name, overrides in table.items():
        if not NAME.match(name):
            raise SpecError(f"[variants.{name}] of {where}: a variant's name becomes a folder "
                            "name; use letters, digits, '_' and '.' only")
        overrides = _table(overrides, f"[variants.{name}] of {where}")
        variants[name] = {k: tuple(v) if isinstance(v, list) else v
                          for k, v in overrides.items()}
    return variants


def _known_keys(table: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; the keys "
                        f"are {', '.join(sorted(known))}")


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(f"{where} must be a table (NAME = VALUE lines), not {value!r}")
    return value


def _names(value: Any, key: str, where: str, example: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise SpecError(f"{where}: {key} must be a non-empty list, e.g. {example}")
    if not all(isinstance(v, str) for v in value):
        raise SpecError(f"{where}: {key} must be a list of names in quotes, e.g. {example}")
    repeated = sorted({v for v in value if value.count(v) > 1})
    if repeated:
        raise SpecError(f"{where}: {key} lists {', '.join(repeated)} twice: list each once")
    return value


def _seeds(value: Any, where: str) -> list[int]:
    """'0-4' -> [0, 1, 2, 3, 4]; [0, 3] as it is; each seed once, none negative."""
    if isinstance(value, str):
        seeds: list[int] = []
        for part in value.split(","):
            first, dash, last = part.strip().partition("-")
            if not (first.isdigit() and (last.isdigit() if dash else True)):
                raise SpecError(f"{where}: seeds = {value!r}; write a range like \"0-4\" or a "
                                "list like [0, 1, 2] (whole numbers >= 0)")
            seeds.extend(range(int(first), int(last if dash else first) + 1))
    elif isinstance(value, list) and all(isinstance(s, int) and not isinstance(s, bool)
                                         and s >= 0 for s in value):
        seeds = list(value)
    else:
        raise SpecError(f"{where}: seeds = {value!r}; write a range like \"0-4\" or a list "
                        "like [0, 1, 2] (whole numbers >= 0)")
    if not seeds:
        raise SpecError(f"{where}: no seeds ({value!r}); e.g. seeds = \"0-4\"")
    repeated = sorted({s for s in seeds if seeds.count(s) > 1})
    if repeated:
        raise SpecError(f"{where}: seed {', '.join(map(str, repeated))} listed twice in "
                        f"{value!r}: each seed is one run, list it once")
    return seeds


def _steps(value: Any, task: str, where: str) -> int:
    if isinstance(value, dict):
        if task not in value:
            raise SpecError(f"{where}: steps has no entry for {task}; add {task} = N")
        value = value[task]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{where}: steps = {value!r} for {task}; give whole environment steps "
                        ">= 1 (steps = 20000, at the top or in the block)")
    return value


def _window(value: Any, cells: list[Cell], where: str) -> dict[str, tuple[int, int]] | None:
    """task -> (first, last) step of the report's window: one [first, last] for every task, or
    a table of them by task (like steps)."""
    if value is None:
        return None
    tasks = list(dict.fromkeys(c.task for c in cells))
    by_task = value if isinstance(value, dict) else dict.fromkeys(tasks, value)
    windows = {}
    for task in tasks:
        window = by_task.get(task)
        if (not isinstance(window, list) or len(window) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in window)
                or not 0 <= window[0] <= window[1]):
            raise SpecError(f"[report] of {where}: window = {window!r} for {task}; give "
                            "[first, last] steps, e.g. window = [15000, 20000] (or a table: "
                            "task = [first, last])")
        shortest = min(c.steps for c in cells if c.task == task)
        if window[1] > shortest:
            raise SpecError(f"[report] of {where}: window ends at {window[1]} for {task}, after "
                            f"its shortest cell's last step ({shortest}): end it at or before "
                            f"{shortest}")
        windows[task] = (window[0], window[1])
    return windows
