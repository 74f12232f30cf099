"""Text tables for a terminal: columns fit a width by wrapping the least important column first.

Colour is the terminal's business: a cell may be styled (``style``), and
:func:`echo_table` leaves the escape codes in only on a terminal and only when
``NO_COLOR`` is not set (https://no-color.org).
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import click

GAP = "  "


@dataclass(frozen=True)
class Column:
    """One column of a table printed on the terminal."""

    header: str
    minimum: int = 0  # the narrowest it may be wrapped to; 0: never wrapped
    list: bool = False  # the cell is a comma-separated list: wrapped after a comma


def _texts(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """The cells' texts column by column."""
    return [[str(row[i]) for row in rows] for i in range(len(columns))]


def layout(columns: Sequence[Column], texts: list[list[str]], width: int, wrap_order: Sequence[int] = ()) -> list[int]:
    """Each column's width: as wide as its widest cell (``texts``, column by column), then narrowed in
    ``wrap_order`` until the table fits."""
    widths = [max(len(c.header), max(map(len, column), default=0)) for c, column in zip(columns, texts)]
    for i in wrap_order:
        over = sum(widths) + len(GAP) * (len(widths) - 1) - width
        if over <= 0:
            break
        widths[i] = max(columns[i].minimum or widths[i], len(columns[i].header), widths[i] - over)
    return widths


KEEP = "\u00a0"  # a space no line breaks at (``PAST DUE`` stays whole); shown as a space


def _wrap(text: str, width: int, is_list: bool = False) -> tuple[str, ...]:
    if len(text) <= width:
        lines = [text]
    elif is_list:
        lines = [line.replace(", ", ",") for line in textwrap.wrap(text.replace(",", ", "), width=width)]
    else:
        lines = _words(text, width) or textwrap.wrap(text, width=width, break_on_hyphens=False)
    return tuple(line.replace(KEEP, " ") for line in lines) or ("",)


def _words(text: str, width: int) -> list[str] | None:
    """What ``textwrap.wrap(text, width, break_on_hyphens=False)`` gives for words between single spaces, with no
    other space or control character (a patient's name: most wrapped cells): its filling of the words (and the
    spaces between them), without its regular expressions and set-up; ``None`` for any other text."""
    if width < 1 or not text.isprintable() or "  " in text or text.startswith(" ") or text.endswith(" "):
        return None
    chunks = list(reversed(text.replace(" ", "\0 \0").split("\0")))  # words and the spaces between them
    lines: list[str] = []
    while chunks:
        if chunks[-1] == " " and lines:  # a line starts with no space
            del chunks[-1]
        line: list[str] = []
        size = 0
        while chunks and size + len(chunks[-1]) <= width:
            size += len(chunks[-1])
            line.append(chunks.pop())
        if chunks and len(chunks[-1]) > width:  # a word longer than a line: what fits, the rest on the next
            word = chunks[-1]
            line.append(word[:width - size])
            chunks[-1] = word[width - size:]
        if line and not line[-1].strip():  # nor ends with one
            del line[-1]
        if line:
            lines.append("".join(line))
    return lines


def render(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int = 100,
           wrap_order: Sequence[int] = (), styles: Mapping[int, Callable[[str], str]] | None = None) -> list[str]:
    """The header and rows as lines no wider than ``width`` (when the columns' minimums allow it); ``styles``
    colours the non-empty body cells of the columns it names (a column's index: how to style its text)."""
    texts = _texts(columns, rows)
    widths = layout(columns, texts, width, wrap_order)
    styles = styles or {}
    blanks = [" " * w for w in widths]
    header = [_padded(c.header, w, c.list, None) for c, w in zip(columns, widths)]
    out = [_line(line) for line in _row_lines(header, blanks)]
    shown = [_shown(column, w, c.list, styles.get(i)) for i, (c, w, column) in enumerate(zip(columns, widths, texts))]
    for cells in zip(*shown):
        out.extend(_line(line) for line in _row_lines(cells, blanks))
    return out


def _shown(texts: list[str], width: int, is_list: bool, style: Callable[[str], str] | None) -> list[tuple[str, ...]]:
    """A column's cells as lines, each text wrapped, styled and padded once: a remittance repeats its dates,
    codes, reasons and flags in row after row."""
    known: dict[str, tuple[str, ...]] = {}
    out = []
    for text in texts:
        found = known.get(text)
        if found is None:
            found = known[text] = _padded(text, width, is_list, style)
        out.append(found)
    return out


def _padded(text: str, width: int, is_list: bool, style: Callable[[str], str] | None) -> tuple[str, ...]:
    """A cell's lines, each styled (when it has text) and padded with spaces to the column's width."""
    return tuple((style(line) if style and line else line) + " " * (width - len(line))
                 for line in _wrap(text, width, is_list))


def _row_lines(cells: Sequence[tuple[str, ...]], blanks: list[str]) -> Sequence[list[str]]:
    """A row's cells side by side, line by line; a cell shorter than the others is blank (unstyled) below."""
    height = max(map(len, cells))
    if height == 1:
        return ([cell[0] for cell in cells],)
    return [[cell[k] if k < len(cell) else blank for cell, blank in zip(cells, blanks)] for k in range(height)]


def _line(texts: list[str]) -> str:
    return GAP.join(texts).rstrip()


def colour_wanted() -> bool | None:
    """``False`` when NO_COLOR is set; otherwise ``None``: click keeps colour on a terminal only."""
    return False if os.environ.get("NO_COLOR") else None


def echo_table(lines: Sequence[str]) -> None:
    click.echo("\n".join(lines), color=colour_wanted())
