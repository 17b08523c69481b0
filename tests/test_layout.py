"""The shape of the house (docs/architecture.md), checked from the source's own imports.

The import graph is built from every ``import`` statement in ``ddpg_numpy/`` (module level and
inside functions), so a lazy import inside a function cannot hide a dependency.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ddpg_numpy"
CORE_LINES_LIMIT = 1_500  # the algorithm a student reads: "well under" this
MODULE_LINES_LIMIT = 330  # one concept per module, about 300 lines


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (``from ..core import x`` → ddpg_numpy.core)."""
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module ``name`` imports: ddpg_numpy modules by full name, others by top package."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            target = resolve(name, path.name == "__init__.py", node)
            found.add(target)
            # ``from package import submodule`` imports the submodule too
            found |= {f"{target}.{alias.name}" for alias in node.names
                      if f"{target}.{alias.name}" in known}
    return {m if m.startswith("ddpg_numpy") else m.split(".")[0] for m in found}


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports_of(name, path, set(mods)) for name, path in mods.items()}


def internal(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    return {m: {t for t in targets if t in graph} for m, targets in graph.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first = last), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for nxt in graph.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


GRAPH = import_graph()
INTERNAL = internal(GRAPH)


def test_the_graph_sees_module_and_function_level_imports():
    """The checks below are only as good as the graph: it must see real edges."""
    assert "ddpg_numpy.core.agent" in INTERNAL["ddpg_numpy.fast.update"]
    assert "ddpg_numpy.fast" in INTERNAL["ddpg_numpy.lab.loop"] or \
        "ddpg_numpy.fast.update" in INTERNAL["ddpg_numpy.lab.loop"]
    # cli.py imports its commands' modules inside the functions that run them
    assert any(t.startswith("ddpg_numpy.plots") for t in INTERNAL["ddpg_numpy.cli"])
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles():
    cycle = find_cycle(INTERNAL)
    assert cycle is None, "import cycle: " + " → ".join(cycle)


@pytest.mark.parametrize("name", sorted(m for m in GRAPH if m.startswith("ddpg_numpy.core")))
def test_core_imports_only_numpy_the_standard_library_and_itself(name):
    allowed = set(sys.stdlib_module_names) | {"numpy", "__future__"}
    bad = {m for m in GRAPH[name]
           if not (m in allowed or m == "ddpg_numpy.core" or m.startswith("ddpg_numpy.core."))}
    assert not bad, f"{name} imports {sorted(bad)}: the core is NumPy and the standard library"


def test_nothing_imports_the_command_line():
    importers = {m for m, targets in INTERNAL.items() if "ddpg_numpy.cli" in targets}
    assert importers <= {"ddpg_numpy.__main__"}, f"{importers} import ddpg_numpy.cli"
    importers = {m for m, targets in INTERNAL.items() if "ddpg_numpy.cli_parser" in targets}
    assert importers <= {"ddpg_numpy.cli"}, f"{importers} import the command line's parser"
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        assert "ddpg_numpy.cli" not in imports_of("benchmarks", script, set(GRAPH)), script.name


def test_the_training_path_never_imports_plots():
    for start in ("ddpg_numpy", "ddpg_numpy.lab.training", "ddpg_numpy.lab.loop",
                  "ddpg_numpy.lab.parallel", "ddpg_numpy.fast"):
        seen = reachable(GRAPH, start)
        assert not any(m.startswith("ddpg_numpy.plots") or m == "matplotlib" for m in seen), \
            f"{start} reaches plots/matplotlib"


def test_the_training_lab_never_imports_the_study_wing():
    """Sweeps use the lab (train, the run folder's readers); the lab knows nothing of them."""
    for name in (m for m in GRAPH if m.startswith(("ddpg_numpy.lab", "ddpg_numpy.core",
                                                       "ddpg_numpy.fast"))):
        assert not any(m.startswith("ddpg_numpy.study") for m in reachable(GRAPH, name)), name


def test_matplotlib_lives_in_plots():
    users = {m for m, targets in GRAPH.items() if "matplotlib" in targets}
    assert all(m.startswith("ddpg_numpy.plots") or m == "ddpg_numpy.figures" for m in users), \
        users


def test_the_core_is_small_and_modules_hold_one_concept():
    # DDPG's core (TD3, td3.py, is a few hundred lines on top of it, and presets.py is a table
    # of tuned values with their sources, not algorithm: both bounded like any module)
    core_lines = sum(len(p.read_text().splitlines()) for p in (PACKAGE / "core").glob("*.py")
                     if p.name not in ("td3.py", "presets.py"))
    assert core_lines < CORE_LINES_LIMIT, f"DDPG's core is {core_lines} lines"
    long = {module_name(p): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MODULE_LINES_LIMIT}
    assert not long, f"modules over {MODULE_LINES_LIMIT} lines: {long}"


def test_the_public_names_live_at_the_top_level():
    import ddpg_numpy

    for name in ("DDPG", "DDPGConfig", "ReplayBuffer", "Batch", "train", "evaluate",
                 "soft_update", "Actor", "Critic", "MLP", "Linear", "ReLU", "Tanh", "Adam",
                 "SGD"):
        assert name in ddpg_numpy.__all__ and hasattr(ddpg_numpy, name), name


def test_the_architecture_page_lists_every_module():
    """docs/architecture.md draws the house; a module it does not name is a room off the plan."""
    page = (ROOT / "docs" / "architecture.md").read_text()
    missing = [str(p.relative_to(PACKAGE)) for p in sorted(PACKAGE.rglob("*.py"))
               if p.name != "__init__.py" and p.name not in page]
    assert not missing, f"docs/architecture.md does not name {missing}"
