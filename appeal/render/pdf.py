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

import copy
import io
import logging
import unicodedata
from contextvars import ContextVar
from dataclasses import replace
from functools import lru_cache, partial
from typing import Any, Callable

from appeal.render import rlimport  # noqa: F401  # isort: skip  (first: reportlab without what it puts off)
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    PageTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable

from appeal.errors import Problem, RenderError
from appeal.letters.document import (
    Block,
    BulletList,
    Heading,
    Letter,
    Paragraph,
    Quote,
    Recipient,
    References,
    Run,
    Signature,
    Table,
)
from appeal.render import (
    CLOSING_ITEMS,
    LABEL_FILL,
    column_widths,
    facecache,
    heading_level,
    is_label,
    keeps_with_next,
    layout,
    leads_closing,
)
from appeal.render.fonts import describe_missing, missing_glyphs
from appeal.render.wordml import xml_escape  # not xml.sax.saxutils's: that module imports urllib.request and ssl
from appeal.resources import PACKAGE

# pypdf (stationery here, packets, the fax and mail files) logs what it reads around in a damaged PDF as bare lines
# that name no file: the commands say it themselves, naming the file (deliver.packet). reportlab imports logging.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

FAMILY = "LiberationSerif"
_FAMILY_NAMES = {"serif": FAMILY, "sans": "LiberationSans"}
MARGIN = layout.MARGIN
GREY = colors.HexColor(layout.GREY)
RULE = colors.HexColor(layout.RULE)
LINE = 14  # the body text's leading
SQUEEZE = 16  # how far the signature space may shrink to keep the signature block on a full page
SLACK = 1.25 * layout.INCH  # the most a page may be left blank to keep a block whole (the page-fill rule: 75%)
_MONOCHROME: ContextVar[bool] = ContextVar("monochrome", default=False)  # set while a fax's letter is drawn


def _grey() -> colors.Color:
    return colors.black if _MONOCHROME.get() else GREY


def _rule() -> colors.Color:
    return colors.black if _MONOCHROME.get() else RULE


def _accent(page: layout.PageSetup) -> colors.Color | None:
    return colors.HexColor(page.accent) if page.accent and not page.monochrome else None


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
_LOADED: dict[str, TTFont] = {}


def _map_families() -> None:
    """How <b> and <i> pick a face, by name only (no font is read). Registering a TrueType font maps its
    name as a family of its own, so this runs again after each: the maps are then those of every face
    registered first and the families after."""
    for name in _FILES:
        pdfmetrics.registerFontFamily(name)
    for key in layout.FAMILIES:
        pdfmetrics.registerFontFamily(face(key), normal=face(key), bold=face(key, bold=True),
                                      italic=face(key, italic=True), boldItalic=face(key, True, True))


_map_families()


def font(name: str) -> TTFont:
    """One bundled face, read and registered the first time something draws or measures with it: parsing
    the TrueType files was most of the cold start's font cost, and a letter uses three or four of the
    eight faces.

    A face whose file another name already has (the sans family's italics are its upright faces) is
    that name's font, as reportlab registers two names of one face."""
    loaded = _LOADED.get(name)
    if loaded is None:
        first = next(n for n, file in _FILES.items() if file == _FILES[name])
        if first != name:
            loaded = font(first)
            alias = copy.copy(loaded)
            alias.fontName = name
            pdfmetrics.registerFont(alias)  # the face is known: reportlab registers the name as `loaded`
        else:
            loaded = facecache.load(name, PACKAGE / "fonts" / _FILES[name])  # parsed, or kept from a run before
            _keep_subsets(loaded)
            pdfmetrics.registerFont(loaded)
        _map_families()
        _LOADED[name] = loaded
    return loaded


def fonts() -> dict[str, TTFont]:
    """Every bundled face registered, for pages drawn with the canvas alone (a fax cover, a packet's)."""
    for name in _FILES:
        font(name)
    return _LOADED


def _keep_subsets(ttf: TTFont) -> None:
    """What a face writes into every PDF, made once per process for each set of characters it draws:
    the font subset (the glyphs a letter uses, re-packed as a small TrueType file) deflated, the subset's
    glyph widths formatted and its ToUnicode map deflated; reportlab rebuilds, formats and deflates them
    for every PDF. The objects are then exactly what reportlab would have written. A subset holds glyphs
    and widths, never text, and lives only in this process.

    Text is encoded to the subset's codes with a dictionary lookup per character when every character
    already has its code in this PDF; reportlab's own loop, which also hands out new codes, does the rest."""
    from reportlab.pdfbase.ttfonts import SUBSETN, makeToUnicodeCMap  # loaded with TTFont; here, not above

    face = ttf.face
    make, add = face.makeSubset, face.addSubsetObjects
    split_string = ttf.splitString

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
        _deflated(doc.idToObject[f"fontFile:{face.filename}({fontname})"], deflated)
        return reference

    @lru_cache(maxsize=32)
    def formatted(chars: tuple[int, ...], base_font: str) -> tuple[bytes, str, bytes]:
        widths = pdfdoc.PDFArray(list(map(face.getCharWidth, chars))).format(None)  # numbers need no document
        cmap = makeToUnicodeCMap(base_font, list(chars))
        return widths, cmap, pdfdoc.PDFZCompress.encode(cmap)

    def add_objects_once(doc):
        """``TTFont.addObjects``, with each subset's widths and ToUnicode map made once per process."""
        state = ttf.state.get(doc)
        if state is None:
            state = ttf.state[doc] = TTFont.State(ttf._asciiReadable)
        state.frozen = 1
        for n, subset in enumerate(state.subsets):
            internal = ttf.getSubsetInternalName(n, doc)[1:]
            base_font = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            widths, cmap, deflated = formatted(tuple(subset), base_font)
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = f"Font {ttf.fontName} subset {n}"
            pdf_font.Name = internal
            pdf_font.BaseFont = base_font
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = _Formatted(widths)
            stream = pdfdoc.PDFStream()
            stream.content = cmap
            if doc.compression:
                stream.filters = [pdfdoc.PDFZCompress]
                _deflated(stream, deflated)
            pdf_font.ToUnicode = doc.Reference(stream, "toUnicodeCMap:" + base_font)
            pdf_font.FontDescriptor = face.addSubsetObjects(doc, base_font, subset)
            doc.Reference(pdf_font, internal)
            doc.idToObject["BasicFonts"].dict[internal] = pdf_font
        del ttf.state[doc]

    def split_known(text, doc, encoding="utf-8"):
        if _RECORDING and text:
            _RECORDING[-1].append((ttf, text))
        state = ttf.state.get(doc)
        if state is not None and isinstance(text, str):
            try:  # every character has a code in the first subset (no new code, no other subset, no nbsp)
                codes = _codes(state, text)
            except (KeyError, ValueError):
                return split_string(text, doc, encoding)
            return [(0, codes)] if codes else []
        return split_string(text, doc, encoding)

    face.addSubsetObjects = add_subset_objects
    ttf.addObjects = add_objects_once
    ttf.splitString = split_known


def _codes(state, text: str) -> bytes:
    """``text`` in a face's codes in one PDF (``state``, the face's ``TTFont.State``): KeyError for a character
    with no code yet, ValueError for one with a code in a later subset. Printable ASCII is its own code in the
    first subset (reportlab assigns 32-126 to themselves when a PDF first uses the face, and never reassigns a
    code), so such text is its ASCII bytes; checked once per PDF and face."""
    if text.isascii() and text.isprintable() and _ascii_is_itself(state):
        return text.encode("ascii")
    return bytes(map(state.assignments.__getitem__, map(ord, text)))


def _ascii_is_itself(state) -> bool:
    if state.__dict__.get("ascii_is_itself"):
        return True
    assignments = state.assignments
    if all(assignments.get(n) == n for n in range(32, 127)):
        state.ascii_is_itself = True  # stays true: a code once handed out is never changed
        return True
    return False


def _deflated(stream: pdfdoc.PDFStream, deflated: bytes) -> None:
    """A stream's content as PDFStream.format would deflate it, with the filter it would name."""
    if stream.filters == [pdfdoc.PDFZCompress] and "Filter" not in stream.dictionary.dict:
        stream.content = deflated
        stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(pdfdoc.PDFZCompress.pdfname)])


class _Formatted(pdfdoc.PDFObject):
    """A PDF value as reportlab formats it, formatted once."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document) -> bytes:
        return self.data


_FORMAT = pdfdoc.format
_DICTIONARY_FORMAT = pdfdoc.PDFDictionary.format


def _format(element, document, toplevel=0):
    """reportlab's ``pdfdoc.format`` with its plain values first: a name (a str), bytes and a number are most of
    what a PDF's dictionaries and arrays hold, and reportlab tested each against its own classes first. The bytes
    are those reportlab makes (a str and a number's text in its pdfdoc encoding; a bool, a str subclass and every
    PDF object go to reportlab's own)."""
    kind = type(element)
    if kind is str:
        return _encoded(element)
    if kind is bytes:
        return element
    if kind is int or kind is float:
        return _number(element)
    return _FORMAT(element, document, toplevel)


@lru_cache(maxsize=1024)
def _encoded(text: str) -> bytes:
    """A str value (a name, an operator) in reportlab's pdfdoc encoding, a Python codec: encoded once."""
    return text.encode("extpdfdoc")


@lru_cache(maxsize=1024, typed=True)
def _number(value: float) -> bytes:
    return pdfdoc.fp_str(value).encode("extpdfdoc")


@lru_cache(maxsize=512)
def _key(name: str) -> bytes:
    """A dictionary key as reportlab writes it (``/Name``, escaped), made once per key."""
    return _encoded(pdfdoc.PDFName(name))


def _dictionary_format(self, document, IND=b"\n "):
    """``PDFDictionary.format``, with each key's bytes made once per process (the keys are PDF's own names)."""
    entries = self.dict
    if type(entries) is not dict:  # an OrderedDict keeps its order, and anything else is reportlab's
        return _DICTIONARY_FORMAT(self, document, IND)
    lines = [_key(k) + b" " + _format(entries[k], document) for k in sorted(entries)]
    if (self.multiline and pdfdoc.rl_config.pdfMultiLine) or self.multiline == "forced":
        return b"<<\n" + IND.join(lines) + b"\n>>"
    insert = lines.insert
    for i in reversed(range(6, len(lines), 6)):
        insert(i, b"\n ")
    return b"<<\n" + b" ".join(lines) + b"\n>>"


pdfdoc.format = _format  # every PDF reportlab writes in this process: the same bytes, fewer steps
pdfdoc.PDFDictionary.format = _dictionary_format
pdfdoc.PDFName = lru_cache(maxsize=1024)(pdfdoc.PDFName)  # a name escaped character by character, in Python


def _keep_word_widths() -> None:
    """Line breaking measures each word of a paragraph (a face, a size): the widths are kept, as most words of
    a letter's own paragraphs are the template's words, measured before. A width is a pure function of its
    arguments; the same numbers, looked up."""
    from reportlab.platypus import paragraph  # loaded with Paragraph above; here, not in the imports

    paragraph.stringWidth = lru_cache(maxsize=8192, typed=True)(pdfmetrics.stringWidth)  # a shaped str is no str


_keep_word_widths()


_ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}


def paragraph_style(name: str, family: str = layout.BODY_FAMILY, colour: str | None = None) -> ParagraphStyle:
    """A reportlab style from the shared layout rule ``name`` (no widows or orphans)."""
    rule = layout.STYLES[name]
    font_name = face(family, rule.bold, rule.italic)
    font(font_name)
    return ParagraphStyle(
        name, fontName=font_name, fontSize=rule.size, leading=rule.leading,
        spaceBefore=rule.before, spaceAfter=rule.after, leftIndent=rule.left, rightIndent=rule.right,
        alignment=_ALIGN[rule.align], textColor=colors.HexColor(colour or rule.colour or "#000000"),
        allowWidows=0, allowOrphans=0)


def _styles() -> dict[str, ParagraphStyle]:
    return _styles_in(_MONOCHROME.get())


@lru_cache(maxsize=2)
def _styles_in(monochrome: bool) -> dict[str, ParagraphStyle]:
    return {name: paragraph_style(name, colour="#000000" if monochrome else None) for name in layout.STYLES}


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
    chosen = _styles()[style]
    text, frags, lines = _parsed(text_markup, chosen)
    paragraph = _Para(text, chosen, frags=frags)
    paragraph._lines = lines
    return paragraph


class _Para(RLParagraph):
    """A paragraph whose line breaks are kept with its parse (:func:`_parsed`): the keep-together rules
    wrap a flowable several times at the same width, and the boilerplate is the same in every letter.

    ``breakLines`` depends only on the fragments, the style and the widths, so its result is kept per
    (fragments, widths) and handed out again with the attributes it sets; the fragments are the key by
    identity and the stored result holds them, so an id is never reused while its entry lives. Nothing
    downstream changes a result in place (drawing reads it; a split slices or copies it), except when
    soft hyphens re-class split words: such paragraphs are never kept. Paragraphs reportlab splits off
    (``self.__class__(...)``) have no ``_lines`` and break their lines as usual."""

    _lines: dict | None = None
    frags: list  # what breakLines sets (reportlab's own attributes, declared for mypy)
    _width_max: float
    _splitLongWordCount: int
    _hyphenations: int
    KEPT = 16  # the most results kept per parse: each wrap of a paragraph adds one (its fragments are
    # then the word list of the break before), and a paragraph is wrapped about three times

    def breakLines(self, width):
        self._drawn = None
        lines = self._lines
        if lines is None or self.bulletText or not isinstance(width, list):
            return super().breakLines(width)
        frags = self.frags
        key = (id(frags), *width)
        kept = lines.get(key)
        if kept is None or kept[0] is not frags:
            result = super().breakLines(width)
            if len(lines) < self.KEPT:
                self._drawn = [result, None]
                lines[key] = (frags, result, self.frags, self._width_max, self._splitLongWordCount,
                              self._hyphenations, self._drawn)
            return result
        _, result, self.frags, self._width_max, self._splitLongWordCount, self._hyphenations, self._drawn = kept
        self.height = 0
        return result

    _drawn: list | None = None  # [the kept line breaks, how they draw: None (not yet), 0 (once), a _Drawing, False]
    _wrapped: tuple | None = None  # (the width, the line breaks) of the last wrap
    starts: _Attachment | None = None  # the attachment this paragraph opens, while it is recorded (:func:`_story`)

    def wrap(self, availWidth, availHeight):
        """A wrap at the width of the last one, with its line breaks still the paragraph's, is that wrap (the
        keep-together rules and the frames wrap each paragraph several times at one width)."""
        wrapped = self._wrapped
        if wrapped is not None and wrapped[0] == availWidth and wrapped[1] is self.__dict__.get("blPara"):
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, self.__dict__.get("blPara"))
        return size

    def _kept_drawing(self) -> list | None:
        """``_drawn`` while it belongs to the paragraph's present line breaks, of one style throughout (kind
        0), and its recording was not given up; else None."""
        drawn, lines = self._drawn, self.__dict__.get("blPara")
        if drawn is None or drawn[0] is not lines or getattr(lines, "kind", 1) != 0 or drawn[1] is False:
            return None
        return drawn

    def drawOn(self, canvas, x, y, _sW=0):
        """A replayed paragraph with what ``Flowable.drawOn`` puts around it (save the state, move the origin,
        restore), written without saving and restoring the canvas's state, which drawing it does not change."""
        if self.starts is not None:  # the first paragraph of an attachment being recorded
            self.starts.start(canvas)
        drawn = self._kept_drawing()
        code = None
        if not getattr(self, "_showBoundary", None):
            if drawn is not None and isinstance(drawn[1], _Drawing):
                code = drawn[1].replay(canvas)
            if code is None:
                code = _shaped(self, canvas, record=False)
            if code is not None:
                add = canvas._code.append
                add("q")
                add(f"{pdfdoc.fp_str(1, 0, 0, 1, self._hAlignAdjust(x, _sW), y)} cm")
                canvas._code.extend(code)
                add("Q")
                return
        super().drawOn(canvas, x, y, _sW)

    def draw(self):
        """The kept line breaks drawn as they were drawn before, in this PDF's font codes (:class:`_Drawing`);
        drawn by reportlab, and recorded, the first time, or when a character has no code yet in this PDF."""
        drawn = self._kept_drawing()
        canv = self.canv
        if drawn is None or not isinstance(drawn[1], _Drawing):
            code = _shaped(self, canv)
            if code is not None:
                canv._code.extend(code)
                return None
        if drawn is None:
            return super().draw()
        if drawn[1] is None:  # drawn once: a letter's own paragraphs (a patient's name, a claim's number) are
            drawn[1] = 0  # drawn once and never again, so only a second drawing is recorded
            return super().draw()
        if drawn[1] == 0:
            drawn[1] = _Drawing.record(lambda: super(_Para, self).draw(), canv) or False
            return None
        code = drawn[1].replay(canv)
        if code is None:
            return super().draw()
        canv._code.extend(code)
        return None


_RECORDING: list[list] = []  # while a paragraph is recorded: the texts each face's splitString encodes


class _Drawing:
    """What one paragraph's lines put in a page's content stream, with the font codes and the font names left
    open: both depend on the PDF (a face hands out its codes in the order a letter first uses its
    characters). ``parts`` holds, per content-stream entry, literal text, a text's index (its codes as
    ``(...) Tj``), or a face (its subset's name). Drawing a kept paragraph depends only on its line breaks and
    style (its position is the translation before it); a recording is kept only when it gives back exactly
    what reportlab drew, and replayed only when every character already has a code in the first subset of
    this PDF (so reportlab would hand out no new code either)."""

    def __init__(self, texts: list, parts: list) -> None:
        self.texts, self.parts = texts, parts

    @classmethod
    def record(cls, draw: Callable[[], None], canv) -> _Drawing | None:
        start = len(canv._code)
        texts: list = []
        _RECORDING.append(texts)
        try:
            draw()
        finally:
            _RECORDING.pop()
            if _RECORDING:  # a recording of the pages this is drawn on (_Attachment) holds its texts too
                _RECORDING[-1].extend(texts)
        return cls.of(texts, canv._code[start:], canv)

    @classmethod
    def of(cls, texts: list, code: list[str], canv) -> _Drawing | None:
        """The drawing of content-stream entries ``code`` that drew ``texts`` (in order) in ``canv``'s PDF; None
        unless its replay there gives back exactly ``code``."""
        encoded = cls._encoded(texts, canv)
        if encoded is None:
            return None
        names = {ttf.getSubsetInternalName(0, canv._doc) + " ": ttf for ttf, _ in texts}
        parts = []
        i = 0
        for entry in code:
            pieces: list = []
            at = 0
            while i < len(encoded):
                found = entry.find(encoded[i], at)
                if found < 0:
                    break
                pieces.extend(cls._named(entry[at:found], names))
                pieces.append(i)
                at, i = found + len(encoded[i]), i + 1
            pieces.extend(cls._named(entry[at:], names))
            parts.append(pieces)
        drawing = cls(texts, parts)
        return drawing if i == len(encoded) and drawing.replay(canv, drawn=False) == code else None

    @staticmethod
    def _named(literal: str, names: dict) -> list:
        pieces: list = [literal]
        for name, ttf in names.items():
            pieces = [p for piece in pieces for p in
                      ([piece] if not isinstance(piece, str) else _between(piece.split(name), ttf))]
        return [p for p in pieces if p != ""]

    @staticmethod
    def _encoded(texts: list, canv) -> list[str] | None:
        doc, escape, out = canv._doc, canv._escape, []
        for ttf, text in texts:
            state = ttf.state.get(doc)
            if state is None or state.internalName is None:
                return None
            try:
                codes = _codes(state, text)
            except (KeyError, ValueError):
                return None
            out.append(f"({escape(codes)}) Tj")
        return out

    def replay(self, canv, texts: list | None = None, drawn: bool = True) -> list[str] | None:
        """The content-stream entries in ``canv``'s PDF (``texts``: other texts of the same shape); None when a
        character has no code there yet. ``drawn``: they go into the page (a recording of the page is told their
        texts), not only compared."""
        texts = self.texts if texts is None else texts
        encoded = self._encoded(texts, canv)
        if encoded is None:
            return None
        if drawn and _RECORDING:
            _RECORDING[-1].extend(texts)
        doc = canv._doc
        return ["".join(p if type(p) is str else encoded[p] if type(p) is int else p.getSubsetInternalName(0, doc) + " "
                        for p in pieces) for pieces in self.parts]


_SHAPES: dict[tuple, Any] = {}  # a paragraph shape's key: its _Drawing (with its colour), or None (not replayable)
_SHAPES_KEPT = 256


def _shape_lines(paragraph: _Para) -> tuple[tuple, list[str]] | None:
    """A left-aligned paragraph in one face as reportlab draws it (``drawPara``, kind 0): its shape (what its
    drawing depends on besides the lines' texts: the style, the face, the size, the ascent, the height and the
    number of lines) and the lines' texts. None for anything drawn some other way: another alignment, a
    bullet, an underline or link, a line squeezed narrower than its words (word spacing), an empty line (an empty
    paragraph's lines record no underlines or links at all)."""
    blpara = paragraph.__dict__.get("blPara")
    style = paragraph.style
    if blpara is None or blpara.kind != 0 or style.alignment != TA_LEFT or paragraph.bulletText \
            or getattr(blpara, "us_lines", None) or getattr(blpara, "link", None) \
            or "_offsets" in paragraph.__dict__ \
            or "autoLeading" in paragraph.__dict__:
        return None
    texts = []
    for extraspace, words in blpara.lines:
        if not extraspace > -1e-8 or not words or type(words[0]) is not str:
            return None
        texts.append(" ".join(words))
    if not all(texts):
        return None
    shape = (style, blpara.fontName, blpara.fontSize, getattr(blpara, "ascent", None), paragraph.height,
             len(texts))
    return shape, texts


def _shaped(paragraph: _Para, canv, record: bool = True) -> list[str] | None:
    """A paragraph drawn from the recording of another of its shape (:func:`_shape_lines`), with its own lines'
    texts in the recording's text slots: ``drawPara`` writes the same content for each shape but for the
    lines' ``(...) Tj``. The first of a shape is drawn by reportlab and recorded, kept only when its recorded
    texts are exactly its lines' and its replay gives back what reportlab drew. None when the paragraph is
    no such shape, or a character has no code yet in this PDF (then reportlab draws it)."""
    found = _shape_lines(paragraph)
    if found is None:
        return None
    shape, texts = found
    colour = paragraph.blPara.textColor
    kept = _SHAPES.get(shape, False)
    if kept is False:
        if not record or len(_SHAPES) >= _SHAPES_KEPT:
            return None
        start = len(canv._code)
        drawing = _Drawing.record(lambda: RLParagraph.draw(paragraph), canv)
        if drawing is not None and [t for _, t in drawing.texts] == texts \
                and len({ttf for ttf, _ in drawing.texts}) == 1 \
                and drawing.replay(canv, drawn=False) == canv._code[start:]:
            _SHAPES[shape] = (drawing, colour)
        else:
            _SHAPES[shape] = None
        return []  # drawn (by reportlab, into the page)
    if kept is None or kept[1] != colour:
        return None
    drawing = kept[0]
    ttf = drawing.texts[0][0]
    return drawing.replay(canv, [(ttf, text) for text in texts])


class _NoReplay(Exception):
    """A kept attachment cannot be replayed in this PDF: a character of it would need a second font subset."""


class _Pages:
    """A letter's attachment as drawn on its pages: every letter of a template ends with the same attachment (its
    heading on a page of its own, the quotes, the references), so its pages hold the same content in each, but for
    the font codes and names, which depend on the PDF (:class:`_Drawing`). ``counts``: each page's number of
    content-stream entries."""

    def __init__(self, drawing: _Drawing, counts: list[int]) -> None:
        self.drawing, self.counts = drawing, counts

    def draw(self, canv) -> None:
        """The pages added after ``canv``'s last: first each character gets its code, in the order drawing the
        attachment hands codes out (each text in turn, through the face's ``splitString``), then each page is
        the recording with this PDF's codes and names, and is shown."""
        doc = canv._doc
        for ttf, text in self.drawing.texts:
            if any(subset for subset, _ in ttf.splitString(text, doc)):
                raise _NoReplay
        code = self.drawing.replay(canv, drawn=False)
        if code is None:
            raise _NoReplay
        at = 0
        for count in self.counts:
            canv._code.extend(code[at:at + count])
            at += count
            canv.showPage()


_ATTACHMENTS: dict[tuple, _Pages | None] = {}  # (the attachment's blocks, the page setup) -> its pages (None: not
_ATTACHMENTS_KEPT = 32  # replayable), in memory only; an attachment quotes the library, and holds a case's data only
#                         when a template puts it there


class _Attachment:
    """A letter's attachment: the blocks from its first heading on a page of its own (``index``) to its end. It is
    drawn by reportlab and recorded (``pages`` None), or replayed from ``pages`` after the letter's own pages."""

    def __init__(self, key: tuple, index: int, pages: _Pages | None = None) -> None:
        self.key, self.index, self.pages = key, index, pages
        self.first: int | None = None  # the page it starts on, once drawing reached it at the top of a page
        self.texts: list = []  # what each face's splitString encoded from there (and each replay), in order

    def start(self, canv) -> None:
        if self.first is None and not canv._code:
            self.first = canv._pageNumber
            _RECORDING.append(self.texts)

    def stop(self) -> None:
        if self.first is not None and _RECORDING and _RECORDING[-1] is self.texts:
            _RECORDING.pop()

    def keep(self, canv, states: list[dict]) -> None:
        """The attachment's pages (of ``states``, every page's) kept for the next letters when their replay in
        this PDF gives back exactly what reportlab drew."""
        self.stop()
        if self.first is None or self.key in _ATTACHMENTS or len(_ATTACHMENTS) >= _ATTACHMENTS_KEPT:
            return
        pages = states[self.first - 1:]
        if not pages or any(state["_annotationrefs"] or state["_formsinuse"] for state in pages):
            _ATTACHMENTS[self.key] = None
            return
        drawing = _Drawing.of(self.texts, [entry for state in pages for entry in state["_code"]], canv)
        _ATTACHMENTS[self.key] = _Pages(drawing, [len(state["_code"]) for state in pages]) if drawing else None


def _attachment(letter: Letter, page: layout.PageSetup) -> _Attachment | None:
    """The letter's attachment, to record or to replay; None when it has none (or nothing before it)."""
    index = next((i for i, b in enumerate(letter.blocks) if isinstance(b, Heading) and b.new_page), 0)
    if index == 0 or any(isinstance(b, (Signature, Recipient)) for b in letter.blocks[index:]):
        return None
    key = (letter.blocks[index:], page)
    return _Attachment(key, index, _ATTACHMENTS.get(key))


def _between(pieces: list[str], value: Any) -> list:
    """``pieces`` with ``value`` between each two."""
    out: list = [pieces[0]]
    for piece in pieces[1:]:
        out.extend((value, piece))
    return out


@lru_cache(maxsize=512)
def _parsed(text_markup: str, style: ParagraphStyle) -> tuple[str, list, dict | None]:
    """reportlab's parse of a paragraph's markup (its text as cleaned, and its fragments), kept across the
    letters of a process: the boilerplate (quotes, references, the template's own sentences, the
    letterhead) is the same in every letter and was parsed again each time. Fragments carry the style's
    font and colour, so the key is the style object itself (a fax's monochrome styles are others).
    reportlab never changes fragments in place (line breaking clones them), so paragraphs can share them.
    The third item holds the paragraph's line breaks (:class:`_Para`); None for text with soft hyphens.
    Bounded, in memory only."""
    plain = _plain(text_markup, style)
    if plain is not None:
        text, frags = plain
    else:
        paragraph = RLParagraph(text_markup, style)
        text, frags = paragraph.text, paragraph.frags
    for name in {f.fontName for f in frags} & _FILES.keys():  # <b> and <i> pick other faces
        font(name)
    soft = any("\xad" in getattr(f, "text", "") for f in frags)
    return text, frags, None if soft else {}


def _plain(text_markup: str, style: ParagraphStyle) -> tuple[str, list] | None:
    """The parse of markup with no tag and no entity (a patient's name, a claim's sentence), without the
    parser: its text cleaned as reportlab cleans it, in one fragment like the one the parser makes for the
    style (fresh lists for its links and underlines, as the parser's own). None for anything else."""
    if "<" in text_markup or "&" in text_markup or ">" in text_markup:
        return None
    from reportlab.platypus.paragraph import cleanBlockQuotedText  # loaded with Paragraph; here, not above

    text = cleanBlockQuotedText(text_markup)
    if not text:
        return None
    frag = copy.copy(_plain_fragment(style))
    frag.text, frag.link, frag.us_lines = text, [], []
    return text, [frag]


@lru_cache(maxsize=64)
def _plain_fragment(style: ParagraphStyle):
    """The fragment reportlab's parser makes for plain text in ``style``."""
    (frag,) = RLParagraph("x", style).frags
    return frag


def _check(letter: Letter) -> None:
    """Last guard for text the case check cannot see (template and citation words)."""
    missing = missing_glyphs(letter.text() + letter.running_header)
    if missing:
        raise RenderError(f"the letter's text has characters the PDF font cannot draw: "
                          f"{describe_missing(missing)}", file=f"template {letter.meta.get('template', '?')}")


def _heading(block: Heading) -> list[Flowable]:
    return [_para(_markup(block.runs), f"h{heading_level(block.level)}")]


def _paragraph(block: Paragraph) -> list[Flowable]:
    flowable = _para(_markup(block.runs), "small" if block.style == "small" else "body")
    return [KeepTogether([flowable])] if block.style == "address" else [flowable]


def _recipient(block: Recipient) -> list[Flowable]:
    """The payer's address in the flow (no window envelope): kept together."""
    return [KeepTogether([_para("<br/>".join(_text(line) for line in block.lines()), "body")])]


class _Keep(KeepTogether):
    """Kept together, unless moving it to the next page would leave more than ``SLACK`` of this page blank:
    then it flows, and the paragraphs' own rules (never one line alone at a page's foot or head) keep a
    heading or an introduction with at least two lines of what follows."""

    def split(self, aW, aH):
        if aH > SLACK and getattr(self, "_H", 0) > aH:
            pieces = _regroup(self._content)
            *first, last = pieces
            height = lambda f: _height(f, aW, aH, self.canv)  # noqa: E731
            # what comes before the last piece, and two lines of it, must fit, or the start would stand alone
            if sum(height(f) for f in first) + min(height(last), 2 * LINE + 2) <= aH:
                return pieces
        return super().split(aW, aH)


class _QuoteKeep(KeepTogether):
    """A quote and its attribution: a quote of four lines or more may break across pages, with at least two
    lines on each side and the attribution under its last lines; a shorter one stays whole."""

    def split(self, aW, aH):
        if getattr(self, "_wrapInfo", None) != (aW, aH):
            self.wrap(aW, aH)
        text, attribution = self._content
        leading = text.style.leading
        # when the words alone fit, a line at least goes over to the attribution (widow control makes it two)
        limit = aH if text.wrap(aW, aH)[1] > aH else aH - leading
        if self._H > aH and limit >= 2 * leading:
            parts = text.split(aW, limit)
            if len(parts) == 2:
                return [parts[0], KeepTogether([parts[1], attribution])]
        return super().split(aW, aH)


class _SignatureKeep(KeepTogether):
    """The closing paragraph, "Sincerely" and the signature, on one page, with the block before them
    (``render.keeps_with_next``), so the signature never stands on the last page with only the closing line.
    When they miss the page by no more than ``SQUEEZE`` points, the space left for the handwritten signature
    gives way, so the page stays full. The group moves whole, as LibreOffice and Word move a paragraph kept
    with the next that fits on a page."""

    def split(self, aW, aH):
        if getattr(self, "_wrapInfo", None) != (aW, aH):
            self.wrap(aW, aH)
        short = self._H - aH
        spacer = next((f for f in self._content if isinstance(f, Spacer)), None)
        if 0 < short <= SQUEEZE and spacer is not None:
            spacer.height -= short + 0.5
            return list(self._content)
        return super().split(aW, aH)


def _height(flowable: Flowable, aW: float, aH: float, canv) -> float:
    """The height a flowable takes, with its space before and after (a kept group's whole height)."""
    flowable.canv = canv
    if isinstance(flowable, KeepTogether):
        flowable.wrap(aW, aH)
        return flowable._H
    return flowable.wrap(aW, aH)[1] + flowable.getSpaceBefore() + flowable.getSpaceAfter()


def _style_name(flowable: Flowable) -> str:
    return getattr(getattr(flowable, "style", None), "name", "")


def _regroup(flowables: list[Flowable]) -> list[Flowable]:
    """A flowing group's pieces, each quote again bound to its attribution."""
    out: list[Flowable] = []
    for flowable in flowables:
        if _style_name(flowable) == "attribution" and out and _style_name(out[-1]) == "quote":
            out[-1] = _QuoteKeep([out[-1], flowable])
        else:
            out.append(flowable)
    return out


def _quote(block: Quote) -> list[Flowable]:
    return [_QuoteKeep([_para(_text(block.text), "quote"), _para(_text(block.attribution), "attribution")])]


def _list(block: BulletList, first: int = 0, stop: int | None = None) -> list[Flowable]:
    """The list, or its items from ``first`` up to ``stop`` (numbered on from ``first``)."""
    items = [ListItem(_para(_markup(item), "body"), leftIndent=layout.LIST_INDENT)
             for item in block.items[first:stop]]
    kind = "1" if block.ordered else "bullet"
    return [ListFlowable(items, bulletType=kind, start=str(first + 1) if block.ordered else "•",
                         leftIndent=layout.LIST_INDENT, bulletFontName=FAMILY, bulletFontSize=9)]


def _table(block: Table) -> list[Flowable]:
    rows = []
    for r, row in enumerate(block.rows):
        cells = []
        for c, runs in enumerate(row):
            bold = is_label(block, r, c)
            cells.append(_para(_markup(runs), "cell_bold" if bold else "cell"))
        rows.append(cells)
    columns = max(len(r) for r in rows)
    table = RLTable(rows, colWidths=column_widths(layout.text_width(), columns), hAlign="LEFT",
                    repeatRows=1 if block.header else 0)
    shaded = (-1, 0) if block.header else (0, -1)
    pad = layout.CELL_PADDING
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FAMILY),  # the table's own default is Helvetica, never embedded
        ("TEXTCOLOR", (0, 0), (-1, -1), colors.black),  # its default, as a Color: reportlab parses the name 'black'
        # for each table it draws (the cells are paragraphs, with colours of their own)
        ("GRID", (0, 0), (-1, -1), layout.TABLE_GRID, _rule()),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), shaded, colors.white if _MONOCHROME.get() else colors.HexColor("#" + LABEL_FILL)),
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
    numbered = dict(bulletType="1", leftIndent=layout.LIST_INDENT, bulletFontName=FAMILY, bulletFontSize=9)
    return [KeepTogether([head, ListFlowable(items[:1], **numbered)]),  # the heading never alone at a foot
            *([ListFlowable(items[1:], start="2", **numbered)] if len(items) > 1 else [])]


def _unknown(block: Block) -> list[Flowable]:
    raise RenderError(f"the PDF renderer has no rule for a {type(block).__name__} block")


_RENDERERS: dict[type, Callable[[Any], list[Flowable]]] = {  # one per block type
    Heading: _heading,
    Paragraph: _paragraph,
    Recipient: _recipient,
    Quote: _quote,
    BulletList: _list,
    Table: _table,
    Signature: _signature,
    References: _references,
}


def measure(text: str, size: float, family: str = layout.BODY_FAMILY, bold: bool = False) -> float:
    """The width of ``text`` in points, as both formats set it (the fonts are metric-compatible)."""
    name = face(family, bold)
    font(name)
    return pdfmetrics.stringWidth(unicodedata.normalize("NFC", text), name, size)


def letterhead_lines(letter: Letter, family: str, beside_logo: bool = True) -> tuple[list[str], list[str]]:
    """The letterhead's name and contact lines, each wrapped to its width (both formats set these lines);
    with ``beside_logo`` false, to the width they would have without the logo."""
    logo = logo_size(letter) if beside_logo else None
    head = letter.letterhead
    width = layout.letterhead_text_width(logo[0] if logo else None)
    name, lines = _wrapped_letterhead(head.name, tuple(head.lines), width, family)
    return list(name), list(lines)


@lru_cache(maxsize=64)
def _wrapped_letterhead(name: str, lines: tuple[str, ...], width: float,
                        family: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The practice's name and lines wrapped (the same in every letter of a practice, measured once)."""
    name_rule, line_rule = layout.STYLES["letterhead_name"], layout.STYLES["letterhead"]
    wrapped_name = layout.wrap(name, width, lambda t: measure(t, name_rule.size, family, bold=True))
    wrapped = (part for line in lines
               for part in layout.wrap(line, width, lambda t: measure(t, line_rule.size, family)))
    return tuple(wrapped_name), tuple(wrapped)


def logo_size(letter: Letter) -> tuple[float, float] | None:
    """The logo's drawn size: its box, keeping its proportions."""
    logo = letter.letterhead.logo
    if logo is None:
        return None
    w, h = image_size(logo, "provider.logo")
    scale = min(layout.LOGO_BOX[0] / w, layout.LOGO_BOX[1] / h)
    return w * scale, h * scale


def letterhead_height(letter: Letter, page: layout.PageSetup) -> float:
    """How far page 1's letterhead reaches below the header distance (0 on stationery, which has its own)."""
    if page.stationery_first is not None:
        return 0.0
    name, lines = letterhead_lines(letter, page.letterhead_font)
    logo = logo_size(letter)
    return layout.letterhead_height(len(name), len(lines), logo[1] if logo else None)


def letterhead_ink(letter: Letter, page: layout.PageSetup) -> layout.Box | None:
    """Where page 1's letterhead is printed, as :func:`_draw_letterhead` draws it (its rule is the lowest
    ink); None on stationery, whose printed letterhead the letter does not draw."""
    if page.stationery_first is not None:
        return None
    return layout.letterhead_ink(letterhead_height(letter, page))


def _draw_letterhead(canvas, letter: Letter, page: layout.PageSetup) -> None:
    """The letterhead at the top of page 1, line for line as the DOCX's first-page header sets it: the logo
    at the left margin with the lines set right beside it, or the lines centred without a logo."""
    family = page.letterhead_font
    name, lines = letterhead_lines(letter, family)
    name_rule, line_rule = layout.STYLES["letterhead_name"], layout.STYLES["letterhead"]
    accent = _accent(page) or colors.black
    top = layout.PAGE_HEIGHT - layout.HEADER_DISTANCE
    logo = logo_size(letter)
    if logo is not None:
        canvas.drawImage(str(letter.letterhead.logo), MARGIN, top - logo[1], logo[0], logo[1], mask="auto")
        x, draw = layout.PAGE_WIDTH - MARGIN, canvas.drawRightString
    else:
        x, draw = layout.PAGE_WIDTH / 2, canvas.drawCentredString
    y = top
    canvas.setFillColor(accent)
    canvas.setFont(face(family, bold=True), name_rule.size)
    for line in name:
        y -= name_rule.leading
        draw(x, y + _descent(name_rule), unicodedata.normalize("NFC", line))
    y -= name_rule.after
    canvas.setFillColor(_grey())
    canvas.setFont(face(family), line_rule.size)
    for line in lines:
        y -= line_rule.leading
        draw(x, y + _descent(line_rule), unicodedata.normalize("NFC", line))
    ink = layout.letterhead_ink(layout.letterhead_height(len(name), len(lines), logo[1] if logo else None))
    y = layout.PAGE_HEIGHT - ink.bottom + layout.RULE_WIDTH / 2  # the rule's lower edge is the ink's
    canvas.setStrokeColor(_accent(page) or _rule())
    canvas.setLineWidth(layout.RULE_WIDTH)
    canvas.line(MARGIN, y, layout.PAGE_WIDTH - MARGIN, y)


def _descent(rule: layout.TextStyle) -> float:
    """A line's baseline above the bottom of its exact line height (as a word processor sets it)."""
    return (rule.leading - rule.size) / 2 + rule.size * 0.216


def _draw_address(canvas, letter: Letter) -> None:
    """The payer's address in the #10 window's address box (the window stays empty without an address)."""
    recipient = next((b for b in letter.blocks if isinstance(b, Recipient)), None)
    if recipient is None or not recipient.address:
        return
    fitted = fit_address(recipient)
    if fitted is None:
        return
    size, leading, lines = fitted
    box = layout.WINDOW_10.address_box()
    canvas.setFillColor(colors.black)
    canvas.setFont(FAMILY, size)
    y = layout.PAGE_HEIGHT - box.top - layout.ADDRESS_INSET
    for line in lines:
        y -= leading
        canvas.drawString(box.left, y + (leading - size) / 2 + size * 0.216, unicodedata.normalize("NFC", line))


def fit_address(recipient: Recipient):
    """The address wrapped and sized to the window (``(size, leading, lines)``), or None when it cannot fit."""
    return layout.fit_address(recipient.lines(), lambda text, size: measure(text, size))


def stationery_page(path, option: str = "--stationery"):
    """The one page of a stationery PDF, else an error naming the file."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise RenderError(f"{option}: the stationery PDF is password-protected", file=str(path))
        pages = list(reader.pages)
    except RenderError:
        raise
    except FileNotFoundError:
        raise RenderError(f"{option}: the stationery file was not found", file=str(path)) from None
    except (PyPdfError, OSError, ValueError, KeyError, TypeError):
        raise RenderError(f"{option}: not a readable PDF", file=str(path)) from None
    if len(pages) != 1:
        raise RenderError([Problem(str(path), f"{option}: the stationery PDF has {len(pages)} pages",
                                   accepted="a one-page PDF (the later pages' stationery goes in --stationery-rest)")])
    return pages[0]


def _on_stationery(data: bytes, page: layout.PageSetup) -> bytes:
    """Each page of the letter laid over its stationery page (page 1 over the first, later ones over the rest)."""
    from pypdf import PdfReader, PdfWriter

    first = stationery_page(page.stationery_first, "--stationery")
    rest = stationery_page(page.stationery_rest, "--stationery-rest") if page.stationery_rest else None
    letter = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for number, letter_page in enumerate(letter.pages):
        under = first if number == 0 else rest
        added = writer.add_page(letter_page)
        if under is not None:
            added.merge_page(under, over=False)
    writer.add_metadata({k: v for k, v in (letter.metadata or {}).items()})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _story(letter: Letter, page: layout.PageSetup, attachment: _Attachment | None = None) -> list[Flowable]:
    """The page's flowables; what keeps with the next block is bound to that block's first flowable.
    With a window envelope the payer's address is not in the flow: it is drawn in the window. ``attachment``
    (to record) starts recording when its first paragraph is drawn."""
    story: list[Flowable] = []
    pending: list[Flowable] = []
    blocks = [b for b in letter.blocks if not (isinstance(b, Recipient) and page.envelope == "window-10")]
    for i, block in enumerate(blocks):
        starts = None
        if isinstance(block, Heading) and block.new_page:  # an attachment starts on a page of its own
            story.extend(pending)
            story.append(PageBreak())
            pending = []
            starts, attachment = attachment, None  # the first attachment's heading only
        if isinstance(block, BulletList) and leads_closing(blocks, i) and len(block.items) > CLOSING_ITEMS:
            cut = len(block.items) - CLOSING_ITEMS  # the list may break before its last items (list_keeps)
            head = _list(block, 0, cut)
            story.extend([_Keep(_unwrap(pending + head))] if pending else head)
            pending = _list(block, cut)
            continue
        drawn = _RENDERERS.get(type(block), _unknown)(block)
        if starts is not None:
            drawn[0].starts = starts
        if keeps_with_next(blocks, i):
            pending.extend(drawn)
            continue
        if pending and drawn:
            keep = _SignatureKeep if isinstance(block, Signature) else _Keep  # a signature never splits
            story.append(keep(_unwrap(pending + drawn[:1])))
            drawn, pending = drawn[1:], []
        story.extend(drawn)
    story.extend(pending)
    return story or [Spacer(1, 0)]  # a letter with no body still has its page (letterhead, address, footer)


def _unwrap(flowables: list[Flowable]) -> list[Flowable]:
    """The contents of nested KeepTogethers: a nested one reports an endless height and would force a page
    break."""
    out: list[Flowable] = []
    for flowable in flowables:
        out.extend(_unwrap(flowable._content) if isinstance(flowable, KeepTogether) else [flowable])
    return out


class _NumberedCanvas(rl_canvas.Canvas):
    """A canvas that knows the page count when it draws each page's header and footer; with
    ``layout_only``, one that keeps the pages drawn and writes no PDF (see :func:`render_pdf`). One class for
    every letter (``canvasmaker`` is a ``functools.partial`` of it): a class made per letter cost more than
    the rest of the canvas."""

    def __init__(self, *args, letter: Letter, layout_only: bool = False, attachment: _Attachment | None = None,
                 **kwargs):
        kwargs["invariant"] = 1
        kwargs["initialFontName"] = FAMILY
        super().__init__(*args, **kwargs)
        self._letter = letter
        self._layout_only = layout_only
        self._attachment = attachment
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        attachment = self._attachment
        if attachment is not None:  # the attachment's pages after the letter's, or kept for the next letters
            if attachment.pages is not None:
                attachment.pages.draw(self)
            else:
                attachment.keep(self, self._pages)
        if self._layout_only:
            return
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._furniture(total)
            super().showPage()
        super().save()

    def _furniture(self, total: int) -> None:
        page = self._pageNumber
        width, height = layout.PAGE_WIDTH, layout.PAGE_HEIGHT
        self.setFillColor(_grey())
        header, footer = layout.STYLES["running_header"], layout.STYLES["footer"]
        if page > 1:
            text = unicodedata.normalize("NFC", self._letter.running_header)
            size = header.size
            while size > 6 and pdfmetrics.stringWidth(text, FAMILY, size) > layout.text_width():
                size -= 0.5
            baseline = height - layout.HEADER_DISTANCE - header.size
            self.setFont(FAMILY, size)
            self.drawRightString(width - MARGIN, baseline, text)
            self.setStrokeColor(_rule())
            self.setLineWidth(0.5)
            self.line(MARGIN, baseline - 3, width - MARGIN, baseline - 3)
        self.setFont(FAMILY, footer.size)
        self.drawCentredString(width / 2, layout.FOOTER_DISTANCE, f"Page {page} of {total}")


class _Frame(Frame):
    """A frame that deep-copies itself cheaply. reportlab copies the current frame each time it measures a
    kept group (``_listWrapOn``); a frame holds numbers and strings, which a deep copy shares anyway, and a
    few lists, which are copied as ``copy.deepcopy`` would."""

    def __deepcopy__(self, memo: dict) -> _Frame:
        new = object.__new__(type(self))
        memo[id(self)] = new
        new.__dict__.update({key: value if isinstance(value, _ATOMIC) else copy.deepcopy(value, memo)
                             for key, value in self.__dict__.items()})
        return new


_ATOMIC = (int, float, str, type(None))


def _frame(margins: tuple[float, float, float, float], frame_id: str) -> Frame:
    """The text area inside ``margins`` (top, right, bottom, left), with no padding of its own: the DOCX
    has none, so both formats set lines the same width."""
    top, right, bottom, left = margins
    return _Frame(left, bottom, layout.PAGE_WIDTH - left - right, layout.PAGE_HEIGHT - top - bottom,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id=frame_id)


def _first_page_frames(letter: Letter, page: layout.PageSetup) -> list[Frame]:
    """Page 1's text areas (:func:`first_page_areas`) as frames."""
    return [_frame(margins, frame_id) for margins, frame_id in first_page_areas(letter, page)]


def first_page_areas(letter: Letter, page: layout.PageSetup) -> list[tuple[tuple[float, float, float, float], str]]:
    """Page 1's text areas, as (margins, name): below the letterhead; with a window envelope, above and below the
    window's keep-clear band (the flow skips the band, as the DOCX's address frame makes Word skip it). On
    stationery (printed letterhead the letter cannot see) the text starts below the window, as the README
    promises: its default 1" top margin would otherwise set the date and the RE table's first rows above the
    address, the rest below it."""
    margins = page.first_margins()
    top = layout.body_top(letterhead_height(letter, page), margins)
    if page.envelope != "window-10":
        return [((top, *margins[1:]), "first")]
    band = layout.WINDOW_10.keep_clear()
    areas = []
    if page.stationery_first is None and band.top - top >= layout.STYLES["body"].leading:
        areas.append(((top, margins[1], layout.PAGE_HEIGHT - band.top, margins[3]), "above-window"))
    areas.append(((max(band.bottom, top), *margins[1:]), "below-window"))
    return areas


def render_pdf(letter: Letter, page: layout.PageSetup | None = None, layout_only: bool = False) -> bytes:
    """The letter as PDF bytes (same letter, same bytes).

    With ``layout_only`` (``appeal validate``), the letter is set and drawn on its pages as for the PDF, and
    no PDF is written: the pages' furniture (running header, page numbers), the page streams and the font
    subsets, none of which a case's data can make fail (its fields' glyphs are checked by
    ``fonts.check_fonts``), are left out, and ``b""`` comes back. A letter on stationery is written whole, as
    merging it reads the stationery's PDF.

    A letter's attachment (its pages from the first heading on a page of its own: :class:`_Attachment`) is
    drawn by reportlab the first time, and its pages replayed in the next letters that end with the same
    attachment on the same page setup: the same bytes as drawing it (``tests/test_pdf_replay.py``)."""
    page = page or layout.PageSetup()
    layout_only = layout_only and page.stationery_first is None
    _check(letter)
    attachment = None if layout_only else _attachment(letter, page)
    try:
        data = _build(letter, page, layout_only, attachment)
    except _NoReplay:  # a character of the attachment would need another subset in this PDF: drawn as usual
        data = _build(letter, page, layout_only, None)
    if layout_only:
        return b""
    return _on_stationery(data, page) if page.stationery_first is not None else data


def _build(letter: Letter, page: layout.PageSetup, layout_only: bool, attachment: _Attachment | None) -> bytes:
    """reportlab's build of the letter's pages; with an ``attachment`` to replay, of the pages before it (the
    canvas adds the attachment's when it saves)."""
    buffer = io.BytesIO()

    def first_page(canvas, _doc) -> None:  # drawn before the text, so text extraction reads it first
        if page.stationery_first is None:
            _draw_letterhead(canvas, letter, page)
        if page.envelope == "window-10":
            _draw_address(canvas, letter)

    first = PageTemplate(id="first", frames=_first_page_frames(letter, page), onPage=first_page,
                         autoNextPageTemplate="rest")
    rest = PageTemplate(id="rest", frames=[_frame(page.rest_margins(), "text")])
    doc = BaseDocTemplate(
        buffer, pagesize=(layout.PAGE_WIDTH, layout.PAGE_HEIGHT),
        title=letter.title, author=letter.author, subject=letter.subject, keywords=", ".join(letter.keywords),
        creator="appeal", producer="appeal (reportlab)", invariant=1, pageTemplates=[first, rest],
    )
    replay = attachment is not None and attachment.pages is not None
    token = _MONOCHROME.set(page.monochrome)  # before the story: its styles and the tables' colours read it
    try:
        story = (_story(replace(letter, blocks=letter.blocks[:attachment.index]), page) if replay and attachment
                 else _story(letter, page, attachment))
        doc.build(story, canvasmaker=partial(_NumberedCanvas, letter=letter, layout_only=layout_only,
                                             attachment=attachment))
    except _NoReplay:
        canv = getattr(doc, "canv", None)
        for ttf in _LOADED.values():  # the abandoned PDF's font states (saving it would have removed them)
            ttf.state.pop(getattr(canv, "_doc", None), None)
        raise
    finally:
        _MONOCHROME.reset(token)
        if attachment is not None:
            attachment.stop()
    return buffer.getvalue()
