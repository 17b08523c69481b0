"""environment.yml (conda) and pyproject.toml (pip) must list the same dependencies."""

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names of what pip extras pull in (gymnasium[classic-control] renders with pygame).
CONDA_EXTRAS = {"pygame"}


def name_of(requirement: str) -> str:
    return re.split(r"[\[<>=!~ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pip_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {name_of(r) for r in project["dependencies"]}
    for extra in ("notebooks", "dev"):
        names |= {name_of(r) for r in project["optional-dependencies"][extra]}
    return names


def conda_dependencies() -> set[str]:
    names = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text[text.index("dependencies:"):].splitlines():
        m = re.match(r"^\s{2}- ([A-Za-z0-9_.\-]+)", line)
        if m and m.group(1) not in ("python", "pip"):
            names.add(name_of(m.group(1)))
    return names


def test_conda_and_pip_list_the_same_packages():
    pip, conda = pip_dependencies(), conda_dependencies()
    assert pip - conda == set(), f"in pyproject.toml but not environment.yml: {pip - conda}"
    assert conda - pip - CONDA_EXTRAS == set(), \
        f"in environment.yml but not pyproject.toml: {conda - pip - CONDA_EXTRAS}"


def test_minimum_versions_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {name_of(r): r for r in project["dependencies"]}
    env = (ROOT / "environment.yml").read_text()
    for name, requirement in pins.items():
        m = re.search(r">=\s*([\d.]+)", requirement)
        if m:
            assert f"{name}>={m.group(1)}" in env, f"{name}: pyproject says {requirement}"


def test_runtime_dependencies_stay_small():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {name_of(r) for r in project["dependencies"]} == {
        "numpy", "gymnasium", "matplotlib", "tqdm", "threadpoolctl"}

