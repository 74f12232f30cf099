"""The library behind ``appeal generate``, ``appeal validate`` and ``appeal packet``.

``prepare`` runs the whole path up to the document model (case file -> Case ->
``letters.build_letter``) and writes nothing; ``generate`` runs the coding check on
that letter, then draws it in each format and writes the files atomically
(``deliver/letter``), or builds the appeal packet (``deliver/packet``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from appeal.checks import Finding, run_checks
from appeal.checks.verdict import Verdict, verdict
from appeal.deliver.files import case_key, remove_leftovers
from appeal.deliver.letter import write_letter
from appeal.errors import RenderError
from appeal.inputs.case import Case, load_case
from appeal.inputs.workspace import PayerEntry, Workspace
from appeal.inputs.yamlread import FileRefused, open_regular
from appeal.letters.build import Prepared, build_letter
from appeal.letters.compose import letterhead
from appeal.letters.document import Letterhead, PageSetup
from appeal.render.fonts import check_fonts
from appeal.render.formats import FORMATS, render
from appeal.render.images import check_images
from appeal.settings import Settings, Sources

if TYPE_CHECKING:
    from appeal.ledger.recorder import Recorder


@dataclass
class Generated:
    """What ``generate`` made of one case file."""

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


def prepare(case_path: Path | str, settings: Settings | None = None, sources: Sources | None = None,
            today: dt.date | None = None) -> Prepared:
    """Validate the case, choose its template and compose the letter; write nothing."""
    settings = settings or Settings()
    sources = sources or Sources.load(settings)
    case = load_case(case_path, date=settings.date, defaults=sources.case_defaults, today=today)
    return with_workspace(build_letter(case, sources.templates, sources.library,
                                       directory=directory_entry(sources, case)), sources)


def directory_entry(sources: Sources, case: Case) -> PayerEntry | None:
    """The payer directory's entry for the case's payer, when a workspace is in use."""
    workspace = sources.workspace
    return workspace.find_payer(case.payer.id, case.payer.name) if workspace else None


def with_workspace(prepared: Prepared, sources: Sources) -> Prepared:
    """What the workspace and the options add to a built letter: the payer directory's warnings, the
    reference DOCX, the letterhead and page setup (stationery, envelope), and what they warn about."""
    case, workspace = prepared.case, sources.workspace
    if workspace is not None:
        prepared.warnings[:0] = workspace.warnings_for(case.payer.id, case.payer.name)
    prepared.reference_docx = sources.reference_docx
    profile = workspace.letterhead if workspace else {}
    if profile:
        prepared.letter = dataclasses.replace(prepared.letter, letterhead=practice_letterhead(case, profile))
    prepared.page = page_setup(sources.settings, workspace)
    prepared.warnings.extend(page_warnings(prepared, bool(profile), sources.settings.mail))
    from appeal.render.pagefit import page_reasons

    prepared.page_reasons = page_reasons(prepared, workspace)
    return prepared


def practice_letterhead(case: Case, profile: Mapping) -> Letterhead:
    """The letterhead as ``practice.letterhead`` describes it; what it leaves out comes from the provider."""
    p = case.provider
    pick = lambda key, default: profile.get(key, default)  # noqa: E731
    logo = pick("logo", None)
    return letterhead(pick("name", p.name), tuple(pick("address", p.address)), pick("phone", p.phone),
                      pick("fax", p.fax), pick("npi", p.npi), pick("tin", p.tin), Path(logo) if logo else p.logo)


def page_setup(settings: Settings, workspace: Workspace | None) -> PageSetup:
    """The page setup from the options (which win) and the practice profile."""
    stationery = workspace.stationery if workspace else {}
    first = settings.stationery or stationery.get("first_page")
    rest = settings.stationery_rest or (stationery.get("other_pages") if not settings.stationery else None)
    for option, path in (("--stationery", first), ("--stationery-rest", rest)):
        if path is not None:
            check_stationery(Path(path), option)
    margins = stationery.get("margins")
    profile = workspace.letterhead if workspace else {}
    return PageSetup(envelope=(workspace.envelope if workspace else "window-10"), accent=profile.get("accent"),
                     letterhead_font=profile.get("font", "serif"), stationery_first=first, stationery_rest=rest,
                     margins=tuple(m * 72 for m in margins) if margins else None)


MAX_STATIONERY_BYTES = 20 * 1024 * 1024


def check_stationery(path: Path, option: str) -> None:
    """A stationery file is a readable one-page PDF, else an error naming it and the option.

    It must be a regular file of at most 20 MiB, checked before it is read (a FIFO would hang the letter).
    """
    from appeal.render.pdf import stationery_page

    try:
        open_regular(path, MAX_STATIONERY_BYTES, kind="a PDF")
    except FileRefused as exc:
        if path.exists() or path.is_symlink():
            raise RenderError(f"{option}: {exc}", file=str(path)) from None
    stationery_page(path, option)


def page_warnings(prepared: Prepared, profile_letterhead: bool, mail: bool = False) -> list[str]:
    """What the page setup cannot honour, each with its reason code in brackets."""
    page, case, warnings = prepared.page, prepared.case, []
    if mail and page.envelope == "window-10" and not case.payer.address:
        warnings.append("the letter is laid out for a #10 window envelope (practice.envelope: window-10), but "
                        "the case has no payer.address: the window stays empty and the letter cannot be mailed; "
                        "add the payer's appeal address from its provider manual or denial letter "
                        "[no-payer-address]")
    if prepared.reference_docx is not None and page.stationery_first is None and not profile_letterhead:
        warnings.append(f"the DOCX takes its letterhead from the reference DOCX {prepared.reference_docx.name}, "
                        f"but the PDF carries the letterhead drawn from the billing provider (its name, address, "
                        f"phone and fax, NPI and TIN): give the same letterhead as stationery (--stationery "
                        f"FIRST.pdf or practice.stationery) or describe it under practice.letterhead "
                        f"[reference-docx-letterhead]")
    if page.stationery_first is not None and prepared.reference_docx is None:
        warnings.append("the PDF is laid over the stationery, but the DOCX has no reference DOCX and draws the "
                        "letterhead from the practice profile: give the Word version of the stationery with "
                        "--reference-docx (or practice.reference_docx) [stationery-without-reference-docx]")
    return warnings


def checked(prepared: Prepared, sources: Sources, today: dt.date) -> list[Finding]:
    """The coding check on a built letter: it reads what the letter decided and quotes. A pinned letter
    date (``--date``) is also the day the check counts the appeal-by date from."""
    today = sources.settings.date or today
    return run_checks(prepared.case, sources.library, sources.workspace, today, templates=sources.templates,
                      letter=prepared.letter, bound=prepared.bound)


def verdict_of(prepared: Prepared, findings: list[Finding]) -> Verdict:
    """The verdict on a built letter: ready, review (with every reason) or blocked."""
    return verdict(prepared.bound, prepared.letter, findings, page=prepared.page_reasons)


def validate(case_path: Path | str, settings: Settings | None = None,
             today: dt.date | None = None) -> tuple[Prepared, list[Finding]]:
    """Everything ``generate`` checks before it writes: the case, its template and letter,
    the PDF fonts for every field, the coding check, and both renderers, which draw the
    letter in memory (so a case that validates renders; the PDF is set on its pages, and its bytes, which
    no case can make fail, are not written: ``pdf.render_pdf``). Writes nothing."""
    today = today or dt.date.today()
    sources = Sources.load(settings or Settings())
    prepared = prepare(case_path, sources.settings, sources, today)
    findings = checked(prepared, sources, today)
    check_fonts(prepared.case)
    check_images(prepared.case, prepared.reference_docx, prepared.letter.letterhead.logo)
    for fmt in FORMATS:
        render(prepared.letter, fmt, identifier=case_key(prepared.case.source), reference_docx=prepared.reference_docx,
               page=prepared.page, layout_only=True)
    return prepared, findings


def generate(case_path: Path | str, out_dir: Path | str, settings: Settings | None = None,
             formats: Iterable[str] = FORMATS, packet: bool = False, strict: bool = False,
             notify: Callable[[Prepared], None] | None = None, today: dt.date | None = None,
             recorder: Recorder | None = None, fax: bool = False, tiff: bool = False,
             tiff_g4: bool = False) -> Generated:
    """One case file -> its letter in each format, in ``out_dir``; with ``packet``, the appeal packet too.

    The coding check runs first and its findings and the verdict come back with the result; with
    ``strict``, only a ``ready`` letter is written (otherwise nothing is, and ``blocked`` is set).
    ``notify`` is given the prepared letter before anything is written (the CLI shows its warnings).
    ``recorder`` (a ledger is in use) records what was written as a drafted appeal.
    """
    today = today or dt.date.today()
    sources = Sources.load(settings or Settings())
    prepared = prepare(case_path, sources.settings, sources, today)
    findings = checked(prepared, sources, today)
    if notify is not None:  # the template chosen and the remark-code warnings, before anything is written
        notify(prepared)
    judged = verdict_of(prepared, findings)
    if strict and not judged.ready:
        return Generated(prepared=prepared, outputs=[], findings=findings, blocked=True, verdict=judged)
    remove_leftovers(Path(out_dir))  # what a killed run of a command left there
    if packet or fax or tiff or tiff_g4:
        from appeal.deliver.packet import deliver_packet  # only here: the packet's PDF tools

        done = deliver_packet(prepared, sources.templates, sources.library, Path(out_dir), sources.workspace,
                              formats, allow_outside=sources.settings.allow_outside, fax=fax, tiff=tiff,
                              tiff_g4=tiff_g4)
        result = Generated(prepared=done.prepared, outputs=done.outputs, findings=findings, packet=done.as_dict(),
                           verdict=judged)
    else:
        result = Generated(prepared=prepared, outputs=write_letter(prepared, Path(out_dir), formats),
                           findings=findings, verdict=judged)
    if recorder is not None:
        made = result.prepared
        recorder.letter(made.case, made.template.id, result.outputs, made.bound.request.level)
    return result


def write_packet(case_path: Path | str, out_dir: Path | str, settings: Settings | None = None,
                 formats: Iterable[str] = (), strict: bool = False, today: dt.date | None = None,
                 recorder: Recorder | None = None, fax: bool = False, tiff: bool = False,
                 tiff_g4: bool = False) -> Generated:
    """``appeal packet``: the appeal packet for a case file (and the letter in ``formats``; with ``fax`` the
    fax PDF, with ``tiff`` its TIFF), after the same coding check as ``generate``; with ``strict``, only a
    ready letter's packet is written."""
    return generate(case_path, out_dir, settings, formats=formats, packet=True, strict=strict, today=today,
                    recorder=recorder, fax=fax, tiff=tiff, tiff_g4=tiff_g4)
