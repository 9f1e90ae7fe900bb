"""The Lua scripts claimcheck runs in Redis: reading them, and calling them by name.

Each script is a ``.lua`` file in a ``lua`` package next to the module that runs it: this
folder holds those of ``shared/`` (the store, the publisher, reviews, re-checks, checked
texts), ``services/intake/api/lua/`` those of the intake's rate limiter and idempotency
store. The files ship as package data. :func:`read_script` reads each file once per process;
:class:`Script` hands the text to ``redis.Redis.register_script`` once per client, which
runs it by its SHA1 and loads it again after a Redis restart.

A script takes positional ``KEYS`` and ``ARGV``. Its header names them, in order, on one
line each (continued on lines indented under it)::

    -- KEYS: claim, stream, cites...
    -- ARGV: claim_id, verdict_json, ttl (a remark in parentheses)

``name...`` stands for any number of them and comes last; ``-- ARGV: none`` says there are
none. The module that runs the script declares one :class:`ScriptCall` for it: a frozen
dataclass whose fields carry the same names in the same order, each marked :data:`KEY`,
:data:`KEYS` (many), :data:`ARG` or :data:`ARGS` (many). :class:`Script` runs it with such
a call, so a caller names what it passes and never counts positions;
``tests/shared/store/test_lua.py`` holds every call to its script's header.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, ClassVar, Generic, Literal, TypeVar

import redis

Arg = str | int | float
"""What a script's ``ARGV`` takes (redis-py sends each as its text)."""


@functools.cache
def read_script(package: str, name: str) -> str:
    """The text of the Lua script ``name`` (``publish.lua``) shipped in ``package``."""
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Slot:
    """Where a field of a :class:`ScriptCall` goes: ``KEYS`` or ``ARGV``, one or many."""

    kind: Literal["KEYS", "ARGV"]
    many: bool = False


KEY = Slot("KEYS")
"""``Annotated[str, KEY]``: the field is one key."""
KEYS = Slot("KEYS", many=True)
"""``Annotated[Sequence[str], KEYS]``: any number of keys, after the others."""
ARG = Slot("ARGV")
"""``Annotated[str, ARG]`` (or int, float): the field is one argument."""
ARGS = Slot("ARGV", many=True)
"""``Annotated[Sequence[str], ARGS]``: any number of arguments, after the others."""


@dataclass(frozen=True, kw_only=True)
class ScriptCall:
    """One call of a script, its keys and arguments by name (see the module docstring).

    Subclasses are ``@dataclass(frozen=True, kw_only=True)`` and set :attr:`SCRIPT`.
    """

    SCRIPT: ClassVar[tuple[str, str]]
    """The package and file name of the script (``("shared.store.lua", "publish.lua")``)."""

    def keys(self) -> list[str]:
        """``KEYS``, in the order of the fields."""
        return self._values("KEYS")

    def args(self) -> list[Arg]:
        """``ARGV``, in the order of the fields."""
        return self._values("ARGV")

    def _values(self, kind: str) -> list[Any]:
        values: list[Any] = []
        for name, slot in layout(type(self)):
            if slot.kind != kind:
                continue
            value = getattr(self, name)
            if slot.many:
                values.extend(value)
            else:
                values.append(value)
        return values


_LAYOUTS: dict[type[ScriptCall], tuple[tuple[str, Slot], ...]] = {}
"""Each call type's :func:`layout`, read once."""


def layout(call: type[ScriptCall]) -> tuple[tuple[str, Slot], ...]:
    """The fields of ``call`` with their slots, in order; TypeError for a field without a
    slot or a many-field that is not the last of its kind."""
    if call in _LAYOUTS:
        return _LAYOUTS[call]
    hints = typing.get_type_hints(call, include_extras=True)
    slots: list[tuple[str, Slot]] = []
    for field in dataclasses.fields(call):
        marks = [m for m in getattr(hints[field.name], "__metadata__", ()) if isinstance(m, Slot)]
        if len(marks) != 1:
            raise TypeError(
                f"{call.__name__}.{field.name}: annotate it with KEY, KEYS, ARG or ARGS"
            )
        slots.append((field.name, marks[0]))
    for kind in ("KEYS", "ARGV"):
        mine = [name for name, slot in slots if slot.kind == kind]
        many = [name for name, slot in slots if slot.kind == kind and slot.many]
        if many and many != mine[-1:]:
            raise TypeError(f"{call.__name__}.{many[0]}: many {kind} come last, and once")
    _LAYOUTS[call] = tuple(slots)
    return _LAYOUTS[call]


C = TypeVar("C", bound=ScriptCall)


class Script(Generic[C]):
    """A script registered on a client, run with calls of one :class:`ScriptCall` type."""

    def __init__(self, client: redis.Redis, call: type[C], *, prelude: Sequence[str] = ()) -> None:
        """``prelude``: files of the same package put before the script (the functions it
        calls)."""
        package, name = call.SCRIPT
        text = "".join(read_script(package, part) for part in (*prelude, name))
        self._script = client.register_script(text)

    def __call__(self, call: C) -> Any:
        """Run the script with ``call``'s keys and arguments; its reply as Redis gave it."""
        return self._script(keys=call.keys(), args=call.args())
