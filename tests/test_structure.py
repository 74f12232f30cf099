"""Rules of the tree that no behaviour test sees: no hidden module state, every check rule listed once."""

from __future__ import annotations

import ast
import typing

from appeal.checks import RULES, coding, route, sources

from conftest import ROOT


def test_no_module_keeps_state_in_a_global():
    """Per-process state is an object handed around (the batch's Job and Worker), never ``global x``."""
    found = [f"{path.relative_to(ROOT)}:{node.lineno}" for path in sorted((ROOT / "appeal").rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.Global)]
    assert not found


def test_every_rule_function_is_in_the_ordered_list_once():
    """A rule runs because it is in RULES, in that order; a rule function left out of the list is an error."""
    listed = [entry.func for entry in RULES]
    assert len(listed) == len(set(listed))
    for module in (coding, route, sources):
        for name, value in vars(module).items():
            if callable(value) and getattr(value, "__module__", None) == module.__name__ and not name.startswith("_"):
                hints = typing.get_type_hints(value)
                if "ctx" in hints and "Iterator[appeal.checks.model.Finding]" in str(hints.get("return")):
                    assert value in listed, f"{module.__name__}.{name} is a rule but not in RULES"
