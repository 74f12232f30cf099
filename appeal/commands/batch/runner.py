"""The batch runner: inputs -> items -> workers -> outcomes -> ``summary.csv``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import os
import pickle
import sys
import tempfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Callable, Generator, Iterable, Iterator

from appeal.commands.batch.items import Item, iter_items
from appeal.commands.batch.manifest import CASES_DIR, NAMES_DIR, STATE_DIR, Manifest, fingerprint, remove_stale_parts
from appeal.commands.batch.place import Placer
from appeal.commands.batch.spool import Spool
from appeal.commands.batch.summary import SUMMARY, BatchResult, Outcome, SummaryLog, write_summary
from appeal.commands.batch.worker import Job, Worker, ignore_interrupts, run_items, start_worker
from appeal.deliver.files import ensure_dir
from appeal.errors import OutputError
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
    ``started`` is told the number of items before the first is made. Ctrl-C stops the run
    after the letters in progress: ``interrupted`` is set and the summary lists what was done.
    """
    column_map = load_column_map(columns) if columns is not None else None  # a bad map stops the run (exit 2)
    out_dir = ensure_dir(Path(out_dir))
    if print_to is not None:
        settings = dataclasses.replace(settings, mail=True)
    job = Job(settings, out_dir, tuple(formats), today or dt.date.today(), packet=packet or print_to is not None,
              fax=fax, tiff=tiff, tiff_g4=tiff_g4, strict=strict, ledger=recorder is not None)
    state_dir = ensure_dir(out_dir / STATE_DIR)
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
        if progress:
            progress(outcome)

    worker = Worker(job, sources)  # in this process, with the sources already read
    jobs = max(1, jobs or os.cpu_count() or 1)
    listing: Listing = (list(inputs), settings, stamp, job.today, column_map, out_dir / CASES_DIR)
    count, listed = _listed(listing, state_dir, result.warnings, sources if jobs == 1 else None)
    if started:
        started(count)
    placer = Placer(done)
    todo = _skip_done(listed, manifest, out_dir, force, placer.add, worker)
    try:
        if jobs == 1:
            for item in todo:
                placer.add(worker.run(item))
        else:
            _in_pool(todo, jobs, job, placer, per_task(count, jobs))
    except KeyboardInterrupt:  # Ctrl-C: what was done is kept, and listed in summary.csv; a rerun resumes
        result.interrupted = True
    finally:
        try:
            placer.finish()  # the letters made are put in place, then logged
        finally:
            manifest.flush()
            log.close()
            listed.close()  # the file of items
            remove_stale_parts(out_dir)  # a worker that died mid-letter (nothing else writes now)
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
        if any("[no-payer-address]" in warning for warning in outcome.warnings):
            result.warnings.append(f"{outcome.label}: not in the print file: no payer address for the "
                                   f"window envelope [no-payer-address]")
            continue
        ready.append(out_dir / packet)
    if not ready:
        result.warnings.append(f"no letter is ready to print; {target} was not written")
        return None
    print_file(ready, target)
    return target


Listing = tuple[list[Path], Settings, str, dt.date, "ColumnMap | None", Path]  # list_items' first arguments


def _listed(listing: Listing, folder: Path, warnings: list[str],
            sources: Sources | None) -> tuple[int, Generator[Item | Outcome, None, None]]:
    """The items, read once into a temporary file and then read back one at a time, and their number (the
    progress bar needs it before the first letter).

    Reading a remittance holds all of it (about 2 KB a claim) while its case files are written, so without
    ``sources`` (a pool run) this is done in a process of its own, from the workers' fork server: that peak
    never reaches the parent, which stays the same size from 1,000 letters to 10,000.
    """
    fd, name = tempfile.mkstemp(prefix=".items.", suffix=".part", dir=folder)  # removed at the next start if killed
    os.close(fd)
    try:
        if sources is not None:
            count, said = list_items(*listing, path=Path(name), sources=sources)
        else:
            with ProcessPoolExecutor(max_workers=1, mp_context=_context(), initializer=ignore_interrupts) as reader:
                count, said = reader.submit(list_items, *listing, path=Path(name)).result()
        warnings.extend(said)
        fh = open(name, "rb")
    finally:
        os.unlink(name)  # the open file reads on; no name is left on disk
    return count, _unpickled(fh)


PRELOAD = ["appeal.commands.batch.worker", "appeal.render.docx", "appeal.render.pdf"]


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


def _unpickled(fh) -> Generator[Item | Outcome, None, None]:
    with fh:
        while True:
            try:
                yield pickle.load(fh)
            except EOFError:
                return


def list_items(inputs: list[Path], settings: Settings, stamp: str, today: dt.date, columns: ColumnMap | None,
               cases: Path, path: Path, sources: Sources | None = None) -> tuple[int, list[str]]:
    """Every item of the inputs pickled into ``path``, in order: their number, and the inputs' warnings."""
    if sources is None:  # in the reading process
        sources = Sources.load(settings)
        sources.templates.all()
    warnings: list[str] = []
    count = 0
    with open(path, "wb") as fh:
        for item in iter_items(inputs, sources, stamp, warnings, today, columns, cases):
            pickle.dump(item, fh, pickle.HIGHEST_PROTOCOL)
            count += 1
    return count, warnings


def _skip_done(items: Iterator[Item | Outcome], manifest: Manifest, out_dir: Path, force: bool,
               done: Callable[[Outcome], None], worker: Worker) -> Iterator[Item]:
    """Items still to make; the rest (unreadable inputs, letters already made) are reported at once."""
    for item in items:
        if isinstance(item, Outcome):
            done(item)
            continue
        entry = None if force else manifest.complete(item.key, out_dir)
        if entry:
            done(worker.resumed(item, entry))
        else:
            yield item


PER_TASK = 4  # items a worker is handed at a time (see per_task)


def per_task(count: int, jobs: int) -> int:
    """Items per pool task: :data:`PER_TASK`, fewer when there are too few items to keep every worker busy.

    Each task costs the parent about 0.5 ms of CPU whatever its size (the pool's threads hand it over
    and back; measured with 10 ms tasks on this 2-core machine), a third of its work per letter: four
    items a task cut that to about 0.13 ms an item. A worker then finishes up to four letters after a
    Ctrl-C (about 50 ms) instead of one.
    """
    return max(1, min(PER_TASK, count // (8 * jobs)))


def _in_pool(todo: Iterator[Item], jobs: int, job: Job, placer: Placer, size: int = 1) -> None:
    """At most ``2 * jobs`` tasks of ``size`` items in flight, so a 10,000-row input costs no more memory
    than 100.

    Workers start from a fork server, not from this process: a forked worker would
    carry the parent's parsed remittance (about 3 KB per claim) in its own memory.
    Each outcome goes to ``placer``; while it waits for the workers, the runner also
    wakes when a chunk is placed or due (:meth:`Placer.busy`, :meth:`Placer.due_in`).
    """
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=start_worker, initargs=(job,))
    pending: set = set()

    def collect() -> None:
        placing = placer.busy()
        finished, _ = wait(pending | placing, timeout=placer.due_in(), return_when=FIRST_COMPLETED)
        for future in finished - placing:
            pending.discard(future)
            for outcome in future.result():
                placer.add(outcome)
        placer.service()

    try:
        for items in _batched(todo, size):
            pending.add(pool.submit(run_items, job, items))
            while len(pending) >= 2 * jobs:
                collect()
        while pending:
            collect()
    except KeyboardInterrupt:  # the letters being made are finished and kept; the queued ones are not started
        pool.shutdown(wait=True, cancel_futures=True)
        for future in pending:
            if future.done() and not future.cancelled() and future.exception() is None:
                for outcome in future.result():
                    placer.add(outcome)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # no worker writes once this returns


def _batched(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
