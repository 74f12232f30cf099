"""Draw a :class:`~appeal.letters.document.Letter` as a Word document (python-docx).

The letter uses Word's own styles (Normal, Heading 1-3, Quote, List Bullet, List
Number, Table Grid) plus three of ours (Quote Attribution, Letterhead, Address), so a
biller restyles the whole letter in one place. Headers and footers carry PAGE and
NUMPAGES fields; the running header is on every page after the first.

A *reference DOCX* (the practice's own letterhead document, as pandoc's
``--reference-doc``) supplies the styles, page setup, header and logo: the letter
starts from it with its body cleared. When its first-page header has content, that
header is the letterhead and none is drawn in the body. Styles the letter needs but
the reference lacks are copied from python-docx's default template.

Each base document is built once per process. One function per block type; an
unknown block type is an error.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape as xml_escape

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.oxml import serialize_part_xml
from docx.opc.part import XmlPart
from docx.opc.parts.coreprops import CorePropertiesPart
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.parts.document import DocumentPart
from docx.parts.hdrftr import FooterPart, HeaderPart
from docx.shared import Inches, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph

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

FONT = "Times New Roman"
GREY = RGBColor(0x44, 0x44, 0x44)
NEEDED_STYLES = ("Normal", "Heading 1", "Heading 2", "Heading 3", "Quote", "List Bullet", "List Number",
                 "Table Grid")
_THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _plain_font(style, name: str) -> None:
    """Set a style's font and drop the theme font that Word would otherwise prefer."""
    style.font.name = name
    fonts = style.element.rPr.rFonts
    for attr in _THEME_FONTS:
        fonts.attrib.pop(qn(attr), None)


def _restyle(styles) -> None:
    """Our look on python-docx's default template: serif, black headings, widow control."""
    normal = styles["Normal"]
    _plain_font(normal, FONT)
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.widow_control = True
    for name, size in (("Heading 1", 14), ("Heading 2", 12.5), ("Heading 3", 11)):
        heading = styles[name]
        _plain_font(heading, FONT)
        heading.font.size = Pt(size)
        heading.font.bold = True
        heading.font.color.rgb = RGBColor(0, 0, 0)
        heading.paragraph_format.space_before = Pt(10)
        heading.paragraph_format.space_after = Pt(4)
    quote = styles["Quote"]
    quote.font.color.rgb = RGBColor(0, 0, 0)
    quote.paragraph_format.left_indent = Inches(0.5)
    quote.paragraph_format.right_indent = Inches(0.5)
    quote.paragraph_format.space_after = Pt(2)


def _own_styles(styles) -> None:
    """The styles that are ours; a reference DOCX that defines them keeps its own."""
    names = {s.name for s in styles}
    normal = styles["Normal"]
    if "Quote Attribution" not in names:
        attribution = styles.add_style("Quote Attribution", WD_STYLE_TYPE.PARAGRAPH)
        attribution.base_style = normal
        attribution.font.italic = True
        attribution.font.size = Pt(9.5)
        attribution.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        attribution.paragraph_format.right_indent = Inches(0.5)
        attribution.paragraph_format.space_after = Pt(9)
    if "Letterhead" not in names:
        letterhead = styles.add_style("Letterhead", WD_STYLE_TYPE.PARAGRAPH)
        letterhead.base_style = normal
        letterhead.font.size = Pt(9.5)
        letterhead.font.color.rgb = GREY
        letterhead.paragraph_format.space_after = Pt(0)
        letterhead.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if "Address" not in names:
        address = styles.add_style("Address", WD_STYLE_TYPE.PARAGRAPH)
        address.base_style = normal
        address.paragraph_format.keep_together = True
    styles["Quote"].paragraph_format.keep_together = True
    styles["Quote"].paragraph_format.keep_with_next = True  # with its attribution


@lru_cache(maxsize=1)
def _blank() -> bytes:
    """python-docx's default template, US Letter with 1-inch margins and our styles; built once per process."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(1))
    _restyle(doc.styles)
    _own_styles(doc.styles)
    return _save(doc)


def _reference_base(path: str, mtime_ns: int, size: int) -> bytes:
    try:
        doc = Document(path)
    except Exception:  # python-docx raises several types for a file that is not a DOCX
        raise RenderError("the reference DOCX is not a Word document (.docx)", file=path) from None
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    _copy_missing_styles(doc)
    _own_styles(doc.styles)
    return _save(doc)


def _copy_missing_styles(doc) -> None:
    """Word's built-in styles the letter uses, from the default template when the reference lacks them."""
    have = {s.name for s in doc.styles}
    default = Document().styles
    for name in NEEDED_STYLES:
        if name not in have:
            doc.styles.element.append(copy.deepcopy(default[name].element))


def _save(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


@dataclass
class _Page:
    """The document a letter is being written into, and the ids of the styles it used so far.

    Each style's id is looked up once per document: python-docx's lookup by name scans every
    style each time, which was half the time of a letter.
    """

    doc: Any
    style_ids: dict[str, str] = field(default_factory=dict)

    def style_id(self, name: str) -> str:
        if name not in self.style_ids:
            self.style_ids[name] = self.doc.styles[name].style_id
        return self.style_ids[name]

    def add(self, style: str, text: str | None = None):
        """A new paragraph in ``style``, set by its id."""
        return _add(self, style, text)


def _add(page: _Page, style: str, text: str | None = None):
    """A new paragraph, built from XML (see :func:`_api_run_xml`) unless its text has tabs or line breaks."""
    if text and _NOT_PLAIN.search(text):
        return _add_by_api(page, style, text)
    style_xml = f'<w:pPr><w:pStyle w:val="{xml_escape(page.style_id(style), _QUOTE)}"/></w:pPr>'
    p = parse_xml(f'<w:p {_W}>{style_xml}{_api_run_xml(text) if text else ""}</w:p>')
    page.doc.element.body.sectPr.addprevious(p)  # where Document.add_paragraph puts it
    return DocxParagraph(p, page.doc._body)


def _add_by_api(page: _Page, style: str, text: str | None = None):
    paragraph = page.doc.add_paragraph(text)
    paragraph._p.style = page.style_id(style)
    return paragraph


# -- prebuilt XML: what python-docx's per-paragraph API writes, as text parsed once ----------

_W = nsdecls("w")
_P = qn("w:p")
_QUOTE = {'"': "&quot;"}
_NOT_PLAIN = re.compile(r"[\x00-\x1f]")  # tabs and line breaks become elements; other controls are errors


def _api_run_xml(text: str, bold: bool | None = None, italic: bool | None = None, props: bool = False) -> str:
    """One ``<w:r>`` exactly as ``Paragraph.add_run(text)`` writes it, then ``run.bold = bold`` and
    ``run.italic = italic`` when ``props`` (those setters leave an ``<w:rPr>`` even when empty).
    The text must be plain (:data:`_NOT_PLAIN`): python-docx turns tabs and newlines into elements."""
    rpr = f"<w:rPr>{'<w:b/>' if bold else ''}{'<w:i/>' if italic else ''}</w:rPr>" if props else ""
    if not text:
        return f"<w:r>{rpr}</w:r>"
    space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
    return f"<w:r>{rpr}<w:t{space}>{xml_escape(text)}</w:t></w:r>"


def render_docx(letter: Letter, *, identifier: str = "", reference: Path | None = None) -> bytes:
    """The letter as DOCX bytes; ``reference`` is the practice's reference DOCX, if any."""
    base = _reference_package(reference) if reference is not None else _blank_package()
    doc = base.document()
    _fill(doc, letter, identifier, base.style_ids)
    return base.zip(doc, dt.date.fromisoformat(letter.meta["date"]))


def _fill(doc, letter: Letter, identifier: str, style_ids: dict[str, str] | None = None) -> None:
    """Everything that differs between letters: the body, the header and footer, the core properties."""
    page = _Page(doc, dict(style_ids or {}))
    section = doc.sections[0]
    letterhead_in_header = _header_footer(section, letter)
    if not letterhead_in_header:
        _letterhead(page, letter)
    blocks = letter.blocks
    for i, block in enumerate(blocks):
        _RENDERERS.get(type(block), _unknown)(page, block)
        if keeps_with_next(block) and i + 1 < len(blocks):
            _last_paragraph(doc).paragraph_format.keep_with_next = True
    _properties(doc, letter, identifier)


def _last_paragraph(doc) -> DocxParagraph:
    """``doc.paragraphs[-1]`` without listing every paragraph of the letter."""
    element = doc.element.body.sectPr
    while element.tag != _P:
        element = element.getprevious()
    return DocxParagraph(element, doc._body)


# -- packaging: the base parsed once, its unchanging parts deflated once, one zip pass ----

_STYLE_NAMES = NEEDED_STYLES + ("Quote Attribution", "Letterhead", "Address")


@dataclass(frozen=True)
class _Deflated:
    """One zip member's content, deflated as ``zipfile`` deflates it (level 6, raw stream)."""

    crc: int
    size: int
    data: bytes

    @classmethod
    def of(cls, raw: bytes) -> _Deflated:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        return cls(zlib.crc32(raw), len(raw), compressor.compress(raw) + compressor.flush())


class _Members:
    """Collects what python-docx's ``PackageWriter`` would put in the zip, member by member, in order."""

    def __init__(self) -> None:
        self.members: list[tuple[str, bytes]] = []

    def write(self, pack_uri, blob: bytes) -> None:
        self.members.append((pack_uri.membername, blob))


def _members(doc) -> list[tuple[str, bytes]]:
    """The package's zip members as ``Document.save`` writes them, without writing a zip."""
    package = doc.part.package
    parts = package.parts
    for part in parts:
        part.before_marshal()
    members = _Members()
    writer: Any = members  # PackageWriter asks only for write(pack_uri, blob)
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    return members.members


def _is_live(part) -> bool:
    """A part a letter changes: the main document, its headers and footers, the core properties."""
    return isinstance(part, (DocumentPart, HeaderPart, FooterPart, CorePropertiesPart))


@dataclass(frozen=True)
class _Package:
    """A base document ready for many letters.

    ``slim`` is the base with the XML of every part a letter never changes (styles, stylesWithEffects,
    theme, settings, numbering...) emptied down to its root element, so opening it per letter parses a
    few KB instead of 800; ``frozen`` holds those parts (and their rels) exactly as saving the full base
    would write them, already deflated. The style ids the body needs are looked up once, here.
    """

    slim: bytes
    frozen: dict[str, _Deflated]
    style_ids: dict[str, str]

    @classmethod
    def of(cls, base: bytes) -> _Package:
        doc = Document(io.BytesIO(base))
        style_ids = {name: doc.styles[name].style_id for name in _STYLE_NAMES}
        frozen_parts = [part for part in doc.part.package.parts if not _is_live(part)]
        names = {part.partname.membername for part in frozen_parts}
        names |= {part.partname.rels_uri.membername for part in frozen_parts}
        frozen = {name: _Deflated.of(raw) for name, raw in _members(doc) if name in names}
        xml_names = {part.partname.membername for part in frozen_parts if isinstance(part, XmlPart)}
        return cls(_emptied(base, xml_names), frozen, style_ids)

    def document(self):
        return Document(io.BytesIO(self.slim))

    def zip(self, doc, day: dt.date) -> bytes:
        """The letter's DOCX in one pass: each member stamped with the letter date, not the clock, so the
        same letter gives the same bytes; frozen parts are the base's, deflated once."""
        stamp = (max(day.year, 1980), day.month, day.day, 12, 0, 0)
        return _zip([(name, self.frozen.get(name) or _Deflated.of(raw)) for name, raw in _members(doc)], stamp)


def _emptied(base: bytes, names: set[str]) -> bytes:
    """``base`` with the named XML members cut down to their root element (same tag, namespaces,
    attributes), stored rather than deflated: it is opened once per letter."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in names:
                root = parse_xml(data)
                for child in list(root):
                    root.remove(child)
                data = serialize_part_xml(root)
            target.writestr(info.filename, data)
    return out.getvalue()


def _zip(members: list[tuple[str, _Deflated]], stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """The bytes ``zipfile`` writes for these members (deflated, mode 0600, dated ``stamp``), from
    content deflated beforehand: ``zipfile`` cannot take deflated data, so the local headers are
    written here and ``ZipFile`` writes the central directory."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, member in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            info.CRC, info.file_size, info.compress_size = member.crc, member.size, len(member.data)
            info.header_offset = out.tell()
            out.write(info.FileHeader(False))
            out.write(member.data)
            archive.filelist.append(info)
            archive.NameToInfo[name] = info
        archive.start_dir = out.tell()
    return out.getvalue()


@lru_cache(maxsize=1)
def _blank_package() -> _Package:
    return _Package.of(_blank())


def _reference_package(path: Path | str) -> _Package:
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise RenderError("the reference DOCX was not found", file=str(path)) from None
    return _reference_package_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _reference_package_cached(path: str, mtime_ns: int, size: int) -> _Package:
    return _Package.of(_reference_base(path, mtime_ns, size))


def _properties(doc, letter: Letter, identifier: str) -> None:
    props = doc.core_properties
    props.title, props.author, props.subject = letter.title, letter.author, letter.subject
    props.keywords = ", ".join(letter.keywords)
    props.identifier = identifier
    props.comments = "Generated by appeal"
    props.last_modified_by = letter.author
    props.revision = 1
    stamp = dt.datetime.fromisoformat(letter.meta["date"] + "T12:00:00")
    props.created = props.modified = stamp


# -- page furniture -------------------------------------------------------------------

def _field(paragraph, instr: str, half_points: int) -> None:
    paragraph._p.append(parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr=" {instr} "><w:r><w:rPr><w:sz w:val="{half_points}"/></w:rPr>'
        f'<w:t>1</w:t></w:r></w:fldSimple>'))


def _page_footer(footer) -> None:
    """"Page N of M" in a footer, unless the reference's footer already numbers its pages."""
    if "PAGE" in footer._element.xml:
        return
    paragraph = _free_paragraph(footer)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, instr in (("Page ", "PAGE"), (" of ", "NUMPAGES")):
        paragraph.add_run(text).font.size = Pt(9)
        _field(paragraph, instr, 18)


def _free_paragraph(story):
    """The header's or footer's empty first paragraph, else a new one after its content."""
    paragraphs = story.paragraphs
    if len(paragraphs) == 1 and not _has_content(story):
        return paragraphs[0]
    return story.add_paragraph()


def _has_content(story) -> bool:
    """Text or a picture in a header or footer."""
    if story.is_linked_to_previous:
        return False
    xml = story._element.xml
    return any(p.text.strip() for p in story.paragraphs) or "<w:drawing" in xml or "<w:pict" in xml


def _header_footer(section, letter: Letter) -> bool:
    """Running header on pages 2+, page numbers on every page; True when page 1's header is a letterhead."""
    if not section.different_first_page_header_footer and _has_content(section.header):
        _copy_story(section.header, section.first_page_header)
    section.different_first_page_header_footer = True
    header = _free_paragraph(section.header)
    header.text = letter.running_header
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header._p.get_or_add_pPr().append(parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="4" w:space="1" w:color="888888"/></w:pBdr>'))
    for run in header.runs:
        run.font.size = Pt(8.5)
        run.font.color.rgb = GREY
    _page_footer(section.footer)
    _page_footer(section.first_page_footer)
    return _has_content(section.first_page_header)


def _copy_story(source, target) -> None:
    """Copy a header's content into another header part, relating the pictures it shows."""
    target_el, source_part, target_part = target._element, source.part, target.part
    for child in list(target_el):
        target_el.remove(child)
    for child in source._element:
        target_el.append(copy.deepcopy(child))
    for element in target_el.iter():
        for attr in (qn("r:embed"), qn("r:id"), qn("r:link")):
            rid = element.get(attr)
            if rid and rid in source_part.rels:
                rel = source_part.rels[rid]
                target_ref = rel.target_ref if rel.is_external else rel.target_part
                element.set(attr, target_part.relate_to(target_ref, rel.reltype, is_external=rel.is_external))


def _letterhead(page: _Page, letter: Letter) -> None:
    head = letter.letterhead
    if head.logo is not None:
        picture = page.add("Letterhead")
        _picture(picture.add_run(), head.logo, Inches(2.0), Inches(0.8), "provider.logo")
    name = page.add("Letterhead")
    run = name.add_run(head.name)
    run.bold = True
    run.font.size = Pt(15)
    run.font.color.rgb = RGBColor(0, 0, 0)
    lines = [page.add("Letterhead", line) for line in head.lines]
    last = (lines or [name])[-1]
    last.paragraph_format.space_after = Pt(14)
    last._p.get_or_add_pPr().append(parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="6" w:space="6" w:color="888888"/></w:pBdr>'))


def _picture(run, path, max_width, max_height, field: str) -> None:
    """An image scaled to fit its box, keeping its proportions."""
    try:
        shape = run.add_picture(str(path), width=max_width)
    except FileNotFoundError:
        raise RenderError(f"{field}: image file not found", file=str(path)) from None
    except Exception as exc:  # python-docx raises several types for a bad image
        raise RenderError(f"{field}: not a usable image ({type(exc).__name__})", file=str(path)) from None
    if shape.height > max_height:
        shape.width = int(shape.width * max_height / shape.height)
        shape.height = max_height


# -- blocks ---------------------------------------------------------------------------

def _add_runs(paragraph, runs: tuple[Run, ...]) -> None:
    if any(_NOT_PLAIN.search(run.text) for run in runs if not run.br):
        _add_runs_by_api(paragraph, runs)
        return
    pieces = ("<w:r><w:br/></w:r>" if run.br else _api_run_xml(run.text, run.bold, run.italic, props=True)
              for run in runs)
    p = paragraph._p
    for r in parse_xml(f'<w:p {_W}>{"".join(pieces)}</w:p>'):
        p.append(r)


def _add_runs_by_api(paragraph, runs: tuple[Run, ...]) -> None:
    for run in runs:
        if run.br:
            paragraph.add_run().add_break()
            continue
        r = paragraph.add_run(run.text)
        r.bold = run.bold or None
        r.italic = run.italic or None


def _heading(page: _Page, block: Heading) -> None:
    paragraph = page.add(f"Heading {heading_level(block.level)}")
    _add_runs(paragraph, block.runs)
    paragraph.paragraph_format.keep_with_next = True


def _paragraph(page: _Page, block: Paragraph) -> None:
    style = {"address": "Address"}.get(block.style, "Normal")
    _add_runs(page.add(style), block.runs)


def _quote(page: _Page, block: Quote) -> None:
    page.add("Quote", block.text)
    page.add("Quote Attribution", block.attribution)


def _list(page: _Page, block: BulletList) -> None:
    style = "List Number" if block.ordered else "List Bullet"
    for i, item in enumerate(block.items):
        paragraph = page.add(style)
        _add_runs(paragraph, item)
        paragraph.paragraph_format.keep_with_next = i < len(block.items) - 1 and len(block.items) <= 6


def _table(page: _Page, block: Table) -> None:
    """The table as one piece of WordprocessingML: python-docx's cell-by-cell API cost a third of
    a letter's DOCX time. Fixed layout, 30/70 columns, the label column (or header row) shaded."""
    columns = max(len(row) for row in block.rows)
    total = 9360  # 6.5 inches in twentieths of a point
    widths = [int(width) for width in column_widths(total, columns)]
    rows = []
    for r, row in enumerate(block.rows):
        cells = []
        for c, runs in enumerate(row):
            label = is_label(block, r, c)
            shade = f'<w:shd w:val="clear" w:fill="{LABEL_FILL}"/>' if label else ""
            cells.append(f'<w:tc><w:tcPr><w:tcW w:w="{widths[c]}" w:type="dxa"/>{shade}</w:tcPr>'
                         f'<w:p><w:pPr><w:spacing w:after="0"/></w:pPr>{_runs_xml(runs, bold=label)}</w:p></w:tc>')
        rows.append("<w:tr>" + "".join(cells) + "</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    xml = (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{page.style_id("Table Grid")}"/>'
           f'<w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="left"/><w:tblLayout w:type="fixed"/>'
           f'<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
           f'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')
    page.doc.element.body.find(qn("w:sectPr")).addprevious(parse_xml(xml))
    page.doc.add_paragraph()


def _runs_xml(runs: tuple[Run, ...], bold: bool = False) -> str:
    """Runs at 10 pt, user text escaped (it is text, never markup)."""
    out = []
    for run in runs:
        if run.br:
            out.append("<w:r><w:br/></w:r>")
            continue
        props = ("<w:b/>" if bold or run.bold else "") + ("<w:i/>" if run.italic else "") + '<w:sz w:val="20"/>'
        out.append(f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{xml_escape(run.text)}</w:t></w:r>')
    return "".join(out)


def _signature(page: _Page, block: Signature) -> None:
    closing = page.doc.add_paragraph(block.closing)
    closing.paragraph_format.keep_with_next = True
    mark = page.doc.add_paragraph()
    mark.paragraph_format.keep_with_next = True
    mark.paragraph_format.space_after = Pt(0)
    if block.image is not None:
        _picture(mark.add_run(), block.image, Inches(2.2), Inches(0.75), "signer.signature")
    else:
        mark.paragraph_format.space_before = Pt(24)
        mark.add_run("_______________________________")
    name = page.doc.add_paragraph()
    name.paragraph_format.space_after = Pt(0)
    name.paragraph_format.keep_with_next = bool(block.lines)
    name.add_run(block.name).bold = True
    for i, line in enumerate(block.lines):
        p = page.doc.add_paragraph(line)
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.keep_with_next = i < len(block.lines) - 1
        for run in p.runs:
            run.font.size = Pt(10)


def _references(page: _Page, block: References) -> None:
    if not block.entries:
        return
    _heading(page, Heading((Run(block.title),), level=2))
    for entry in block.entries:
        page.add("List Number", entry)


def _unknown(page: _Page, block: Block) -> None:
    raise RenderError(f"the DOCX renderer has no rule for a {type(block).__name__} block")


_RENDERERS: dict[type, Callable] = {
    Heading: _heading,
    Paragraph: _paragraph,
    Quote: _quote,
    BulletList: _list,
    Table: _table,
    Signature: _signature,
    References: _references,
}
