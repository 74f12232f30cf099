"""What a batch remembers between runs, in ``out/.batch/``: hashes and file names, never patient data.

``manifest.json`` maps a hash of each item's content (and of the templates,
citations, profile and formats it was made with: :func:`fingerprint`) to the file
names it produced; a rerun skips items whose letters are all there.
"""

from __future__ import annotations

import hashlib
import json
import os
from itertools import chain
from pathlib import Path
from typing import IO, Iterable, Iterator

from appeal import __version__
from appeal.commands.batch.summary import Outcome
from appeal.deliver.files import atomic_text, remove_leftovers
from appeal.errors import OutputError
from appeal.resources import builtin_dir
from appeal.settings import Settings

STATE_DIR = ".batch"
CASES_DIR = "cases"  # the case files made from remittances, for the biller to fix and rerun
LOCK = "lock"  # in STATE_DIR: held by the running batch (deliver.files.held), empty
NAMES_DIR = "names"  # in STATE_DIR: a marker per letter name claimed (deliver.files.claim_stem)


class Manifest:
    """Content hash -> the file names its letters were written to (no patient data).

    ``manifest.json`` is what earlier runs made. While a run goes, each letter made is appended to
    ``manifest.log`` as one JSON line, so the work per letter stays the same however long the run
    (rewriting the whole manifest every second grew with it); :meth:`flush` folds the log into
    ``manifest.json`` once, at the end, and removes it. A run killed before that leaves its log,
    and the next run reads it back (a line cut short by the kill is ignored: its letter is made
    again). New entries live in the log, not in memory, so the parent stays the same size.
    """

    def __init__(self, path: Path):
        self.path = path
        self.log_path = path.with_name(path.stem + ".log")
        self.done: dict[str, dict] = {}
        self._log: IO[str] | None = None
        self.error: str | None = None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == 1 and isinstance(data.get("done"), dict):
                self.done = data["done"]
        except (OSError, ValueError, AttributeError):
            pass  # no manifest yet, or an unreadable one: every item is made again
        if self.log_path.exists():  # a killed run's log: folded in now, so the log holds only this run's letters
            self.done.update(self._logged())
            self._write(self.done.items())

    def _logged(self) -> Iterator[tuple[str, dict]]:
        """The entries in the log, in order; a line that is not a whole entry is skipped."""
        try:
            log = self.log_path.open(encoding="utf-8", errors="replace")  # a line at a time, never all of it
        except OSError:
            return
        with log:
            yield from self._entries(log)

    @staticmethod
    def _entries(lines: Iterable[str]) -> Iterator[tuple[str, dict]]:
        for line in lines:
            try:
                entry = json.loads(line)
                key = entry.pop("key")
            except (ValueError, TypeError, KeyError, AttributeError):
                continue
            if isinstance(key, str) and isinstance(entry.get("outputs"), list):
                yield key, entry

    def complete(self, key: str, out_dir: Path) -> dict | None:
        entry = self.done.get(key)
        if entry and entry.get("outputs") and all((out_dir / name).is_file() for name in entry["outputs"]):
            return entry
        return None

    def record(self, outcome: Outcome) -> None:
        """Append one made item to the log (flushed to the operating system at once)."""
        if self.error is not None:
            return
        # what a resumed row needs besides the case (read again from the input): no patient data here
        entry = {"key": outcome.key, "outputs": list(outcome.outputs), "template": outcome.template,
                 "level": outcome.level, "verdict": outcome.verdict,
                 "reasons": [list(reason) for reason in outcome.reasons], "warnings": list(outcome.warnings)}
        try:
            if self._log is None:
                cut_short = self._ends_mid_line()
                fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                self._log = os.fdopen(fd, "a", encoding="utf-8")
                if cut_short:
                    self._log.write("\n")
            self._log.write(json.dumps(entry) + "\n")
            self._log.flush()
            self.done.pop(outcome.key, None)  # made again: the log's entry replaces the earlier run's
        except OSError as exc:
            self._failed(OutputError(f"cannot write the file: {exc.strerror}", file=str(self.log_path)))

    def _ends_mid_line(self) -> bool:
        """Whether a killed run's log ends in a line cut short (the next entry must start a new line)."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(-1, os.SEEK_END)
                return log.read(1) != b"\n"
        except OSError:  # no log, or an empty one
            return False

    def flush(self) -> None:
        """``manifest.json`` rewritten once with what the log added, and the log removed. A failure (a full
        disk) costs only resuming, so it is a warning, once."""
        if self._log is not None:
            self._log.close()
            self._log = None
        if not self.log_path.exists():
            return
        self._write(chain(self.done.items(), self._logged()))

    def _write(self, entries: Iterable[tuple[str, dict]]) -> None:
        """``manifest.json`` written a line at a time (the log is never all in memory), then the log removed.
        Each key appears once: an earlier run's entry made again in this run left ``done`` when it was logged."""
        try:
            with atomic_text(self.path) as fh:
                fh.write('{"version": 1, "done": {')
                first = True
                for key, entry in entries:
                    fh.write(("" if first else ", ") + json.dumps(key) + ": " + json.dumps(entry))
                    first = False
                fh.write("}}\n")
        except OutputError as exc:
            self._failed(exc)
            return  # the log stays: the next run reads it back
        self.log_path.unlink(missing_ok=True)

    def _failed(self, exc: Exception) -> None:
        if self.error is None:
            self.error = f"the resume state was not saved ({exc}); a rerun makes every letter again"


def fingerprint(settings: Settings, formats: Iterable[str]) -> str:
    """A hash of everything besides the input that shapes a letter: a change redoes the items. A letter date
    given with ``--date`` is one (a rerun with another date makes the letters of that date); today's date is not
    (a run resumed the next day keeps the letters made)."""
    pinned = settings.date.isoformat() if settings.date else ""
    digest = hashlib.sha256(f"{__version__}|{','.join(formats)}|{pinned}|{settings.mail}".encode())
    for given in (settings.reference_docx, settings.stationery, settings.stationery_rest):
        digest.update(b"|" + (_file_bytes(given) if given is not None else b""))
    folders = [*settings.template_dirs, *settings.citation_dirs, builtin_dir("templates"), builtin_dir("citations")]
    if settings.workspace is not None:
        folders += [settings.workspace / "templates", settings.workspace / "citations"]
        digest.update(_file_bytes(settings.workspace / "appeal.yaml"))
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")) if Path(folder).is_dir() else ():
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode() + _file_bytes(path))
    return digest.hexdigest()


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def remove_stale_parts(out_dir: Path, finished: bool = False) -> None:
    """Temporary files a killed run left in the batch's folders: they may hold PHI. Those of a process of this
    machine that is gone, and those whose process cannot be told (``files.remove_leftovers``); a batch running
    into the same folder keeps its own; this process's own when the run is ``finished``. Where processes
    cannot be asked (Windows), every ``.*.part``."""
    for folder in (out_dir, out_dir / CASES_DIR, out_dir / STATE_DIR, out_dir / STATE_DIR / NAMES_DIR):
        if os.name == "posix":
            remove_leftovers(folder, unnamed=True, own=finished)
            continue
        for path in folder.glob(".*.part") if folder.is_dir() else ():
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass  # a read-only folder: writing there fails next, with its own message
