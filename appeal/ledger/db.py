"""The ledger's database connection: the standard library's ``sqlite3`` for a SQLite file, psycopg 3 for
PostgreSQL, behind the few calls the ledger makes (:class:`Connection`).

Why not SQLAlchemy (which the ledger used before): the ledger runs about fifteen fixed statements, and importing
SQLAlchemy Core took 0.2 s of CPU in every command that records or reads the ledger, more than making the letter
(``appeal generate`` in a workspace: 0.43 s with it, see ``docs/performance.md`` for the figure without). What
it did for the ledger is a page here:

- **Statements** are SQL text with ``:name`` parameters, as SQLite reads them; a list or tuple value is spread
  into one parameter per item (``IN (:ids)``). For psycopg each ``:name`` becomes ``%(name)s``.
- **Types.** PostgreSQL's DATE and TIMESTAMP WITH TIME ZONE travel as Python dates and datetimes (psycopg). On
  SQLite a date is stored as ``YYYY-MM-DD`` and a time stamp as ``YYYY-MM-DD HH:MM:SS.ffffff`` (in UTC, without
  the zone), as the ledger files earlier versions wrote hold them; they are read back, by column name
  (``dates`` and ``stamps``), as a date and a naive datetime, as SQLAlchemy read them.
- **Transactions** are begun here (``BEGIN IMMEDIATE`` for a SQLite write) and end in one commit, or one
  rollback when the block raises.
- **New ids:** ``RETURNING id`` on PostgreSQL, the cursor's ``lastrowid`` on SQLite.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

_PARAM = re.compile(r"(?<![:\w]):(\w+)")


class Connection:
    """One connection inside one transaction (what ``Ledger.read`` and ``Ledger.write`` give).

    ``raw`` is the driver's connection; ``trace``, when set, is called with the text of every statement run (the
    tests count them)."""

    def __init__(self, raw: Any, sqlite: bool, dates: frozenset[str], stamps: frozenset[str],
                 trace: Callable[[str], None] | None = None):
        self.raw, self.sqlite, self.dates, self.stamps, self.trace = raw, sqlite, dates, stamps, trace

    def execute(self, sql: str, params: dict | None = None) -> list[dict]:
        """Run one statement; its rows (as dicts, by column name), none for a statement that returns none."""
        with self._ran(sql, params or {}) as cursor:
            return self._rows(cursor)

    @contextmanager
    def _ran(self, sql: str, params: dict) -> Iterator[Any]:
        """The driver's cursor once it ran the statement (closed after)."""
        text, values = self._bound(sql, params)
        with self._cursor() as cursor:
            cursor.execute(text, values)
            yield cursor

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        cursor = self.raw.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def scalar(self, sql: str, params: dict | None = None) -> Any:
        """The first column of the first row, or None when there is no row."""
        rows = self.execute(sql, params)
        return next(iter(rows[0].values())) if rows else None

    def executemany(self, sql: str, rows: list[dict]) -> None:
        """Run one statement for each of ``rows`` (their parameters are plain values, never lists)."""
        if not rows:
            return
        text, first = self._bound(sql, rows[0])
        with self._cursor() as cursor:
            cursor.executemany(text, [first, *(self._values(row) for row in rows[1:])])

    def insert(self, table: str, rows: list[dict]) -> int | None:
        """Insert ``rows`` (the columns the first row names) in their order; one row's new id, or None for
        several (one executemany assigns ids in order; SQLite cannot say in which order a multi-row
        ``RETURNING`` answers)."""
        if not rows:
            return None
        columns = list(rows[0])
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
        if len(rows) > 1:
            self.executemany(sql, rows)
            return None
        if self.sqlite:
            with self._ran(sql, rows[0]) as cursor:
                return int(cursor.lastrowid)
        return int(self.scalar(sql + " RETURNING id", rows[0]))

    def tables(self) -> set[str]:
        """The tables of the database (of the current schema, on PostgreSQL)."""
        sql = ("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~'"
               if self.sqlite else
               "SELECT tablename AS name FROM pg_catalog.pg_tables WHERE schemaname = current_schema()")
        return {row["name"] for row in self.execute(sql)}

    # ------------------------------------------------------------------------------------------------------

    def _bound(self, sql: str, params: dict) -> tuple[str, dict]:
        """The statement as the driver reads it, and its parameters: lists spread, values as stored."""
        values: dict[str, Any] = {}

        def place(match: re.Match) -> str:
            name = match.group(1)
            value = params[name]
            if not isinstance(value, (list, tuple)):
                values[name] = value
                return self._placeholder(name)
            if not value:
                return "NULL"  # IN (NULL): no row
            names = [f"{name}__{n}" for n in range(len(value))]
            values.update(zip(names, value))
            return ", ".join(self._placeholder(n) for n in names)

        text = _PARAM.sub(place, sql if self.sqlite else sql.replace("%", "%%"))
        if self.trace is not None:
            self.trace(text)
        return text, self._values(values)

    def _placeholder(self, name: str) -> str:
        return f":{name}" if self.sqlite else f"%({name})s"

    def _values(self, row: dict) -> dict:
        return {name: self._value(value) for name, value in row.items()}

    def _value(self, value: Any) -> Any:
        if not self.sqlite:
            return value
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
            return value.isoformat(" ", "microseconds")
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def _rows(self, cursor: Any) -> list[dict]:
        if cursor.description is None:
            return []
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
        if self.sqlite:
            dates = [name for name in names if name in self.dates]
            stamps = [name for name in names if name in self.stamps]
            for row in rows if dates or stamps else ():
                for name in dates:
                    if isinstance(row[name], str):
                        row[name] = dt.date.fromisoformat(row[name])
                for name in stamps:
                    if isinstance(row[name], str):
                        row[name] = dt.datetime.fromisoformat(row[name])
        return rows


def sqlite_database(url: str) -> tuple[str, bool]:
    """A ``sqlite://`` URL -> what ``sqlite3.connect`` opens, and whether it is a ``file:`` URI: ``sqlite:///x``
    is the file ``x``, ``sqlite:////x`` the file ``/x``, ``sqlite://`` a database in memory, and
    ``sqlite:///file:x?mode=ro&uri=true`` the URI ``file:x?mode=ro``."""
    rest = url.split("://", 1)[1]
    database, _, query = rest[1:].partition("?") if rest.startswith("/") else (rest, "", "")
    pairs = [pair for pair in query.split("&") if pair]
    uri = "uri=true" in pairs
    if uri:
        others = [pair for pair in pairs if pair != "uri=true"]
        database += "?" + "&".join(others) if others else ""
    return (database or ":memory:"), uri


def driver_errors(sqlite: bool) -> tuple[type[BaseException], ...]:
    """The exceptions the driver raises for everything the database refuses or cannot do."""
    if sqlite:
        import sqlite3

        return (sqlite3.Error,)
    import psycopg

    return (psycopg.Error,)


def ddl(statements: Iterable[str], sqlite: bool) -> list[str]:
    """Table definitions written once for both engines: ``{serial}`` is an integer key the database numbers,
    ``{stamp}`` a time stamp with its zone."""
    kinds = {"serial": "INTEGER", "stamp": "DATETIME"} if sqlite else \
        {"serial": "SERIAL", "stamp": "TIMESTAMP WITH TIME ZONE"}
    return [statement.format(**kinds) for statement in statements]
