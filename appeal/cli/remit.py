"""``appeal import-835``, ``appeal denials`` and ``appeal batch``: from remittances to letters."""

from __future__ import annotations

from pathlib import Path

import click

from appeal.cli.app import (
    EXIT_OK,
    EXIT_UNUSABLE,
    cli,
    emit_json,
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
from appeal.cli.track import db_option, recorder_for, report_recorded
from appeal.render.formats import FORMATS

remit_files = click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))


@cli.command("import-835")
@remit_files
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("cases"),
              show_default=True, help="Folder for the case files.")
@click.option("--force", is_flag=True, help="Replace case files that differ from the ones this import writes.")
@templates_option
@workspace_option
@json_option
@guarded
def import_835(files, out_dir, force, template_dirs, workspace, as_json):
    """Write one case file per denial (claim and reason) found in the X12 835 FILES."""
    from appeal.commands.remit import import_835 as run

    result = run(files, out_dir, settings_from(None, template_dirs, (), workspace, near=files[0]), force)
    for warning in result.warnings:
        say(f"warning: {warning}")
    to_fill = sum(1 for _, draft, _ in result.cases if draft.fill_in)
    say(f"{len(result.cases)} case file(s) in {out_dir}; {to_fill} with fields marked FILL IN")
    if as_json:
        emit_json(result.as_dict())
    else:
        for path, _, _ in result.cases:
            click.echo(str(path))
    return EXIT_OK


@cli.command()
@remit_files
@workspace_option
@json_option
@guarded
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
        click.echo(result.table())
    else:
        say("no denials")
    return EXIT_UNUSABLE if result.problems else EXIT_OK


@cli.command()
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
@letter_options
@db_option
@json_option
@guarded
def batch(inputs, out_dir, jobs, force, formats, strict, packet, reference_docx, print_to, fax, tiff, tiff_g4,
          stationery, stationery_rest, date, template_dirs, citation_dirs, workspace, db, as_json):
    """Write the letters for every INPUT: case files, folders of them, X12 835 files or CSV files."""
    from appeal.cli.progress import Progress
    from appeal.commands.batch.runner import run_batch

    progress = Progress()
    settings = settings_from(date, template_dirs, citation_dirs, workspace, near=inputs[0],
                             reference_docx=reference_docx, stationery=stationery, stationery_rest=stationery_rest)
    recorder = recorder_for(settings, db, "appeal batch ... --force")
    result = run_batch(inputs, out_dir, settings, jobs, force, formats or FORMATS, progress, recorder=recorder,
                       packet=packet, fax=fax, tiff=tiff, tiff_g4=tiff_g4, print_to=print_to, strict=strict)
    progress.close()
    report_recorded(recorder)
    for warning in result.warnings:
        say(f"warning: {warning}")
    for outcome in result.outcomes:
        if outcome.error:
            say(f"{outcome.status}: {outcome.label}: {outcome.error}")
    review = sum(1 for o in result.outcomes if o.verdict and o.verdict != "ready")
    say(f"{result.count('written')} written ({review} not ready: see the verdict in summary.csv), "
        f"{result.count('skipped')} skipped, {result.count('failed')} failed, "
        f"{result.count('unreadable')} unreadable; summary: {result.summary}"
        + (f"; print file: {result.printed}" if result.printed else ""))
    if as_json:
        emit_json(result.as_dict())
    return result.exit_code
