"""The letter as plain data: what both renderers draw, and what golden files pin.

A :class:`Letter` is a list of blocks (:class:`Heading`, :class:`Paragraph`,
:class:`Recipient`, :class:`Quote`, :class:`BulletList`, :class:`Table`, :class:`Signature`,
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
    """A heading; ``new_page`` starts a page (an attachment after the signature)."""

    runs: tuple[Run, ...]
    level: int = 2
    new_page: bool = False


@dataclass(frozen=True)
class Recipient:
    """The payer's address block: its name, an attention line, the street lines, city/state/ZIP last
    (no phone or fax). With a window envelope the renderers place it in the window."""

    name: str
    attention: str | None = None
    address: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return [self.name, *([self.attention] if self.attention else []), *self.address]


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
    """A bulleted or numbered list; each item is a run of text."""

    items: tuple[tuple[Run, ...], ...]
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    """A small table; with ``header`` the first row is a header row."""

    rows: tuple[tuple[tuple[Run, ...], ...], ...]
    header: bool = True


@dataclass(frozen=True)
class Signature:
    """The closing, the signer's name and lines, and an optional signature image."""

    closing: str
    name: str
    lines: tuple[str, ...] = ()
    image: Path | None = None


@dataclass(frozen=True)
class References:
    """Each cited source once, fully, in order of first citation."""

    title: str
    entries: tuple[str, ...]


Block = Heading | Paragraph | Recipient | Quote | BulletList | Table | Signature | References


@dataclass(frozen=True)
class Letterhead:
    """The practice's name and address lines at the top of the first page, and its logo."""

    name: str
    lines: tuple[str, ...]
    logo: Path | None = None


@dataclass(frozen=True)
class Letter:
    """The document model of one letter: what every renderer draws."""

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
    if isinstance(block, Recipient):
        return block.lines()
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


# -- how the pages are laid out (not part of the letter's words; the golden files do not pin it) --

ENVELOPES = ("window-10", "none")


@dataclass(frozen=True)
class PageSetup:
    """How the letter's pages are laid out, from the practice profile and the command line.

    ``accent`` colours the letterhead's name and rule; ``letterhead_font`` is a key of
    ``appeal.render.layout.FAMILIES``. With ``stationery_first`` (a one-page PDF) the PDF letter is laid over that
    page, inside ``margins`` (top, right, bottom, left), and draws no letterhead of its own;
    ``stationery_rest`` is the page under every later page (without it they are plain). With
    ``envelope`` ``window-10`` the payer's address is placed in a #10 window (``layout.WINDOW_10``).
    """

    envelope: str = "window-10"
    accent: str | None = None
    letterhead_font: str = "serif"
    stationery_first: Path | None = None
    stationery_rest: Path | None = None
    margins: tuple[float, float, float, float] | None = None  # points
    monochrome: bool = False  # black and white, for a fax: no grey text, no shading, no accent colour

    def first_margins(self) -> tuple[float, float, float, float]:
        return self.margins if self.stationery_first is not None and self.margins else (72.0,) * 4

    def rest_margins(self) -> tuple[float, float, float, float]:
        return self.margins if self.stationery_rest is not None and self.margins else (72.0,) * 4
