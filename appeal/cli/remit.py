"""``appeal import-835``, ``appeal denials`` and ``appeal batch``: from remittances to letters."""

from __future__ import annotations

from pathlib import Path

import click

from appeal.cli.app import (
    EXIT_OK,
    EXIT_UNUSABLE,
    cli,
    collector_stays_off,
    emit_json,
    examples,
    fax_flags,
    guarded,
    json_option,
    letter_options,
    page_options,
    say,
    settings_from,
    templates_option,
    workspace_option,
)
from appeal.cli.table import KEEP, Column, echo_table, render
from appeal.cli.track import db_option, recorder_for, report_recorded
from appeal.render.formats import FORMATS

remit_files = click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))


@cli.command("import-835", epilog=examples("appeal import-835 ERA.835 -o cases/",
                                           "appeal import-835 ERA.835 -o cases/ --force"))
@remit_files
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the case files (default: the workspace's cases/ folder when a workspace is in use, "
                   "else cases/ here).")
@click.option("--force", is_flag=True, help="Replace case files that differ from the ones this import writes.")
@templates_option
@workspace_option
@json_option
@guarded
@collector_stays_off
def import_835(files, out_dir, force, template_dirs, workspace, as_json):
    """Write one case file per denial (claim and reason) found in the X12 835 FILES."""
    from appeal.commands.remit import import_835 as run

    settings = settings_from(None, template_dirs, (), workspace, near=files[0])
    if out_dir is None:  # the folder `appeal init` made for them (it is its owner's only: the cases hold PHI)
        out_dir = settings.workspace / "cases" if settings.workspace else Path("cases")
    result = run(files, out_dir, settings, force)
    for warning in result.warnings:
        say(f"warning: {warning}")
    to_fill = sum(1 for _, draft, _ in result.cases if draft.fill_in)
    say(f"{len(result.cases)} case file(s) in {out_dir}; {to_fill} with fields marked FILL IN")
    if as_json:
        emit_json(result.as_dict())
    elif result.cases:  # one write, not one (and a terminal check) per file
        click.echo("\n".join(str(path) for path, _, _ in result.cases))
    return EXIT_OK


@cli.command(epilog=examples("appeal denials ERA.835", "appeal denials ERA.835 --json"))
@remit_files
@workspace_option
@json_option
@guarded
@collector_stays_off
def denials(files, workspace, as_json):
    """List the denials in the X12 835 FILES (writes nothing)."""
    from appeal.commands.remit import list_denials

    result = list_denials(files, settings_from(workspace=workspace, near=files[0]))
    for problem in result.problems:
        say(f"error: {problem}")
    for warning in result.warnings:
        say(f"warning: {warning}")
    if as_json:
        emit_json(result.as_dict())
    elif result.rows:
        echo_table(denials_table(result.rows))
        for line in sources_said(result.rows):
            say(line)
        for reason in dict.fromkeys(r["appeal_by_missing"]["reason"] for r in result.rows if r["appeal_by_missing"]):
            say(f"no appeal-by date: {reason}")
    elif not result.problems:
        say("no denials")
    return EXIT_UNUSABLE if result.problems else EXIT_OK


DENIAL_COLUMNS = (Column("claim", 10), Column("account", 8), Column("patient", 10), Column("DOS"),
                  Column("code", 6, list=True), Column("mod", 3, list=True), Column("CARC"),
                  Column("RARC", 5, list=True), Column("amount"),
                  Column("appeal by", 10))
# Narrowed in this order until the table fits: the patient's name first; the money and reason never.
DENIAL_WRAP = (2, 4, 7, 5, 9, 1, 0)
FLAG_COLOUR = {"PAST DUE": "red", "due soon": "yellow"}  # bold, on a terminal


def sources_said(rows: list[dict]) -> list[str]:
    """Where the table's appeal-by dates came from: the payer directory, or a level's rule (its citation)."""
    counts: dict[str, int] = {}
    for row in rows:
        if row["appeal_by"]:
            counts[row["appeal_by"]["source"]] = counts.get(row["appeal_by"]["source"], 0) + 1
    return [f"appeal by: from the {source} for {n} denial{'s' if n != 1 else ''}" if source == "payer directory"
            else f"appeal by: from the rule of {source} for {n} denial{'s' if n != 1 else ''}"
            for source, n in counts.items()]


def denials_table(rows: list[dict], width: int = 100) -> list[str]:
    """The denials as lines of at most ``width`` characters; PAST DUE and due soon are coloured."""
    body = [[r["claim"], r["account"], r["patient"], r["dos"], ",".join(r["codes"]), ",".join(r["modifiers"]),
             "-".join(p for p in (r["group"], r["carc"]) if p) or "denied", ",".join(r["rarc"]), r["amount"],
             " ".join(filter(None, (r["appeal_by"]["due"], r["flag"].replace(" ", KEEP)))) if r["appeal_by"]
             else f"({r['appeal_by_missing']['short']})"] for r in rows]

    def style(text: str) -> str:
        for flag, colour in FLAG_COLOUR.items():
            if flag in text:
                text = text.replace(flag, click.style(flag, fg=colour, bold=True))
        return text

    return render(DENIAL_COLUMNS, body, width, DENIAL_WRAP, {len(DENIAL_COLUMNS) - 1: style})


@cli.command(epilog=examples("appeal batch ERA.835 -o out/",
                             "appeal batch claims.xlsx --columns columns.yaml -o out/"))
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the letters and summary.csv.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: all cores).")
@click.option("--force", is_flag=True, help="Make every letter again, even those an earlier run completed.")
@click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="Only these formats (default: both).")
@click.option("--strict", is_flag=True, help="Write only the letters whose verdict is ready; the others are "
                                            "listed as skipped, with their reasons.")
@click.option("--packet", is_flag=True, help="Also write each letter's appeal packet (the letter and its "
                                            "enclosures' files as one PDF).")
@click.option("--reference-docx", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A Word document whose styles, header and logo the DOCX letters use "
                   "(default: practice.reference_docx in appeal.yaml).")
@click.option("--print", "print_to", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write FILE.pdf: every ready letter and its exhibits, in the summary's order, each letter "
                   "starting on an odd page (for duplex printing and mail).")
@fax_flags
@page_options
@click.option("--columns", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A column map (YAML, 'Your Header: field') for CSV and XLSX inputs with your own headers "
                   "(default: csv_columns in appeal.yaml).")
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the summary (the day's worklist) as this Excel workbook.")
@letter_options
@db_option
@json_option
@guarded
def batch(inputs, out_dir, jobs, force, formats, strict, packet, reference_docx, print_to, fax, tiff, tiff_g4,
          stationery, stationery_rest, columns, xlsx, date, template_dirs, citation_dirs, workspace, db, as_json):
    """Write the letters for every INPUT: case files, folders of them, X12 835 files, CSV or XLSX spreadsheets.

    out/summary.csv (and --xlsx) is the day's worklist, one row per denial. Ctrl-C stops after the letters in
    progress, writes the summary for what was done and exits 130: rerun the same command to resume.
    """
    from appeal.cli.progress import Progress
    from appeal.commands.batch.runner import run_batch
    from appeal.commands.batch.summary import SUMMARY

    progress = Progress()
    settings = settings_from(date, template_dirs, citation_dirs, workspace, near=inputs[0],
                             reference_docx=reference_docx, stationery=stationery, stationery_rest=stationery_rest)
    recorder = recorder_for(settings, db, "appeal batch ... --force")
    result = run_batch(inputs, out_dir, settings, jobs, force, formats or FORMATS, progress, recorder=recorder,
                       packet=packet, fax=fax, tiff=tiff, tiff_g4=tiff_g4, print_to=print_to, strict=strict,
                       columns=columns, xlsx=xlsx, started=progress.start)
    progress.close()
    report_recorded(recorder)
    for warning in result.warnings:
        say(f"warning: {warning}")
    for outcome in result.outcomes:
        if outcome.error:  # the error may name the file already ("nope.yaml: file not found")
            named = outcome.error.startswith(f"{outcome.label}:")
            say(f"{outcome.status}: {outcome.error if named else f'{outcome.label}: {outcome.error}'}")
    unreadable = result.count("unreadable")
    say(f"{result.count('written')} written"
        + (f" ({result.not_ready} not ready: see the verdict in summary.csv)" if result.not_ready else "")
        + f", {result.count('skipped')} skipped, {result.count('failed') + unreadable} failed"
        + (f" ({unreadable} unreadable)" if unreadable else "") + f"; summary: {result.summary}"
        + (f"; print file: {result.printed}" if result.printed else ""))
    if result.interrupted:
        say(f"interrupted: {SUMMARY} lists the {sum(result.counts.values())} item(s) done; rerun the same command to "
            "resume")
    if as_json:
        emit_json(result.as_dict())
    return result.exit_code
