"""``appeal track``: the appeal ledger's commands, each one transaction.

Every function returns a :class:`Tracked`: the command's named list (``appeals``, ``events``, ``matched`` and
``unmatched``, ``due``, ``stats``) and its exit status. The ledger is found by :func:`appeal.ledger.store.locate`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from appeal.deliver.files import MAX_NAME, ensure_dir, remove_leftovers, slug, write_atomic
from appeal.deliver.sheet import write_csv, write_xlsx
from appeal.errors import LedgerError, Problem, TrackError
from appeal.inputs.workspace import Workspace
from appeal.ledger.recorder import Recorder
from appeal.ledger.store import OPEN, Ledger, Target, locate, parse_id, user
from appeal.reference.deadlines import RESPONSE_DAYS, SOON_DAYS
from appeal.settings import Settings

if TYPE_CHECKING:
    from appeal.checks.verdict import Verdict

EXPORT_COLUMNS = ("id", "status", "payer", "provider", "claim", "account", "patient", "member_id", "dos", "codes",
                  "reason", "rarc", "amount", "denied_on", "level", "template", "appeal_by", "sent_on", "sent_via",
                  "sent_ref", "decided_on", "result", "recovered", "linked_from", "letters")
MONEY_COLUMNS = ("amount", "recovered")


@dataclass
class Tracked:
    name: str
    items: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    exit_code: int = 0
    warnings: list[str] = field(default_factory=list)
    findings: list = field(default_factory=list)  # a letter's (``track next``): the coding check's findings
    verdict: Verdict | None = None  # and its verdict

    def as_dict(self) -> dict:
        judged = ({"findings": [f.as_dict() for f in self.findings], "verdict": self.verdict.as_dict()}
                  if self.verdict is not None else {})
        return {"ok": self.exit_code == 0, self.name: self.items, **self.extra, **judged}


@dataclass(frozen=True)
class Which:
    """How a command names one appeal: letter files, ``--appeal ID``, or ``--claim N [--carc C] [--payer P]``."""

    letters: tuple[Path, ...] = ()
    appeal: str | None = None
    claim: str | None = None
    carc: str | None = None
    payer: str | None = None


# ------------------------------------------------------------------ opening

def open_ledger(settings: Settings, db: str | None) -> Ledger:
    target = locate(db, settings.workspace)
    if target is None:
        raise LedgerError([Problem("--db", "no ledger in use: this folder is not in a workspace",
                                   accepted="run inside a workspace (appeal init), or give --db URL|FILE or "
                                            "APPEAL_DB")])
    return Ledger(target)


def recorder_for(settings: Settings, db: str | None, again: str, by: str | None = None,
                 target: Target | None = None) -> Recorder | None:
    """The recorder ``generate``, ``packet`` and ``batch`` hand their letters to, when a ledger is in use; the
    ledger is opened (and checked) here, before any letter is written. ``target``: the ledger the caller
    has already located (:func:`~appeal.ledger.store.locate`), so the profile is not read for it again."""
    target = target or locate(db, settings.workspace)
    if target is None:
        return None
    recorder = Recorder(target, settings.load_workspace(), by=user(by), again=again)
    recorder.open()
    return recorder


# ---------------------------------------------------------------- selection

def select(ledger: Ledger, conn, which: Which, every: bool = False) -> list[dict]:
    """The appeals named: one per letter file, or the one ``--appeal``/``--claim`` names (exit 2 when that
    matches none, or several: the candidates are listed with their ids). With ``every`` (a command that only
    reads, such as history), a claim gives all its appeals."""
    if which.letters:
        found: list[dict] = []
        for path in which.letters:
            ids = ledger.by_letter(conn, Path(path))
            if not ids:
                why = "this letter is not in the ledger" if Path(path).exists() else \
                    "file not found, and the ledger has no letter written at that path"
                raise TrackError([Problem(str(path), why,
                                          accepted="a letter written by generate, packet, batch or track next "
                                                   "while the ledger was in use")])
            found.extend(r for r in _one(ledger.appeals(conn, ids), str(path))
                         if r["appeal_id"] not in {f["appeal_id"] for f in found})  # its DOCX and PDF: once
        return found
    if which.appeal:
        number = parse_id(which.appeal)
        rows = ledger.appeals(conn, [number]) if number is not None else []
        if not rows:
            raise TrackError([Problem("--appeal", f"no appeal {which.appeal} in the ledger",
                                      accepted="an id such as A-000123, as track list shows")])
        return rows
    if which.claim:
        rows = ledger.appeals(conn, ledger.of_claim(conn, which.claim))
        if which.carc:
            rows = [r for r in rows if which.carc.upper() in (r["carc"].upper(), r["reason"].upper())]
        if which.payer:
            wanted = which.payer.lower()
            rows = [r for r in rows if wanted in r["payer"].lower() or wanted == (r["payer_id"] or "").lower()]
        if not rows:
            raise TrackError([Problem("--claim", "no appeal in the ledger has that claim number"
                                      + (" with that --carc/--payer" if which.carc or which.payer else ""),
                                      accepted="the payer's claim number (or the patient account) of a letter")])
        return rows if every else _one(rows, "--claim")
    raise TrackError([Problem("track", "no appeal named", accepted="LETTER-FILE, --appeal ID or --claim N")])


def _one(rows: list[dict], where: str) -> list[dict]:
    if len(rows) > 1:
        waiting = [r for r in rows if r["status"] in OPEN]
        if len(waiting) == 1:
            return waiting
        listed = "; ".join(f"{r['id']} ({r['payer']}, {r['reason'] or 'denied'}, {r['level']}, {r['status']})"
                           for r in rows)
        raise TrackError([Problem(where, f"matches {len(rows)} appeals: {listed}",
                                  accepted="--appeal ID, or --carc and --payer to tell them apart")])
    return rows


# ------------------------------------------------------------- sent, outcome

def sent(settings: Settings, db: str | None, which: Which, via: str, ref: str | None, on: dt.date | None,
         by: str | None = None) -> Tracked:
    """``track sent``: each appeal named was sent (portal, fax or mail), with the portal's reference."""
    ledger, who, day = open_ledger(settings, db), user(by), typed_day(on)
    out = Tracked("events")
    with ledger.write() as conn:
        for appeal in select(ledger, conn, which):
            if appeal["status"] not in OPEN:
                raise TrackError([Problem(appeal["id"], f"is already {appeal['status']}; nothing was recorded",
                                          accepted="an appeal that is drafted or sent")])
            if appeal["status"] == "new":
                raise TrackError([Problem(appeal["id"], "has no letter yet (status new); nothing was recorded",
                                          accepted="an appeal whose letter was made (track next, generate or "
                                                   "batch), then sent")])
            earliest = ledger.earliest_sending(conn, appeal)
            if earliest is not None and day < earliest[0]:  # sent once its letter, and what it answers, existed
                first, what = earliest
                raise TrackError([Problem("--date", f"{day:%m/%d/%Y} is before {what}, {first:%m/%d/%Y}; nothing "
                                                    "was recorded", accepted=f"the day it was sent: {first:%m/%d/%Y} "
                                                                             "or later")])
            same = [e for e in ledger.events(conn, appeal["appeal_id"])
                    if (e["kind"], e["date"], e["method"], e["reference"]) == ("sent", day.isoformat(), via, ref)]
            if same:  # the same command again: a second, identical "sent" would count the letter twice
                out.warnings.append(f"{appeal['id']}: already recorded as sent on {day:%m/%d/%Y} by {via}"
                                    f"{f' (reference {ref})' if ref else ''}; nothing new was recorded")
                out.items.append(same[0])
                continue
            event = ledger.add_event(conn, appeal["appeal_id"], "sent", day, who, method=via, reference=ref)
            out.items.append(ledger.event(conn, appeal["appeal_id"], event))
    return out


def typed_day(on: dt.date | None) -> dt.date:
    """The day an event happened, as typed (today when not): never after today, so a mistyped year or month
    does not put a decision or a mailing in the future of the ledger."""
    today = dt.date.today()
    if on is not None and on > today:
        raise TrackError([Problem("--date", f"{on:%m/%d/%Y} is after today ({today:%m/%d/%Y}); nothing was recorded",
                                  accepted="today or an earlier date")])
    return on or today


def outcome(settings: Settings, db: str | None, which: Which, result: str, paid, ref: str | None,
            on: dt.date | None, reason: str | None, via: str = "letter", by: str | None = None) -> Tracked:
    """``track outcome``: the payer's decision; upheld opens the next level with its own appeal-by date."""
    from appeal.ledger.facts import cents
    from appeal.ledger.outcomes import decide

    ledger, who, day = open_ledger(settings, db), user(by), typed_day(on)
    workspace = settings.load_workspace()
    out = Tracked("events")
    with ledger.write() as conn:
        appeals = select(ledger, conn, which)
        for appeal in appeals:
            first = ledger.first_sent(conn, appeal["appeal_id"])
            if first is None and result != "withdrawn":  # a decision answers a letter the payer has
                raise TrackError([Problem(appeal["id"], f"was never recorded as sent (status {appeal['status']}); "
                                                        "nothing was recorded",
                                          accepted="an appeal recorded as sent (track sent first), or --result "
                                                   "withdrawn for one you will not send")])
            if first is not None and day < first:
                raise TrackError([Problem("--date", f"{day:%m/%d/%Y} is before {appeal['id']} was sent, on "
                                                    f"{first:%m/%d/%Y}; nothing was recorded",
                                          accepted=f"the decision's date: {first:%m/%d/%Y} or later")])
            done = decide(ledger, conn, appeal, result, day, who, amount_cents=cents(paid),
                          reference=ref, note=reason, via=via, workspace=workspace)
            event = ledger.event(conn, appeal["appeal_id"], done["event"])
            out.items.append({**event, "next_level": done["next"], "next_appeal_by": done["next_appeal_by"]})
            if done["closed"]:
                out.warnings.append(f"{done['closed']}: withdrawn, not to be filed: it was opened by an upheld "
                                    f"decision on {appeal['id']}, which is now {result}")
    return out


# ------------------------------------------------------------------- list

NOTE_LIMIT = 1000  # characters: a few lines of what happened, not a document


def note(settings: Settings, db: str | None, which: Which, text: str, on: dt.date | None,
         by: str | None = None) -> Tracked:
    """``track note``: a line in each named appeal's history that decides nothing (a call with the payer, a
    request for records and its reference); any status, and the status stays. Its line breaks and runs of
    spaces become one space."""
    words, day = note_text(text), typed_day(on)
    ledger, who = open_ledger(settings, db), user(by)
    out = Tracked("events")
    with ledger.write() as conn:
        for appeal in select(ledger, conn, which):
            event = ledger.add_event(conn, appeal["appeal_id"], "note", day, who, note=words)
            out.items.append(ledger.event(conn, appeal["appeal_id"], event))
    return out


def note_text(text: str) -> str:
    """A note as the ledger keeps it: one line (line breaks and runs of spaces made one space), not empty, at most
    :data:`NOTE_LIMIT` characters, no control or invisible direction characters; else a TrackError."""
    from appeal.inputs.fields import refused_character

    words = " ".join(text.split())
    problem = None
    if not words:
        problem = "is empty"
    elif len(words) > NOTE_LIMIT:
        problem = f"is {len(words):,} characters long"
    elif (bad := refused_character(words)) is not None:
        problem = f"holds {bad}"
    if problem is not None:
        raise TrackError([Problem("--text", problem, accepted=f"a few words of what happened, at most {NOTE_LIMIT:,} "
                                                              "characters of text")])
    return words


def history(settings: Settings, db: str | None, which: Which) -> Tracked:
    """``track history``: what happened to each named appeal and to the denial it answers, oldest first: the
    events of every level of that denial, and of the denial before it when a decision opened this one."""
    ledger = open_ledger(settings, db)
    out = Tracked("events")
    with ledger.read() as conn:
        chosen = select(ledger, conn, which, every=True)
        related = ledger.related(conn, {a["appeal_id"] for a in chosen})
        events = [e for appeal_id in sorted(related) for e in ledger.events(conn, appeal_id)]
        out.items = sorted(events, key=lambda e: (e["date"], e["event"]))
    return out


def status_on(appeal: dict, workspace: Workspace | None, today: dt.date) -> str:
    """The appeal's status, with ``no-response`` for one sent and unanswered past the payer's response time."""
    if appeal["status"] == "sent" and appeal["sent_on"]:
        if today > follow_up_by(appeal, workspace):
            return "no-response"
    return appeal["status"]


def follow_up_by(appeal: dict, workspace: Workspace | None) -> dt.date:
    entry = workspace.find_payer(appeal["payer_id"], appeal["payer"]) if workspace else None
    days = entry.response_days.get(appeal["level"], RESPONSE_DAYS) if entry else RESPONSE_DAYS
    return dt.date.fromisoformat(appeal["sent_on"]) + dt.timedelta(days=days)


def list_appeals(settings: Settings, db: str | None, status: str | None = None, payer: str | None = None,
                 since: dt.date | None = None, today: dt.date | None = None) -> Tracked:
    """``track list``: the appeals, oldest first, filtered by status (``no-response`` too), payer, date."""
    ledger, workspace, today = open_ledger(settings, db), settings.load_workspace(), today or dt.date.today()
    with ledger.read() as conn:
        rows = ledger.appeals(conn)
    out = Tracked("appeals")
    for row in rows:
        row = {**row, "status": status_on(row, workspace, today)}
        if status and row["status"] != status:
            continue
        if payer and payer.lower() not in row["payer"].lower() and payer.lower() != (row["payer_id"] or "").lower():
            continue
        if since and (_day(row["sent_on"] or row["denied_on"]) or dt.date.min) < since:
            continue
        out.items.append(row)
    return out


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


# -------------------------------------------------------------------- due

def due(settings: Settings, db: str | None, within: int | None = None, today: dt.date | None = None) -> Tracked:
    """``track due``: letters to send before their appeal-by date, follow-ups past the payer's response
    time, next levels to file; soonest first (PAST DUE at the top), undated last."""
    ledger, workspace, today = open_ledger(settings, db), settings.load_workspace(), today or dt.date.today()
    with ledger.read() as conn:
        rows = ledger.appeals(conn)
    items = []
    for row in rows:
        if row["status"] == "drafted":
            what, when = "send the appeal", _day(row["appeal_by"])
        elif row["status"] == "new":
            what = "appeal the new denial" if row["linked_from"] and row["level"] else "file the next level"
            what, when = f"{what} ({row['level']})", _day(row["appeal_by"])
        elif row["status"] == "sent" and row["sent_on"]:
            what, when = "follow up: no answer yet", follow_up_by(row, workspace)
        else:
            continue
        left = (when - today).days if when else None
        if within is not None and (left is None or left > within):
            continue
        flag = "" if left is None else "PAST DUE" if left < 0 else "due soon" if left <= SOON_DAYS else ""
        items.append({"appeal": row["id"], "action": what, "due": when.isoformat() if when else None,
                      "days_left": left, "flag": flag, "payer": row["payer"], "claim": row["claim"],
                      "reason": row["reason"], "level": row["level"], "status": status_on(row, workspace, today)})
    items.sort(key=lambda i: (i["due"] is None, i["due"] or "", i["appeal"]))
    return Tracked("due", items)


# ----------------------------------------------------------------- export

def export_rows(rows: Iterable[dict]) -> list[list]:
    """The export's cells: one row per appeal, in EXPORT_COLUMNS order."""
    out = []
    for row in rows:
        cells = []
        for column in EXPORT_COLUMNS:
            value = row.get(column)
            if column == "letters":
                value = " ".join(Path(f["path"]).name for f in value or ())
            elif isinstance(value, list):
                value = ",".join(value)
            cells.append("" if value is None else value)
        out.append(cells)
    return out


def export(settings: Settings, db: str | None, csv_file: Path | None, xlsx_file: Path | None,
           today: dt.date | None = None) -> Tracked:
    """``track export``: every appeal as CSV or as an Excel workbook (atomic, mode 0600: it holds PHI).

    A text cell that starts with ``=``, ``+``, ``-`` or ``@`` stays text: in the workbook it is a string cell,
    in the CSV it gets a leading apostrophe, so a spreadsheet never runs it as a formula.
    """
    listed = list_appeals(settings, db, today=today)
    rows = export_rows(listed.items)
    out = Tracked("appeals", listed.items)
    if csv_file is not None:
        write_csv(Path(csv_file), EXPORT_COLUMNS, rows)
        out.extra["csv"] = str(csv_file)
    if xlsx_file is not None:
        money = [EXPORT_COLUMNS.index(name) for name in MONEY_COLUMNS]
        typed = [[Decimal(v) if i in money and v != "" else v for i, v in enumerate(row)] for row in rows]
        write_xlsx(Path(xlsx_file), EXPORT_COLUMNS, typed, title="appeals")
        out.extra["xlsx"] = str(xlsx_file)
    return out


# -------------------------------------------------------------- reconcile

def reconcile(settings: Settings, db: str | None, files: Iterable[Path], by: str | None = None) -> Tracked:
    """``track reconcile``: the outcomes a later remittance gives the open appeals (one transaction)."""
    from appeal.commands.remit import payer_entry, read_remittance, routine_set, warning_lines
    from appeal.ledger.reconcile import file_digest, payer_key
    from appeal.ledger.reconcile import reconcile as run

    ledger, workspace = open_ledger(settings, db), settings.load_workspace()
    remits, warnings = [], []
    for path in files:
        remit = read_remittance(path)
        warnings.extend(warning_lines(remit))
        remits.append((remit, file_digest(Path(path).read_bytes())))

    def payer_keys(txn) -> set[str]:
        entry = payer_entry(workspace, txn)
        keys = {payer_key(txn.payer.name), *(f"id:{i}" for i in (txn.payer.id, txn.payer.additional_id) if i)}
        return keys | ({payer_key(entry.name)} if entry else set())

    with ledger.write() as conn:
        done = run(ledger, conn, remits, payer_keys, routine_set(workspace), workspace, user(by))
    return Tracked("matched", done.matched, {"unmatched": done.unmatched}, warnings=warnings)


# ------------------------------------------------------------------- next

def next_letter(settings: Settings, db: str | None, which: Which, out_dir: Path,
                formats: Iterable[str] = ("docx", "pdf"), by: str | None = None) -> Tracked:
    """``track next``: the next level's letter after an upheld decision, with ``appeal.prior_decision`` from the
    recorded outcome; recorded as drafted (the next level's appeal, opened by the decision). It is dated
    ``--date``, else today (:func:`~appeal.inputs.case.letter_date`), never the first letter's ``appeal.date``, and
    checked and judged as ``generate`` judges a letter (exit 1 when blocked)."""
    import dataclasses

    from appeal.commands.generate import checked, verdict_of, with_workspace
    from appeal.deliver.letter import write_letter
    from appeal.inputs.case import PriorDecision, letter_date
    from appeal.letters.build import build_letter
    from appeal.settings import Sources

    ledger = open_ledger(settings, db)
    with ledger.read() as conn:
        chosen = select(ledger, conn, which)[0]
        family = [a for a in ledger.appeals(conn) if a["denial_id"] == chosen["denial_id"]]
        decided = [a for a in family if a["result"] == "upheld"]
        prior = max(decided, key=lambda a: (a["decided_on"], a["appeal_id"])) if decided else None
        target = next((a for a in family if a["status"] in ("new", "drafted") and prior
                       and a["appeal_id"] > prior["appeal_id"]), None)
        reference = ([e for e in ledger.events(conn, prior["appeal_id"]) if e["kind"] == "outcome"][-1]["reference"]
                     if prior else None)
    if prior is None or target is None:
        raise TrackError([Problem(chosen["id"], f"has no next level open (status {chosen['status']})",
                                  accepted="an appeal whose decision was upheld (track outcome --result upheld, or "
                                           "track reconcile)")])
    sources = Sources.load(settings)
    case = _case_again(prior["source"], sources)
    today = dt.date.today()
    appeal = dataclasses.replace(case.appeal, date=letter_date(settings.date, today), level=target["level"],
                                 prior_decision=PriorDecision(date=dt.date.fromisoformat(prior["decided_on"]),
                                                              reference=reference))
    prepared = with_workspace(build_letter(dataclasses.replace(case, appeal=appeal), sources.templates,
                                           sources.library), sources)
    findings = checked(prepared, sources, today)
    judged = verdict_of(prepared, findings)
    recorder = recorder_for(settings, db, "run the same 'appeal track next' again", by)
    stem = "_".join((slug(case.payer.name), slug(case.claim.number, 20), slug(target["level"], 16),
                     prepared.case.appeal.date.isoformat()))[:MAX_NAME]  # never the earlier level's name
    remove_leftovers(ensure_dir(Path(out_dir)))
    outputs = write_letter(prepared, Path(out_dir), tuple(formats), stem=stem)
    if recorder is not None:
        recorder.letter(prepared.case, prepared.template.id, outputs, target["level"])
    with ledger.read() as conn:
        rows = ledger.appeals(conn, [target["appeal_id"]])
    return Tracked("appeals", rows, {"outputs": [str(p) for p in outputs], "warnings": prepared.warnings},
                   exit_code=1 if judged.status == "blocked" else 0, findings=findings, verdict=judged)


def _case_again(source: str | None, sources):
    """The case the first letter was made from: its case file, or the remittance's case rebuilt (``batch``)."""
    from appeal.commands.remit import drafts, read_remittance
    from appeal.inputs.case import load_case

    defaults, date = sources.case_defaults, sources.settings.date
    if source and Path(source).is_file():
        return load_case(source, date=date, defaults=defaults)
    if source and "#" in source:
        remit_path, name = source.rsplit("#", 1)
        if Path(remit_path).is_file():
            for draft in drafts(read_remittance(remit_path), sources.workspace, sources.templates):
                if draft.name == name:
                    return load_case(source, date=date, defaults=defaults, text=draft.text)
    raise TrackError([Problem(str(source), "the case file (or remittance) the first letter was made from is gone",
                              accepted="the case file at the path the ledger names, then track next again")])


# ------------------------------------------------------------------ stats

DECIDED = ("overturned", "partially-overturned", "upheld", "superseded")
WON = ("overturned", "partially-overturned")


def _group_key(row: dict, by: str) -> str:
    if by == "carc":
        return row["reason"] or "denied"
    if by == "month":
        return (row["sent_on"] or row["denied_on"] or "")[:7] or "undated"
    return row.get(by) or "(none)"


def _figures(rows: list[dict]) -> dict:
    """Appeals sent, overturn rate, dollars recovered and median days from sending to the decision."""
    import statistics

    decided = [r for r in rows if r["result"] in DECIDED]
    won = [r for r in decided if r["result"] in WON]
    days = [(dt.date.fromisoformat(r["decided_on"]) - dt.date.fromisoformat(r["sent_on"])).days
            for r in decided if r["sent_on"] and r["decided_on"]]
    recovered = sum(r["recovered_cents"] or 0 for r in won)
    return {"appeals": len(rows), "sent": sum(1 for r in rows if r["sent_on"]), "decided": len(decided),
            "overturned": len(won), "overturn_rate": round(len(won) / len(decided), 4) if decided else None,
            "recovered": f"{recovered // 100}.{recovered % 100:02d}", "recovered_cents": recovered,
            "median_days_to_decision": _whole(statistics.median(days)) if days else None}


def _whole(number: float) -> float | int:
    return int(number) if float(number).is_integer() else number


def stats(settings: Settings, db: str | None, by: str = "payer", since: dt.date | None = None,
          html: Path | None = None, png: Path | None = None, today: dt.date | None = None) -> Tracked:
    """``track stats``: per payer (CARC, template, provider or month) and in total; with ``html`` one
    self-contained page (the table and inline SVG charts), with ``png`` the same charts as one image."""
    rows = [r for r in list_appeals(settings, db, since=since, today=today).items if r["status"] != "new"]
    table = [{by: key, **_figures(members)} for key, members in sorted(_grouped(rows, by).items())]
    out = Tracked("stats", table, {"by": by, "total": _figures(rows)})
    if html is not None or png is not None:
        from appeal.render.charts import charts_png, stats_page

        series = chart_series(rows)
        if html is not None:
            write_atomic(Path(html), stats_page(table, out.extra["total"], by, series).encode("utf-8"))
            out.extra["html"] = str(html)
        if png is not None:
            write_atomic(Path(png), charts_png(series))
            out.extra["png"] = str(png)
    return out


def chart_series(rows: list[dict]) -> dict[str, list[tuple[str, float]]]:
    """What the charts draw: overturn rate (%) by payer and by CARC, dollars recovered by month decided."""
    series: dict[str, list[tuple[str, float]]] = {}
    for title, by in (("Overturn rate by payer (%)", "payer"), ("Overturn rate by CARC (%)", "carc")):
        points = []
        for key, members in sorted(_grouped(rows, by).items()):
            rate = _figures(members)["overturn_rate"]
            if rate is not None:
                points.append((key, round(rate * 100, 1)))
        series[title] = points
    months: dict[str, int] = {}
    for row in rows:
        if row["result"] in WON and row["decided_on"]:
            months[row["decided_on"][:7]] = months.get(row["decided_on"][:7], 0) + (row["recovered_cents"] or 0)
    series["Dollars recovered by month"] = [(m, c / 100) for m, c in sorted(months.items())]
    return series


def _grouped(rows: list[dict], by: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(_group_key(row, by), []).append(row)
    return groups
