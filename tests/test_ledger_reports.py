"""track next and track stats on the ledger that the follow-up remittance reconciled."""

from __future__ import annotations

import re

import pytest

from conftest import flat, pdf_text
from ledger_helpers import FOLLOWUP, as_json, cli, copy_workspace, make_ledger_workspace
from test_reconcile import send_three


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    ws, out = make_ledger_workspace(tmp_path_factory.mktemp("reports"))
    send_three(ws, out)
    assert cli("track", "reconcile", FOLLOWUP, "--workspace", ws).exit_code == 0
    return ws, out


@pytest.fixture
def ws(base, tmp_path):
    return copy_workspace(base, tmp_path)


def test_next_writes_the_second_level_letter_with_the_prior_decision(ws, tmp_path):
    out = tmp_path / "next"
    result = cli("track", "next", "--claim", "4276512332", "--carc", "A7", "-o", out, "--workspace", ws, "--json")
    assert result.exit_code == 0, result.stderr
    found = as_json(result)
    (row,) = found["appeals"]
    assert (row["id"], row["level"], row["status"], row["appeal_by"]) == ("A-000005", "second-level", "drafted",
                                                                          "2027-01-02")
    pdf = next(p for p in map(__import__("pathlib").Path, found["outputs"]) if p.suffix == ".pdf")
    assert "second-level" in pdf.name
    text = flat(pdf_text(pdf))
    assert "Second-level appeal" in text
    assert "Prior decision 12/03/2026 (reference SYNTH1001)" in text  # the remittance (its TRN)
    again = cli("track", "next", "--claim", "4276512332", "--carc", "A7", "-o", out, "--workspace", ws)
    assert again.exit_code == 0  # the same appeal, its letter made again
    listed = as_json(cli("track", "list", "--workspace", ws, "--json"))["appeals"]
    assert len(listed) == 5


def test_next_is_dated_as_asked_and_judged_as_generate_judges_a_letter(ws, tmp_path):
    """The decision (the follow-up remittance's, 12/03/2026) comes before the letter: one dated earlier is held
    for review; --date sets the letter's date (never the first letter's), and the verdict is the last line."""
    found = {}
    for day in ("2026-12-02", "2026-12-04"):
        result = cli("track", "next", "--claim", "4276512332", "--carc", "A7", "-o", tmp_path / day, "--workspace",
                     ws, "--date", day, "--json")
        assert result.exit_code == 0, result.stderr
        found[day] = as_json(result)
        assert result.stderr.rstrip().splitlines()[-1].startswith("verdict: ")
        pdf = next(p for p in map(__import__("pathlib").Path, found[day]["outputs"]) if p.suffix == ".pdf")
        assert day in pdf.name
        month_day = {"2026-12-02": "December 2, 2026", "2026-12-04": "December 4, 2026"}[day]
        assert month_day in flat(pdf_text(pdf))
    early = found["2026-12-02"]["verdict"]
    assert early["status"] == "review"
    (reason,) = [r for r in early["reasons"] if r["code"] == "dated-before-decision"]
    assert "dated 12/02/2026, before the decision of 12/03/2026 it appeals" in reason["message"]
    assert "dated-before-decision" not in [r["code"] for r in found["2026-12-04"]["verdict"]["reasons"]]
    assert isinstance(found["2026-12-04"]["findings"], list)


def test_next_of_an_appeal_not_upheld_is_exit_2(ws, base, tmp_path):
    letter = base[1] / "Example-Payer_4276512332_CO-189_2026-11-27.pdf"
    result = cli("track", "next", letter, "-o", tmp_path / "x", "--workspace", ws)
    assert result.exit_code == 2 and "has no next level open (status overturned)" in result.stderr
    assert not (tmp_path / "x").exists()


def test_stats_by_payer_hold_the_figures(ws):
    result = cli("track", "stats", "--workspace", ws, "--json")
    assert result.exit_code == 0, result.stderr
    found = as_json(result)
    assert found["ok"] is True
    rows = {r["payer"]: r for r in found["stats"]}
    assert {k: (r["appeals"], r["sent"], r["decided"], r["overturned"], r["overturn_rate"], r["recovered"],
                r["median_days_to_decision"]) for k, r in rows.items()} == {
        "Example Payer": (2, 2, 2, 1, 0.5, "350.00", 3),
        "Synthetic Health Plan": (2, 1, 1, 1, 1.0, "150.00", 3)}
    total = found["total"]
    assert (total["appeals"], total["decided"], total["overturn_rate"], total["recovered"]) == (4, 3, 0.6667,
                                                                                                "500.00")


def test_stats_html_is_one_offline_page_with_the_table_and_charts(ws, tmp_path):
    page, image = tmp_path / "stats.html", tmp_path / "stats.png"
    result = cli("track", "stats", "--by", "carc", "--html", page, "--png", image, "--workspace", ws)
    assert result.exit_code == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert text.count("<svg") == 3
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text) and "<script" not in text
    for figure in ("Overturn rate by payer (%)", "Overturn rate by CARC (%)", "Dollars recovered by month",
                   "CO-189", "OA-A7", "CO-97", "66.7%", "500.00", "$500.00", "2026-12", "50%", "100%"):
        assert figure in text, figure
    assert "BACH" not in text and "4276512332" not in text  # aggregates only, no patient data
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(image) as png:
        assert png.size[0] > png.size[1] > 200
    table = cli("track", "stats", "--by", "carc", "--workspace", ws)
    assert "CO-189" in table.stdout and "66.7%" in table.stdout


def test_due_on_the_reconciled_ledger_lists_the_unsent_draft_and_the_next_level(ws):
    result = cli("track", "due", "--workspace", ws, "--json", "--today", "2026-12-20")
    assert result.exit_code == 0
    assert [(d["appeal"], d["action"], d["due"], d["flag"]) for d in as_json(result)["due"]] == [
        ("A-000003", "send the appeal", "2024-04-04", "PAST DUE"),
        ("A-000005", "file the next level (second-level)", "2027-01-02", "")]


def test_export_xlsx_of_the_reconciled_ledger_holds_the_outcomes(ws, tmp_path):
    from openpyxl import load_workbook

    book = tmp_path / "appeals.xlsx"
    assert cli("track", "export", "--xlsx", book, "--workspace", ws).exit_code == 0
    values = list(load_workbook(book).active.values)
    header = values[0]
    got = {row[0]: dict(zip(header, row)) for row in values[1:]}
    assert {k: (v["status"], v["result"], v["recovered"], v["decided_on"]) for k, v in got.items()} == {
        "A-000001": ("overturned", "overturned", 350, "2026-12-03"),
        "A-000002": ("upheld", "upheld", 0, "2026-12-03"),
        "A-000003": ("drafted", None, None, None),
        "A-000004": ("overturned", "overturned", 150, "2026-12-03"),
        "A-000005": ("new", None, None, None)}
    assert got["A-000001"]["sent_via"] == "portal" and got["A-000005"]["level"] == "second-level"


def test_packet_records_its_files_too(tmp_path):
    from conftest import UPMC
    from x12_workspace import make_workspace

    ws = make_workspace(tmp_path / "ws")
    result = cli("packet", UPMC, "-o", tmp_path / "out", "--workspace", ws, "--date", "2026-11-27")
    assert result.exit_code == 0, result.stderr
    (row,) = as_json(cli("track", "list", "--workspace", ws, "--json"))["appeals"]
    assert [f["path"].endswith("_packet.pdf") for f in row["letters"]] == [True]
