"""The batch's result: one :class:`Outcome` per item, and ``summary.csv``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from appeal.deliver.files import write_atomic

SUMMARY = "summary.csv"
SUMMARY_COLUMNS = ("input", "status", "outputs", "template", "appeal_by", "error", "warnings")
STATUSES = ("ok", "skipped", "failed", "unreadable")


@dataclass(frozen=True)
class Outcome:
    """One row of the summary."""

    seq: int
    label: str
    status: str  # ok, skipped (done by an earlier run), failed, unreadable
    outputs: tuple[str, ...] = ()
    template: str = ""
    appeal_by: str = ""
    error: str = ""
    key: str = ""
    warnings: tuple[str, ...] = ()  # the letter's warnings and the coding check's errors and warnings

    def row(self) -> list[str]:
        return [self.label, self.status, " ".join(self.outputs), self.template, self.appeal_by, self.error,
                " | ".join(self.warnings)]

    def as_dict(self) -> dict:
        return dict(zip(SUMMARY_COLUMNS, [self.label, self.status, list(self.outputs), self.template,
                                          self.appeal_by, self.error, list(self.warnings)]))


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    summary: Path | None = None

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
                "items": [o.as_dict() for o in self.outcomes], "warnings": self.warnings}


def write_summary(out_dir: Path, outcomes: list[Outcome]) -> Path:
    """``summary.csv``: one row per input item, written atomically at the end of the run."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SUMMARY_COLUMNS)
    writer.writerows(o.row() for o in outcomes)
    path = out_dir / SUMMARY
    write_atomic(path, buffer.getvalue().encode("utf-8"))
    return path
