"""Putting the batch's letters in place: one disk sync for many letters, then they are told as done.

A worker writes a letter's files to temporary files beside their names without flushing them
(:func:`~appeal.deliver.letter.stage_letter`; a flush per file blocked each worker about 1 ms a file on
this machine, while a core stood idle) and hands back its :class:`Outcome` with the files it staged.
The runner gives every outcome to a :class:`Placer`, which gathers them for at most :data:`EVERY`
seconds, or until it has a chunk's letters (1 at first, then 2, 4, ... up to :data:`MOST`, so the
first letters are in place at once and a long run syncs about twice a second), and then, in a
thread of its own so the workers are fed meanwhile,
puts the chunk in place with :func:`~appeal.deliver.files.place_staged`: one sync of the filesystem
(every worker's files at once), the renames, a flush of the folder. Only then is each outcome *told*:
its row appended to ``summary.csv``, its line to ``.batch/manifest.log`` (which a resumed run
trusts) and its facts to the ledger, in that thread's caller, the main thread.

What this keeps, and what a crash can leave:

- A file at a letter's name is whole, even after a power loss: it gets the name only after it is on
  disk. A letter logged as done is on disk, under its name: the log line is written after the renames
  and the folder are flushed.
- ``kill -9`` (or a power loss) can leave: temporary ``.<name>.<host>-<pid>-<n>.part`` files of the letters
  not yet placed (removed when the next run starts: ``manifest.remove_stale_parts``); letters placed
  but not yet logged, which the next run makes again under the same names (the name markers hold the
  case's key); name markers of letters never written (harmless: the same case takes the name again).
  After a power loss the log may also miss its last lines (it is not flushed to disk), and those
  letters are made again.
- Ctrl-C and every error the program handles end with :meth:`Placer.finish`: the letters made are put
  in place and told, and what cannot be placed is removed; nothing with patient data stays in a
  temporary file.
"""

from __future__ import annotations

import dataclasses
import signal
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator

from appeal.commands.batch.summary import Outcome
from appeal.deliver.files import discard_staged, place_staged, why
from appeal.errors import OutputError

EVERY = 0.5  # seconds an outcome waits, at most, before its chunk is put in place (more when a sync is slow)
MOST = 512  # letters that make a chunk due at once, whatever the time


class Placer:
    """Outcomes in, told as done once their files are in place (see the module's docstring).

    ``add`` takes each outcome as it comes; ``service`` (called by ``add``, and by the runner when
    :meth:`due_in` says so or :meth:`busy` is done) tells a placed chunk and starts the next when it is
    due; ``finish`` places and tells the rest. One chunk is placed at a time: outcomes that come while
    a sync is slow wait for the next one, which is larger. Outcomes without staged files (failed,
    skipped, written by the packet path, which flushes its files itself) are told with their chunk.
    """

    def __init__(self, told: Callable[[Outcome], None], every: float = EVERY, most: int = MOST):
        self.told = told
        self.every, self.most = every, most
        self.size = 1  # letters that make a chunk due (doubled by each chunk, up to most)
        self.waiting: list[Outcome] = []
        self.since = 0.0  # when the first waiting outcome came (time.monotonic)
        self.chunk: list[Outcome] = []  # being placed, or placed and being told
        self.placing: Future | None = None
        self._thread: ThreadPoolExecutor | None = None

    def add(self, outcome: Outcome) -> None:
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append(outcome)
        self.service()

    def busy(self) -> set[Future]:
        """The chunk being placed, for the runner to wait on beside its workers."""
        return {self.placing} if self.placing is not None else set()

    def due_in(self) -> float | None:
        """Seconds until the waiting outcomes are due to be placed; ``None``: nothing to wait for but
        :meth:`busy`, or nothing at all."""
        if self.placing is not None or not self.waiting:
            return None
        return max(0.0, self.since + self.every - time.monotonic())

    def service(self) -> None:
        if self.placing is not None and not self.placing.done():
            return
        self._tell()
        if self.waiting and (len(self.waiting) >= self.size or time.monotonic() - self.since >= self.every):
            self._start()

    def finish(self) -> None:
        """Place and tell everything (after Ctrl-C too); what cannot be placed is removed, never left."""
        try:
            while self.placing is not None or self.chunk or self.waiting:
                if self.placing is not None:
                    self.placing.exception()  # waits for the sync and the renames
                if self.placing is not None or self.chunk:
                    self._tell()
                else:
                    self._start()
        finally:
            if self.placing is not None:
                self.placing.exception()
            discard_staged(_groups(self.chunk + self.waiting))  # left only when telling failed
            if self._thread is not None:
                self._thread.shutdown()

    def _start(self) -> None:
        with ctrl_c_held():  # the outcomes are in one of the two lists, never both or neither
            self.chunk, self.waiting = self.waiting, []
        self.size = min(self.most, 2 * self.size)
        groups = _groups(self.chunk)
        if not any(groups):
            self._tell()  # nothing to place
            return
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="appeal-batch-place")
        self.placing = self._thread.submit(place_staged, groups)

    def _tell(self) -> None:
        """Tell the chunk, once it is placed (an outcome whose files could not be placed is told as failed)."""
        if self.placing is not None:
            try:
                results = self.placing.result()
            except OSError as exc:  # the sync itself failed: the output folder is gone or unreadable
                discard_staged(_groups(self.chunk))
                results = [OutputError(f"cannot write the file: {why(exc)}", file=outcome.staged[0][1])
                           if outcome.staged else None for outcome in self.chunk]
            self.chunk = [_placed(outcome, error) for outcome, error in zip(self.chunk, results)]
            self.placing = None
        while self.chunk:
            with ctrl_c_held():  # taken off and told whole: never told twice, never taken off and not told
                self.told(self.chunk.pop(0))


@contextmanager
def ctrl_c_held() -> Iterator[None]:
    """Ctrl-C held back while the block runs, then raised: an outcome placed is in summary.csv, the manifest and
    the ledger, or it is still the placer's to tell (a Ctrl-C between its summary row and its manifest line made
    a rerun make the letter again; one after it was taken off and before it was told left its letter unlisted).
    Only in the main thread, where Python runs signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    if caught:
        raise KeyboardInterrupt


def _groups(outcomes: list[Outcome]) -> list[tuple[tuple[str, str], ...]]:
    return [outcome.staged for outcome in outcomes]


def _placed(outcome: Outcome, error: OutputError | None) -> Outcome:
    """The outcome as it is told: its staged files in place, or failed with what stopped them (worded as when
    the worker wrote its files itself)."""
    if not outcome.staged:
        return outcome
    if error is None:
        return dataclasses.replace(outcome, staged=())
    return Outcome(outcome.seq, outcome.label, "failed", key=outcome.key, case=outcome.case,
                   error="; ".join(str(problem) for problem in error.problems))
