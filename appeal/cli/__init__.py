"""The ``appeal`` command line: each command parses options and calls one function in ``appeal.commands``.

Exit status, for every command: 0 done; 1 ran but found problems; 2 the input could
not be used. ``--json`` prints exactly one JSON document on stdout; every message,
warning and error goes to stderr. No command shows a traceback.

The group and its shared options are in :mod:`appeal.cli.app`; each command group
lives in its own module and registers itself on the group when imported here.
Library modules are imported inside the commands, so ``appeal --help`` stays instant.
"""

from __future__ import annotations

from appeal import coldstart

coldstart.install()  # before the commands' first dataclass or pattern: what they compile, kept for the next run

from appeal.cli import authoring, check, letters, packet, remit, track  # noqa: E402, F401  registers the commands
from appeal.cli.app import cli, pause_gc  # noqa: E402

__all__ = ["cli", "main"]


def main() -> None:
    """The ``appeal`` program: one command, then the process exits (click ends it), without a collector
    pass on the way out; the command turns the collector back on when it begins (``app.guarded``)."""
    pause_gc()
    cli(prog_name="appeal")
