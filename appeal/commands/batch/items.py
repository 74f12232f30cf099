"""The batch's inputs, one :class:`Item` per letter to make, read lazily in order.

Case files, folders of them, X12 835 remittances (one case per denial, built as
``import-835`` would write it) and CSV files (one case per row). An input that
cannot be read becomes an ``unreadable`` :class:`Outcome`; the others go on.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from appeal.commands.batch.summary import Outcome
from appeal.commands.remit import drafts, read_remittance, warning_lines
from appeal.errors import AppealError, CaseError
from appeal.inputs.case import MAX_CASE_BYTES
from appeal.inputs.yamlread import FileRefused, open_regular
from appeal.settings import Sources

CASE_SUFFIXES = (".yaml", ".yml")


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


def iter_items(inputs: Iterable[Path], sources: Sources, fingerprint: str, warnings: list[str],
               today: dt.date | None = None) -> Iterator[Item | Outcome]:
    """Every item of every input, in order, lazily; an input that cannot be read is an Outcome."""
    seq = 0
    for path in inputs:
        for found in _items_of(Path(path), sources, fingerprint, warnings, today):
            yield dataclasses.replace(found, seq=seq)
            seq += 1


def _items_of(path: Path, sources: Sources, fingerprint: str, warnings: list[str],
              today: dt.date | None) -> Iterator[Item | Outcome]:
    try:
        if path.is_dir():
            cases = sorted(p for p in path.iterdir() if p.suffix.lower() in CASE_SUFFIXES and p.is_file())
            if not cases:
                yield _unreadable(path, "the folder holds no case files (*.yaml)")
            for case in cases:
                yield _case_item(case, fingerprint)
        elif path.suffix.lower() in CASE_SUFFIXES:
            yield _case_item(path, fingerprint)
        elif path.exists() and not path.is_file():
            yield _unreadable(path, "is not a regular file (a device, pipe or socket)")
        elif path.suffix.lower() == ".csv":
            yield from _csv_items(path, fingerprint)
        else:
            yield from _remit_items(path, sources, fingerprint, warnings, today)
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
    try:
        data = open_regular(path, MAX_CASE_BYTES, kind="a case file")
    except FileRefused as exc:
        raise CaseError(str(exc), file=str(path)) from None
    return Item(0, "case", str(path), str(path), _hash(fingerprint, "case", data))


def _remit_items(path: Path, sources: Sources, fingerprint: str, warnings: list[str],
                 today: dt.date | None) -> Iterator[Item]:
    remit = read_remittance(path)
    warnings.extend(warning_lines(remit))
    count = 0
    for draft in drafts(remit, sources.workspace, sources.templates, today):
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
        if problem or header is None:
            yield _unreadable(path, problem or "")
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
