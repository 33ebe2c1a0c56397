"""The layout's arrows (DEVELOPERS.md, "Layout"): no import circle, each wing imports only the
wings below it, and nothing imports the CLI. Imports are read from the source (every import
statement, also those inside functions), so an import made on first use counts too."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("pipeline", "spiders", "settings")
GROUND = {"pipeline.errors", "pipeline.items", "pipeline.stats", "settings"}  # everything may use these
BELOW = {  # what each wing may import besides itself and the ground floor
    "pipeline.text": set(),
    "pipeline.store": set(),
    "pipeline.dedup": {"pipeline.text", "pipeline.store"},
    "pipeline.query": {"pipeline.store"},
    "pipeline.crawl": {"pipeline.store"},
    "pipeline.stages": {"pipeline.text", "pipeline.dedup", "pipeline.store", "pipeline.context"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def imported(path: Path) -> set[str]:
    """The project's modules that a file imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)  # from pipeline.dedup import bands
    return {name for name in names if name in MODULES}


GRAPH = {name: imported(path) - {name} for name, path in MODULES.items()}


def wing(module: str) -> str:
    """``pipeline.store.models`` -> ``pipeline.store``; ``settings.config`` -> ``settings``; a module at
    the top of ``pipeline/`` is its own."""
    parts = module.split(".")
    if parts[0] != "pipeline":
        return parts[0]
    if len(parts) > 2 or (len(parts) == 2 and (ROOT / "pipeline" / parts[1]).is_dir()):
        return ".".join(parts[:2])
    return module


def circles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def test_every_wing_is_read() -> None:
    assert {"pipeline.stages.clean", "pipeline.store.models", "pipeline.dedup.index", "pipeline.query.records",
            "pipeline.crawl.scheduler", "pipeline.cli", "spiders.base", "settings.config"} <= set(MODULES)
    assert "pipeline.store.models" in GRAPH["pipeline.stages.store"]  # the reader sees a plain import
    assert "pipeline.crawl.runner" in GRAPH["pipeline.context"]  # ...and one made inside a function


def test_no_import_circle() -> None:
    assert circles() == []


def test_each_wing_imports_only_what_lies_below_it() -> None:
    wrong = sorted((module, dep) for module, deps in GRAPH.items() if wing(module) in BELOW
                   for dep in deps
                   if wing(dep) not in BELOW[wing(module)] | GROUND | {wing(module)})
    assert wrong == []


def test_nothing_imports_the_command_line() -> None:
    assert sorted(module for module, deps in GRAPH.items() if "pipeline.cli" in deps) == []
