"""How a command-line program of the project is declared and run.

Each command module has a ``register(subparsers)`` function that adds its sub-command (or
group of sub-commands) with :func:`add_command`, naming the handler that runs it. A
program (``claimcheck``, ``claimcheck-lab``) is the list of those functions:
:func:`build_program` collects them and :func:`run` parses, loads the settings once and
calls the handler. A command module imports only light modules at its top (the standard
library, ``httpx``, ``redis``, ``shared``); models, the intake and the worker are imported
inside the handler, so building the parser never loads them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TypeAlias

import redis

from shared.errors import ClaimcheckError, ConfigurationError
from shared.settings import Settings, load_settings

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What ``ArgumentParser.add_subparsers`` returns: where a ``register`` function adds to."""
Handler = Callable[[argparse.Namespace, Settings], int]
"""Runs a parsed sub-command with the loaded settings; returns the exit status."""
Register = Callable[[Subparsers], None]
"""A command module's ``register``: adds its sub-command(s) to the program's parser."""


def add_command(
    subparsers: Subparsers,
    name: str,
    handler: Handler,
    *,
    help: str,
    description: str | None = None,
    needs_auth: bool = False,
) -> argparse.ArgumentParser:
    """Add the sub-command ``name``, run by ``handler``.

    ``needs_auth``: the command runs with the intake's API-key checks as configured; every
    other command runs on the operator's machine without keys of its own, so the settings
    are loaded with ``auth_enabled`` off for it.
    """
    parser = subparsers.add_parser(name, help=help, description=description or help)
    parser.set_defaults(handler=handler, needs_auth=needs_auth)
    return parser


def add_group(subparsers: Subparsers, name: str, *, help: str) -> Subparsers:
    """Add ``name`` as a group whose own sub-commands are added to the result."""
    parser = subparsers.add_parser(name, help=help, description=help)
    dest = f"{name.replace('-', '_')}_command"
    return parser.add_subparsers(dest=dest, required=True, metavar=dest.upper())


def package_version() -> str:
    """The installed ``claimcheck`` distribution's version (``unknown`` when the source tree
    runs without being installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("claimcheck")
    except PackageNotFoundError:
        return "unknown"


def build_program(
    prog: str, description: str, commands: Iterable[Register]
) -> argparse.ArgumentParser:
    """The program's parser (with ``--version``) and the sub-commands each ``register``
    function adds."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in commands:
        register(subparsers)
    return parser


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, load the settings and run the chosen handler; the exit status.

    A setting that does not validate exits 2; any other :class:`ClaimcheckError` and a
    Redis that does not answer exit 1 (each prints one line naming the program); Ctrl-C
    exits 130.
    """
    args = parser.parse_args(argv)
    try:
        overrides: dict[str, object] = {} if args.needs_auth else {"auth_enabled": False}
        settings = load_settings(**overrides)
        handler: Handler = args.handler
        return handler(args, settings)
    except ConfigurationError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    except ClaimcheckError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 1
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        print(f"{parser.prog}: Redis did not answer ({exc}); is it running?", file=sys.stderr)
        return 1
    except redis.RedisError as exc:
        print(f"{parser.prog}: Redis refused the command: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
