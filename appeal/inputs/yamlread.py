"""Read YAML the way a biller typed it, and remember where each value stood.

Every scalar stays the string that was typed: ``code: 00100`` is ``"00100"``,
``member_id: 0012345`` keeps its zeros and ``NO`` stays ``"NO"``. Types are given
later, by the validator that knows what each field means. Alongside the data,
:class:`Located` keeps the 1-based line of every dotted path, so each problem can
name the line it is on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from appeal.errors import AppealError, Problem


@dataclass
class Located:
    """Plain data (dict / list / str) and the line each path was written on."""

    data: Any
    file: str
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, path: tuple) -> int | None:
        """The line of ``path``, or of its nearest parent that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def dotted(path: tuple) -> str:
    """``("claim", "lines", 0, "code")`` -> ``claim.lines[0].code``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def read_bytes(path: Path, error: type[AppealError], kind: str = "a file") -> bytes:
    """The file's bytes, or ``error`` naming what went wrong; ``kind`` is what a folder is not."""
    name = str(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise error("file not found", file=name) from None
    except IsADirectoryError:
        raise error(f"is a folder, not {kind}", file=name) from None
    except OSError as exc:
        raise error(f"cannot read the file: {exc.strerror}", file=name) from None


def read_text(path: Path, error: type[AppealError]) -> str:
    """The file's text, or ``error`` naming what went wrong."""
    name = str(path)
    raw = read_bytes(path, error)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(
            [Problem(name, "the file is not UTF-8 text", line=line, accepted="a UTF-8 YAML file")]
        ) from None


def load_yaml(path: Path | str, error: type[AppealError], text: str | None = None) -> Located:
    """Parse one YAML document from ``path`` (or ``text``) into :class:`Located`."""
    path = Path(path)
    name = str(path)
    if text is None:
        text = read_text(path, error)
    try:
        node = compose_nodes(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or "invalid YAML"
        raise error(
            [Problem(name, f"YAML syntax error: {what}", line=line, accepted="valid YAML")]
        ) from None
    except yaml.YAMLError as exc:
        raise error([Problem(name, f"YAML error: {exc}")]) from None
    located = Located(data=None, file=name)
    problems: list[Problem] = []
    if node is not None:
        located.data = _convert(node, (), located, problems)
    if problems:
        raise error(problems)
    return located


FAST_LOADER = getattr(yaml, "CBaseLoader", None)
"""libyaml's composer, where PyYAML was built with it (it is, in PyYAML's wheels); None otherwise."""


def compose_nodes(text: str, fast: bool = True) -> yaml.Node | None:
    """The document's nodes, every scalar a string, each with its line mark.

    libyaml composes the same nodes with the same line marks as PyYAML's pure-Python loader, some
    twenty times faster. A document libyaml rejects is composed again by the pure loader, so a user
    always sees the pure loader's error and its line, as before; without libyaml the pure loader does
    it all.
    """
    if fast and FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.BaseLoader)


def _convert(node: yaml.Node, path: tuple, located: Located, problems: list[Problem]) -> Any:
    located.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), located, problems) for i, item in enumerate(node.value)]
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(
                Problem(located.file, "a key must be plain text", line=key_node.start_mark.line + 1,
                        field=dotted(path))
            )
            continue
        key = key_node.value
        if key in out:
            problems.append(
                Problem(located.file, f"the key '{key}' is given twice", line=key_node.start_mark.line + 1,
                        field=dotted(path + (key,)), accepted="each key once")
            )
            continue
        located.lines[path + (key,)] = key_node.start_mark.line + 1
        out[key] = _convert(value_node, path + (key,), located, problems)
    return out
