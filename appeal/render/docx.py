"""Draw a :class:`~appeal.document.Letter` as a Word document.

The letter's parts are written as text from prebuilt pieces (:mod:`appeal.render.wordml`) into a base
compiled once per process (:func:`appeal.render.docx_api.compile_base`); the bytes are what python-docx's
own API would save (:mod:`appeal.render.docx_api`, the oracle in the tests). python-docx is imported only to
compile a base, and the blank base is kept compiled on disk (no PHI: python-docx's template and our styles),
so a cold start draws a letter without importing it.

Headers and footers carry PAGE and NUMPAGES fields; the running header is on every page after the first.
A *reference DOCX* (the practice's own letterhead document, as pandoc's ``--reference-doc``) supplies the
styles, page setup, header and logo: the letter starts from it with its body cleared. When its first-page
header has content, that header is the letterhead and none is drawn in the body.

One function per block type; an unknown block type is an error.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import importlib.util
import json
import os
import posixpath
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

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
    _ATTR,
    _MARK_DAY,
    _QUOTE,
    _RELS_NS,
    _XML_HEAD,
    _Base,
    _border,
    _Deflated,
    _hex,
    _r,
    _raw_t,
    _rel,
    _runs,
    _slot,
    _spacing,
    _table_xml,
    _tw,
    _types_xml,
    _unknown,
    _zip,
    xml_escape,
)
from appeal.resources import cache_dir, keep_entry


def render_docx(letter: Letter, *, identifier: str = "", reference: Path | None = None,
                page: layout.PageSetup | None = None) -> bytes:
    """The letter as DOCX bytes; ``reference`` is the practice's reference DOCX, if any."""
    setup = page or layout.PageSetup()
    base = _reference_package(reference) if reference is not None else _blank_package()
    if isinstance(base, _Base):
        return _render_fast(base, letter, identifier, setup)
    from appeal.render import docx_api  # a base the pieces cannot fill: the python-docx way

    return docx_api.render(base, letter, identifier, setup)


@lru_cache(maxsize=1)
def _blank_package() -> _Base | bytes:
    """The blank base compiled: from the disk cache when an earlier process left it, else built with
    python-docx (and left there for the next process)."""
    key = _cache_key() if cache_dir("docx") is not None else None
    cached = _read_cache(key) if key else None
    if cached is not None:
        return cached
    from appeal.render import docx_api

    blank = docx_api._blank()
    compiled = docx_api.compile_base(blank)
    if compiled is None:
        return blank
    if key:
        _write_cache(key, compiled)
    return compiled


def _reference_package(path: Path | str) -> _Base | bytes:
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise RenderError("the reference DOCX was not found", file=str(path)) from None
    return _reference_package_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _reference_package_cached(path: str, mtime_ns: int, size: int) -> _Base | bytes:
    from appeal.render import docx_api

    base = docx_api._reference_base(path, mtime_ns, size)
    return docx_api.compile_base(base) or base


# -- the compiled blank base on disk: python-docx's template and our styles, never a letter's text ----------

_CACHE_FORMAT = 1


def _cache_key() -> str | None:
    """What the compiled blank base depends on: python-docx's and lxml's code and template, ours, and the
    layout's values; None when python-docx cannot be found (then compiling reports it)."""
    digest = hashlib.sha256(f"{_CACHE_FORMAT} {sys.version_info[:2]}".encode())
    try:
        for package, files in (("docx", ("__init__.py", "templates/default.docx", "templates/default-header.xml",
                                         "templates/default-footer.xml")), ("lxml", ("__init__.py",))):
            spec = importlib.util.find_spec(package)
            if spec is None or not spec.submodule_search_locations:
                return None
            folder = Path(next(iter(spec.submodule_search_locations)))
            for name in files:
                digest.update(name.encode() + (folder / name).read_bytes())
        here = Path(__file__).parent
        for name in ("docx_api.py", "wordml.py", "layout.py"):
            digest.update(name.encode() + (here / name).read_bytes())
    except OSError:
        return None
    digest.update(repr((layout.STYLES, layout.FAMILIES, layout.PAGE_WIDTH, layout.PAGE_HEIGHT, layout.MARGIN,
                        layout.HEADER_DISTANCE, layout.FOOTER_DISTANCE)).encode())
    return digest.hexdigest()[:32]


def _read_cache(key: str) -> _Base | None:
    folder = cache_dir("docx")
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"blank-{key}.json").read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        return _Base(
            members=tuple((name, None if member is None else _Deflated(member[0], member[1],
                                                                      base64.b64decode(member[2])))
                          for name, member in data["members"]),
            style_ids=dict(data["style_ids"]),
            document=tuple(data["document"]),
            document_rels=tuple(data["document_rels"]),
            document_rids=frozenset(data["document_rids"]),
            document_images=dict(data["document_images"]),
            document_next_id=int(data["document_next_id"]),
            running=tuple(data["running"]),
            letterhead=None if data["letterhead"] is None else tuple(data["letterhead"]),
            core=tuple(data["core"]),
            types=(dict(data["types"][0]), dict(data["types"][1]), frozenset(map(tuple, data["types"][2]))),
            image_parts=tuple(map(tuple, data["image_parts"])),
            image_numbers=tuple(data["image_numbers"]),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None  # none yet, or unreadable: compile it again


def _write_cache(key: str, base: _Base) -> None:
    """Kept in the cache folder (``resources.keep_entry``: atomic, older versions' files removed)."""
    data = dataclasses.asdict(base)
    data["key"] = key
    data["members"] = [(name, None if m is None else (m.crc, m.size, base64.b64encode(m.data).decode("ascii")))
                       for name, m in base.members]
    data["document_rids"] = sorted(base.document_rids)
    data["types"] = [base.types[0], base.types[1], sorted(base.types[2])]
    folder = cache_dir("docx")
    if folder is not None:
        keep_entry(folder, f"blank-{key}.json", json.dumps(data).encode("utf-8"), "blank-*.json")


class _Para:
    """A paragraph of the body: its style id, its keep-with-next (None, True or False: python-docx writes
    ``w:val="0"`` for False), the rest of its properties and its runs."""

    __slots__ = ("style", "keep", "ppr", "runs")

    def __init__(self, style: str, runs: str = "", ppr: str = "", keep: bool | None = None) -> None:
        self.style, self.runs, self.ppr, self.keep = style, runs, ppr, keep

    def xml(self) -> str:
        keep = "" if self.keep is None else "<w:keepNext/>" if self.keep else '<w:keepNext w:val="0"/>'
        style = f'<w:pStyle w:val="{self.style}"/>' if self.style else ""
        ppr = style + keep + self.ppr
        if ppr:
            return f"<w:p><w:pPr>{ppr}</w:pPr>{self.runs}</w:p>"
        return f"<w:p>{self.runs}</w:p>" if self.runs else "<w:p/>"


@dataclass(frozen=True)
class _ImageInfo:
    """What python-docx reads from an image file to place it."""

    blob: bytes
    sha1: str
    ext: str
    content_type: str
    filename: str
    width: int  # EMU at the image's own resolution
    height: int


def _image(path: Path, field: str) -> _ImageInfo:
    try:
        stat = Path(path).stat()
    except FileNotFoundError:
        raise RenderError(f"{field}: image file not found", file=str(path)) from None
    except OSError as exc:
        raise RenderError(f"{field}: not a usable image ({type(exc).__name__})", file=str(path)) from None
    return _image_cached(str(path), stat.st_mtime_ns, stat.st_size, field)


@lru_cache(maxsize=8)
def _image_cached(path: str, mtime_ns: int, size: int, field: str) -> _ImageInfo:
    """A PNG's header read here, as python-docx reads it; any other image (or a PNG this cannot read)
    through python-docx's image module, which also names what is wrong with a bad one."""
    try:
        blob = Path(path).read_bytes()
    except FileNotFoundError:
        raise RenderError(f"{field}: image file not found", file=path) from None
    except OSError as exc:
        raise RenderError(f"{field}: not a usable image ({type(exc).__name__})", file=path) from None
    png = _png_size(blob)
    if png is not None and int(png[0] / png[2] * 914400):
        px_width, px_height, horz_dpi, vert_dpi = png
        return _ImageInfo(blob, hashlib.sha1(blob).hexdigest(), "png", "image/png", os.path.basename(path),
                          int(px_width / horz_dpi * 914400), int(px_height / vert_dpi * 914400))
    from docx.image.image import Image

    try:
        image = Image.from_file(path)
        info = _ImageInfo(image.blob, image.sha1, image.ext, image.content_type, image.filename,
                          int(image.width), int(image.height))
        if not info.width:
            raise ZeroDivisionError  # python-docx scales the picture by its width
    except FileNotFoundError:
        raise RenderError(f"{field}: image file not found", file=path) from None
    except Exception as exc:  # python-docx raises several types for a bad image
        raise RenderError(f"{field}: not a usable image ({type(exc).__name__})", file=path) from None
    return info


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(blob: bytes) -> tuple[int, int, int, int] | None:
    """A PNG's pixel size and resolution as python-docx's ``Png`` reads them (its chunks walked to IEND,
    the first IHDR and pHYs; 72 dpi unless pHYs gives pixels per metre), or None to leave it to
    python-docx."""
    if not blob.startswith(_PNG_SIGNATURE):
        return None
    chunks: dict[bytes, int] = {}
    offset = 8
    while True:
        if offset + 8 > len(blob):
            return None
        length, kind = int.from_bytes(blob[offset:offset + 4], "big"), blob[offset + 4:offset + 8]
        chunks.setdefault(kind, offset + 8)
        if kind == b"IEND":
            break
        offset += 12 + length
    ihdr, phys = chunks.get(b"IHDR"), chunks.get(b"pHYs")
    if ihdr is None or ihdr + 8 > len(blob) or (phys is not None and phys + 9 > len(blob)):
        return None
    width, height = int.from_bytes(blob[ihdr:ihdr + 4], "big"), int.from_bytes(blob[ihdr + 4:ihdr + 8], "big")
    horz = vert = 72
    if phys is not None and blob[phys + 8] == 1:
        per_metre = int.from_bytes(blob[phys:phys + 4], "big"), int.from_bytes(blob[phys + 4:phys + 8], "big")
        horz, vert = (int(round(p * 0.0254)) if p else 72 for p in per_metre)
    if not (width and height and horz and vert):
        return None
    return width, height, horz, vert


@dataclass
class _Images:
    """The images a letter adds to its package, as python-docx's ``ImageParts`` would name them."""

    base: _Base
    added: list[tuple[str, _ImageInfo]] = field(default_factory=list)  # (partname, image)

    def partname(self, image: _ImageInfo) -> str:
        """The image's part name: the part of the same picture (by SHA-1) if the package has one, else a
        new one, numbered from 1 using any gap."""
        for sha1, partname in self.base.image_parts:
            if sha1 == image.sha1:
                return partname
        for partname, known in self.added:
            if known.sha1 == image.sha1:
                return partname
        used = [number for number in self.base.image_numbers] + [_number(p) for p, _ in self.added]
        count = len(used)
        n = next((n for n in range(1, count + 1) if n not in used), count + 1)
        partname = f"/word/media/image{n}.{image.ext}"
        self.added.append((partname, image))
        return partname


def _number(partname: str) -> int | None:
    match = re.search(r"(\d+)\.[^./]*$", partname)
    return int(match.group(1)) if match else None


def _inline(image: _ImageInfo, rid: str, shape_id: int, max_width: float, max_height: float) -> str:
    """``run.add_picture(path, width=max_width)``, shrunk to ``max_height`` as :func:`_picture` does."""
    cx = int(max_width * 12700)
    cy = round(image.height * (float(cx) / float(image.width)))
    top = int(max_height * 12700)
    if cy > top:
        cx, cy = int(cx * top / cy), top
    return (f'<w:r><w:drawing><wp:inline xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
            f'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><wp:extent cx="{cx}" cy="{cy}"/>'
            f'<wp:docPr id="{shape_id}" name="Picture {shape_id}"/><wp:cNvGraphicFramePr><a:graphicFrameLocks '
            f'noChangeAspect="1"/></wp:cNvGraphicFramePr><a:graphic><a:graphicData '
            f'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr '
            f'id="0" name="{xml_escape(image.filename, _ATTR)}"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill>'
            f'<a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm>'
            f'<a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr>'
            f'</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>')


class _Writer:
    """One letter being written into a compiled base: the body's blocks, and the images it adds."""

    def __init__(self, base: _Base) -> None:
        self.base = base
        self.body: list[_Para | str] = []
        self.images = _Images(base)
        self.document_rels: list[str] = []  # new relationships of the document part
        self.rids = set(base.document_rids)
        self.related = dict(base.document_images)
        self.next_id = base.document_next_id
        self.logo_rel = ""
        self.logo_part = ""

    def sid(self, name: str) -> str:
        return xml_escape(self.base.style_ids[name], _QUOTE)

    def plain(self, style: str, text: str | None) -> None:
        """``_Page.add``: a paragraph in ``style``, with ``text`` as one run when there is any."""
        self.body.append(_Para(self.sid(style), _r(text) if text else ""))

    def signature_image(self, path: Path, max_width: float, max_height: float) -> str:
        image = _image(path, "signer.signature")
        partname = self.images.partname(image)
        rid = self.related.get(partname)
        if rid is None:
            rid = next(f"rId{n}" for n in range(1, len(self.rids) + 2) if f"rId{n}" not in self.rids)
            self.rids.add(rid)
            self.related[partname] = rid
            folder = posixpath.dirname("/" + self.base.document[0])
            self.document_rels.append(_rel(rid, posixpath.relpath(partname, folder)))
        shape_id, self.next_id = self.next_id, self.next_id + 1
        return _inline(image, rid, shape_id, max_width, max_height)

    def logo(self, path: Path, max_width: float, max_height: float) -> str:
        image = _image(path, "provider.logo")
        partname = self.images.partname(image)
        name = self.base.letterhead[0] if self.base.letterhead else ""
        self.logo_part = partname
        self.logo_rel = _rel("rId1", posixpath.relpath(partname, posixpath.dirname("/" + name)))
        return _inline(image, "rId1", 1, max_width, max_height)


def _render_fast(base: _Base, letter: Letter, identifier: str, setup: layout.PageSetup) -> bytes:
    """:func:`appeal.render.docx_api._fill`, then python-docx's save, as text: the same bytes (the oracle
    test), in one zip pass, each member dated with the letter's date."""
    writer = _Writer(base)
    live: dict[str, str] = {}
    name, head, tail = base.running
    live[name] = head + _r(letter.running_header) + tail
    if base.letterhead is not None:
        name, head, template, tail = base.letterhead
        live[name] = head + _letterhead_xml(writer, letter, setup, template) + tail
    blocks = letter.blocks
    if setup.envelope == "window-10":
        _window_para(writer, next((b for b in blocks if isinstance(b, Recipient)), None))
    for i, block in enumerate(blocks):
        if isinstance(block, Recipient) and setup.envelope == "window-10":
            continue
        if isinstance(block, BulletList):
            _list_fast(writer, block, list_keeps(blocks, i))
        else:
            _FAST.get(type(block), _unknown)(writer, block)
        if keeps_with_next(blocks, i):
            last = next((item for item in reversed(writer.body) if isinstance(item, _Para)), None)
            if last is not None:
                last.keep = True
    name, head, tail = base.document
    live[name] = head + "".join(item if isinstance(item, str) else item.xml() for item in writer.body) + tail
    if writer.document_rels:
        name, xml = base.document_rels
        live[name] = xml[:-len("</Relationships>")] + "".join(writer.document_rels) + "</Relationships>"
    name, xml = base.core
    live[name] = _core_xml(xml, letter, identifier)
    added = writer.images.added
    if added:
        defaults, overrides, known = base.types
        defaults, overrides = dict(defaults), dict(overrides)
        for partname, image in added:
            ext = partname.rsplit(".", 1)[1]
            if (ext.lower(), image.content_type) in known:
                defaults[ext] = image.content_type
            else:
                overrides[partname] = image.content_type
        live["[Content_Types].xml"] = _types_xml(defaults, overrides)
    day = dt.date.fromisoformat(letter.meta["date"])
    stamp = (max(day.year, 1980), day.month, day.day, 12, 0, 0)
    return _zip(list(_fast_members(base, live, writer)), stamp)


def _fast_members(base: _Base, live: dict[str, str], writer: _Writer):
    written = {partname for _, partname in base.image_parts}
    added = dict((partname, image) for partname, image in writer.images.added)

    def image(partname: str):
        if partname in added and partname not in written:
            written.add(partname)
            yield partname[1:], _Deflated.of(added[partname].blob)

    for name, frozen in base.members:
        if name == "<logo>":
            if writer.logo_rel:
                header = base.letterhead[0] if base.letterhead else ""
                rels = posixpath.join(posixpath.dirname(header), "_rels", posixpath.basename(header) + ".rels")
                yield rels, _Deflated.of(
                    f'{_XML_HEAD}<Relationships xmlns="{_RELS_NS}">{writer.logo_rel}</Relationships>'.encode())
                yield from image(writer.logo_part)
        elif name == "<signature>":
            for partname in writer.related:
                if partname not in base.document_images:
                    yield from image(partname)
        elif name in live:
            yield name, _Deflated.of(live[name].encode("utf-8"))
        elif frozen is not None:
            yield name, frozen


_TEXT = {"\r": "&#13;"}  # how lxml writes a carriage return in a text node


def _core_xml(xml: str, letter: Letter, identifier: str) -> str:
    values = {"title": letter.title, "author": letter.author, "subject": letter.subject,
              "keywords": ", ".join(letter.keywords), "identifier": identifier}
    for value in values.values():
        if len(value) > 255:
            raise ValueError(f"exceeded 255 char limit for property, got:\n\n'{value}'")
    for key, value in values.items():
        xml = xml.replace(_slot(key), xml_escape(value, _TEXT))
    stamp = dt.datetime.fromisoformat(letter.meta["date"] + "T12:00:00").strftime("%Y-%m-%dT%H:%M:%SZ")
    return xml.replace(f"{_MARK_DAY}T12:00:00Z", stamp)


def _letterhead_xml(writer: _Writer, letter: Letter, setup: layout.PageSetup, template: str) -> str:
    """:func:`_letterhead` as text."""
    from appeal.render.pdf import letterhead_lines, logo_size

    name, lines = letterhead_lines(letter, setup.letterhead_font)
    logo = logo_size(letter)
    align = "right" if logo is not None else "center"
    word = xml_escape(layout.FAMILIES[setup.letterhead_font].word, _ATTR)
    colour = f'<w:color w:val="{_hex(setup.accent)}"/>' if setup.accent else ""
    paragraphs = []
    for i, text in enumerate(name + lines):
        is_name = i < len(name)
        spacing = ""
        if is_name:
            after = layout.STYLES["letterhead_name"].after if i == len(name) - 1 else 0
            spacing = f'<w:spacing w:after="{_tw(after)}"/>'
        style = writer.sid("Letterhead Name" if is_name else "Letterhead")
        rpr = f'<w:rFonts w:ascii="{word}" w:hAnsi="{word}"/>' + (colour if is_name else "")
        paragraphs.append(f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{spacing}<w:jc w:val="{align}"/></w:pPr>'
                          f"{_r(text, rpr)}</w:p>")
    rule = (f'<w:p><w:pPr><w:pStyle w:val="{writer.sid("Letterhead")}"/>'
            f"{_spacing(layout.RULE_ABOVE, layout.RULE_BELOW)}{_border(setup.accent)}</w:pPr></w:p>")
    if logo is None:
        return "".join(paragraphs or [template]) + rule
    twips = lambda points: round(points * 20)  # noqa: E731
    widths = (twips(logo[0] + layout.LOGO_GAP), twips(layout.letterhead_text_width(logo[0])))
    assert letter.letterhead.logo is not None
    picture = writer.logo(letter.letterhead.logo, logo[0], logo[1])
    cells = (f'<w:p><w:pPr>{_spacing(logo[1])}</w:pPr>{picture}</w:p>', "".join(paragraphs) or "<w:p/>")
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    row = "".join(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>{cell}</w:tc>'
                  for w, cell in zip(widths, cells))
    return (f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblInd w:w="0" '
            f'w:type="dxa"/><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left '
            f'w:w="0" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar>'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid><w:tr>{row}</w:tr></w:tbl>{rule}")


def _window_para(writer: _Writer, recipient: Recipient | None) -> None:
    """:func:`_window_address` as text."""
    from appeal.render.pdf import fit_address

    band, box = layout.WINDOW_10.keep_clear(), layout.WINDOW_10.address_box()
    twips = lambda points: round(points * 20)  # noqa: E731
    fitted = fit_address(recipient) if recipient is not None and recipient.address else None
    size, leading, lines = fitted if fitted else (layout.ADDRESS_SIZES[0][0], layout.ADDRESS_SIZES[0][1], [])
    runs = "<w:r><w:br/></w:r>".join(
        f'<w:r><w:rPr><w:sz w:val="{round(size * 2)}"/></w:rPr>{_raw_t(line)}</w:r>' for line in lines)
    ppr = (f'<w:framePr w:w="{twips(band.width)}" w:h="{twips(band.height)}" w:hRule="exact" w:wrap="notBeside" '
           f'w:vAnchor="page" w:hAnchor="page" w:x="{twips(band.left)}" w:y="{twips(band.top)}"/>'
           f'<w:spacing w:before="{twips(box.top - band.top + layout.ADDRESS_INSET)}" w:after="0" '
           f'w:line="{twips(leading)}" w:lineRule="exact"/><w:ind w:left="{twips(box.left - band.left)}" '
           f'w:right="0"/>')
    writer.body.append(_Para(writer.sid("Address"), runs, ppr))


def _heading_fast(writer: _Writer, block: Heading) -> None:
    writer.body.append(_Para(writer.sid(f"Heading {heading_level(block.level)}"), _runs(block.runs),
                             "<w:pageBreakBefore/>" if block.new_page else "", keep=True))


def _paragraph_fast(writer: _Writer, block: Paragraph) -> None:
    style = {"address": "Address", "small": "Reference"}.get(block.style, "Normal")
    writer.body.append(_Para(writer.sid(style), _runs(block.runs)))


def _recipient_fast(writer: _Writer, block: Recipient) -> None:
    runs = "<w:r><w:br/></w:r>".join(_r(line) for line in block.lines())
    writer.body.append(_Para(writer.sid("Address"), runs))


def _quote_fast(writer: _Writer, block: Quote) -> None:
    writer.plain("Quote", block.text)
    writer.plain("Quote Attribution", block.attribution)


def _list_fast(writer: _Writer, block: BulletList, keeps: list[bool]) -> None:
    style = writer.sid("List Number" if block.ordered else "List Bullet")
    for item, keep in zip(block.items, keeps):
        writer.body.append(_Para(style, _runs(item), keep=keep))


def _table_fast(writer: _Writer, block: Table) -> None:
    writer.body.append(_table_xml(writer.sid, block))
    writer.body.append(_Para("", "", _spacing(layout.TABLE_SPACE_AFTER)))


def _signature_fast(writer: _Writer, block: Signature) -> None:
    width = round(layout.text_width() * 20)
    normal = writer.sid("Normal")
    if block.image is not None:
        picture = writer.signature_image(block.image, layout.SIGNATURE_IMAGE[0], layout.SIGNATURE_IMAGE[1])
        mark = (f'<w:p><w:pPr><w:pStyle w:val="{normal}"/><w:spacing w:line="240" w:lineRule="auto" w:after="0"/>'
                f"</w:pPr>{picture}</w:p>")
    else:
        mark = (f'<w:p><w:pPr><w:pStyle w:val="{normal}"/>{_spacing(layout.SIGNATURE_GAP, 3.6)}'
                f'<w:ind w:right="{_tw(layout.text_width() - layout.SIGNATURE_LINE_WIDTH)}"/><w:pBdr><w:bottom '
                f'w:val="single" w:sz="4" w:space="0" w:color="000000"/></w:pBdr></w:pPr></w:p>')
    lines = "".join(f'<w:p><w:pPr><w:pStyle w:val="{writer.sid("Signer")}"/></w:pPr>{_r(line)}</w:p>'
                    for line in block.lines)
    writer.body.append(
        f'<w:tbl><w:tblPr><w:tblW w:w="{width}" w:type="dxa"/><w:tblInd w:w="0" w:type="dxa"/><w:tblLayout '
        f'w:type="fixed"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="0" w:type="dxa"/><w:bottom '
        f'w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid><w:gridCol '
        f'w:w="{width}"/></w:tblGrid><w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:w="{width}" '
        f'w:type="dxa"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{normal}"/></w:pPr>{_r(block.closing)}</w:p>{mark}'
        f'<w:p><w:pPr><w:pStyle w:val="{writer.sid("Signer Name")}"/></w:pPr>{_r(block.name)}</w:p>{lines}'
        f"</w:tc></w:tr></w:tbl>")


def _references_fast(writer: _Writer, block: References) -> None:
    if not block.entries:
        return
    _heading_fast(writer, Heading((Run(block.title),), level=2))
    for entry in block.entries:
        writer.plain("Reference List", entry)


_FAST: dict[type, Callable] = {
    Heading: _heading_fast,
    Paragraph: _paragraph_fast,
    Recipient: _recipient_fast,
    Quote: _quote_fast,
    Table: _table_fast,
    Signature: _signature_fast,
    References: _references_fast,
}
