"""The library behind ``appeal generate``, ``appeal validate`` and ``appeal packet``.

``prepare`` runs the whole path up to the document model (case file -> Case ->
``letters.build_letter``) and writes nothing; ``generate`` runs the coding check on
that letter, then draws it in each format and writes the files atomically
(``deliver/letter``), or builds the appeal packet (``deliver/packet``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from appeal.checks import Finding, has_errors, run_checks
from appeal.deliver.files import case_key
from appeal.deliver.letter import write_letter
from appeal.deliver.packet import deliver_packet
from appeal.inputs.case import load_case
from appeal.letters.build import Prepared, build_letter
from appeal.render.fonts import check_fonts
from appeal.render.formats import FORMATS, render
from appeal.settings import Settings, Sources


@dataclass
class Generated:
    prepared: Prepared
    outputs: list[Path]
    findings: list[Finding] = field(default_factory=list)
    blocked: bool = False
    packet: dict | None = None  # the appeal packet: its file, the letter's pages, each exhibit's pages

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
            **packet,
        }


def prepare(case_path: Path | str, settings: Settings | None = None, sources: Sources | None = None,
            today: dt.date | None = None) -> Prepared:
    """Validate the case, choose its template and compose the letter; write nothing."""
    settings = settings or Settings()
    sources = sources or Sources.load(settings)
    case = load_case(case_path, date=settings.date, defaults=sources.case_defaults, today=today)
    return with_workspace(build_letter(case, sources.templates, sources.library), sources)


def with_workspace(prepared: Prepared, sources: Sources) -> Prepared:
    """What the workspace adds to a built letter: the payer directory's warnings, the reference DOCX."""
    case, workspace = prepared.case, sources.workspace
    if workspace is not None:
        prepared.warnings[:0] = workspace.warnings_for(case.payer.id, case.payer.name)
    prepared.reference_docx = sources.reference_docx
    return prepared


def checked(prepared: Prepared, sources: Sources, today: dt.date) -> list[Finding]:
    """The coding check on a built letter: it reads what the letter decided and quotes."""
    return run_checks(prepared.case, sources.library, sources.workspace, today, templates=sources.templates,
                      letter=prepared.letter, bound=prepared.bound)


def validate(case_path: Path | str, settings: Settings | None = None,
             today: dt.date | None = None) -> tuple[Prepared, list[Finding]]:
    """Everything ``generate`` checks before it writes: the case, its template and letter,
    the PDF fonts for every field, the coding check, and both renderers, which draw the
    letter in memory (so a case that validates renders). Writes nothing."""
    today = today or dt.date.today()
    sources = Sources.load(settings or Settings())
    prepared = prepare(case_path, sources.settings, sources, today)
    findings = checked(prepared, sources, today)
    check_fonts(prepared.case)
    for fmt in FORMATS:
        render(prepared.letter, fmt, identifier=case_key(prepared.case.source), reference_docx=prepared.reference_docx)
    return prepared, findings


def generate(case_path: Path | str, out_dir: Path | str, settings: Settings | None = None,
             formats: Iterable[str] = FORMATS, packet: bool = False, strict: bool = False,
             notify: Callable[[Prepared], None] | None = None, today: dt.date | None = None) -> Generated:
    """One case file -> its letter in each format, in ``out_dir``; with ``packet``, the appeal packet too.

    The coding check runs first and its findings come back with the result; with
    ``strict``, a check error blocks the letter: nothing is written and ``blocked`` is set.
    ``notify`` is given the prepared letter before anything is written (the CLI shows its warnings).
    """
    today = today or dt.date.today()
    sources = Sources.load(settings or Settings())
    prepared = prepare(case_path, sources.settings, sources, today)
    findings = checked(prepared, sources, today)
    if notify is not None:  # the template chosen and the remark-code warnings, before anything is written
        notify(prepared)
    if strict and has_errors(findings):
        return Generated(prepared=prepared, outputs=[], findings=findings, blocked=True)
    if packet:
        done = deliver_packet(prepared, sources.templates, sources.library, Path(out_dir), sources.workspace,
                              formats, allow_outside=sources.settings.allow_outside)
        return Generated(prepared=done.prepared, outputs=done.outputs, findings=findings, packet=done.as_dict())
    outputs = write_letter(prepared, Path(out_dir), formats)
    return Generated(prepared=prepared, outputs=outputs, findings=findings)


def write_packet(case_path: Path | str, out_dir: Path | str, settings: Settings | None = None,
                 formats: Iterable[str] = (), strict: bool = False, today: dt.date | None = None) -> Generated:
    """``appeal packet``: the appeal packet for a case file (and the letter in ``formats``), after the
    same coding check as ``generate``; with ``strict``, a check error writes nothing."""
    return generate(case_path, out_dir, settings, formats=formats, packet=True, strict=strict, today=today)
