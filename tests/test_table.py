"""Spreadsheets in: a CSV exported with the office's own headers and an XLSX file become letters through a
column map; rows of one claim are grouped and split per denial; Excel's types keep "no type guessing".
Every person, number and address here is FICTITIOUS."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from appeal.cli import cli
from appeal.errors import TableError
from appeal.inputs.table import column_map, load_column_map, read_table

from conftest import docx_text, flat, pdf_text
from x12_workspace import PROFILE, make_workspace

DATE = "2026-11-27"
MAP = """\
# The office's practice-management export, column by column
Payer: payer.name
"Claim #": claim.number        # a header with # or : goes in quotes
Acct: claim.account
Patient Name: patient.name
Member ID: patient.member_id
DOS: claim.lines[].date
CPT: claim.lines[].code
Mod: claim.lines[].modifiers
Billed: claim.lines[].charge
Denied On: denial.date
Grp: denial.group
CARC: denial.carc
RARC: denial.rarc
Notes: appeal.notes
Recorded: appeal.facts.recording
With Exam: appeal.facts.with_routine_exam
Posted By: ignore
"""
HEADER = ["Payer", "Claim #", "Acct", "Patient Name", "Member ID", "DOS", "CPT", "Mod", "Billed", "Denied On",
          "Grp", "CARC", "RARC", "Notes", "Recorded", "With Exam", "Posted By"]
NOTE = "The report was sent with the claim and is enclosed again."
ROWS = [  # claim SAMPLE-000001: two lines denied for two reasons; claim SAMPLE-000002: one line
    ["Synthetic Health Plan", "SAMPLE-000001", "A-1", "Jane Sample", "0012345", "09/15/2026", "76496", "",
     "350.79", "10/20/2026", "CO", "189", "N657", NOTE, "yes", "no", "pat"],
    ["Synthetic Health Plan", "SAMPLE-000002", "A-2", "John Example", "0099999", "09/16/2026", "76120", "",
     "$202.37", "10/20/2026", "CO", "252", "", NOTE, "", "", "pat"],
    ["Synthetic Health Plan", "SAMPLE-000001", "A-1", "Jane Sample", "0012345", "09/15/2026", "72040", "59",
     "120.00", "10/20/2026", "CO", "252", "M15", NOTE, "", "", "kim"],
]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "practice")


def map_file(folder: Path, text: str = MAP) -> Path:
    path = folder / "columns.yaml"
    path.write_text(text)
    return path


def write_csv(path: Path, rows: list[list], header=HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_batch(ws: Path, out: Path, *inputs, columns: Path | None = None, extra=()):
    args = ["batch", *map(str, inputs), "-o", str(out), "--workspace", str(ws), "--date", DATE, "--jobs", "1",
            *extra]
    if columns is not None:
        args += ["--columns", str(columns)]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def summary(out: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8"))))


def test_an_office_export_becomes_letters_through_a_column_map(ws, tmp_path):
    columns = map_file(tmp_path)
    source = write_csv(tmp_path / "export.csv", ROWS)
    out = tmp_path / "out"
    result = run_batch(ws, out, source, columns=columns)
    assert result.exit_code == 0, result.stderr
    rows = summary(out)
    assert [(r["input"], r["status"], r["template"]) for r in rows] == [
        (f"{source}:2-4 CO-189", "written", "specific-code-required"), (f"{source}:2-4 CO-252", "written",
                                                                   "generic-reconsideration"),
        (f"{source}:3", "written", "generic-reconsideration")]
    letter = flat(pdf_text(out / "Synthetic-Health-Plan_SAMPLE-000001_CO-189_2026-11-27.pdf"))
    assert "Jane Sample" in letter and "76496" in letter and "0012345" in letter
    both = flat(docx_text(out / "Synthetic-Health-Plan_SAMPLE-000001_CO-252_2026-11-27.docx"))
    assert "72040" in both and NOTE in both
    assert "John Example" in flat(pdf_text(out / "Synthetic-Health-Plan_SAMPLE-000002_CO-252_2026-11-27.pdf"))


def test_a_claim_is_split_per_denial_with_the_lines_of_each_reason(tmp_path):
    source = write_csv(tmp_path / "export.csv", ROWS)
    found = list(read_table(source, column_map_of(MAP)))
    first, second, other = (f.located.data for f in found)
    assert [line["code"] for line in first["claim"]["lines"]] == ["76496", "72040"]
    assert (first["denial"]["carc"], first["denial"]["lines"], first["denial"]["rarc"]) == ("189", ["1"], "N657")
    assert (second["denial"]["carc"], second["denial"]["lines"], second["denial"]["rarc"]) == ("252", ["2"], "M15")
    assert first["claim"]["lines"][1] == {"date": "09/15/2026", "code": "72040", "modifiers": "59",
                                          "charge": "120.00"}
    assert "Posted By" not in str(first) and "lines" not in other["denial"]  # one line, one reason
    assert found[0].located.line(("claim", "lines", 1, "code")) == 4  # each field keeps its row


def column_map_of(text: str):
    import yaml

    return column_map(yaml.load(text, Loader=yaml.BaseLoader), "columns.yaml")


def test_the_column_map_can_live_in_the_profile(tmp_path):
    profile = PROFILE + "csv_columns:\n" + "".join(f"  {line}\n" for line in MAP.splitlines()[1:])
    ws = make_workspace(tmp_path / "practice", profile)
    out = tmp_path / "out"
    result = run_batch(ws, out, write_csv(tmp_path / "export.csv", ROWS[1:2]))
    assert result.exit_code == 0, result.stderr
    assert [r["status"] for r in summary(out)] == ["written"]


def test_rows_of_one_claim_that_disagree_are_an_error_naming_the_rows(ws, tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][4] = "0012346"  # the member id differs between rows 2 and 4 of one claim
    columns = map_file(tmp_path)
    out = tmp_path / "out"
    source = write_csv(tmp_path / "export.csv", rows)
    result = run_batch(ws, out, source, columns=columns)
    assert result.exit_code == 1
    failed = [r for r in summary(out) if r["status"] == "failed"]
    assert [r["input"] for r in failed] == [f"{source}:2-4 CO-189", f"{source}:2-4 CO-252"]
    assert failed[0]["error"] == ("row 2: column 'Member ID': rows 2, 4 are one claim (payer and claim number) "
                                  "but differ in this column (accepted: the same value on every row of a claim, "
                                  "or one claim number per claim)")
    assert "0012346" not in result.stderr + (out / "summary.csv").read_text()  # no PHI in the message


def test_an_unmapped_column_and_a_missing_field_are_listed(ws, tmp_path):
    columns = tmp_path / "columns.yaml"
    columns.write_text(MAP.replace("Posted By: ignore\n", "").replace("Member ID: patient.member_id\n", "")
                       .replace("Denied On: denial.date\n", ""))
    out = tmp_path / "out"
    source = write_csv(tmp_path / "export.csv", ROWS)
    result = run_batch(ws, out, source, columns=columns)
    assert result.exit_code == 2
    [row] = summary(out)
    assert row["status"] == "failed"
    assert f"{source}:1: the column map ({columns}) does not say what 'Member ID', 'Denied On', 'Posted By' " \
           "hold(s)" in row["error"]
    assert f"{source}:1: no column holds patient.member_id, denial.date" in row["error"]


def test_own_headers_without_a_map_say_to_give_one(ws, tmp_path):
    out = tmp_path / "out"
    result = run_batch(ws, out, write_csv(tmp_path / "excel.csv", ROWS))
    assert result.exit_code == 2
    assert "the column(s) 'Payer', 'Claim #', 'Acct', 'Patient Name'" in summary(out)[0]["error"]
    assert "give a column map (--columns map.yaml, or csv_columns: in appeal.yaml)" in summary(out)[0]["error"]


def test_a_bad_column_map_stops_the_run(ws, tmp_path):
    columns = tmp_path / "columns.yaml"
    columns.write_text("Patient Name: patient.nmae\nCPT: claim.line[].code\n")
    result = run_batch(ws, tmp_path / "out", write_csv(tmp_path / "x.csv", ROWS), columns=columns)
    assert result.exit_code == 2
    assert (f"error: {columns}:1: Patient Name: 'patient.nmae' is not a case field; did you mean 'patient.name'?"
            in result.stderr)
    assert f"error: {columns}:2: CPT: 'claim.line[].code' is not a case field" in result.stderr
    with pytest.raises(TableError):
        load_column_map(tmp_path / "none.yaml")


# ------------------------------------------------------------------ XLSX

def write_xlsx(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


XLSX_ROWS = [  # as Excel holds them: text codes and ids, numbers for amounts and the CARC, date cells
    ["Synthetic Health Plan", "SAMPLE-000001", "A-1", "Jane Sample", "0012345", dt.datetime(2026, 9, 15), "76496",
     None, 350.79, dt.date(2026, 10, 20), "CO", 189, "N657", NOTE, True, False, "pat"],
    ["Synthetic Health Plan", "SAMPLE-000001", "A-1", "Jane Sample", "0012345", dt.datetime(2026, 9, 15), "72040",
     "59", 120, dt.date(2026, 10, 20), "CO", 252, None, NOTE, None, None, "kim"],
]


def test_an_xlsx_file_becomes_letters_through_a_column_map(ws, tmp_path):
    columns = map_file(tmp_path)
    source = write_xlsx(tmp_path / "export.xlsx", XLSX_ROWS)
    found = list(read_table(source, load_column_map(columns)))
    data = found[0].located.data
    assert [(line["date"], line["charge"]) for line in data["claim"]["lines"]] == [("2026-09-15", "350.79"),
                                                                                  ("2026-09-15", "120.00")]
    assert (data["denial"]["date"], data["denial"]["carc"], data["patient"]["member_id"]) == (
        "2026-10-20", "189", "0012345")
    out = tmp_path / "out"
    result = run_batch(ws, out, source, columns=columns)
    assert result.exit_code == 0, result.stderr
    assert [(r["input"], r["status"]) for r in summary(out)] == [(f"{source}:2-3 CO-189", "written"),
                                                                 (f"{source}:2-3 CO-252", "written")]
    letter = flat(pdf_text(out / "Synthetic-Health-Plan_SAMPLE-000001_CO-189_2026-11-27.pdf"))
    assert "Jane Sample" in letter and "$350.79" in letter


@pytest.mark.parametrize("column, value, message", [
    (6, 76496, "cell G2 holds a number, not text: Excel drops leading zeros from numbers"),
    (4, 12345, "cell E2 holds a number, not text"),
    (1, 20260915, "cell B2 holds a number, not text"),
    (5, 46280, "cell F2 holds a number, not a date"),
    (8, 350.789, "cell I2 holds an amount that is not whole cents"),
    (4, dt.date(2026, 1, 2), "cell E2 holds a date, not text"),
])
def test_an_excel_cell_of_the_wrong_type_is_an_error_naming_the_cell(ws, tmp_path, column, value, message):
    rows = [list(XLSX_ROWS[0])]
    rows[0][column] = value
    columns = map_file(tmp_path)
    out = tmp_path / "out"
    source = write_xlsx(tmp_path / "export.xlsx", rows)
    result = run_batch(ws, out, source, columns=columns)
    assert result.exit_code == 1
    [row] = summary(out)
    assert row["status"] == "failed" and row["input"] == f"{source}:2"
    assert row["error"].startswith(f"column '{HEADER[column]}': {message}"), row["error"]
    assert str(value) not in row["error"]  # the cell's value is never echoed


def test_a_file_that_is_not_a_workbook_is_unreadable(ws, tmp_path):
    fake = tmp_path / "claims.xlsx"
    fake.write_text("Patient Name,CPT\n")
    out = tmp_path / "out"
    assert run_batch(ws, out, fake).exit_code == 2
    assert summary(out)[0]["error"] == f"{fake}: the file is not an Excel workbook (accepted: an .xlsx file saved " \
                                       "by Excel)"
