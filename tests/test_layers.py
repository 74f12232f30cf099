"""The layers are real: no import cycle in ``appeal/`` and no import from a lower layer to a higher one.

Every module is read with ``ast``, so an import inside a function counts as much as one
at the top (a lazy import is still a dependency). The order, from the bottom, is the
one the README's "How it is built" walks through.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "appeal"

# From the bottom. A module belongs to the first layer one of whose names it equals or sits under.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("appeal", "appeal.errors", "appeal.resources"),
    ("appeal.inputs",),
    ("appeal.reference",),
    ("appeal.letters",),
    ("appeal.settings",),
    ("appeal.checks",),
    ("appeal.render",),
    ("appeal.deliver",),
    ("appeal.ledger",),
    ("appeal.commands",),
    ("appeal.cli", "appeal.__main__"),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    best, found = -1, None
    for index, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, found = len(name), index
    assert found is not None, f"{module} is in no layer: add it to LAYERS (and to the README)"
    return found


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """Every ``appeal`` module ``module`` imports, anywhere in its file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    return {name for name in found if name == "appeal" or name.startswith("appeal.")} - {module}


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def test_every_module_is_in_a_layer():
    for name in modules():
        layer_of(name)


def test_no_import_runs_up_a_layer():
    upward = [f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)})"
              for module, targets in graph().items() for target in sorted(targets)
              if layer_of(target) > layer_of(module)]
    assert not upward, "\n".join(upward)


def test_no_import_cycle():
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_walk_sees_imports_inside_functions(tmp_path):
    """The test itself: a lazy import is found, and a relative one is resolved."""
    source = tmp_path / "appeal" / "letters" / "x.py"
    source.parent.mkdir(parents=True)
    source.write_text("def f():\n    from appeal.commands import generate\n    from ..render import pdf\n")
    found = imports_of("appeal.letters.x", source, {"appeal.commands.generate", "appeal.render.pdf"})
    assert found == {"appeal.commands.generate", "appeal.render.pdf"}
