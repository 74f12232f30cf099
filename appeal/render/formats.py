"""The format registry: each output format a letter is drawn in, and its renderer.

The ``--format`` choices come from :data:`FORMATS`. A renderer module is imported
only when its format is drawn, so ``appeal --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

from appeal.errors import OutputError
from appeal.letters.document import Letter, PageSetup

FORMATS = ("docx", "pdf")


def render(letter: Letter, fmt: str, identifier: str = "", reference_docx: Path | None = None,
           page: PageSetup | None = None, layout_only: bool = False) -> bytes:
    """The letter drawn in ``fmt``; ``identifier`` (the case key) goes into the DOCX's properties. With
    ``layout_only`` (``appeal validate``: nothing is kept), the PDF is set on its pages and not written
    (``pdf.render_pdf``)."""
    if fmt == "docx":
        from appeal.render.docx import render_docx

        return render_docx(letter, identifier=identifier, reference=reference_docx, page=page)
    if fmt == "pdf":
        from appeal.render.pdf import render_pdf

        return render_pdf(letter, page, layout_only=layout_only)
    raise OutputError(f"unknown format '{fmt}'", file="--format")
