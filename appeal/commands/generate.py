"""The library behind ``appeal generate`` and ``appeal validate``.

``prepare`` runs the whole path up to the document model (case file -> Case ->
template -> Letter) and writes nothing; ``generate`` then draws the letter in each
format and writes the files atomically. Renderers are imported here, inside the
functions, so importing :mod:`appeal` (and ``appeal --help``) stays fast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

from appeal.inputs.case import Case, load_case
from appeal.checks import Finding, run_checks
from appeal.checks.verdict import Verdict, verdict
from appeal.reference.citations import CitationLibrary
from appeal.letters.compose import compose
from appeal.letters.document import Letter
from appeal.errors import OutputError, Problem, RenderError
from appeal.deliver.files import case_key, choose_stem, ensure_dir, letter_stem, write_atomic
from appeal.letters.remarks import apply_remark_codes
from appeal.letters.templates import TemplateMeta, TemplateSet, select_template, template_set
from appeal.inputs.workspace import Workspace, load_workspace

FORMATS = ("docx", "pdf")


@dataclass
class Settings:
    """Where templates and citations come from, and the letter date if fixed."""

    date: dt.date | None = None
    template_dirs: tuple[Path, ...] = ()
    citation_dirs: tuple[Path, ...] = ()
    workspace: Path | None = None
    reference_docx: Path | None = None

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
    reference_docx: Path | None = None


@dataclass
class Generated:
    prepared: Prepared
    outputs: list[Path]
    findings: list[Finding] = field(default_factory=list)
    blocked: bool = False  # --strict and the letter is not ready: nothing was written
    packet: dict | None = None  # the appeal packet: its file, the letter's pages, each exhibit's pages
    verdict: Verdict = field(default_factory=lambda: Verdict("ready"))

    def as_dict(self) -> dict:
        packet = {"packet": self.packet} if self.packet is not None else {}
        return {
            "case": str(self.prepared.case.source),
            "template": self.prepared.template.id,
            "reason": self.prepared.reason,
            "outputs": [str(p) for p in self.outputs],
            "warnings": list(self.prepared.warnings),
            "findings": [f.as_dict() for f in self.findings],
            "blocked": self.blocked,
            "verdict": self.verdict.as_dict(),
            **packet,
        }


def prepare(case_path: Path | str, settings: Settings | None = None,
            templates: TemplateSet | None = None, library: CitationLibrary | None = None) -> Prepared:
    """Validate the case, choose its template and compose the letter; write nothing."""
    settings = settings or Settings()
    return _prepare(case_path, settings, templates or settings.templates(), library or settings.library(),
                    settings.load_workspace())


def _prepare(case_path: Path | str, settings: Settings, templates: TemplateSet, library: CitationLibrary,
             workspace: Workspace | None) -> Prepared:
    case = load_case(case_path, date=settings.date, defaults=workspace.case_defaults if workspace else None)
    return with_workspace(prepare_case(case, templates, library), workspace, settings)


def with_workspace(prepared: Prepared, workspace: Workspace | None, settings: Settings) -> Prepared:
    """What the workspace adds to a prepared letter: the payer directory's warnings, the reference DOCX."""
    case = prepared.case
    if workspace is not None:
        prepared.warnings[:0] = workspace.warnings_for(case.payer.id, case.payer.name)
    prepared.reference_docx = settings.reference_docx or (workspace.reference_docx if workspace else None)
    return prepared


def prepare_case(case: Case, templates: TemplateSet, library: CitationLibrary,
                 meta: TemplateMeta | None = None) -> Prepared:
    """A validated case -> its template and letter (``batch`` builds cases from CSV rows and remittances).

    ``meta`` renders the case with that template instead of choosing one (``templates check``).
    """
    meta, reason = (meta, f"template '{meta.id}' was given") if meta else select_template(case, templates)
    case, warnings = apply_remark_codes(case, meta)
    letter = compose(case, library, templates, meta)
    return Prepared(case=case, template=meta, reason=reason, letter=letter, warnings=warnings + case_warnings(case))


def case_warnings(case: Case) -> list[str]:
    """What is odd about a valid case and worth saying before the letter goes out."""
    warnings = []
    where = (lambda at: f"{case.source}:{case.located.line(at)}") if case.located else (lambda at: str(case.source))
    for i, enclosure in enumerate(case.enclosures):
        if enclosure.path is not None and not enclosure.path.is_file():
            warnings.append(f"{where(('enclosures', i, 'path'))}: enclosures[{i}].path: {enclosure.path} is not "
                            f"a file (the letter lists it; 'appeal packet' needs it)")
    if case.appeal.date < case.denial.date:
        warnings.append(f"{where(('appeal', 'date'))}: the letter date {case.appeal.date:%m/%d/%Y} is before the "
                        f"denial of {case.denial.date:%m/%d/%Y}")
    return warnings


def render(letter: Letter, fmt: str, identifier: str = "", reference_docx: Path | None = None) -> bytes:
    if fmt == "docx":
        from appeal.render.docx import render_docx

        return render_docx(letter, identifier=identifier, reference=reference_docx)
    if fmt == "pdf":
        from appeal.render.pdf import render_pdf

        return render_pdf(letter)
    raise OutputError(f"unknown format '{fmt}'", file="--format")


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
    rendered = {fmt: render(prepared.letter, fmt, identifier=key, reference_docx=prepared.reference_docx)
                for fmt in formats}
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


def check_fonts(case: Case) -> None:
    """Every text field of the case against the PDF's fonts, before drawing anything.

    A character no bundled font can draw would print as a blank box, so it is an
    error naming the field, its line and the character's code point.
    """
    from appeal.render.pdf import describe_missing, missing_glyphs
    from appeal.inputs.yamlread import dotted

    problems = []
    for at, text in _texts(case, ()):
        missing = missing_glyphs(text)
        if missing:
            line = case.located.line(at) if case.located else None
            problems.append(Problem(str(case.source), f"the PDF font cannot draw {describe_missing(missing)}",
                                    line=line, field=dotted(at),
                                    accepted="Latin, Greek and Cyrillic letters, including Vietnamese"))
    if problems:
        raise RenderError(problems)


def _texts(value, at: tuple):
    """``(path, text)`` for every string in a case's dataclasses, lists and facts."""
    if isinstance(value, str):
        yield at, value
    elif is_dataclass(value):
        for f in fields(value):
            if f.name not in ("source", "located"):
                yield from _texts(getattr(value, f.name), at + (f.name,))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _texts(item, at + (i,))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _texts(item, at + (key,))


def _checked(case_path: Path | str, settings: Settings
             ) -> tuple[Prepared, list[Finding], TemplateSet, CitationLibrary, Workspace | None]:
    """The letter and the coding check's findings, with templates, citations and the workspace read once."""
    templates, library, workspace = settings.templates(), settings.library(), settings.load_workspace()
    prepared = _prepare(case_path, settings, templates, library, workspace)
    return prepared, check_prepared(prepared, library, workspace, templates), templates, library, workspace


def check_prepared(prepared: Prepared, library: CitationLibrary, workspace: Workspace | None,
                   templates: TemplateSet) -> list[Finding]:
    """The coding check on a composed letter (told exactly what it quotes and asks for)."""
    return run_checks(prepared.case, library, workspace, templates=templates, letter=prepared.letter,
                      template=prepared.template)


def verdict_of(prepared: Prepared, findings: list[Finding]) -> Verdict:
    """The verdict on a prepared letter: ready, review (with every reason) or blocked."""
    return verdict(prepared.case, prepared.letter, findings, prepared.letter.meta.get("level"))


def validate(case_path: Path | str, settings: Settings | None = None) -> tuple[Prepared, list[Finding]]:
    """Everything ``generate`` checks before it writes: the case, its template and letter,
    the PDF fonts for every field, and the coding check. Writes nothing."""
    prepared, findings, *_ = _checked(case_path, settings or Settings())
    check_fonts(prepared.case)
    return prepared, findings


def generate(case_path: Path | str, out_dir: Path | str, settings: Settings | None = None,
             formats: Iterable[str] = FORMATS, packet: bool = False, strict: bool = False,
             notify: Callable[[Prepared], None] | None = None) -> Generated:
    """One case file -> its letter in each format, in ``out_dir``; with ``packet``, the appeal packet too.

    The coding check runs first and its findings and the verdict come back with the result; with
    ``strict``, only a ``ready`` letter is written (otherwise nothing is, and ``blocked`` is set).
    ``notify`` is given the prepared letter before anything is written (the CLI shows its warnings).
    """
    settings = settings or Settings()
    prepared, findings, templates, library, workspace = _checked(case_path, settings)
    if notify is not None:  # the template chosen and the remark-code warnings, before anything is written
        notify(prepared)
    judged = verdict_of(prepared, findings)
    if strict and not judged.ready:
        return Generated(prepared=prepared, outputs=[], findings=findings, blocked=True, verdict=judged)
    if packet:
        from appeal.deliver.packet import packet_from

        result = packet_from(prepared, templates, library, Path(out_dir), workspace, formats)
        result.findings, result.verdict = findings, judged
        return result
    outputs = write_letter(prepared, Path(out_dir), formats)
    return Generated(prepared=prepared, outputs=outputs, findings=findings, verdict=judged)
