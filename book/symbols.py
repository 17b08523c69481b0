"""Where each name of the package is defined, read from the source with `ast` (never imported).

`definition("ddpg_numpy.plots", "plot_runs")` follows the wing's re-export
(`from .curves import plot_runs`) to `("ddpg_numpy/plots/curves.py", line)`. The book uses it to
link a notebook's code cell to the lines that define what the cell calls.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "ddpg_numpy"


def module_path(module: str) -> str | None:
    """The repository path of a dotted module name (`ddpg_numpy.core.agent`), or None."""
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate.relative_to(ROOT).as_posix()
    return None


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The absolute name of `from .x import y` written inside `module`."""
    if not node.level:
        return node.module or ""
    is_package = (module_path(module) or "").endswith("__init__.py")
    parts = module.split(".")
    parts = parts[: len(parts) - node.level + (1 if is_package else 0)]
    return ".".join(parts + ([node.module] if node.module else []))


@cache
def _names(module: str) -> dict[str, tuple[str, str | int]]:
    """A module's top-level names: name → ("line", n) if defined here, ("from", module.name)
    if imported from inside the package."""
    path = module_path(module)
    if path is None:
        return {}
    try:
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    except SyntaxError:  # a module mid-edit: its names simply get no link
        return {}
    names: dict[str, tuple[str, str | int]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = ("line", node.lineno)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    names[target.id] = ("line", node.lineno)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            if source.split(".")[0] == PACKAGE:
                for alias in node.names:
                    names[alias.asname or alias.name] = ("from", f"{source}.{alias.name}")
    return names


def definition(module: str, name: str, _depth: int = 0) -> tuple[str, int] | None:
    """(repository path, line) where `module.name` is defined, following re-exports; a
    submodule gives its file at line 1. None if it is not the package's."""
    if _depth > 10:  # a re-export cycle cannot happen in a package that imports, but be safe
        return None
    entry = _names(module).get(name)
    if entry is None:
        path = module_path(f"{module}.{name}")
        return (path, 1) if path else None
    kind, where = entry
    if kind == "line":
        return module_path(module), int(where)  # type: ignore[return-value]
    source_module, _, source_name = str(where).rpartition(".")
    return definition(source_module, source_name, _depth + 1)


def resolve(dotted: str) -> tuple[str, int] | None:
    """(path, line) of a dotted reference such as `ddpg_numpy.DDPG` or `ddpg_numpy.core`."""
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module, rest = ".".join(parts[:split]), parts[split:]
        if module_path(module) is None:
            continue
        found = definition(module, rest[0])
        if found is not None:
            return found
    path = module_path(dotted)
    return (path, 1) if path else None
