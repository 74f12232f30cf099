"""Spreadsheets out: CSV and XLSX files a biller opens in Excel, with nothing Excel would run.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` is one Excel would read as a
formula (CSV injection). In a CSV it is written with a leading apostrophe, which Excel
shows as text; in an XLSX it is stored as a text cell. Every CSV and XLSX the tool
writes goes through here.

XLSX cells keep their types: a date is a date cell, an amount an exact number with
two decimals (a ``Decimal`` is written as its digits), text is text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from appeal.deliver.files import write_atomic, write_text_atomic

FORMULA_START = ("=", "+", "-", "@")
AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


def safe_text(value: str) -> str:
    """Text Excel shows as text: ``=SUM(A1)`` -> ``'=SUM(A1)``."""
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document (``\\n`` line ends), every cell made safe for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_text(str(h)) for h in header])
    writer.writerows([safe_text("" if v is None else str(v)) for v in row] for row in rows)
    return buffer.getvalue()


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    write_text_atomic(path, csv_text(header, rows))


# (row, column, value), both from 0 -> font keywords for that cell, e.g. {"color": "C00000"}, or None
Style = Callable[[int, int, Any], "dict | None"]


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Sheet1",
               widths: dict[int, int] | None = None, style: Style | None = None) -> bytes:
    """An XLSX workbook: a bold header row, panes frozen below it, typed cells, formulas never."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = title[:31]
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, (dt.date, Decimal, int, float)) and not isinstance(value, bool):
                cell.value = value
                cell.number_format = DATE_FORMAT if isinstance(value, dt.date) else AMOUNT_FORMAT
            elif value not in (None, ""):
                cell.value = str(value)
                cell.data_type = "s"  # text, even when it starts with '=': never a formula
            looks = style(r - 2, c - 1, value) if style else None
            if looks:
                cell.font = Font(**looks)
    sheet.freeze_panes = "A2"
    for column, width in (widths or {}).items():
        sheet.column_dimensions[_letter(column + 1)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], **options: Any) -> None:
    write_atomic(path, xlsx_bytes(header, rows, **options))


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)
