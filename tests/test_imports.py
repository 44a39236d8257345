"""The import graph of the consortium package has no cycles, so every module can be imported on its own and the
layers stay layered: services raise ``consortium.errors``, which imports nothing of ours; the web layer
(``consortium.web``) turns those errors into answers and is imported by nobody below it.

The graph is read from the source with ``ast``: every ``import`` and ``from ... import`` of a consortium module,
including those inside functions (a lazy import still closes a loop, it only hides it until run time), leaving out
those under ``if TYPE_CHECKING:``, which never run."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "consortium"


def module_files() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
        for child in node.orelse:
            yield from _imported(child)
        return
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        yield node.module
        yield from (f"{node.module}.{alias.name}" for alias in node.names)  # ``from consortium.web import pages``
    for child in ast.iter_child_nodes(node):
        yield from _imported(child)


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = {target for target in _imported(tree) if target in modules and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read_from_every_module() -> None:
    graph = import_graph()
    # A few edges known to exist, so an empty graph (a broken reader) cannot pass as "no cycles".
    assert "consortium.errors" in graph["consortium.bids.services"]
    assert "consortium.web.errors" in graph["consortium.app"]
    assert "consortium.piccolo_conf" in graph["consortium.db"]  # a lazy import, inside engine()
    assert sum(len(targets) for targets in graph.values()) > 300


def test_the_errors_module_imports_nothing_of_ours() -> None:
    assert import_graph()["consortium.errors"] == set()


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "Import cycles in consortium (each a set of modules that import one another):\n" + "\n".join(
        " <-> ".join(component) for component in found
    )


def test_a_cycle_would_be_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
