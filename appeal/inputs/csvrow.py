"""A CSV row as a case: columns are dotted field paths (``patient.name``, ``claim.lines.0.code``).

:func:`row_located` turns one row into the nested data a case file would hold, every
field on the row's line, so ``read_case`` validates it like any case file.
"""

from __future__ import annotations

from appeal.errors import CaseError, Problem
from appeal.inputs.yamlread import Located

MAX_ITEMS = 999  # numbered columns (claim.lines.N): an 835 claim has at most 999 service lines


def row_located(file: str, line: int, columns: tuple[str, ...], cells: tuple[str, ...]) -> Located:
    """A CSV row as the nested data a case file would hold; every field is on the row's line."""
    data: dict = {}
    problems: list[Problem] = []
    if len(cells) > len(columns):
        problems.append(Problem(file, f"the row has {len(cells)} cells but the header names {len(columns)} "
                                      "columns", line=line, accepted="one cell per column"))
    for column, value in zip(columns, cells):
        if value.strip():
            _put(data, column, value.strip(), file, line, problems)
    if problems:
        raise CaseError(problems)
    located = Located(data=_lists(data, (), file, line, problems), file=file)
    if problems:
        raise CaseError(problems)
    _note_lines(located, located.data, (), line)
    return located


def _put(data: dict, column: str, value: str, file: str, line: int, problems: list[Problem]) -> None:
    parts = column.split(".")
    if any(not p for p in parts):
        problems.append(Problem(file, f"column '{column}' is not a dotted field path", line=line, field=column,
                                accepted="names such as patient.name or claim.lines.0.code"))
        return
    node = data
    for part in parts[:-1]:
        key = int(part) if part.isdigit() else part
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            break
    key = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
    if not isinstance(node, dict) or key in node:
        problems.append(Problem(file, f"column '{column}' clashes with another column", line=line, field=column,
                                accepted="each field once, either as a value or as a section"))
        return
    node[key] = value


def _lists(node, path: tuple, file: str, line: int, problems: list[Problem]):
    """Sections keyed by numbers (``claim.lines.0``) become lists."""
    if not isinstance(node, dict):
        return node
    out = {k: _lists(v, path + (k,), file, line, problems) for k, v in node.items()}
    numbered = [k for k in out if isinstance(k, int)]
    if not numbered:
        return out
    if len(numbered) < len(out):
        problems.append(Problem(file, "mixes numbered and named columns", line=line,
                                field=".".join(map(str, path)), accepted="claim.lines.0.code, claim.lines.1.code"))
        return {}
    if max(numbered) >= MAX_ITEMS:
        problems.append(Problem(file, f"numbers an item {max(numbered)}", line=line, field=".".join(map(str, path)),
                                accepted=f"item numbers from 0 to {MAX_ITEMS - 1}"))
        return []
    return [out.get(i) for i in range(max(numbered) + 1)]


def _note_lines(located: Located, node, path: tuple, line: int) -> None:
    located.lines[path] = line
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        _note_lines(located, value, path + (key,), line)
