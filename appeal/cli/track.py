"""``appeal track``: the appeal ledger (what was sent, what is due, what the payer decided)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import click

from appeal.cli.app import (
    DateType,
    InOrder,
    cli,
    emit_json,
    examples,
    guarded,
    json_option,
    say,
    say_verdict,
    settings_from,
    workspace_option,
)

db_option = click.option("--db", default=None, metavar="URL|FILE",
                         help="The ledger: postgresql://user@host/dbname or a SQLite file (default: APPEAL_DB, "
                              "ledger.url in appeal.yaml, or <workspace>/ledger.sqlite3). Give the password in "
                              "PGPASSWORD or ~/.pgpass, never in the URL.")
user_option = click.option("--user", "by", default=None, help="Who records this (default: your login name).")
since_option = click.option("--since", type=DateType(), default=None,
                            help="Only appeals sent (or denied) on or after this day.")


def file_option(flag: str, dest: str, help: str):
    return click.option(flag, dest, type=click.Path(dir_okay=False, path_type=Path), default=None, help=help)


today_option = click.option("--today", type=DateType(), default=None, help="The worklist as of this day "
                                                                           "(default: today).")


def ledger_options(func: Callable) -> Callable:
    for option in reversed((db_option, workspace_option, json_option)):
        func = option(func)
    return func


def which_options(func: Callable) -> Callable:
    options = (click.option("--appeal", "appeal_id", default=None, help="The appeal's id, e.g. A-000123."),
               click.option("--claim", default=None, help="The payer's claim number (or the patient account)."),
               click.option("--carc", default=None, help="With --claim: the reason code, e.g. 189 or CO-189."),
               click.option("--payer", default=None, help="With --claim: the payer's name or id."))
    for option in reversed(options):
        func = option(func)
    return func


def recorder_for(settings, db, command: str):
    """The ledger recorder for generate, packet and batch (``None`` when no ledger is in use: then the
    ledger's commands are not imported, about 4 ms of every such run's start)."""
    from appeal.ledger.store import locate

    target = locate(db, settings.workspace)
    if target is None:
        return None
    from appeal.commands.track import recorder_for as make

    return make(settings, db, f"run the same '{command}' again", target=target)


def report_recorded(recorder) -> None:
    if recorder is not None and recorder.recorded:
        made = [r["appeal"] for r in recorder.recorded if r["created"]]
        again = [r["appeal"] for r in recorder.recorded if not r["created"]]
        parts = ([f"{len(made)} new appeal(s) {_ids(made)}"] if made else []) + \
                ([f"{len(again)} updated {_ids(again)}"] if again else [])
        say(f"ledger ({recorder.target.shown}): drafted: {'; '.join(parts)}")


def _ids(ids: list[str]) -> str:
    return ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def _table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    body = [[_cell(r.get(key)) for key, _ in columns] for r in rows]
    header = [title for _, title in columns]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in [header, *body])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


APPEAL_COLUMNS = [("id", "appeal"), ("status", "status"), ("payer", "payer"), ("claim", "claim"),
                  ("patient", "patient"), ("dos", "DOS"), ("reason", "reason"), ("level", "level"),
                  ("appeal_by", "appeal by"), ("sent_on", "sent"), ("result", "result"), ("recovered", "recovered")]


def _which(letters, appeal_id, claim, carc, payer):
    from appeal.commands.track import Which

    return Which(tuple(letters), appeal_id, claim, carc, payer)


def _print_events(result, as_json: bool) -> int:
    for warning in result.warnings:
        say(f"warning: {warning}")
    if as_json:
        emit_json(result.as_dict())
    else:
        for event in result.items:
            extra = f"; next level {event['next_level']} due {event['next_appeal_by'] or '(no window known)'}" \
                if event.get("next_level") else ""
            click.echo(f"{event['appeal']}: {event['kind']} {event['result'] or event['method'] or ''} "
                       f"on {event['date']}{extra}".replace("  ", " "))
    return result.exit_code


@cli.group(cls=InOrder, epilog=examples("appeal track due --within 14", "appeal track list --status no-response"))
def track() -> None:
    """The appeal ledger: what was sent, what is due, what the payer decided."""


@track.command(epilog=examples("appeal track sent out/Payer_CLAIM_CO-189_2026-11-27.pdf --via portal --ref R123"))
@click.argument("letters", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@which_options
@click.option("--via", type=click.Choice(["portal", "fax", "mail"]), required=True, help="How it was sent.")
@click.option("--ref", default=None, help="The portal's or fax confirmation's reference number.")
@click.option("--date", "on", type=DateType(), default=None, help="The day it was sent (default: today).")
@user_option
@ledger_options
@guarded
def sent(letters, appeal_id, claim, carc, payer, via, ref, on, by, db, workspace, as_json):
    """Record that the appeals for LETTERS (or --appeal, --claim) were sent."""
    from appeal.commands.track import sent as run

    settings = settings_from(workspace=workspace, near=letters[0] if letters else None)
    return _print_events(run(settings, db, _which(letters, appeal_id, claim, carc, payer), via, ref, on, by),
                         as_json)


@track.command(epilog=examples("appeal track outcome --claim CLAIM --result upheld --ref DEC-9 --date 2026-12-10"))
@click.argument("letters", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@which_options
@click.option("--result", type=click.Choice(["overturned", "partially-overturned", "upheld", "withdrawn"]),
              required=True, help="What the payer decided (or withdrawn: you withdrew the appeal).")
@click.option("--paid", default=None, help="The amount recovered, e.g. 350.00.")
@click.option("--ref", default=None, help="The decision's reference number.")
@click.option("--date", "on", type=DateType(), default=None, help="The decision's date (default: today).")
@click.option("--reason", default=None, help="The payer's reason, in a few words.")
@click.option("--via", type=click.Choice(["letter", "portal", "phone", "remittance"]), default="letter",
              show_default=True, help="How the decision came; a letter's window adds 5 days of mail.")
@user_option
@ledger_options
@guarded
def outcome(letters, appeal_id, claim, carc, payer, result, paid, ref, on, reason, via, by, db, workspace,
            as_json):
    """Record the payer's decision on an appeal; upheld opens the next level with its appeal-by date."""
    from appeal.commands.track import outcome as run
    from appeal.errors import Problem, TrackError
    from appeal.inputs.fields import parse_amount

    amount = parse_amount(paid) if paid is not None else None
    if paid is not None and amount is None:
        raise TrackError([Problem("--paid", f"'{paid}' is not an amount", accepted="350 or 350.00 or $1,250.00")])
    settings = settings_from(workspace=workspace, near=letters[0] if letters else None)
    return _print_events(run(settings, db, _which(letters, appeal_id, claim, carc, payer), result, amount, ref,
                             on, reason, via, by), as_json)


@track.command(epilog=examples('appeal track note --claim CLAIM --text "Payer asked for the op report, ref RR-7"'))
@click.argument("letters", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@which_options
@click.option("--text", required=True, help="What happened, in a few words (a call, a request for records).")
@click.option("--date", "on", type=DateType(), default=None, help="The day it happened (default: today).")
@user_option
@ledger_options
@guarded
def note(letters, appeal_id, claim, carc, payer, text, on, by, db, workspace, as_json):
    """Add a note to an appeal's history; it decides nothing.

    The appeals for LETTERS (or --appeal, --claim): a call with the payer, a request for records and its
    reference. The status stays as it is."""
    from appeal.commands.track import note as run

    settings = settings_from(workspace=workspace, near=letters[0] if letters else None)
    return _print_events(run(settings, db, _which(letters, appeal_id, claim, carc, payer), text, on, by), as_json)


@track.command(epilog=examples("appeal track history --claim CLAIM", "appeal track history --appeal A-000123 --json"))
@click.argument("letters", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@which_options
@ledger_options
@guarded
def history(letters, appeal_id, claim, carc, payer, db, workspace, as_json):
    """What happened to an appeal, oldest first.

    The appeals for LETTERS (or --appeal, --claim): every event of every level of their denials, with who
    recorded it."""
    from appeal.commands.track import history as run

    settings = settings_from(workspace=workspace, near=letters[0] if letters else None)
    result = run(settings, db, _which(letters, appeal_id, claim, carc, payer))
    if as_json:
        emit_json(result.as_dict())
    else:
        for event in result.items:
            parts = [event["date"], event["appeal"], event["kind"],
                     *(v for v in (event["result"], event["amount"]) if v)]
            if event["method"]:
                parts.append(f"via {event['method']}")
            if event["reference"]:
                parts.append(f"ref {event['reference']}")
            text = f": {event['note']}" if event["note"] else ""
            click.echo(" ".join(parts) + text + f" (by {event['by']})")
        if not result.items:
            say("no events")
    return result.exit_code


@track.command("list", epilog=examples("appeal track list --status no-response",
                                         "appeal track list --payer UPMC --json"))
@click.option("--status", type=click.Choice(["drafted", "new", "sent", "no-response", "overturned",
                                             "partially-overturned", "upheld", "superseded", "withdrawn"]),
              default=None, help="Only appeals with this status.")
@click.option("--payer", default=None, help="Only this payer (name or id).")
@since_option
@today_option
@ledger_options
@guarded
def list_(status, payer, since, today, db, workspace, as_json):
    """List the appeals in the ledger."""
    from appeal.commands.track import list_appeals

    result = list_appeals(settings_from(workspace=workspace), db, status, payer, since, today)
    if as_json:
        emit_json(result.as_dict())
    elif result.items:
        click.echo(_table(result.items, APPEAL_COLUMNS))
    else:
        say("no appeals")
    return result.exit_code


@track.command(epilog=examples("appeal track due --within 14", "appeal track due --json"))
@click.option("--within", type=click.IntRange(min=0), default=None, help="Only what is due within DAYS.")
@today_option
@ledger_options
@guarded
def due(within, today, db, workspace, as_json):
    """The worklist: appeals to send, follow-ups due, next levels to file; PAST DUE first."""
    from appeal.commands.track import due as run

    result = run(settings_from(workspace=workspace), db, within, today)
    if as_json:
        emit_json(result.as_dict())
    elif result.items:
        click.echo(_table(result.items, [("flag", ""), ("due", "due"), ("appeal", "appeal"), ("action", "to do"),
                                         ("payer", "payer"), ("claim", "claim"), ("reason", "reason")]))
    else:
        say("nothing due")
    return result.exit_code


@track.command(epilog=examples("appeal track export --xlsx appeals.xlsx", "appeal track export --csv appeals.csv"))
@file_option("--csv", "csv_file", "Write the appeals as CSV.")
@file_option("--xlsx", "xlsx_file", "Write the appeals as an Excel workbook.")
@today_option
@ledger_options
@guarded
def export(csv_file, xlsx_file, today, db, workspace, as_json):
    """Write every appeal to a spreadsheet for the office (it holds PHI: keep it private)."""
    from appeal.commands.track import export as run
    from appeal.errors import Problem, TrackError

    if csv_file is None and xlsx_file is None:
        raise TrackError([Problem("track export", "no file named", accepted="--csv FILE or --xlsx FILE")])
    result = run(settings_from(workspace=workspace), db, csv_file, xlsx_file, today)
    say(f"{len(result.items)} appeal(s) written to {', '.join(str(f) for f in (csv_file, xlsx_file) if f)}")
    if as_json:
        emit_json(result.as_dict())
    return result.exit_code



@track.command(epilog=examples("appeal track reconcile NEXT-ERA.835", "appeal track reconcile NEXT-ERA.835 --json"))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@user_option
@ledger_options
@guarded
def reconcile(files, by, db, workspace, as_json):
    """Record the outcomes a later X12 835 remittance gives the appeals sent (never twice)."""
    from appeal.commands.track import reconcile as run

    result = run(settings_from(workspace=workspace, near=files[0]), db, files, by)
    for warning in result.warnings:
        say(f"warning: {warning}")
    recorded = [m for m in result.items if m["recorded"]]
    say(f"{len(recorded)} outcome(s) recorded, {len(result.items) - len(recorded)} already recorded, "
        f"{len(result.extra['unmatched'])} claim(s) matched no appeal")
    if as_json:
        emit_json(result.as_dict())
    else:
        if result.items:
            click.echo(_table(result.items, [("appeal", "appeal"), ("claim", "claim"), ("result", "result"),
                                             ("recovered", "recovered"), ("how", "matched by"), ("note", "note")]))
        if result.extra["unmatched"]:
            click.echo("not matched:")
            click.echo(_table(result.extra["unmatched"], [("claim", "claim"), ("status", "status"),
                                                          ("reason", "why")]))
    return result.exit_code


@track.command("next", epilog=examples("appeal track next --claim CLAIM -o out/"))
@click.argument("letters", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@which_options
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the letter.")
@click.option("--format", "formats", type=click.Choice(["docx", "pdf"]), multiple=True,
              help="Only these formats (default: both).")
@click.option("--date", type=DateType(), default=None,
              help="The letter date (default: SOURCE_DATE_EPOCH, or today; never the first letter's appeal.date).")
@user_option
@ledger_options
@guarded
def next_(letters, appeal_id, claim, carc, payer, out_dir, formats, date, by, db, workspace, as_json):
    """Write the next level's letter for the appeal of LETTERS (or --appeal, --claim) after an upheld decision
    (second level, Medicare reconsideration, external review), its prior decision taken from the ledger; recorded
    as drafted. Its verdict comes last, as generate's (exit 1 when blocked)."""
    from appeal.checks import findings_text
    from appeal.commands.track import next_letter

    settings = settings_from(date=date, workspace=workspace)
    result = next_letter(settings, db, _which(letters, appeal_id, claim, carc, payer), out_dir,
                         formats or ("docx", "pdf"), by)
    for warning in result.extra["warnings"]:
        say(f"warning: {warning}")
    for line in findings_text(result.findings):
        say(line)
    for row in result.items:
        say(f"{row['id']}: {row['level']} letter drafted (appeal by {row['appeal_by'] or 'unknown'})")
    if as_json:
        emit_json(result.as_dict())
    else:
        for path in result.extra["outputs"]:
            click.echo(path)
    say_verdict(result.verdict)
    return result.exit_code


@track.command(epilog=examples("appeal track stats --by carc --html stats.html", "appeal track stats --json"))
@click.option("--by", type=click.Choice(["payer", "carc", "template", "provider", "month"]), default="payer",
              show_default=True, help="One row per payer, reason code, template, provider or month sent.")
@since_option
@file_option("--html", "html_file", "Also write one self-contained page with the table and the charts.")
@file_option("--png", "png_file", "Also write the charts as one PNG image.")
@ledger_options
@guarded
def stats(by, since, html_file, png_file, db, workspace, as_json):
    """Appeals sent, overturn rate, dollars recovered and median days to a decision."""
    from appeal.commands.track import stats as run

    result = run(settings_from(workspace=workspace), db, by, since, html_file, png_file)
    for written in (html_file, png_file):
        if written:
            say(f"wrote {written}")
    if as_json:
        emit_json(result.as_dict())
    else:
        rows = [*result.items, {by: "all", **result.extra["total"]}]
        for row in rows:
            rate = row["overturn_rate"]
            row["rate"] = f"{rate * 100:.1f}%" if rate is not None else ""
        click.echo(_table(rows, [(by, by), ("appeals", "appeals"), ("sent", "sent"), ("decided", "decided"),
                                 ("overturned", "overturned"), ("rate", "overturn rate"),
                                 ("recovered", "recovered"), ("median_days_to_decision", "median days")]))
    return result.exit_code
