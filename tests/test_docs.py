"""The README and ``docs/`` name only what exists: commands, settings, make targets, modules
and links. A renamed command or setting fails here until the docs follow it.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
from pathlib import Path

import pytest

from cli.main import build_parser
from lab.main import build_parser as build_lab_parser
from shared.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", ROOT / "ARCHITECTURE.md", *(ROOT / "docs").glob("*.md")])
README_MAX_LINES = 250
NOT_SETTINGS = frozenset({"CLAIMCHECK_TEST_REDIS_URL", "CLAIMCHECK_TEST_ARTIFACTS"})
"""Variables the docs name that the test suite reads, not :class:`Settings`."""

Commands = dict[str, "Commands"]


def _commands(parser: argparse.ArgumentParser) -> Commands:
    found: Commands = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = _commands(sub)
    return found


def _code(text: str) -> list[str]:
    """The fenced blocks and inline code spans of a Markdown page."""
    fenced = re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.DOTALL)
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return fenced + re.findall(r"`([^`\n]+)`", prose)


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", page.read_text(), flags=re.M)}


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_the_readme_is_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_setting_named_exists(page: Path) -> None:
    settings = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    named = set(re.findall(r"CLAIMCHECK_[A-Z0-9_]*[A-Z0-9]", page.read_text(encoding="utf-8")))
    assert named - settings - NOT_SETTINGS == set()


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_command_named_exists(page: Path) -> None:
    registries = {"": _commands(build_parser()), "-lab": _commands(build_lab_parser())}
    unknown = []
    for code in _code(page.read_text(encoding="utf-8")):
        pattern = r"(?:^|[\s/])claimcheck(-lab)? ([a-z][\w-]*)(?: ([a-z][\w-]*))?"
        for found in re.finditer(pattern, code, flags=re.M):
            commands = registries[found.group(1) or ""]
            command, sub = found.group(2), found.group(3)
            subs = commands.get(command)
            if subs is None or (subs and sub and sub not in subs):
                unknown.append(found.group(0).strip())
    assert unknown == []


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_make_target_and_module_named_exists(page: Path) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, flags=re.M))
    code = "\n".join(_code(page.read_text(encoding="utf-8")))
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", code))
    assert named - targets == set()
    modules = set(re.findall(r"python -m ([a-z_][\w.]*[a-z_])", code))
    assert {m for m in modules if importlib.util.find_spec(m) is None} == set()


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_link_resolves(page: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (
            anchor and linked.suffix == ".md" and anchor not in _anchors(linked)
        ):
            broken.append(target)
    assert broken == []
