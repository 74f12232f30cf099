"""What a cold start leaves out: the cyclic garbage collector's passes while the process starts and while a
one-letter command runs (appeal/cli/app.py ``pause_gc``), and modules a command does not use."""

from __future__ import annotations

import gc
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from appeal.cli.app import collector_stays_off, guarded, pause_gc, resume_gc

from conftest import ROOT, UPMC

_COUNTED = """
import gc, runpy, sys
passes = []
# counted from appeal's first import on (runpy may compile __main__.py before, where no bytecode is kept)
gc.callbacks.append(lambda phase, info: phase == "start" and "appeal.cli.app" in sys.modules
                    and passes.append(info["generation"]))
entry, sys.argv = sys.argv[1], ["appeal", *sys.argv[2:]]
try:
    if entry == "module":  # python -m appeal
        runpy.run_module("appeal", run_name="__main__")
    else:  # the appeal script, as pip writes it: import the entry point pyproject names, call it
        module, _, name = entry.partition(":")
        getattr(__import__(module, fromlist=[name]), name)()
except SystemExit:
    pass
print(len(passes), gc.isenabled(), sorted(m for m in ("xml.sax.saxutils", "urllib.request", "docx",
                                                     "appeal.commands.track")  # no ledger in use here
                                          if m in sys.modules), file=sys.stderr)
"""


SCRIPT = re.search(r'^appeal = "(.+)"$', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M).group(1)
ENTRIES = pytest.mark.parametrize("entry", ["module", SCRIPT], ids=["python -m appeal", "the appeal script"])


def _run(entry: str, *args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _COUNTED, entry, *args], capture_output=True, text=True, cwd=ROOT)
    return done.stderr.strip().splitlines()[-1].split(" ", 2)


@ENTRIES
def test_validate_and_generate_run_without_a_collector_pass(entry, tmp_path):
    """With the cache warm (compiled templates, the DOCX base, the faces), as every run after the first; the
    collector is off from the first import of the command line on, whichever way it starts."""
    _run(entry, "validate", str(UPMC), "--date", "2026-11-27")
    assert _run(entry, "validate", str(UPMC), "--date", "2026-11-27") == ["0", "False", "[]"]
    assert _run(entry, "generate", str(UPMC), "-o", str(tmp_path), "--date", "2026-11-27") == ["0", "False", "[]"]
    assert len(list(tmp_path.iterdir())) == 2


@ENTRIES
def test_other_commands_collect_once_they_begin(entry):
    passes, enabled, _ = _run(entry, "codes", "carc", "50")
    assert enabled == "True"


def test_the_collector_is_back_on_before_a_command_unless_it_makes_one_letter():
    seen = []

    @click.command()
    @guarded
    def any_command():
        seen.append(gc.isenabled())

    @click.command()
    @guarded
    @collector_stays_off
    def letter():
        seen.append(gc.isenabled())

    try:
        for command in (any_command, letter):
            pause_gc()
            assert not gc.isenabled()
            CliRunner().invoke(command, [])
            resume_gc()
        assert seen == [True, False] and gc.isenabled()
    finally:
        gc.enable()


def test_pausing_leaves_a_collector_someone_else_turned_off_off():
    gc.disable()
    try:
        pause_gc()
        resume_gc()
        assert not gc.isenabled()
    finally:
        gc.enable()


_AT_EXIT = """
import atexit, gc, sys
# registered first, so run last of the exit handlers, just before the interpreter's final collection
atexit.register(lambda: print(gc.get_freeze_count() > 20_000, len(gc.get_objects()) < 2_000, file=sys.stderr))
sys.argv = ["appeal", *sys.argv[1:]]
from appeal.__main__ import main
main()
"""


@pytest.mark.parametrize("args", [["--help"], ["validate", str(UPMC), "--date", "2026-11-27"],
                                  ["codes", "carc", "nonesuch"]], ids=["help", "validate", "an error"])
def test_the_final_collection_has_nothing_to_traverse(args):
    """However the command ends, what it holds is frozen before shutdown (``appeal.__main__``): the final
    collection does not walk every module and class only to free them as the process ends."""
    done = subprocess.run([sys.executable, "-c", _AT_EXIT, *args], capture_output=True, text=True, cwd=ROOT)
    assert done.stderr.strip().splitlines()[-1] == "True True"
