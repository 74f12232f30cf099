"""The ``appeal`` command group and what its commands share: options, error handling, output.

Exit status, for every command: 0 done; 1 ran but found problems; 2 the input could
not be used. ``--json`` prints exactly one JSON document on stdout; every message,
warning and error goes to stderr. No command shows a traceback.

Library modules are imported inside the commands, so ``appeal --help`` stays instant.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
import os
import sys
from pathlib import Path
from typing import Callable

import click

from appeal import __version__

EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2


class DateType(click.ParamType):
    name = "YYYY-MM-DD"
    accepted = "a date: YYYY-MM-DD or MM/DD/YYYY"  # what a usage error's JSON says is accepted

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        from appeal.inputs.fields import parse_date

        parsed = parse_date(value)
        if parsed is None:
            self.fail(f"'{value}' is not a date (accepted: YYYY-MM-DD or MM/DD/YYYY)", param, ctx)
        return parsed


JSON_KEY = "appeal.json"


def emit_json(document: dict) -> None:
    """Hand the command's JSON document to :func:`guarded`, which prints it once the exit status is known.

    Every document is an object whose ``ok`` is true exactly when the exit status is 0
    (the shapes are JSON Schemas in docs/json/); ``ok`` is set here, in one place.
    """
    click.get_current_context().meta[JSON_KEY] = document


def _print_json(document: dict, code: int) -> None:
    body = {key: value for key, value in document.items() if key != "ok"}
    click.echo(json.dumps({"ok": code == EXIT_OK, **body}, indent=2, ensure_ascii=False, default=str))


def examples(*lines: str) -> str:
    """A command's help epilog: one or two examples, the last thing ``--help`` shows."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


# The order of the work: set up, see the denials, make the letters, check them, send them, follow them up.
COMMAND_ORDER = ("init", "denials", "import-835", "generate", "validate", "check", "packet", "batch", "track",
                 "templates", "citations", "codes")


def _usage_json(exc: click.UsageError, args: list[str]) -> None:
    """With ``--json``, a usage error (an unknown option or command, a missing argument, a bad value) is one JSON
    document on stdout too, as every other error is (no file or line: it is the command line's); click still says it
    on stderr and exits 2."""
    if "--json" not in args:
        return
    param = getattr(exc, "param", None)
    field = (param.opts[0] if param is not None and getattr(param, "opts", None) else getattr(param, "name", None)) \
        or getattr(exc, "option_name", None)
    kind = getattr(param, "type", None)
    accepted = ("one of: " + ", ".join(map(str, kind.choices)) if isinstance(kind, click.Choice)
                else getattr(kind, "accepted", None))
    _print_json({"errors": [{"field": field, "message": exc.format_message(), "accepted": accepted}]}, exc.exit_code)


class _JsonUsage:
    """Usage errors in parsing a command's arguments are a JSON document under ``--json`` (:func:`_usage_json`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except click.UsageError as exc:
            _usage_json(exc, given)
            raise


class JsonUsage(_JsonUsage, click.Command):
    """A command whose usage errors are a JSON document under ``--json``."""


class InOrder(_JsonUsage, click.Group):
    """A group whose commands are listed in the order they are defined (list, show, new, check), not A to Z;
    its commands' usage errors, and its own, are JSON under ``--json``."""

    command_class = JsonUsage

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            name, command, rest = super().resolve_command(ctx, args)
            if ctx.meta.get(WORKSPACE_GIVEN) is not None and command is not None \
                    and not isinstance(command, click.Group) and not any(p.name == "workspace" for p in command.params):
                raise click.UsageError(f"--workspace: '{ctx.command_path} {name}' reads no workspace (accepted: "
                                       "--workspace before a command that reads one, e.g. appeal --workspace "
                                       "DIR track due)", ctx=ctx)
            return name, command, rest
        except click.UsageError as exc:
            _usage_json(exc, args)
            raise


class WorkOrder(InOrder):
    """The top level: commands in the order of the work (``COMMAND_ORDER``); any other after them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(super().list_commands(ctx), key=lambda name: rank.get(name, len(rank)))


_GC_PAUSED: list[bool] = []  # [True] while main() holds the cyclic garbage collector off


def pause_gc(collecting: bool | None = None) -> None:
    """The cyclic garbage collector off while the process starts (``main``): the modules and tables an import
    makes live as long as the process, so its passes over them free nothing and cost a cold ``generate`` about
    20 ms. Reference counting still frees everything else. Each command turns it back on before its work
    (:func:`guarded`), but for those that run once and end (:func:`collector_stays_off`).

    ``collecting``: whether it was on before the caller turned it off itself (``python -m appeal`` does,
    before its first import)."""
    if collecting is None:
        collecting = gc.isenabled()
    if collecting and not _GC_PAUSED:
        gc.disable()
        _GC_PAUSED.append(True)


def resume_gc() -> None:
    """The collector back on, if :func:`pause_gc` turned it off."""
    if _GC_PAUSED:
        _GC_PAUSED.clear()
        gc.enable()


def collector_stays_off(func: Callable) -> Callable:
    """A command that runs once and ends, making little cyclic garbage: the collector stays off to its end.
    One letter (``generate``, ``validate``: a letter's cycles are a few MB, and the process ends with them),
    or a remittance read into tens of thousands of objects none of which is in a cycle (``import-835``,
    ``denials``: the collector's passes over them free nothing). Put it under ``@guarded``."""
    func.keeps_gc_paused = True  # type: ignore[attr-defined]
    return func


def say(message: str) -> None:
    click.echo(message, err=True)


def guarded(func: Callable) -> Callable:
    """Turn every user-caused error into its message and exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from appeal.errors import AppealError, origin

        as_json = kwargs.get("as_json", False)
        meta = click.get_current_context().meta
        if not getattr(func, "keeps_gc_paused", False):
            resume_gc()
        try:
            if os.environ.get("SOURCE_DATE_EPOCH", "").strip():  # checked before any command reads it (or reportlab)
                from appeal.inputs.case import source_date_epoch

                source_date_epoch()
            code = func(*args, **kwargs) or EXIT_OK
            if JSON_KEY in meta:
                _print_json(meta.pop(JSON_KEY), code)
        except AppealError as exc:
            for problem in exc.problems:
                say(f"error: {problem}")
            if as_json:
                _print_json({"errors": [p.as_dict() for p in exc.problems]}, exc.exit_code)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            say("interrupted")
            sys.exit(130)
        except BrokenPipeError:  # the reader stopped early (`appeal citations list | head`): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_OK)
        except click.exceptions.Exit:
            raise
        except Exception as exc:  # a bug of ours: say so plainly, without a traceback, and without its message
            say(f"error: internal error ({type(exc).__name__} at {origin(exc)}); please report it")
            if as_json:
                _print_json({"errors": [{"message": f"internal error: {type(exc).__name__}"}]}, EXIT_UNUSABLE)
            sys.exit(EXIT_UNUSABLE)
        sys.exit(code)

    return wrapper


json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
date_option = click.option("--date", type=DateType(), default=None,
                           help="The letter date (default: appeal.date, SOURCE_DATE_EPOCH, or today).")
templates_option = click.option("--templates", "template_dirs", multiple=True,
                                type=click.Path(file_okay=False, path_type=Path),
                                help="A folder of your own templates, searched before the built-ins (repeatable).")
WORKSPACE_GIVEN = "appeal.workspace"  # ctx.meta (shared by every context of a run): the --workspace before the command


def _given_before(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    ctx.meta[WORKSPACE_GIVEN] = value


def _or_given_before(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """A command's own ``--workspace``, else the one given before the command (``appeal --workspace DIR ...``)."""
    return value if value is not None else ctx.meta.get(WORKSPACE_GIVEN)


workspace_option = click.option("--workspace", type=click.Path(file_okay=False, path_type=Path), default=None,
                                callback=_or_given_before,
                                help="The practice workspace (appeal.yaml); default: the one given before the "
                                     "command, else found from the current folder or the case file's folder.")
citations_option = click.option("--citations", "citation_dirs", multiple=True,
                                type=click.Path(file_okay=False, path_type=Path),
                                help="A folder of your own citation files, searched first (repeatable).")


stationery_options = (
    click.option("--stationery", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="A one-page PDF of your printed letterhead: the PDF letter's page 1 is laid over it "
                      "(default: practice.stationery.first_page)."),
    click.option("--stationery-rest", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="A one-page PDF under every page after the first (default: plain pages)."),
)


fax_options = (
    click.option("--fax", is_flag=True, help="Also write the fax PDF: a cover sheet, then the letter and its "
                                             "exhibits in black and white."),
    click.option("--tiff", is_flag=True, help="Also write the fax as a TIFF Class F (204 x 196 dpi, Group 3 2-D) "
                                              "for fax servers."),
    click.option("--tiff-g4", is_flag=True, help="The TIFF in Group 4 instead of Group 3."),
)


def fax_flags(func: Callable) -> Callable:
    """``--fax``, ``--tiff``, ``--tiff-g4``."""
    for option in reversed(fax_options):
        func = option(func)
    return func


def page_options(func: Callable) -> Callable:
    """``--stationery`` and ``--stationery-rest``: what the PDF letter is printed on."""
    for option in reversed(stationery_options):
        func = option(func)
    return func


def letter_options(func: Callable) -> Callable:
    """``--date``, ``--templates``, ``--citations``, ``--workspace``: where a letter's parts come from."""
    for option in reversed((date_option, templates_option, citations_option, workspace_option)):
        func = option(func)
    return func


@click.group(cls=WorkOrder, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=examples("appeal init my-practice/", "appeal batch ERA.835 -o out/"))
@click.version_option(__version__, "-V", "--version", prog_name="appeal")
@click.option("--workspace", type=click.Path(file_okay=False, path_type=Path), default=None, expose_value=False,
              callback=_given_before, help="The practice workspace for the command after it, as the command's own "
                                           "--workspace (appeal --workspace DIR track due).")
def cli() -> None:
    """Turn a payer's claim denial into a cited appeal letter (DOCX and PDF).

    The work, in order: init a workspace, list the denials in a remittance, make the
    letters (generate, or batch for a day's remittance), check them, send them.
    """


def settings_from(date=None, template_dirs=(), citation_dirs=(), workspace=None, near: Path | None = None,
                  reference_docx: Path | None = None, allow_outside: bool = False, stationery: Path | None = None,
                  stationery_rest: Path | None = None, mail: bool = False):
    """The library's settings from the common options; the workspace is found when not given."""
    from appeal.inputs.workspace import find_workspace
    from appeal.settings import Settings

    if workspace is None:
        workspace = find_workspace() or (find_workspace(Path(near).parent) if near else None)
    return Settings(date=date, template_dirs=tuple(template_dirs), citation_dirs=tuple(citation_dirs),
                    workspace=workspace, reference_docx=reference_docx, allow_outside=allow_outside,
                    stationery=stationery, stationery_rest=stationery_rest, mail=mail)


def report_generated(result, what: str, as_json: bool) -> int:
    """The end of ``generate`` and ``packet``: the check's findings, then the JSON document or the paths."""
    from appeal.checks import findings_text

    for line in findings_text(result.findings):
        say(line)
    verdict = result.verdict
    if result.blocked:
        say(f"strict: the letter is {verdict.status}, not ready; no {what} was written")
    if as_json:
        emit_json(result.as_dict())
    else:
        for path in result.outputs:
            click.echo(str(path))
    say_verdict(verdict)
    return EXIT_PROBLEMS if result.blocked or verdict.status == "blocked" else EXIT_OK


def say_verdict(verdict) -> None:
    """A letter's verdict on stderr: each reason, then the verdict's line (ready, review or blocked), the last
    line a command that writes a letter prints."""
    from appeal.checks.verdict import REASONS

    for reason in verdict.reasons:
        say(f"{REASONS[reason.code][0]}: {reason.message} [{reason.code}]")
    say(verdict.line())
