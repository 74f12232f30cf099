"""``summary.csv`` as the day's worklist (and ``--xlsx``); the case files a batch makes from an 835; cells
Excel would run as formulas. Every person and number here is FICTITIOUS."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from appeal.cli import cli
from appeal.deliver.sheet import csv_text, safe_text

from conftest import UPMC, sample_data
from x12_workspace import X12, make_workspace

F07 = X12 / "07_synthetic_carc189_76496.835"
F08 = X12 / "08_synthetic_two_reasons_one_claim.835"
DATE = "2026-11-27"
HEADER = ("input,status,verdict,reasons,claim,account,patient,payer,dos,codes,group,carc,rarc,amount,level,"
          "appeal_by,template,docx,pdf,packet,fax,tiff,error,warnings")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "practice")


def batch(ws: Path, out: Path, *inputs, extra=()):
    args = ["batch", *map(str, inputs), "-o", str(out), "--workspace", str(ws), "--date", DATE, "--jobs", "1",
            *extra]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def rows(out: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8"))))


def test_the_summary_is_a_worklist_with_one_row_per_denial(ws, tmp_path, make_case):
    out = tmp_path / "out"
    unknown = make_case({"appeal.facts.recording": None, "payer.name": "Synthetic Health Plan", "payer.id": "99999",
                         "appeal.level": "reconsideration"}, name="no-recording.yaml")  # read, but no letter
    result = batch(ws, out, F08, unknown)
    assert result.exit_code == 1  # the last case lacks the fact its template needs
    assert (out / "summary.csv").read_text().splitlines()[0] == HEADER
    made, bundled, failed = rows(out)
    assert {k: made[k] for k in ("status", "claim", "account", "patient", "payer", "dos", "codes", "group", "carc",
                                 "rarc", "amount", "level", "appeal_by", "template", "docx", "pdf", "packet",
                                 "error")} == {
        "status": "written", "claim": "PCN0001", "account": "ACCT-0001", "patient": "TEST PATIENT",
        "payer": "Synthetic Health Plan", "dos": "2023-12-01", "codes": "76496", "group": "CO", "carc": "189",
        "rarc": "M51", "amount": "500.04", "level": "corrected-claim", "appeal_by": "2024-04-04 PAST DUE",
        "template": "specific-code-required", "docx": "Synthetic-Health-Plan_PCN0001_CO-189_2026-11-27.docx",
        "pdf": "Synthetic-Health-Plan_PCN0001_CO-189_2026-11-27.pdf", "packet": "", "error": ""}
    # CO-97 on physical therapy lines (97110, 97140): the generic letter, for the biller's own reasons
    assert (bundled["status"], bundled["carc"], bundled["codes"], bundled["template"], bundled["verdict"]) == (
        "written", "97", "97110 97140", "generic-reconsideration", "review")
    assert "no-reasons" in bundled["reasons"]
    assert (failed["status"], failed["docx"], failed["pdf"], failed["carc"]) == ("failed", "", "", "189")
    assert failed["error"].startswith("line ") and "appeal.facts.recording" in failed["error"]
    # the case was read: its level and appeal-by date (the directory's 90 days from 10/20/2026) show, though no
    # letter was made
    assert failed["level"] == "reconsideration" and failed["appeal_by"].startswith("2027-01-18")  # (a flag after)


def test_a_resumed_row_keeps_every_column_and_the_manifest_holds_no_patient_data(ws, tmp_path, make_case):
    out = tmp_path / "out"
    unknown = make_case({"appeal.facts.recording": None}, name="no-recording.yaml")
    batch(ws, out, F08, UPMC, unknown)
    first = rows(out)
    again = batch(ws, out, F08, UPMC, unknown)
    assert again.exit_code == 1
    second = rows(out)
    assert [r["status"] for r in second] == ["skipped", "skipped", "skipped", "failed"]
    for before, after in zip(first, second):
        assert {**before, "status": ""} == {**after, "status": ""}
    assert second[2]["patient"] == "Jane Q. Sample" and second[2]["warnings"] == first[2]["warnings"] != ""
    assert second[0]["verdict"] in ("ready", "review", "blocked") and second[0]["reasons"] == first[0]["reasons"]
    assert any(": " in r["reasons"] for r in second if r["status"] == "skipped")  # each reason with its message
    state = "".join(p.read_text() for p in (out / ".batch").rglob("*") if p.is_file())
    # the letters' file names (with the payer's claim number) were there before; names, ids, accounts are not
    for phi in ("Jane Q. Sample", "TEST PATIENT", "PATIENT", "ACCT-0001", "MEMBER0001", "500.04"):
        assert phi not in state


def test_xlsx_is_the_same_worklist_with_types_and_frozen_panes(ws, tmp_path):
    from openpyxl import load_workbook

    out, book = tmp_path / "out", tmp_path / "worklist.xlsx"
    assert batch(ws, out, F08, extra=["--xlsx", book]).exit_code == 0
    sheet = load_workbook(book).active
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ",".join(table[0]) == HEADER and sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    column = {name: i for i, name in enumerate(table[0])}
    made = table[1]
    assert made[column["dos"]] == dt.datetime(2023, 12, 1) and made[column["appeal_by"]] == dt.datetime(2024, 4, 4)
    assert made[column["amount"]] == 500.04 and sheet.cell(2, column["amount"] + 1).number_format == "#,##0.00"
    assert sheet.cell(2, column["appeal_by"] + 1).font.color.rgb.endswith("C00000")  # PAST DUE in red
    csv_rows = rows(out)
    for r, row in enumerate(table[1:]):
        assert row[column["patient"]] == csv_rows[r]["patient"] and row[column["status"]] == csv_rows[r]["status"]


def test_a_cell_excel_would_run_is_written_as_text_in_csv_and_xlsx(ws, tmp_path):
    from openpyxl import load_workbook

    data = sample_data()
    data["patient"]["name"] = "=HYPERLINK(\"http://example.invalid\",\"x\")"
    data["claim"]["account"] = "-12+3"
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump(data, sort_keys=False))
    out, book = tmp_path / "out", tmp_path / "worklist.xlsx"
    assert batch(ws, out, case, extra=["--xlsx", book]).exit_code == 0
    [row] = rows(out)
    assert row["patient"] == "'=HYPERLINK(\"http://example.invalid\",\"x\")" and row["account"] == "'-12+3"
    sheet = load_workbook(book).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(2, header.index("patient") + 1)
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://example.invalid\",\"x\")"
    assert [safe_text(t) for t in ("+1", "@SUM(A1)", "plain", "")] == ["'+1", "'@SUM(A1)", "plain", ""]
    assert csv_text(["a"], [["=1"]]) == "a\n'=1\n"


def test_batch_from_an_835_keeps_its_case_files_and_uses_an_edited_one(ws, tmp_path):
    out = tmp_path / "out"
    assert batch(ws, out, F08).exit_code == 0
    first = rows(out)[1]
    case = out / "cases" / "Synthetic-Health-Plan_PCN0001_CO-97.yaml"
    assert first["input"] == str(case) and case.is_file() and "no-reasons" in first["reasons"]
    # the biller gives the generic letter its reasons
    assert "\nappeal:" not in case.read_text()  # no facts to fill in for the generic letter
    edited = case.read_text() + "appeal:\n  notes: The therapy was a separate session.\n"
    case.write_text(edited)
    again = batch(ws, out, F08, extra=["--json"])
    assert again.exit_code == 0, again.stderr
    assert case.read_text() == edited  # kept, and used
    assert f"{case}: edited since it was made from the remittance; used as it is" in again.stderr
    assert [r["status"] for r in rows(out)] == ["skipped", "written"]
    assert "no-reasons" not in rows(out)[1]["reasons"]
    assert json.loads(again.stdout)["items"][1]["docx"] == "Synthetic-Health-Plan_PCN0001_CO-97_2026-11-27.docx"


def test_each_file_goes_in_its_own_column(ws, tmp_path):
    from appeal.commands.batch.summary import file_column

    out = tmp_path / "out"
    assert batch(ws, out, UPMC, extra=["--packet"]).exit_code == 0
    [row] = rows(out)
    stem = "UPMC-Health-Plan_SAMPLE-2026-000123_CO-189_2026-11-27"
    assert (row["docx"], row["pdf"], row["packet"]) == (f"{stem}.docx", f"{stem}.pdf", f"{stem}_packet.pdf")
    assert [file_column(n) for n in (f"{stem}_fax.pdf", f"{stem}_fax.tif")] == ["fax", "tiff"]
