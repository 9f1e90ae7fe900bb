"""Walking an ``argparse`` program: its sub-commands and what lacks a description."""

from __future__ import annotations

import argparse


def _subparsers(
    parser: argparse.ArgumentParser,
) -> argparse._SubParsersAction[argparse.ArgumentParser] | None:
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return found[0] if found else None


def subcommands(parser: argparse.ArgumentParser) -> set[str]:
    """The names of the program's top-level sub-commands."""
    action = _subparsers(parser)
    return set(action.choices) if action is not None else set()


def undescribed(parser: argparse.ArgumentParser) -> list[str]:
    """Every sub-command (at any depth) and option without help text, as ``prog name``."""
    missing: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                if not helps.get(name):
                    missing.append(f"{parser.prog} {name}")
                missing += undescribed(sub)
        elif not isinstance(action, argparse._HelpAction) and not action.help:
            missing.append(f"{parser.prog} {'/'.join(action.option_strings) or action.dest}")
    return missing
