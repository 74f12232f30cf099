"""The library behind ``appeal generate`` and ``appeal validate``.

``prepare`` runs the whole path up to the document model (case file -> Case ->
template -> Letter) and writes nothing; ``generate`` then draws the letter in each
format and writes the files atomically. Renderers are imported here, inside the
functions, so importing :mod:`appeal` (and ``appeal --help``) stays fast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from appeal.case import Case, load_case
from appeal.citations import CitationLibrary
from appeal.compose import compose
from appeal.document import Letter
from appeal.errors import OutputError
from appeal.output import case_key, choose_stem, ensure_dir, letter_stem, write_atomic
from appeal.templates import TemplateMeta, TemplateSet, select_template, template_set
from appeal.workspace import Workspace, load_workspace

FORMATS = ("docx", "pdf")


@dataclass
class Settings:
    """Where templates and citations come from, and the letter date if fixed."""

    date: dt.date | None = None
    template_dirs: tuple[Path, ...] = ()
    citation_dirs: tuple[Path, ...] = ()
    workspace: Path | None = None

    def templates(self) -> TemplateSet:
        return template_set(self.template_dirs, self.workspace)

    def load_workspace(self) -> Workspace | None:
        return load_workspace(self.workspace) if self.workspace is not None else None

    def library(self) -> CitationLibrary:
        folders = list(self.citation_dirs)
        if self.workspace is not None and (self.workspace / "citations").is_dir():
            folders.append(self.workspace / "citations")
        return CitationLibrary.load(folders)


@dataclass
class Prepared:
    case: Case
    template: TemplateMeta
    reason: str
    letter: Letter
    warnings: list[str] = field(default_factory=list)


@dataclass
class Generated:
    prepared: Prepared
    outputs: list[Path]

    def as_dict(self) -> dict:
        return {
            "case": str(self.prepared.case.source),
            "template": self.prepared.template.id,
            "reason": self.prepared.reason,
            "outputs": [str(p) for p in self.outputs],
            "warnings": list(self.prepared.warnings),
        }


def prepare(case_path: Path | str, settings: Settings | None = None,
            templates: TemplateSet | None = None, library: CitationLibrary | None = None) -> Prepared:
    """Validate the case, choose its template and compose the letter; write nothing."""
    settings = settings or Settings()
    workspace = settings.load_workspace()
    case = load_case(case_path, date=settings.date, defaults=workspace.case_defaults if workspace else None)
    templates = templates or settings.templates()
    library = library or settings.library()
    meta, reason = select_template(case, templates)
    letter = compose(case, library, templates, meta)
    return Prepared(case=case, template=meta, reason=reason, letter=letter)


def render(letter: Letter, fmt: str, identifier: str = "") -> bytes:
    if fmt == "docx":
        from appeal.render.docx import render_docx

        return render_docx(letter, identifier=identifier)
    if fmt == "pdf":
        from appeal.render.pdf import render_pdf

        return render_pdf(letter)
    raise OutputError(f"unknown format '{fmt}'", file="--format")


def write_letter(prepared: Prepared, out_dir: Path, formats: Iterable[str] = FORMATS,
                 taken: set[str] | None = None) -> list[Path]:
    """Draw every format first, then write them; nothing is written if a renderer fails."""
    case = prepared.case
    key = case_key(case.source)
    out_dir = ensure_dir(Path(out_dir))
    stem, renamed = choose_stem(out_dir, letter_stem(case.payer.name, case.claim.number, case.appeal.date),
                                key, taken)
    if renamed:
        prepared.warnings.append(f"another case's letter already uses that name; writing {stem} instead")
    rendered = {fmt: render(prepared.letter, fmt, identifier=key) for fmt in formats}
    paths = []
    for fmt, data in rendered.items():
        path = out_dir / f"{stem}.{fmt}"
        write_atomic(path, data)
        paths.append(path)
    if taken is not None:
        taken.add(stem)
    return paths


def generate(case_path: Path | str, out_dir: Path | str, settings: Settings | None = None,
             formats: Iterable[str] = FORMATS) -> Generated:
    """One case file -> its letter in each format, in ``out_dir``."""
    prepared = prepare(case_path, settings)
    outputs = write_letter(prepared, Path(out_dir), formats)
    return Generated(prepared=prepared, outputs=outputs)
