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

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection

KIND = "appeal-ledger"
metadata = MetaData()

meta = Table(
    "ledger_meta", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)

# What a denial holds, and no more: no date of birth, no diagnosis.
denials = Table(
    "denials", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("payer", String(200), nullable=False),
    Column("payer_id", String(80)),
    Column("provider", String(200)),  # the billing provider's name
    Column("claim", String(80), nullable=False),  # the payer's claim number (CLP07)
    Column("account", String(80)),  # the patient account (CLP01)
    Column("patient_name", String(200)),
    Column("member_id", String(80)),
    Column("dos_from", Date),
    Column("dos_to", Date),
    Column("lines", Text, nullable=False),  # JSON: [[date, code, units, denied], ...] for every claim line
    Column("group_code", String(4), nullable=False),
    Column("carc", String(8), nullable=False),
    Column("rarc", String(200), nullable=False),
    Column("amount_cents", BigInteger),
    Column("denied_on", Date),
    Column("linked_appeal_id", Integer),  # the appeal whose outcome opened this denial (superseded)
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("payer", "claim", "group_code", "carc", name="uq_denial"),
)

appeals = Table(
    "appeals", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("denial_id", Integer, ForeignKey("denials.id"), nullable=False),
    Column("level", String(40), nullable=False),
    Column("template", String(80)),
    Column("status", String(40), nullable=False),
    Column("appeal_by", Date),
    Column("source", Text),  # the case file (or remittance#case) the letter was made from
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("denial_id", "level", name="uq_appeal_level"),
)

letters = Table(
    "letters", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("appeal_id", Integer, ForeignKey("appeals.id"), nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("written_at", DateTime(timezone=True), nullable=False),
)

# Appended, never edited: a correction is a new event.
events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("appeal_id", Integer, ForeignKey("appeals.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # drafted, sent, outcome, note
    Column("on_date", Date, nullable=False),  # the day it happened (as the user or the remittance says)
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(80), nullable=False),
    Column("method", String(20)),  # sent: portal, fax, mail; outcome: letter, remittance, portal...
    Column("reference", String(200)),
    Column("result", String(40)),  # outcome: overturned, partially-overturned, upheld, superseded, withdrawn
    Column("amount_cents", BigInteger),  # outcome: the amount recovered
    Column("note", Text),
    Column("source_key", String(64), unique=True),  # reconcile: the remittance claim it came from, once only
)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[denials, appeals, letters, events])


# (version, migration); append only. The version after the last one is the ledger's schema.
MIGRATIONS: tuple[tuple[int, Callable[[Connection], None]], ...] = (
    (1, _v1),
)
LATEST = MIGRATIONS[-1][0]
