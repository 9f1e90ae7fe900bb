"""The Lua scripts: ``.lua`` package data, each read once and run by some module."""

from __future__ import annotations

from pathlib import Path

from shared.lua import read_script

ROOT = Path(__file__).resolve().parents[2]
LUA_FILES = sorted(
    path for tree in ("shared", "services", "workers") for path in (ROOT / tree).rglob("*.lua")
)


def test_a_script_is_read_once() -> None:
    first = read_script("shared.lua", "publish.lua")
    assert read_script("shared.lua", "publish.lua") is first
    assert "XADD" in first


def test_every_script_ships_as_package_data_and_is_used() -> None:
    assert len(LUA_FILES) >= 8
    for path in LUA_FILES:
        # pyproject packages ``*.lua`` of packages only: the folder must be one
        assert (path.parent / "__init__.py").is_file(), path
        modules = path.parent.parent.rglob("*.py")
        assert any(f'"{path.name}"' in module.read_text() for module in modules), path
