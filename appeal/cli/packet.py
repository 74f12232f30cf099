"""``appeal packet``: the letter and its enclosures' files as one PDF for a payer's portal."""

from __future__ import annotations

from pathlib import Path

import click

from appeal.cli import (EXIT_OK, cli, emit_json, guarded, json_option, letter_options, say, settings_from)


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the packet.")
@letter_options
@json_option
@guarded
def packet(case, out_dir, date, template_dirs, citation_dirs, workspace, as_json):
    """Write the appeal packet for CASE: the letter, then each enclosure that has a file (PDF, PNG, JPEG or
    TIFF), every enclosure page stamped with its exhibit and page, as one PDF."""
    from appeal.packet import write_packet

    result = write_packet(case, out_dir, settings_from(date, template_dirs, citation_dirs, workspace, near=case))
    say(f"template: {result.prepared.template.id} ({result.prepared.reason})")
    for exhibit in result.packet["exhibits"]:
        say(f"exhibit {exhibit['exhibit']}: pages {exhibit['first_page']}-{exhibit['last_page']} "
            f"({exhibit['file']})")
    for warning in result.prepared.warnings:
        say(f"warning: {warning}")
    if as_json:
        emit_json(result.as_dict())
    else:
        for path in result.outputs:
            click.echo(str(path))
    return EXIT_OK
