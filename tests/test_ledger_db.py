"""The ledger's own database layer (appeal.ledger.db): a ledger file written by the earlier SQLAlchemy-based
versions opens and reads unchanged, new rows are stored as those versions stored them, ``IN`` lists are spread,
a failed block leaves nothing behind, and a URL's password never reaches a message."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appeal.errors import LedgerError
from appeal.ledger import schema, store
from appeal.ledger.db import ddl, sqlite_database

# Rows as SQLAlchemy 2.0 stored them in SQLite (dates as text, time stamps naive UTC with microseconds).
OLD_ROWS = [
    "INSERT INTO ledger_meta VALUES ('kind', 'appeal-ledger'), ('schema', '1')",
    "INSERT INTO denials VALUES (1, 'UPMC Health Plan', 'SAMPLE-UPMC', 'Sample Clinic', 'SAMPLE-2026-000123', "
    "'ACCT-0042', 'Jane Q. Sample', '0012345678', '2026-09-15', '2026-09-15', "
    "'[[\"2026-09-15\", \"76496\", \"1\", true]]', 'CO', '189', 'N657', 35079, '2026-10-20', NULL, "
    "'2026-12-06 20:43:57.000000')",
    "INSERT INTO appeals VALUES (1, 1, 'corrected-claim', 'specific-code-required', 'drafted', '2027-01-18', "
    "'case.yaml', '2026-12-06 20:43:57.000000', '2026-12-06 20:44:10.000000')",
    "INSERT INTO letters VALUES (1, 1, '/out/a.pdf', '" + "a" * 64 + "', '2026-12-06 20:43:57.000000')",
    "INSERT INTO events VALUES (1, 1, 'drafted', '2026-12-06', '2026-12-06 20:43:57.000000', 'biller', NULL, NULL, "
    "NULL, NULL, '1 letter file(s), template specific-code-required', NULL)",
]


@pytest.fixture
def old_ledger(tmp_path):
    """A ledger file as an earlier version left it: its tables, then its rows."""
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(schema.META)
        for statement in [*ddl(schema.V1, sqlite=True), *OLD_ROWS]:
            db.execute(statement)
    return path


def test_a_ledger_an_earlier_version_wrote_reads_as_it_did(old_ledger):
    ledger = store.Ledger(store.target_from(str(old_ledger)))
    with ledger.read() as conn:
        [appeal] = ledger.appeals(conn)
        [drafted] = ledger.events(conn, 1)
    assert (appeal["id"], appeal["dos"], appeal["appeal_by"], appeal["denied_on"]) == \
        ("A-000001", "2026-09-15", "2027-01-18", "2026-10-20")
    assert appeal["amount"] == "350.79" and appeal["codes"] == ["76496"] and appeal["letters"][0]["path"] == "/out/a.pdf"
    assert drafted["date"] == "2026-12-06" and drafted["recorded_at"] == "2026-12-06T20:43:57"


def test_new_rows_are_stored_as_earlier_versions_stored_them(old_ledger, monkeypatch):
    stamp = dt.datetime(2026, 12, 7, 9, 30, 5, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(store, "now", lambda: stamp)
    ledger = store.Ledger(store.target_from(str(old_ledger)))
    with ledger.write() as conn:
        event = ledger.add_event(conn, 1, "sent", dt.date(2026, 12, 7), "biller", method="portal")
    ledger.close()
    with sqlite3.connect(old_ledger) as db:
        assert db.execute("SELECT on_date, recorded_at, method FROM events WHERE id = ?", (event,)).fetchone() == \
            ("2026-12-07", "2026-12-07 09:30:05.000000", "portal")
        assert db.execute("SELECT status, updated_at FROM appeals").fetchone() == ("sent", "2026-12-07 09:30:05.000000")


def test_in_lists_are_spread_and_an_empty_one_matches_nothing(tmp_path):
    ledger = store.Ledger(store.target_from(str(tmp_path / "ledger.sqlite3")))
    seen: list[str] = []
    ledger.trace = seen.append
    with ledger.read() as conn:
        assert conn.execute("SELECT id FROM appeals WHERE id IN (:ids)", {"ids": []}) == []
        assert conn.execute("SELECT :a AS a, :b AS b WHERE 1 IN (:ids)", {"a": 1, "b": "x", "ids": [3, 2, 1]}) == \
            [{"a": 1, "b": "x"}]
    assert seen[-1] == "SELECT :a AS a, :b AS b WHERE 1 IN (:ids__0, :ids__1, :ids__2)"


def test_a_block_that_fails_leaves_the_ledger_as_it_was(old_ledger):
    ledger = store.Ledger(store.target_from(str(old_ledger)))
    with pytest.raises(RuntimeError):
        with ledger.write() as conn:
            ledger.add_event(conn, 1, "note", dt.date(2026, 12, 7), "biller", note="kept?")
            raise RuntimeError("the command stopped")
    with pytest.raises(LedgerError) as refused:  # what the database refuses is the ledger's error, never a traceback
        with ledger.write() as conn:
            ledger.add_event(conn, 1, "note", dt.date(2026, 12, 7), "biller", note="first")
            conn.execute("INSERT INTO ledger_meta VALUES ('kind', 'again')")
    assert "the ledger cannot be used" in str(refused.value.problems[0])
    with ledger.read() as conn:
        assert [e["kind"] for e in ledger.events(conn, 1)] == ["drafted"]


@pytest.mark.parametrize("url, database, uri", [
    ("sqlite:///relative/ledger.sqlite3", "relative/ledger.sqlite3", False),
    ("sqlite:////srv/office/ledger.sqlite3", "/srv/office/ledger.sqlite3", False),
    ("sqlite://", ":memory:", False),
    ("sqlite:///file:/srv/l.sqlite3?mode=ro&uri=true", "file:/srv/l.sqlite3?mode=ro", True),
])
def test_sqlite_urls_name_what_sqlite3_opens(url, database, uri):
    assert sqlite_database(url) == (database, uri)


@pytest.mark.parametrize("url, message", [
    ("mysql://user@host/db", "'mysql' is not a ledger database"),
    ("postgresql://user@host:port/db", "is not a database URL"),
    ("1x://host/db", "is not a database URL"),
    # read wrongly, or keeping nothing: refused before anything is opened
    ("sqlite://", "is a database in memory: a ledger there keeps nothing once the command ends"),
    ("sqlite:///ledger.sqlite3?mode=ro", "SQLite reads mode= only in a file: URI"),
    ("postgresql://u:s3cretPW@ss@127.0.0.1:1/x", "the URL holds more than one '@' before its host"),
])
def test_a_url_that_is_no_ledger_is_refused_by_name(url, message):
    with pytest.raises(LedgerError) as refused:
        store.target_from(url)
    assert message in str(refused.value.problems[0]) and "s3cretPW" not in str(refused.value.problems[0])


def test_a_postgres_url_is_shown_without_its_password_and_opened_with_psycopg():
    target = store.target_from("postgres://biller:pw@db.office.example:5433/appeals?sslmode=require")
    assert target.url == "postgresql://biller:pw@db.office.example:5433/appeals?sslmode=require"
    assert target.shown == "postgresql://biller@db.office.example:5433/appeals?sslmode=require"
    assert not target.sqlite and target.path is None
    assert store.target_from("postgresql+psycopg://u@h/d").url == "postgresql://u@h/d"


@given(st.text(alphabet="0123456789XYZ!$^&()+=~%:@/?#", min_size=4, max_size=30))
def test_no_password_reaches_the_name_or_a_scrubbed_message(password):
    from urllib.parse import quote

    written = quote(password, safe="")  # as a URL holds it
    target = store.target_from(f"postgresql://biller:{written}@127.0.0.1:1/ledger")
    assert target.shown == "postgresql://biller@127.0.0.1:1/ledger"
    said = store._scrub(f"failed for {password} and {written}", target)
    assert password not in said and written not in said


def test_a_letter_is_drafted_on_its_date_and_never_ahead_of_today(tmp_path):
    from test_ledger_engines import facts

    today = dt.date.today()
    ledger = store.Ledger(store.target_from(str(tmp_path / "ledger.sqlite3")))
    with ledger.write() as conn:
        ledger.record_letters(conn, [{**facts(), "dated": "2026-11-20"},
                                     {**facts(), "claim": "PCN0002", "dated": (today + dt.timedelta(days=9)).isoformat()}],
                              "test")
        assert [dt.date.fromisoformat(e["date"]) for n in (1, 2) for e in ledger.events(conn, n)
                if e["kind"] == "drafted"] == [dt.date(2026, 11, 20), today]


def test_many_appeals_are_read_a_few_hundred_at_a_time_in_their_order(tmp_path):
    from test_ledger_engines import facts

    ledger = store.Ledger(store.target_from(str(tmp_path / "ledger.sqlite3")))
    seen: list[str] = []
    ledger.trace = seen.append
    with ledger.write() as conn:
        ledger.record_letters(conn, [{**facts(), "claim": f"C{n:04d}", "letters": [[f"/out/{n}.pdf", "a" * 64]]}
                                     for n in range(1200)], "test")
        some = ledger.appeals(conn, list(range(1200, 0, -2)) + [5, 5])
        every = ledger.appeals(conn)
    assert [a["appeal_id"] for a in some] == sorted({*range(2, 1201, 2), 5})
    assert all(a["events"] == 1 and a["letters"][0]["path"] == f"/out/{a['appeal_id'] - 1}.pdf" for a in some)
    assert [a["appeal_id"] for a in every] == list(range(1, 1201))
    assert max(text.count(":ids__") for text in seen) <= 500  # no statement of more parameters than a slice
    with ledger.read() as conn:
        assert ledger.of_claim(conn, "C0007") == [8]
        assert ledger.related(conn, {8}) == {8}


def test_an_upper_case_sqlite_url_is_sqlite():
    target = store.target_from("SQLITE:///file:/srv/l.sqlite3?mode=ro&uri=true")
    assert target.sqlite and target.path is None


@pytest.mark.parametrize("url, shown", [
    ("postgresql://u:pw@127.0.0.1:1/x?password=s3cretQ", "postgresql://u@127.0.0.1:1/x?password=***"),
    ("postgresql://127.0.0.1:1/x?user=u&password=s3cretQ&sslmode=require",
     "postgresql://127.0.0.1:1/x?user=u&password=***&sslmode=require"),
])
def test_a_password_given_as_a_url_parameter_is_never_shown(url, shown):
    target = store.target_from(url)
    assert target.shown == shown
    assert "s3cretQ" not in store._scrub("failed for s3cretQ (s3cretQ)", target)
