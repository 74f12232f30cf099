"""Whether the letter's own files can be read: the images (``provider.logo``, ``signer.signature``) and the
reference DOCX, checked before a renderer reads them.

A case file or a profile names these by path, so an image must be a regular file of at
most :data:`MAX_IMAGE_BYTES` that Pillow can open, of at most :data:`MAX_PIXELS`, and a
reference DOCX a regular file of at most :data:`MAX_REFERENCE_BYTES` that unpacks to at
most :data:`MAX_UNPACKED_BYTES`. A device, a FIFO, a huge file or a bomb is an error naming
the field, never a hang or an internal error. ``validate`` and every writer of a letter
call :func:`check_images`.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

from appeal.errors import Problem, RenderError
from appeal.inputs.case import Case
from appeal.inputs.yamlread import FileRefused, dotted, open_regular

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
ACCEPTED = "a PNG or JPEG image of at most 20 MiB and 50 million pixels"
MAX_REFERENCE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


def check_images(case: Case, reference_docx: Path | None = None, letterhead_logo: Path | None = None) -> None:
    """The logo and the signature, if given, and the reference DOCX; every problem in one :class:`RenderError`.
    ``letterhead_logo``: the logo the letter's letterhead draws, when a practice profile gives its own
    (``practice.letterhead.logo``) rather than the case's ``provider.logo``."""
    problems = []
    if letterhead_logo is not None and letterhead_logo != case.provider.logo:
        why = unusable(letterhead_logo)
        if why:
            problems.append(Problem(str(letterhead_logo), why, field="practice.letterhead.logo", accepted=ACCEPTED))
    if reference_docx is not None:
        why = _unusable_docx(reference_docx)
        if why:
            problems.append(Problem(str(reference_docx), why, field="reference DOCX",
                                    accepted="a Word .docx file of at most 20 MiB"))
    for at, path in ((("provider", "logo"), case.provider.logo), (("signer", "signature"), case.signer.signature)):
        if path is None:
            continue
        why = unusable(path)
        if why:
            line = case.located.line(at) if case.located else None
            problems.append(Problem(str(case.source), f"{path}: {why}", line=line, field=dotted(at), accepted=ACCEPTED))
    if problems:
        raise RenderError(problems)


def _unusable_docx(path: Path) -> str | None:
    try:
        data = open_regular(path, MAX_REFERENCE_BYTES, kind="a .docx file")
    except FileRefused as exc:
        return str(exc)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # the DOCX renderer says it is not a Word document
    if unpacked > MAX_UNPACKED_BYTES:
        return f"it unpacks to {unpacked:,} bytes (a zip bomb?); at most {MAX_UNPACKED_BYTES:,}"
    return None


def unusable(path) -> str | None:
    """Why an image cannot be drawn (not a regular file, too large, not an image Pillow reads), or None: ask
    before anything reads it (a FIFO would hang the reader)."""
    from PIL import Image

    try:
        data = open_regular(path, MAX_IMAGE_BYTES, kind="an image")
    except FileRefused as exc:
        return str(exc)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "the image is too large to open (a decompression bomb?)"
    except Exception:  # noqa: BLE001 - whatever Pillow raises on a file that is not an image it reads
        return "not a readable image"
    if width * height > MAX_PIXELS:
        return f"the image is {width:,} x {height:,} pixels; at most {MAX_PIXELS // 1_000_000} million"
    return None
