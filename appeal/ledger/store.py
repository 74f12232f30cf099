"""The appeal ledger: one code path for SQLite (a file in the workspace) and PostgreSQL (a shared server), through
:mod:`appeal.ledger.db` (the standard library's sqlite3, psycopg 3).

- **Where:** ``--db`` (a URL or a SQLite file), else ``APPEAL_DB``, else ``ledger.url`` in the
  workspace's ``appeal.yaml``, else ``<workspace>/ledger.sqlite3``. Messages name it without its password.
- **SQLite:** the file is created mode 0600 (its WAL and shared-memory files take the same mode), in WAL
  mode with a busy timeout (``APPEAL_LEDGER_TIMEOUT`` seconds, default 10), and every write transaction
  begins ``IMMEDIATE`` so concurrent writers queue instead of failing on a lock upgrade.
- **PostgreSQL** (psycopg 3): every write transaction first takes one advisory lock, so writers from
  several billers queue and "find or add" never races.
- **One transaction per command:** a process killed mid-write leaves the ledger as it was.
- **Migrations** (:mod:`appeal.ledger.schema`) are applied when the ledger is opened.
- Every way the ledger can be unusable (locked past the timeout, read-only, a newer schema, not a ledger,
  no server) is a :class:`~appeal.errors.LedgerError` (exit 2).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import unquote, urlsplit

from appeal.errors import LedgerError, Problem
from appeal.ledger.db import Connection, driver_errors, sqlite_database

FILE = "ledger.sqlite3"
ENV_URL = "APPEAL_DB"
ENV_TIMEOUT = "APPEAL_LEDGER_TIMEOUT"
DEFAULT_TIMEOUT = 10.0
PG_LOCK = 0x61707065  # the advisory lock every write transaction takes on PostgreSQL ("appe")
OPEN = ("drafted", "new", "sent")  # statuses still waiting for something
LETTER_DATES = "letter_dates_since"  # ledger_meta: from this time stamp on, a drafted event bears its letter's date
SQLITE_MAGIC = b"SQLite format 3\x00"


def public_id(appeal_id: int) -> str:
    return f"A-{appeal_id:06d}"


def parse_id(text: str) -> int | None:
    text = text.strip().upper()
    text = text[2:] if text.startswith("A-") else text
    return int(text) if text.isdigit() else None


@dataclass(frozen=True)
class Target:
    """Which ledger: its URL (``sqlite:///FILE`` or ``postgresql://``, which may hold a password) and how messages
    name it (never with the password)."""

    url: str
    shown: str
    path: Path | None = None  # the SQLite file

    @property
    def sqlite(self) -> bool:
        return self.path is not None or self.url.lower().startswith("sqlite")


_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)", re.DOTALL)


def target_from(text: str, base: Path | None = None) -> Target:
    """A ``postgresql://`` URL, a ``sqlite:///`` URL or a file path -> a :class:`Target`."""
    if "://" not in text:
        path = Path(text).expanduser()
        path = (base / path if base and not path.is_absolute() else path).absolute()
        return Target(f"sqlite:///{path}", str(path), path)
    if text.startswith("postgres://"):
        text = "postgresql://" + text.removeprefix("postgres://")
    found = _URL.fullmatch(text)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError:
        found = None
    if found is None:
        raise LedgerError([Problem("--db", "is not a database URL",
                                   accepted="postgresql://user@host/dbname or a SQLite file path")])
    scheme = found["scheme"]
    backend = scheme.split("+")[0].lower()
    if backend == "sqlite":
        return _sqlite_target(text)
    if parts.netloc.count("@") > 1:  # read one way here and another by libpq: a part of a password would be shown
        raise LedgerError([Problem("--db", "the URL holds more than one '@' before its host (one in a user name or "
                                           "password?), so it cannot be read safely",
                                   accepted="an '@' in a name or password written as %40, or the password in "
                                            "PGPASSWORD or ~/.pgpass, never in the URL")])
    host = parts.netloc.rpartition("@")[2]
    login = f"{parts.username}@" if parts.username else ""
    query = "&".join("password=***" if pair.lower().startswith("password=") else pair
                     for pair in parts.query.split("&")) if parts.query else ""
    shown = f"{scheme}://{login}{host}{parts.path}" + (f"?{query}" if query else "")
    if backend != "postgresql":
        raise LedgerError([Problem(shown, f"'{backend}' is not a ledger database",
                                   accepted="postgresql://... or a SQLite file")])
    return Target("postgresql://" + found["rest"], shown)


def _sqlite_target(text: str) -> Target:
    """A ``sqlite:`` URL: a file (``sqlite:///PATH``) or a ``file:`` URI (``...?mode=ro&uri=true``); never a
    database in memory, which would keep nothing once the command ends."""
    database, uri = sqlite_database(text)
    if database == ":memory:":
        raise LedgerError([Problem(text, "is a database in memory: a ledger there keeps nothing once the command "
                                         "ends", accepted="a SQLite file path, or sqlite:///PATH")])
    if "mode=" in text and not uri:
        raise LedgerError([Problem(text, "SQLite reads mode= only in a file: URI, so the ledger would be opened "
                                         "for writing", accepted="sqlite:///file:PATH?mode=ro&uri=true")])
    return Target(text, text, None if uri else Path(database).absolute())


def locate(db: str | None, workspace: Path | None) -> Target | None:
    """The ledger in use, or ``None`` when there is none (no ``--db``, no ``APPEAL_DB``, no workspace)."""
    if db:
        return target_from(db)
    if os.environ.get(ENV_URL):
        return target_from(os.environ[ENV_URL])
    if workspace is None:
        return None
    from appeal.inputs.workspace import PROFILE, load_workspace

    url = load_workspace(workspace).ledger_url if (Path(workspace) / PROFILE).is_file() else None
    return target_from(url, base=Path(workspace)) if url else target_from(str(Path(workspace) / FILE))


def timeout() -> float:
    try:
        return max(0.0, float(os.environ.get(ENV_TIMEOUT, DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


def user(given: str | None = None) -> str:
    if given:
        return given
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def _meta(conn: Connection) -> dict[str, str]:
    """What ``ledger_meta`` holds: ``kind``, ``schema``, and :data:`LETTER_DATES` once letters bear their date."""
    return {r["key"]: r["value"] for r in conn.execute('SELECT "key", value FROM ledger_meta')}


class _Tried(Exception):
    """Ends a transaction that only tried a write (:meth:`Ledger.check_writable`): it is rolled back."""


def _aware(stamp: dt.datetime) -> dt.datetime:
    """A time stamp as read back (naive UTC from SQLite, with its zone from PostgreSQL), with its zone."""
    return stamp.replace(tzinfo=dt.timezone.utc) if stamp.tzinfo is None else stamp


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


class Ledger:
    """An open ledger. Use :meth:`write` (one transaction) or :meth:`read` around the operations below.

    One connection per process, kept for the command's transactions; ``trace``, when set, is called with every
    statement run."""

    def __init__(self, target: Target):
        self.target = target
        self.wait = timeout()
        self.trace: Callable[[str], None] | None = None
        self._raw: Any = None
        if target.path is not None:
            _create_file(target)
        self._prepare()

    # ------------------------------------------------------------ opening

    def _connect(self) -> Any:
        """The driver's connection, opened on first use: SQLite with a busy timeout, foreign keys on, in WAL
        mode, and transactions begun here rather than by the driver; PostgreSQL with a 5 s connect timeout."""
        if self._raw is not None:
            return self._raw
        target = self.target
        if not target.sqlite:
            import psycopg

            pg = psycopg.connect(target.url, connect_timeout=5)
            # A lock held by another session (the writers' advisory lock, a table lock) is waited for as long as a
            # SQLite ledger waits, then is the "locked" error; 0 would be "forever" to PostgreSQL, so 1 ms at least.
            pg.execute("SELECT set_config('lock_timeout', %s, false)", [f"{max(1, round(self.wait * 1000))}ms"])
            pg.commit()
            self._raw = pg
            return pg
        import sqlite3

        database, uri = sqlite_database(target.url)
        raw = sqlite3.connect(database, timeout=self.wait, isolation_level=None, uri=uri)  # timeout: busy_timeout
        raw.execute("PRAGMA foreign_keys = ON")
        try:
            raw.execute("PRAGMA journal_mode = WAL")
            raw.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error:  # a read-only or locked file keeps its mode; the first write says why
            pass
        self._raw = raw
        return raw

    def close(self) -> None:
        """The connection closed (a later transaction opens it again)."""
        raw, self._raw = self._raw, None
        if raw is not None:
            raw.close()

    def _prepare(self) -> None:
        """Check the ledger is one and not newer than this version; apply the migrations it lacks."""
        from appeal.ledger import schema

        with self.read() as conn:
            names = conn.tables()
            found = _meta(conn) if "ledger_meta" in names else None
        if found is None and names - {"ledger_meta"}:
            raise self.error("holds other tables and no appeal ledger (not a ledger made by appeal)",
                             "an appeal ledger, or a new empty database")
        if found is not None:
            if found.get("kind") != schema.KIND:
                raise self.error("is not an appeal ledger (its ledger_meta names another kind)")
            version = int(found.get("schema", "0") or 0)
            if version > schema.LATEST:
                raise self.error(f"was made by a newer version of appeal (ledger schema {version}; this version "
                                 f"reads up to {schema.LATEST}): upgrade appeal to use it")
            if version == schema.LATEST:
                return
        with self.write() as conn:
            conn.execute(schema.META)
            version = int(_meta(conn).get("schema", "0") or 0)
            for number, migrate in schema.MIGRATIONS:
                if number > version:
                    migrate(conn)
            conn.execute("""DELETE FROM ledger_meta WHERE "key" IN ('kind', 'schema')""")  # the others stay
            conn.executemany('INSERT INTO ledger_meta ("key", value) VALUES (:key, :value)',
                             [{"key": "kind", "value": schema.KIND}, {"key": "schema", "value": str(schema.LATEST)}])

    # ------------------------------------------------------- transactions

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: all of it is recorded, or none."""
        with self._transaction(write=True) as conn:
            yield conn

    def check_writable(self) -> None:
        """That a write is accepted now (the ledger is not read-only, nor locked past the timeout): one is tried
        and rolled back. What records letters asks this before it writes the first one."""
        try:
            with self.write() as conn:
                conn.execute("""UPDATE ledger_meta SET value = value WHERE "key" = 'kind'""")
                raise _Tried
        except _Tried:
            pass

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._transaction(write=False) as conn:
            yield conn

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Connection]:
        """A transaction on the kept connection: on SQLite a write begins ``IMMEDIATE`` (so concurrent writers
        queue instead of failing on a lock upgrade), on PostgreSQL it first takes the advisory lock. Whatever
        the database refuses is a :class:`~appeal.errors.LedgerError`."""
        from appeal.ledger import schema

        sqlite = self.target.sqlite
        errors = driver_errors(sqlite)
        try:
            raw = self._connect()
            conn = Connection(raw, sqlite, schema.DATES, schema.STAMPS, self.trace)
            if sqlite:
                raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            elif write:
                conn.execute(f"SELECT pg_advisory_xact_lock({PG_LOCK})")
        except errors as exc:
            raise self._explain(exc) from None
        try:
            yield conn
            if sqlite:
                raw.execute("COMMIT")
            else:
                raw.commit()
        except errors as exc:
            self._rollback(raw, sqlite, errors)
            raise self._explain(exc) from None
        except BaseException:
            self._rollback(raw, sqlite, errors)
            raise

    @staticmethod
    def _rollback(raw: Any, sqlite: bool, errors: tuple[type[BaseException], ...]) -> None:
        try:
            if sqlite:
                raw.execute("ROLLBACK")
            else:
                raw.rollback()
        except errors:  # no transaction left to end (the database ended it)
            pass

    def error(self, message: str, accepted: str | None = None) -> LedgerError:
        return LedgerError([Problem(self.target.shown, message, accepted=accepted)])

    def _explain(self, exc) -> LedgerError:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        low = text.lower()
        if "locked" in low or "lock timeout" in low:
            return self.error(f"the ledger is locked by another program and stayed locked for {self.wait:g} s; try "
                              f"again when it is done (or set {ENV_TIMEOUT} to wait longer)")
        if "readonly" in low or "read-only" in low or "permission denied" in low:
            return self.error("the ledger is read-only: nothing could be recorded",
                              "a ledger file (and its folder) you may write, or a database login that may write")
        if "not a database" in low or "malformed" in low:
            return self.error("is not an appeal ledger (not a SQLite database, or a damaged one)",
                              "an appeal ledger, or a path where a new one may be created")
        if "unable to open" in low:
            return self.error("the ledger file cannot be opened (does its folder exist, may you write there?)")
        if "password authentication failed" in low or "no password supplied" in low:
            return self.error("the server refused the login; give the password in PGPASSWORD or ~/.pgpass, "
                              "never in the URL")
        if "does not exist" in low and ("role" in low or "database" in low):
            return self.error(f"the server refused the login ({_scrub(text, self.target)})",
                              "a user name and database the server has (postgresql://user@host/dbname)")
        if "invalid" in low and ("option" in low or "sslmode" in low or "value" in low):
            return self.error(f"the URL's options are not valid ({_scrub(text, self.target)})",
                              "options libpq knows, such as ?sslmode=require")
        if "connection" in low or "could not" in low or "timeout" in low or "server" in low:
            return self.error(f"no PostgreSQL server answers ({_scrub(text, self.target)})")
        return self.error(f"the ledger cannot be used: {_scrub(text, self.target)}")

    # ------------------------------------------------------------ letters

    def record_letter(self, conn: Connection, facts: dict, by: str) -> tuple[str, bool]:
        """A letter's denial, appeal and files; ``(appeal id, created)``. The same denial at the same level is
        one appeal: regenerating its letter updates its files and never adds a second appeal."""
        return self.record_letters(conn, [facts], by)[0]

    def record_letters(self, conn: Connection, items: list[dict], by: str) -> list[tuple[str, bool]]:
        """:meth:`record_letter` for each of ``items`` in turn, leaving the same rows (ids included), in a few
        statements for them all: each table's lookups in one query, its new rows in one executemany.

        The items are replayed here in order against what the ledger held, so a denial or appeal twice among
        them is found the second time as it would have been. One time stamps them all (one transaction). A
        letter file deleted is a barrier: the files added before it are inserted first, so SQLite gives the
        files added after it the ids it gave them one letter at a time (it reuses the highest freed id). A
        letter's ``drafted`` event is dated as the letter is (``dated``), or today for a letter dated later.
        """
        if not items:
            return []
        stamp, today = now(), dt.date.today()
        keys = [(denial, facts["level"]) for denial, facts in zip(self._denial_ids(conn, items, stamp), items)]
        wanted = set(keys)
        appeals: dict[tuple[int, str], dict] = {}  # (denial id, level) -> what the ledger holds, as it changes
        for part in _slices(sorted({denial for denial, _level in wanted})):
            for r in conn.execute(FIND_APPEALS, {"denial_ids": part}):
                if (r["denial_id"], r["level"]) in wanted:
                    appeals[(r["denial_id"], r["level"])] = {"id": r["id"], "appeal_by": r["appeal_by"],
                                                             "status": r["status"]}
        files: dict[int, set[tuple[str, str]]] = {}  # appeal id -> its letter files
        for part in _slices(sorted(row["id"] for row in appeals.values())):
            for r in conn.execute(FIND_LETTERS, {"appeal_ids": part}):
                files.setdefault(r["appeal_id"], set()).add((r["path"], r["sha256"]))
        creates: dict[tuple[int, str], int] = {}  # a new appeal -> the item that creates it
        for n, key in enumerate(keys):
            if key not in appeals and key not in creates:
                creates[key] = n
        if creates:
            made = _insert(conn, "appeals", [{
                "denial_id": key[0], "level": key[1], "template": items[n]["template"], "status": "drafted",
                "appeal_by": _date(items[n]["appeal_by"]), "source": items[n]["source"], "created_at": stamp,
                "updated_at": stamp} for key, n in creates.items()])
            if made is None:
                found = {}
                for part in _slices(sorted({denial for denial, _level in creates})):
                    found.update({(r["denial_id"], r["level"]): r["id"]
                                  for r in conn.execute(FIND_APPEALS, {"denial_ids": part})})
                made = [found[key] for key in creates]
            for (key, n), appeal_id in zip(creates.items(), made):
                appeals[key] = {"id": appeal_id, "appeal_by": _date(items[n]["appeal_by"]), "status": "drafted"}
        updates: dict[int, dict] = {}  # appeal id -> its values after the last of its items
        added: list[dict] = []  # letter files not inserted yet
        drafted: list[dict] = []
        done: list[tuple[str, bool]] = []
        for n, (facts, key) in enumerate(zip(items, keys)):
            row = appeals[key]
            appeal_id = row["id"]
            created = creates.get(key) == n
            if not created:
                row["appeal_by"] = row["appeal_by"] or _date(facts["appeal_by"])  # a next level's date stays
                row["status"] = "drafted" if row["status"] == "new" else row["status"]
                updates[appeal_id] = {"key": appeal_id, "new_template": facts["template"],
                                      "new_source": facts["source"], "new_updated_at": stamp,
                                      "new_appeal_by": row["appeal_by"], "new_status": row["status"]}
            new = {(path, sha) for path, sha in facts["letters"]}
            if created or files.get(appeal_id, set()) != new:
                if not created:
                    if added:
                        conn.insert("letters", added)
                        added = []
                    conn.execute("DELETE FROM letters WHERE appeal_id = :appeal_id", {"appeal_id": appeal_id})
                added += [{"appeal_id": appeal_id, "path": p, "sha256": s, "written_at": stamp} for p, s in sorted(new)]
                files[appeal_id] = new
                dated = min(_date(facts.get("dated")) or today, today)  # the letter's date, never ahead of today
                drafted.append({"appeal_id": appeal_id, "kind": "drafted", "on_date": dated, "recorded_at": stamp,
                                "recorded_by": by, "method": None, "reference": None, "result": None,
                                "amount_cents": None, "source_key": None,
                                "note": f"{len(new)} letter file(s), template {facts['template']}"})
            done.append((public_id(appeal_id), created))
        if added:
            conn.insert("letters", added)
        if updates:
            conn.executemany(UPDATE_APPEAL, list(updates.values()))
        if drafted:
            conn.execute(f"""INSERT INTO ledger_meta ("key", value) SELECT '{LETTER_DATES}', :since WHERE NOT EXISTS
                         (SELECT 1 FROM ledger_meta WHERE "key" = '{LETTER_DATES}')""", {"since": stamp.isoformat()})
            conn.insert("events", drafted)
        return done

    def _denial_ids(self, conn: Connection, items: list[dict], stamp: dt.datetime) -> list[int]:
        """Each item's denial (:meth:`find_or_add_denial` in turn): one query for those there, one insert for
        the rest, in the order they come."""
        keys = [(facts["payer"], facts["claim"], facts["group"], facts["carc"]) for facts in items]
        ids = self._find_denials(conn, set(keys))
        first: dict[tuple, dict] = {}
        latest: dict[int, dict] = {}  # a denial the ledger holds -> what its last letter here says of it
        for facts, key in zip(items, keys):
            if key not in ids:
                first.setdefault(key, facts)
            else:
                latest[ids[key]] = facts
        if latest:  # what the letters made again say now (a case corrected since), as the letter says it
            rows = [_denial_row(facts, stamp) for facts in latest.values()]
            conn.executemany(UPDATE_DENIAL, [{"key": denial, **{f"new_{name}": row[name] for name in DENIAL_DETAILS}}
                                             for denial, row in zip(latest, rows)])
        if first:
            made = _insert(conn, "denials", [_denial_row(facts, stamp) for facts in first.values()])
            ids.update(zip(first, made) if made is not None else self._find_denials(conn, set(first)).items())
        return [ids[key] for key in keys]

    def _find_denials(self, conn: Connection, wanted: set[tuple]) -> dict[tuple, int]:
        """``(payer, claim, group, carc)`` -> denial id, for those of ``wanted`` the ledger holds."""
        found: dict[tuple, int] = {}
        for part in _slices(list(wanted)):
            for r in conn.execute(FIND_DENIALS, {"payers": sorted({k[0] for k in part}),
                                                 "claims": sorted({k[1] for k in part})}):
                if (key := (r["payer"], r["claim"], r["group_code"], r["carc"])) in wanted:
                    found[key] = r["id"]
        return found

    def find_or_add_denial(self, conn: Connection, facts: dict, stamp: dt.datetime, linked: int | None = None) -> int:
        found = conn.scalar("SELECT id FROM denials WHERE payer = :payer AND claim = :claim AND group_code = :group "
                            "AND carc = :carc", {key: facts[key] for key in ("payer", "claim", "group", "carc")})
        if found is not None:
            return int(found)
        return _one(conn.insert("denials", [_denial_row(facts, stamp, linked)]))

    def at_level(self, conn: Connection, denial_id: int, level: str) -> dict | None:
        """The denial's appeal at ``level`` (its ``id`` and ``status``), or None."""
        found = conn.execute("SELECT id, status FROM appeals WHERE denial_id = :denial_id AND level = :level",
                             {"denial_id": denial_id, "level": level})
        return found[0] if found else None

    def open_appeal(self, conn: Connection, denial_id: int, level: str, appeal_by: dt.date | None) -> int:
        """A level with no letter yet (status ``new``): the next level after an upheld decision, or the first
        appeal of a denial opened by reconcile. An existing one is kept."""
        found = self.at_level(conn, denial_id, level)
        if found is not None:
            return int(found["id"])
        stamp = now()
        return _one(conn.insert("appeals", [{"denial_id": denial_id, "level": level, "status": "new",
                                             "appeal_by": appeal_by, "created_at": stamp, "updated_at": stamp}]))

    # ------------------------------------------------------------- events

    def add_event(self, conn: Connection, appeal_id: int, kind: str, on: dt.date, by: str, *, method: str | None = None,
                  reference: str | None = None, result: str | None = None, amount_cents: int | None = None,
                  note: str | None = None, source_key: str | None = None, status: bool = True) -> int:
        """Append one event; ``sent`` and ``outcome`` move the appeal's status."""
        event_id = _one(conn.insert("events", [{
            "appeal_id": appeal_id, "kind": kind, "on_date": on, "recorded_at": now(), "recorded_by": by,
            "method": method, "reference": reference, "result": result, "amount_cents": amount_cents, "note": note,
            "source_key": source_key}]))
        new_status = {"sent": "sent", "outcome": result}.get(kind) if status else None
        if new_status:
            conn.execute("UPDATE appeals SET status = :status, updated_at = :updated_at WHERE id = :id",
                         {"status": new_status, "updated_at": now(), "id": appeal_id})
        return event_id

    def has_source(self, conn: Connection, key: str) -> bool:
        return conn.scalar("SELECT id FROM events WHERE source_key = :key", {"key": key}) is not None

    # ------------------------------------------------------------ queries

    def appeals(self, conn: Connection, ids: list[int] | None = None) -> list[dict]:
        """Every appeal (or those ``ids``) with its denial, letters and what its events say: every row of each
        table in one query, or those of ``ids`` a few hundred at a time (a statement of 20,000 parameters took
        SQLite seconds)."""
        if ids is None:
            parts: list[tuple[str, dict]] = [("", {})]
        else:
            parts = [("WHERE {column} IN (:ids) ", {"ids": part}) for part in _slices(sorted(set(ids)))]
        rows: list[dict] = []
        by_appeal: dict[int, list[dict]] = {}
        files: dict[int, list[dict]] = {}
        for where, params in parts:  # ascending ids: the appeals come in their order, each one's rows in theirs
            rows += conn.execute(APPEALS.format(where=where.format(column="appeals.id")), params)
            for e in conn.execute(f"SELECT * FROM events {where.format(column='appeal_id')}ORDER BY id", params):
                by_appeal.setdefault(e["appeal_id"], []).append(e)
            for f in conn.execute(f"SELECT * FROM letters {where.format(column='appeal_id')}ORDER BY id", params):
                files.setdefault(f["appeal_id"], []).append(f)
        return [_view(r, by_appeal.get(r["id"], []), files.get(r["id"], [])) for r in rows]

    def of_claim(self, conn: Connection, number: str) -> list[int]:
        """The appeals of the denials whose claim number or patient account is ``number``."""
        return [r["id"] for r in conn.execute(
            "SELECT appeals.id FROM appeals JOIN denials ON denials.id = appeals.denial_id "
            "WHERE denials.claim = :number OR denials.account = :number ORDER BY appeals.id", {"number": number})]

    def related(self, conn: Connection, appeal_ids: set[int]) -> set[int]:
        """``appeal_ids`` with every level of the denials they answer, and the appeals whose decision opened
        those denials, and theirs in turn (the whole history of a denial, read from three numbers an appeal)."""
        links = conn.execute("SELECT appeals.id, appeals.denial_id, denials.linked_appeal_id AS linked "
                             "FROM appeals JOIN denials ON denials.id = appeals.denial_id")
        related, grown = set(appeal_ids), True
        while grown:
            denials = {a["denial_id"] for a in links if a["id"] in related}
            before = {a["linked"] for a in links if a["id"] in related and a["linked"]}
            found = {a["id"] for a in links if a["denial_id"] in denials or a["id"] in before}
            grown = not found <= related
            related |= found
        return related

    def events(self, conn: Connection, appeal_id: int) -> list[dict]:
        return [_event_view(e) for e in conn.execute("SELECT * FROM events WHERE appeal_id = :appeal_id ORDER BY id",
                                                     {"appeal_id": appeal_id})]

    def first_sent(self, conn: Connection, appeal_id: int) -> dt.date | None:
        """The day the appeal was first recorded as sent: no decision on it is dated earlier (track outcome,
        track reconcile)."""
        sent = [e["date"] for e in self.events(conn, appeal_id) if e["kind"] == "sent"]
        return dt.date.fromisoformat(min(sent)) if sent else None

    def earliest_sending(self, conn: Connection, appeal: dict) -> tuple[dt.date, str] | None:
        """The first day the appeal (a row of :meth:`appeals`) can have been sent, and what sets it: the date its
        first letter bears, the decision on the level before that opened it (or on the appeal whose decision
        opened its denial), the denial's own date; the latest of them. A letter's date is known from
        ``drafted`` events recorded since :data:`LETTER_DATES` (earlier versions dated them the day the letter
        was made, which may be later than the letter: those are not used)."""
        bounds: list[tuple[dt.date, str]] = []
        since = _meta(conn).get(LETTER_DATES)
        if since is not None:
            start = dt.datetime.fromisoformat(since)
            dated = [dt.date.fromisoformat(e["date"]) for e in self.events(conn, appeal["appeal_id"])
                     if e["kind"] == "drafted" and _aware(dt.datetime.fromisoformat(e["recorded_at"])) >= start]
            if dated:
                bounds.append((min(dated), f"the date of {appeal['id']}'s first letter"))
        before = conn.scalar("SELECT max(id) FROM appeals WHERE denial_id = :denial_id AND id < :appeal_id",
                             {"denial_id": appeal["denial_id"], "appeal_id": appeal["appeal_id"]})
        opener = before if before is not None else parse_id(appeal["linked_from"] or "")
        if opener is not None:
            decided = [e["date"] for e in self.events(conn, opener) if e["kind"] == "outcome"]
            if decided:
                bounds.append((dt.date.fromisoformat(max(decided)), f"the decision on {public_id(opener)} that "
                                                                     f"opened {appeal['id']}"))
        if appeal["denied_on"]:
            bounds.append((dt.date.fromisoformat(appeal["denied_on"]), "the date of the denial it appeals"))
        return max(bounds, key=lambda bound: bound[0]) if bounds else None

    def event(self, conn: Connection, appeal_id: int, event_id: int) -> dict:
        """One event of the appeal (one :meth:`add_event` just added), as :meth:`events` shows it."""
        return next(e for e in self.events(conn, appeal_id) if e["event"] == event_id)

    def by_letter(self, conn: Connection, path: Path) -> list[int]:
        """The appeals a letter file belongs to: by its path, else by its SHA-256 (a moved or copied file)."""
        from appeal.ledger.facts import sha256_of

        resolved = str(path.resolve())
        digest = sha256_of(path) if path.is_file() else ""
        found = conn.execute("SELECT DISTINCT appeal_id FROM letters WHERE path = :path OR sha256 = :digest",
                             {"path": resolved, "digest": digest})
        return sorted(r["appeal_id"] for r in found)


def _create_file(target: Target) -> None:
    """The SQLite file, created readable by its owner only (it holds PHI); an existing file must be SQLite."""
    path = target.path
    assert path is not None
    if path.exists():
        if path.is_file() and path.stat().st_size:
            try:
                with open(path, "rb") as fh:
                    head = fh.read(16)
            except OSError:
                head = SQLITE_MAGIC  # unreadable: SQLite itself says why
            if head != SQLITE_MAGIC:
                raise LedgerError([Problem(target.shown, "is not an appeal ledger (not a SQLite database)",
                                           accepted="an appeal ledger, or a path where a new one may be created")])
        return
    if not path.parent.is_dir():
        raise LedgerError([Problem(target.shown, "the ledger's folder does not exist")])
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # another process made it first
    except OSError as exc:
        raise LedgerError([Problem(target.shown, f"the ledger cannot be created ({exc.strerror})",
                                   accepted="a folder you may write")]) from None


def _scrub(text: str, target: Target) -> str:
    """``text`` without the URL's passwords, in its user part or a ``password=`` parameter (as written, and
    percent-decoded)."""
    try:
        parts = urlsplit(target.url)
        written = [parts.password or "", *(pair.split("=", 1)[1] for pair in parts.query.split("&")
                                            if pair.lower().startswith("password="))]
    except ValueError:  # not a URL: nothing to hide
        written = []
    for form in sorted({f for password in written if password for f in (password, unquote(password))}, key=len,
                       reverse=True):
        text = text.replace(form, "***")
    return text


# What a denial's row says that its latest letter may say otherwise (a case file corrected, the profile's provider
# replaced): updated when a letter is made again; its key (payer, claim, group, CARC) and history stay.
DENIAL_DETAILS = ("payer_id", "provider", "account", "patient_name", "member_id", "dos_from", "dos_to", "lines",
                  "rarc", "amount_cents", "denied_on")


# The statements a letter's record runs (``record_letters``); a list parameter is spread (``IN (:ids)``).
FIND_DENIALS = ("SELECT id, payer, claim, group_code, carc FROM denials "
                "WHERE payer IN (:payers) AND claim IN (:claims)")
UPDATE_DENIAL = (f"UPDATE denials SET {', '.join(f'{name} = :new_{name}' for name in DENIAL_DETAILS)} "
                 "WHERE id = :key")
FIND_APPEALS = "SELECT id, denial_id, level, appeal_by, status FROM appeals WHERE denial_id IN (:denial_ids)"
UPDATE_APPEAL = ("UPDATE appeals SET template = :new_template, source = :new_source, updated_at = :new_updated_at, "
                 "appeal_by = :new_appeal_by, status = :new_status WHERE id = :key")
FIND_LETTERS = "SELECT appeal_id, path, sha256 FROM letters WHERE appeal_id IN (:appeal_ids)"
# Each appeal with what its denial says (``appeals``).
APPEALS = ("SELECT appeals.*, denials.payer, denials.payer_id, denials.provider, denials.claim, denials.account, "
           "denials.patient_name, denials.member_id, denials.dos_from, denials.dos_to, denials.lines, "
           "denials.group_code, denials.carc, denials.rarc, denials.amount_cents, denials.denied_on, "
           "denials.linked_appeal_id FROM appeals JOIN denials ON denials.id = appeals.denial_id {where}"
           "ORDER BY appeals.id")


def _slices(values: list, size: int = 500) -> Iterator[list]:
    """``values`` a few hundred at a time (a statement's parameters are bounded: 32,766 on SQLite)."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _insert(conn: Connection, table: str, rows: list[dict]) -> list[int] | None:
    """Insert ``rows`` in their order; one row's id, or ``None`` for several (the caller finds theirs)."""
    made = conn.insert(table, rows)
    return [made] if made is not None else None


def _one(made: int | None) -> int:
    """The new id of a row inserted alone."""
    assert made is not None
    return made


def _denial_row(facts: dict, stamp: dt.datetime, linked: int | None = None) -> dict:
    return {
        "payer": facts["payer"], "payer_id": facts.get("payer_id"), "provider": facts.get("provider"),
        "claim": facts["claim"], "account": facts.get("account"), "patient_name": facts.get("patient_name"),
        "member_id": facts.get("member_id"), "dos_from": _date(facts.get("dos_from")),
        "dos_to": _date(facts.get("dos_to")), "lines": json.dumps(facts.get("lines", [])),
        "group_code": facts["group"], "carc": facts["carc"], "rarc": ",".join(facts.get("rarc", [])),
        "amount_cents": facts.get("amount_cents"), "denied_on": _date(facts.get("denied_on")),
        "linked_appeal_id": linked, "created_at": stamp}


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _money(value: int | None) -> str | None:
    if value is None:
        return None
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"


def _event_view(e: dict) -> dict:
    return {"event": e["id"], "appeal": public_id(e["appeal_id"]), "kind": e["kind"],
            "date": e["on_date"].isoformat(), "recorded_at": e["recorded_at"].isoformat(),
            "by": e["recorded_by"], "method": e["method"], "reference": e["reference"], "result": e["result"],
            "amount": _money(e["amount_cents"]), "note": e["note"]}


def _view(row: dict, events: list[dict], files: list[dict]) -> dict:
    """One appeal as the commands show it (``--json``, ``list``, ``export``)."""
    sent = [e for e in events if e["kind"] == "sent"]
    outcomes = [e for e in events if e["kind"] == "outcome"]
    last_sent, last_outcome = (sent[-1] if sent else None), (outcomes[-1] if outcomes else None)
    lines = json.loads(row["lines"] or "[]")
    return {
        "id": public_id(row["id"]), "appeal_id": row["id"], "denial_id": row["denial_id"],
        "payer": row["payer"], "payer_id": row["payer_id"], "provider": row["provider"], "claim": row["claim"],
        "account": row["account"], "patient": row["patient_name"], "member_id": row["member_id"],
        "dos": row["dos_from"].isoformat() if row["dos_from"] else None,
        "codes": [line[1] for line in lines if line[3]], "lines": lines,
        "group": row["group_code"], "carc": row["carc"],
        "reason": "-".join(p for p in (row["group_code"], row["carc"]) if p),
        "rarc": [r for r in (row["rarc"] or "").split(",") if r], "amount": _money(row["amount_cents"]),
        "denied_on": row["denied_on"].isoformat() if row["denied_on"] else None,
        "level": row["level"], "template": row["template"], "status": row["status"],
        "appeal_by": row["appeal_by"].isoformat() if row["appeal_by"] else None,
        "sent_on": last_sent["on_date"].isoformat() if last_sent else None,
        "sent_via": last_sent["method"] if last_sent else None,
        "sent_ref": last_sent["reference"] if last_sent else None,
        "decided_on": last_outcome["on_date"].isoformat() if last_outcome else None,
        "result": last_outcome["result"] if last_outcome else None,
        "recovered": _money(last_outcome["amount_cents"]) if last_outcome else None,
        "recovered_cents": last_outcome["amount_cents"] if last_outcome else None,
        "linked_from": public_id(row["linked_appeal_id"]) if row["linked_appeal_id"] else None,
        "letters": [{"path": f["path"], "sha256": f["sha256"]} for f in files],
        "source": row["source"], "events": len(events),
    }
