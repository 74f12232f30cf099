"""A letter through python-docx's own API: the bases (python-docx's default template with the letter's
styles, or a practice's reference DOCX), compiled once for the fast way, and the letter filled paragraph by
paragraph as python-docx writes it. This is the oracle the fast way (:mod:`appeal.render.docx`) is tested
against, and the way a base the pieces cannot fill is drawn.

The letter uses Word's own styles (Normal, Heading 1-3, Quote, List Bullet, List Number,
Table Grid) plus ours (Quote Attribution, Letterhead, Address...), so a biller restyles the whole letter in
one place. A reference DOCX supplies the styles, page setup, header and logo; styles the letter needs but the
reference lacks are copied from python-docx's default template.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, Callable
from xml.sax.saxutils import escape as xml_escape

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph

from appeal.errors import RenderError
from appeal.letters.document import (
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
from appeal.render import heading_level, keeps_with_next, layout, list_keeps
from appeal.render.wordml import (
    _DOC_NS,
    _MARK,
    _MARK_DAY,
    _RT_IMAGE,
    _TEMPLATE_PARAGRAPH,
    _Base,
    _Deflated,
    _slot,
    _table_xml,
    _types_xml,
    _unknown,
    _zip,
)

NEEDED_STYLES = ("Normal", "Heading 1", "Heading 2", "Heading 3", "Quote", "List Bullet", "List Number",
                 "Table Grid")


_THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}


# Word's style name -> the shared layout rule it follows; the letter's own styles are added when missing.
# These are applied over a reference DOCX too, so quotes keep their indent and headings stay black.
STYLE_RULES = {
    "Normal": "body",
    "Heading 1": "h1",
    "Heading 2": "h2",
    "Heading 3": "h3",
    "Quote": "quote",
    "List Bullet": "list",
    "List Number": "list",
    "Quote Attribution": "attribution",
    "Letterhead": "letterhead",
    "Letterhead Name": "letterhead_name",
    "Address": "body",
    "Reference": "small",
    "Reference List": "small",
    "Running Header": "running_header",
    "Page Footer": "footer",
    "Table Text": "cell",
    "Signer": "signer",
    "Signer Name": "signer_name",
}


_OWN_STYLES = ("Quote Attribution", "Letterhead", "Letterhead Name", "Address", "Reference", "Reference List",
               "Running Header", "Page Footer", "Table Text",
               "Signer", "Signer Name")


def _plain_font(style, name: str) -> None:
    """Set a style's font and drop the theme font that Word would otherwise prefer."""
    style.font.name = name
    fonts = style.element.rPr.rFonts
    for attr in _THEME_FONTS:
        fonts.attrib.pop(qn(attr), None)


def apply_rule(font, paragraph_format, rule: layout.TextStyle, family: str = layout.BODY_FAMILY) -> None:
    """One shared layout rule on a style's (or a paragraph's) font and paragraph format: the exact line
    height, so Word and LibreOffice set the same lines per page as the PDF."""
    font.size = Pt(rule.size)
    font.bold = rule.bold
    font.italic = rule.italic
    font.color.rgb = RGBColor(*layout.rgb(rule.colour or "#000000"))
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = Pt(rule.leading)
    paragraph_format.space_before = Pt(rule.before)
    paragraph_format.space_after = Pt(rule.after)
    paragraph_format.alignment = _ALIGN[rule.align]
    if rule.left or rule.right:
        paragraph_format.left_indent = Pt(rule.left)
        paragraph_format.right_indent = Pt(rule.right)
    paragraph_format.widow_control = True


def _letter_styles(styles, family: str = layout.BODY_FAMILY) -> None:
    """The letter's styles, from the shared layout, on the default template or over a reference DOCX."""
    names = {s.name for s in styles}
    for name in _OWN_STYLES:
        if name not in names:
            base = styles["List Number"] if name == "Reference List" else styles["Normal"]
            styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH).base_style = base
    word = layout.FAMILIES[family].word
    for name, rule_name in STYLE_RULES.items():
        style = styles[name]
        _plain_font(style, word)
        rule = layout.STYLES[rule_name]
        if name.startswith("List") or name == "Reference List":  # the numbering sets the hanging indent
            rule = dataclasses.replace(rule, left=0.0)
        apply_rule(style.font, style.paragraph_format, rule)
        for contextual in style.element.findall(f"{qn('w:pPr')}/{qn('w:contextualSpacing')}"):
            contextual.getparent().remove(contextual)  # Word's list styles drop the space between items
    styles["Address"].paragraph_format.keep_together = True
    for name in ("Heading 1", "Heading 2", "Heading 3"):
        styles[name].paragraph_format.keep_with_next = True
    # a long quote may break across pages, as in the PDF (widow control keeps two lines on each side); a
    # keep-with-next here would move the whole quote, and the heading above it, to the next page in LibreOffice
    styles["Quote"].paragraph_format.widow_control = True


@lru_cache(maxsize=1)
def _blank() -> bytes:
    """python-docx's default template, US Letter with 1-inch margins and our styles; built once per process."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Pt(layout.PAGE_WIDTH), Pt(layout.PAGE_HEIGHT)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Pt(layout.MARGIN))
    section.header_distance, section.footer_distance = Pt(layout.HEADER_DISTANCE), Pt(layout.FOOTER_DISTANCE)
    _letter_styles(doc.styles)
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
    _letter_styles(doc.styles)
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
        paragraph = self.doc.add_paragraph(text)
        paragraph._p.style = self.style_id(style)
        return paragraph


_W = nsdecls("w")


_P = qn("w:p")


def _fill(doc, letter: Letter, identifier: str, page: layout.PageSetup | None = None) -> None:
    """Everything that differs between letters, through python-docx's API: the body, the header and
    footer, the core properties. The fast way (:func:`_render_fast`) writes the same bytes."""
    setup = page or layout.PageSetup()
    writer = _Page(doc)
    section = doc.sections[0]
    if not _header_footer(writer, section, letter):
        _letterhead(writer, section.first_page_header, letter, setup)
    blocks = letter.blocks
    if setup.envelope == "window-10":
        _window_address(writer, next((b for b in blocks if isinstance(b, Recipient)), None))
    for i, block in enumerate(blocks):
        if isinstance(block, Recipient) and setup.envelope == "window-10":
            continue
        if isinstance(block, BulletList):
            _list(writer, block, list_keeps(blocks, i))
        else:
            _RENDERERS.get(type(block), _unknown)(writer, block)
        if keeps_with_next(blocks, i):
            _last_paragraph(doc).paragraph_format.keep_with_next = True
    _properties(doc, letter, identifier)


def _last_paragraph(doc) -> DocxParagraph:
    """``doc.paragraphs[-1]`` without listing every paragraph of the letter."""
    element = doc.element.body.sectPr
    while element.tag != _P:
        element = element.getprevious()
    return DocxParagraph(element, doc._body)


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


def _field(paragraph, instr: str, half_points: int) -> None:
    paragraph._p.append(parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr=" {instr} "><w:r><w:rPr><w:sz w:val="{half_points}"/></w:rPr>'
        f'<w:t>1</w:t></w:r></w:fldSimple>'))


def _page_footer(page: _Page, footer) -> None:
    """"Page N of M" in a footer, unless the reference's footer already numbers its pages."""
    if "PAGE" in footer._element.xml:
        return
    paragraph = _free_paragraph(footer)
    paragraph._p.style = page.style_id("Page Footer")
    for text, instr in (("Page ", "PAGE"), (" of ", "NUMPAGES")):
        paragraph.add_run(text)
        _field(paragraph, instr, round(layout.STYLES["footer"].size * 2))


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


def _header_footer(page: _Page, section, letter: Letter) -> bool:
    """Running header on pages 2+, page numbers on every page; True when page 1's header is a letterhead."""
    if not section.different_first_page_header_footer and _has_content(section.header):
        _copy_story(section.header, section.first_page_header)
    section.different_first_page_header_footer = True
    header = _free_paragraph(section.header)
    header._p.style = page.style_id("Running Header")
    header.add_run(letter.running_header)
    header._p.get_or_add_pPr().append(parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="4" w:space="1" '
        f'w:color="{layout.RULE.lstrip("#")}"/></w:pBdr>'))
    _page_footer(page, section.footer)
    _page_footer(page, section.first_page_footer)
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


def _letterhead(page: _Page, header, letter: Letter, setup: layout.PageSetup) -> None:
    """The letterhead in page 1's header, line for line as the PDF draws it (the same wrapped lines, exact
    line heights), so the header is as tall as the PDF's letterhead and the body starts at the same place.
    With a logo, a borderless two-cell table: the logo, and the lines set right."""
    from appeal.render.pdf import letterhead_lines, logo_size

    name, lines = letterhead_lines(letter, setup.letterhead_font)
    logo = logo_size(letter)
    twips = lambda points: round(points * 20)  # noqa: E731
    first = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
    if logo is not None:
        widths = (twips(logo[0] + layout.LOGO_GAP), twips(layout.letterhead_text_width(logo[0])))
        cells = "".join(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr><w:p/></w:tc>' for w in widths)
        table = parse_xml(
            f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblInd w:w="0" '
            f'w:type="dxa"/><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left '
            f'w:w="0" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar>'
            f'</w:tblPr><w:tblGrid>{"".join(f"<w:gridCol w:w={chr(34)}{w}{chr(34)}/>" for w in widths)}</w:tblGrid>'
            f'<w:tr>{cells}</w:tr></w:tbl>')
        first._p.addprevious(table)
        from docx.table import _Cell

        logo_cell, text_cell = (_Cell(tc, header) for tc in table.iter(qn("w:tc")))
        picture = logo_cell.paragraphs[0]
        _spacer(picture, logo[1])
        _picture(picture.add_run(), letter.letterhead.logo, Pt(logo[0]), Pt(logo[1]), "provider.logo")
        paragraphs = [text_cell.paragraphs[0]] + [text_cell.add_paragraph() for _ in (name + lines)[1:]]
        rule = first
    else:
        paragraphs = [first] + [header.add_paragraph() for _ in (name + lines)[1:]]
        rule = header.add_paragraph()
    _letterhead_lines(page, paragraphs, name, lines, setup, "right" if logo is not None else "center")
    rule._p.style = page.style_id("Letterhead")
    _rule(rule, layout.RULE_ABOVE, layout.RULE_BELOW, setup.accent)


def _letterhead_lines(page: _Page, paragraphs, name: list[str], lines: list[str], setup: layout.PageSetup,
                      align: str) -> None:
    word = layout.FAMILIES[setup.letterhead_font].word
    accent = RGBColor(*layout.rgb(setup.accent)) if setup.accent else None
    for i, (paragraph, text) in enumerate(zip(paragraphs, name + lines)):
        is_name = i < len(name)
        style = "Letterhead Name" if is_name else "Letterhead"
        paragraph._p.style = page.style_id(style)
        paragraph.alignment = _ALIGN[align]
        run = paragraph.add_run(text)
        run.font.name = word
        if is_name:
            paragraph.paragraph_format.space_after = Pt(layout.STYLES["letterhead_name"].after
                                                        if i == len(name) - 1 else 0)
            if accent is not None:
                run.font.color.rgb = accent


def _window_address(page: _Page, recipient: Recipient | None) -> None:
    """The payer's address in a frame at the #10 window, as the PDF places it. The frame spans the whole
    keep-clear band and lets no text beside it (``notBeside``), so Word and LibreOffice set nothing else
    there; without an address the frame stays empty and the band stays clear."""
    from appeal.render.pdf import fit_address

    band, box = layout.WINDOW_10.keep_clear(), layout.WINDOW_10.address_box()
    twips = lambda points: round(points * 20)  # noqa: E731
    fitted = fit_address(recipient) if recipient is not None and recipient.address else None
    size, leading, lines = fitted if fitted else (layout.ADDRESS_SIZES[0][0], layout.ADDRESS_SIZES[0][1], [])
    runs = "<w:r><w:br/></w:r>".join(
        f'<w:r><w:rPr><w:sz w:val="{round(size * 2)}"/></w:rPr><w:t xml:space="preserve">{xml_escape(line)}</w:t></w:r>'
        for line in lines)
    xml = (f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="{page.style_id("Address")}"/>'
           f'<w:framePr w:w="{twips(band.width)}" w:h="{twips(band.height)}" w:hRule="exact" w:wrap="notBeside" '
           f'w:vAnchor="page" w:hAnchor="page" w:x="{twips(band.left)}" w:y="{twips(band.top)}"/>'
           f'<w:spacing w:before="{twips(box.top - band.top + layout.ADDRESS_INSET)}" w:after="0" '
           f'w:line="{twips(leading)}" w:lineRule="exact"/><w:ind w:left="{twips(box.left - band.left)}" '
           f'w:right="0"/></w:pPr>{runs}</w:p>')
    page.doc.element.body.find(qn("w:sectPr")).addprevious(parse_xml(xml))


def _rule(paragraph, above: float, below: float, colour: str | None = None) -> None:
    """An empty paragraph drawn as a rule across the text width: ``above`` points high, a bottom border,
    then ``below`` points of space."""
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(above)
    fmt.space_before, fmt.space_after = Pt(0), Pt(below)
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="{round(layout.RULE_WIDTH * 8)}" w:space="0" '
        f'w:color="{(colour or layout.RULE).lstrip("#")}"/></w:pBdr>'))


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


def _add_runs(paragraph, runs: tuple[Run, ...]) -> None:
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
    paragraph.paragraph_format.page_break_before = block.new_page or None


def _paragraph(page: _Page, block: Paragraph) -> None:
    style = {"address": "Address", "small": "Reference"}.get(block.style, "Normal")
    _add_runs(page.add(style), block.runs)


def _recipient(page: _Page, block: Recipient) -> None:
    """The payer's address in the flow (no window envelope): one paragraph, kept together."""
    paragraph = page.add("Address")
    for i, line in enumerate(block.lines()):
        if i:
            paragraph.add_run().add_break()
        paragraph.add_run(line)


def _quote(page: _Page, block: Quote) -> None:
    page.add("Quote", block.text)
    page.add("Quote Attribution", block.attribution)


def _list(page: _Page, block: BulletList, keeps: list[bool]) -> None:
    style = "List Number" if block.ordered else "List Bullet"
    for item, keep in zip(block.items, keeps):
        paragraph = page.add(style)
        _add_runs(paragraph, item)
        paragraph.paragraph_format.keep_with_next = keep


def _table(page: _Page, block: Table) -> None:
    page.doc.element.body.find(qn("w:sectPr")).addprevious(parse_xml(_table_xml(page.style_id, block, _W)))
    _spacer(page.doc.add_paragraph(), layout.TABLE_SPACE_AFTER)


def _spacer(paragraph, height: float) -> None:
    """An empty paragraph exactly ``height`` points high."""
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(height)
    fmt.space_before = fmt.space_after = Pt(0)


def _signature(page: _Page, block: Signature) -> None:
    """The closing, the signature (image or a line to sign on), the signer's name and lines, in one
    borderless table cell whose row cannot split: Word and LibreOffice keep it whole on one page, as the
    PDF does (a chain of keep-with-next paragraphs, LibreOffice splits)."""
    xml = (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{round(layout.text_width() * 20)}" w:type="dxa"/>'
           f'<w:tblInd w:w="0" w:type="dxa"/><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="0" '
           f'w:type="dxa"/><w:left w:w="0" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="0" '
           f'w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid><w:gridCol w:w="{round(layout.text_width() * 20)}"/>'
           f'</w:tblGrid><w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW '
           f'w:w="{round(layout.text_width() * 20)}" w:type="dxa"/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>')
    table = parse_xml(xml)
    page.doc.element.body.find(qn("w:sectPr")).addprevious(table)
    from docx.table import _Cell

    cell = _Cell(table.find(f"{qn('w:tr')}/{qn('w:tc')}"), page.doc._body)
    closing = cell.paragraphs[0]
    closing._p.style = page.style_id("Normal")
    closing.add_run(block.closing)
    mark = _in_cell(page, cell, "Normal")
    if block.image is not None:
        mark.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        mark.paragraph_format.space_after = Pt(0)
        _picture(mark.add_run(), block.image, Pt(layout.SIGNATURE_IMAGE[0]), Pt(layout.SIGNATURE_IMAGE[1]),
                 "signer.signature")
    else:  # a line to sign on: the gap, then a rule as long as the PDF's
        _spacer(mark, layout.SIGNATURE_GAP)
        mark.paragraph_format.space_after = Pt(3.6)
        mark.paragraph_format.right_indent = Pt(layout.text_width() - layout.SIGNATURE_LINE_WIDTH)
        mark._p.get_or_add_pPr().append(parse_xml(
            f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/></w:pBdr>'))
    _in_cell(page, cell, "Signer Name").add_run(block.name)
    for line in block.lines:
        _in_cell(page, cell, "Signer").add_run(line)


def _in_cell(page: _Page, cell, style: str):
    """A new paragraph in a table cell, its style set by id (a lookup by name scans every style)."""
    paragraph = cell.add_paragraph()
    paragraph._p.style = page.style_id(style)
    return paragraph


def _references(page: _Page, block: References) -> None:
    if not block.entries:
        return
    _heading(page, Heading((Run(block.title),), level=2))
    for entry in block.entries:
        page.add("Reference List", entry)


_RENDERERS: dict[type, Callable] = {
    Heading: _heading,
    Paragraph: _paragraph,
    Recipient: _recipient,
    Quote: _quote,
    Table: _table,
    Signature: _signature,
    References: _references,
}


def _marked_letter() -> Any:
    """A stand-in letter whose every text is a marker, for compiling a base."""
    return SimpleNamespace(running_header=_MARK, title=_slot("title"), author=_slot("author"),
                           subject=_slot("subject"), keywords=(_slot("keywords"),), meta={"date": _MARK_DAY})


def _split(xml: str, mark: str) -> tuple[str, str]:
    head, found, tail = xml.partition(mark)
    if not found or mark in tail:
        raise ValueError("a compiled part lost its marker")
    return head, tail


def _order(package, document_part, letterhead_part) -> list[str]:
    """The zip members after the content types and package rels, as python-docx's ``iter_parts`` walks
    the parts (each part, then its rels), with the places the letter's images go."""
    visited: list = []
    out: list[str] = []

    def walk(source) -> None:
        for rel in source.rels.values():
            if rel.is_external or rel.target_part in visited:
                continue
            part = rel.target_part
            visited.append(part)
            out.append(part.partname.membername)
            if len(part.rels):
                out.append(part.partname.rels_uri.membername)
            walk(part)
            if part is letterhead_part:
                out.append("<logo>")
        if source is document_part:
            out.append("<signature>")

    walk(package)
    return out


def compile_base(base: bytes) -> _Base | None:
    """The base compiled for the fast way (:mod:`appeal.render.docx`), or None when it is not one its
    pieces can fill (then the letter goes the python-docx way, :func:`render`): a reference whose own
    first-page header is empty, or whose parts name WordprocessingML's namespaces otherwise."""
    try:
        return _compile(base)
    except ValueError:  # a marker not where the pieces expect it
        return None


def _compile(base: bytes) -> _Base | None:
    from docx.opc.pkgwriter import _ContentTypesItem
    from docx.opc.spec import default_content_types

    doc = Document(io.BytesIO(base))
    package, document_part = doc.part.package, doc.part
    style_ids = {style.name: style.style_id for style in doc.styles}
    section = doc.sections[0]
    marks = _marked_letter()
    body = doc.element.body
    if len(body) != 1 or body[0].tag != qn("w:sectPr"):
        return None
    drawn = not _header_footer(_Page(doc, dict(style_ids)), section, marks)
    letterhead_part = None
    if drawn:
        header = section.first_page_header
        if not header.is_linked_to_previous:
            return None  # the reference's own empty first-page header: python-docx fills it
        header.paragraphs  # noqa: B018  (adds the header part, as _letterhead does)
        letterhead_part = header.part
    body.sectPr.addprevious(parse_xml(f"<w:p {_W}><w:r><w:t>{_MARK}</w:t></w:r></w:p>"))
    _properties(doc, marks, _slot("identifier"))
    next_id = document_part.next_id
    members = dict(_members(doc))
    order = _order(package, document_part, letterhead_part)
    if [n for n in order if n not in ("<logo>", "<signature>")] != list(members)[2:]:
        return None
    text = {name: blob.decode("utf-8") for name, blob in members.items() if name.endswith((".xml", ".rels"))}
    doc_name = document_part.partname.membername
    head, tail = _split(text[doc_name], f"<w:p><w:r><w:t>{_MARK}</w:t></w:r></w:p>")
    root = head[head.index("<w:document"):head.index(">", head.index("<w:document"))]
    if not (head.endswith("<w:body>") and all(ns in root for ns in _DOC_NS)
            and "xmlns:a=" not in root and "xmlns:pic=" not in root):
        return None
    running_part = section.header.part
    running_name = running_part.partname.membername
    running = (running_name, *_split(text[running_name], f"<w:r><w:t>{_MARK}</w:t></w:r>"))
    letterhead = None
    if letterhead_part is not None:
        name = letterhead_part.partname.membername
        xml = text[name]
        match = _TEMPLATE_PARAGRAPH.search(xml)
        if match is None or not xml.endswith("</w:hdr>") or match.end() != len(xml) - len("</w:hdr>"):
            return None
        letterhead = (name, xml[:match.start()], match.group(0), "</w:hdr>")
    core_name = package._core_properties_part.partname.membername
    items = _ContentTypesItem.from_parts(package.parts)
    types = ({str(k): v for k, v in items._defaults.items()}, {str(k): v for k, v in items._overrides.items()},
             frozenset(default_content_types))
    if _types_xml(types[0], types[1]) != text["[Content_Types].xml"]:
        return None
    rels_name = document_part.partname.rels_uri.membername
    images = [part for part in package.image_parts]
    live = {doc_name, running_name, core_name} | ({letterhead[0]} if letterhead else set())
    frozen: list[tuple[str, _Deflated | None]] = []
    for name in order:
        if name in ("<logo>", "<signature>") or name in live:
            frozen.append((name, None))
        else:
            frozen.append((name, _Deflated.of(members[name])))
    return _Base(
        members=(("[Content_Types].xml", _Deflated.of(members["[Content_Types].xml"])),
                 ("_rels/.rels", _Deflated.of(members["_rels/.rels"])), *frozen),
        style_ids=style_ids,
        document=(doc_name, head, tail),
        document_rels=(rels_name, text[rels_name]),
        document_rids=frozenset(document_part.rels),
        document_images={str(rel.target_part.partname): rid for rid, rel in document_part.rels.items()
                         if rel.reltype == _RT_IMAGE and not rel.is_external},
        document_next_id=next_id,
        running=running,
        letterhead=letterhead,
        core=(core_name, text[core_name]),
        types=types,
        image_parts=tuple((part.sha1, str(part.partname)) for part in images),
        image_numbers=tuple(part.partname.idx for part in images),
    )


def render(base: bytes, letter: Letter, identifier: str, page: layout.PageSetup) -> bytes:
    """The letter the python-docx way: the whole base opened, filled through the API, saved, every zip
    member dated with the letter's date."""
    doc = Document(io.BytesIO(base))
    _fill(doc, letter, identifier, page)
    day = dt.date.fromisoformat(letter.meta["date"])
    return _zip([(name, _Deflated.of(raw)) for name, raw in _members(doc)],
                (max(day.year, 1980), day.month, day.day, 12, 0, 0))
