"""What the ledger keeps about a letter, taken from its case: plain data (ISO dates, cents), so a batch
worker can hand it to the process that records it."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from appeal.inputs.case import Case
from appeal.inputs.workspace import Workspace
from appeal.reference.deadlines import earliest_deadline

FIRST_LEVEL = "first-level"  # a case that names no level, to a payer whose directory entry names none
# A letter that names no level is at the first of these the payer directory gives a window for.
FIRST_LEVELS = ("reconsideration", "redetermination", "first-level", "corrected-claim")


def cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def letter_facts(case: Case, template: str, outputs: Iterable[Path], workspace: Workspace | None,
                 level: str | None = None) -> dict:
    """The denial, the appeal and its letter files for :meth:`Ledger.record_letter` (no file is read here).

    No date of birth and no diagnosis: only what the worklist, the export and reconcile need. ``level`` is
    the level the letter was written at (the bound letter's: remark codes may set it).
    """
    denied = set(case.denial.lines) or {line.number for line in case.claim.lines}
    lines = [[line.date.isoformat(), line.code, str(line.units), line.number in denied] for line in case.claim.lines]
    dates = sorted(line.date for line in case.claim.lines if line.number in denied)
    charges = [line.charge for line in case.claim.lines if line.number in denied and line.charge is not None]
    entry = workspace.find_payer(case.payer.id, case.payer.name) if workspace else None
    windows = entry.appeal_window_days if entry else {}
    level = level or case.appeal.level or next((lv for lv in FIRST_LEVELS if lv in windows), FIRST_LEVEL)
    deadline = earliest_deadline(entry, case.denial.date, level)
    return {
        "payer": case.payer.name, "payer_id": case.payer.id, "provider": case.provider.name,
        "claim": case.claim.number, "account": case.claim.account,
        "patient_name": case.patient.name, "member_id": case.patient.member_id,
        "dos_from": dates[0].isoformat() if dates else None, "dos_to": dates[-1].isoformat() if dates else None,
        "lines": lines, "group": case.denial.group or "", "carc": case.denial.carc, "rarc": list(case.denial.rarc),
        "amount_cents": cents(sum(charges, Decimal(0))) if charges else None,
        "denied_on": case.denial.date.isoformat(), "dated": case.appeal.date.isoformat(), "level": level,
        "template": template,
        "appeal_by": deadline.due.isoformat() if deadline else None, "source": str(case.source),
        "letters": [str(Path(p).resolve()) for p in outputs],  # the recorder adds each file's SHA-256
    }
