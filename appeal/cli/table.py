"""Text tables for a terminal: columns fit a width by wrapping the least important column first.

Colour is the terminal's business: a cell may be styled (``style``), and
:func:`echo_table` leaves the escape codes in only on a terminal and only when
``NO_COLOR`` is not set (https://no-color.org).
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Mapping, Sequence

import click

GAP = "  "


@dataclass(frozen=True)
class Column:
    header: str
    minimum: int = 0  # the narrowest it may be wrapped to; 0: never wrapped
    list: bool = False  # the cell is a comma-separated list: wrapped after a comma


def layout(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int,
           wrap_order: Sequence[int] = ()) -> list[int]:
    """Each column's width: as wide as its widest cell, then narrowed in ``wrap_order`` until the table fits."""
    widths = [max([len(c.header), *(len(str(r[i])) for r in rows)]) for i, c in enumerate(columns)]
    for i in wrap_order:
        over = sum(widths) + len(GAP) * (len(widths) - 1) - width
        if over <= 0:
            break
        widths[i] = max(columns[i].minimum or widths[i], len(columns[i].header), widths[i] - over)
    return widths


KEEP = "\u00a0"  # a space no line breaks at (``PAST DUE`` stays whole); shown as a space


@lru_cache(maxsize=4096)  # a remittance repeats its dates, codes, CARCs and flags in row after row
def _wrap(text: str, width: int, is_list: bool = False) -> tuple[str, ...]:
    if len(text) <= width:
        lines = [text]
    elif is_list:
        lines = [line.replace(", ", ",") for line in textwrap.wrap(text.replace(",", ", "), width=width)]
    else:
        lines = textwrap.wrap(text, width=width, break_on_hyphens=False)
    return tuple(line.replace(KEEP, " ") for line in lines) or ("",)


def render(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int = 100,
           wrap_order: Sequence[int] = (), styles: Mapping[int, Callable[[str], str]] | None = None) -> list[str]:
    """The header and rows as lines no wider than ``width`` (when the columns' minimums allow it); ``styles``
    colours the non-empty body cells of the columns it names (a column's index: how to style its text)."""
    widths = layout(columns, rows, width, wrap_order)
    lists = [c.list for c in columns]
    styles = styles or {}
    out = []
    for n, row in enumerate([[c.header for c in columns], *rows]):
        cells = [_wrap(str(cell), w, is_list) for cell, w, is_list in zip(row, widths, lists)]
        for k in range(max(map(len, cells))):
            texts = [cell[k] if k < len(cell) else "" for cell in cells]
            if n and styles:
                shown = [styles[i](text) if text and i in styles else text for i, text in enumerate(texts)]
                line = GAP.join(s + " " * (w - len(t)) for s, t, w in zip(shown, texts, widths))
            else:
                line = GAP.join(text.ljust(w) for text, w in zip(texts, widths))
            out.append(line.rstrip())
    return out


def colour_wanted() -> bool | None:
    """``False`` when NO_COLOR is set; otherwise ``None``: click keeps colour on a terminal only."""
    return False if os.environ.get("NO_COLOR") else None


def echo_table(lines: Sequence[str]) -> None:
    click.echo("\n".join(lines), color=colour_wanted())
