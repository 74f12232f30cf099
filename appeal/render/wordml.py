"""WordprocessingML as text: the pieces a letter's DOCX is joined from, exactly as python-docx's API and
lxml would write them, and the zip they go into. No python-docx here: a letter is written from these and a
compiled base (:class:`_Base`, made once per base by :func:`appeal.render.docx_api.compile_base`)."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import Callable

from appeal.errors import RenderError
from appeal.letters.document import Block, Run, Table
from appeal.render import LABEL_FILL, column_widths, is_label, layout


def xml_escape(text: str, entities: dict[str, str] | None = None) -> str:
    """``xml.sax.saxutils.escape`` (whose module imports ``urllib.request``, ssl and email: 20 ms of a
    cold start): ``&``, ``<`` and ``>``, then each of ``entities``."""
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for character, entity in (entities or {}).items():
        text = text.replace(character, entity)
    return text


_QUOTE = {'"': "&quot;"}


_ATTR = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_CONTROLS = re.compile(r"[\t\n\r]")


_XML_HEAD = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"


_MARK = "\ue000appeal-slot\ue000"


_MARK_DAY = "1999-09-09"


def _slot(name: str) -> str:
    return f"\ue000{name}\ue000"


_DOC_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"',
           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"',
           'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"')


_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


_RT_IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


_TEMPLATE_PARAGRAPH = re.compile(r'<w:p><w:pPr><w:pStyle w:val="[^"<>&]*"/></w:pPr></w:p>')


def _text(text: str) -> str:
    """A run's content as ``Run.text = text`` writes it: tabs and line breaks become elements, each
    stretch of text a ``<w:t>``, preserving its spaces when it starts or ends with one."""
    if _INVALID.search(text):
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control "
                         "characters")
    if not _CONTROLS.search(text):
        return _t(text) if text else ""
    out = []
    for piece in re.split(r"([\t\n\r])", text):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\n", "\r"):
            out.append("<w:br/>")
        elif piece:
            out.append(_t(piece))
    return "".join(out)


def _t(text: str) -> str:
    space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
    return f"<w:t{space}>{xml_escape(text)}</w:t>"


def _r(text: str, rpr: str | None = None) -> str:
    """``paragraph.add_run(text)``; ``rpr`` the run properties set after it (``""`` leaves an empty
    ``<w:rPr/>``, as ``run.bold = None`` does)."""
    props = "" if rpr is None else f"<w:rPr>{rpr}</w:rPr>" if rpr else "<w:rPr/>"
    content = props + _text(text)
    return f"<w:r>{content}</w:r>" if content else "<w:r/>"


def _runs(runs: tuple[Run, ...]) -> str:
    """:func:`_add_runs`: each run with its bold and italic set (None when off)."""
    return "".join("<w:r><w:br/></w:r>" if run.br
                   else _r(run.text, ("<w:b/>" if run.bold else "") + ("<w:i/>" if run.italic else ""))
                   for run in runs)


def _raw_t(text: str) -> str:
    """``<w:t xml:space="preserve">`` around text, as lxml writes it back once parsed."""
    if _INVALID.search(text):
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control "
                         "characters")
    if not text:
        return '<w:t xml:space="preserve"/>'
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as the XML parser reads line ends
    return f'<w:t xml:space="preserve">{xml_escape(text)}</w:t>'


def _tw(points: float) -> int:
    """Points as python-docx writes a ``Pt`` length in twips."""
    return int(round(int(points * 12700) / 635))


def _hex(colour: str) -> str:
    return "".join(f"{part:02X}" for part in layout.rgb(colour))


def _spacing(height: float, after: float = 0.0) -> str:
    """:func:`_spacer`'s spacing: exactly ``height`` points, nothing before, ``after`` after."""
    return f'<w:spacing w:lineRule="exact" w:line="{_tw(height)}" w:before="0" w:after="{_tw(after)}"/>'


def _border(colour: str | None) -> str:
    return (f'<w:pBdr><w:bottom w:val="single" w:sz="{round(layout.RULE_WIDTH * 8)}" w:space="0" '
            f'w:color="{(colour or layout.RULE).lstrip("#")}"/></w:pBdr>')


def _runs_xml(runs: tuple[Run, ...], bold: bool = False) -> str:
    """Runs in the cell's style, user text escaped (it is text, never markup)."""
    out = []
    for run in runs:
        if run.br:
            out.append("<w:r><w:br/></w:r>")
            continue
        props = ("<w:b/>" if bold or run.bold else "") + ("<w:i/>" if run.italic else "")
        props = f"<w:rPr>{props}</w:rPr>" if props else ""
        out.append(f"<w:r>{props}{_raw_t(run.text)}</w:r>")
    return "".join(out)


def _table_xml(style_id: Callable[[str], str], block: Table, decls: str = "") -> str:
    """The table as one piece of WordprocessingML: python-docx's cell-by-cell API cost a third of
    a letter's DOCX time. Fixed layout, the shared column widths and cell padding, the label column
    (or header row) shaded."""
    columns = max(len(row) for row in block.rows)
    widths = [round(w * 20) for w in column_widths(layout.text_width(), columns)]
    total = sum(widths)
    cell_style = style_id("Table Text")
    rows = []
    for r, row in enumerate(block.rows):
        cells = []
        for c, runs in enumerate(row):
            label = is_label(block, r, c)
            shade = f'<w:shd w:val="clear" w:fill="{LABEL_FILL}"/>' if label else ""
            cells.append(f'<w:tc><w:tcPr><w:tcW w:w="{widths[c]}" w:type="dxa"/>{shade}</w:tcPr>'
                         f'<w:p><w:pPr><w:pStyle w:val="{cell_style}"/></w:pPr>{_runs_xml(runs, bold=label)}'
                         f'</w:p></w:tc>')
        rows.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>" + "".join(cells) + "</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    pad = {side: round(points * 20) for side, points in layout.CELL_PADDING.items()}
    pad["bottom"] -= round(layout.TABLE_GRID * 20)  # a word processor adds the grid line to each row's height
    border = f'w:val="single" w:sz="{round(layout.TABLE_GRID * 8)}" w:space="0" w:color="{layout.RULE.lstrip("#")}"'
    borders = "".join(f"<w:{side} {border}/>" for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    return (f'<w:tbl{" " + decls if decls else ""}><w:tblPr><w:tblStyle w:val="{style_id("Table Grid")}"/>'
            f'<w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="left"/><w:tblInd w:w="0" w:type="dxa"/>'
            f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
            f'<w:tblCellMar><w:top w:w="{pad["top"]}" w:type="dxa"/><w:left w:w="{pad["left"]}" w:type="dxa"/>'
            f'<w:bottom w:w="{pad["bottom"]}" w:type="dxa"/><w:right w:w="{pad["right"]}" w:type="dxa"/>'
            f'</w:tblCellMar>'
            f'<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
            f'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')


def _types_xml(defaults: dict[str, str], overrides: dict[str, str]) -> str:
    out = [_XML_HEAD, '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">']
    out += [f'<Default Extension="{xml_escape(ext, _ATTR)}" ContentType="{xml_escape(defaults[ext], _ATTR)}"/>'
            for ext in sorted(defaults)]
    out += [f'<Override PartName="{xml_escape(name, _ATTR)}" ContentType="{xml_escape(overrides[name], _ATTR)}"/>'
            for name in sorted(overrides)]
    return "".join(out) + "</Types>"


def _rel(rid: str, target: str) -> str:
    return f'<Relationship Id="{rid}" Type="{_RT_IMAGE}" Target="{xml_escape(target, _ATTR)}"/>'


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


@dataclass(frozen=True)
class _Base:
    """A base document compiled for many letters: its zip members in order (``None`` for a part each
    letter writes; ``<logo>`` and ``<signature>`` where the images a letter adds go), the frozen ones
    deflated once, and the text around every piece a letter fills in."""

    members: tuple[tuple[str, _Deflated | None], ...]
    style_ids: dict[str, str]
    document: tuple[str, str, str]  # member name, XML before and after the body's blocks
    document_rels: tuple[str, str]  # member name, XML (rewritten only when a letter adds a signature image)
    document_rids: frozenset[str]
    document_images: dict[str, str]  # image part name -> the rId the document already relates it by
    document_next_id: int
    running: tuple[str, str, str]  # member name, XML before and after the running header's run
    letterhead: tuple[str, str, str, str] | None  # member name, XML before, template paragraph, XML after
    core: tuple[str, str]
    types: tuple[dict[str, str], dict[str, str], frozenset[tuple[str, str]]]  # defaults, overrides, known
    image_parts: tuple[tuple[str, str], ...]  # (sha1, part name) of the base's images
    image_numbers: tuple[int | None, ...]


def _unknown(page: object, block: Block) -> None:
    raise RenderError(f"the DOCX renderer has no rule for a {type(block).__name__} block")
