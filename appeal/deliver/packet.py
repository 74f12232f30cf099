"""The appeal packet: the letter, then every enclosure that has a file, as one PDF.

Payer portals take a few files and a mailroom keeps pages together only when they
say where they belong, so each enclosure page is stamped in its bottom margin
"Exhibit N - page k of n - claim <number>", and the letter's enclosure list gives
each exhibit's pages in the packet.

That list changes the letter, and the letter's length moves the exhibits, so the
packet is built in two passes: first every enclosure is read and its pages counted
(a missing, unreadable, encrypted or corrupt one stops everything: nothing is
written), then the letter is built (``letters.build_letter``, with the page ranges
as the enclosures' labels), drawn and measured; if its page count is not the one
assumed, it is built again with the ranges moved. The loop lives here, and nothing
is written back into the case: the labels go to ``bind`` as exhibit labels.

PDFs are merged and stamped with pypdf; reportlab draws the stamps and places images
(PNG, JPEG, TIFF, one page per TIFF frame) on pages.
"""

from __future__ import annotations

import dataclasses
import io
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from appeal.deliver.files import MAX_NAME, ensure_dir, write_atomic
from appeal.deliver.letter import letter_name, write_letter
from appeal.errors import CaseError, Problem, RenderError
from appeal.inputs.case import Case
from appeal.inputs.workspace import Workspace
from appeal.inputs.yamlread import FileRefused, dotted, open_regular
from appeal.letters.build import Prepared, build_letter
from appeal.letters.templates import TemplateSet
from appeal.reference.citations import CitationLibrary
from appeal.render.fonts import check_fonts
from appeal.render.formats import FORMATS
from appeal.render.images import MAX_PIXELS, check_images

IMAGE_FORMATS = ("PNG", "JPEG", "TIFF")
ACCEPTED = "a PDF (not password-protected), PNG, JPEG or TIFF file"
SUFFIX = "_packet"
STAMP_MARGIN = 0.75 * 72  # the bottom band kept free of image content for the stamp
_MAX_PASSES = 5


@dataclass(frozen=True)
class Exhibit:
    """One enclosure with a file, read and counted; ``pdf`` is the file, or its images on pages."""

    number: int
    index: int  # the enclosure's place in the case's enclosures
    description: str
    path: Path
    pdf: bytes
    pages: int
    first: int = 0  # its first page in the packet, once the letter is measured
    repaired: str | None = None  # what pypdf found damaged and read around (its first complaint), or None

    @property
    def last(self) -> int:
        return self.first + self.pages - 1

    def label(self) -> str:
        """The enclosure's line in the letter: its exhibit number and its pages in the packet."""
        where = f"page {self.first}" if self.pages == 1 else f"pages {self.first}\u2013{self.last}"
        return f"Exhibit {self.number} ({where} of this packet): {self.description}"

    def as_dict(self) -> dict:
        return {"exhibit": self.number, "description": self.description, "file": self.path.name,
                "first_page": self.first, "last_page": self.last}


@dataclass(frozen=True)
class Packet:
    prepared: Prepared
    letter_pdf: bytes
    letter_pages: int
    exhibits: tuple[Exhibit, ...]
    data: bytes


# -- reading the enclosures -----------------------------------------------------------

def read_exhibits(case: Case, workspace: Workspace | None = None, allow_outside: bool = False
                  ) -> tuple[Exhibit, ...]:
    """Every enclosure that has a file, as PDF bytes with its page count; every problem in one error.

    An enclosure must be a regular file within the portal's per-file limit (checked before it is
    read) in the case's folder or the workspace (its symlinks resolved first), unless ``allow_outside``:
    a shared case file must not put another patient's record into a packet sent to a payer.
    """
    limits = workspace or Workspace(root=Path("."))
    limit = limits.portal_max_file_mb * 1_000_000
    roots = [case.source.parent.resolve()] + ([workspace.root.resolve()] if workspace is not None else [])
    accepted = f"{ACCEPTED} of at most {limits.portal_max_file_mb} MB (portal.max_file_mb)"
    exhibits: list[Exhibit] = []
    problems: list[Problem] = []
    for index, enclosure in enumerate(case.enclosures):
        if enclosure.path is None:
            continue
        at = ("enclosures", index, "path")
        try:
            real = enclosure.path.resolve()
            if not allow_outside and not any(real.is_relative_to(root) for root in roots):
                raise _Unusable(f"is outside the case's folder{' and the workspace' if workspace else ''} "
                                f"({real}); give --allow-outside to enclose it")
            with _complaints() as heard:
                pdf, pages = _as_pdf(real, limit)
        except _Unusable as exc:
            problems.append(Problem(str(case.source), f"{enclosure.path}: {exc}", field=dotted(at),
                                    line=case.located.line(at) if case.located else None, accepted=accepted))
            continue
        exhibits.append(Exhibit(len(exhibits) + 1, index, enclosure.description, enclosure.path, pdf, pages,
                                repaired=heard[0] if heard else None))
    if problems:
        raise CaseError(problems)
    return tuple(exhibits)


@contextmanager
def _complaints() -> Iterator[list[str]]:
    """What pypdf logs while a PDF is read (a damaged cross-reference table it reads around, a missing end
    marker), kept for a warning that names the file, instead of bare lines on stderr."""
    import logging

    heard: list[str] = []

    class Heard(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            heard.append(record.getMessage().strip().splitlines()[0] if record.getMessage().strip() else "")

    logger, handler = logging.getLogger("pypdf"), Heard(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield heard
    finally:
        logger.removeHandler(handler)


class _Unusable(Exception):
    """Why an enclosure file cannot go into a packet (becomes a Problem naming it)."""


ENCRYPTED = "the PDF is encrypted (password-protected); portals and payers cannot open it"
MAX_FRAMES = 500  # pages of one TIFF


def _as_pdf(path: Path, limit: int) -> tuple[bytes, int]:
    try:
        data = open_regular(path, limit, kind="a PDF or image file")
    except FileRefused as exc:
        raise _Unusable(str(exc)) from None
    if b"%PDF-" in data[:1024]:
        return data, _pdf_pages(data)
    return _images_as_pdf(data)


def _pdf_pages(data: bytes) -> int:
    """The page count of a PDF that opens without a password; encryption of any kind is refused."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _Unusable(ENCRYPTED)
        pages = len(reader.pages)
        for page in reader.pages:
            page.get_contents()  # reads each page, so a damaged one fails here and not half way through
    except _Unusable:
        raise
    except Exception:  # noqa: BLE001 - whatever pypdf raises on a file it cannot read
        if b"/Encrypt" in data:  # an encryption pypdf cannot even open (certificates, unknown handlers)
            raise _Unusable(ENCRYPTED) from None
        raise _Unusable("the PDF is damaged and cannot be read") from None
    if pages == 0:
        raise _Unusable("the PDF has no pages")
    return pages


def _images_as_pdf(data: bytes) -> tuple[bytes, int]:
    """An image file on US Letter pages, one page per frame (multi-page TIFF scans), one frame at a time.

    Each frame's size is checked before it is decoded, so a decompression bomb is refused, not unpacked.
    """
    import warnings

    from PIL import Image, ImageSequence, UnidentifiedImageError
    from reportlab.pdfgen import canvas

    from appeal.render.pdf import FAMILY, fonts

    fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1, initialFontName=FAMILY)  # no unembedded Helvetica
    count = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            kind = image.format
            if kind not in IMAGE_FORMATS:
                raise _Unusable(f"a {kind} image; a packet takes PNG, JPEG or TIFF")
            frames = getattr(image, "n_frames", 1)
            if frames > MAX_FRAMES:
                raise _Unusable(f"the image has {frames:,} pages; at most {MAX_FRAMES}")
            for frame in ImageSequence.Iterator(image):
                width, height = frame.size
                if width * height > MAX_PIXELS:
                    raise _Unusable(f"an image page is {width:,} x {height:,} pixels (a decompression bomb?); "
                                    f"at most {MAX_PIXELS // 1_000_000} million pixels a page")
                _place_image(pdf, frame.copy(), data if kind == "JPEG" and frames == 1 else None)
                count += 1
    except _Unusable:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _Unusable("the image is too large to open (a decompression bomb?)") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise _Unusable("neither a PDF nor a readable image") from None
    pdf.save()
    return buffer.getvalue(), count


def _place_image(pdf, frame, jpeg: bytes | None) -> None:
    """One image on its own page, portrait or landscape as the image is, at most its natural size."""
    from reportlab.lib.pagesizes import LETTER, landscape
    from reportlab.lib.utils import ImageReader

    width, height = LETTER if frame.height >= frame.width else landscape(LETTER)
    dpi = frame.info.get("dpi", (72, 72))
    natural = (frame.width * 72 / float(dpi[0] or 72), frame.height * 72 / float(dpi[1] or 72))
    box = (width - 72, height - 36 - STAMP_MARGIN)
    scale = min(box[0] / natural[0], box[1] / natural[1], 1.0)
    w, h = natural[0] * scale, natural[1] * scale
    if frame.mode not in ("RGB", "L"):
        frame = frame.convert("RGB")
    source = ImageReader(io.BytesIO(jpeg)) if jpeg else ImageReader(frame)  # a JPEG is embedded as is
    pdf.setPageSize((width, height))
    pdf.drawImage(source, (width - w) / 2, STAMP_MARGIN + (box[1] - h) / 2, w, h)
    pdf.showPage()


# -- the letter with its exhibits' pages ----------------------------------------------

def labels(exhibits: tuple[Exhibit, ...]) -> dict[int, str]:
    """Each exhibit's enclosure line (its number and pages), by the enclosure's index, for ``bind``."""
    return {exhibit.index: exhibit.label() for exhibit in exhibits}


def placed(exhibits: tuple[Exhibit, ...], letter_pages: int) -> tuple[Exhibit, ...]:
    """The exhibits numbered from the page after the letter, in order."""
    out, first = [], letter_pages + 1
    for exhibit in exhibits:
        out.append(dataclasses.replace(exhibit, first=first))
        first += exhibit.pages
    return tuple(out)


def build_packet(prepared: Prepared, templates: TemplateSet, library: CitationLibrary,
                 workspace: Workspace | None = None, allow_outside: bool = False) -> Packet:
    """Read the enclosures, settle the letter's page count with their ranges in it, then merge and stamp."""
    from appeal.render.pdf import render_pdf

    exhibits = read_exhibits(prepared.case, workspace, allow_outside)
    assumed = 1
    for _ in range(_MAX_PASSES):
        exhibits = placed(exhibits, assumed)
        built = build_letter(prepared.case, templates, library, prepared.template, labels(exhibits),
                             prepared.bound.directory)
        built.letter = dataclasses.replace(built.letter, letterhead=prepared.letter.letterhead)  # the profile's
        letter_pdf = render_pdf(built.letter, prepared.page)
        pages = _page_count(letter_pdf)
        if pages == assumed:
            break
        assumed = pages
    else:
        raise RenderError("the letter's page count did not settle with the exhibits' page ranges in it",
                          file=str(prepared.case.source))
    settled = dataclasses.replace(prepared, letter=built.letter, bound=built.bound)
    data = merge(letter_pdf, exhibits, prepared.case.claim.number)
    return Packet(settled, letter_pdf, pages, exhibits, data)


def _page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


# -- merging and stamping -------------------------------------------------------------

def stamp_text(exhibit: int, page: int, pages: int, claim: str) -> str:
    return f"Exhibit {exhibit} - page {page} of {pages} - claim {claim}"


def merge(letter_pdf: bytes, exhibits: tuple[Exhibit, ...], claim: str) -> bytes:
    """The letter's pages, then each exhibit's pages stamped; the letter's metadata on the whole."""
    from pypdf import PdfReader, PdfWriter

    letter = PdfReader(io.BytesIO(letter_pdf))
    writer = PdfWriter()
    writer.append(letter)
    added = []
    for exhibit in exhibits:
        for k, page in enumerate(PdfReader(io.BytesIO(exhibit.pdf)).pages, start=1):
            new = writer.add_page(page)
            new.transfer_rotation_to_content()  # so the stamp lands in the margin as the page is read
            added.append((new, stamp_text(exhibit.number, k, exhibit.pages, claim)))
    # placed in the page's visible box (its CropBox, the MediaBox when it has none): a scan cropped to its paper
    # shows nothing outside it, on screen or in print
    stamps = _stamps([(float(p.cropbox.width), float(p.cropbox.height), text) for p, text in added])
    for (page, _), stamp in zip(added, stamps):
        page.merge_translated_page(stamp, float(page.cropbox.left), float(page.cropbox.bottom))
    meta = {key: value for key, value in (letter.metadata or {}).items() if key != "/Producer"}
    writer.add_metadata({**meta, "/Producer": "appeal (reportlab, pypdf)"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _stamps(pages: list[tuple[float, float, str]]) -> list:
    """One overlay page per ``(width, height, text)``: the text on a white band in the bottom-right margin.

    All overlays are one reportlab document, so the packet embeds the stamp font once.
    """
    from pypdf import PdfReader
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    from appeal.render.pdf import FAMILY, fonts

    fonts()
    size = 8
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1, initialFontName=FAMILY)
    for width, height, text in pages:
        pdf.setPageSize((width, height))
        text_width = stringWidth(text, FAMILY, size)
        x, y = width - 36 - text_width, 18
        pdf.setFillColorRGB(1, 1, 1)
        pdf.rect(x - 4, y - 4, text_width + 8, size + 7, stroke=0, fill=1)
        pdf.setFillColorRGB(0, 0, 0)
        pdf.setFont(FAMILY, size)
        pdf.drawString(x, y, text)
        pdf.showPage()
    pdf.save()
    return list(PdfReader(io.BytesIO(buffer.getvalue())).pages) if pages else []


# -- writing --------------------------------------------------------------------------

def packet_name(stem: str) -> str:
    """``<stem>_packet``, still at most 64 characters."""
    return stem[: MAX_NAME - len(SUFFIX)] + SUFFIX


def unattached(case: Case) -> list[str]:
    """The enclosures the letter lists that the packet does not hold (they have no ``path``)."""
    missing = [e.description for e in case.enclosures if e.path is None]
    if not missing:
        return []
    held = len(case.enclosures) - len(missing)
    return [f"the packet holds the letter{f' and {held} enclosure file(s)' if held else ' only'}: "
            f"{len(missing)} enclosure(s) the letter lists have no file (enclosures[].path), so they are not in it; "
            f"give their files, or send them with the packet"]


def portal_warnings(files: Iterable[Path], workspace: Workspace | None) -> list[str]:
    """What a portal would refuse: more files than it takes, or a file larger than it takes."""
    limits = workspace or Workspace(root=Path("."))
    files = list(files)
    warnings = []
    if len(files) > limits.portal_max_files:
        warnings.append(f"{len(files)} files to upload; the portal takes at most {limits.portal_max_files} "
                        f"(portal.max_files): send one packet (appeal packet)")
    for path in files:
        size_mb = path.stat().st_size / 1_000_000
        if size_mb > limits.portal_max_file_mb:
            warnings.append(f"{path.name} is {size_mb:.1f} MB; the portal takes files up to "
                            f"{limits.portal_max_file_mb} MB (portal.max_file_mb): reduce the scans' resolution")
    return warnings


@dataclass(frozen=True)
class Delivered:
    """What :func:`deliver_packet` wrote: the settled letter, its files (the packet last) and the packet."""

    prepared: Prepared
    outputs: list[Path]
    packet: Path
    letter_pages: int
    exhibits: tuple[Exhibit, ...]

    def as_dict(self) -> dict:
        return {"file": str(self.packet), "letter_pages": self.letter_pages,
                "exhibits": [e.as_dict() for e in self.exhibits]}


def deliver_packet(prepared: Prepared, templates: TemplateSet, library: CitationLibrary, out_dir: Path,
                   workspace: Workspace | None, formats: Iterable[str] = (), allow_outside: bool = False,
                   fax: bool = False, tiff: bool = False, tiff_g4: bool = False, stem: str | None = None) -> Delivered:
    """The packet for a built letter, written beside the letter in ``formats`` (same enclosure list);
    with ``fax`` also the fax PDF (cover sheet, black and white), and with ``tiff`` its TIFF Class F.

    Nothing is written until every enclosure has been read and the packet (and fax) is built. ``stem`` is a
    name the caller has already claimed (``batch``).
    """
    from appeal.deliver import fax as faxing

    check_fonts(prepared.case)
    check_images(prepared.case, letterhead_logo=prepared.letter.letterhead.logo)
    fax = fax or tiff or tiff_g4
    if fax:
        faxing.payer_fax(prepared)  # a payer without a fax number stops here, before any work
    packet = build_packet(prepared, templates, library, workspace, allow_outside)
    fax_data = None
    if fax:
        mono = faxing.monochrome_letter(packet.prepared, packet.letter_pages)
        fax_data = faxing.fax_pdf(packet.prepared, merge(mono, packet.exhibits, prepared.case.claim.number))
    tiff_data = faxing.fax_tiff(fax_data, group4=tiff_g4) if fax_data is not None and (tiff or tiff_g4) else None
    out_dir = ensure_dir(out_dir)
    stem = stem or letter_name(packet.prepared, out_dir)
    formats = tuple(f for f in formats if f in FORMATS)
    outputs = write_letter(packet.prepared, out_dir, formats, stem=stem) if formats else []
    path = out_dir / f"{packet_name(stem)}.pdf"
    write_atomic(path, packet.data)
    faxed = []
    for data, suffix in ((fax_data, ".pdf"), (tiff_data, ".tif")):
        if data is not None:
            faxed.append(out_dir / f"{fax_name(stem)}{suffix}")
            write_atomic(faxed[-1], data)
    packet.prepared.warnings.extend(portal_warnings([path], workspace))
    packet.prepared.warnings.extend(f"{e.path}: the PDF is damaged and was read around it (pypdf: {e.repaired}); "
                                    f"check its pages in the packet (exhibit {e.number})"
                                    for e in packet.exhibits if e.repaired is not None)
    packet.prepared.warnings.extend(unattached(prepared.case))
    return Delivered(packet.prepared, [*outputs, path, *faxed], path, packet.letter_pages, packet.exhibits)


def fax_name(stem: str) -> str:
    """``<stem>_fax``, still at most 64 characters."""
    from appeal.deliver.fax import FAX_SUFFIX

    return stem[: MAX_NAME - len(FAX_SUFFIX)] + FAX_SUFFIX
