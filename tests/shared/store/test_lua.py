"""The Lua scripts: ``.lua`` package data, each read once and run by some module, each
called with the keys and arguments its header names, in that order."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar

import pytest

from shared.store.lua import ARG, ARGS, KEY, KEYS, ScriptCall, layout, read_script

ROOT = Path(__file__).resolve().parents[3]
LUA_FILES = sorted(
    path for tree in ("shared", "services", "workers") for path in (ROOT / tree).rglob("*.lua")
)


def test_a_script_is_read_once() -> None:
    first = read_script("shared.store.lua", "publish.lua")
    assert read_script("shared.store.lua", "publish.lua") is first
    assert "XADD" in first


def test_every_script_ships_as_package_data_and_is_used() -> None:
    assert len(LUA_FILES) >= 8
    for path in LUA_FILES:
        # pyproject packages ``*.lua`` of packages only: the folder must be one
        assert (path.parent / "__init__.py").is_file(), path
        modules = path.parent.parent.rglob("*.py")
        assert any(f'"{path.name}"' in module.read_text() for module in modules), path


CALL_MODULES = (
    "shared.store.publisher",
    "shared.store.claims",
    "shared.store.webhooks",
    "shared.newsroom.reviews",
    "shared.newsroom.rechecks",
    "shared.newsroom.checked_text_edits",
    "services.intake.api.ratelimit",
    "services.intake.api.idempotency",
)
"""The modules that run the scripts, each declaring a :class:`ScriptCall` per script."""
PRELUDES = {"complete_if_done.lua"}
"""Scripts that only define functions for others (no KEYS or ARGV of their own)."""


def _header(package: str, name: str) -> dict[str, list[str]]:
    """The names the script's header lines ``-- KEYS:`` and ``-- ARGV:`` give, in order
    (lines indented under them go on; remarks in parentheses are dropped)."""
    texts: dict[str, str] = {}
    kind = ""
    for line in read_script(package, name).splitlines():
        if not line.startswith("--"):
            break
        text = line.removeprefix("--")
        if m := re.match(r" (KEYS|ARGV):(.*)", text):
            kind, text = m.group(1), m.group(2)
            texts[kind] = ""
        elif not (kind and text.startswith("      ")):
            kind = ""
            continue
        texts[kind] += " " + text
    return {
        kind: [n.strip() for n in re.sub(r"\([^()]*\)", "", text).split(",") if n.strip()]
        for kind, text in texts.items()
    }


def _subclasses(cls: type[ScriptCall]) -> Iterator[type[ScriptCall]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_call_names_its_scripts_keys_and_arguments_in_order() -> None:
    for module in CALL_MODULES:
        importlib.import_module(module)
    calls = {c.SCRIPT: c for c in _subclasses(ScriptCall) if c.__module__ in CALL_MODULES}
    scripts = {
        (".".join(path.parent.relative_to(ROOT).parts), path.name)
        for path in LUA_FILES
        if path.name not in PRELUDES
    }
    assert set(calls) == scripts
    for (package, name), call in calls.items():
        named: dict[str, list[str]] = {"KEYS": [], "ARGV": []}
        for field, slot in layout(call):
            named[slot.kind].append(field + ("..." if slot.many else ""))
        header = _header(package, name)
        assert {k: [n for n in v if n != "none"] for k, v in header.items()} == named, name


def test_the_header_reader_joins_lines_and_drops_remarks() -> None:
    assert _header("shared.store.lua", "publish.lua")["KEYS"][-2:] == ["review_queue", "cites..."]
    assert _header("shared.store.lua", "publish.lua")["ARGV"][-2:] == ["review_score", "revision"]
    assert _header("shared.store.lua", "count_delivery.lua") == {
        "KEYS": ["claim"],
        "ARGV": ["none"],
    }


@dataclass(frozen=True, kw_only=True)
class _Call(ScriptCall):
    SCRIPT: ClassVar[tuple[str, str]] = ("tests", "none.lua")
    second_arg: Annotated[int, ARG]
    first_key: Annotated[str, KEY]
    more_keys: Annotated[Sequence[str], KEYS]
    more_args: Annotated[Sequence[str], ARGS]


def test_a_call_lays_its_fields_out_in_order_many_last() -> None:
    call = _Call(second_arg=2, first_key="k", more_keys=["k2", "k3"], more_args=["a"])
    assert call.keys() == ["k", "k2", "k3"]
    assert call.args() == [2, "a"]


@dataclass(frozen=True, kw_only=True)
class _Unmarked(ScriptCall):
    SCRIPT: ClassVar[tuple[str, str]] = ("tests", "none.lua")
    key: str


@dataclass(frozen=True, kw_only=True)
class _ManyFirst(ScriptCall):
    SCRIPT: ClassVar[tuple[str, str]] = ("tests", "none.lua")
    many: Annotated[Sequence[str], KEYS]
    one: Annotated[str, KEY]


@pytest.mark.parametrize(
    ("call", "problem"), [(_Unmarked, "annotate it with"), (_ManyFirst, "come last")]
)
def test_a_call_that_cannot_be_laid_out_says_why(call: type[ScriptCall], problem: str) -> None:
    with pytest.raises(TypeError, match=problem):
        layout(call)
