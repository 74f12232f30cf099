"""The batch's inputs, one :class:`Item` per letter to make, read lazily in order.

Case files, folders of them, X12 835 remittances (one case per denial, built as
``import-835`` would write it) and CSV or XLSX spreadsheets (``appeal.inputs.table``). An input that
cannot be read becomes an ``unreadable`` :class:`Outcome`; the others go on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from appeal.commands.batch.summary import Outcome
from appeal.commands.remit import drafts, place_case, read_remittance, remit_denials, unique_name, warning_lines
from appeal.deliver.files import SYNC_CHUNK, ensure_dir, text_bytes, write_texts_atomic
from appeal.errors import AppealError, CaseError, Problem
from appeal.inputs.case import MAX_CASE_BYTES
from appeal.inputs.table import ColumnMap, is_table, read_table
from appeal.inputs.yamlread import FileRefused, Located, open_regular
from appeal.settings import Sources

CASE_SUFFIXES = (".yaml", ".yml")
FIRST_CHUNK = 16  # a remittance's first chunk of case files, written (one sync) before its items are listed


@dataclass(frozen=True)
class Item:
    """One letter to make. ``kind``: ``case`` (a file), ``text`` (a case from a remittance), ``row`` (a table)."""

    seq: int
    kind: str
    label: str
    source: str
    key: str
    text: str | None = None
    file: str = ""
    line: int = 0
    columns: tuple[tuple[str, str], ...] = ()  # a table's (field, header) pairs, to name a problem's column
    located: Located | None = None  # a table's case data, read in the main process
    problems: tuple[Problem, ...] = ()  # a table's rows' own problems: the item fails with them and what its
    #                                     data's validation finds


def iter_items(inputs: Iterable[Path], sources: Sources, fingerprint: str, warnings: list[str],
               today: dt.date | None = None, columns: ColumnMap | None = None,
               cases: Path | None = None, total: Callable[[int], None] | None = None) -> Iterator[Item | Outcome]:
    """Every item of every input, in order, lazily; an input that cannot be read is an Outcome.

    ``columns`` maps the headers of CSV and XLSX inputs to case fields; ``cases`` is the
    folder for the case files made from remittances. ``total`` is told the number of items once, as
    soon as it is known: when the last input is read far enough to know its own number (a remittance
    once it is parsed, before its cases are drafted), else after the last item. A remittance that fails
    part way after it was counted lists fewer items than it said (its cases before the failure, and the
    failure).
    """
    seq = 0
    folder = CaseFolder(cases) if cases is not None else None
    paths = [Path(path) for path in inputs]
    told = total is None

    def expect(count: int) -> None:  # the last input's own number of items, once it knows it
        nonlocal told
        if not told:
            told = True
            total(seq + count)  # type: ignore[misc]

    for n, path in enumerate(paths):
        last = expect if n == len(paths) - 1 else None
        for found in _items_of(path, sources, fingerprint, warnings, today, columns, folder, last):
            yield dataclasses.replace(found, seq=seq)
            seq += 1
    if not told:
        told = True
        total(seq)  # type: ignore[misc]


def _items_of(path: Path, sources: Sources, fingerprint: str, warnings: list[str],
              today: dt.date | None, columns: ColumnMap | None,
              folder: CaseFolder | None, expect: Callable[[int], None] | None = None) -> Iterator[Item | Outcome]:
    expect = expect or _ignore
    try:
        if path.is_dir():
            entries = sorted(path.iterdir())
            cases = [p for p in entries if p.suffix.lower() in CASE_SUFFIXES and p.is_file()]
            skipped = [f"{p.name}/" if p.is_dir() else p.name for p in entries
                       if p not in cases and not p.name.startswith(".")]
            if skipped:  # never silently: an 835 or a spreadsheet dropped in the folder is an input of its own
                shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
                warnings.append(f"{path}: read only its case files (*.yaml); skipped {shown} (give a remittance, a "
                                "spreadsheet or a folder inside it as an input of its own)")
            expect(len(cases) or 1)
            if not cases:
                yield _unreadable(path, "the folder holds no case files (*.yaml)")
            for case in cases:
                yield _case_item(case, fingerprint)
        elif path.suffix.lower() in CASE_SUFFIXES:
            expect(1)
            yield _case_item(path, fingerprint)
        elif path.exists() and not path.is_file():
            expect(1)
            yield _unreadable(path, "is not a regular file (a device, pipe or socket)")
        elif is_table(path):
            yield from _table_items(path, columns, fingerprint)
        else:
            yield from _remit_items(path, sources, fingerprint, warnings, today, folder, expect)
    except AppealError as exc:
        yield _unreadable(path, "; ".join(str(p) for p in exc.problems))
    except FileNotFoundError:
        yield _unreadable(path, "file not found")
    except OSError as exc:
        yield _unreadable(path, f"cannot read the file: {exc.strerror}")


def _ignore(count: int) -> None:
    pass


def _unreadable(path: Path, message: str) -> Outcome:
    return Outcome(0, str(path), "unreadable", error=message)


def _hash(fingerprint: str, *parts: str | bytes) -> str:
    digest = hashlib.sha256(fingerprint.encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


@dataclass
class CaseFolder:
    """``out/cases/``: the case files a batch makes from remittances, named as ``import-835`` names them.

    They are written as ``import-835`` writes them, many at a time with one disk sync
    (:func:`~appeal.deliver.files.write_texts_atomic`; a flush per file cost about 2 ms each, before the
    first letter could start): :meth:`place` names a case and keeps its text, :meth:`write` writes those
    kept. A case file is on disk before the item that reads it is listed.
    """

    folder: Path
    used: set[str] = field(default_factory=set)
    writes: list[tuple[Path, str]] = field(default_factory=list)
    present: set[str] | None = None  # the folder's names when the first case was placed (None: not listed)

    def place(self, name: str, text: str, warnings: list[str]) -> tuple[Path, bytes | None]:
        """The case's path, and the bytes it is written with (``None``: a file already there is used, and read
        again when listed). The folder is listed once, not looked at for each case (its names are unique in
        a run, so a case written since is never asked for again)."""
        if not self.used:  # the first case: the folder is made (or checked) and listed once, not for every case
            ensure_dir(self.folder)
            try:
                self.present = set(os.listdir(self.folder))
            except OSError:
                self.present = None  # each file is looked at instead
        path = self.folder / unique_name(name, self.used)
        placed = place_case(path, text, writes=self.writes, present=self.present)
        if placed == "kept":
            warnings.append(f"{path}: edited since it was made from the remittance; used as it is (delete it to "
                            "make it again from the remittance)")
        return path, text_bytes(text) if placed == "written" else None

    def write(self) -> None:
        writes, self.writes = self.writes, []
        write_texts_atomic(writes)


def _case_item(path: Path, fingerprint: str, data: bytes | None = None) -> Item:
    """The item of a case file; ``data``: its bytes, when this run has just written them (else it is read)."""
    if data is None or len(data) > MAX_CASE_BYTES:
        try:
            data = open_regular(path, MAX_CASE_BYTES, kind="a case file")
        except FileRefused as exc:
            raise CaseError(str(exc), file=str(path)) from None
    return Item(0, "case", str(path), str(path), _hash(fingerprint, "case", data))


def _remit_items(path: Path, sources: Sources, fingerprint: str, warnings: list[str],
                 today: dt.date | None, cases: CaseFolder | None,
                 expect: Callable[[int], None] = _ignore) -> Iterator[Item]:
    """One item per denial; with ``cases``, each case file is written there first (and an edited one kept and
    used), so an error's file and line are on disk for the biller to fix. The case files are written a
    chunk at a time, then their items listed; a remittance that fails part way still lists the cases
    before the failure. The chunks start small (:data:`FIRST_CHUNK` cases, doubled each time up to
    :data:`~appeal.deliver.files.SYNC_CHUNK`), so the first letters can start while the rest are drafted.
    ``expect`` is told the number of denials once the remittance is parsed."""
    remit = read_remittance(path)
    warnings.extend(warning_lines(remit))
    expect(sum(1 for _ in remit_denials(remit, sources.workspace)))
    count = 0
    chunk = FIRST_CHUNK
    placed: list[tuple[Path, bytes | None]] = []

    def listed() -> Iterator[Item]:
        assert cases is not None
        cases.write()
        found, placed[:] = list(placed), []
        return (_case_item(case, fingerprint, data) for case, data in found)

    try:
        for draft in drafts(remit, sources.workspace, sources.templates, today):
            count += 1
            if cases is None:
                source = f"{path}#{draft.name}"
                yield Item(0, "text", source, source, _hash(fingerprint, "text", draft.text), text=draft.text)
                continue
            placed.append(cases.place(draft.name, draft.text, warnings))
            if len(placed) >= chunk:
                chunk = min(SYNC_CHUNK, 2 * chunk)
                yield from listed()
    except Exception:
        if placed:
            yield from listed()
        raise
    if placed:
        yield from listed()
    if not count:
        warnings.append(f"{path}: no denials in this remittance; nothing to appeal")


def _table_items(path: Path, columns: ColumnMap | None, fingerprint: str) -> Iterator[Item | Outcome]:
    """A CSV or XLSX file: one item per case (a row, or a claim's rows and one denial reason)."""
    for found in read_table(path, columns):
        item = Item(0, "row", found.label, found.source, "", file=str(path), line=found.line,
                    columns=found.columns, located=found.located, problems=found.problems)
        if found.located is None:
            yield Outcome(0, found.label, "failed", error="; ".join(describe(p, item) for p in found.problems))
            continue
        data = json.dumps(found.located.data, sort_keys=True, ensure_ascii=False)
        yield dataclasses.replace(item, key=_hash(fingerprint, "row", found.source, data))


def describe(problem: Problem, item: Item) -> str:
    """A problem in the item's own input, without repeating the input's name (the summary names it).

    In a table the field is named as its column (its header: ``claim.lines.0.code``, or the
    office's own ``CPT``); a case made of one row has its line in the item's name, one made of
    several rows names the row.
    """
    if problem.file not in (item.source, item.file or item.source):
        return str(problem)
    table = item.kind == "row"
    parts = [f"{'row' if table else 'line'} {problem.line}"] if problem.line and not (table and item.line) else []
    if problem.field and table and not _in_a_column(problem.field, item.columns):
        parts.append(f"{problem.field} (no column gives it, nor a workspace's practice profile)")
    elif problem.field:
        parts.append(f"column {_column(problem.field, item.columns)}" if table else problem.field)
    accepted = f" (accepted: {problem.accepted})" if problem.accepted else ""
    return ": ".join(parts + [problem.message + accepted])


def _in_a_column(field: str, columns: tuple[tuple[str, str], ...]) -> bool:
    """Whether a column of the table holds ``field`` or a part of it (``provider`` from ``provider.name``)."""
    if field in {header for _target, header in columns}:  # a problem that names its column's header
        return True
    dotted = re.sub(r"\[(\d+)\]", r".\1", field)
    general = re.sub(r"\.\d+(?=\.|$)", "", dotted)
    for target, _header in columns:
        plain = re.sub(r"\.\d+(?=\.|$)", "", target.replace("[]", ""))
        if plain == general or plain.startswith(general + ".") or general.startswith(plain + "."):
            return True
    return False


def _column(field: str, columns: tuple[tuple[str, str], ...] = ()) -> str:
    """``claim.lines[0].code`` as its table names it: ``claim.lines.0.code``, or the header mapped to it."""
    headers = dict(columns)
    dotted = re.sub(r"\[(\d+)\]", r".\1", field)
    header = headers.get(dotted) or headers.get(re.sub(r"\[\d+\]", "[]", field))
    if header is None and field in headers.values():
        return f"'{field}'"
    return f"'{header}'" if header and header != dotted else dotted
