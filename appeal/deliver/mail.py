"""Mail: one print file of a day's letters, for a duplex printer.

Each letter (its packet: the letter, then its exhibits) starts on an odd page: a letter
with an odd number of pages is followed by a blank page, so no letter is printed on
the back of another's last sheet.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterable

from appeal.deliver.files import write_atomic

PRINT_SUFFIX = ".pdf"


def print_file(letters: Iterable[Path], target: Path) -> tuple[int, list[int]]:
    """Write ``letters`` (PDFs, in order) to ``target`` as one PDF; returns the page count and the page on
    which each letter starts (always odd)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    starts = []
    for path in letters:
        reader = PdfReader(str(path))
        starts.append(len(writer.pages) + 1)
        writer.append(reader)
        if len(reader.pages) % 2:
            last = reader.pages[-1]
            writer.add_blank_page(float(last.mediabox.width), float(last.mediabox.height))
    writer.add_metadata({"/Title": "Appeal letters for mailing", "/Producer": "appeal (pypdf)"})
    buffer = io.BytesIO()
    writer.write(buffer)
    write_atomic(Path(target), buffer.getvalue())
    return len(writer.pages), starts
