"""Fax delivery: a cover sheet, then the letter and its exhibits in black and white; and a TIFF for fax servers.

The fax PDF is the packet drawn again in black and white (``PageSetup.monochrome``: no
grey text, no shading, no accent colour; text stays text), after a cover sheet that
gives the payer's fax, the practice's fax and phone, the date, the page count (cover
included), the claim number and no other PHI, and a confidentiality notice. Every image
in it (logo, signature, scanned exhibits, stationery) becomes 1-bit.

The TIFF is TIFF Class F at fine resolution: 204 x 196 dpi, 1728 pixels wide, each page
scaled to fit that width (never cropped), one frame per page, Group 3 2-D (T4Options
2-D bit set), or Group 4. Pages are rasterised by poppler's ``pdftoppm`` when it is on
PATH, else by pypdfium2 (a dependency, so a fresh machine always has one of them); the
scratch files live in a private temporary folder removed at once.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from appeal.errors import CaseError, Problem, RenderError
from appeal.letters.build import Prepared
from appeal.letters.templates import long_date

FAX_SUFFIX = "_fax"
FAX_WIDTH = 1728  # pixels: a fax line at fine resolution
FAX_DPI = (204, 196)
T4_OPTIONS = 292  # the TIFF tag; bit 0 set is 2-D coding
CONFIDENTIAL = (
    "Confidential: this fax is meant only for the appeals staff of the payer named above. It may contain "
    "protected health information that the law requires to be kept private. If it has reached you by mistake, "
    "please call the sender at once and destroy every page; do not read, copy or pass it on."
)


def payer_fax(prepared: Prepared) -> str:
    """The payer's fax number, else an error naming the field (nothing is written)."""
    case = prepared.case
    digits = re.sub(r"\D", "", case.payer.fax or "")
    if 10 <= len(digits) <= 15:  # a North American number (10, or 11 with its 1) up to the longest international
        return case.payer.fax or ""
    line = case.located.line(("payer",)) if case.located else None
    why = ("a fax needs the payer's fax number, and the case has none" if not case.payer.fax else
           f"the payer's fax '{case.payer.fax}' is not a fax number (it holds {len(digits)} digits)")
    raise CaseError([Problem(str(case.source), why, line=line, field="payer.fax",
                             accepted="the appeals fax from the payer's provider manual or denial letter "
                                      "(payer.fax in the case, or the payer's entry in appeal.yaml)")])


def cover_lines(prepared: Prepared, total_pages: int) -> list[tuple[str, str]]:
    """The cover sheet's rows, ``(label, value)``: the claim number is the only PHI on it."""
    case = prepared.case
    payer, provider = case.payer, case.provider
    return [
        ("To", payer.name),
        ("Attention", re.sub(r"^(attn|attention)\s*:?\s*", "", payer.attention, flags=re.I) if payer.attention
         else "Appeals"),
        ("Fax", payer_fax(prepared)),
        ("From", provider.name),
        ("Fax", provider.fax or "(none on file)"),
        ("Phone", provider.phone or "(none on file)"),
        ("Date", long_date(case.appeal.date)),
        ("Pages", f"{total_pages} (including this cover sheet; the letter's page numbers count from the page "
                  f"after it)"),  # the letter names its exhibits' pages in the packet, which starts after the cover
        ("Re", f"Appeal of claim {case.claim.number}"),
    ]


def cover_page(prepared: Prepared, total_pages: int) -> bytes:
    """The cover sheet as a one-page PDF, in the letter's embedded font."""
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    from appeal.render import layout
    from appeal.render.pdf import FAMILY, face, fonts

    fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(layout.PAGE_WIDTH, layout.PAGE_HEIGHT), invariant=1,
                        initialFontName=FAMILY)
    pdf.setTitle(f"Fax: appeal of claim {prepared.case.claim.number}")
    left, y = layout.MARGIN, layout.PAGE_HEIGHT - layout.MARGIN - 28
    pdf.setFont(face(bold=True), 28)
    pdf.drawString(left, y, "FAX")
    y -= 40
    for label, value in cover_lines(prepared, total_pages):
        pdf.setFont(face(bold=True), 13)
        pdf.drawString(left, y, label + ":")
        pdf.setFont(FAMILY, 13)
        pdf.drawString(left + 1.2 * layout.INCH, y, unicodedata.normalize("NFC", value))
        y -= 24
    y -= 20
    pdf.setLineWidth(1)
    pdf.line(left, y + 12, layout.PAGE_WIDTH - left, y + 12)
    pdf.setFont(FAMILY, 10.5)
    for line in simpleSplit(CONFIDENTIAL, FAMILY, 10.5, layout.text_width()):
        y -= 14
        pdf.drawString(left, y, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def monochrome_letter(prepared: Prepared, letter_pages: int) -> bytes:
    """The letter drawn again in black and white; only colours differ, so its pages are the same."""
    from pypdf import PdfReader

    from appeal.render.pdf import render_pdf

    mono = render_pdf(prepared.letter, dataclasses.replace(prepared.page, monochrome=True))
    if len(PdfReader(io.BytesIO(mono)).pages) != letter_pages:
        raise RenderError("the black-and-white letter did not keep the letter's page count",
                          file=str(prepared.case.source))
    return mono


def fax_pdf(prepared: Prepared, body_pdf: bytes) -> bytes:
    """Cover sheet, then ``body_pdf`` (the black-and-white letter and its stamped exhibits), every image 1-bit."""
    from pypdf import PdfReader, PdfWriter

    body = PdfReader(io.BytesIO(body_pdf))
    cover = PdfReader(io.BytesIO(cover_page(prepared, 1 + len(body.pages))))
    writer = PdfWriter()
    writer.append(cover)
    writer.append(body)
    for page in writer.pages:
        for image in page.images:
            image.replace(_one_bit(image.image))
    writer.add_metadata({"/Title": f"Fax: appeal of claim {prepared.case.claim.number}",
                         "/Producer": "appeal (reportlab, pypdf)"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _one_bit(image):
    """An image as 1-bit black and white (transparent parts white), as a fax prints it."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(white, image)
    return image.convert("L").convert("1")


# -- TIFF Class F ---------------------------------------------------------------------

def fax_tiff(pdf: bytes, group4: bool = False) -> bytes:
    """Every page of ``pdf`` as a frame of a TIFF Class F (Group 3 2-D, or Group 4)."""
    frames = [_fit(frame) for frame in rasterise(pdf)]
    buffer = io.BytesIO()
    options: dict[str, Any] = {"compression": "group4" if group4 else "group3", "dpi": FAX_DPI}
    if not group4:
        options["tiffinfo"] = {T4_OPTIONS: 1}
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:], **options)
    return buffer.getvalue()


def frame_size(width_pt: float, height_pt: float) -> tuple[int, int]:
    """A page's size in fax pixels: scaled to 1728 wide, its height at 196 dpi in the same proportion."""
    scale = FAX_WIDTH / (width_pt / 72 * FAX_DPI[0])
    return FAX_WIDTH, round(height_pt / 72 * FAX_DPI[1] * scale)


def rasterise(pdf: bytes) -> list:
    """Each page as a 1-bit Pillow image of :func:`frame_size`: pdftoppm if installed, else pypdfium2."""
    from pypdf import PdfReader

    sizes = [frame_size(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(io.BytesIO(pdf)).pages]
    if shutil.which("pdftoppm"):
        return _with_pdftoppm(pdf, sizes)
    return _with_pdfium(pdf, sizes)


def _with_pdftoppm(pdf: bytes, sizes: list[tuple[int, int]]) -> list:
    from PIL import Image

    frames = []
    with tempfile.TemporaryDirectory(prefix="appeal-fax-") as scratch:  # mode 0700, removed at once
        source = Path(scratch) / "fax.pdf"
        source.write_bytes(pdf)
        for number, (width, height) in enumerate(sizes, start=1):
            target = Path(scratch) / f"page{number}"
            subprocess.run(["pdftoppm", "-f", str(number), "-l", str(number), "-singlefile", "-mono",
                            "-scale-to-x", str(width), "-scale-to-y", str(height), str(source), str(target)],
                           check=True, capture_output=True, timeout=120)
            with Image.open(target.with_suffix(".pbm")) as image:
                frames.append(image.convert("1"))
    return frames


def _with_pdfium(pdf: bytes, sizes: list[tuple[int, int]]) -> list:
    import pypdfium2  # type: ignore[import-untyped]

    document = pypdfium2.PdfDocument(pdf)
    try:
        frames = []
        for number, (width, height) in enumerate(sizes):
            page = document[number]
            scale = width / page.get_width()
            image = page.render(scale=scale, grayscale=True).to_pil()
            frames.append(image.convert("L").resize((width, height)).point(lambda v: 255 if v > 160 else 0, "1"))
        return frames
    finally:
        document.close()


def _fit(frame):
    """Exactly 1728 pixels wide (a rasteriser may round a pixel either way)."""
    from PIL import Image

    if frame.width == FAX_WIDTH:
        return frame
    fitted = Image.new("1", (FAX_WIDTH, frame.height), 1)
    fitted.paste(frame.crop((0, 0, min(frame.width, FAX_WIDTH), frame.height)), (0, 0))
    return fitted
