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
        try:
            self.write(items)
        except LedgerError as exc:
            raise self.not_recorded(exc, len(items), sum(len(facts["letters"]) for facts in items),
                                    {str(Path(_path(entry)).parent) for facts in items
                                     for entry in facts["letters"]}) from None

    def write(self, items: list[dict]) -> None:
        """``items`` in one transaction; a failure is the ledger's own error (:meth:`not_recorded` explains it)."""
        ledger = self.open()
        items = [{**facts, "letters": [entry if isinstance(entry, (list, tuple)) else [entry, sha256_of(Path(entry))]
                                       for entry in facts["letters"]]}
                 for facts in items]
        with ledger.write() as conn:
            done = [ledger.record_letter(conn, facts, self.by) for facts in items]
        self.recorded.extend({"appeal": appeal, "created": created} for appeal, created in done)

    def not_recorded(self, exc: LedgerError, letters: int, files: int, folders: set[str]) -> LedgerError:
        """The ledger's error, and what was written but not recorded, and how to record it."""
        return LedgerError([*exc.problems, Problem(
            self.target.shown, f"{letters} letter(s) ({files} file(s) in {', '.join(sorted(folders))}) were "
            f"written and are kept, but their 'drafted' events were not recorded in the ledger; to record "
            f"them once the ledger can be used, {self.again} (a letter made again is the same appeal, "
            f"never a second one)")])


def _path(entry: str | list) -> str:
    """A letter of the facts: its path, or ``[path, sha256]`` when its maker hashed it already."""
    return entry if isinstance(entry, str) else entry[0]


@dataclass
class Batched:
    """A long run's letters, recorded as they are made: one transaction per :data:`CHUNK` letters, so the
    process never holds every letter's facts, and most of the work is done while the workers draw letters.

    After a failure nothing more is tried (a locked ledger would make each chunk wait); :meth:`finish`
    raises the error with every letter that was not recorded.
    """

    recorder: Recorder
    chunk: int = 256
    pending: list[dict] = field(default_factory=list)
    failed: LedgerError | None = None
    letters: int = 0  # not recorded, after a failure
    files: int = 0
    folders: set[str] = field(default_factory=set)

    def add(self, facts: dict) -> None:
        self.pending.append(facts)
        if len(self.pending) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        items, self.pending = self.pending, []
        if self.failed is None and items:
            try:
                self.recorder.write(items)
                return
            except LedgerError as exc:
                self.failed = exc
        for facts in items:
            self.letters += 1
            self.files += len(facts["letters"])
            self.folders.update(str(Path(_path(entry)).parent) for entry in facts["letters"])

    def finish(self) -> None:
        self.flush()
        if self.failed is not None:
            raise self.recorder.not_recorded(self.failed, self.letters, self.files, self.folders)
