"""The library behind ``appeal check``: the coding check on case files, each letter built as ``generate`` would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable

from appeal.checks import CaseReport, Finding, run_checks
from appeal.errors import AppealError, CaseError
from appeal.inputs.case import Case, load_case
from appeal.letters.build import build_letter
from appeal.settings import Settings, Sources


def check_files(paths: Iterable[Path | str], settings: Settings, today: dt.date | None = None) -> list[CaseReport]:
    """Check each case file; one that cannot be read is reported and the others still checked."""
    sources = Sources.load(settings)
    today = today or dt.date.today()
    reports = []
    for path in map(Path, paths):
        try:
            case = load_case(path, date=settings.date, defaults=sources.case_defaults, today=today)
        except CaseError as exc:
            reports.append(CaseReport(path, problems=exc.problems))
            continue
        reports.append(CaseReport(path, findings=check_case(case, sources, today)))
    return reports


def check_case(case: Case, sources: Sources, today: dt.date) -> list[Finding]:
    """The rules on the case, told exactly what its letter decides and quotes when the letter builds;
    when it does not, the rules report what kept it from building."""
    library, workspace, templates = sources.library, sources.workspace, sources.templates
    try:
        prepared = build_letter(case, templates, library)
    except AppealError:
        return run_checks(case, library, workspace, today, templates)
    return run_checks(case, library, workspace, today, templates, letter=prepared.letter, bound=prepared.bound)
