"""``appeal packet``: the letter and its enclosures' files as one PDF for a payer's portal."""

from __future__ import annotations

from pathlib import Path

import click

from appeal.cli.app import (
    cli,
    examples,
    fax_flags,
    guarded,
    json_option,
    letter_options,
    page_options,
    report_generated,
    say,
    settings_from,
)
from appeal.cli.track import db_option, recorder_for, report_recorded


@cli.command(epilog=examples("appeal packet CASE.yaml -o out/", "appeal packet CASE.yaml -o out/ --strict"))
@click.argument("case", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the packet.")
@click.option("--strict", is_flag=True, help="Write only a letter whose verdict is ready; else nothing (exit 1).")
@click.option("--allow-outside", is_flag=True, help="Take enclosure files from outside the case's folder and the "
                                                    "workspace.")
@fax_flags
@page_options
@letter_options
@db_option
@json_option
@guarded
def packet(case, out_dir, strict, allow_outside, fax, tiff, tiff_g4, stationery, stationery_rest, date,
           template_dirs, citation_dirs, workspace, db, as_json):
    """Write the appeal packet for CASE: the letter, then each enclosure that has a file (PDF, PNG, JPEG or
    TIFF), every enclosure page stamped with its exhibit and page, as one PDF."""
    from appeal.commands.generate import write_packet

    settings = settings_from(date, template_dirs, citation_dirs, workspace, near=case, allow_outside=allow_outside,
                             stationery=stationery, stationery_rest=stationery_rest)
    recorder = recorder_for(settings, db, "appeal packet")
    result = write_packet(case, out_dir, settings, strict=strict, fax=fax, tiff=tiff, tiff_g4=tiff_g4,
                          recorder=recorder)
    report_recorded(recorder)
    say(f"template: {result.prepared.template.id} ({result.prepared.reason})")
    for exhibit in (result.packet or {}).get("exhibits", []):
        first, last = exhibit["first_page"], exhibit["last_page"]
        pages = f"page {first}" if first == last else f"pages {first}-{last}"
        say(f"exhibit {exhibit['exhibit']}: {pages} ({exhibit['file']})")
    for warning in result.prepared.warnings:
        say(f"warning: {warning}")
    return report_generated(result, "packet", as_json)
