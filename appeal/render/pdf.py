"""Draw a :class:`~appeal.document.Letter` as a PDF (reportlab platypus).

US Letter, the bundled DejaVu Serif fonts (embedded, covering Latin Extended and
Vietnamese), a running header on every page after the first and "Page N of M" on
every page. Output is byte-stable for the same letter (reportlab's invariant mode).
User text is escaped before reportlab's paragraph markup sees it. One function per
block type; an unknown block type is an error.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Callable
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (Flowable, Image, KeepTogether, ListFlowable, ListItem, Paragraph as RLParagraph,
                                SimpleDocTemplate, Spacer, Table as RLTable, TableStyle)

from appeal.document import (Block, BulletList, Heading, Letter, Paragraph, Quote, References, Run, Signature,
                             Table)
from appeal.errors import RenderError
from appeal.resources import PACKAGE

FAMILY = "DejaVuSerif"
_FILES = {
    FAMILY: "DejaVuSerif.ttf",
    FAMILY + "-Bold": "DejaVuSerif-Bold.ttf",
    FAMILY + "-Italic": "DejaVuSerif-Italic.ttf",
    FAMILY + "-BoldItalic": "DejaVuSerif-BoldItalic.ttf",
}
MARGIN = inch


@lru_cache(maxsize=1)
def fonts() -> dict[str, TTFont]:
    """Register the bundled fonts once per process."""
    loaded = {}
    for name, file in _FILES.items():
        font = TTFont(name, str(PACKAGE / "fonts" / file))
        pdfmetrics.registerFont(font)
        loaded[name] = font
    pdfmetrics.registerFontFamily(FAMILY, normal=FAMILY, bold=FAMILY + "-Bold", italic=FAMILY + "-Italic",
                                  boldItalic=FAMILY + "-BoldItalic")
    return loaded


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` the bundled regular font cannot draw."""
    charmap = fonts()[FAMILY].face.charToGlyph
    return {ch for ch in text if ord(ch) not in charmap and ch not in "\n\r\t"}


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    fonts()
    body = ParagraphStyle("body", fontName=FAMILY, fontSize=10.5, leading=14, spaceAfter=7)
    return {
        "body": body,
        "address": ParagraphStyle("address", parent=body),
        "small": ParagraphStyle("small", parent=body, fontSize=9, leading=11),
        "h1": ParagraphStyle("h1", parent=body, fontName=FAMILY + "-Bold", fontSize=14, leading=18,
                             spaceBefore=8, keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=body, fontName=FAMILY + "-Bold", fontSize=12, leading=16,
                             spaceBefore=8, keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=body, fontName=FAMILY + "-Bold", fontSize=10.5, leading=14,
                             spaceBefore=6, keepWithNext=1),
        "quote": ParagraphStyle("quote", parent=body, leftIndent=0.5 * inch, rightIndent=0.5 * inch,
                                fontName=FAMILY + "-Italic", spaceAfter=2, keepWithNext=1,
                                borderPadding=(0, 0, 0, 6)),
        "attribution": ParagraphStyle("attribution", parent=body, fontSize=9, leading=12, alignment=TA_RIGHT,
                                      rightIndent=0.5 * inch, spaceAfter=9),
        "letterhead_name": ParagraphStyle("lh_name", parent=body, fontName=FAMILY + "-Bold", fontSize=15,
                                          leading=19, alignment=TA_CENTER, spaceAfter=2),
        "letterhead": ParagraphStyle("lh", parent=body, fontSize=9, leading=11.5, alignment=TA_CENTER,
                                     spaceAfter=0),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9.5, leading=12, spaceAfter=0),
        "cell_bold": ParagraphStyle("cell_bold", parent=body, fontName=FAMILY + "-Bold", fontSize=9.5,
                                    leading=12, spaceAfter=0),
    }


def _markup(runs: tuple[Run, ...]) -> str:
    out = []
    for run in runs:
        if run.br:
            out.append("<br/>")
            continue
        text = xml_escape(run.text)
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        out.append(text)
    return "".join(out)


def _para(text_markup: str, style: str) -> RLParagraph:
    return RLParagraph(text_markup, _styles()[style])


def _check(text: str, where: str) -> None:
    missing = missing_glyphs(text)
    if missing:
        shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in sorted(missing))
        raise RenderError(f"{where}: the PDF font cannot draw {shown}",
                          file="<letter>")


def _heading(block: Heading) -> list[Flowable]:
    return [_para(_markup(block.runs), f"h{min(max(block.level, 1), 3)}")]


def _paragraph(block: Paragraph) -> list[Flowable]:
    style = block.style if block.style in ("address", "small") else "body"
    flowable = _para(_markup(block.runs), style)
    return [KeepTogether([flowable])] if style == "address" else [flowable]


def _quote(block: Quote) -> list[Flowable]:
    return [KeepTogether([_para(xml_escape(block.text), "quote"),
                          _para(xml_escape(block.attribution), "attribution")])]


def _list(block: BulletList) -> list[Flowable]:
    items = [ListItem(_para(_markup(item), "body"), leftIndent=18) for item in block.items]
    kind = "1" if block.ordered else "bullet"
    return [ListFlowable(items, bulletType=kind, start="1" if block.ordered else "•", leftIndent=18,
                         bulletFontName=FAMILY, bulletFontSize=9)]


def _table(block: Table) -> list[Flowable]:
    rows = []
    for r, row in enumerate(block.rows):
        cells = []
        for c, runs in enumerate(row):
            bold = (block.header and r == 0) or (not block.header and c == 0)
            cells.append(_para(_markup(runs), "cell_bold" if bold else "cell"))
        rows.append(cells)
    width = LETTER[0] - 2 * MARGIN
    columns = max(len(r) for r in rows)
    col_widths = [width * 0.3] + [width * 0.7 / (columns - 1)] * (columns - 1) if columns > 1 else [width]
    table = RLTable(rows, colWidths=col_widths, hAlign="LEFT", repeatRows=1 if block.header else 0)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1 if block.header else 0, 0 if block.header else -1), colors.HexColor("#EEEEEE")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return [table, Spacer(1, 10)]


def _signature(block: Signature) -> list[Flowable]:
    parts: list[Flowable] = [_para(xml_escape(block.closing), "body")]
    if block.image is not None:
        parts.append(_image(block.image, 2.0 * inch, 0.8 * inch, "signer.signature"))
    else:
        parts.append(Spacer(1, 24))
        parts.append(_para("_______________________________", "body"))
    parts.append(_para(f"<b>{xml_escape(block.name)}</b>", "address"))
    parts.extend(_para(xml_escape(line), "small") for line in block.lines)
    return [KeepTogether(parts)]


def _image(path, max_width: float, max_height: float, field: str) -> Image:
    try:
        from reportlab.lib.utils import ImageReader

        reader = ImageReader(str(path))
        w, h = reader.getSize()
    except Exception:
        raise RenderError(f"{field}: not a readable image", file=str(path)) from None
    scale = min(max_width / w, max_height / h, 1.0 if w > 300 else max_width / w)
    image = Image(str(path), width=w * scale, height=h * scale)
    image.hAlign = "LEFT"
    return image


def _references(block: References) -> list[Flowable]:
    if not block.entries:
        return []
    head = _para(xml_escape(block.title), "h2")
    items = [ListItem(_para(xml_escape(e), "small"), leftIndent=18) for e in block.entries]
    return [head, ListFlowable(items, bulletType="1", leftIndent=18, bulletFontName=FAMILY, bulletFontSize=9)]


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


def _numbered_canvas(letter: Letter):
    """A canvas that knows the page count when it draws each page's header and footer."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            kwargs["invariant"] = 1
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
            width, _ = LETTER
            self.setFont(FAMILY, 8.5)
            self.setFillColor(colors.HexColor("#444444"))
            if page > 1:
                self.drawRightString(width - MARGIN, LETTER[1] - 0.6 * inch, letter.running_header)
            self.drawCentredString(width / 2, 0.55 * inch, f"Page {page} of {total}")

    return NumberedCanvas


def render_pdf(letter: Letter) -> bytes:
    """The letter as PDF bytes (same letter, same bytes)."""
    _check(letter.text(), "letter text")
    _check(letter.running_header, "running header")
    story: list[Flowable] = []
    head = letter.letterhead
    if head.logo is not None:
        logo = _image(head.logo, 1.8 * inch, 0.9 * inch, "provider.logo")
        logo.hAlign = "CENTER"
        story.append(logo)
    story.append(_para(xml_escape(head.name), "letterhead_name"))
    story.extend(_para(xml_escape(line), "letterhead") for line in head.lines)
    story.append(Spacer(1, 16))
    for block in letter.blocks:
        story.extend(_RENDERERS.get(type(block), _unknown)(block))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=LETTER, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
        title=letter.title, author=letter.author, subject=letter.subject, keywords=", ".join(letter.keywords),
        creator="appeal", producer="appeal (reportlab)", invariant=1,
    )
    doc.build(story, canvasmaker=_numbered_canvas(letter))
    return buffer.getvalue()
