"""What ``generate``, ``packet`` and ``batch`` hand their letters to when a ledger is in use.

The ledger is opened (and checked) before any letter is written, so a ledger that is not one, or is
newer than this version, stops the command with nothing written. The letters are recorded after they
are written, in one transaction; when that fails (a lock held past the timeout, a read-only file), the
letters stay and the error says what was not recorded and how to record it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from appeal.errors import LedgerError, Problem
from appeal.inputs.case import Case
from appeal.inputs.workspace import Workspace
from appeal.ledger.facts import letter_facts, sha256_of
from appeal.ledger.store import Ledger, Target, user


@dataclass
class Recorder:
    target: Target
    workspace: Workspace | None = None
    by: str = field(default_factory=user)
    again: str = "run the same command again"  # how to record what could not be recorded
    recorded: list[dict] = field(default_factory=list)  # {"appeal", "created"} per letter recorded
    _ledger: Ledger | None = None

    def open(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger(self.target)
        return self._ledger

    def letter(self, case: Case, template: str, outputs: Iterable[Path], level: str | None = None) -> None:
        """Record one letter just written (``generate``, ``packet``, ``track next``)."""
        self.record([letter_facts(case, template, outputs, self.workspace, level)])

    def record(self, items: list[dict]) -> None:
        """Record the letters' denials and appeals (status drafted), all in one transaction."""
        if not items:
            return
        ledger = self.open()
        items = [{**facts, "letters": [[path, sha256_of(Path(path))] for path in facts["letters"]]}
                 for facts in items]
        try:
            with ledger.write() as conn:
                done = [ledger.record_letter(conn, facts, self.by) for facts in items]
        except LedgerError as exc:
            files = sum(len(facts["letters"]) for facts in items)
            folders = sorted({str(Path(path).parent) for facts in items for path, _ in facts["letters"]})
            raise LedgerError([*exc.problems, Problem(
                self.target.shown, f"{len(items)} letter(s) ({files} file(s) in {', '.join(folders)}) were "
                f"written and are kept, but their 'drafted' events were not recorded in the ledger; to record "
                f"them once the ledger can be used, {self.again} (a letter made again is the same appeal, "
                f"never a second one)")]) from None
        self.recorded.extend({"appeal": appeal, "created": created} for appeal, created in done)
