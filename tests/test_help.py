"""Help that teaches: every command's --help ends with examples, and the commands are listed in the order
of the work; shell completion is documented and works."""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from appeal.cli.app import COMMAND_ORDER, cli

from conftest import ROOT

WORK_ORDER = ["init", "denials", "import-835", "generate", "validate", "check", "packet", "batch", "track",
              "templates", "citations", "codes"]


def every_command(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += every_command(command, prefix + (name,))
        else:
            found.append(prefix + (name,))
    return found


@pytest.mark.parametrize("words", every_command(), ids=lambda w: " ".join(w) or "appeal")
def test_every_help_ends_with_one_or_two_examples(words):
    result = CliRunner().invoke(cli, [*words, "--help"], terminal_width=200)
    assert result.exit_code == 0
    lines = result.stdout.rstrip("\n").splitlines()
    heading = max(i for i, line in enumerate(lines) if line.strip() == "Examples:")
    shown = [line.strip() for line in lines[heading + 1:] if line.strip()]
    assert 1 <= len(shown) <= 2, lines[heading:]
    assert all(line.startswith("appeal ") for line in shown), shown
    # each example runs the command it documents
    assert all(" ".join(("appeal", *words)) in line for line in shown), shown


def test_commands_are_listed_in_the_order_of_the_work():
    assert list(COMMAND_ORDER) == WORK_ORDER
    lines = CliRunner().invoke(cli, ["--help"]).stdout.splitlines()
    block = lines[lines.index("Commands:") + 1:]
    listed = [line.split()[0] for line in block[:block.index("")]]
    assert listed == [name for name in WORK_ORDER if name in cli.commands]
    assert listed[0] == "init"
    sub = CliRunner().invoke(cli, ["templates", "--help"]).stdout.splitlines()
    assert [line.split()[0] for line in sub[sub.index("Commands:") + 1:] if line.startswith("  ")
            and not line.startswith("   ")][:4] == ["list", "show", "new", "check"]


@pytest.mark.parametrize("shell, line", [
    ("bash", 'eval "$(_APPEAL_COMPLETE=bash_source appeal)"'),
    ("zsh", 'eval "$(_APPEAL_COMPLETE=zsh_source appeal)"'),
    ("fish", "_APPEAL_COMPLETE=fish_source appeal | source"),
])
def test_shell_completion_is_documented_and_gives_a_script(shell, line):
    assert line in (ROOT / "README.md").read_text(encoding="utf-8")
    env = {**os.environ, "_APPEAL_COMPLETE": f"{shell}_source"}
    script = subprocess.run([sys.executable, "-c", "from appeal.cli import main; main()"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert script.returncode == 0 and "_APPEAL_COMPLETE" in script.stdout
    if shell != "bash":
        return
    words = subprocess.run([sys.executable, "-c", "from appeal.cli import main; main()"], capture_output=True,
                           text=True, timeout=60,
                           env={**env, "_APPEAL_COMPLETE": f"{shell}_complete", "COMP_WORDS": "appeal den",
                                "COMP_CWORD": "1"})
    assert "denials" in words.stdout
