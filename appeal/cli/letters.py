"""``appeal generate`` and ``appeal validate``: one case file, one letter."""

from __future__ import annotations

from pathlib import Path

import click

from appeal.cli.app import (
    EXIT_OK,
    EXIT_PROBLEMS,
    cli,
    collector_stays_off,
    emit_json,
    examples,
    guarded,
    json_option,
    letter_options,
    page_options,
    report_generated,
    resume_gc,
    say,
    settings_from,
)
from appeal.cli.track import db_option, recorder_for, report_recorded
from appeal.render.formats import FORMATS


@cli.command(epilog=examples("appeal generate samples/upmc-76496-specific-code.yaml -o out/",
                             "appeal generate CASE.yaml -o out/ --packet --strict"))
@click.argument("case", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the letters.")
@click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="Only these formats (default: both).")
@click.option("--strict", is_flag=True, help="Write only a letter whose verdict is ready; else nothing (exit 1).")
@click.option("--packet", is_flag=True, help="Also write the appeal packet: the letter and its enclosures' files "
                                            "as one PDF.")
@click.option("--allow-outside", is_flag=True, help="With --packet: take enclosure files from outside the case's "
                                                    "folder and the workspace.")
@click.option("--reference-docx", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A Word document whose styles, header and logo the DOCX letter uses "
                   "(default: practice.reference_docx in appeal.yaml).")
@page_options
@letter_options
@db_option
@json_option
@guarded
@collector_stays_off
def generate(case, out_dir, formats, strict, packet, allow_outside, reference_docx, stationery, stationery_rest,
             date, template_dirs, citation_dirs, workspace, db, as_json):
    """Write the appeal letter for CASE (a case YAML file) as DOCX and PDF."""
    from appeal.commands.generate import generate as run

    if packet:  # the enclosures' PDFs and images: their cycles are collected as they go
        resume_gc()
    shown: list[str] = []

    def announce(prepared) -> None:
        """The template chosen and why, and every warning so far, before anything is written."""
        say(f"template: {prepared.template.id} ({prepared.reason})")
        for warning in prepared.warnings:
            say(f"warning: {warning}")
        shown.extend(prepared.warnings)

    settings = settings_from(date, template_dirs, citation_dirs, workspace, near=case, reference_docx=reference_docx,
                             allow_outside=allow_outside, stationery=stationery, stationery_rest=stationery_rest)
    recorder = recorder_for(settings, db, "appeal generate")
    result = run(case, out_dir, settings, formats or FORMATS, packet=packet, strict=strict, notify=announce,
                 recorder=recorder)
    report_recorded(recorder)
    for warning in result.prepared.warnings[len(shown):]:
        say(f"warning: {warning}")
    return report_generated(result, "letter", as_json)


@cli.command(epilog=examples("appeal validate CASE.yaml", "appeal validate CASE.yaml --json"))
@click.argument("case", type=click.Path(path_type=Path))
@letter_options
@json_option
@guarded
@collector_stays_off
def validate(case, date, template_dirs, citation_dirs, workspace, as_json):
    """Check CASE, compose its letter and run the coding check, without writing anything.

    Exit 1 when the coding check finds errors (as `appeal check` does).
    """
    from appeal.checks import findings_text, has_errors
    from appeal.commands.generate import validate as run
    from appeal.commands.generate import verdict_of

    prepared, findings = run(case, settings_from(date, template_dirs, citation_dirs, workspace, near=case))
    for warning in prepared.warnings:
        say(f"warning: {warning}")
    for line in findings_text(findings):
        say(line)
    errors = has_errors(findings)
    verdict = verdict_of(prepared, findings)
    if as_json:
        emit_json({"case": str(case), "template": prepared.template.id,
                   "reason": prepared.reason, "warnings": prepared.warnings,
                   "findings": [f.as_dict() for f in findings], "verdict": verdict.as_dict()})
    else:
        say(f"{case}: {'valid, but the coding check found errors' if errors else 'valid'}; "
            f"template {prepared.template.id} ({prepared.reason})")
    say(verdict.line())
    return EXIT_PROBLEMS if errors else EXIT_OK
