"""The ledger's tables and the ordered migrations that build them.

Why not alembic: the ledger has a handful of tables, opens from a CLI on every
command, and must upgrade itself on SQLite and PostgreSQL alike with nothing to
configure. A ``ledger_meta`` table holding ``schema`` (the version) and
``kind`` (``appeal-ledger``, so another program's database is never taken for
ours), plus a list of numbered migration functions applied in one transaction
when the ledger is opened, does that in a few lines; alembic would bring an
``env.py``, a script folder and its own configuration to the user's machine.

A migration is only ever appended: ledger files made by an older version open in
every later one, and a ledger made by a newer version is refused (never
downgraded). Amounts are integer cents (exact on both engines); dates are dates.
"""

from __future__ import annotations

from typing import Callable

from appeal.ledger.db import Connection, ddl

KIND = "appeal-ledger"

META = """CREATE TABLE IF NOT EXISTS ledger_meta (
    "key" VARCHAR(40) NOT NULL,
    value VARCHAR(200) NOT NULL,
    PRIMARY KEY ("key")
)"""

# The tables of schema 1: the definitions SQLAlchemy's create_all wrote for either engine in earlier versions, so
# a ledger made now and one made then are alike. ``{serial}``/``{stamp}``: see db.ddl.
V1 = (
    # What a denial holds, and no more: no date of birth, no diagnosis.
    """CREATE TABLE denials (
    id {serial} NOT NULL,
    payer VARCHAR(200) NOT NULL,
    payer_id VARCHAR(80),
    provider VARCHAR(200),  -- the billing provider's name
    claim VARCHAR(80) NOT NULL,  -- the payer's claim number (CLP07)
    account VARCHAR(80),  -- the patient account (CLP01)
    patient_name VARCHAR(200),
    member_id VARCHAR(80),
    dos_from DATE,
    dos_to DATE,
    lines TEXT NOT NULL,  -- JSON: [[date, code, units, denied], ...] for every claim line
    group_code VARCHAR(4) NOT NULL,
    carc VARCHAR(8) NOT NULL,
    rarc VARCHAR(200) NOT NULL,
    amount_cents BIGINT,
    denied_on DATE,
    linked_appeal_id INTEGER,  -- the appeal whose outcome opened this denial (superseded)
    created_at {stamp} NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_denial UNIQUE (payer, claim, group_code, carc)
)""",
    """CREATE TABLE appeals (
    id {serial} NOT NULL,
    denial_id INTEGER NOT NULL,
    level VARCHAR(40) NOT NULL,
    template VARCHAR(80),
    status VARCHAR(40) NOT NULL,
    appeal_by DATE,
    source TEXT,  -- the case file (or remittance#case) the letter was made from
    created_at {stamp} NOT NULL,
    updated_at {stamp} NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_appeal_level UNIQUE (denial_id, level),
    FOREIGN KEY(denial_id) REFERENCES denials (id)
)""",
    """CREATE TABLE letters (
    id {serial} NOT NULL,
    appeal_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    sha256 VARCHAR(64) NOT NULL,
    written_at {stamp} NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(appeal_id) REFERENCES appeals (id)
)""",
    # Appended, never edited: a correction is a new event.
    """CREATE TABLE events (
    id {serial} NOT NULL,
    appeal_id INTEGER NOT NULL,
    kind VARCHAR(20) NOT NULL,  -- drafted, sent, outcome, note
    on_date DATE NOT NULL,  -- the day it happened (as the user or the remittance says)
    recorded_at {stamp} NOT NULL,
    recorded_by VARCHAR(80) NOT NULL,
    method VARCHAR(20),  -- sent: portal, fax, mail; outcome: letter, remittance, portal...
    reference VARCHAR(200),
    result VARCHAR(40),  -- outcome: overturned, partially-overturned, upheld, superseded, withdrawn
    amount_cents BIGINT,  -- outcome: the amount recovered
    note TEXT,
    source_key VARCHAR(64),  -- reconcile: the remittance claim it came from, once only
    PRIMARY KEY (id),
    FOREIGN KEY(appeal_id) REFERENCES appeals (id),
    UNIQUE (source_key)
)""",
)
TABLES = ("denials", "appeals", "letters", "events")

# The columns that hold a date, and a time stamp (read back as such from SQLite, which stores them as text).
DATES = frozenset({"dos_from", "dos_to", "denied_on", "appeal_by", "on_date"})
STAMPS = frozenset({"created_at", "updated_at", "written_at", "recorded_at"})


def _v1(conn: Connection) -> None:
    for statement in ddl(V1, conn.sqlite):
        conn.execute(statement)


# (version, migration); append only. The version after the last one is the ledger's schema.
MIGRATIONS: tuple[tuple[int, Callable[[Connection], None]], ...] = (
    (1, _v1),
)
LATEST = MIGRATIONS[-1][0]
