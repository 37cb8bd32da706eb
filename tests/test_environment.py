"""The three ways to install the course agree: pyproject.toml, constraints.txt and environment.yml."""

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import nbformat
import yaml
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"matplotlib-base": "matplotlib", "pytorch": "torch"}  # conda-forge name -> PyPI name


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt line {line!r} is not an exact pin"
            pins[normalise(name)] = version
    return pins


def environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    pins = {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            for line in entry["pip"]:
                if "==" in line:
                    name, version = line.split("==")
                    pins[normalise(name)] = version
        elif "=" in entry and not entry.startswith("python="):
            name, version = entry.split("=")
            pins[normalise(CONDA_NAMES.get(name, name))] = version
    return pins


CI_ONLY_EXTRAS = {"nbgrader"}  # installed by `make test` only; the learners' environment.yml must not grow


def project_requirements(extras=None, all_markers=False) -> list[str]:
    """The packages pyproject.toml declares, in the main list and the chosen extras (None: all).

    An extra may name the course's own other extras (`lstm_course[dev]`); those are not packages to pin.
    """
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    chosen = {k: v for k, v in project["optional-dependencies"].items() if extras is None or k in extras}
    names = project["dependencies"] + [r for extra in chosen.values() for r in extra]
    requirements = [Requirement(name) for name in names]
    return [normalise(r.name) for r in requirements
            if normalise(r.name) != normalise(project["name"])
            and (all_markers or r.marker is None or r.marker.evaluate())]


def imported_modules() -> dict[str, set[str]]:
    """Top-level modules imported by the package, tools, tests, benchmarks and notebooks -> the files."""
    sources = {path: path.read_text() for folder in ("lstm_course", "tools", "tests", "benchmarks")
               for path in (ROOT / folder).rglob("*.py")}
    for notebook in [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("solutions/*.ipynb")]:
        cells = nbformat.read(notebook, as_version=4).cells
        code = [c.source for c in cells if c.cell_type == "code"]
        sources[notebook] = "\n".join(line for cell in code for line in cell.splitlines()
                                      if not line.lstrip().startswith(("%", "!")))
    found: dict[str, set[str]] = {}
    for path, text in sources.items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def learner_extras() -> set[str]:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    return set(extras) - CI_ONLY_EXTRAS


def test_torch_is_pinned_exactly():
    assert constraints()["torch"] == "2.13.0"
    assert environment_pins()["torch"] == "2.13.0"


def test_environment_yml_versions_equal_constraints():
    pins = constraints()
    mismatches = {name: (version, pins.get(name)) for name, version in environment_pins().items()
                  if pins.get(name) != version}
    assert not mismatches, f"environment.yml vs constraints.txt (name: (yml, txt)): {mismatches}"


def test_every_direct_dependency_is_pinned_in_both_files():
    pins, env = constraints(), environment_pins()
    for name in project_requirements():
        assert name in pins, f"{name} is a dependency in pyproject.toml but not pinned in constraints.txt"
    for name in project_requirements(learner_extras()):
        assert name in env, f"{name} is a dependency in pyproject.toml but not pinned in environment.yml"


def test_ci_only_extras_stay_out_of_the_learners_environment():
    shared = set(project_requirements(learner_extras()))
    ci_only = set(project_requirements(CI_ONLY_EXTRAS)) - shared
    assert ci_only, "expected the nbgrader extra to add packages"
    assert not ci_only & set(environment_pins()), ci_only & set(environment_pins())


def test_environment_installs_the_course_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_lines = next(entry["pip"] for entry in env["dependencies"] if isinstance(entry, dict))
    assert "-e ." in pip_lines


def test_every_package_the_code_imports_is_declared():
    local = {p.stem for folder in ("tests", "tools", "benchmarks") for p in (ROOT / folder).glob("*.py")}
    local |= {p.name for p in (ROOT / "tests").iterdir() if p.is_dir()} | {"lstm_course", "tools", "tests"}
    distributions = importlib.metadata.packages_distributions()
    declared = set(project_requirements(all_markers=True))
    missing = {}
    for module, files in imported_modules().items():
        if module in sys.stdlib_module_names or module in local:
            continue
        provided_by = {normalise(d) for d in distributions.get(module, [module])}
        if not provided_by & declared:
            missing[module] = sorted(files)[:3]
    assert not missing, f"imported but not declared in pyproject.toml (module: files): {missing}"
