"""The letter as plain data: what both renderers draw, and what golden files pin.

A :class:`Letter` is a list of blocks (:class:`Heading`, :class:`Paragraph`,
:class:`Quote`, :class:`BulletList`, :class:`Table`, :class:`Signature`,
:class:`References`) plus the page furniture (letterhead, running header, PDF
metadata). Inline text is a tuple of :class:`Run`. Everything is frozen and
``as_dict()`` gives JSON-ready data, so the document can be compared without the
bytes of a DOCX or PDF. Renderers have one function per block type and fail
loudly on a type they do not know.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Run:
    """A piece of inline text; ``text == "\\n"`` with ``br`` is a line break."""

    text: str
    bold: bool = False
    italic: bool = False
    br: bool = False


@dataclass(frozen=True)
class Heading:
    runs: tuple[Run, ...]
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    """Body text. ``style`` is ``body`` or ``address`` (lines kept together)."""

    runs: tuple[Run, ...]
    style: str = "body"


@dataclass(frozen=True)
class Quote:
    """A source's exact words, then its short attribution on its own line."""

    text: str
    attribution: str
    citation: str
    passage: str


@dataclass(frozen=True)
class BulletList:
    items: tuple[tuple[Run, ...], ...]
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    """A small table; with ``header`` the first row is a header row."""

    rows: tuple[tuple[tuple[Run, ...], ...], ...]
    header: bool = True


@dataclass(frozen=True)
class Signature:
    closing: str
    name: str
    lines: tuple[str, ...] = ()
    image: Path | None = None


@dataclass(frozen=True)
class References:
    """Each cited source once, fully, in order of first citation."""

    title: str
    entries: tuple[str, ...]


Block = Heading | Paragraph | Quote | BulletList | Table | Signature | References


@dataclass(frozen=True)
class Letterhead:
    name: str
    lines: tuple[str, ...]
    logo: Path | None = None


@dataclass(frozen=True)
class Letter:
    letterhead: Letterhead
    blocks: tuple[Block, ...]
    running_header: str
    title: str
    author: str
    subject: str
    keywords: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)

    def text(self) -> str:
        """The letter's words in reading order, one block a line (for checks and tests)."""
        out = [self.letterhead.name, *self.letterhead.lines]
        for block in self.blocks:
            out.extend(block_text(block))
        return "\n".join(out)

    def as_dict(self) -> dict:
        return _plain(self)


def runs_text(runs: tuple[Run, ...]) -> str:
    return "".join("\n" if run.br else run.text for run in runs)


def block_text(block: Block) -> list[str]:
    if isinstance(block, (Heading, Paragraph)):
        return [runs_text(block.runs)]
    if isinstance(block, Quote):
        return [block.text, block.attribution]
    if isinstance(block, BulletList):
        return [runs_text(item) for item in block.items]
    if isinstance(block, Table):
        return [" | ".join(runs_text(cell) for cell in row) for row in block.rows]
    if isinstance(block, Signature):
        return [block.closing, block.name, *block.lines]
    if isinstance(block, References):
        return [block.title, *block.entries]
    raise TypeError(f"unknown block type {type(block).__name__}")


def _plain(value: Any) -> Any:
    if is_dataclass(value):
        out = {"type": type(value).__name__}
        for f in fields(value):
            out[f.name] = _plain(getattr(value, f.name))
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Path):
        return value.name  # a file's name, not where this machine keeps it
    return value
