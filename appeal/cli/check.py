"""``appeal check``: the coding check on one or more case files (see appeal/checks/)."""

from __future__ import annotations

from pathlib import Path

import click

from appeal.cli.app import (
    citations_option,
    cli,
    emit_json,
    examples,
    guarded,
    json_option,
    say,
    settings_from,
    templates_option,
    workspace_option,
)


@cli.command(epilog=examples("appeal check CASE.yaml", "appeal check cases/*.yaml --json"))
@click.argument("cases", nargs=-1, required=True, type=click.Path(path_type=Path))
@templates_option
@citations_option
@workspace_option
@json_option
@guarded
def check(cases, template_dirs, citation_dirs, workspace, as_json):
    """Check CASES for the wrong code, a weak appeal and a missed deadline.

    Exit 0 when no errors, 1 when a check found errors, 2 when a case cannot be read (the
    others are still checked). --json prints {"ok", "cases": [{case, readable, findings, errors}]}.
    """
    from appeal.checks import exit_status, report_text
    from appeal.commands.check import check_files

    reports = check_files(cases, settings_from(None, template_dirs, citation_dirs, workspace, near=cases[0]))
    for report in reports:
        for problem in report.problems:
            say(f"error: {problem}")
    if as_json:
        emit_json({"cases": [report.as_dict() for report in reports]})
    else:
        for line in report_text(reports):
            click.echo(line)
    return exit_status(reports)
