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
    "services/delivery": ("services.intake", "fastapi", "starlette"),  # a process of its own
    "services/intake": ("services.delivery",),
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
    for wing in ("shared/", "shared/store/", "shared/newsroom/", "services/intake/api/",
                 "services/intake/extraction/", "services/delivery/", "workers/",
                 "workers/verification/", "workers/sources/knowledge_base/", "workers/newsroom/",
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


# One verdict policy: a verdict's confidence and review flag are set in one module. Every
# other step hands it the facts (probabilities, thresholds, the rule that fired, failed
# sources, a ruling, a newsroom's map) and spreads what it returns into the object it
# builds (``Verdict(..., **published)``); ``shared/schemas.py`` only declares the fields.
# ``lab/`` measures verdicts and publishes none, so only the publishing wings are read.
VERDICT_POLICY = "workers/verification/publish_policy.py"
POLICY_FIELDS = ("confidence", "needs_review")
PUBLISHING_WINGS = ("shared", "services", "workers", "cli")


def _dotted(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def _carriers(paths: list[Path], root: Path = ROOT) -> dict[tuple[str, str], int]:
    """(module, class) of every class declaring a ``needs_review`` field -> how many
    positional arguments it takes before one reaches a policy field."""
    found: dict[tuple[str, str], int] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            fields = [
                s.target.id
                for s in node.body
                if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
            ]
            if "needs_review" in fields:
                first = min(fields.index(f) for f in POLICY_FIELDS if f in fields)
                found[(_dotted(path, root), node.name)] = first
    return found


def _carriers_in_scope(
    tree: ast.Module, module: str, carriers: dict[tuple[str, str], int]
) -> dict[str, int]:
    """The carrying classes ``module`` can call by name: its own and those it imports."""
    known = {name: first for (m, name), first in carriers.items() if m == module}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if (node.module, alias.name) in carriers:
                    known[alias.asname or alias.name] = carriers[(node.module, alias.name)]
    return known


def _names_a_field(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Constant) and value.value in POLICY_FIELDS


def _call_writes(node: ast.Call, known: dict[str, int]) -> list[tuple[int, str]]:
    found = [(k.lineno, f"{k.arg}=") for k in node.keywords if k.arg in POLICY_FIELDS]
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name == "setattr" and len(node.args) > 1 and _names_a_field(node.args[1]):
        found.append((node.lineno, "setattr"))
    starred = any(isinstance(a, ast.Starred) for a in node.args)
    if name in known and (starred or len(node.args) > known[name]):
        found.append((node.lineno, f"{name}(...) by position"))
    return found


def _store_writes(node: ast.AST) -> list[tuple[int, str]]:
    if isinstance(node, ast.Dict):
        keys = [k for k in node.keys if isinstance(k, ast.Constant) and _names_a_field(k)]
        return [(k.lineno, f"{k.value!r}:") for k in keys]
    stored = isinstance(getattr(node, "ctx", None), ast.Store)
    if stored and isinstance(node, ast.Subscript) and _names_a_field(node.slice):
        return [(node.lineno, "[...] =")]
    if stored and isinstance(node, ast.Attribute) and node.attr in POLICY_FIELDS:
        return [(node.lineno, f".{node.attr} =")]
    return []


def _policy_field_writes(
    path: Path, carriers: dict[tuple[str, str], int], root: Path = ROOT
) -> list[tuple[int, str]]:
    """Where ``path`` sets a policy field: a keyword argument, a dict entry, an item or
    attribute assignment, ``setattr``, or positional arguments of a class carrying one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    known = _carriers_in_scope(tree, _dotted(path, root), carriers)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        found += _call_writes(node, known) if isinstance(node, ast.Call) else _store_writes(node)
    return sorted(found)


def test_the_policy_finds_every_way_of_setting_a_policy_field(tmp_path: Path) -> None:
    model = tmp_path / "m.py"
    model.write_text(
        "class Verdict:\n    label: str\n    confidence: float\n    needs_review: bool\n",
        encoding="utf-8",
    )
    src = tmp_path / "p.py"
    src.write_text(
        "from m import Verdict as V\n"
        "V('x', **p)\n"  # the label by position, the rest as the policy said: allowed
        "V('x', 0.5)\n"
        "V(*a)\n"
        "f(needs_review=True)\n"
        "u = {'confidence': 1.0}\n"
        "v.needs_review = True\n"
        "v['needs_review'] = True\n"
        "setattr(v, 'confidence', 0.0)\n"
        "w = v.confidence + v['needs_review']\n",  # reading: allowed
        encoding="utf-8",
    )
    carriers = _carriers([model], tmp_path)
    assert carriers == {("m", "Verdict"): 1}
    writes = _policy_field_writes(src, carriers, tmp_path)
    assert [line for line, _ in writes] == [3, 4, 5, 6, 7, 8, 9]


def test_only_the_verdict_policy_sets_confidence_and_needs_review() -> None:
    paths = sorted(p for wing in PUBLISHING_WINGS for p in (ROOT / wing).rglob("*.py"))
    carriers = _carriers(paths)
    assert {name for _, name in carriers} >= {"Verdict", "Outcome", "EvidenceDecision"}
    policy = ROOT / VERDICT_POLICY
    elsewhere = [
        f"{path.relative_to(ROOT)}:{line} {what}"
        for path in paths
        if path != policy
        for line, what in _policy_field_writes(path, carriers)
    ]
    assert not elsewhere, "set outside the verdict policy: " + "; ".join(elsewhere)
    assert policy.is_file(), f"{VERDICT_POLICY} is missing"
    assert _policy_field_writes(policy, carriers), f"{VERDICT_POLICY} sets neither field"


# Redis keys: every key is built by ``shared/store/keys.py`` (``Keys``), nowhere else. A key built
# by hand is an f-string that formats a prefix and goes on with ``:``, ``.`` or ``*``
# (``f"{key_prefix}:apikeys"``), a prefix joined to such a string with ``+``, or a name
# that goes on with a segment of the layout ``Keys`` builds (``f"{ns}:verdicts"``); or a
# string literal that is one of those segments or one of ``keys.py``'s own patterns.
KEY_BUILDER = "shared/store/keys.py"
KEY_WINGS = ("shared", "services", "workers", "cli", "lab")  # training never opens Redis
_SEGMENT = re.compile(r"[:.][\w-]+")


def _names_a_prefix(node: ast.expr) -> bool:
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return isinstance(node, ast.Name | ast.Attribute) and "prefix" in name.lower()


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the strings that stand as statements (docstrings, attribute docstrings):
    prose may show the layout."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


def _key_layout() -> tuple[set[str], set[str]]:
    """The segments that follow the prefix in ``Keys``' f-strings (``:claim``, ``.verify``)
    and the string constants of ``shared/store/keys.py`` (patterns such as kombu's bindings)."""
    tree = ast.parse((ROOT / KEY_BUILDER).read_text(encoding="utf-8"))
    segments: set[str] = set()
    constants: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            pairs = zip(node.values, node.values[1:], strict=False)
            texts = [
                str(after.value)
                for before, after in pairs
                if isinstance(before, ast.FormattedValue) and isinstance(after, ast.Constant)
            ]
            segments |= {m.group() for text in texts if (m := _SEGMENT.match(text))}
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            constants |= {v for v in [node.value.value] if isinstance(v, str) and len(v) > 3}
    return segments, constants


def _keys_built_by_hand(path: Path, segments: set[str], constants: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = _docstrings(tree)  # and the pieces of f-strings, which are read whole
    prose |= {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.JoinedStr):
            for before, after in zip(node.values, node.values[1:], strict=False):
                if not isinstance(before, ast.FormattedValue) or not isinstance(
                    after, ast.Constant
                ):
                    continue
                text = str(after.value)
                segment = _SEGMENT.match(text)
                if (_names_a_prefix(before.value) and text[:1] in ":.*") or (
                    segment and segment.group() in segments
                ):
                    found.append(f"line {line}: {ast.unparse(node)}")
                    break
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            pair = (node.left, node.right)
            texts = [str(n.value) for n in pair if isinstance(n, ast.Constant)]
            if any(_names_a_prefix(n) for n in pair) and any(t[:1] in ":.*" for t in texts):
                found.append(f"line {line}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in prose
            and (node.value in constants or (_SEGMENT.fullmatch(node.value) or [""])[0] in segments)
        ):
            found.append(f"line {line}: {node.value!r}")
    return sorted(found, key=lambda f: int(f.split()[1].rstrip(":")))


def test_redis_keys_are_built_in_shared_keys_only() -> None:
    segments, constants = _key_layout()
    assert {":claim", ":apikeys", ":rl", ".verify"} <= segments, "Keys' layout was not read"
    by_hand = {
        rel: found
        for wing in KEY_WINGS
        for path in sorted((ROOT / wing).rglob("*.py"))
        if (rel := path.relative_to(ROOT).as_posix()) != KEY_BUILDER
        if (found := _keys_built_by_hand(path, segments, constants))
    }
    assert not by_hand, f"Redis keys built outside {KEY_BUILDER} (add a method to Keys): {by_hand}"


def test_the_key_check_sees_each_way_of_building_one(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text(
        '"""A docstring may show ``{prefix}:claim:{id}``."""\n'
        'a = f"{settings.key_prefix}:apikeys"\n'
        'b = f"{ns}:verdicts"\n'
        'c = self._prefix + ":rl"\n'
        'd = "_kombu.binding*"\n'
        'e = f"{where}:{lineno}: {message}"\n'
        'f = f"{settings.key_prefix}-sse"\n',
        encoding="utf-8",
    )
    found = _keys_built_by_hand(src, {":verdicts"}, {"_kombu.binding*"})
    assert [f.split(":")[0] for f in found] == ["line 2", "line 3", "line 4", "line 5"]


# Settings are read at the process roots only: the intake (``services/intake/api``: app,
# context, server and the builders in ``components.py``), the worker (``workers/``:
# celery_app, context, runner and ``components.py``), the settings package itself
# (``settings.py``, its cross-field checks and ``settings_configs.py``, which turns the
# settings into the configs of the shared components), and the process setup every root
# calls first (logging, the Redis connection pool). ``cli/`` and ``lab/`` are roots too (the
# webhook deliverer's root is ``claimcheck webhooks deliver``, in ``cli/webhooks.py``) and
# are not read. Every other module under the wings below gets a small config (a frozen
# dataclass or plain arguments) built there, and defines no ``from_settings``.
SETTINGS = "shared.settings"
SETTINGS_WINGS = ("shared", "services", "workers")
SETTINGS_ROOTS = {
    "shared/settings.py": "the settings",
    "shared/settings_checks.py": "the settings' cross-field checks",
    "shared/settings_configs.py": "the shared components' configs, built from the settings",
    "shared/logging.py": "process setup: the root logger of every process",
    "shared/store/client.py": "process setup: the process's Redis connection pool",
    "services/intake/api/app.py": "intake root",
    "services/intake/api/context.py": "intake root",
    "services/intake/api/server.py": "intake root",
    "services/intake/api/components.py": "intake root: its components' configs",
    "workers/celery_app.py": "worker root",
    "workers/context.py": "worker root",
    "workers/runner.py": "worker root",
    "workers/components.py": "worker root: its components' configs",
}
SETTINGS_READERS_FOR_NOW: dict[str, str] = {}
"""Modules still reading the settings outside the roots, each with why (none now)."""


def _reads_settings(path: Path) -> list[str]:
    """How ``path`` reads the settings: imports of the settings package, ``from_settings``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = []
            if node.name == "from_settings":
                found.append(f"line {node.lineno}: def from_settings")
        else:
            continue
        hits = [n for n in names if n == SETTINGS or n.startswith((SETTINGS + ".", SETTINGS + "_"))]
        if hits:
            found.append(f"line {node.lineno}: imports {hits[0]}")
    return sorted(found, key=lambda f: int(f.split()[1].rstrip(":")))


def test_the_settings_check_sees_each_way_of_reading_them(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text(
        "import shared.settings\n"
        "from shared import settings\n"
        "from shared.settings_checks import LOCAL_SOURCES\n"
        "from shared.settings_configs import store_config\n"
        "from shared.store import claims\n"
        "if TYPE_CHECKING:\n    from shared.settings import Settings\n"
        "class C:\n    @classmethod\n    def from_settings(cls, s): ...\n"
        "def f():\n    from shared.settings import load_settings\n",
        encoding="utf-8",
    )
    found = _reads_settings(src)
    assert [f.split(":")[0] for f in found] == [f"line {n}" for n in (1, 2, 3, 4, 7, 10, 12)]


def test_only_the_process_roots_read_settings() -> None:
    readers = {
        rel: found
        for wing in SETTINGS_WINGS
        for path in sorted((ROOT / wing).rglob("*.py"))
        if (found := _reads_settings(path))
        if (rel := path.relative_to(ROOT).as_posix())
    }
    allowed = SETTINGS_ROOTS.keys() | SETTINGS_READERS_FOR_NOW.keys()
    broken = {rel: found for rel, found in readers.items() if rel not in allowed}
    assert not broken, (
        "only the process roots read Settings; give these a small config built at the root "
        f"({', '.join(sorted(SETTINGS_ROOTS))}): {broken}"
    )
    stale = sorted(SETTINGS_READERS_FOR_NOW.keys() - readers.keys())
    assert not stale, f"these read no settings any more: drop their allowance: {stale}"
    missing = sorted(p for p in SETTINGS_ROOTS if not (ROOT / p).is_file())
    assert not missing, f"roots that do not exist: {missing}"


# One consumer-group loop: only ``shared/store/streams.py`` reads a stream as a consumer
# group (``GroupReader``: reading, claiming, acknowledging, dead-lettering, leases, the group
# made again). Everyone else (``claimcheck watch``, the webhook deliverer) is a handler of
# it. A module reads as a group when it calls a group command of redis-py (``.xreadgroup(``,
# ``.xautoclaim(``, ``.xclaim(``, ``.xack(``, ``.xgroup_create(``...), names one in a string
# (``execute_command("XREADGROUP", ...)``, ``getattr(r, "xack")``, inline Lua), or runs a
# ``.lua`` script that calls one. Inspecting groups (``XINFO``, ``XPENDING``) is not reading.
GROUP_READER = "shared/store/streams.py"
GROUP_WINGS = ("shared", "services", "workers", "cli", "lab")
GROUP_COMMANDS = frozenset({"xreadgroup", "xautoclaim", "xclaim", "xack", "xgroup"})
_LUA_GROUP_CALL = re.compile(r"""redis\.p?call\(\s*['"](\w+)['"]""", re.IGNORECASE)


def _is_group_command(name: str) -> bool:
    """Whether ``name`` is a group command as redis-py or Redis spells it (``xack``,
    ``XGROUP CREATE``, ``xgroup_create``), not prose that starts with one."""
    word, _, sub = name.lower().partition(" ")
    if sub:
        return word == "xgroup" and sub.isalpha()
    return word in GROUP_COMMANDS or word.startswith("xgroup_")


def _group_reads(path: Path) -> list[str]:
    """Where ``path`` (a ``.py`` or ``.lua`` file) runs a consumer-group command."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".lua":
        return [
            f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(1)}"
            for m in _LUA_GROUP_CALL.finditer(text)
            if _is_group_command(m.group(1))
        ]
    tree = ast.parse(text)
    prose = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if _is_group_command(node.func.attr):
                found.append(f"line {node.lineno}: .{node.func.attr}(")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in prose
            and _is_group_command(node.value)
        ):
            found.append(f"line {node.lineno}: {node.value!r}")
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
        ):
            found += [
                f"line {node.lineno}: {m.group(1)} in a script"
                for m in _LUA_GROUP_CALL.finditer(node.value)
                if _is_group_command(m.group(1))
            ]
    return sorted(found, key=lambda f: int(f.split()[1].rstrip(":")))


def test_only_the_group_reader_reads_a_stream_as_a_consumer_group() -> None:
    paths = sorted(
        p
        for wing in GROUP_WINGS
        for pattern in ("*.py", "*.lua")
        for p in (ROOT / wing).rglob(pattern)
    )
    reader = ROOT / GROUP_READER
    assert reader in paths and _group_reads(reader), f"{GROUP_READER} reads no group any more"
    elsewhere = {
        path.relative_to(ROOT).as_posix(): found
        for path in paths
        if path != reader and (found := _group_reads(path))
    }
    assert not elsewhere, (
        f"reading a stream as a consumer group outside {GROUP_READER} (use GroupReader: "
        f"fetch, then ack or fail; or poll with a handler): {elsewhere}"
    )


def test_the_group_check_sees_each_way_of_reading_as_a_group(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text(
        '"""A docstring may say XREADGROUP."""\n'
        'a = r.xreadgroup("g", "c", {s: ">"})\n'
        "b = pipe.xack(s, g, i)\n"
        'c = r.execute_command("XAUTOCLAIM", s, g, c, 0, "0-0")\n'
        'd = r.xgroup_create(s, g, id="0")\n'
        "e = r.register_script(\"return redis.call('XCLAIM', KEYS[1])\")\n"
        'f = r.xinfo_groups(s), r.xpending(s, g), r.xread({s: "0"}), "xack is done"\n',
        encoding="utf-8",
    )
    found = _group_reads(src)
    assert [f.split(":")[0] for f in found] == ["line 2", "line 3", "line 4", "line 5", "line 6"]
    lua = tmp_path / "s.lua"
    lua.write_text("-- KEYS: stream\nredis.call('XADD', KEYS[1])\nredis.pcall( 'xack', 1)\n")
    assert _group_reads(lua) == ["line 3: xack"]
