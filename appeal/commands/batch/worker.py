"""One batch worker: builds letters for items, in a pool process or in the parent when ``--jobs 1``.

A :class:`Job` (the settings, the output folder, the formats) is what the runner
hands the pool's initializer; :func:`worker_for` builds the :class:`Worker` for it
once per process (templates, citations and workspace read once, renderers loaded),
and each submitted item names its job, so no state is shared between the parent
and the workers.
"""

from __future__ import annotations

import copy
import datetime as dt
import gc
import os
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from appeal.commands.batch.items import Item, describe
from appeal.commands.batch.manifest import NAMES_DIR, STATE_DIR
from appeal.commands.batch.summary import Outcome, case_columns, raw_columns
from appeal.commands.generate import checked, directory_entry, verdict_of, with_workspace
from appeal.deliver.files import batch_stem, case_key, claim_stem, why
from appeal.deliver.letter import StagedFile, stage_letter
from appeal.deliver.packet import deliver_packet
from appeal.errors import AppealError, CaseError, origin
from appeal.inputs.case import Case, case_yaml, read_case
from appeal.inputs.yamlread import Located
from appeal.ledger.facts import letter_facts, sha256_of
from appeal.letters.build import build_letter
from appeal.reference.deadlines import earliest_deadline
from appeal.render.formats import FORMATS
from appeal.settings import Settings, Sources

COLLECT_EVERY = 50  # letters between full garbage collections in a worker (see collect)


def collect(made: int) -> None:
    """A full garbage collection every few letters, and a freeze after the first.

    A python-docx document is a cycle of objects holding lxml trees whose memory
    Python's collector does not count, so without a collection a worker's memory
    grows by a few hundred KB per letter (70 MB -> 220 MB over 400 letters). Once
    the first letter is made, what is still alive (templates, citations, fonts, the
    DOCX base) lives as long as the process: ``gc.freeze`` takes it out of every
    later collection, which then costs 0.6 ms instead of 30 (measured on the sample
    letter), and memory stays flat (freezing without collecting let it grow).
    Every 50 letters rather than 10: the collections cost 0.14 ms a letter instead of 0.49, and a
    worker's peak grows by about 0.5 MB (600 distinct letters in one process, 49.6 -> 50.1 MB).
    """
    if made == 2 or made % COLLECT_EVERY == 0:
        gc.collect()
    if made == 2:
        gc.freeze()


@dataclass(frozen=True)
class Job:
    """What every item of one run is made with (small: it travels with each task to the pool)."""

    settings: Settings
    out_dir: Path
    formats: tuple[str, ...] = FORMATS
    today: dt.date = field(default_factory=dt.date.today)
    packet: bool = False  # also each letter's appeal packet (always with --print: the letter and its exhibits)
    fax: bool = False
    tiff: bool = False
    tiff_g4: bool = False
    strict: bool = False  # write only letters whose verdict is ready
    ledger: bool = False  # a ledger records the letters: each outcome carries its facts, the files hashed

    def delivery(self) -> tuple[str, ...]:
        """What each item produces, for the manifest's fingerprint: the formats and the deliveries."""
        flags = ("packet", "fax", "tiff", "tiff_g4")
        return (*self.formats, *(flag for flag in flags if getattr(self, flag)))


@dataclass
class Worker:
    """A job's loaded sources, and a count of the letters made."""

    job: Job
    sources: Sources
    made: int = 0

    def run(self, item: Item) -> Outcome:
        """Make one letter; every problem becomes the outcome's error, never an exception.

        Every few letters the worker runs a full garbage collection (see :func:`collect`).
        The letter's files are written beside their names, not flushed and not yet in place: the
        outcome's ``staged`` lists them, for the runner to place with others after one sync
        (:mod:`appeal.commands.batch.place`). The packet path still writes its files in place.
        """
        self.made += 1
        collect(self.made)
        job, sources = self.job, self.sources
        case: Case | None = None
        located: Located | None = None
        try:
            located = self.located(item)
            if item.problems:  # a table's rows that are not one case as they stand: those, and what else is wrong
                raise CaseError([*item.problems, *self.problems_of(item, located)])
            case = self.load(item, located)
            prepared = with_workspace(build_letter(case, sources.templates, sources.library,
                                                   directory=directory_entry(sources, case)), sources)
            findings = checked(prepared, sources, job.today)
            judged = verdict_of(prepared, findings)
            reasons = tuple((r.code, r.message) for r in judged.reasons)
            said = (*prepared.warnings, *(f"{f.severity}: {f.message}" for f in findings if f.severity != "note"))
            appeal_by = self.appeal_by(case, prepared.bound.request.level)
            if job.strict and not judged.ready:
                return Outcome(item.seq, item.label, "skipped", (), prepared.template.id, appeal_by,
                               error=f"--strict: the letter is {judged.status}, not ready; not written",
                               key=item.key, warnings=said, verdict=judged.status, reasons=reasons)
            key = case_key(case.source)
            stem = claim_stem(job.out_dir / STATE_DIR / NAMES_DIR, job.out_dir,
                              batch_stem(case.payer.name, case.claim.number, case.denial.group, case.denial.carc,
                                         case.appeal.date), key)
            staged: list[StagedFile] = []
            if job.packet or job.fax or job.tiff or job.tiff_g4:  # written in place, each file flushed
                paths = deliver_packet(prepared, sources.templates, sources.library, job.out_dir, sources.workspace,
                                       job.formats, allow_outside=job.settings.allow_outside, fax=job.fax,
                                       tiff=job.tiff, tiff_g4=job.tiff_g4,
                                       stem=stem).outputs
            else:
                staged = stage_letter(prepared, job.out_dir, job.formats, stem, key, hashed=job.ledger)
                paths = [file.path for file in staged]
        except AppealError as exc:  # a case that was read keeps its appeal-by date: the row most at risk of missing it
            return Outcome(item.seq, item.label, "failed", key=item.key,
                           case=case_columns(case) if case else raw_columns(located.data if located else None),
                           appeal_by=self.appeal_by(case, case.appeal.level) if case else "",
                           level=(case.appeal.level or "") if case else "",
                           error="; ".join(describe(p, item) for p in exc.problems))
        except OSError as exc:  # the output folder (a full disk, a read-only folder) while claiming a name
            return Outcome(item.seq, item.label, "failed", key=item.key, case=case_columns(case) if case else (),
                           error=f"not written: cannot write in {job.out_dir}: {why(exc)}")
        except Exception as exc:  # a bug of ours: report it on this item, keep going (its message may hold PHI)
            return Outcome(item.seq, item.label, "failed", key=item.key, case=case_columns(case) if case else (),
                           error=f"internal error ({type(exc).__name__} at {origin(exc)}); please report it")
        level = prepared.bound.request.level
        facts = None
        if job.ledger:  # hashed here, in parallel, rather than by the parent that records them
            facts = letter_facts(prepared.case, prepared.template.id, (), self.sources.workspace,
                                 prepared.bound.request.level)
            facts["letters"] = ([[self.resolved(f.path), f.sha256] for f in staged] if staged else
                                [[self.resolved(p), sha256_of(p)] for p in paths])
        return Outcome(item.seq, item.label, "written", tuple(p.name for p in paths), prepared.template.id,
                       appeal_by, key=item.key, warnings=said, verdict=judged.status, reasons=reasons, level=level,
                       case=case_columns(case), facts=facts, staged=tuple((f.tmp, str(f.path)) for f in staged))

    def resolved(self, path: Path) -> str:
        """A written file's path as the ledger keeps it (resolved, as ``letter_facts`` would: the output
        folder resolved once, not every folder of every file's path again)."""
        if path.parent == self.job.out_dir:
            return os.path.join(self.out_dir, path.name)
        return str(path.resolve())

    @cached_property
    def out_dir(self) -> str:
        return str(self.job.out_dir.resolve())

    def resumed(self, item: Item, entry: dict) -> Outcome:
        """The row of an item an earlier run made: the letter's columns from the manifest, the case's read again
        from the input (the manifest holds no patient data), the appeal-by date flagged against today."""
        try:
            case = self.load(item)
        except AppealError:  # unchanged since its letters were made, so this does not happen; say nothing wrong
            case = None
        level = entry.get("level", "")
        return Outcome(item.seq, item.label, "skipped", tuple(entry["outputs"]), entry.get("template", ""),
                       self.appeal_by(case, level or None) if case else "", key=item.key,
                       warnings=tuple(entry.get("warnings", ())), level=level, verdict=entry.get("verdict", ""),
                       reasons=tuple((str(r[0]), str(r[1])) for r in entry.get("reasons", []) if len(r) == 2),
                       case=case_columns(case) if case else ())

    def located(self, item: Item) -> Located:
        """The item's case data as read (a table's row, or a case file's YAML), not yet validated: what a
        failed row's columns show when it is not a valid case."""
        if item.kind == "row" and item.located is not None:
            return copy.deepcopy(item.located)
        return case_yaml(item.source, item.text)

    def problems_of(self, item: Item, located: Located) -> list:
        """What validating the item's data finds (none when it is a valid case)."""
        try:
            self.load(item, located)
        except AppealError as exc:
            return exc.problems
        return []

    def load(self, item: Item, located: Located | None = None) -> Case:
        return read_case(located or self.located(item), Path(item.source), date=self.job.settings.date,
                         defaults=self.sources.case_defaults, today=self.job.today)

    def appeal_by(self, case: Case, level: str | None) -> str:
        """The appeal-by date of the level the letter is written at, flagged against the job's today."""
        workspace = self.sources.workspace
        entry = workspace.find_payer(case.payer.id, case.payer.name) if workspace else None
        prior = case.appeal.prior_decision
        deadline = earliest_deadline(entry, case.denial.date, level, self.job.today, kind=case.payer.kind,
                                     prior_on=prior.date if prior else None)
        return deadline.text() if deadline else ""


@lru_cache(maxsize=1)
def worker_for(job: Job) -> Worker:
    """The worker of ``job`` in this process, built on first use (the pool's initializer builds it)."""
    sources = Sources.load(job.settings)
    sources.templates.all()
    return Worker(job, sources)


def start_worker(job: Job) -> None:
    """Pool initializer: build the job's worker once per process, and load the renderers.

    Ctrl-C reaches every process of the terminal's group: a worker ignores it and finishes its
    letter, and the runner stops handing out items.
    """
    ignore_interrupts()  # first: a Ctrl-C while the renderers are imported is no traceback either

    import appeal.render.docx  # noqa: F401  imported once per worker, not per letter
    import appeal.render.pdf  # noqa: F401

    worker_for(job)


def ignore_interrupts() -> None:
    """A helper process leaves Ctrl-C to the runner, which stops handing out work and reports."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_items(job: Job, items: list[Item]) -> list[Outcome]:
    """What the pool runs: a few items at a time (``runner.PER_TASK``), in order."""
    worker = worker_for(job)
    return [worker.run(item) for item in items]
