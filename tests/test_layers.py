"""The layers hold: nothing below `cme/` imports `cme`, and `fsm/` is pure.

`cme/` is the application that wires the layers together; if a layer below it imported
it back, the layers could not be used, tested or reasoned about without the whole
application (issue 10, item 5). `fsm/` holds the rules as state tables: it must not know
actors, protocols or the reactor. Every import counts -- at module level, inside a
function, relative, or through `importlib.import_module("...")` with a literal name --
because a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The layers below the application.
BELOW_CME = ("actors", "fsm", "sip", "sccp", "conf", "tftp", "load")

#: What the state tables may not depend on (besides `cme`).
NOT_IN_FSM = ("actors", "sip", "sccp", "tftp", "twisted")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in *source*, nested ones included.

    *module* is the dotted name of the file, used to resolve relative imports.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            # `from pkg import sub` may import the submodule pkg.sub.
            found.extend((node.lineno, f"{name}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((node.lineno, arg.value))
    return found


def _within(name: str, top: str) -> bool:
    return name == top or name.startswith(top + ".")


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        module = _module_name(path)
        source = path.read_text(encoding="utf-8")
        for line, name in imported_modules(source, module, is_package=path.name == "__init__.py"):
            if any(_within(name, top) for top in forbidden):
                out.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return out


@pytest.mark.parametrize("package", BELOW_CME)
def test_nothing_below_cme_imports_cme(package):
    assert list((ROOT / package).rglob("*.py")), f"no Python files under {package}/"
    assert violations(package, ("cme",)) == []


def test_fsm_imports_no_actor_protocol_or_twisted():
    assert violations("fsm", NOT_IN_FSM) == []


@pytest.mark.parametrize(
    "source, module, expected",
    [
        ("import cme.trace", "actors.runtime", "cme.trace"),
        ("from cme import trace", "sip.core", "cme"),
        ("def f():\n    from cme.trace import TraceLogger\n", "sccp.server", "cme.trace"),
        ("from ..cme import app", "sip.csta.xml", "sip.cme"),  # resolves, stays inside sip
        ("from .. import x", "sip.csta.xml", "sip"),
        ("import importlib\nimportlib.import_module('cme.app')", "conf.load", "cme.app"),
    ],
)
def test_the_walk_sees_every_kind_of_import(source, module, expected):
    assert expected in [name for _, name in imported_modules(source, module)]


#: The call core: the line and what it is made of. It speaks the line-to-line protocol and
#: protocol-neutral events only, so any kind of endpoint can take part in its calls.
CALL_CORE = ("line", "line_", "connection", "calls", "events", "switch", "directory")


def test_the_call_core_imports_nothing_of_sccp_or_sip():
    core = [p for p in sorted((ROOT / "actors").glob("*.py")) if p.stem.startswith(CALL_CORE)]
    assert any(p.stem == "line_calls" for p in core) and len(core) >= 10
    out = []
    for path in core:
        for line, name in imported_modules(path.read_text(encoding="utf-8"), _module_name(path)):
            if any(_within(name, top) for top in ("sccp", "sip")):
                out.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert out == []


#: What the load generator's Locust processes may not import: Locust runs on gevent, so
#: no reactor, and nothing that pulls one in (the actors, the protocols' Twisted sides).
NOT_IN_LOAD = ("twisted", "actors", "sccp.client", "sccp.server", "sccp.phonebank", "sip.client",
               "sip.transport", "sip.core", "tftp")


def test_the_load_generator_imports_no_twisted():
    assert violations("load", NOT_IN_LOAD) == []
