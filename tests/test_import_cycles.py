"""No import cycle between our modules: every module-level import, followed through the packages, never
leads back to where it started. (Imports inside functions and under TYPE_CHECKING are not edges: they
run after every module is loaded.) ``content.models`` in particular keeps search documents current
with mapper events, without importing ``content.search``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("screen_server", "content", "admin", "kiosk")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def _edges(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    out: set[str] = set()
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for n in ast.walk(node):
            if isinstance(n, ast.Import):
                out.update(a.name for a in n.names)
            elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
                subs = [f"{n.module}.{a.name}" for a in n.names if f"{n.module}.{a.name}" in modules]
                # ``from package import submodule`` depends on the submodule, not on the package's names.
                out.update(subs) if len(subs) == len(n.names) else out.update([n.module, *subs])
    return {m for m in out if m in modules and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while (w := stack.pop()) != v:
                part.append(w)
            if part:
                found.append(sorted([v, *part]))

    for v in graph:
        if v not in index:
            visit(v)
    return found


# Flask's pattern for one blueprint spread over several modules: the area's views module imports its route
# modules at the bottom, and they import its ``bp``. Listed here so that no other cycle slips in.
BLUEPRINT_ROUTE_MODULES = [
    ["screen_server.http.phone_pin", "screen_server.http.signin"],
    ["admin.meetings.console", "admin.meetings.supervision", "admin.meetings.views"],
    ["admin.members.editing", "admin.members.pins", "admin.members.statistics", "admin.members.views"],
]


def test_no_module_imports_itself_round_a_cycle() -> None:
    modules = _modules()
    assert len(modules) > 100
    graph = {name: _edges(path, name, modules) for name, path in modules.items()}
    assert [c for c in _cycles(graph) if sorted(c) not in BLUEPRINT_ROUTE_MODULES] == []


def test_the_cycle_finder_finds_one() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_content_models_do_not_load_the_search_module() -> None:
    code = "import sys, content.models; print('content.search' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"
