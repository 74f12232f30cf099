"""The batch's result: one :class:`Outcome` per item, and ``summary.csv``."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from appeal.deliver.files import write_atomic

SUMMARY = "summary.csv"
SUMMARY_COLUMNS = ("input", "status", "verdict", "reasons", "outputs", "template", "appeal_by", "error", "warnings")
STATUSES = ("written", "skipped", "failed", "unreadable")


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
    verdict: str = ""  # ready, review or blocked (empty when no letter was built)
    reasons: tuple[tuple[str, str], ...] = ()  # (code, message) behind a review or blocked verdict
    facts: dict | None = field(default=None, repr=False, compare=False)  # for the ledger (appeal.ledger.facts)

    def row(self) -> list[str]:
        status = "failed" if self.status == "unreadable" else self.status  # the summary says written/skipped/failed
        return [self.label, status, self.verdict, " | ".join(f"{c}: {m}" if m else c for c, m in self.reasons),
                " ".join(self.outputs), self.template, self.appeal_by, self.error, " | ".join(self.warnings)]

    def as_dict(self) -> dict:
        verdict = {"status": self.verdict, "reasons": [{"code": c, "message": m} for c, m in self.reasons]}
        return dict(zip(SUMMARY_COLUMNS, [self.label, self.status, verdict, [c for c, _ in self.reasons],
                                          list(self.outputs), self.template, self.appeal_by, self.error,
                                          list(self.warnings)]))


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    summary: Path | None = None
    printed: Path | None = None  # --print: the one PDF of every ready letter, for mail

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def exit_code(self) -> int:
        """0 all letters made; 1 some items failed; 2 nothing could be read."""
        unreadable = self.count("unreadable")
        if unreadable and unreadable == len(self.outcomes):
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
            self.writer.writerow(row)
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


def write_summary(out_dir: Path, outcomes: list[Outcome]) -> Path:
    """``summary.csv``: one row per input item, written atomically at the end of the run."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SUMMARY_COLUMNS)
    writer.writerows(o.row() for o in outcomes)
    path = out_dir / SUMMARY
    write_atomic(path, buffer.getvalue().encode("utf-8"))
    return path
