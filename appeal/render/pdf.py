"""Draw a :class:`~appeal.letters.document.Letter` as a PDF (reportlab platypus).

US Letter, the bundled DejaVu Serif fonts (embedded, covering Latin Extended and
Vietnamese; even the canvas's initial font is ours, so no unembedded Helvetica), a
running header on every page after the first and "Page N of M" on every page. Output
is byte-stable for the same letter (reportlab's invariant mode).

User text is escaped before reportlab's paragraph markup sees it. Pages break
cleanly: a heading, or a paragraph ending in ':' that introduces a quote or list,
stays with what follows; quotes and the signature block are kept whole; a paragraph
never leaves a single line at the top or bottom of a page. One function per block
type; an unknown block type is an error.
"""

from __future__ import annotations

import io
import unicodedata
from functools import lru_cache
from typing import Any, Callable
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable

from appeal.errors import RenderError
from appeal.letters.document import (
    Block,
    BulletList,
    Heading,
    Letter,
    Paragraph,
    Quote,
    References,
    Run,
    Signature,
    Table,
)
from appeal.render import LABEL_FILL, column_widths, heading_level, is_label, keeps_with_next
from appeal.resources import PACKAGE

FAMILY = "DejaVuSerif"
_FILES = {
    FAMILY: "DejaVuSerif.ttf",
    FAMILY + "-Bold": "DejaVuSerif-Bold.ttf",
    FAMILY + "-Italic": "DejaVuSerif-Italic.ttf",
    FAMILY + "-BoldItalic": "DejaVuSerif-BoldItalic.ttf",
}
MARGIN = inch
GREY = colors.HexColor("#444444")
RULE = colors.HexColor("#888888")


@lru_cache(maxsize=1)
def fonts() -> dict[str, TTFont]:
    """Register the bundled fonts once per process."""
    loaded = {}
    for name, file in _FILES.items():
        font = TTFont(name, str(PACKAGE / "fonts" / file))
        _keep_subsets(font)
        pdfmetrics.registerFont(font)
        loaded[name] = font
    pdfmetrics.registerFontFamily(FAMILY, normal=FAMILY, bold=FAMILY + "-Bold", italic=FAMILY + "-Italic",
                                  boldItalic=FAMILY + "-BoldItalic")
    return loaded


def _keep_subsets(font: TTFont) -> None:
    """The face's font subsets (the glyphs a letter uses, re-packed as a small TrueType file) built and
    deflated once per process for each set of characters: reportlab rebuilds and deflates them for every
    PDF, about a fifth of a letter's time. The stream is then exactly what reportlab would have written.
    A subset holds glyphs, never text, and lives only in this process."""
    face = font.face
    make, add = face.makeSubset, face.addSubsetObjects

    @lru_cache(maxsize=32)
    def subset_of(chars: tuple[int, ...]) -> tuple[bytes, bytes]:
        raw = make(list(chars))
        return raw, pdfdoc.PDFZCompress.encode(raw)

    def add_subset_objects(doc, fontname, subset):
        raw, deflated = subset_of(tuple(subset))
        face.makeSubset = lambda _subset: raw
        try:
            reference = add(doc, fontname, subset)
        finally:
            del face.makeSubset
        stream = doc.idToObject[f"fontFile:{face.filename}({fontname})"]
        if stream.filters == [pdfdoc.PDFZCompress] and "Filter" not in stream.dictionary.dict:
            stream.content = deflated  # what PDFStream.format would deflate, with the filter it would name
            stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(pdfdoc.PDFZCompress.pdfname)])
        return reference

    face.addSubsetObjects = add_subset_objects


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


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    fonts()
    body = ParagraphStyle("body", fontName=FAMILY, fontSize=10.5, leading=14, spaceAfter=7, allowWidows=0,
                          allowOrphans=0)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=11.5)
    return {
        "body": body,
        "address": ParagraphStyle("address", parent=body),
        "small": small,
        "signer": ParagraphStyle("signer", parent=small, spaceAfter=0),
        "h1": ParagraphStyle("h1", parent=body, fontName=FAMILY + "-Bold", fontSize=14, leading=18,
                             spaceBefore=8),
        "h2": ParagraphStyle("h2", parent=body, fontName=FAMILY + "-Bold", fontSize=12, leading=16,
                             spaceBefore=8),
        "h3": ParagraphStyle("h3", parent=body, fontName=FAMILY + "-Bold", fontSize=10.5, leading=14,
                             spaceBefore=6, spaceAfter=4),
        "quote": ParagraphStyle("quote", parent=body, leftIndent=0.5 * inch, rightIndent=0.5 * inch,
                                fontName=FAMILY + "-Italic", spaceAfter=2),
        "attribution": ParagraphStyle("attribution", parent=body, fontSize=9, leading=12, alignment=TA_RIGHT,
                                      rightIndent=0.5 * inch, spaceAfter=9),
        "letterhead_name": ParagraphStyle("lh_name", parent=body, fontName=FAMILY + "-Bold", fontSize=15,
                                          leading=19, alignment=TA_CENTER, spaceAfter=2),
        "letterhead": ParagraphStyle("lh", parent=body, fontSize=9, leading=11.5, alignment=TA_CENTER,
                                     spaceAfter=0, textColor=GREY),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9.5, leading=12, spaceAfter=0),
        "cell_bold": ParagraphStyle("cell_bold", parent=body, fontName=FAMILY + "-Bold", fontSize=9.5,
                                    leading=12, spaceAfter=0),
    }


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
    text, frags = _parsed(text_markup, style)
    return RLParagraph(text, _styles()[style], frags=frags)


@lru_cache(maxsize=512)
def _parsed(text_markup: str, style: str) -> tuple[str, list]:
    """reportlab's parse of a paragraph's markup (its text as cleaned, and its fragments), kept across the
    letters of a process: the boilerplate (quotes, references, the template's own sentences, the
    letterhead) is the same in every letter and was parsed again each time. reportlab never changes
    fragments in place (line breaking clones them), so paragraphs can share them. Bounded, in memory only."""
    paragraph = RLParagraph(text_markup, _styles()[style])
    return paragraph.text, paragraph.frags


def _check(letter: Letter) -> None:
    """Last guard for text the case check cannot see (template and citation words)."""
    missing = missing_glyphs(letter.text() + letter.running_header)
    if missing:
        raise RenderError(f"the letter's text has characters the PDF font cannot draw: "
                          f"{describe_missing(missing)}", file=f"template {letter.meta.get('template', '?')}")


def _heading(block: Heading) -> list[Flowable]:
    return [_para(_markup(block.runs), f"h{heading_level(block.level)}")]


def _paragraph(block: Paragraph) -> list[Flowable]:
    style = "address" if block.style == "address" else "body"
    flowable = _para(_markup(block.runs), style)
    return [KeepTogether([flowable])] if style == "address" else [flowable]


def _quote(block: Quote) -> list[Flowable]:
    return [KeepTogether([_para(_text(block.text), "quote"), _para(_text(block.attribution), "attribution")])]


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
            bold = is_label(block, r, c)
            cells.append(_para(_markup(runs), "cell_bold" if bold else "cell"))
        rows.append(cells)
    width = LETTER[0] - 2 * MARGIN - 12  # the frame's own padding is 6 points a side
    columns = max(len(r) for r in rows)
    col_widths = column_widths(width, columns)
    table = RLTable(rows, colWidths=col_widths, hAlign="LEFT", repeatRows=1 if block.header else 0)
    shaded = (-1, 0) if block.header else (0, -1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FAMILY),  # the table's own default is Helvetica, never embedded
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), shaded, colors.HexColor(f"#{LABEL_FILL}")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return [table, Spacer(1, 10)]


def _signature(block: Signature) -> list[Flowable]:
    parts: list[Flowable] = [_para(_text(block.closing), "body")]
    if block.image is not None:
        parts.append(_image(block.image, 2.2 * inch, 0.75 * inch, "signer.signature", "LEFT"))
    else:
        parts.append(Spacer(1, 30))
        parts.append(HRFlowable(width=2.6 * inch, thickness=0.6, color=colors.black, hAlign="LEFT",
                                spaceBefore=0, spaceAfter=3))
    parts.append(_para(f"<b>{_text(block.name)}</b>", "address"))
    parts.extend(_para(_text(line), "signer") for line in block.lines)
    return [KeepTogether(parts)]


def _image(path, max_width: float, max_height: float, field: str, align: str) -> Image:
    """An image scaled to fit its box, keeping its proportions."""
    try:
        from reportlab.lib.utils import ImageReader

        w, h = ImageReader(str(path)).getSize()
    except Exception:
        raise RenderError(f"{field}: not a readable image", file=str(path)) from None
    scale = min(max_width / w, max_height / h)
    image = Image(str(path), width=w * scale, height=h * scale)
    image.hAlign = align
    return image


def _references(block: References) -> list[Flowable]:
    if not block.entries:
        return []
    head = _para(_text(block.title), "h2")
    items = [ListItem(_para(_text(e), "small"), leftIndent=18) for e in block.entries]
    return [head, ListFlowable(items, bulletType="1", leftIndent=18, bulletFontName=FAMILY, bulletFontSize=9)]


def _unknown(block: Block) -> list[Flowable]:
    raise RenderError(f"the PDF renderer has no rule for a {type(block).__name__} block")


_RENDERERS: dict[type, Callable[[Any], list[Flowable]]] = {  # one per block type
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
        parts.append(_image(head.logo, 2.0 * inch, 0.8 * inch, "provider.logo", "CENTER"))
        parts.append(Spacer(1, 4))
    parts.append(_para(_text(head.name), "letterhead_name"))
    parts.extend(_para(_text(line), "letterhead") for line in head.lines)
    parts.append(HRFlowable(width="100%", thickness=0.75, color=RULE, spaceBefore=8, spaceAfter=14))
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
            width, height = LETTER
            self.setFillColor(GREY)
            if page > 1:
                text = unicodedata.normalize("NFC", letter.running_header)
                size = 8.5
                while size > 6 and pdfmetrics.stringWidth(text, FAMILY, size) > width - 2 * MARGIN:
                    size -= 0.5
                self.setFont(FAMILY, size)
                self.drawRightString(width - MARGIN, height - 0.6 * inch, text)
                self.setStrokeColor(RULE)
                self.setLineWidth(0.5)
                self.line(MARGIN, height - 0.66 * inch, width - MARGIN, height - 0.66 * inch)
            self.setFont(FAMILY, 8.5)
            self.drawCentredString(width / 2, 0.55 * inch, f"Page {page} of {total}")

    return NumberedCanvas


def render_pdf(letter: Letter) -> bytes:
    """The letter as PDF bytes (same letter, same bytes)."""
    _check(letter)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=LETTER, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
        title=letter.title, author=letter.author, subject=letter.subject, keywords=", ".join(letter.keywords),
        creator="appeal", producer="appeal (reportlab)", invariant=1,
    )
    doc.build(_story(letter), canvasmaker=_numbered_canvas(letter))
    return buffer.getvalue()
