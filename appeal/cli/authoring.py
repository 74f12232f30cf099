"""``appeal templates``, ``appeal citations``, ``appeal codes`` and ``appeal init``.

What a biller needs to extend the letters: the templates found (and where), a copy
to edit, a check with file and line for every problem; the citation library's ids and
passages; the official CARC/RARC descriptions; a new practice workspace.
"""

from __future__ import annotations

from pathlib import Path

import click

from appeal.cli.app import (
    EXIT_OK,
    EXIT_PROBLEMS,
    InOrder,
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

# -- templates ------------------------------------------------------------------------------

@cli.group(cls=InOrder, epilog=examples("appeal templates list",
                                           "appeal templates new my-denial --from generic-reconsideration "
                                           "--dir my-practice/templates"))
def templates() -> None:
    """The letter templates: list, show, copy to edit, check."""


@templates.command("list", epilog=examples("appeal templates list", "appeal templates list --json"))
@templates_option
@workspace_option
@json_option
@guarded
def templates_list(template_dirs, workspace, as_json):
    """Every template found, with the CARC codes it answers and where it comes from."""
    from appeal.commands.authoring import list_templates

    found = list_templates(settings_from(template_dirs=template_dirs, workspace=workspace).templates())
    if as_json:
        emit_json({"templates": [meta.as_dict() for meta in found]})
        return EXIT_OK
    for meta in found:
        answers = [", ".join(meta.carc)] if meta.carc else []
        answers += [f"{', '.join(c.carc)} {c.when}" for c in meta.carc_when]
        click.echo(f"{meta.id}\t{meta.title}\tCARC {'; '.join(answers) or '(none listed)'}\t{meta.origin}")
    return EXIT_OK


@templates.command("show", epilog=examples("appeal templates show specific-code-required",
                                            "appeal templates show specific-code-required > copy.md"))
@click.argument("template_id", metavar="ID")
@templates_option
@workspace_option
@json_option
@guarded
def templates_show(template_id, template_dirs, workspace, as_json):
    """Print template ID's file (front matter and body)."""
    from appeal.commands.authoring import fact_lines, template_source

    meta, text = template_source(settings_from(template_dirs=template_dirs, workspace=workspace).templates(),
                                 template_id)
    say(f"# {meta.file} ({meta.origin})")
    if as_json:
        emit_json({**meta.as_dict(), "source": text})
    else:
        click.echo(text, nl=False)
        click.echo("\n".join(["", *fact_lines(meta)]))
    return EXIT_OK


@templates.command("new", epilog=examples("appeal templates new my-denial --from generic-reconsideration "
                                           "--dir my-practice/templates"))
@click.argument("new_id", metavar="ID")
@click.option("--from", "from_id", required=True, metavar="ID", help="The template to copy.")
@click.option("--dir", "folder", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder for the copy (created if missing), e.g. your workspace's templates/.")
@templates_option
@workspace_option
@json_option
@guarded
def templates_new(new_id, from_id, folder, template_dirs, workspace, as_json):
    """Copy template --from to DIR/ID.md with the id changed, ready to edit (never overwrites)."""
    from appeal.commands.authoring import new_template

    settings = settings_from(template_dirs=template_dirs, workspace=workspace)
    written = new_template(settings.templates(), new_id, from_id, folder)
    if as_json:
        emit_json({"template": new_id, "files": [str(p) for p in written]})
    else:
        click.echo("\n".join(str(path) for path in written))
    # the workspace's own templates/ folder is searched without being named
    found = settings.workspace is not None and Path(folder).resolve() == (settings.workspace / "templates").resolve()
    say(f"edit {written[0]}, then run: appeal templates check {new_id}" + ("" if found else f" --templates {folder}"))
    return EXIT_OK


@templates.command("check", epilog=examples("appeal templates check", "appeal templates check my-denial "
                                                                      "--templates my-practice/templates"))
@click.argument("ids", nargs=-1, metavar="[ID]...")
@templates_option
@citations_option
@workspace_option
@json_option
@guarded
def templates_check(ids, template_dirs, citation_dirs, workspace, as_json):
    """Check templates (default: all): front matter, syntax, quoted passages, facts, and the example case.

    Exit 1 when any problem is found; exit 2 when an ID is not a template.
    """
    from appeal.commands.authoring import check_templates
    from appeal.errors import CitationError

    settings = settings_from(template_dirs=template_dirs, citation_dirs=citation_dirs, workspace=workspace)
    try:
        library, library_problems = settings.library(), []
    except CitationError as exc:
        library, library_problems = None, exc.problems
    result = check_templates(settings.templates(), library, tuple(ids), settings.load_workspace())
    result.problems[:0] = library_problems
    for problem in result.problems:
        say(f"error: {problem}")
    say(f"checked {len(result.checked)} template(s): " + ("no problems" if result.ok
                                                           else f"{len(result.problems)} problem(s)"))
    if as_json:
        emit_json(result.as_dict())
    return EXIT_OK if result.ok else EXIT_PROBLEMS


# -- citations ------------------------------------------------------------------------------

@cli.group(cls=InOrder, epilog=examples('appeal citations search "76499"',
                                           "appeal citations show cpt-assistant-2000-09"))
def citations() -> None:
    """The citation library: verbatim, attributed passages templates quote by id."""


def _library(citation_dirs, workspace):
    return settings_from(citation_dirs=citation_dirs, workspace=workspace).library()


@citations.command("list", epilog=examples("appeal citations list", "appeal citations list --json"))
@citations_option
@workspace_option
@json_option
@guarded
def citations_list(citation_dirs, workspace, as_json):
    """Every entry: id, kind, how it may be used, and its passage ids."""
    entries = sorted(_library(citation_dirs, workspace).entries.values(), key=lambda e: e.id)
    if as_json:
        emit_json({"citations": [{"id": e.id, "kind": e.kind, "use": e.use, "title": e.title,
                                  "attribution": e.attribution, "passages": list(e.passages), "file": e.file}
                                 for e in entries]})
        return EXIT_OK
    for e in entries:
        click.echo(f"{e.id}\t{e.kind}\t{e.use}\t{', '.join(e.passages) or '-'}\t{e.title}")
    return EXIT_OK


@citations.command("show", epilog=examples("appeal citations show cpt-assistant-2000-09",
                                            "appeal citations show cpt-76120 --json"))
@click.argument("citation_id", metavar="ID")
@citations_option
@workspace_option
@json_option
@guarded
def citations_show(citation_id, citation_dirs, workspace, as_json):
    """One entry: its source, attribution, passages (text after errata) and errata."""
    entry = _library(citation_dirs, workspace).get(citation_id)
    if as_json:
        emit_json(entry.as_dict())
        return EXIT_OK
    data = entry.as_dict()
    for key in ("id", "title", "kind", "use", "publication", "issue", "date", "page", "as_of", "attribution",
                "reference", "source", "note", "file"):
        if data[key]:
            click.echo(f"{key}: {data[key]}")
    for passage in entry.passages.values():
        click.echo(f"\n[{passage.id}] {passage.text or '(withdrawn by an erratum; cannot be quoted)'}")
        for text in passage.withdrawn:
            click.echo(f"  withdrawn: {text}")
    for erratum in entry.errata:
        click.echo(f"\nerratum {erratum.id} ({erratum.action}): {erratum.text}\n  {erratum.note}")
    return EXIT_OK


@citations.command("search", epilog=examples('appeal citations search "76499"',
                                              'appeal citations search "motion" --json'))
@click.argument("text")
@citations_option
@workspace_option
@json_option
@guarded
def citations_search(text, citation_dirs, workspace, as_json):
    """Passages (or entries) whose words contain TEXT, with the ids a template quotes them by."""
    if not text.strip():  # it would list every passage
        from appeal.errors import CitationError, Problem

        raise CitationError([Problem("TEXT", "is empty", accepted='a word or a few, e.g. appeal citations search '
                                                                 '"76499"')])
    hits = _library(citation_dirs, workspace).search(text)
    if as_json:
        emit_json({"results": [{"id": e.id, "passage": p.id if p else None, "text": p.text if p else None,
                                "attribution": e.attribution} for e, p in hits]})
        return EXIT_OK
    if not hits:
        say(f"no passage or entry contains '{text}'")
    for entry, passage in hits:
        if passage:
            click.echo(f'quote("{entry.id}", "{passage.id}")\t{passage.text}')
        else:
            click.echo(f'cite("{entry.id}")\t{entry.title}')
    return EXIT_OK


@citations.command("export", epilog=examples("appeal citations export --json > library.json"))
@citations_option
@workspace_option
@json_option
@guarded
def citations_export(citation_dirs, workspace, as_json):
    """Every entry with its passages (text after errata), errata and metadata, as one JSON document.

    The document is JSON with or without --json (the flag is accepted, as on every command).
    """
    from appeal.commands.authoring import export_citations

    emit_json(export_citations(_library(citation_dirs, workspace)))
    return EXIT_OK


# -- codes ----------------------------------------------------------------------------------

@cli.group(cls=InOrder, epilog=examples("appeal codes carc 189", "appeal codes rarc N657"))
def codes() -> None:
    """Official X12 descriptions of claim adjustment reason and remark codes, with their source."""


def _show_code(kind: str, code: str, as_json: bool) -> int:
    from appeal.commands.authoring import code_entry

    entry = code_entry(kind, code)
    if as_json:
        emit_json(entry.as_dict())
        return EXIT_OK
    click.echo(f"{kind.upper()} {entry.code}: {entry.description}")
    source = entry.source
    click.echo(f"source: {source.get('repository')} {source.get('path')} at {source.get('commit')}, "
               f"retrieved {source.get('retrieved')}")
    if entry.note:
        click.echo(f"note: {' '.join(entry.note.split())}")
    return EXIT_OK


@codes.command("carc", epilog=examples("appeal codes carc 189", "appeal codes carc 97 --json"))
@click.argument("code")
@json_option
@guarded
def codes_carc(code, as_json):
    """The description of claim adjustment reason code CODE (exit 2 when the table does not hold it)."""
    return _show_code("carc", code, as_json)


@codes.command("rarc", epilog=examples("appeal codes rarc N657", "appeal codes rarc MA130 --json"))
@click.argument("code")
@json_option
@guarded
def codes_rarc(code, as_json):
    """The description of remittance advice remark code CODE (exit 2 when the table does not hold it)."""
    return _show_code("rarc", code, as_json)


# -- init -----------------------------------------------------------------------------------

@cli.command(epilog=examples("appeal init my-practice/", "appeal init my-practice/ --json"))
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@json_option
@guarded
def init(folder, as_json):
    """Create a practice workspace in DIR: appeal.yaml (examples to replace), templates/, citations/, cases/."""
    from appeal.commands.authoring import init_workspace

    written = init_workspace(folder)
    if as_json:
        emit_json({"workspace": str(folder), "files": [str(p) for p in written]})
    else:
        click.echo("\n".join(str(path) for path in written))
    say(f"replace the example entries in {folder / 'appeal.yaml'} with your practice's and payers' details")
    return EXIT_OK
