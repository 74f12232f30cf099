"""What ``generate``, ``packet`` and ``batch`` hand their letters to when a ledger is in use.

The ledger is opened (and checked) before any letter is written, so a ledger that is not one, or is
newer than this version, stops the command with nothing written. The letters are recorded after they
are written, in one transaction; when that fails (a lock held past the timeout, a read-only file), the
letters stay and the error says what was not recorded and how to record it.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence, overload

from appeal.errors import LedgerError, Problem
from appeal.inputs.case import Case
from appeal.inputs.workspace import Workspace
from appeal.ledger.facts import letter_facts, sha256_of
from appeal.ledger.store import Ledger, Target, parse_id, public_id, user


class Recorded(Sequence[dict]):
    """The letters recorded, as ``{"appeal": "A-000123", "created": True}``, kept as nine bytes each (a batch
    of 10,000 letters would otherwise hold 10,000 dicts until it ends)."""

    def __init__(self) -> None:
        self._ids = array("q")
        self._created = bytearray()

    def extend(self, done: Iterable[tuple[str, bool]]) -> None:
        for appeal, created in done:
            self._ids.append(parse_id(appeal) or 0)
            self._created.append(created)

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> dict: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[dict]: ...

    def __getitem__(self, index: int | slice) -> dict | Sequence[dict]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return {"appeal": public_id(self._ids[index]), "created": bool(self._created[index])}


@dataclass
class Recorder:
    target: Target
    workspace: Workspace | None = None
    by: str = field(default_factory=user)
    again: str = "run the same command again"  # how to record what could not be recorded
    recorded: Recorded = field(default_factory=Recorded)  # {"appeal", "created"} per letter recorded
    _ledger: Ledger | None = None

    def open(self) -> Ledger:
        """The ledger, opened and checked the first time: it must take a write now, before a letter is written
        (a read-only or locked ledger found after them would leave letters unrecorded)."""
        if self._ledger is None:
            ledger = Ledger(self.target)
            ledger.check_writable()
            self._ledger = ledger
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
            done = ledger.record_letters(conn, items, self.by)
        self.recorded.extend(done)

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

    Letters are recorded in input order (``seq``; every item is told, with or without facts), so appeal
    ids follow the input as when all were recorded at the end, whichever worker finished first. After a
    failure nothing more is tried (a locked ledger would make each chunk wait); :meth:`finish` raises the
    error with every letter that was not recorded.
    """

    recorder: Recorder
    chunk: int = 256
    pending: list[dict] = field(default_factory=list)
    failed: LedgerError | None = None
    letters: int = 0  # not recorded, after a failure
    files: int = 0
    folders: set[str] = field(default_factory=set)
    waiting: dict[int, dict | None] = field(default_factory=dict)  # finished ahead of an earlier item
    next: int = 0

    def add(self, seq: int, facts: dict | None) -> None:
        """Item ``seq`` is finished; ``facts`` is its letter's (``None``: no letter to record)."""
        self.waiting[seq] = facts
        while self.next in self.waiting:
            found = self.waiting.pop(self.next)
            self.next += 1
            if found is not None:
                self.pending.append(found)
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
        for seq in sorted(self.waiting):  # after Ctrl-C, items that finished past one left undone
            if (found := self.waiting.pop(seq)) is not None:
                self.pending.append(found)
        self.flush()
        if self.failed is not None:
            raise self.recorder.not_recorded(self.failed, self.letters, self.files, self.folders)
