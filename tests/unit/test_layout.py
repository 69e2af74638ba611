"""The layout's rules, checked on the source: dependencies point one way, and each thing has one home.

See the README's Architecture section: api -> use cases -> repositories and models -> db; triage depends on
nothing of the project; no package imports one that imports it back.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import cadtriage

ROOT = Path(cadtriage.__file__).parent
WEB = ("fastapi", "starlette", "uvicorn")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in ROOT.rglob("*.py")}


def _imports(path: Path) -> Iterator[str]:
    """Every module `path` imports, anywhere in it (functions and TYPE_CHECKING blocks included)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                yield submodule if submodule in MODULES else node.module


def _project_imports(module: str) -> set[str]:
    return {name for name in _imports(MODULES[module]) if name in MODULES and name != "cadtriage"}


def _package(module: str) -> str:
    """`cadtriage.dispatch.intake` -> `dispatch`; a top-level module is its own package."""
    return module.split(".")[1] if module != "cadtriage" else module


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in `graph`, if there is one (depth-first search, colouring nodes)."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_check_finds_cycles() -> None:
    assert _cycle({"calls": {"dispatch"}, "dispatch": {"units"}, "units": {"calls"}}) == [
        "calls", "dispatch", "units", "calls",
    ]  # fmt: skip
    assert _cycle({"api": {"dispatch"}, "dispatch": {"calls"}}) is None


def test_no_package_imports_one_that_imports_it_back() -> None:
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        targets = {_package(m) for m in _project_imports(module)} - {_package(module)}
        graph.setdefault(_package(module), set()).update(targets)
    assert _cycle(graph) is None


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert _cycle({module: _project_imports(module) for module in MODULES}) is None


def test_nothing_but_the_cli_reaches_into_the_web_layer() -> None:
    for module in MODULES:
        if _package(module) != "api":
            assert not any(_package(m) == "api" for m in _project_imports(module)), module


def test_routers_call_use_cases_never_repositories() -> None:
    for module in MODULES:
        if module.startswith("cadtriage.api."):
            assert not any(m.endswith(".repository") for m in _project_imports(module)), module


def test_only_the_web_layer_knows_about_http() -> None:
    for module, path in MODULES.items():
        if _package(module) != "api" and module != "cadtriage.cli":
            assert not any(name.split(".")[0] in WEB for name in _imports(path)), module


def test_triage_is_pure() -> None:
    for module, path in MODULES.items():
        if _package(module) == "triage":
            outside = {m for m in _project_imports(module) if _package(m) != "triage"}
            assert outside == set(), module
            assert not any(n.split(".")[0] in ("sqlalchemy", "psycopg", *WEB) for n in _imports(path)), module


def test_the_state_machines_are_pure() -> None:
    module = "cadtriage.dispatch.transitions"
    assert _project_imports(module) == {
        "cadtriage.calls.models",
        "cadtriage.consults.models",
        "cadtriage.units.models",
        "cadtriage.errors",
    }
    assert not any(n.split(".")[0] in ("sqlalchemy", "psycopg") for n in _imports(MODULES[module]))


def _assigned(target: ast.expr) -> Iterator[ast.expr]:
    yield target
    if isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _assigned(element)


def test_one_module_sets_each_status() -> None:
    # Calls' and units' statuses and consults' states in dispatch.moves; a follow-up's in its own service; an EIDO
    # webhook delivery's in the conveyance that sends it.
    setters = set()
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets = [t for target in getattr(node, "targets", []) for t in _assigned(target)]
            if any(isinstance(t, ast.Attribute) and t.attr in ("status", "state") for t in targets):
                setters.add(module)
    assert setters == {"cadtriage.dispatch.moves", "cadtriage.followups.service", "cadtriage.eido.conveyance"}
