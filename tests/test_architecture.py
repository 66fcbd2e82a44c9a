"""The package tree shows the architecture: few top-level modules, stages in one order, no cycle.

Read from the source (imports found by ``ast``, lazy ones inside functions
included), so a new module that reaches back into a later stage fails here
rather than in review. ``docs/architecture.md`` draws the same order.
"""

from __future__ import annotations

import ast

from codegraph import PACKAGE, graph, modules

# Each package or top-level module may import only those before it.
ORDER = (
    "model",
    "errors",
    "config",
    "digests",
    "files",
    "urls",
    "reference",
    "parse",
    "archive",
    "site",
    "render",
    "database",
    "ui",
    "engine",
    "check",
    "serve",
    "importing",
    "cli",
    "__main__",
)


def stage(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def test_the_top_level_holds_at_most_twelve_modules() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 12, top


def test_every_package_and_top_level_module_has_a_place_in_the_order() -> None:
    stages = {stage(name) for name in modules() if name != "generator"}
    assert stages <= set(ORDER), f"give these a place in ORDER: {sorted(stages - set(ORDER))}"


def test_stages_import_only_earlier_stages() -> None:
    late = []
    for module, imports in graph().items():
        if module == "generator":
            continue
        for other in imports:
            if other == "generator":
                continue
            a, b = stage(module), stage(other)
            if a != b and ORDER.index(b) > ORDER.index(a):
                late.append(f"{module} imports {other}")
    assert not late, "\n".join(sorted(late))


def test_no_module_imports_itself_through_others() -> None:
    edges = graph()
    seen: dict[str, int] = {}  # 1: on the path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for other in sorted(edges[node]):
            if seen.get(other) == 1:
                cycles.append([*path[path.index(other) :], other])
            elif other not in seen:
                visit(other, [*path, other])
        seen[node] = 2

    for node in sorted(edges):
        if node not in seen:
            visit(node, [node])
    assert not cycles, cycles


def test_each_module_says_what_it_is_for() -> None:
    missing = [
        name
        for name, path in modules().items()
        if ast.get_docstring(ast.parse(path.read_text("utf-8"))) is None
    ]
    assert not missing, missing
