"""What a user installs: the wheel holds every module, template and data file, and declares what the code imports.

An editable install (what the tests otherwise run against) reads the source tree, so it cannot show a file
missing from the wheel; these tests build the real wheel. `.ci/run` also installs it in a fresh virtual
environment and runs the README's first command.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import packages_distributions, version
from pathlib import Path

import pytest
from click.testing import CliRunner

from ombudsman_cli.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ombudsman_cli"
TEMPLATES = ROOT / "letter_templates"
NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".*")


def source_files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """The wheel built by the project's own build backend from a copy of the source (so the checkout is left
    untouched), as pip builds it for `pip install .`."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / "ombudsman_cli", ignore=NOT_SHIPPED)
    shutil.copytree(TEMPLATES, source / "letter_templates", ignore=NOT_SHIPPED)
    out = work / "dist"
    build = subprocess.run(
        [sys.executable, "-c", f"from setuptools import build_meta; print(build_meta.build_wheel({str(out)!r}))"],
        cwd=source, capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    name = build.stdout.strip().splitlines()[-1]
    return zipfile.ZipFile(out / name)


def test_the_wheel_holds_every_module_and_data_file_of_the_package(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    expected = {f"ombudsman_cli/{p.as_posix()}" for p in source_files(PACKAGE)}
    assert expected - names == set()
    assert "ombudsman_cli/cli/__init__.py" in names  # the console script's module (missing before #15)
    assert "ombudsman_cli/data/english-local-authorities.csv" in names


def test_the_wheel_holds_every_template_page_template_and_asset(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    expected = {f"ombudsman_cli/letter_templates/{p.as_posix()}" for p in source_files(TEMPLATES)}
    assert expected - names == set()
    for needed in ("annual-review-letter.docx", "annual-review-letter-2020.docx", "annual-review-email.txt",
                   "site/council.html", "site/assets/site.css"):
        assert f"ombudsman_cli/letter_templates/{needed}" in names


def test_the_wheel_holds_nothing_but_the_package(wheel: zipfile.ZipFile) -> None:
    for name in wheel.namelist():
        assert name.startswith(("ombudsman_cli/", "ombudsman-")), name
        assert "__pycache__" not in name and not name.endswith(".pyc"), name


def test_the_console_script_names_a_module_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    entry_points = next(n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
    text = wheel.read(entry_points).decode()
    target = re.search(r"^ombudsman\s*=\s*([\w.]+):(\w+)", text, re.M)
    assert target is not None, text
    module = target.group(1).replace(".", "/")
    assert {f"{module}.py", f"{module}/__init__.py"} & set(wheel.namelist())


def imported_distributions() -> dict[str, set[str]]:
    """Each distribution the package's code imports directly (not through another package), with the modules
    that import it."""
    provided_by = packages_distributions()
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "ombudsman_cli":
                    continue
                assert top in provided_by, f"{path.name} imports {top}, which no installed distribution provides"
                for distribution in provided_by[top]:
                    found.setdefault(normalise(distribution), set()).add(path.name)
    return found


def normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def test_every_package_the_code_imports_is_a_declared_dependency(wheel: zipfile.ZipFile) -> None:
    metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    requires = [line.split(":", 1)[1].strip() for line in wheel.read(metadata).decode().splitlines()
                if line.startswith("Requires-Dist:")]
    declared = {normalise(re.match(r"[A-Za-z0-9_.-]+", r).group(0)) for r in requires if "extra ==" not in r}
    imported = imported_distributions()
    assert {"jinja2", "lxml", "click", "docxtpl"} <= set(imported)
    missing = {name: sorted(modules) for name, modules in imported.items() if name not in declared}
    assert missing == {}
    # CliRunner's result.stderr (used throughout the tests) needs click 8.2; Click 9 removes what 8.5 deprecated.
    click_bounds = next(set(re.sub(r"\s", "", r[len("click"):]).split(",")) for r in requires if r.startswith("click"))
    assert click_bounds == {">=8.2", "<9"}, requires


def test_version_comes_from_the_package_metadata(tmp_path: Path) -> None:
    expected = version("ombudsman")
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"ombudsman, version {expected}\n"
    module = subprocess.run([sys.executable, "-m", "ombudsman_cli", "--version"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert (module.returncode, module.stdout) == (0, f"ombudsman, version {expected}\n")
    import ombudsman_cli

    assert ombudsman_cli.__version__ == expected


def package_imports() -> dict[str, set[str]]:
    """Each module of the package and the modules of the package it imports, at any level of its code
    (an import inside a function is a dependency all the same, only a later one)."""
    def name_of(path: Path) -> str:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    modules = {name_of(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join([*base, *([node.module] if node.module else [])])
                for alias in node.names:
                    found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else target)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[module] = {m for m in found if m in modules and m != module}
    return graph


def test_no_two_modules_import_each_other_however_indirectly() -> None:
    """Issue 31: data/columns.py and data/reading.py each imported the other's names. Imports flow one way
    (README, Layout): no module reaches itself through what it imports."""
    graph = package_imports()
    assert "ombudsman_cli.data.columns" in graph["ombudsman_cli.data.reading"]  # the graph sees lazy imports
    circles = []
    for start in graph:
        path, seen, todo = {start: [start]}, {start}, [start]
        while todo:
            module = todo.pop()
            for imported in graph[module]:
                if imported == start:
                    circles.append(" -> ".join([*path[module], start]))
                elif imported not in seen:
                    seen.add(imported)
                    path[imported] = [*path[module], imported]
                    todo.append(imported)
    assert circles == []
