"""``appeal denials`` and ``appeal import-835`` on the command line: output, warnings, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from x12_workspace import X12, make_workspace

F01 = X12 / "01_nebraska_medicaid_deident_5010.835"
F05 = X12 / "05_lfh_secondary_payment.835"
F07 = X12 / "07_synthetic_carc189_76496.835"
F08 = X12 / "08_synthetic_two_reasons_one_claim.835"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "practice")


def test_denials_prints_a_table_and_writes_nothing(run, ws, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("denials", F08, "--workspace", ws)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["claim", "account", "patient", "DOS", "code", "mod", "CARC", "RARC", "amount",
                                "appeal", "by"]
    assert lines[1].split()[:2] == ["PCN0001", "ACCT-0001"]  # CLP07, then CLP01: what the PM system looks up
    assert "CO-189" in lines[1] and "76496" in lines[1] and "M51" in lines[1] and "500.04" in lines[1]
    assert "2024-04-04 PAST DUE" in lines[1]  # 90 days from the remittance of 2024-01-05
    rows = [line for line in lines if line.startswith("PCN0001")]
    assert "180.00" in rows[1] and "CO-97" in rows[1] and "2024-04-04 PAST DUE" in rows[1]
    assert len(rows) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["practice"]


def test_denials_json_is_one_document_with_denials_and_warnings(run):
    result = run("denials", F05, F07, "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert [(d["group"], d["carc"], d["file"]) for d in document["denials"]] == [
        ("CO", "42", str(F05)), ("CO", "189", str(F07)), ("OA", "A7", str(F07))]
    assert document["warnings"] == [
        f"{F05}: segment 4 (BPR): payment date found in BPR15 instead of BPR16",
        f"{F05}: segment 29 (SVC): ISA16 declares component separator ':' but the SVC composite uses '>'; "
        "using '>'"]
    assert "warning: " + document["warnings"][0] in result.stderr


def test_repeated_warnings_are_said_once_with_their_segments(run):
    result = run("denials", F01)
    assert result.exit_code == 0
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warning == (f"warning: {F01}: segments 24, 40, 55, 59, 63 and 79 more (SVC): SVC01 qualifier 'XX' "
                       "is not a valid code (masked?)")


@pytest.mark.parametrize("content, message", [
    (b"", "file is empty"),
    (b"%PDF-1.4\n", "found '%PDF-1.4' where an ISA or ST*835 segment should start"),
    (b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*1*0*T*:~"
     b"GS*HC*A*B*20240101*1200*1*X*005010X222A1~ST*837*0001~SE*2*0001~", "found ST*837: this is not an 835"),
])
@pytest.mark.parametrize("command", ["denials", "import-835"])
def test_a_file_that_is_not_an_835_exits_2_with_the_file_named(run, tmp_path, command, content, message):
    bad = tmp_path / "upload.835"
    bad.write_bytes(content)
    result = run(command, bad, "-o", tmp_path / "cases") if command == "import-835" else run(command, bad)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {bad}: {message}")
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not (tmp_path / "cases").exists()


def test_import_writes_the_cases_and_lists_them(run, ws, tmp_path):
    out = tmp_path / "cases"
    result = run("import-835", F08, F07, "-o", out, "--workspace", ws)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == [str(out / n) for n in (
        "Synthetic-Health-Plan_PCN0001_CO-189.yaml", "Synthetic-Health-Plan_PCN0001_CO-97.yaml",
        "Example-Payer_4276512332_CO-189.yaml", "Example-Payer_4276512332_OA-A7.yaml")]
    assert "4 case file(s)" in result.stderr
    again = run("import-835", F08, "-o", out, "--workspace", ws, "--json")
    document = json.loads(again.stdout)
    assert [(Path(c["file"]).name, c["status"]) for c in document["cases"]] == [
        ("Synthetic-Health-Plan_PCN0001_CO-189.yaml", "unchanged"), ("Synthetic-Health-Plan_PCN0001_CO-97.yaml",
                                                                     "unchanged")]
    assert (document["cases"][0]["template"], document["cases"][0]["fill_in"]) == ("specific-code-required", [])
    assert document["cases"][0]["appeal_by"]["due"] == "2024-04-04"


def test_import_keeps_an_edited_case_file_without_force(run, ws, tmp_path):
    out = tmp_path / "cases"
    run("import-835", F07, "-o", out, "--workspace", ws)
    target = out / "Example-Payer_4276512332_OA-A7.yaml"
    target.write_text("# a biller's edits\n")
    other = next(p for p in out.iterdir() if p != target)
    other.unlink()
    result = run("import-835", F07, "-o", out, "--workspace", ws)
    assert result.exit_code == 0
    assert f"warning: {target}: differs from what this import writes (edited since?); kept as it is" in result.stderr
    assert target.read_text() == "# a biller's edits\n"
    assert other.is_file()  # the others are still written
    assert run("import-835", F07, "-o", out, "--workspace", ws, "--force").exit_code == 0
    assert target.read_text().startswith("# Case imported from the X12 835 remittance")


def test_a_file_that_is_not_an_835_alone_is_one_error_and_no_table(run, tmp_path):
    bad = tmp_path / "upload.835"
    bad.write_bytes(b"%PDF-1.4\n")
    result = run("denials", bad)
    assert result.exit_code == 2
    assert result.stderr.count("error:") == 1 and f"error: {bad}" in result.stderr
    assert "no denials" not in result.stderr and result.stdout == ""


def test_amounts_have_two_decimals_in_the_table_and_the_json(run):
    table = run("denials", X12 / "02_emedny_ny_medicaid.835").stdout
    assert [re.search(r"CO-\d+ +(?:N\d+ +)?(\S+)", line).group(1) for line in table.splitlines()
            if "CO-" in line] == ["34.00", "22.75"]
    document = json.loads(run("denials", X12 / "02_emedny_ny_medicaid.835", "--json").stdout)
    assert [d["amount"] for d in document["denials"]] == ["34.00", "22.75"]


def long_named(tmp_path: Path) -> Path:
    """F08 with a FICTITIOUS patient whose name is long, and a long list of remark codes."""
    text = F08.read_text().replace("NM1*QC*1*PATIENT*TEST****MI*MEMBER0001",
                                   "NM1*QC*1*ABERNATHY-WORTHINGTON*MARIA GUADALUPE*E***MI*MEMBER0001")
    path = tmp_path / "long.835"
    path.write_text(text)
    return path


def test_the_table_fits_100_columns_by_wrapping_the_patient_name_first(run, ws, tmp_path):
    result = run("denials", long_named(tmp_path), "--workspace", ws)
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    first, more = lines[1], lines[2:lines.index(next(l for l in lines[2:] if l.startswith("PCN0001")))]
    assert first.split()[:2] == ["PCN0001", "ACCT-0001"] and first.endswith("500.04  2024-04-04 PAST DUE")
    start = lines[0].index("patient")
    assert all(not line[:start].strip() for line in more)  # only the name goes on to the next lines
    shown = "".join([first[start:].split("  ")[0], *(line.strip() for line in more)])
    assert shown.replace(" ", "") == "ABERNATHY-WORTHINGTON,MARIAGUADALUPEE"


def test_past_due_is_coloured_on_a_terminal_unless_no_color(ws):
    from click.testing import CliRunner

    from appeal.cli import cli

    args = ["denials", str(F08), "--workspace", str(ws)]
    coloured = CliRunner().invoke(cli, args, color=True)  # as on a terminal
    assert "\x1b[31m\x1b[1mPAST DUE\x1b[0m" in coloured.stdout
    assert "\x1b[" not in CliRunner().invoke(cli, args, color=True, env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in CliRunner().invoke(cli, args).stdout  # a pipe or a file: plain text


def test_due_soon_is_coloured_yellow():
    from appeal.cli.remit import denials_table

    row = {"claim": "C1", "account": "A1", "patient": "SAMPLE, PAT", "dos": "2026-01-02", "codes": ["76496"],
           "modifiers": [], "group": "CO", "carc": "189", "rarc": [], "amount": "1.00", "flag": "due soon",
           "appeal_by": {"due": "2026-02-01"}, "appeal_by_missing": None}
    [_, line] = denials_table([row])
    assert line.endswith("2026-02-01 \x1b[33m\x1b[1mdue soon\x1b[0m")


def test_a_missing_appeal_by_date_says_why(run, ws, tmp_path):
    alone = run("denials", F08)  # no workspace here: no payer directory
    assert "(no directory)" in alone.stdout
    assert "no appeal-by date: no payer directory: no workspace (appeal.yaml) was found" in alone.stderr
    unknown = run("denials", F05, "--workspace", ws)
    assert "(payer not listed)" in unknown.stdout
    assert f"is not in the payer directory ({ws / 'appeal.yaml'}); add it with its appeal_window_days" in \
        unknown.stderr
    document = json.loads(run("denials", F05, "--workspace", ws, "--json").stdout)
    assert document["denials"][0]["appeal_by"] is None
    assert document["denials"][0]["appeal_by_missing"]["short"] == "payer not listed"


def test_a_file_that_is_not_an_835_does_not_hide_the_others(run, tmp_path):
    fake = tmp_path / "claim.837"
    fake.write_text("ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*^*00501*"
                    "000000001*0*P*:~GS*HC*A*B*20260101*1200*1*X*005010X222A1~ST*837*0001~SE*2*0001~")
    result = run("denials", F07, fake, "--json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["denials"] and document["errors"][0]["file"] == str(fake)
    assert f"error: {fake}" in result.stderr


def test_the_tables_word_filling_is_textwraps():
    import random
    import textwrap

    from appeal.cli.table import _words

    rng = random.Random(7)
    pieces = ["A", "B", "-", ",", " ", "  ", "\u00a0", "\t", "Q", "SYNTHETIC", "SYNTHETIC12345", "\u00e9", ".", "1"]
    checked = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        width = rng.randint(1, 16)
        filled = _words(text, width)
        if filled is not None:
            checked += 1
            assert filled == textwrap.wrap(text, width=width, break_on_hyphens=False), (text, width)
    assert checked > 1000
