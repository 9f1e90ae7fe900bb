"""The Lua scripts claimcheck runs in Redis, and the one function that reads them.

Each script is a ``.lua`` file in a ``lua`` package next to the module that runs it: this
folder holds those of :mod:`shared.store` and :mod:`shared.publisher`,
``services/intake/api/lua/`` those of the intake's rate limiter and idempotency store. The
files ship as package data. :func:`read_script` reads each file once per process; the
modules hand the text to ``redis.Redis.register_script`` once per client, which runs it by
its SHA1 and loads it again after a Redis restart.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def read_script(package: str, name: str) -> str:
    """The text of the Lua script ``name`` (``publish.lua``) shipped in ``package``."""
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")
