"""bind decides once what the letter and the coding check both read; every letter is built by one function."""

from __future__ import annotations

import ast
import datetime as dt

from appeal.checks import run_checks
from appeal.commands.generate import prepare
from appeal.letters.document import Table, runs_text
from appeal.settings import Settings, Sources

from conftest import LETTER_DATE, ROOT, UPMC

TODAY = dt.date(2026, 11, 27)


def requested_row(prepared) -> str:
    """The code the RE block's changed line now carries (``line 1, 09/15/2026: 76496 corrected to 76120``)."""
    table = next(b for b in prepared.letter.blocks if isinstance(b, Table))
    row = next(runs_text(row[1]) for row in table.rows if runs_text(row[0]) == "Corrected line(s)")
    return row.rsplit(" corrected to ", 1)[1]


def check_of(prepared, sources):
    return run_checks(prepared.case, sources.library, sources.workspace, TODAY, templates=sources.templates,
                      letter=prepared.letter, bound=prepared.bound)


def test_the_letter_requests_the_code_bind_decided_and_the_check_reads_it(make_case):
    sources = Sources.load(Settings(date=LETTER_DATE))
    for changes, code in (({}, "76120"), ({"appeal.facts.with_routine_exam": "yes"}, "76125")):
        prepared = prepare(make_case(changes) if changes else UPMC, sources.settings, sources)
        assert prepared.bound.requested_code == code
        assert requested_row(prepared) == code
        [found] = [f for f in check_of(prepared, sources) if f.rule == "unlisted-code-recorded"]
        assert (found.severity, found.suggested_code) == ("note", code)
        assert found.action.startswith(f"The letter asks for {code}")


def test_a_remark_code_sets_the_bound_level_and_leaves_the_case_alone(make_case):
    sources = Sources.load(Settings(date=LETTER_DATE))
    case_file = make_case({"denial.rarc": ["N704"], "appeal.level": None},
                          base=ROOT / "samples" / "generic-reconsideration.yaml")
    prepared = prepare(case_file, sources.settings, sources)
    assert prepared.bound.level == "corrected-claim"
    assert prepared.case.appeal.level is None
    # the check reads the level the letter is written at: a corrected claim is the route N704 leaves open
    assert not [f for f in check_of(prepared, sources) if f.rule == "appeal-route-closed"]


def _calls(name: str) -> list[str]:
    found = []
    for path in sorted((ROOT / "appeal").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
                found.append(str(path.relative_to(ROOT)))
    return found


def test_letters_are_built_by_one_function():
    """Only ``letters/build.py`` binds and composes; generate, packet, batch, check and templates check
    call ``build_letter``."""
    assert set(_calls("bind")) == {"appeal/letters/build.py"}
    assert set(_calls("compose")) == {"appeal/letters/build.py"}
    callers = set(_calls("build_letter"))
    assert {"appeal/commands/generate.py", "appeal/deliver/packet.py", "appeal/commands/batch/worker.py",
            "appeal/commands/check.py", "appeal/commands/authoring.py"} <= callers
