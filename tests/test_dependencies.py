"""Every third-party module the code imports is declared in pyproject.toml (a fresh machine has nothing else).

The package and the app need ``[project] dependencies``; tests and scripts may also use the ``test`` extras. A
module is matched to its distributions with ``importlib.metadata.packages_distributions``; a dependency that is
only present because another one pulls it in (starlette through streamlit) still has to be declared when the code
imports it directly.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OWN = {"geo", "geoapp", "app", "tests"} | {p.stem for p in (ROOT / "tests").glob("*.py")}


def declared(requirements: list[str]) -> set[str]:
    """Return the normalised distribution names of requirement strings."""
    return {re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", r).group().lower())  # type: ignore[union-attr]
            for r in requirements}


def imported(files: list[Path]) -> dict[str, Path]:
    """Return top-level module name → first file importing it (absolute imports, at any depth in the file)."""
    found: dict[str, Path] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                     else [])
            for name in names:
                found.setdefault(name.split(".")[0], path)
    return {m: p for m, p in found.items() if m not in sys.stdlib_module_names and m not in OWN}


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = declared(PROJECT["dependencies"])
TESTING = RUNTIME | declared(PROJECT["optional-dependencies"]["test"])
CODE = sorted([*(ROOT / "geo").rglob("*.py"), *(ROOT / "geoapp").rglob("*.py"), ROOT / "app.py"])
CHECKS = sorted([*(ROOT / "tests").glob("*.py"), *(ROOT / "scripts").glob("*.py")])


@pytest.mark.parametrize(("files", "allowed"), [(CODE, RUNTIME), (CHECKS, TESTING)], ids=["package", "tests"])
def test_every_imported_module_is_declared(files: list[Path], allowed: set[str]) -> None:
    owners = importlib.metadata.packages_distributions()
    missing = {}
    for module, path in imported(files).items():
        distributions = declared(owners.get(module, [module]))
        if not distributions & allowed:
            missing[module] = str(path.relative_to(ROOT))
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"
