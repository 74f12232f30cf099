"""The batch's result: one :class:`Outcome` per item, and ``summary.csv``."""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Sequence

from appeal.deliver.fax import FAX_SUFFIX
from appeal.deliver.files import atomic_text
from appeal.deliver.packet import SUFFIX as PACKET_SUFFIX
from appeal.deliver.sheet import safe_text, write_xlsx
from appeal.inputs.case import Case

SUMMARY = "summary.csv"
# The day's worklist: one row per item (a denial), the case's facts, the letter's files, what went wrong.
SUMMARY_COLUMNS = ("input", "status", "verdict", "reasons", "claim", "account", "patient", "payer", "dos", "codes",
                   "group", "carc", "rarc", "amount", "level", "appeal_by", "template", "docx", "pdf", "packet", "fax",
                   "tiff", "error", "warnings")
CASE_COLUMNS = ("claim", "account", "patient", "payer", "dos", "codes", "group", "carc", "rarc", "amount")
STATUSES = ("written", "skipped", "failed", "unreadable")
INTERRUPTED = 130  # the one exit status besides 0, 1 and 2 (the shell's for Ctrl-C)
SHOWN = {"written": "written", "skipped": "skipped", "failed": "failed", "unreadable": "failed"}
FILE_COLUMNS = ("docx", "pdf", "packet", "fax", "tiff")


def case_columns(case: Case) -> tuple[tuple[str, str], ...]:
    """What the worklist shows of a case: the claim, the patient, the denied lines and the reason.

    ``amount`` is the charge of the denied lines (what the appeal is about), exact to the cent.
    """
    lines = case.denied_lines
    charges = [line.charge for line in lines if line.charge is not None]
    values = (case.claim.number, case.claim.account or "", case.patient.name, case.payer.name,
              min(line.date for line in lines).isoformat() if lines else "", " ".join(line.code for line in lines),
              case.denial.group or "", case.denial.carc, " ".join(case.denial.rarc),
              f"{sum(charges, Decimal(0)):.2f}" if charges else "")
    return tuple(zip(CASE_COLUMNS, values))


def raw_columns(data: object) -> tuple[tuple[str, str], ...]:
    """What the worklist shows of a case that could not be read as a case: what its data gives, each column
    left blank where the data does not give it plainly (so a failed row still names its claim and patient)."""
    def section(value: object, key: str) -> dict:
        found = value.get(key) if isinstance(value, dict) else None
        return found if isinstance(found, dict) else {}

    def text(value: object) -> str:
        return str(value) if isinstance(value, (str, int, float, Decimal, dt.date)) else ""

    claim, denial = section(data, "claim"), section(data, "denial")
    given = claim.get("lines")
    listed: list = given if isinstance(given, list) else []
    named = {text(n) for n in denial.get("lines") or []} if isinstance(denial.get("lines"), list) else set()
    lines = [line for n, line in enumerate(listed, start=1)  # numbered as the case numbers them
             if isinstance(line, dict) and (not named or str(n) in named)]

    def each(key: str) -> list[str]:
        return [value for value in (text(line.get(key)) for line in lines) if value]

    charges = each("charge")
    try:
        amount = f"{sum(map(Decimal, charges), Decimal(0)):.2f}" if charges else ""
    except ArithmeticError:  # a charge that is not a number: the error column says so
        amount = ""
    rarc = denial.get("rarc")
    values = (text(claim.get("number")), text(claim.get("account")), text(section(data, "patient").get("name")),
              text(section(data, "payer").get("name")), min(each("date"), default=""), " ".join(each("code")),
              text(denial.get("group")), text(denial.get("carc")),
              " ".join(map(text, rarc)) if isinstance(rarc, list) else text(rarc), amount)
    return tuple(zip(CASE_COLUMNS, values))


def file_column(name: str) -> str:
    """Which worklist column a written file goes in."""
    if name.endswith(f"{PACKET_SUFFIX}.pdf"):
        return "packet"
    if name.endswith(f"{FAX_SUFFIX}.pdf"):
        return "fax"
    suffix = name.rsplit(".", 1)[-1].lower()
    return {"tif": "tiff"}.get(suffix, suffix)


@dataclass(frozen=True)
class Outcome:
    """One row of the summary."""

    seq: int
    label: str
    status: str  # written, skipped (done by an earlier run, or not ready under --strict), failed, unreadable
    outputs: tuple[str, ...] = ()
    template: str = ""
    appeal_by: str = ""
    error: str = ""
    key: str = ""
    warnings: tuple[str, ...] = ()  # the letter's warnings and the coding check's errors and warnings
    level: str = ""
    verdict: str = ""  # ready, review or blocked (empty when no letter was built)
    reasons: tuple[tuple[str, str], ...] = ()  # (code, message) behind a review or blocked verdict
    case: tuple[tuple[str, str], ...] = ()  # case_columns(): read from the input, never stored in out/.batch/

    facts: dict | None = field(default=None, repr=False, compare=False)  # for the ledger (appeal.ledger.facts)
    # the letter's files as the worker left them, (temporary file, path), until the runner puts them in place
    # (runner.Placer); an outcome is told as done (summary, manifest, ledger) only after that
    staged: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)

    def columns(self) -> dict[str, str]:
        """The summary row, by column."""
        row = dict.fromkeys(SUMMARY_COLUMNS, "")
        row.update(self.case)
        row.update(input=self.label, status=SHOWN[self.status], verdict=self.verdict,
                   reasons=" | ".join(f"{c}: {m}" if m else c for c, m in self.reasons),
                   level=self.level, appeal_by=self.appeal_by, template=self.template, error=self.error,
                   warnings=" | ".join(self.warnings))
        for name in self.outputs:
            column = file_column(name)
            if column in FILE_COLUMNS:
                row[column] = " ".join(filter(None, (row[column], name)))
        return row

    def row(self) -> list[str]:
        return list(self.columns().values())

    def as_dict(self) -> dict:
        """The row's columns, with the lists as lists and the verdict as an object (as ``generate --json``)."""
        verdict = {"status": self.verdict, "reasons": [{"code": c, "message": m} for c, m in self.reasons]}
        return {**self.columns(), "verdict": verdict, "reasons": [c for c, _ in self.reasons],
                "warnings": list(self.warnings)}


@dataclass
class BatchResult:
    outcomes: Sequence[Outcome] = field(default_factory=list)  # in input order (the runner's: on disk, a Spool)
    warnings: list[str] = field(default_factory=list)
    summary: Path | None = None
    interrupted: bool = False  # Ctrl-C: the outcomes are what was done; a rerun of the same command resumes
    printed: Path | None = None  # --print: the one PDF of every ready letter, for mail
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))  # kept by tally()
    not_ready: int = 0  # letters written by this run whose verdict is review or blocked

    def tally(self, outcome: Outcome) -> None:
        """Count one finished item (the counts are kept as items finish; the outcomes are not in memory)."""
        self.counts[outcome.status] += 1
        if outcome.status == "written" and outcome.verdict and outcome.verdict != "ready":
            self.not_ready += 1

    def count(self, status: str) -> int:
        return self.counts[status]

    @property
    def exit_code(self) -> int:
        """0 all letters made; 1 some items failed; 2 nothing could be read; 130 stopped by Ctrl-C."""
        if self.interrupted:
            return INTERRUPTED
        unreadable = self.count("unreadable")
        if unreadable and unreadable == sum(self.counts.values()):
            return 2
        return 1 if unreadable or self.count("failed") else 0

    def as_dict(self) -> dict:
        return {"ok": self.exit_code == 0, "summary": str(self.summary) if self.summary else None,
                "counts": {s: self.count(s) for s in STATUSES},
                "items": [o.as_dict() for o in self.outcomes], "warnings": self.warnings,
                "print": str(self.printed) if self.printed else None}


class SummaryLog:
    """``summary.csv`` as the run goes: the header at once, then a row as each item finishes (flushed).

    A write that fails (a full disk) stops the log, never the batch; the error is kept for the result.
    """

    def __init__(self, path: Path):
        self.path = path
        self.error: str | None = None
        self.fh = None
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
            self.writer = csv.writer(self.fh, lineterminator="\n")
            self._write(SUMMARY_COLUMNS)
        except OSError as exc:
            self._fail(exc)

    def append(self, outcome: Outcome) -> None:
        if self.fh is not None:
            self._write(outcome.row())

    def _write(self, row) -> None:
        if self.fh is None:
            return
        try:
            self.writer.writerow([safe_text(str(cell)) for cell in row])
            self.fh.flush()
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self.error = f"summary.csv could not be written as items finished: {exc.strerror or exc}"
        self.close()

    def close(self) -> None:
        if self.fh is not None:
            try:
                self.fh.close()
            except OSError:
                pass
            self.fh = None


def write_summary(out_dir: Path, outcomes: Iterable[Outcome], xlsx: Path | None = None) -> Path:
    """``summary.csv`` (and the same as an Excel workbook, ``xlsx``): one row per item, written atomically, a row
    at a time (the outcomes may be on disk: :class:`~appeal.commands.batch.spool.Spool`)."""
    path = out_dir / SUMMARY
    with atomic_text(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([safe_text(c) for c in SUMMARY_COLUMNS])
        for outcome in outcomes:
            writer.writerow([safe_text(cell) for cell in outcome.columns().values()])
    if xlsx is not None:
        rows = [o.columns() for o in outcomes]
        flags = [row["appeal_by"][11:] for row in rows]

        def style(r: int, column: int, value: object) -> dict | None:
            colour = FLAG_COLOURS.get(flags[r]) if column == _APPEAL_BY else None
            return {"color": colour, "bold": True} if colour else None

        write_xlsx(xlsx, SUMMARY_COLUMNS, [_typed(row) for row in rows], title="worklist", widths=XLSX_WIDTHS,
                   style=style)
    return path


XLSX_WIDTHS = {SUMMARY_COLUMNS.index(c): w for c, w in (("input", 40), ("patient", 24), ("payer", 24),
                                                         ("error", 60), ("warnings", 60))}
FLAG_COLOURS = {"PAST DUE": "C00000", "due soon": "B35C00"}  # the appeal-by date in red, or amber
_APPEAL_BY = SUMMARY_COLUMNS.index("appeal_by")


def _typed(row: dict[str, str]) -> list:
    """Dates as dates (the appeal-by flag becomes the cell's colour), the amount as an exact number."""
    out: list = list(row.values())
    for column in ("dos", "appeal_by"):
        text = row[column]
        try:
            out[SUMMARY_COLUMNS.index(column)] = dt.date.fromisoformat(text[:10]) if text else ""
        except ValueError:
            pass  # not a date: kept as the text it is
    if row["amount"]:
        out[SUMMARY_COLUMNS.index("amount")] = Decimal(row["amount"])
    return out
