"""The package tree: no import cycle among the modules of ``geo`` and ``geoapp``, a short flat core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geo", "geoapp")
MAX_FLAT_GEO_MODULES = 12


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def own_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def imported(path: Path, name: str, known: set[str]) -> set[str]:
    """Every own module a file imports anywhere in it: top level, in functions, under TYPE_CHECKING."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            subs = [f"{base}.{alias.name}" for alias in node.names]
            targets = [s for s in subs if s in known] if all(s in known for s in subs) else [*subs, base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = own_modules()
    known = set(modules)
    return {name: imported(path, name, known) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_sees_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_flat_core_is_short() -> None:
    flat = sorted(p.name for p in (ROOT / "geo").glob("*.py"))
    assert len(flat) <= MAX_FLAT_GEO_MODULES, flat


@pytest.mark.parametrize("package", PACKAGES)
def test_no_type_ignore(package: str) -> None:
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in (ROOT / package).rglob("*.py")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "type: ignore" in line]
    assert not offenders


def test_core_never_imports_streamlit() -> None:
    graph_text = [p for p in (ROOT / "geo").rglob("*.py") if "import streamlit" in p.read_text(encoding="utf-8")
                  or "from streamlit" in p.read_text(encoding="utf-8")]
    assert not graph_text


def test_no_facade_re_exports() -> None:
    """No module re-exports other modules' names through ``__all__``: callers import from where a name lives."""
    offenders = [str(p.relative_to(ROOT)) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
                 if "__all__" in p.read_text(encoding="utf-8")]
    assert not offenders


def test_no_english_parsed_back_to_translate() -> None:
    """Messages are data (geo/messages.py): no module matches the core's English sentences to translate them."""
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "geoapp").rglob("*.py")
                 if "re.compile" in (text := p.read_text(encoding="utf-8")) and "gettext" in text]
    assert not offenders
