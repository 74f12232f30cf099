"""The ledger on both engines: four processes writing at once lose nothing; a killed writer leaves it whole.

The PostgreSQL runs need a server: set APPEAL_TEST_PG_URL (``.ci/run`` starts one); without it they skip.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ledger_helpers import cli, fresh_pg, pg_url

PROCESSES, EVENTS = 4, 500
ROOT = Path(__file__).resolve().parent.parent

WRITER = """
import datetime as dt, sys
from appeal.ledger.store import Ledger, target_from
url, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
ledger = Ledger(target_from(url))
for i in range(count):
    with ledger.write() as conn:  # one transaction per event, as one command per event would be
        ledger.add_event(conn, 1, "note", dt.date(2026, 12, 1), name, note=f"{name}-{i}")
"""


def facts() -> dict:
    return {"payer": "Synthetic Health Plan", "payer_id": "99999", "provider": "Sample Clinic", "claim": "PCN0001",
            "account": "ACCT-0001", "patient_name": "TEST PATIENT", "member_id": "MEMBER0001",
            "dos_from": "2023-12-01", "dos_to": "2023-12-01", "lines": [["2023-12-01", "97110", "2", True]],
            "group": "CO", "carc": "97", "rarc": [], "amount_cents": 12000, "denied_on": "2024-01-05", "dated": "2024-01-10",
            "level": "reconsideration", "template": "generic-reconsideration", "appeal_by": "2024-04-04",
            "source": "sample.yaml", "letters": []}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite3")
    return fresh_pg(pg_url())


def open_with_one_appeal(url: str):
    from appeal.ledger.store import Ledger, target_from

    ledger = Ledger(target_from(url))
    with ledger.write() as conn:
        assert ledger.record_letter(conn, facts(), "test") == ("A-000001", True)
    return ledger


def test_four_processes_recording_500_events_each_lose_none(url):
    ledger = open_with_one_appeal(url)
    env = {**os.environ, "APPEAL_LEDGER_TIMEOUT": "60", "PYTHONPATH": str(ROOT)}
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, url, f"p{n}", str(EVENTS)], env=env,
                                stderr=subprocess.PIPE, text=True) for n in range(PROCESSES)]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    with ledger.read() as conn:
        notes = [r["note"] for r in conn.execute("SELECT note FROM events WHERE kind = 'note'")]
        ids = conn.scalar("SELECT count(DISTINCT id) FROM events")
    assert len(notes) == PROCESSES * EVENTS and len(set(notes)) == PROCESSES * EVENTS
    assert ids == PROCESSES * EVENTS + 1  # and the drafted event
    if url.endswith(".sqlite3"):
        import sqlite3

        with sqlite3.connect(url) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_same_commands_run_on_either_engine(url, tmp_path):
    open_with_one_appeal(url)
    sent = cli("track", "sent", "--appeal", "A-000001", "--via", "portal", "--date", "2026-12-01", "--db", url, "--json")
    assert sent.exit_code == 0, sent.stderr
    decided = cli("track", "outcome", "--claim", "PCN0001", "--result", "overturned", "--paid", "120",
                  "--date", "2026-12-02", "--db", url, "--json")
    assert decided.exit_code == 0, decided.stderr
    listed = cli("track", "list", "--db", url, "--json")
    (row,) = __import__("json").loads(listed.stdout)["appeals"]
    assert (row["status"], row["recovered"], row["decided_on"], row["sent_via"]) == (
        "overturned", "120.00", "2026-12-02", "portal")
    noted = cli("track", "note", "--appeal", "A-000001", "--text", "paid in full, ref EOB-4", "--date",
                "2026-12-02", "--db", url, "--json")
    assert noted.exit_code == 0, noted.stderr
    history = cli("track", "history", "--appeal", "A-000001", "--db", url, "--json")
    events = __import__("json").loads(history.stdout)["events"]
    events = [e for e in events if e["kind"] != "drafted"]  # drafted on the letter's date, the others on theirs
    assert [e["kind"] for e in events][-2:] == ["outcome", "note"] and events[-1]["note"] == "paid in full, ref EOB-4"


def test_a_writer_killed_mid_write_leaves_the_ledger_whole(tmp_path):
    import sqlite3

    url = str(tmp_path / "ledger.sqlite3")
    open_with_one_appeal(url)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url, "killed", "100000"], env=env)
    deadline = time.monotonic() + 30
    with sqlite3.connect(url) as db:
        while db.execute("SELECT count(*) FROM events").fetchone()[0] < 50 and time.monotonic() < deadline:
            time.sleep(0.05)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    with sqlite3.connect(url) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        written = db.execute("SELECT count(*) FROM events").fetchone()[0]
    assert written >= 50
    result = cli("track", "sent", "--appeal", "A-000001", "--via", "fax", "--date", dt.date(2026, 12, 2), "--db", url)
    assert result.exit_code == 0, result.stderr


def test_the_followup_scenario_gives_the_same_outcomes_on_postgresql(tmp_path, monkeypatch):
    from ledger_helpers import FOLLOWUP, as_json, make_ledger_workspace
    from test_reconcile import send_three

    monkeypatch.setenv("APPEAL_DB", fresh_pg(pg_url()))  # before the workspace's own ledger.sqlite3
    ws, out = make_ledger_workspace(tmp_path)
    assert not (ws / "ledger.sqlite3").exists()
    send_three(ws, out)
    found = as_json(cli("track", "reconcile", FOLLOWUP, "--workspace", ws, "--json"))
    assert [(m["appeal"], m["result"], m["recovered"]) for m in found["matched"]] == [
        ("A-000001", "overturned", "350.00"), ("A-000002", "upheld", "0.00"), ("A-000004", "overturned", "150.00")]
    assert [u["claim"] for u in found["unmatched"]] == ["PCN0077"]
    again = as_json(cli("track", "reconcile", FOLLOWUP, "--workspace", ws, "--json"))
    assert {m["recorded"] for m in again["matched"]} == {False}
    stats = as_json(cli("track", "stats", "--workspace", ws, "--json"))["total"]
    assert (stats["decided"], stats["overturn_rate"], stats["recovered"]) == (3, 0.6667, "500.00")


def test_batch_in_worker_processes_records_every_letter(tmp_path):
    from ledger_helpers import DATE, F07, as_json
    from x12_workspace import make_workspace

    ws = make_workspace(tmp_path / "ws")
    result = cli("batch", F07, "-o", tmp_path / "out", "--workspace", ws, "--date", DATE, "--jobs", "2")
    assert result.exit_code == 0, result.stderr
    rows = as_json(cli("track", "list", "--workspace", ws, "--json"))["appeals"]
    assert [(r["id"], r["reason"], len(r["letters"])) for r in rows] == [("A-000001", "CO-189", 2),
                                                                         ("A-000002", "OA-A7", 2)]


def _mixed_letters() -> list[list[dict]]:
    """Two runs' letters: new ones, one twice, one with other files, a second level, one with no file; then
    the same again, moved to another folder, with another appeal-by date, or with one file fewer."""
    first, again = [], []
    for n in range(40):
        letter = {**facts(), "claim": f"PCN{n:04d}", "letters": [[f"/out/{n}.docx", f"{n:064x}"],
                                                                 [f"/out/{n}.pdf", f"{n + 100:064x}"]]}
        first.append(letter)
        if n % 7 == 0:
            first.append(dict(letter))
        if n % 9 == 0:
            first.append({**letter, "template": "other", "letters": [[f"/dup/{n}.pdf", f"{n:064x}"]]})
        if n % 11 == 0:
            first.append({**letter, "level": "second-level", "appeal_by": None})
        if n % 13 == 0:
            first.append({**letter, "letters": []})
        moved = [[path.replace("/out/", "/again/"), sha] for path, sha in letter["letters"]]
        again.append([letter, {**letter, "letters": moved}, {**letter, "appeal_by": "2025-01-01"},
                      {**letter, "letters": moved[:1]}][n % 4])
        if n % 5 == 0:
            again.append({**letter, "letters": [[f"/twice/{n}.pdf", "f" * 64]]})
    return [first, again]


def _dump(ledger) -> list[tuple]:
    from appeal.ledger import schema

    with ledger.read() as conn:
        return [(table, *r.values()) for table in schema.TABLES
                for r in conn.execute(f"SELECT * FROM {table} ORDER BY id")]


def test_letters_recorded_together_leave_the_rows_one_at_a_time_leaves_in_a_few_statements(url, monkeypatch):
    from appeal.ledger import store

    stamp = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(store, "now", lambda: stamp)
    runs = _mixed_letters()
    one = store.Ledger(store.target_from(url))
    deletes: list[list[str]] = []  # per run: the letters replaced (each a barrier, see record_letters)
    one.trace = lambda text: deletes[-1].append(text) if text.startswith("DELETE") else None
    alone = []
    for items in runs:
        deletes.append([])
        with one.write() as conn:
            alone.append([one.record_letter(conn, facts, "test") for facts in items])
        with one.write() as conn:  # an appeal opened by an outcome ("new") is drafted by its letter
            one.open_appeal(conn, 1, "third-level", dt.date(2026, 1, 1))
    expected = _dump(one)
    one.close()

    if not url.endswith(".sqlite3"):
        fresh_pg(url)
    else:
        url = url.replace("ledger.sqlite3", "together.sqlite3")
    many = store.Ledger(store.target_from(url))
    statements = []
    many.trace = statements.append
    together = []
    for items, replaced in zip(runs, deletes):
        with many.write() as conn:
            statements.clear()
            together.append(many.record_letters(conn, items, "test"))
        assert len(statements) <= 10 + 2 * len(replaced), statements  # one at a time: 4 to 6 a letter
        with many.write() as conn:
            many.open_appeal(conn, 1, "third-level", dt.date(2026, 1, 1))
    assert together == alone
    assert _dump(many) == expected
    assert any(not created for run in alone for _id, created in run)


def test_a_postgresql_ledger_locked_past_the_timeout_is_the_locked_error(monkeypatch):
    """Another session holding the writers' advisory lock: the write waits APPEAL_LEDGER_TIMEOUT seconds, as on
    SQLite, then says the ledger is locked (it waited for ever: PostgreSQL's lock_timeout was never set)."""
    import psycopg

    from appeal.errors import LedgerError
    from appeal.ledger.store import PG_LOCK, Ledger, target_from

    url = fresh_pg(pg_url())
    ledger = Ledger(target_from(url))
    monkeypatch.setenv("APPEAL_LEDGER_TIMEOUT", "1")
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as holder:
        holder.execute(f"SELECT pg_advisory_lock({PG_LOCK})")
        release = threading.Timer(6, holder.execute, [f"SELECT pg_advisory_unlock({PG_LOCK})"])
        release.start()  # so that a write waiting for ever fails this test instead of hanging it
        waiting = Ledger(target_from(url))
        started = time.monotonic()
        with pytest.raises(LedgerError) as caught:
            with waiting.write() as conn:
                conn.execute("SELECT 1")
        assert time.monotonic() - started < 5
        assert "locked by another program" in str(caught.value)
        waiting.close()
        release.join()
    with ledger.write() as conn:  # released: writes go on
        conn.execute("SELECT 1")
    ledger.close()
