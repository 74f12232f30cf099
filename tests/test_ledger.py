"""The appeal ledger: batch records, track sent / outcome / list / due / export, and the ledger's errors."""

from __future__ import annotations

import sqlite3
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appeal.commands.track import NOTE_LIMIT, note_text
from appeal.errors import TrackError
from appeal.inputs.fields import refused_character

from conftest import SAMPLES
from ledger_helpers import DATE, F07, as_json, cli, copy_workspace, make_ledger_workspace

A1_LETTER = "Example-Payer_4276512332_CO-189_2026-11-27.pdf"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return make_ledger_workspace(tmp_path_factory.mktemp("ledger"))


@pytest.fixture
def ws(base, tmp_path):
    return copy_workspace(base, tmp_path)


def rows(ws) -> list[dict]:
    result = cli("track", "list", "--workspace", ws, "--json", "--today", "2026-12-01")
    assert result.exit_code == 0, result.stderr
    return as_json(result)["appeals"]


def test_batch_records_every_letter_as_a_drafted_appeal(base):
    ws, out = base
    ledger = ws / "ledger.sqlite3"
    with sqlite3.connect(ledger) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        for made in (ledger, *ledger.parent.glob("ledger.sqlite3-*")):  # and its -wal and -shm files
            assert stat.S_IMODE(made.stat().st_mode) == 0o600, made
    appeals = rows(ws)
    assert [(a["id"], a["payer"], a["claim"], a["reason"], a["status"]) for a in appeals] == [
        ("A-000001", "Example Payer", "4276512332", "CO-189", "drafted"),
        ("A-000002", "Example Payer", "4276512332", "OA-A7", "drafted"),
        ("A-000003", "Synthetic Health Plan", "PCN0001", "CO-189", "drafted"),
        ("A-000004", "Synthetic Health Plan", "PCN0001", "CO-97", "drafted")]
    first = appeals[0]
    assert (first["account"], first["patient"], first["member_id"], first["dos"], first["codes"]) == (
        "2005555A", "JOHANN S BACH", "00001612", "2003-11-29", ["76496"])
    assert (first["amount"], first["rarc"], first["template"], first["level"], first["appeal_by"]) == (
        "500.04", ["M51"], "specific-code-required", "corrected-claim", "2005-10-28")  # 365 days (directory)
    assert sorted(f["path"].rsplit("/", 1)[1] for f in first["letters"]) == [
        "Example-Payer_4276512332_CO-189_2026-11-27.docx", A1_LETTER]
    assert all(len(f["sha256"]) == 64 for f in first["letters"])
    assert appeals[3]["codes"] == ["97110", "97140"] and appeals[3]["amount"] == "180.00"
    with sqlite3.connect(ledger) as db:  # what it holds, and no more: no DOB, no diagnosis
        columns = {row[1] for table in ("denials", "appeals", "events") for row in
                   db.execute(f"PRAGMA table_info({table})")}
    assert not {"dob", "diagnoses", "diagnosis"} & columns


def test_making_a_letter_again_never_adds_a_second_appeal(ws, tmp_path):
    out = tmp_path / "again"
    result = cli("batch", F07, "-o", out, "--workspace", ws, "--date", DATE, "--jobs", "1", "--force")
    assert result.exit_code == 0, result.stderr
    assert "2 updated A-000001, A-000002" in result.stderr
    appeals = rows(ws)
    assert len(appeals) == 4
    assert str(out) in appeals[0]["letters"][0]["path"]  # the letter's files are the new ones
    events = cli("track", "list", "--workspace", ws, "--json")
    assert events.exit_code == 0


def test_generate_records_its_letter(tmp_path):
    from conftest import UPMC
    from x12_workspace import make_workspace

    ws = make_workspace(tmp_path / "ws")
    for _ in range(2):
        result = cli("generate", UPMC, "-o", tmp_path / "out", "--workspace", ws, "--date", DATE)
        assert result.exit_code == 0, result.stderr
    assert "ledger (" in result.stderr and "updated A-000001" in result.stderr
    appeals = rows(ws)
    assert len(appeals) == 1 and appeals[0]["template"] == "specific-code-required"


def test_no_workspace_and_no_db_records_nothing(tmp_path, monkeypatch):
    from conftest import UPMC

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("APPEAL_DB", raising=False)
    result = cli("generate", UPMC, "-o", tmp_path / "out", "--date", DATE)
    assert result.exit_code == 0 and "ledger" not in result.stderr
    assert not list(tmp_path.rglob("*.sqlite3"))
    missing = cli("track", "list", "--json")
    assert missing.exit_code == 2 and as_json(missing)["ok"] is False
    assert "no ledger in use" in missing.stderr


def test_sent_by_letter_file_by_claim_and_by_id(ws, base):
    letter = base[1] / A1_LETTER
    one = cli("track", "sent", letter, letter.with_suffix(".docx"), "--via", "portal", "--ref", "P-123", "--date", "2026-11-28",
              "--workspace", ws, "--json", "--user", "pat")
    assert one.exit_code == 0, one.stderr
    (event,) = as_json(one)["events"]  # the letter's two files are one appeal
    assert (event["appeal"], event["kind"], event["method"], event["reference"], event["date"], event["by"]) == (
        "A-000001", "sent", "portal", "P-123", "2026-11-28", "pat")
    assert as_json(one)["ok"] is True
    two = cli("track", "sent", "--claim", "4276512332", "--carc", "A7", "--via", "mail", "--workspace", ws)
    assert two.exit_code == 0 and "A-000002: sent mail" in two.stdout
    three = cli("track", "sent", "--appeal", "A-000004", "--via", "fax", "--workspace", ws)
    assert three.exit_code == 0
    statuses = {a["id"]: (a["status"], a["sent_via"]) for a in rows(ws)}
    assert statuses == {"A-000001": ("sent", "portal"), "A-000002": ("sent", "mail"),
                        "A-000003": ("drafted", None), "A-000004": ("sent", "fax")}


def test_a_claim_with_two_appeals_is_exit_2_listing_both(ws):
    result = cli("track", "sent", "--claim", "PCN0001", "--via", "fax", "--workspace", ws, "--json")
    assert result.exit_code == 2
    message = as_json(result)["errors"][0]["message"]
    assert "matches 2 appeals" in message and "A-000003" in message and "A-000004" in message
    assert all(a["status"] == "drafted" for a in rows(ws))  # nothing recorded
    unknown = cli("track", "sent", "--appeal", "A-000099", "--via", "fax", "--workspace", ws)
    assert unknown.exit_code == 2 and "no appeal A-000099" in unknown.stderr


def test_the_history_of_a_claim_lists_every_appeal_on_it(ws):
    """Recording needs one appeal; reading the history of a claim with two denials shows both."""
    result = cli("track", "history", "--claim", "PCN0001", "--workspace", ws, "--json")
    assert result.exit_code == 0, result.stderr
    assert {e["appeal"] for e in as_json(result)["events"]} == {"A-000003", "A-000004"}


def test_upheld_opens_the_next_level_with_its_own_appeal_by_date(ws):
    assert cli("track", "sent", "--appeal", "A-000003", "--via", "portal", "--date", "2026-11-28",
               "--workspace", ws).exit_code == 0
    result = cli("track", "outcome", "--appeal", "A-000003", "--result", "upheld", "--date", "2026-12-01",
                 "--ref", "DEC-9", "--reason", "not medically necessary", "--workspace", ws, "--json")
    assert result.exit_code == 0, result.stderr
    event = as_json(result)["events"][0]
    # A-000003 was a corrected claim, so the next level is a reconsideration: 90 days (payer directory) from the
    # decision letter's date plus 5 days of mail
    assert (event["result"], event["next_level"], event["next_appeal_by"]) == ("upheld", "A-000005", "2027-03-06")
    appeals = {a["id"]: a for a in rows(ws)}
    assert appeals["A-000003"]["status"] == "upheld"
    assert (appeals["A-000005"]["status"], appeals["A-000005"]["level"]) == ("new", "reconsideration")
    assert cli("track", "sent", "--appeal", "A-000001", "--via", "mail", "--date", "2026-11-28",
               "--workspace", ws).exit_code == 0
    paid = cli("track", "outcome", "--appeal", "A-000001", "--result", "overturned", "--paid", "$1,250.50",
               "--workspace", ws, "--json")
    assert as_json(paid)["events"][0]["amount"] == "1250.50"
    bad = cli("track", "outcome", "--appeal", "A-000001", "--result", "overturned", "--paid", "lots",
              "--workspace", ws)
    assert bad.exit_code == 2 and "'lots' is not an amount" in bad.stderr


def test_a_note_goes_into_the_history_and_decides_nothing(ws, base):
    letter = base[1] / A1_LETTER
    assert cli("track", "sent", letter, "--via", "portal", "--ref", "P-123", "--date", "2026-11-28",
               "--workspace", ws).exit_code == 0
    noted = cli("track", "note", letter, "--text", "Payer called:\n  wants the\trecords, ref RR-7", "--date",
                "2026-12-01", "--user", "pat", "--workspace", ws, "--json")
    assert noted.exit_code == 0, noted.stderr
    (event,) = as_json(noted)["events"]
    assert (event["appeal"], event["kind"], event["note"], event["date"], event["by"]) == (
        "A-000001", "note", "Payer called: wants the records, ref RR-7", "2026-12-01", "pat")
    assert {a["id"]: a["status"] for a in rows(ws)}["A-000001"] == "sent"  # the status stays
    shown = cli("track", "history", "--appeal", "A-000001", "--workspace", ws)
    assert shown.exit_code == 0, shown.stderr
    lines = [line for line in shown.stdout.splitlines() if " drafted" not in line]  # drafted: the day batch ran
    assert len(lines) == 2 and len(shown.stdout.splitlines()) == 3
    assert lines[0].startswith("2026-11-28 A-000001 sent via portal ref P-123 (by ")
    assert lines[1] == "2026-12-01 A-000001 note: Payer called: wants the records, ref RR-7 (by pat)"


@pytest.mark.parametrize("text, message", [
    ("   \n ", "is empty"),
    ("x" * 1001, "is 1,001 characters long"),
    ("call\u202eed", "holds a right-to-left override character (U+202E)"),
])
def test_a_bad_note_is_exit_2_and_records_nothing(ws, text, message):
    result = cli("track", "note", "--appeal", "A-000002", "--text", text, "--workspace", ws, "--json")
    assert result.exit_code == 2
    [error] = as_json(result)["errors"]
    assert (error["file"], error["message"]) == ("--text", message) and "1,000 characters" in error["accepted"]
    history = cli("track", "history", "--appeal", "A-000002", "--workspace", ws, "--json")
    assert [e["kind"] for e in as_json(history)["events"]] == ["drafted"]


@given(st.text(max_size=1200) | st.text(alphabet=" \n\tab\x00\u202e\u00a0", max_size=30))
def test_any_note_typed_is_one_clean_line_or_an_error_at_text(text):
    try:
        kept = note_text(text)
    except TrackError as exc:
        [problem] = exc.problems
        assert problem.file == "--text" and problem.accepted
        return
    assert kept == " ".join(text.split()) and kept and len(kept) <= NOTE_LIMIT
    assert "\n" not in kept and refused_character(kept) is None


def test_history_shows_every_level_of_the_denial_oldest_first(ws):
    assert cli("track", "sent", "--appeal", "A-000003", "--via", "fax", "--date", "2026-11-28",
               "--workspace", ws).exit_code == 0
    assert cli("track", "outcome", "--appeal", "A-000003", "--result", "upheld", "--date", "2026-12-01",
               "--ref", "DEC-9", "--workspace", ws).exit_code == 0
    assert cli("track", "note", "--appeal", "A-000005", "--text", "second level to be filed by fax",
               "--date", "2026-12-02", "--workspace", ws).exit_code == 0
    for which in (["--appeal", "A-000005"], ["--appeal", "A-000003"], ["--claim", "PCN0001", "--carc", "189"]):
        result = cli("track", "history", *which, "--workspace", ws, "--json")
        assert result.exit_code == 0, result.stderr
        events = as_json(result)["events"]
        assert [(e["appeal"], e["kind"]) for e in events if e["kind"] != "drafted"] == [
            ("A-000003", "sent"), ("A-000003", "outcome"), ("A-000005", "note")], which
        assert [e["date"] for e in events] == sorted(e["date"] for e in events)
        assert "A-000004" not in {e["appeal"] for e in events}  # the claim's other denial (CO-97)
    assert cli("track", "history", "--appeal", "A-000099", "--workspace", ws).exit_code == 2


def test_due_lists_past_due_first_then_follow_ups(ws):
    assert cli("track", "sent", "--appeal", "A-000004", "--via", "fax", "--date", DATE,
               "--workspace", ws).exit_code == 0
    result = cli("track", "due", "--workspace", ws, "--json", "--today", "2027-01-20")
    assert result.exit_code == 0
    due = as_json(result)["due"]
    assert [(d["appeal"], d["action"], d["due"], d["flag"]) for d in due] == [
        ("A-000002", "send the appeal", "2004-12-27", "PAST DUE"),
        ("A-000001", "send the appeal", "2005-10-28", "PAST DUE"),  # a corrected claim: 365 days (directory)
        ("A-000003", "send the appeal", "2024-04-04", "PAST DUE"),
        # CO-97 on therapy lines: a reconsideration (the generic letter), with the directory's 45 response days
        ("A-000004", "follow up: no answer yet", "2027-01-11", "PAST DUE")]
    assert rows(ws)[3]["status"] == "sent"
    late = cli("track", "list", "--status", "no-response", "--today", "2027-01-20", "--workspace", ws, "--json")
    assert [a["id"] for a in as_json(late)["appeals"]] == ["A-000004"]
    table = cli("track", "due", "--workspace", ws, "--today", "2027-01-20")
    assert table.stdout.splitlines()[1].startswith("PAST DUE  2004-12-27  A-000002")
    soon = cli("track", "due", "--within", "0", "--workspace", ws, "--json", "--today", "2027-01-11")
    # the follow-up of A-000004 falls due that day
    assert [d["appeal"] for d in as_json(soon)["due"]] == ["A-000002", "A-000001", "A-000003", "A-000004"]


def test_export_xlsx_reads_back_with_openpyxl(ws, tmp_path):
    from openpyxl import load_workbook

    # a patient account that looks like a formula must stay text in the spreadsheet
    with sqlite3.connect(ws / "ledger.sqlite3") as db:
        db.execute("UPDATE denials SET account = '=HYPERLINK(\"http://x\")' WHERE id = 1")
    book = tmp_path / "appeals.xlsx"
    sheet_csv = tmp_path / "appeals.csv"
    result = cli("track", "export", "--xlsx", book, "--csv", sheet_csv, "--workspace", ws, "--json")
    assert result.exit_code == 0, result.stderr
    assert len(as_json(result)["appeals"]) == 4
    assert stat.S_IMODE(book.stat().st_mode) == 0o600
    sheet = load_workbook(book).active
    values = list(sheet.values)
    header = list(values[0])
    first = dict(zip(header, values[1]))
    assert (first["id"], first["claim"], first["reason"], first["status"], first["amount"]) == (
        "A-000001", "4276512332", "CO-189", "drafted", 500.04)
    assert first["account"] == '=HYPERLINK("http://x")'
    assert sheet.cell(row=2, column=header.index("account") + 1).data_type == "s"
    assert "'=HYPERLINK" in sheet_csv.read_text(encoding="utf-8")
    assert len(values) == 5


def test_not_a_ledger_is_exit_2(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is a spreadsheet, not a ledger" * 10)
    result = cli("track", "list", "--db", junk, "--json")
    assert result.exit_code == 2 and "is not an appeal ledger" in result.stderr
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE patients (id INTEGER)")
    result = cli("track", "list", "--db", other)
    assert result.exit_code == 2 and "holds other tables and no appeal ledger" in result.stderr


def test_a_newer_schema_is_refused(ws):
    with sqlite3.connect(ws / "ledger.sqlite3") as db:
        db.execute("UPDATE ledger_meta SET value = '99' WHERE key = 'schema'")
    result = cli("track", "list", "--workspace", ws)
    assert result.exit_code == 2 and "newer version of appeal (ledger schema 99" in result.stderr


def test_a_ledger_locked_before_the_letters_stops_the_command_before_it_writes_one(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("APPEAL_LEDGER_TIMEOUT", "0.2")
    holder = sqlite3.connect(ws / "ledger.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program writes and does not let go
    try:
        out = tmp_path / "later"
        result = cli("batch", F07, "-o", out, "--workspace", ws, "--date", DATE, "--jobs", "1", "--force")
        made = cli("generate", SAMPLES / "duplicate-claim-18.yaml", "-o", out, "--workspace", ws)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == made.exit_code == 2
    assert "locked by another program" in result.stderr and "locked by another program" in made.stderr
    assert not out.exists() or not list(out.glob("*.pdf"))
    assert "Traceback" not in result.stderr + made.stderr


def test_a_ledger_that_fails_after_the_letters_keeps_them_and_says_how_to_record(ws, tmp_path, monkeypatch):
    from appeal.ledger import store

    monkeypatch.setenv("APPEAL_LEDGER_TIMEOUT", "0.2")
    holder = sqlite3.connect(ws / "ledger.sqlite3", isolation_level=None)
    checked = store.Ledger.check_writable

    def then_locked(ledger):  # another program takes the lock once the command has checked it, and keeps it
        checked(ledger)
        holder.execute("BEGIN EXCLUSIVE")

    monkeypatch.setattr(store.Ledger, "check_writable", then_locked)
    try:
        out = tmp_path / "later"
        result = cli("batch", F07, "-o", out, "--workspace", ws, "--date", DATE, "--jobs", "1", "--force")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 2
    assert "locked by another program" in result.stderr
    assert "2 letter(s) (4 file(s) in" in result.stderr and "were written and are kept" in result.stderr
    assert "run the same 'appeal batch ... --force' again" in result.stderr
    assert len(list(out.glob("*.pdf"))) == 2
    assert "Traceback" not in result.stderr


def test_a_read_only_ledger_is_exit_2(ws):
    url = f"sqlite:///file:{ws / 'ledger.sqlite3'}?mode=ro&uri=true"
    result = cli("track", "sent", "--appeal", "A-000001", "--via", "fax", "--db", url, "--json")
    assert result.exit_code == 2 and "read-only" in result.stderr
    assert as_json(result)["ok"] is False


def test_a_database_password_is_never_printed():
    result = cli("track", "list", "--db", "postgresql://biller:s3cr3t-pw@127.0.0.1:1/ledger", "--json")
    assert result.exit_code == 2
    assert "s3cr3t-pw" not in result.stderr + result.stdout
    assert "postgresql://biller@127.0.0.1:1/ledger" in result.stderr and "no PostgreSQL server answers" in result.stderr


def test_the_ledger_is_found_from_db_then_appeal_db_then_the_profile(tmp_path, monkeypatch):
    from appeal.ledger.store import locate

    from x12_workspace import make_workspace

    ws = make_workspace(tmp_path / "ws", "ledger:\n  url: shared/office.sqlite3\n")
    monkeypatch.delenv("APPEAL_DB", raising=False)
    assert locate(None, ws).path == (ws / "shared" / "office.sqlite3").absolute()
    monkeypatch.setenv("APPEAL_DB", str(tmp_path / "env.sqlite3"))
    assert locate(None, ws).path == tmp_path / "env.sqlite3"
    assert locate(str(tmp_path / "flag.sqlite3"), ws).path == tmp_path / "flag.sqlite3"
    monkeypatch.delenv("APPEAL_DB")
    assert locate(None, make_workspace(tmp_path / "plain")).path == tmp_path / "plain" / "ledger.sqlite3"
    assert locate(None, None) is None
    bad = make_workspace(tmp_path / "bad", "ledger:\n  uri: x\n")
    result = cli("track", "list", "--workspace", bad)
    assert result.exit_code == 2 and "ledger.uri" in result.stderr


def test_a_medicare_reconsideration_counts_180_days_from_the_presumed_receipt():
    import datetime as dt

    from appeal.inputs.workspace import PayerEntry
    from appeal.ledger.outcomes import next_level
    from appeal.reference.deadlines import next_level_due

    decided = dt.date(2026, 3, 2)
    assert next_level("redetermination", ["redetermination"]) == "medicare-reconsideration"
    assert next_level("medicare-reconsideration", ["redetermination", "medicare-reconsideration"]) is None
    assert next_level("reconsideration", ["redetermination", "reconsideration"]) is None  # a hearing comes next
    assert next_level_due(None, "medicare-reconsideration", decided, by_letter=True) == \
        dt.date(2026, 9, 3)  # 5 days of mail, then 180
    directory = PayerEntry(name="Plan", appeal_window_days={"second-level": 60})
    assert next_level_due(directory, "second-level", decided, by_letter=False) == dt.date(2026, 5, 1)
    assert next_level_due(None, "second-level", decided, by_letter=True) is None  # no window known: none invented


def test_a_ledger_that_is_not_one_stops_generate_before_any_letter(tmp_path):
    from conftest import UPMC

    junk = tmp_path / "notes.sqlite3"
    junk.write_text("not a database, just notes " * 20, encoding="utf-8")
    out = tmp_path / "out"
    result = cli("generate", UPMC, "-o", out, "--db", junk, "--date", DATE)
    assert result.exit_code == 2 and "is not an appeal ledger" in result.stderr
    assert not out.exists() or not list(out.iterdir())


def _history(ws, appeal: str) -> list[tuple[str, str]]:
    events = as_json(cli("track", "history", "--appeal", appeal, "--workspace", ws, "--json"))["events"]
    return [(e["kind"], e["date"]) for e in events if e["appeal"] == appeal and e["kind"] != "drafted"]


def test_a_date_after_today_is_refused_and_nothing_is_recorded(ws):
    import datetime as dt

    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    for command in (["sent", "--via", "portal"], ["outcome", "--result", "upheld"]):
        result = cli("track", *command[:1], "--appeal", "A-000003", *command[1:], "--date", tomorrow,
                     "--workspace", ws, "--json")
        assert result.exit_code == 2
        (error,) = as_json(result)["errors"]
        assert error["file"] == "--date" and "is after today" in error["message"]
        assert error["accepted"] == "today or an earlier date"
    assert _history(ws, "A-000003") == []


def test_a_decision_dated_before_the_appeal_was_sent_is_refused(ws):
    assert cli("track", "sent", "--appeal", "A-000003", "--via", "fax", "--date", "2026-11-28",
               "--workspace", ws).exit_code == 0
    early = cli("track", "outcome", "--appeal", "A-000003", "--result", "upheld", "--date", "2026-11-27",
                "--workspace", ws)
    assert early.exit_code == 2 and "is before A-000003 was sent, on 11/28/2026" in early.stderr
    assert _history(ws, "A-000003") == [("sent", "2026-11-28")]


def test_a_sending_dated_before_its_letter_is_refused(ws):
    history = as_json(cli("track", "history", "--appeal", "A-000003", "--workspace", ws, "--json"))
    assert [e["date"] for e in history["events"] if e["kind"] == "drafted"] == [DATE]  # the letter's date
    early = cli("track", "sent", "--appeal", "A-000003", "--via", "mail", "--date", "2026-11-26", "--workspace", ws,
                "--json")
    assert early.exit_code == 2
    (error,) = as_json(early)["errors"]
    assert error["file"] == "--date"
    assert error["message"] == ("11/26/2026 is before the date of A-000003's first letter, 11/27/2026; nothing was "
                                "recorded")
    assert error["accepted"] == "the day it was sent: 11/27/2026 or later"
    assert _history(ws, "A-000003") == []
    assert cli("track", "sent", "--appeal", "A-000003", "--via", "mail", "--date", DATE, "--workspace", ws).exit_code == 0
    assert _history(ws, "A-000003") == [("sent", DATE)]


def upheld(ws) -> None:
    """A-000003 (a corrected claim) sent on 11/28 and upheld on 12/01: A-000005, its reconsideration, is opened."""
    assert cli("track", "sent", "--appeal", "A-000003", "--via", "portal", "--date", "2026-11-28",
               "--workspace", ws).exit_code == 0
    assert cli("track", "outcome", "--appeal", "A-000003", "--result", "upheld", "--date", "2026-12-01",
               "--workspace", ws).exit_code == 0


def test_a_next_level_is_not_sent_before_the_decision_that_opened_it(ws, tmp_path):
    upheld(ws)
    made = cli("track", "next", "--appeal", "A-000005", "-o", tmp_path / "next", "--date", "2026-11-30",
               "--workspace", ws)  # the letter misdated before the decision (its verdict says so)
    assert made.exit_code in (0, 1), made.stderr
    early = cli("track", "sent", "--appeal", "A-000005", "--via", "portal", "--date", "2026-11-30", "--workspace", ws)
    assert early.exit_code == 2
    assert ("11/30/2026 is before the decision on A-000003 that opened A-000005, 12/01/2026; nothing was recorded"
            in early.stderr)
    assert cli("track", "sent", "--appeal", "A-000005", "--via", "portal", "--date", "2026-12-01",
               "--workspace", ws).exit_code == 0


def test_the_next_levels_letter_counts_its_window_from_the_decision_it_appeals(ws, tmp_path):
    upheld(ws)
    made = cli("track", "next", "--appeal", "A-000005", "-o", tmp_path / "next", "--date", "2026-12-03",
               "--workspace", ws, "--json")
    reasons = {r["code"]: r["message"] for r in as_json(made)["verdict"]["reasons"]}
    assert "appeal-by-passed" not in reasons  # it was counted from the corrected claim's denial, in 2024
    assert made.exit_code in (0, 1) and list((tmp_path / "next").glob("*.pdf"))


def test_a_corrected_decision_closes_the_level_the_upheld_one_opened(ws):
    upheld(ws)
    assert {a["id"]: a["status"] for a in rows(ws)}["A-000005"] == "new"
    fixed = cli("track", "outcome", "--appeal", "A-000003", "--result", "overturned", "--paid", "120",
                "--date", "2026-12-02", "--workspace", ws)
    assert fixed.exit_code == 0, fixed.stderr
    assert ("A-000005: withdrawn, not to be filed: it was opened by an upheld decision on A-000003, which is now "
            "overturned") in fixed.stderr
    assert {a["id"]: a["status"] for a in rows(ws)}["A-000005"] == "withdrawn"
    due = as_json(cli("track", "due", "--workspace", ws, "--json", "--today", "2026-12-03"))["due"]
    assert "A-000005" not in {d["appeal"] for d in due}
    assert _history(ws, "A-000005")[-1] == ("outcome", "2026-12-02")


def test_a_ledger_of_an_earlier_version_keeps_its_sendings_before_the_day_a_letter_was_made(ws):
    """Before letter dates were recorded, a drafted event bore the day the letter was made, which may be later
    than the letter's date: such an event sets no bound (the denial's date still does)."""
    with sqlite3.connect(ws / "ledger.sqlite3") as db:
        db.execute("DELETE FROM ledger_meta WHERE key = 'letter_dates_since'")  # as an earlier version left it
        db.execute("UPDATE events SET on_date = '2026-12-06' WHERE kind = 'drafted'")
    assert cli("track", "sent", "--appeal", "A-000003", "--via", "mail", "--date", "2026-11-21",
               "--workspace", ws).exit_code == 0
    before_denial = cli("track", "sent", "--appeal", "A-000001", "--via", "mail", "--date", "2004-01-01",
                        "--workspace", ws)
    assert before_denial.exit_code == 2 and "is before the date of the denial it appeals" in before_denial.stderr


def test_the_same_sent_recorded_twice_is_kept_once_and_said(ws):
    args = ("track", "sent", "--appeal", "A-000003", "--via", "portal", "--ref", "R123", "--date", "2026-11-28",
            "--workspace", ws)
    first, again = cli(*args, "--json"), cli(*args, "--json")
    assert first.exit_code == again.exit_code == 0
    assert as_json(again)["events"] == as_json(first)["events"]  # the event already there
    assert "already recorded as sent on 11/28/2026 by portal (reference R123); nothing new was recorded" in again.stderr
    assert cli("track", "sent", "--appeal", "A-000003", "--via", "fax", "--date", "2026-11-29",
               "--workspace", ws).exit_code == 0  # sent again another way: a second event
    assert _history(ws, "A-000003") == [("sent", "2026-11-28"), ("sent", "2026-11-29")]


def test_a_letter_file_that_is_not_there_is_said_so(ws, tmp_path):
    gone = cli("track", "sent", tmp_path / "nope.pdf", "--via", "portal", "--workspace", ws)
    assert gone.exit_code == 2 and "nope.pdf: file not found, and the ledger has no letter written at that path" \
        in gone.stderr
    other = tmp_path / "other.pdf"
    other.write_bytes(b"%PDF-1.4")
    assert "other.pdf: this letter is not in the ledger" in cli("track", "sent", other, "--via", "portal",
                                                               "--workspace", ws).stderr


def test_a_decision_needs_a_sending_and_a_sending_needs_a_letter(ws):
    """The ledger records what can have happened: no decision on an appeal never sent (but the biller may withdraw
    one unsent), and no sending of a next level whose letter is not made yet."""
    never = cli("track", "outcome", "--appeal", "A-000003", "--result", "upheld", "--date", "2026-11-01",
                "--workspace", ws)
    assert never.exit_code == 2
    assert "A-000003: was never recorded as sent (status drafted); nothing was recorded" in never.stderr
    assert {a["id"]: a["status"] for a in rows(ws)}["A-000003"] == "drafted"
    withdrawn = cli("track", "outcome", "--appeal", "A-000004", "--result", "withdrawn", "--workspace", ws)
    assert withdrawn.exit_code == 0, withdrawn.stderr
    upheld(ws)
    unmade = cli("track", "sent", "--appeal", "A-000005", "--via", "mail", "--workspace", ws)  # the next level
    assert unmade.exit_code == 2 and "A-000005: has no letter yet (status new)" in unmade.stderr


def test_a_letter_made_again_from_a_corrected_case_corrects_its_denial(tmp_path):
    """The ledger says what the latest letter says: the patient's name and the amount corrected in the case file
    reach track list (and export, stats), on the same appeal."""
    from conftest import UPMC
    from x12_workspace import make_workspace

    ws = make_workspace(tmp_path / "ws")
    case = tmp_path / "case.yaml"
    case.write_text(UPMC.read_text(encoding="utf-8"), encoding="utf-8")
    assert cli("generate", case, "-o", tmp_path / "out", "--workspace", ws, "--date", DATE).exit_code == 0
    (before,) = rows(ws)
    text = case.read_text(encoding="utf-8")
    assert before["amount"] == "350.79" and before["patient"] in text and "charge: 350.79" in text
    case.write_text(text.replace(before["patient"], "Janet Q. Corrected").replace("charge: 350.79", "charge: 375.00"),
                    encoding="utf-8")
    again = cli("generate", case, "-o", tmp_path / "out", "--workspace", ws, "--date", DATE)
    assert again.exit_code == 0, again.stderr
    (after,) = rows(ws)
    assert (after["id"], after["patient"], after["amount"]) == (before["id"], "Janet Q. Corrected", "375.00")
