"""The batch runner: inputs -> items -> workers -> outcomes -> ``summary.csv``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Callable, Iterable, Iterator

from appeal.commands.batch.items import Item, iter_items
from appeal.commands.batch.manifest import (
    CASES_DIR,
    LOCK,
    NAMES_DIR,
    STATE_DIR,
    Manifest,
    fingerprint,
    remove_stale_parts,
)
from appeal.commands.batch.place import Placer
from appeal.commands.batch.reader import Reader
from appeal.commands.batch.spool import Spool
from appeal.commands.batch.summary import SUMMARY, BatchResult, Outcome, SummaryLog, write_summary
from appeal.commands.batch.worker import Job, Worker, run_items, start_worker
from appeal.deliver.files import ensure_dir, held
from appeal.errors import OutputError, Problem
from appeal.inputs.table import ColumnMap, load_column_map
from appeal.ledger.recorder import Batched, Recorder
from appeal.render.formats import FORMATS
from appeal.settings import Settings, Sources


def run_batch(inputs: Iterable[Path], out_dir: Path | str, settings: Settings, jobs: int | None = None,
              force: bool = False, formats: Iterable[str] = FORMATS,
              progress: Callable[[Outcome], None] | None = None, today: dt.date | None = None,
              recorder: Recorder | None = None, packet: bool = False, fax: bool = False, tiff: bool = False,
              tiff_g4: bool = False, print_to: Path | None = None, strict: bool = False,
              columns: Path | None = None, xlsx: Path | None = None,
              started: Callable[[int], None] | None = None) -> BatchResult:
    """Make every input's letters in ``out_dir``; write ``summary.csv``; never stop at a bad item.
    With ``strict``, only letters whose verdict is ready are written.

    ``summary.csv`` exists from the first item: each row is appended as its item finishes, so a
    full disk or a killed run still leaves the list of what was and was not written; at the end
    it is rewritten in input order. ``recorder`` (a ledger is in use) records the letters as they are
    made, a transaction per few hundred (``ledger.recorder.Batched``); what could not be recorded is raised
    after the summary. ``packet``, ``fax``, ``tiff`` and ``tiff_g4`` deliver each letter as
    ``packet`` does; ``print_to`` also writes one print file of every ready letter and its exhibits, in the
    summary's order (the letters are then for mail: a letter without a payer address is not ready).
    ``columns`` is a column map for CSV and XLSX inputs (else
    ``csv_columns`` in the profile); ``xlsx`` is a workbook to write the summary to as well.
    ``started`` is told the number of items before ``progress`` hears of the first (the workers start on the
    first letters while the inputs are still being read; the number comes once the last input is parsed).
    Ctrl-C stops the run
    after the letters in progress: ``interrupted`` is set and the summary lists what was done.
    """
    column_map = load_column_map(columns) if columns is not None else None  # a bad map stops the run (exit 2)
    out_dir = ensure_dir(Path(out_dir))
    if print_to is not None:
        settings = dataclasses.replace(settings, mail=True)
    job = Job(settings, out_dir, tuple(formats), today or dt.date.today(), packet=packet or print_to is not None,
              fax=fax, tiff=tiff, tiff_g4=tiff_g4, strict=strict, ledger=recorder is not None)
    state_dir = ensure_dir(out_dir / STATE_DIR)
    busy = Problem(str(out_dir), "another appeal batch is writing its letters to this folder",
                   accepted="wait until it ends, or give this run another output folder (-o)")
    with held(state_dir / LOCK, busy):  # two runs would claim the same names and rewrite one manifest
        ensure_dir(state_dir / NAMES_DIR)
        remove_stale_parts(out_dir)
        manifest = Manifest(state_dir / "manifest.json")
        result = BatchResult()
        sources = Sources.load(settings)  # a bad profile, template or citation file stops the run here (exit 2)
        sources.templates.all()
        stamp = fingerprint(settings, job.delivery())
        if column_map is None and sources.workspace is not None:
            column_map = sources.workspace.csv_columns

        log = SummaryLog(out_dir / SUMMARY)
        outcomes: Spool[Outcome] = Spool(state_dir)  # on disk, not in memory: the parent stays the same size
        ledger = Batched(recorder) if recorder is not None else None

        def done(outcome: Outcome) -> None:  # told by the placer once the outcome's files are on disk
            if ledger is not None:
                ledger.add(outcome.seq, outcome.facts)
            if outcome.facts is not None:
                outcome = dataclasses.replace(outcome, facts=None)
            outcomes.put(outcome.seq, outcome)
            result.tally(outcome)
            log.append(outcome)
            if outcome.status == "written":
                manifest.record(outcome)
            told.progress(outcome)

        worker = Worker(job, sources)  # in this process, with the sources already read
        jobs = max(1, jobs or os.cpu_count() or 1)
        listing: Listing = (list(inputs), settings, stamp, job.today, column_map, out_dir / CASES_DIR)
        told = _Told(started, progress)
        placer = Placer(done)
        reader: Reader | None = None
        try:
            if jobs == 1:
                inputs_, _, _, _, _, cases = listing
                listed = iter_items(inputs_, sources, stamp, result.warnings, job.today, column_map, cases,
                                    total=told.total)
                for item in _skip_done(listed, manifest, out_dir, force, placer.add, worker):
                    placer.add(worker.run(item))
            else:
                reader = Reader(listing, _context())
                sort = _Sorter(manifest, out_dir, force, placer.add, worker)
                _in_pool(reader, sort, jobs, job, placer, told)
        except KeyboardInterrupt:  # Ctrl-C: what was done is kept, and listed in summary.csv; a rerun resumes
            result.interrupted = True
        finally:
            try:
                if reader is not None:
                    reader.close()  # stops it, if it is still reading
                    result.warnings.extend(reader.warnings)
                placer.finish()  # the letters made are put in place, then logged
                told.total(sum(result.counts.values()))  # if the listing never said (Ctrl-C before)
            finally:
                manifest.flush()
                log.close()
                remove_stale_parts(out_dir, finished=True)  # a worker that died mid-letter (this run writes no more)
        result.outcomes = outcomes  # in input order
        try:
            result.summary = write_summary(out_dir, result.outcomes, xlsx)
        except OutputError as exc:  # the rows appended as items finished stay, in the order they finished
            result.summary = log.path if log.error is None else None
            result.warnings.append(f"summary.csv was not rewritten in input order ({exc})"
                                   + ("" if log.error is None else f"; {log.error}"))
        if manifest.error:
            result.warnings.append(manifest.error)
        if ledger is not None:
            ledger.finish()
        if print_to is not None:
            result.printed = _print(result, out_dir, Path(print_to))
        return result


def _print(result: BatchResult, out_dir: Path, target: Path) -> Path | None:
    """The print file: each ready letter's packet, in the summary's order, each starting on an odd page."""
    from appeal.deliver.mail import print_file

    ready = []
    for outcome in result.outcomes:
        packet = next((name for name in outcome.outputs if name.endswith("_packet.pdf")), None)
        if outcome.status not in ("written", "skipped") or packet is None:
            continue
        unmailable = _not_for_the_window(outcome)
        if unmailable:
            result.warnings.append(f"{outcome.label}: not in the print file: {unmailable}")
            continue
        ready.append(out_dir / packet)
    if not ready:
        result.warnings.append(f"no letter is ready to print; {target} was not written")
        return None
    print_file(ready, target)
    return target


def _not_for_the_window(outcome: Outcome) -> str | None:
    """Why a letter cannot go in the print file as it is (its letters are mailed in a window envelope), or None:
    no payer address to show, a letterhead the window would show (the letter is fine for a portal or fax), or a
    verdict other than ready (the README: the print file holds every *ready* letter)."""
    if any("[no-payer-address]" in warning for warning in outcome.warnings):
        return "no payer address for the window envelope [no-payer-address]"
    codes = {code for code, _ in outcome.reasons}
    if "payer-address-too-long" in codes:
        return "the payer's address fits no window: the window would show none [payer-address-too-long]"
    if "letterhead-in-window" in codes:
        return "the window envelope would show its letterhead [letterhead-in-window]"
    if outcome.verdict != "ready":  # the print file is mailed as it is: a letter to review or blocked is not
        reasons = ", ".join(dict.fromkeys(code for code, _ in outcome.reasons))
        return f"its verdict is {outcome.verdict or 'unknown'}" + (f" ({reasons})" if reasons else "")
    return None


Listing = tuple[list[Path], Settings, str, dt.date, "ColumnMap | None", Path]  # iter_items' inputs, for the reader


# imported once in the fork server, for every worker; markdown-it too, which a letter with a list needs and a
# letter of plain paragraphs does not (compose imports it when first needed)
PRELOAD = ["appeal.commands.batch.worker", "appeal.render.docx", "appeal.render.pdf", "markdown_it"]


def _context() -> multiprocessing.context.BaseContext:
    """Where the batch's helper processes come from: the fork server (a plain fork would copy the parent's
    memory, the parsed remittance included), or spawn where there is none.

    The fork server imports the worker and both renderers once (:data:`PRELOAD`), before it forks the
    first helper: each worker then starts with them imported instead of importing them itself (about
    0.4 s of CPU per worker, spent again by every worker of every run). It imports code only, never the
    run's data."""
    if sys.platform == "win32":
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _skip_done(items: Iterator[Item | Outcome], manifest: Manifest, out_dir: Path, force: bool,
               done: Callable[[Outcome], None], worker: Worker) -> Iterator[Item]:
    """Items still to make; the rest (unreadable inputs, letters already made) are reported at once."""
    sort = _Sorter(manifest, out_dir, force, done, worker)
    for item in items:
        if sort(item):
            yield item  # type: ignore[misc]


@dataclasses.dataclass
class _Sorter:
    """True for an item still to make; the rest (unreadable inputs, letters already made) are told at once."""

    manifest: Manifest
    out_dir: Path
    force: bool
    done: Callable[[Outcome], None]
    worker: Worker

    def __call__(self, item: Item | Outcome) -> bool:
        if isinstance(item, Outcome):
            self.done(item)
            return False
        entry = None if self.force else self.manifest.complete(item.key, self.out_dir)
        if entry:
            self.done(self.worker.resumed(item, entry))
            return False
        return True


class _Told:
    """The progress callbacks: ``started`` once, with the number of items, before any outcome is told
    to ``progress``. The number comes from the listing, while letters are already being made: the
    outcomes finished before it are told right after it (their number and status only are kept)."""

    def __init__(self, started: Callable[[int], None] | None, progress: Callable[[Outcome], None] | None):
        self.started, self._progress = started, progress
        self.said = False
        self.waiting: list[Outcome] = []

    def total(self, count: int | None) -> None:
        if self.said or count is None:
            return
        self.said = True
        if self.started:
            self.started(count)
        waiting, self.waiting = self.waiting, []
        for outcome in waiting:
            self.progress(outcome)

    def progress(self, outcome: Outcome) -> None:
        if self._progress is None:
            return
        if self.said:
            self._progress(outcome)
        else:
            self.waiting.append(Outcome(outcome.seq, outcome.label, outcome.status, verdict=outcome.verdict))


PER_TASK = 4  # items a worker is handed at a time (see per_task)


def per_task(count: int | None, jobs: int) -> int:
    """Items per pool task: :data:`PER_TASK`, fewer when there are too few items to keep every worker busy
    (one until their number is known).

    Each task costs the parent about 0.5 ms of CPU whatever its size (the pool's threads hand it over
    and back; measured with 10 ms tasks on this 2-core machine), a third of its work per letter: four
    items a task cut that to about 0.13 ms an item. A worker then finishes up to four letters after a
    Ctrl-C (about 50 ms) instead of one.
    """
    if count is None:
        return 1
    return max(1, min(PER_TASK, count // (8 * jobs)))


def _in_pool(reader: Reader, sort: Callable[[Item | Outcome], bool], jobs: int, job: Job, placer: Placer,
             told: _Told) -> None:
    """At most ``2 * jobs`` tasks in flight, so a 10,000-row input costs no more memory than 100.

    Items are handed out as the reader lists them: a task of :func:`per_task` items, or fewer when a
    worker would otherwise wait for the reader. Workers start from a fork server, not from this process:
    a forked worker would carry the parent's memory in its own. Each outcome goes to ``placer``; while
    it waits, the runner also wakes when the reader has more items, or a chunk is placed or due
    (:meth:`Placer.busy`, :meth:`Placer.due_in`).
    """
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=start_worker, initargs=(job,))
    pending: set = {pool.submit(_no_items) for _ in range(jobs)}  # every worker starts (loads its sources) now,
    ready: list[Item] = []                                         # while the reader parses the remittance

    def collect(listening: bool) -> None:
        placing = placer.busy()
        arrived = {reader.arrived} if listening else set()
        finished, _ = wait(pending | placing | arrived, timeout=placer.due_in(), return_when=FIRST_COMPLETED)
        for future in finished - placing - arrived:
            pending.discard(future)
            for outcome in future.result():
                placer.add(outcome)
        placer.service()

    try:
        while True:
            told.total(reader.total)
            size = per_task(reader.total, jobs)
            if len(ready) < size and not reader.done:
                ready += [item for item in reader.take(size - len(ready)) if sort(item)]  # type: ignore[misc]
            if ready and len(pending) < 2 * jobs and (len(ready) >= size or reader.done or len(pending) < jobs):
                pending.add(pool.submit(run_items, job, ready[:size]))
                del ready[:size]
                continue
            if reader.done and not ready and not pending:
                break
            collect(listening=len(ready) < size and not reader.done and len(pending) < 2 * jobs)
    except KeyboardInterrupt:  # the letters being made are finished and kept; the queued ones are not started
        pool.shutdown(wait=True, cancel_futures=True)
        for future in pending:
            if future.done() and not future.cancelled() and future.exception() is None:
                for outcome in future.result():
                    placer.add(outcome)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # no worker writes once this returns


def _no_items() -> list[Outcome]:
    """A first task for each worker, so that the pool starts them at once (it starts one per task)."""
    return []
