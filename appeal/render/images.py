"""Whether the letter's own images (``provider.logo``, ``signer.signature``) can be drawn: checked before drawing.

A case file names these images by path, so each must be a regular file of at most
:data:`MAX_IMAGE_BYTES` that Pillow can open, of at most :data:`MAX_PIXELS`; a device,
a FIFO, a huge file or a decompression bomb is an error naming the field and its line,
never a hang or an internal error. ``validate`` and every writer of a letter call
:func:`check_images` before a renderer reads them.
"""

from __future__ import annotations

import io
import warnings

from appeal.errors import Problem, RenderError
from appeal.inputs.case import Case
from appeal.inputs.yamlread import FileRefused, dotted, open_regular

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
ACCEPTED = "a PNG or JPEG image of at most 20 MiB and 50 million pixels"


def check_images(case: Case) -> None:
    """The logo and the signature, if given; every problem in one :class:`RenderError`."""
    problems = []
    for at, path in ((("provider", "logo"), case.provider.logo), (("signer", "signature"), case.signer.signature)):
        if path is None:
            continue
        why = _unusable(path)
        if why:
            line = case.located.line(at) if case.located else None
            problems.append(Problem(str(case.source), f"{path}: {why}", line=line, field=dotted(at), accepted=ACCEPTED))
    if problems:
        raise RenderError(problems)


def _unusable(path) -> str | None:
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
