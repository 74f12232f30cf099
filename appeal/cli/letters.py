"""``appeal generate`` and ``appeal validate``: one case file, one letter."""

from __future__ import annotations

from pathlib import Path

import click

from appeal.cli import (EXIT_OK, citations_option, cli, date_option, emit_json, guarded, json_option, say,
                        settings_from, templates_option, workspace_option)


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the letters.")
@click.option("--format", "formats", type=click.Choice(["docx", "pdf"]), multiple=True,
              help="Only these formats (default: both).")
@date_option
@templates_option
@citations_option
@workspace_option
@json_option
@guarded
def generate(case, out_dir, formats, date, template_dirs, citation_dirs, workspace, as_json):
    """Write the appeal letter for CASE (a case YAML file) as DOCX and PDF."""
    from appeal.generate import FORMATS, generate as run

    result = run(case, out_dir, settings_from(date, template_dirs, citation_dirs, workspace, near=case),
                 formats or FORMATS)
    say(f"template: {result.prepared.template.id} ({result.prepared.reason})")
    for warning in result.prepared.warnings:
        say(f"warning: {warning}")
    if as_json:
        emit_json(result.as_dict())
    else:
        for path in result.outputs:
            click.echo(str(path))
    return EXIT_OK


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@date_option
@templates_option
@citations_option
@workspace_option
@json_option
@guarded
def validate(case, date, template_dirs, citation_dirs, workspace, as_json):
    """Check CASE and compose its letter without writing anything."""
    from appeal.generate import prepare

    prepared = prepare(case, settings_from(date, template_dirs, citation_dirs, workspace, near=case))
    for warning in prepared.warnings:
        say(f"warning: {warning}")
    if as_json:
        emit_json({"ok": True, "case": str(case), "template": prepared.template.id, "reason": prepared.reason,
                   "warnings": prepared.warnings})
    else:
        say(f"{case}: valid; template {prepared.template.id} ({prepared.reason})")
    return EXIT_OK
