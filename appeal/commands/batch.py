"""``appeal batch``: many inputs -> every letter, in parallel, resumable, one summary.

Inputs are case files, folders of them, X12 835 remittances (one case per denial,
built as ``import-835`` would write it) or CSV files (one case per row; columns
are dotted field paths such as ``patient.name`` or ``claim.lines.0.code``).

- **Parallel:** items go to a process pool whose workers each build the
  templates, citation library and workspace once (``_init``). Items are
  submitted in a bounded window, so memory stays flat however many there are.
- **One bad item never stops the others:** each item's problems become its row
  in ``summary.csv``; the exit status says whether any failed.
- **Resumable:** ``out/.batch/manifest.json`` maps a hash of each item's content
  (and of the templates, citations, profile and formats it was made with) to
  the file names it produced; a rerun skips items whose letters are all there.
  The manifest holds hashes and file names only, never patient data.
- **No partial files:** letters are written atomically; temporary files that a
  killed run left behind are removed when the next run starts.
- **Race-free names:** a worker claims a letter name by creating
  ``out/.batch/names/<stem>`` (an atomic link) holding the case's key; a name
  held by another case gets ``-2``, ``-3``, ...
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import gc
import hashlib
import io
import json
import multiprocessing
import os
import re
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from appeal import __version__
from appeal.inputs.case import Case, load_case, read_case
from appeal.reference.deadlines import earliest_deadline
from appeal.errors import AppealError, CaseError, Problem
from appeal.commands.generate import checked, with_workspace
from appeal.commands.remit import drafts, read_remittance, warning_lines
from appeal.deliver.files import MAX_NAME, case_key, ensure_dir, slug, write_atomic, written_for
from appeal.deliver.letter import write_letter
from appeal.letters.build import build_letter
from appeal.render.formats import FORMATS
from appeal.settings import Settings, Sources
from appeal.resources import builtin_dir
from appeal.inputs.yamlread import Located

STATE_DIR = ".batch"
SUMMARY = "summary.csv"
SUMMARY_COLUMNS = ("input", "status", "outputs", "template", "appeal_by", "error", "warnings")
CASE_SUFFIXES = (".yaml", ".yml")
COLLECT_EVERY = 10  # letters between full garbage collections in a worker (see _collect)
FLUSH_SECONDS = 1.0


@dataclass(frozen=True)
class Item:
    """One letter to make. ``kind``: ``case`` (a file), ``text`` (a case built from a remittance), ``row`` (CSV)."""

    seq: int
    kind: str
    label: str
    source: str
    key: str
    text: str | None = None
    file: str = ""
    line: int = 0
    columns: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()


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
                "counts": {s: self.count(s) for s in ("ok", "skipped", "failed", "unreadable")},
                "items": [o.as_dict() for o in self.outcomes], "warnings": self.warnings}


# ------------------------------------------------------------------ inputs

def iter_items(inputs: Iterable[Path], settings: Settings, fingerprint: str,
               warnings: list[str]) -> Iterator[Item | Outcome]:
    """Every item of every input, in order, lazily; an input that cannot be read is an Outcome."""
    seq = 0
    for path in inputs:
        for found in _items_of(Path(path), settings, fingerprint, warnings):
            yield dataclasses.replace(found, seq=seq)
            seq += 1


def _items_of(path: Path, settings: Settings, fingerprint: str, warnings: list[str]) -> Iterator[Item | Outcome]:
    try:
        if path.is_dir():
            cases = sorted(p for p in path.iterdir() if p.suffix.lower() in CASE_SUFFIXES and p.is_file())
            if not cases:
                yield _unreadable(path, "the folder holds no case files (*.yaml)")
            for case in cases:
                yield _case_item(case, fingerprint)
        elif path.suffix.lower() in CASE_SUFFIXES:
            yield _case_item(path, fingerprint)
        elif path.suffix.lower() == ".csv":
            yield from _csv_items(path, fingerprint)
        else:
            yield from _remit_items(path, settings, fingerprint, warnings)
    except AppealError as exc:
        yield _unreadable(path, "; ".join(str(p) for p in exc.problems))
    except FileNotFoundError:
        yield _unreadable(path, "file not found")
    except OSError as exc:
        yield _unreadable(path, f"cannot read the file: {exc.strerror}")
    except UnicodeDecodeError:
        yield _unreadable(path, "the CSV file is not UTF-8 text (accepted: a CSV saved as UTF-8)")
    except csv.Error as exc:
        yield _unreadable(path, f"the CSV file cannot be read: {exc}")


def _unreadable(path: Path, message: str) -> Outcome:
    return Outcome(0, str(path), "unreadable", error=message)


def _hash(fingerprint: str, *parts: str | bytes) -> str:
    digest = hashlib.sha256(fingerprint.encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _case_item(path: Path, fingerprint: str) -> Item:
    data = path.read_bytes()
    return Item(0, "case", str(path), str(path), _hash(fingerprint, "case", data))


def _remit_items(path: Path, settings: Settings, fingerprint: str, warnings: list[str]) -> Iterator[Item]:
    remit = read_remittance(path)
    warnings.extend(warning_lines(remit))
    state = _worker_state(settings)
    count = 0
    for draft in drafts(remit, state.sources.workspace, state.sources.templates):
        source = f"{path}#{draft.name}"
        count += 1
        yield Item(0, "text", source, source, _hash(fingerprint, "text", draft.text), text=draft.text)
    if not count:
        warnings.append(f"{path}: no denials in this remittance; nothing to appeal")


def _csv_items(path: Path, fingerprint: str) -> Iterator[Item | Outcome]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        problem = _header_problem(header)
        if problem:
            yield _unreadable(path, problem)
            return
        columns = tuple(c.strip() for c in header)
        line = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                yield Item(0, "row", f"{path}:{line}", f"{path}#line{line}",
                           _hash(fingerprint, "row", *columns, *cells), file=str(path), line=line,
                           columns=columns, cells=tuple(cells))
            line = reader.line_num + 1


def _header_problem(header: list[str] | None) -> str | None:
    if not header or not any(c.strip() for c in header):
        return "the CSV file has no header row (accepted: dotted field names such as patient.name)"
    names = [c.strip() for c in header]
    if "" in names:
        return f"column {names.index('') + 1} of the header has no name"
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        return f"the header names column(s) {', '.join(repeated)} twice"
    return None


# ------------------------------------------------------------ CSV -> case

def row_located(file: str, line: int, columns: tuple[str, ...], cells: tuple[str, ...]) -> Located:
    """A CSV row as the nested data a case file would hold; every field is on the row's line."""
    data: dict = {}
    problems: list[Problem] = []
    if len(cells) > len(columns):
        problems.append(Problem(file, f"the row has {len(cells)} cells but the header names {len(columns)} "
                                      "columns", line=line, accepted="one cell per column"))
    for column, value in zip(columns, cells):
        if value.strip():
            _put(data, column, value.strip(), file, line, problems)
    if problems:
        raise CaseError(problems)
    located = Located(data=_lists(data, (), file, line, problems), file=file)
    if problems:
        raise CaseError(problems)
    _note_lines(located, located.data, (), line)
    return located


def _put(data: dict, column: str, value: str, file: str, line: int, problems: list[Problem]) -> None:
    parts = column.split(".")
    if any(not p for p in parts):
        problems.append(Problem(file, f"column '{column}' is not a dotted field path", line=line, field=column,
                                accepted="names such as patient.name or claim.lines.0.code"))
        return
    node = data
    for part in parts[:-1]:
        key = int(part) if part.isdigit() else part
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            break
    key = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
    if not isinstance(node, dict) or key in node:
        problems.append(Problem(file, f"column '{column}' clashes with another column", line=line, field=column,
                                accepted="each field once, either as a value or as a section"))
        return
    node[key] = value


def _lists(node, path: tuple, file: str, line: int, problems: list[Problem]):
    """Sections keyed by numbers (``claim.lines.0``) become lists."""
    if not isinstance(node, dict):
        return node
    out = {k: _lists(v, path + (k,), file, line, problems) for k, v in node.items()}
    numbered = [k for k in out if isinstance(k, int)]
    if not numbered:
        return out
    if len(numbered) < len(out):
        problems.append(Problem(file, "mixes numbered and named columns", line=line,
                                field=".".join(map(str, path)), accepted="claim.lines.0.code, claim.lines.1.code"))
        return {}
    return [out.get(i) for i in range(max(numbered) + 1)]


def _note_lines(located: Located, node, path: tuple, line: int) -> None:
    located.lines[path] = line
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        _note_lines(located, value, path + (key,), line)


# ------------------------------------------------------------ the worker

@dataclass
class _State:
    """What each worker builds once: templates, citations, the workspace and the options."""

    sources: Sources
    settings: Settings
    out_dir: Path | None = None
    formats: tuple[str, ...] = FORMATS
    made: int = 0


_STATE: _State | None = None


def _worker_state(settings: Settings) -> _State:
    global _STATE
    if _STATE is None or _STATE.settings != settings:
        sources = Sources.load(settings)
        sources.templates.all()
        _STATE = _State(sources=sources, settings=settings)
    return _STATE


def _init(settings: Settings, out_dir: Path, formats: tuple[str, ...]) -> None:
    """Pool initializer: build the per-process state once, and load the renderers."""
    import appeal.render.docx  # noqa: F401  imported once per worker, not per letter
    import appeal.render.pdf  # noqa: F401

    state = _worker_state(settings)
    state.out_dir, state.formats = out_dir, formats


def _collect(made: int) -> None:
    """A full garbage collection every few letters, and a freeze after the first.

    A python-docx document is a cycle of objects holding lxml trees whose memory
    Python's collector does not count, so without a collection a worker's memory
    grows by a few hundred KB per letter. Once the first letter is made, what is
    still alive (templates, citations, fonts, the DOCX base) lives as long as the
    process: ``gc.freeze`` takes it out of every later collection, which then costs
    0.6 ms instead of 30 (measured on the sample letter), and memory stays flat.
    """
    if made == 2 or made % COLLECT_EVERY == 0:
        gc.collect()
    if made == 2:
        gc.freeze()


def run_item(item: Item) -> Outcome:
    """Make one letter; every problem becomes the outcome's error, never an exception.

    Every few letters the worker runs a full garbage collection (see :func:`_collect`).
    """
    state = _STATE
    state.made += 1
    _collect(state.made)
    try:
        case = _load(item, state)
        sources = state.sources
        prepared = with_workspace(build_letter(case, sources.templates, sources.library), sources)
        stem = claim_stem(state.out_dir, batch_stem(case), case_key(case.source))
        paths = write_letter(prepared, state.out_dir, state.formats, stem=stem)
    except AppealError as exc:
        return Outcome(item.seq, item.label, "failed", error="; ".join(describe(p, item) for p in exc.problems),
                       key=item.key)
    except Exception as exc:  # a bug of ours: report it on this item, keep going
        return Outcome(item.seq, item.label, "failed", key=item.key,
                       error=f"internal error ({type(exc).__name__}: {exc}); please report it")
    findings = checked(prepared, state.sources, dt.date.today())
    said = (*prepared.warnings, *(f"{f.severity}: {f.message}" for f in findings if f.severity != "note"))
    return Outcome(item.seq, item.label, "ok", tuple(p.name for p in paths), prepared.template.id,
                   _appeal_by(case, prepared.bound.level, state), key=item.key, warnings=said)


def describe(problem: Problem, item: Item) -> str:
    """A problem in the item's own input, without repeating the input's name (the summary names it).

    In a CSV row the field is named as its column (``claim.lines.0.code``); the
    row's line is already in the item's name.
    """
    if problem.file not in (item.source, item.file or item.source):
        return str(problem)
    parts = [f"line {problem.line}"] if problem.line and item.kind != "row" else []
    if problem.field:
        parts.append(f"column {_column(problem.field)}" if item.kind == "row" else problem.field)
    accepted = f" (accepted: {problem.accepted})" if problem.accepted else ""
    return ": ".join(parts + [problem.message + accepted])


def _column(field: str) -> str:
    """``claim.lines[0].code`` -> ``claim.lines.0.code``, as the CSV header names it."""
    return re.sub(r"\[(\d+)\]", r".\1", field)


def _load(item: Item, state: _State) -> Case:
    defaults = state.sources.case_defaults
    date = state.settings.date
    if item.kind == "row":
        located = row_located(item.file, item.line, item.columns, item.cells)
        return read_case(located, Path(item.source), date=date, defaults=defaults)
    return load_case(item.source, date=date, defaults=defaults, text=item.text)


def _appeal_by(case: Case, level: str | None, state: _State) -> str:
    workspace = state.sources.workspace
    entry = workspace.find_payer(case.payer.id, case.payer.name) if workspace else None
    deadline = earliest_deadline(entry, case.denial.date, level)
    return deadline.text() if deadline else ""


def batch_stem(case: Case) -> str:
    """``<payer>_<claim>_<reason>_<date>``: the reason keeps two denials of one claim apart."""
    reason = "-".join(p for p in (case.denial.group, case.denial.carc) if p)
    stem = f"{slug(case.payer.name)}_{slug(case.claim.number, 24)}_{slug(reason, 10)}_{case.appeal.date.isoformat()}"
    return stem[:MAX_NAME]


def claim_stem(out_dir: Path, stem: str, key: str) -> str:
    """A letter name no other case holds; claimed atomically, so parallel workers never share one."""
    names = out_dir / STATE_DIR / "names"
    names.mkdir(parents=True, exist_ok=True)
    candidate, n = stem, 1
    while not _claim(names / candidate, key, out_dir / candidate):
        n += 1
        candidate = stem[: MAX_NAME - len(f"-{n}")] + f"-{n}"
    return candidate


def _claim(marker: Path, key: str, letter: Path) -> bool:
    try:
        return marker.read_text() == key
    except FileNotFoundError:
        pass
    docx = letter.with_name(letter.name + ".docx")
    pdf = letter.with_name(letter.name + ".pdf")
    if (docx.exists() or pdf.exists()) and written_for(docx) != key:
        return False  # a letter made outside the batch (appeal generate) for another case
    fd, tmp = tempfile.mkstemp(prefix=f".{marker.name}.", suffix=".part", dir=marker.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        os.link(tmp, marker)  # fails if another worker claimed the name first
        return True
    except FileExistsError:
        return marker.read_text() == key
    finally:
        os.unlink(tmp)


# ---------------------------------------------------------- the manifest

class Manifest:
    """Content hash -> the file names its letters were written to (no patient data)."""

    def __init__(self, path: Path):
        self.path = path
        self.done: dict[str, dict] = {}
        self.dirty = False
        self.flushed = time.monotonic()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == 1 and isinstance(data.get("done"), dict):
                self.done = data["done"]
        except (OSError, ValueError, AttributeError):
            pass  # no manifest yet, or an unreadable one: every item is made again

    def complete(self, key: str, out_dir: Path) -> dict | None:
        entry = self.done.get(key)
        if entry and entry.get("outputs") and all((out_dir / name).is_file() for name in entry["outputs"]):
            return entry
        return None

    def record(self, outcome: Outcome) -> None:
        self.done[outcome.key] = {"outputs": list(outcome.outputs), "template": outcome.template}
        self.dirty = True
        if time.monotonic() - self.flushed > FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.dirty:
            write_atomic(self.path, json.dumps({"version": 1, "done": self.done}, indent=0).encode("utf-8"))
            self.dirty, self.flushed = False, time.monotonic()


def fingerprint(settings: Settings, formats: Iterable[str]) -> str:
    """A hash of everything besides the input that shapes a letter: a change redoes the items."""
    digest = hashlib.sha256(f"{__version__}|{','.join(formats)}".encode())
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


def remove_stale_parts(out_dir: Path) -> None:
    """Temporary files a killed run left (``.<name>.<random>.part``): they may hold PHI."""
    for folder in (out_dir, out_dir / STATE_DIR, out_dir / STATE_DIR / "names"):
        for path in folder.glob(".*.part") if folder.is_dir() else ():
            path.unlink(missing_ok=True)


# ------------------------------------------------------------- the runner

def run_batch(inputs: Iterable[Path], out_dir: Path | str, settings: Settings, jobs: int | None = None,
              force: bool = False, formats: Iterable[str] = FORMATS,
              progress: Callable[[Outcome], None] | None = None) -> BatchResult:
    """Make every input's letters in ``out_dir``; write ``summary.csv``; never stop at a bad item."""
    out_dir = ensure_dir(Path(out_dir))
    formats = tuple(formats)
    state_dir = ensure_dir(out_dir / STATE_DIR)
    remove_stale_parts(out_dir)
    manifest = Manifest(state_dir / "manifest.json")
    result = BatchResult()
    _worker_state(settings)  # a bad profile, template or citation file stops the run here (exit 2)
    stamp = fingerprint(settings, formats)
    items = iter_items(inputs, settings, stamp, result.warnings)

    def done(outcome: Outcome) -> None:
        result.outcomes.append(outcome)
        if outcome.status == "ok":
            manifest.record(outcome)
        if progress:
            progress(outcome)

    todo = _skip_done(items, manifest, out_dir, force, done)
    jobs = max(1, jobs or os.cpu_count() or 1)
    try:
        if jobs == 1:
            _init(settings, out_dir, formats)
            for item in todo:
                done(run_item(item))
        else:
            _in_pool(todo, jobs, (settings, out_dir, formats), done)
    finally:
        manifest.flush()
    result.outcomes.sort(key=lambda o: o.seq)
    result.summary = write_summary(out_dir, result.outcomes)
    return result


def _skip_done(items: Iterator[Item | Outcome], manifest: Manifest, out_dir: Path, force: bool,
               done: Callable[[Outcome], None]) -> Iterator[Item]:
    """Items still to make; the rest (unreadable inputs, letters already made) are reported at once."""
    for item in items:
        if isinstance(item, Outcome):
            done(item)
            continue
        entry = None if force else manifest.complete(item.key, out_dir)
        if entry:
            done(Outcome(item.seq, item.label, "skipped", tuple(entry["outputs"]), entry.get("template", "")))
        else:
            yield item


def _in_pool(todo: Iterator[Item], jobs: int, initargs: tuple, done: Callable[[Outcome], None]) -> None:
    """At most ``2 * jobs`` items in flight, so a 10,000-row input costs no more memory than 100.

    Workers start from a fork server, not from this process: a forked worker would
    carry the parent's parsed remittance (about 3 KB per claim) in its own memory.
    """
    context = multiprocessing.get_context("forkserver" if sys.platform != "win32" else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init, initargs=initargs) as pool:
        pending = set()
        for item in todo:
            pending.add(pool.submit(run_item, item))
            if len(pending) >= 2 * jobs:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(future.result())
        for future in pending:
            done(future.result())


def write_summary(out_dir: Path, outcomes: list[Outcome]) -> Path:
    """``summary.csv``: one row per input item, written atomically at the end of the run."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SUMMARY_COLUMNS)
    writer.writerows(o.row() for o in outcomes)
    path = out_dir / SUMMARY
    write_atomic(path, buffer.getvalue().encode("utf-8"))
    return path


class Progress:
    """A one-line running count on stderr, drawn only when stderr is a terminal.

    Inputs are streamed (a remittance is read as its letters are made), so the
    total is not known in advance: the line counts up rather than filling a bar.
    """

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.counts = {"ok": 0, "skipped": 0, "failed": 0, "unreadable": 0}
        self.active = self.stream.isatty()

    def __call__(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        if self.active:
            self.stream.write(f"\r{sum(self.counts.values())} items: {self.counts['ok']} written, "
                              f"{self.counts['skipped']} already done, "
                              f"{self.counts['failed'] + self.counts['unreadable']} failed ")
            self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\n")
