"""Writing a built letter: draw every format first, then write each file atomically.

Nothing is written if a renderer fails. The file name comes from ``deliver/files``'
one name rule; a name another case's letter holds gets ``-2``, ``-3``, ...

:func:`write_letter` puts each file in place at once, flushed to disk (``generate``);
:func:`stage_letter` only writes the files beside their names, for the caller to put
many letters in place with one disk sync (``batch``: :func:`~appeal.deliver.files.place_staged`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from appeal.deliver.files import case_key, choose_stem, discard_staged, ensure_dir, letter_stem, stage, write_atomic
from appeal.letters.build import Prepared
from appeal.render.fonts import check_fonts
from appeal.render.formats import FORMATS, render
from appeal.render.images import check_images


def render_letter(prepared: Prepared, formats: Iterable[str] = FORMATS, key: str | None = None) -> dict[str, bytes]:
    """Every format's bytes (``key``: the case's :func:`~appeal.deliver.files.case_key`, kept in the DOCX)."""
    case = prepared.case
    key = key or case_key(case.source)
    formats = tuple(formats)
    if "pdf" in formats:
        check_fonts(case)
    check_images(case, prepared.reference_docx if "docx" in formats else None, prepared.letter.letterhead.logo)
    return {fmt: render(prepared.letter, fmt, identifier=key, reference_docx=prepared.reference_docx,
                        page=prepared.page) for fmt in formats}


def write_letter(prepared: Prepared, out_dir: Path, formats: Iterable[str] = FORMATS,
                 taken: set[str] | None = None, stem: str | None = None) -> list[Path]:
    """Draw every format first, then write them; nothing is written if a renderer fails.

    ``stem`` is a name the caller has already claimed (``batch`` reserves names across processes).
    """
    out_dir = ensure_dir(Path(out_dir))
    stem = stem or letter_name(prepared, out_dir, taken)
    rendered = render_letter(prepared, formats)
    paths = []
    for fmt, data in rendered.items():
        path = out_dir / f"{stem}.{fmt}"
        write_atomic(path, data)
        paths.append(path)
    if taken is not None:
        taken.add(stem)
    return paths


@dataclass(frozen=True)
class StagedFile:
    """A letter file written beside its name, not yet in place: ``tmp`` becomes ``path`` once it is on disk."""

    path: Path
    tmp: str
    sha256: str = ""  # of the bytes written (when asked), so the ledger need not read the file again


def stage_letter(prepared: Prepared, out_dir: Path, formats: Iterable[str], stem: str,
                 key: str | None = None, hashed: bool = False) -> list[StagedFile]:
    """Draw every format, then write each to a temporary file beside ``<out_dir>/<stem>.<format>``, not
    flushed (:func:`~appeal.deliver.files.stage`); nothing is left if a renderer or a write fails.

    ``out_dir`` must exist and ``stem`` be claimed; ``hashed``: each file's SHA-256 too. The caller puts
    the files in place (:func:`~appeal.deliver.files.place_staged`) or removes them.
    """
    rendered = render_letter(prepared, formats, key)
    staged: list[StagedFile] = []
    try:
        for fmt, data in rendered.items():
            path = out_dir / f"{stem}.{fmt}"
            staged.append(StagedFile(path, stage(path, data), hashlib.sha256(data).hexdigest() if hashed else ""))
    except BaseException:
        discard_staged([[(s.tmp, s.path) for s in staged]])
        raise
    return staged


def letter_name(prepared: Prepared, out_dir: Path, taken: set[str] | None = None) -> str:
    """The file stem of the case's letter in ``out_dir``: ``<payer>_<claim>_<date>``, or with ``-2``... when
    another case's letter has that name (a warning says so); never another case's file."""
    case = prepared.case
    stem, renamed = choose_stem(out_dir, letter_stem(case.payer.name, case.claim.number, case.appeal.date),
                                case_key(case.source), taken)
    if renamed:
        prepared.warnings.append(f"another case's letter already uses that name; writing {stem} instead")
    return stem

