"""docs/templates.md stays true: its worked example is run here, step by step.

The guide marks what a test runs with HTML comments (invisible on a rendered page):
``<!-- guide:run -->`` before a ``sh`` block (each line a command; ``cd`` changes
folder), ``<!-- guide:file PATH -->`` before a block whose text is written to PATH,
``<!-- guide:output -->`` before a block whose lines the previous command must print,
and ``<!-- guide:problems -->`` before the example problems the check shows.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from appeal.cli import cli

from conftest import ROOT

GUIDE = ROOT / "docs" / "templates.md"
STEP = re.compile(r"<!-- guide:(run|file|output|problems) ?(\S*) -->\n```[a-z]*\n(.*?)```", re.DOTALL)


def steps() -> list[tuple[str, str, str]]:
    return STEP.findall(GUIDE.read_text(encoding="utf-8"))


def run_command(line: str) -> tuple[int, str]:
    args = shlex.split(line, comments=True)
    assert args[0] == "appeal", f"the guide runs only appeal commands: {line}"
    result = CliRunner().invoke(cli, args[1:], catch_exceptions=False)
    return result.exit_code, result.output  # stdout and stderr in the order a terminal shows them


def same_line(expected: str, printed: str) -> bool:
    """A line of the guide's output against a printed one; ``...`` in the guide stands for anything."""
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, printed) is not None


def run_guide() -> list[tuple[str, str, str]]:
    """Every step in order, in the current folder: ``(kind, text, what the step's commands printed)``."""
    done = []
    for kind, arg, text in steps():
        printed = ""
        if kind == "file":
            Path(arg).parent.mkdir(parents=True, exist_ok=True)
            Path(arg).write_text(text, encoding="utf-8")
        elif kind == "run":
            for line in filter(str.strip, text.splitlines()):
                if line.startswith("cd "):
                    os.chdir(line.split(None, 1)[1])
                    continue
                code, out = run_command(line)
                expected_code = int(arg.split("=", 1)[1]) if arg.startswith("exit=") else 0
                assert code == expected_code, f"{line}\n{out}"
                printed += out
        done.append((kind, text, printed))
    return done


def test_the_guide_has_the_whole_worked_example():
    kinds = [kind for kind, _, _ in steps()]
    assert kinds.count("run") >= 5 and kinds.count("file") == 2 and "problems" in kinds
    # every command's output is shown
    assert all(after == "output" for kind, after in zip(kinds, kinds[1:] + [""]) if kind == "run")


def test_the_worked_example_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = run_guide()
    for (kind, _, printed), (after, shown, _) in zip(done, done[1:]):
        if kind == "run" and after == "output":
            expected, got = shown.splitlines(), printed.splitlines()
            assert len(expected) == len(got) and all(map(same_line, expected, got)), (
                "the guide shows:\n" + shown + "\nthe commands printed:\n" + printed)
    letters = sorted(p.suffix for p in Path("out").iterdir())
    assert letters == [".docx", ".pdf"]


def test_the_problems_the_guide_shows_are_what_check_prints(tmp_path, monkeypatch):
    """The guide's example problems come from its own template with two typos."""
    monkeypatch.chdir(tmp_path)
    run_command("appeal init practice")
    os.chdir("practice")
    files = {arg: text for kind, arg, text in steps() if kind == "file"}
    for path, text in files.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text.replace("{{ facts.service_description }}", "{{ facts.service }}")
                              .replace('"cpt-76496", "descriptor"', '"cpt-76496", "descripter"'), encoding="utf-8")
    code, printed = run_command("appeal templates check unlisted-description")
    assert code == 1
    (shown,) = [text for kind, _, text in steps() if kind == "problems"]
    for expected in filter(str.strip, shown.splitlines()):
        assert expected in printed


@pytest.mark.parametrize("block", [t for k, _, t in steps() if k == "run"])
def test_every_guide_command_is_an_appeal_command(block):
    for line in filter(str.strip, block.splitlines()):
        assert line.startswith(("appeal ", "cd "))
