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
