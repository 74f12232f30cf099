"""Spreadsheets in: a CSV or XLSX file with the office's own headers, as case data.

The header row names the columns. Without a column map each header is a dotted field path
(``patient.name``, ``claim.lines.0.code``) and each row is one case. A column map
(``--columns map.yaml`` or ``csv_columns:`` in appeal.yaml) names the field each of the
office's headers holds::

    Patient Name: patient.name
    Claim #: claim.number
    CPT: claim.lines[].code        # one claim line per row
    Notes: ignore                  # a column the letters do not use

With ``claim.lines[]`` fields a row is one claim line: rows are grouped by payer and claim
number, and each claim is split per denial reason (group and CARC) as the 835 import
does, each case naming the lines denied for its reason (``denial.lines``). The rows of one
claim must agree on every claim-level field; a disagreement is an error naming the rows.

**No type guessing**, even in Excel: a CSV cell is the text typed. An XLSX cell keeps
Excel's type, so a number in a text field (a code, a member id, a claim number) is an error
naming the cell: Excel has already dropped its leading zeros. Amounts become exact cents,
date cells are dates. The one exception is a CARC typed as a whole number (``189``): CARCs
have no leading zeros to lose.

Nothing here echoes a cell's value in a message: the cells hold PHI.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from appeal.errors import CaseError, Problem, TableError
from appeal.inputs.csvrow import row_located
from appeal.inputs.fields import Reader
from appeal.inputs.yamlread import Located, load_yaml

SUFFIXES = (".csv", ".xlsx")
IGNORE = "ignore"
LINES = "claim.lines[]"
# Every field a column may fill, with what its cells are (for Excel's types); claim.lines[] is one line per row.
FIELDS: dict[str, str] = {
    "template": "text",
    **{f"provider.{k}": "text" for k in ("name", "npi", "tin", "phone", "fax", "logo")},
    **{f"payer.{k}": "text" for k in ("name", "id", "fax", "portal", "distinct_modifier")},
    "patient.name": "text", "patient.member_id": "text", "patient.dob": "date", "patient.subscriber_name": "text",
    "patient.group_number": "text",
    "claim.number": "text", "claim.account": "text", "claim.rendering_provider.name": "text",
    "claim.rendering_provider.npi": "text",
    f"{LINES}.date": "date", f"{LINES}.code": "text", f"{LINES}.modifiers": "text", f"{LINES}.units": "number",
    f"{LINES}.charge": "amount", f"{LINES}.diagnoses": "text", f"{LINES}.description": "text",
    "denial.date": "date", "denial.carc": "carc", "denial.group": "text", "denial.rarc": "text",
    "denial.reason": "text",
    "appeal.level": "text", "appeal.date": "date", "appeal.requested_code": "text",
    "appeal.requested_modifiers": "text", "appeal.notes": "text", "appeal.prior_decision.date": "date",
    "appeal.prior_decision.reference": "text",
    **{f"signer.{k}": "text" for k in ("name", "title", "credentials", "phone", "email", "signature")},
}
FACTS = "appeal.facts."
# What a mapped table must give (the workspace gives the provider and the signer).
REQUIRED = ("patient.name", "patient.member_id", "claim.number", f"{LINES}.date", f"{LINES}.code", "denial.date",
            "denial.carc")
# Per row in a claim-line table: the line's own fields, and the denial reason its row gives; the remark
# codes, the payer's words and the facts come from the rows of each reason (a fact belongs to its template).
REASON = ("denial.group", "denial.carc")
PER_REASON = ("denial.rarc", "denial.reason")
MAP_ACCEPTED = "a field such as patient.name, claim.lines[].code or appeal.facts.recording, or 'ignore'"


@dataclass(frozen=True)
class ColumnMap:
    """The office's header -> the field it holds (``None``: ignored); ``source`` is where the map was read."""

    fields: Mapping[str, str | None]
    source: str


@dataclass(frozen=True)
class TableCase:
    """One case read from a table: its rows, its data, the problems of its rows as a table (rows of one claim that
    differ, a cell that cannot be read), its columns' names. The data is there with the problems when the rows
    could be read as a case (each column's first value), so validating it finds the rest in the same run."""

    label: str
    source: str  # the case's identity: the file and its rows
    located: Located | None
    problems: tuple[Problem, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()  # (field, header): a problem names the header the biller sees
    line: int = 0  # the row, when the case is one row (its label names it)


def is_table(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


# ------------------------------------------------------------------ the map

def column_map(data: Any, file: str, located: Located | None = None) -> ColumnMap:
    """Validate a column map (``{header: field}``); every problem in one :class:`TableError`."""
    located = located or Located(data=data, file=file)
    r = Reader(located)
    problems: list[Problem] = []
    if not isinstance(data, dict) or not data:
        raise TableError([Problem(file, "the column map must be a section of 'Header: field' lines", line=1,
                                  accepted="e.g. 'Patient Name: patient.name'")])
    fields: dict[str, str | None] = {}
    for header in data:
        target = r.text((header,), required=True, accepted=MAP_ACCEPTED)
        if target is None:
            continue
        if target.lower() == IGNORE:
            fields[header.strip()] = None
        elif target in FIELDS or (target.startswith(FACTS) and re.fullmatch(r"[a-z_][a-z0-9_]*",
                                                                          target[len(FACTS):])):
            fields[header.strip()] = target
        else:
            import difflib  # only when there is a suggestion to make

            close = difflib.get_close_matches(target, list(FIELDS), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            r.problem((header,), f"'{target}' is not a case field{hint}", MAP_ACCEPTED)
    problems.extend(r.problems)
    if problems:
        raise TableError(problems)
    return ColumnMap(fields, file)


def load_column_map(path: Path | str) -> ColumnMap:
    """``--columns map.yaml``."""
    located = load_yaml(path, TableError)
    return column_map(located.data, str(path), located)


# ---------------------------------------------------------------- reading

@dataclass(frozen=True)
class _Row:
    """One row of a CSV file or worksheet, with its line."""

    line: int  # the CSV line, or the worksheet row
    cells: tuple[Any, ...]


def read_table(path: Path, columns: ColumnMap | None = None) -> Iterator[TableCase]:
    """Every case of a CSV or XLSX file; a problem with the whole file (its header, its map) is a TableError."""
    path = Path(path)
    header, rows, excel = _read_xlsx(path) if path.suffix.lower() == ".xlsx" else _read_csv(path)
    names = _header(path, header, columns)
    targets: list[str | None] = [columns.fields.get(n) for n in names] if columns else list(names)
    if columns:
        _check_mapped(path, names, columns)
    by_line = any(t and t.startswith(LINES + ".") for t in targets)
    described = tuple((t, n) for t, n in zip(targets, names) if t)
    parsed = (_cells(path, row, names, targets, excel) for row in rows)
    if by_line:
        yield from _claims(path, list(parsed), described)
    else:
        for line, values, problems in parsed:
            yield _one_row(path, line, targets, values, problems, described, excel)


def _read_csv(path: Path) -> tuple[list[str] | None, Iterator[_Row], bool]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise TableError("the CSV file is not UTF-8 text (accepted: a CSV saved as UTF-8)", file=str(path)) from None
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader, None)
        rows, line = [], reader.line_num + 1
        for cells in reader:
            rows.append(_Row(line, tuple(cells)))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise TableError(f"the CSV file cannot be read: {exc}", file=str(path)) from None
    return header, iter(rows), False


def _read_xlsx(path: Path) -> tuple[list[str] | None, Iterator[_Row], bool]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise TableError("the file is not an Excel workbook (accepted: an .xlsx file saved by Excel)",
                         file=str(path)) from None
    try:
        sheet = book.worksheets[0]
        rows = [_Row(n, tuple(values)) for n, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()
    while rows and all(_blank(v) for v in rows[0].cells):
        rows.pop(0)
    if not rows:
        return None, iter(()), True
    header = ["" if v is None else str(v) for v in rows[0].cells]
    while header and not header[-1].strip():
        header.pop()
    return header, iter(rows[1:]), True


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header(path: Path, header: list[str] | None, columns: ColumnMap | None) -> list[str]:
    accepted = "your own headers with a column map, or dotted field names such as patient.name"
    if not header or not any(c.strip() for c in header):
        raise TableError(f"the file has no header row (accepted: {accepted})", file=str(path))
    names = [c.strip() for c in header]
    if "" in names:
        raise TableError(f"column {names.index('') + 1} of the header has no name", file=str(path))
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise TableError(f"the header names column(s) {', '.join(repeated)} twice", file=str(path))
    if columns is None:
        unknown = [n for n in names if not _dotted(n)]
        if unknown:
            raise TableError([Problem(str(path), f"the column(s) {', '.join(repeat(unknown))} are not field names; "
                                      "give a column map (--columns map.yaml, or csv_columns: in appeal.yaml) "
                                      "saying which field each header holds",
                                      line=1, accepted="e.g. 'Patient Name: patient.name'")])
    return names


def repeat(names: Iterable[str]) -> list[str]:
    return [f"'{n}'" for n in names]


def _dotted(name: str) -> bool:
    """A header that is itself a field path (``claim.lines.0.code``, ``appeal.facts.recording``)."""
    canonical = re.sub(r"\.\d+(?=\.|$)", "[]", name)
    canonical = re.sub(r"^(provider\.address|payer\.address)\[\]$", r"\1", canonical)
    return (canonical in FIELDS or canonical in ("provider.address", "payer.address", "denial.lines")
            or name.startswith(FACTS) or canonical.startswith(("enclosures[]",)))


def _check_mapped(path: Path, names: list[str], columns: ColumnMap) -> None:
    problems = []
    unmapped = [n for n in names if n not in columns.fields]
    if unmapped:
        problems.append(Problem(str(path), f"the column map ({columns.source}) does not say what "
                                f"{', '.join(repeat(unmapped))} hold(s)", line=1,
                                accepted=f"add 'Header: field' lines to the map, or 'Header: {IGNORE}'"))
    given = {columns.fields[n] for n in names if columns.fields.get(n)}
    missing = [f for f in REQUIRED if f not in given]
    if "payer.name" not in given and "payer.id" not in given:
        missing.insert(0, "payer.name (or payer.id)")
    if missing:
        problems.append(Problem(str(path), f"no column holds {', '.join(missing)}", line=1,
                                accepted="a column for each required field, named in the column map"))
    if problems:
        raise TableError(problems)


def _cells(path: Path, row: _Row, names: list[str], targets: list[str | None],
           excel: bool) -> tuple[int, dict[str, str], list[Problem]]:
    """A row's non-empty cells as text, keyed by field; Excel cells of the wrong type are problems."""
    values: dict[str, str] = {}
    problems: list[Problem] = []
    if len(row.cells) > len(names) and any(not _blank(v) for v in row.cells[len(names):]):
        problems.append(Problem(str(path), f"the row has {len(row.cells)} cells but the header names "
                                           f"{len(names)} columns", line=row.line, accepted="one cell per column"))
    for n, (name, target, value) in enumerate(zip(names, targets, row.cells)):
        if target is None or _blank(value):
            continue
        if excel:
            text, problem = _excel_text(value, target)
            if problem:
                cell = f"{_letter(n + 1)}{row.line}"
                problems.append(Problem(str(path), f"cell {cell} {problem}", line=row.line, field=name))
                continue
        else:
            text = str(value).strip()
        values[target] = text
    return row.line, values, problems


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def _kind(target: str) -> str:
    if target.startswith(FACTS):
        return "fact"
    return FIELDS.get(re.sub(r"\.\d+(?=\.|$)", "[]", target), "text")


def _excel_text(value: Any, target: str) -> tuple[str, str | None]:
    """An Excel cell as the text a case file would hold, or why its type does not fit the field."""
    kind = _kind(target)
    if isinstance(value, str):
        return value.strip(), None
    if isinstance(value, bool):
        if kind == "fact":
            return ("yes" if value else "no"), None
        return "", "holds TRUE/FALSE, not text (accepted: the text of the field)"
    if isinstance(value, (dt.datetime, dt.date)):
        if kind in ("date", "fact"):
            return (value.date() if isinstance(value, dt.datetime) else value).isoformat(), None
        return "", "holds a date, not text (accepted: format the column as Text in Excel and retype it)"
    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if kind == "amount":
            if number.as_tuple().exponent < -2:  # type: ignore[operator]
                return "", "holds an amount that is not whole cents (accepted: an amount such as 350.79)"
            return f"{number:.2f}", None
        if kind in ("number", "fact") or (kind == "carc" and number == number.to_integral_value() and number >= 0):
            return format(number.normalize() if number == number.to_integral_value() else number, "f"), None
        if kind == "date":
            return "", "holds a number, not a date (accepted: a date cell, or text such as 2026-01-31)"
        return "", ("holds a number, not text: Excel drops leading zeros from numbers, so the value may have "
                    "changed (accepted: format the column as Text in Excel and retype it, or type it with a "
                    "leading apostrophe)")
    return "", f"holds a {type(value).__name__}, which this field cannot take"


# ---------------------------------------------------------------- building

def _put(data: dict, target: str, value: str) -> tuple:
    """Set ``value`` at the field path; its path as a tuple (``claim.lines.0.code`` -> ``(claim, lines, 0, code)``)."""
    parts = tuple(int(p) if p.isdigit() else p for p in target.split("."))
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return parts


def _lists(node):
    """Sections keyed by numbers (``claim.lines.0``) become lists."""
    if not isinstance(node, dict):
        return node
    out = {k: _lists(v) for k, v in node.items()}
    numbered = [k for k in out if isinstance(k, int)]
    if numbered and len(numbered) == len(out):
        return [out.get(i) for i in range(max(numbered) + 1)]
    return out


def _one_row(path: Path, line: int, targets: list[str | None], values: dict[str, str], problems: list[Problem],
             described: tuple, excel: bool) -> TableCase:
    label, source = f"{path}:{line}", f"{path}#line{line}"
    if problems:
        return TableCase(label, source, None, tuple(problems), described, line)
    try:
        located = row_located(str(path), line, tuple(values), tuple(values.values()))
    except CaseError as exc:
        return TableCase(label, source, None, tuple(exc.problems), described, line)
    return TableCase(label, source, located, (), described, line)


def _fill_lines(located: Located, node, path: tuple, line: int) -> None:
    """Every path not yet placed gets ``line`` (a claim's first row)."""
    located.lines.setdefault(path, line)
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        _fill_lines(located, value, path + (key,), line)


def _claims(path: Path, parsed: list[tuple[int, dict[str, str], list[Problem]]],
            described: tuple) -> Iterator[TableCase]:
    """Claim-line rows grouped by payer and claim number, then one case per denial reason."""
    groups: dict[tuple, list[tuple[int, dict[str, str], list[Problem]]]] = {}
    for line, values, problems in parsed:
        if not values and not problems:
            continue  # an empty row
        claim = values.get("claim.number")
        payer = (values.get("payer.id") or values.get("payer.name") or "").strip().upper()
        key = (payer, claim) if claim else ("", f"row {line}")
        groups.setdefault(key, []).append((line, values, problems))
    names = dict(described)
    for rows in groups.values():
        yield from _claim_cases(path, rows, names, described)


def _claim_cases(path: Path, rows: list[tuple[int, dict[str, str], list[Problem]]], names: dict[str, str],
                 described: tuple) -> Iterator[TableCase]:
    lines_of = [line for line, _, _ in rows]
    one = lines_of[0] if len(rows) == 1 else 0
    span = f"{lines_of[0]}" if len(lines_of) == 1 else f"{lines_of[0]}-{lines_of[-1]}"
    problems = [p for _, _, found in rows for p in found]
    common: dict[str, tuple[str, int]] = {}
    clashes: dict[str, list[int]] = {}
    for line, values, _ in rows:
        for target, value in values.items():
            if target.startswith((LINES + ".", FACTS)) or target in REASON or target in PER_REASON:
                continue
            if target not in common:
                common[target] = (value, line)
            elif common[target][0] != value:
                clashes.setdefault(target, [common[target][1]]).append(line)
    for target, clash_lines in clashes.items():
        problems.append(Problem(str(path), f"rows {', '.join(map(str, sorted(set(clash_lines))))} are one claim "
                                           f"(payer and claim number) but differ in this column",
                                line=clash_lines[0], field=names.get(target, target),
                                accepted="the same value on every row of a claim, or one claim number per claim"))
    reasons: dict[tuple[str, str], list[int]] = {}
    for n, (_, values, _) in enumerate(rows, start=1):
        if values.get("denial.carc"):
            reasons.setdefault((values.get("denial.group", "").upper(), values["denial.carc"].upper()), []).append(n)
    for reason, numbers in (reasons or {("", ""): []}).items():
        text = "-".join(p for p in reason if p)
        label = f"{path}:{span}" + (f" {text}" if text and len(reasons) > 1 else "")
        source = f"{path}#rows{span}" + (f"-{text}" if text else "")
        picked = [rows[n - 1] for n in numbers]
        reason_problems: list[Problem] = []
        located = Located(data={}, file=str(path))
        for target, (value, line) in common.items():
            located.lines[_put(located.data, target, value)] = line
        facts = [t for t in names if t.startswith(FACTS)]
        for target in (*PER_REASON, *facts):
            _per_reason(located, target, picked, names, reason_problems, path)
        if text:
            first = picked[0][0]
            for target, value in zip(REASON, reason):
                if value:
                    located.lines[_put(located.data, target, value)] = first
            if len(numbers) < len(rows) or len(reasons) > 1:
                located.data["denial"]["lines"] = [str(n) for n in numbers]
                located.lines[("denial", "lines")] = first
        for n, (line, values, _) in enumerate(rows):
            for target, value in values.items():
                if target.startswith(LINES + "."):
                    field = target[len(LINES) + 1:]
                    located.lines[_put(located.data, f"claim.lines.{n}.{field}", value)] = line
        located.data = _lists(located.data)
        _fill_lines(located, located.data, (), lines_of[0])
        yield TableCase(label, source, located, (*problems, *reason_problems), described, one)


def _per_reason(located: Located, target: str, picked: list, names: dict[str, str], problems: list[Problem],
                path: Path) -> None:
    """Remark codes: every code the reason's rows give; the payer's reason and each fact: one value for the
    reason's rows."""
    given = [(line, values[target]) for line, values, _ in picked if values.get(target)]
    if not given:
        return
    if target == "denial.rarc":
        codes = list(dict.fromkeys(c for _, v in given for c in re.split(r"[\s,]+", v.strip()) if c))
        located.lines[_put(located.data, target, ", ".join(codes))] = given[0][0]
        return
    if len({v for _, v in given}) > 1:  # the first row's value is read on, so its own problems are found too
        problems.append(Problem(str(path), f"rows {', '.join(str(line) for line, _ in given)} give one denial "
                                           "reason different words in this column", line=given[0][0],
                                field=names.get(target, target), accepted="the same text on each row of a reason"))
    located.lines[_put(located.data, target, given[0][1])] = given[0][0]
