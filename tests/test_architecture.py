"""The wings' import rules, read from the source, and ARCHITECTURE.md against the folders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "shared": ("services", "workers", "cli", "lab", "training"),
    "services/intake/extraction": (
        "services.intake.api", "workers", "cli", "lab", "fastapi", "starlette", "redis",
    ),
    "services": ("workers", "cli", "lab", "training"),
    "workers": ("services", "cli", "lab", "training"),
    "cli": ("lab", "training"),
}  # fmt: skip


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


@pytest.mark.parametrize("wing", list(FORBIDDEN))
def test_dependencies_point_one_way(wing: str) -> None:
    broken = []
    for path in sorted((ROOT / wing).rglob("*.py")):
        for name in _imports(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[wing]):
                broken.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not broken, broken


def test_architecture_page_names_only_folders_that_exist_and_every_wing() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:shared|services|workers|cli|lab|training|tests)[\w/]*/)`", text))
    missing = sorted(n for n in named if not (ROOT / n).is_dir())
    assert not missing, f"ARCHITECTURE.md names folders that do not exist: {missing}"
    for wing in ("shared/", "services/intake/api/", "services/intake/extraction/", "workers/",
                 "cli/", "lab/", "training/", "tests/"):  # fmt: skip
        assert wing in named, wing


def _over_500_lines(paths: list[Path]) -> list[str]:
    return [
        f"{p.relative_to(ROOT)} ({n})"
        for p in paths
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    ]


def test_no_module_over_500_lines() -> None:
    wings = ("shared", "services", "workers", "cli", "lab", "training")
    long = _over_500_lines([p for wing in wings for p in (ROOT / wing).rglob("*.py")])
    assert not long, long
    scripts = sorted((ROOT / "services/intake/api/dashboard").glob("*.js"))
    assert scripts, "the dashboard has no .js files to check"
    long_js = _over_500_lines(scripts)
    assert not long_js, long_js


# Import cycles: ``training`` is a package of scripts run one at a time (``python -m
# training.<task>``), so nothing forces an import order on it. Function-level (lazy)
# imports count too: a lazy import that closes a loop only hides it until the function runs.
ACYCLIC = ("training",)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(path: Path, module: str, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that ``path`` imports anywhere in its code."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from pkg import mod`` imports pkg.mod; ``from mod import name`` imports mod
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            # the longest prefix that is one of ours: ``a.b.c`` for an ``a.b`` module is a.b
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def _import_graph(wing: str) -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in sorted((ROOT / wing).rglob("*.py"))}
    return {m: _imported_modules(p, m, set(paths)) for m, p in paths.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_cycle_finder_sees_lazy_and_from_package_imports(tmp_path: Path) -> None:
    graph = {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a"}, "p.d": {"p.a"}, "p.e": set()}
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]
    src = tmp_path / "m.py"
    src.write_text(
        "import p.a.thing\n"
        "def f():\n    from p import b as bee, nothing\n"
        "    from p.c import name\n"
        "    from .d import x\n",
        encoding="utf-8",
    )
    assert _imported_modules(src, "p.m", {"p", "p.a", "p.b", "p.c", "p.d", "p.m"}) == {
        "p", "p.a", "p.b", "p.c", "p.d",
    }  # fmt: skip


@pytest.mark.parametrize("wing", ACYCLIC)
def test_no_import_cycles(wing: str) -> None:
    graph = _import_graph(wing)
    assert len(graph) > 1, f"found no modules under {wing}/"
    cycles = _cycles(graph)
    assert not cycles, "import cycles (counting imports inside functions): " + "; ".join(
        " <-> ".join(c) for c in cycles
    )
