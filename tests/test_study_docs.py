"""The project's specs (benchmarks/specs/) are the shipped experiments' runs, and docs/sweeps.md's
numbers are what the commands print from shipped data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ddpg_numpy.lab.run_folder import read_config_json
from ddpg_numpy.study.spec import load_spec
from ddpg_numpy.study.sweep import _check_same_run

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "benchmarks" / "specs"
sys.path.insert(0, str(ROOT))


@pytest.mark.parametrize("name", sorted(p.name for p in SPECS.glob("*.toml")))
def test_every_spec_loads_with_a_report_window(name):
    spec = load_spec(SPECS / name, check_tasks=False)
    assert spec.cells and spec.window and spec.description
    assert name in (ROOT / "docs" / "sweeps.md").read_text()
    assert name in (SPECS / "README.md").read_text()


@pytest.mark.parametrize("spec_name, shipped", [("mujoco.toml", "checkpoints/mujoco"),
                                                ("fast_defaults.toml",
                                                 "checkpoints/fast_defaults")])
def test_the_shipped_runs_are_cells_of_their_spec(spec_name, shipped):
    """Every shipped run folder's config.json (a copy of its run's) is the spec's cell at the
    same place: a sweep into the runs' folder takes them as its cells, refusing none."""
    spec = load_spec(SPECS / spec_name, check_tasks=False)
    cells = {c.folder(ROOT / shipped): c for c in spec.cells}
    folders = sorted(p.parent for p in (ROOT / shipped).glob("*/*/seed*/config.json"))
    assert folders
    for folder in folders:
        assert folder in cells, f"{folder} is not a cell of {spec_name}"
        _check_same_run(cells[folder], folder, read_config_json(folder))  # raises if not


def test_the_machine_hours_table_is_the_commands_output():
    from benchmarks import machine_hours

    page = (ROOT / "docs" / "sweeps.md").read_text()
    assert machine_hours.with_table(page, machine_hours.table()) == page, (
        "docs/sweeps.md's core-hours table is out of date: run python "
        "benchmarks/machine_hours.py --write")


def test_the_td3_ablation_spec_trains_the_shipped_conditions():
    """benchmarks/specs/td3_ablation.toml's cells train with exactly the configs, steps and seeds
    of notebook 08's shipped ablation (checkpoints/td3/conditions.json, made by
    benchmarks/td3_ablation.py), snapshots included."""
    import json

    spec = load_spec(SPECS / "td3_ablation.toml", check_tasks=False)
    shipped = json.loads((ROOT / "checkpoints" / "td3" / "conditions.json").read_text())
    condition_of = {"preset": "ddpg", "all_three": "td3"}  # the rest keep their names
    checked = set()
    for cell in spec.cells:
        condition = shipped[condition_of.get(cell.variant, cell.variant)]
        assert cell.steps == condition["steps"], cell.name
        assert cell.seed in condition["seeds"], cell.name
        assert cell.config().to_dict() == condition["config"], cell.name
        checked.add(condition_of.get(cell.variant, cell.variant))
    assert checked == set(shipped)
    assert {c.seed for c in spec.cells} == set(shipped["td3"]["seeds"])


def test_the_cell_counts_in_the_docs_are_the_specs():
    """docs/sweeps.md's table of specs and the fast-defaults row of benchmarks/specs/README.md
    state how many cells a spec has: the spec's own count."""
    import re

    page = (ROOT / "docs" / "sweeps.md").read_text()
    rows = re.findall(r"^\| `(\w+\.toml)` \| [^|]+ \| (\d+) \|", page, flags=re.M)
    assert {name for name, _ in rows} == {p.name for p in SPECS.glob("*.toml")}
    for name, cells in rows:
        assert int(cells) == len(load_spec(SPECS / name, check_tasks=False).cells), name
    from benchmarks import fast_defaults_suite

    commands = fast_defaults_suite.commands()  # what --commands prints
    assert len(commands) == len(load_spec(SPECS / "fast_defaults.toml", check_tasks=False).cells)
    assert f"one of the {len(commands)} commands" in (SPECS / "README.md").read_text()
