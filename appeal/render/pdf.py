"""Draw a :class:`~appeal.document.Letter` as a PDF (reportlab platypus).

US Letter, the bundled Liberation Serif fonts (embedded, metric-compatible with the
Times New Roman the DOCX names, covering Latin Extended, Vietnamese, Greek and
Cyrillic; even the canvas's initial font is ours, so no unembedded Helvetica), a
running header on every page after the first and "Page N of M" on every page. Output
is byte-stable for the same letter (reportlab's invariant mode).

User text is escaped before reportlab's paragraph markup sees it. Pages break
cleanly: a heading, or a paragraph ending in ':' that introduces a quote or list,
stays with what follows; quotes and the signature block are kept whole; a paragraph
never leaves a single line at the top or bottom of a page. One function per block
type; an unknown block type is an error. Sizes, spacing and margins come from
:mod:`appeal.render.layout`, which the DOCX renderer shares.
"""

from __future__ import annotations

import io
import unicodedata
from functools import lru_cache
from typing import Callable
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (Flowable, HRFlowable, Image, KeepTogether, ListFlowable, ListItem,
                                Paragraph as RLParagraph, BaseDocTemplate, Frame, PageTemplate, Spacer, Table as RLTable, TableStyle)

from appeal.letters.document import (Block, BulletList, Heading, Letter, Paragraph, Quote, References, Run, Signature,
                             Table)
from appeal.errors import RenderError
from appeal.render import keeps_with_next, layout
from appeal.resources import PACKAGE

FAMILY = "LiberationSerif"
_FAMILY_NAMES = {"serif": FAMILY, "sans": "LiberationSans"}
MARGIN = layout.MARGIN
GREY = colors.HexColor(layout.GREY)
RULE = colors.HexColor(layout.RULE)


def face(family: str = layout.BODY_FAMILY, bold: bool = False, italic: bool = False) -> str:
    """The registered name of a bundled face: ``LiberationSerif-Bold``."""
    name = _FAMILY_NAMES[family]
    suffix = ("Bold" if bold else "") + ("Italic" if italic else "")
    return f"{name}-{suffix}" if suffix else name


def _files() -> dict[str, str]:
    files = {}
    for key, family in layout.FAMILIES.items():
        files[face(key)] = family.regular
        files[face(key, bold=True)] = family.bold
        files[face(key, italic=True)] = family.italic
        files[face(key, bold=True, italic=True)] = family.bold_italic
    return files


_FILES = _files()


@lru_cache(maxsize=1)
def fonts() -> dict[str, TTFont]:
    """Register the bundled fonts once per process."""
    loaded = {}
    for name, file in _FILES.items():
        font = TTFont(name, str(PACKAGE / "fonts" / file))
        pdfmetrics.registerFont(font)
        loaded[name] = font
    for key in layout.FAMILIES:
        pdfmetrics.registerFontFamily(face(key), normal=face(key), bold=face(key, bold=True),
                                      italic=face(key, italic=True), boldItalic=face(key, True, True))
    return loaded


@lru_cache(maxsize=1)
def _coverage() -> frozenset[int]:
    """Code points every face can draw: text may be set in any of them (bold, italic)."""
    maps = [set(font.face.charToGlyph) for font in fonts().values()]
    return frozenset(set.intersection(*maps))


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` (as drawn: NFC) that some bundled face cannot draw.

    White space is never drawn as a glyph: the letter folds it into plain spaces and line breaks.
    """
    covered = _coverage()
    return {ch for ch in unicodedata.normalize("NFC", text) if ord(ch) not in covered and not ch.isspace()}


def describe_missing(missing: set[str]) -> str:
    """``'字' (U+5B57)``: each character and its code point, so a user can find it."""
    return ", ".join(f"'{c}' (U+{ord(c):04X})" for c in sorted(missing))


_ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}


def paragraph_style(name: str, family: str = layout.BODY_FAMILY, colour: str | None = None) -> ParagraphStyle:
    """A reportlab style from the shared layout rule ``name`` (no widows or orphans)."""
    fonts()
    rule = layout.STYLES[name]
    return ParagraphStyle(
        name, fontName=face(family, rule.bold, rule.italic), fontSize=rule.size, leading=rule.leading,
        spaceBefore=rule.before, spaceAfter=rule.after, leftIndent=rule.left, rightIndent=rule.right,
        alignment=_ALIGN[rule.align], textColor=colors.HexColor(colour or rule.colour or "#000000"),
        allowWidows=0, allowOrphans=0)


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    return {name: paragraph_style(name) for name in layout.STYLES}


def _text(value: str) -> str:
    """User text as paragraph markup: NFC (one glyph per letter), with <, > and & escaped."""
    return xml_escape(unicodedata.normalize("NFC", value))


def _markup(runs: tuple[Run, ...]) -> str:
    out = []
    for run in runs:
        if run.br:
            out.append("<br/>")
            continue
        text = _text(run.text)
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        out.append(text)
    return "".join(out)


def _para(text_markup: str, style: str) -> RLParagraph:
    return RLParagraph(text_markup, _styles()[style])


def _check(letter: Letter) -> None:
    """Last guard for text the case check cannot see (template and citation words)."""
    missing = missing_glyphs(letter.text() + letter.running_header)
    if missing:
        raise RenderError(f"the letter's text has characters the PDF font cannot draw: "
                          f"{describe_missing(missing)}", file=f"template {letter.meta.get('template', '?')}")


def _heading(block: Heading) -> list[Flowable]:
    return [_para(_markup(block.runs), f"h{min(max(block.level, 1), 3)}")]


def _paragraph(block: Paragraph) -> list[Flowable]:
    flowable = _para(_markup(block.runs), "small" if block.style == "small" else "body")
    return [KeepTogether([flowable])] if block.style == "address" else [flowable]


def _quote(block: Quote) -> list[Flowable]:
    return [KeepTogether([_para(_text(block.text), "quote"), _para(_text(block.attribution), "attribution")])]


def _list(block: BulletList) -> list[Flowable]:
    items = [ListItem(_para(_markup(item), "body"), leftIndent=layout.LIST_INDENT) for item in block.items]
    kind = "1" if block.ordered else "bullet"
    return [ListFlowable(items, bulletType=kind, start="1" if block.ordered else "•",
                         leftIndent=layout.LIST_INDENT, bulletFontName=FAMILY, bulletFontSize=9)]


def _table(block: Table) -> list[Flowable]:
    rows = []
    for r, row in enumerate(block.rows):
        cells = []
        for c, runs in enumerate(row):
            bold = (block.header and r == 0) or (not block.header and c == 0)
            cells.append(_para(_markup(runs), "cell_bold" if bold else "cell"))
        rows.append(cells)
    columns = max(len(r) for r in rows)
    table = RLTable(rows, colWidths=layout.column_widths(columns, layout.text_width()), hAlign="LEFT",
                    repeatRows=1 if block.header else 0)
    shaded = (-1, 0) if block.header else (0, -1)
    pad = layout.CELL_PADDING
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FAMILY),  # the table's own default is Helvetica, never embedded
        ("GRID", (0, 0), (-1, -1), layout.TABLE_GRID, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), shaded, colors.HexColor(layout.SHADE)),
        ("TOPPADDING", (0, 0), (-1, -1), pad["top"]),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad["bottom"]),
        ("LEFTPADDING", (0, 0), (-1, -1), pad["left"]),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad["right"]),
    ]))
    return [table, Spacer(1, layout.TABLE_SPACE_AFTER)]


def _signature(block: Signature) -> list[Flowable]:
    parts: list[Flowable] = [_para(_text(block.closing), "body")]
    if block.image is not None:
        parts.append(_image(block.image, *layout.SIGNATURE_IMAGE, "signer.signature", "LEFT"))
    else:
        parts.append(Spacer(1, layout.SIGNATURE_GAP))
        parts.append(HRFlowable(width=layout.SIGNATURE_LINE_WIDTH, thickness=0.6, color=colors.black,
                                hAlign="LEFT", spaceBefore=0, spaceAfter=3))
    parts.append(_para(f"<b>{_text(block.name)}</b>", "signer_name"))
    parts.extend(_para(_text(line), "signer") for line in block.lines)
    return [KeepTogether(parts)]


def _image(path, max_width: float, max_height: float, field: str, align: str) -> Image:
    """An image scaled to fit its box, keeping its proportions."""
    w, h = image_size(path, field)
    scale = min(max_width / w, max_height / h)
    image = Image(str(path), width=w * scale, height=h * scale)
    image.hAlign = align
    return image


def image_size(path, field: str) -> tuple[int, int]:
    try:
        from reportlab.lib.utils import ImageReader

        return ImageReader(str(path)).getSize()
    except Exception:
        raise RenderError(f"{field}: not a readable image", file=str(path)) from None


def _references(block: References) -> list[Flowable]:
    if not block.entries:
        return []
    head = _para(_text(block.title), "h2")
    items = [ListItem(_para(_text(e), "small"), leftIndent=layout.LIST_INDENT) for e in block.entries]
    return [head, ListFlowable(items, bulletType="1", leftIndent=layout.LIST_INDENT, bulletFontName=FAMILY,
                               bulletFontSize=9)]


def _unknown(block: Block) -> list[Flowable]:
    raise RenderError(f"the PDF renderer has no rule for a {type(block).__name__} block")


_RENDERERS: dict[type, Callable[[Block], list[Flowable]]] = {
    Heading: _heading,
    Paragraph: _paragraph,
    Quote: _quote,
    BulletList: _list,
    Table: _table,
    Signature: _signature,
    References: _references,
}


def _letterhead(letter: Letter) -> list[Flowable]:
    head = letter.letterhead
    parts: list[Flowable] = []
    if head.logo is not None:
        parts.append(_image(head.logo, *layout.LOGO_BOX, "provider.logo", "CENTER"))
        parts.append(Spacer(1, 4))
    parts.append(_para(_text(head.name), "letterhead_name"))
    parts.extend(_para(_text(line), "letterhead") for line in head.lines)
    above, below = layout.LETTERHEAD_RULE_GAP
    parts.append(HRFlowable(width="100%", thickness=0.75, color=RULE, spaceBefore=above, spaceAfter=below))
    return parts


def _story(letter: Letter) -> list[Flowable]:
    """The page's flowables; what keeps with the next block is bound to that block's first flowable."""
    story = _letterhead(letter)
    pending: list[Flowable] = []
    for block in letter.blocks:
        drawn = _RENDERERS.get(type(block), _unknown)(block)
        if keeps_with_next(block):
            pending.extend(drawn)
            continue
        if pending and drawn:
            story.append(KeepTogether(_unwrap(pending + drawn[:1])))
            drawn, pending = drawn[1:], []
        story.extend(drawn)
    story.extend(pending)
    return story


def _unwrap(flowables: list[Flowable]) -> list[Flowable]:
    """The contents of nested KeepTogethers: a nested one reports an endless height and would force a page
    break."""
    out: list[Flowable] = []
    for flowable in flowables:
        out.extend(_unwrap(flowable._content) if isinstance(flowable, KeepTogether) else [flowable])
    return out


def _numbered_canvas(letter: Letter):
    """A canvas that knows the page count when it draws each page's header and footer."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            kwargs["invariant"] = 1
            kwargs["initialFontName"] = FAMILY
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            page = self._pageNumber
            width, height = layout.PAGE_WIDTH, layout.PAGE_HEIGHT
            self.setFillColor(GREY)
            header, footer = layout.STYLES["running_header"], layout.STYLES["footer"]
            if page > 1:
                text = unicodedata.normalize("NFC", letter.running_header)
                size = header.size
                while size > 6 and pdfmetrics.stringWidth(text, FAMILY, size) > layout.text_width():
                    size -= 0.5
                baseline = height - layout.HEADER_DISTANCE - header.size
                self.setFont(FAMILY, size)
                self.drawRightString(width - MARGIN, baseline, text)
                self.setStrokeColor(RULE)
                self.setLineWidth(0.5)
                self.line(MARGIN, baseline - 3, width - MARGIN, baseline - 3)
            self.setFont(FAMILY, footer.size)
            self.drawCentredString(width / 2, layout.FOOTER_DISTANCE, f"Page {page} of {total}")

    return NumberedCanvas


def _frame(margins: tuple[float, float, float, float], frame_id: str) -> Frame:
    """The text area inside ``margins`` (top, right, bottom, left), with no padding of its own: the DOCX
    has none, so both formats set lines the same width."""
    top, right, bottom, left = margins
    return Frame(left, bottom, layout.PAGE_WIDTH - left - right, layout.PAGE_HEIGHT - top - bottom,
                 leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id=frame_id)


def render_pdf(letter: Letter) -> bytes:
    """The letter as PDF bytes (same letter, same bytes)."""
    _check(letter)
    buffer = io.BytesIO()
    margins = (MARGIN,) * 4
    doc = BaseDocTemplate(
        buffer, pagesize=(layout.PAGE_WIDTH, layout.PAGE_HEIGHT),
        title=letter.title, author=letter.author, subject=letter.subject, keywords=", ".join(letter.keywords),
        creator="appeal", producer="appeal (reportlab)", invariant=1,
        pageTemplates=[PageTemplate(id="page", frames=[_frame(margins, "text")])],
    )
    doc.build(_story(letter), canvasmaker=_numbered_canvas(letter))
    return buffer.getvalue()
