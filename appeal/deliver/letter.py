"""Writing a built letter: draw every format first, then write each file atomically.

Nothing is written if a renderer fails. The file name comes from ``deliver/files``'
one name rule; a name another case's letter holds gets ``-2``, ``-3``, ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from appeal.deliver.files import case_key, choose_stem, ensure_dir, letter_stem, write_atomic
from appeal.letters.build import Prepared
from appeal.render.fonts import check_fonts
from appeal.render.formats import FORMATS, render
from appeal.render.images import check_images


def write_letter(prepared: Prepared, out_dir: Path, formats: Iterable[str] = FORMATS,
                 taken: set[str] | None = None, stem: str | None = None) -> list[Path]:
    """Draw every format first, then write them; nothing is written if a renderer fails.

    ``stem`` is a name the caller has already claimed (``batch`` reserves names across processes).
    """
    case = prepared.case
    key = case_key(case.source)
    out_dir = ensure_dir(Path(out_dir))
    stem = stem or letter_name(prepared, out_dir, taken)
    formats = tuple(formats)
    if "pdf" in formats:
        check_fonts(case)
    check_images(case, prepared.reference_docx if "docx" in formats else None)
    rendered = {fmt: render(prepared.letter, fmt, identifier=key, reference_docx=prepared.reference_docx,
                            page=prepared.page) for fmt in formats}
    paths = []
    for fmt, data in rendered.items():
        path = out_dir / f"{stem}.{fmt}"
        write_atomic(path, data)
        paths.append(path)
    if taken is not None:
        taken.add(stem)
    return paths


def letter_name(prepared: Prepared, out_dir: Path, taken: set[str] | None = None) -> str:
    """The file stem of the case's letter in ``out_dir``: ``<payer>_<claim>_<date>``, or with ``-2``... when
    another case's letter has that name (a warning says so); never another case's file."""
    case = prepared.case
    stem, renamed = choose_stem(out_dir, letter_stem(case.payer.name, case.claim.number, case.appeal.date),
                                case_key(case.source), taken)
    if renamed:
        prepared.warnings.append(f"another case's letter already uses that name; writing {stem} instead")
    return stem
