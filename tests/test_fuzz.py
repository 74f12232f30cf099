"""Property tests over hostile and careless input (issue 17): case files, CSV rows, 835 segments, template bodies.

Every input ends in exit 0, 1 or 2, with a named error for 2, never "internal error" and never a hang;
every case that validates renders both formats, and the outputs open.

The examples per test are few in CI; ``HYPOTHESIS_PROFILE=long`` runs 2,500 per test (10,000 in all):

    HYPOTHESIS_PROFILE=long timeout 3h .venv/bin/pytest -q tests/test_fuzz.py
"""

from __future__ import annotations

import csv
import io
import os
import random
import tempfile
import time
from pathlib import Path

import docx
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from appeal.cli import cli

from conftest import ROOT, UPMC, sample_data, set_path

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
EXAMPLES = int(os.environ.get("APPEAL_FUZZ_EXAMPLES", settings.default.max_examples if LONG else 12))  # per test
HANG = 60.0  # seconds: an example that runs longer is a hang (a template's own budget is 5)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate])  # no shrinking: each example runs the CLI
X12 = ROOT / "tests" / "data" / "x12" / "07_synthetic_carc189_76496.835"

# Values a biller pastes, and values an attacker types.
HOSTILE = st.sampled_from([
    "", " ", "\t", "\n\n", "~", "*", "&a", "*a", "!!python/object:os.system", "{{ 7*7 }}", "{% raw %}", "<b>x</b>",
    "\x00", "\x0c", "\x1b[31m", "\u202e", "\u2066", "\ud800", "\ufffe", "王小明", "\U0001F600", "NO", "0012345",
    "1975-02-30", "02/30/1975", "2099-01-01", "$1,250.00", "-5", "1e999", "NaN", "A" * 1_001, "9" * 60,
    "[1, 2]", "{a: 1}", "- x", "'quoted'", '"dq"', "\\", "%s%n", "{0}", "null", "~/x", "../../etc/passwd",
])
TEXT = st.one_of(HOSTILE, st.text(max_size=40), st.text(st.characters(codec="utf-8"), max_size=12))
FIELDS = [
    "template", "provider.name", "provider.npi", "provider.tin", "provider.logo", "payer.name", "payer.id",
    "payer.distinct_modifier", "patient.name", "patient.member_id", "patient.dob", "claim.number", "claim.account",
    "claim.lines.0.date", "claim.lines.0.code", "claim.lines.0.modifiers", "claim.lines.0.units",
    "claim.lines.0.charge", "claim.lines.0.diagnoses", "claim.lines.0.description", "denial.date", "denial.carc",
    "denial.group", "denial.rarc", "denial.reason", "denial.lines", "appeal.level", "appeal.date",
    "appeal.requested_code", "appeal.notes", "appeal.facts.recording", "appeal.facts.regions", "signer.name",
    "signer.title", "enclosures", "unknown", "claim.lines", "appeal.facts.nonsense",
]


def _run(*args) -> tuple[int, str]:
    started = time.monotonic()
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert time.monotonic() - started < HANG, f"a hang: {args[0]} took more than {HANG:g} s"
    return result.exit_code, result.output


def _named(code: int, output: str) -> None:
    """Exit 0, 1 or 2; 2 with an error line naming something (batch: an unreadable input); never an internal error."""
    assert code in (0, 1, 2), output
    assert "internal error" not in output, output
    assert "Traceback" not in output, output
    if code == 2:
        named = [line for line in output.splitlines() if line.startswith(("error: ", "unreadable: "))]
        assert named and all(len(line.split(": ", 2)) == 3 for line in named), output


def _renders(case: Path, folder: Path, *extra) -> None:
    """A case that validates is generated, and both files open as a biller's tools would open them."""
    out = folder / "out"
    code, output = _run("generate", case, "-o", out, "--date", "2026-10-25", *extra)
    _named(code, output)
    assert code == 0 or (code == 1 and "verdict: blocked" in output), output  # a blocked letter is still written
    [pdf] = out.glob("*.pdf")
    [word] = out.glob("*.docx")
    assert len(PdfReader(str(pdf)).pages) >= 1
    assert docx.Document(str(word)).paragraphs


def _validate_then_render(case: Path, folder: Path, *extra) -> None:
    code, output = _run("validate", case, "--date", "2026-10-25", *extra)
    _named(code, output)
    if code in (0, 1):
        _renders(case, folder, *extra)


@FUZZ
@given(changes=st.lists(st.tuples(st.sampled_from(FIELDS), st.one_of(TEXT, st.lists(TEXT, max_size=3),
                                                                     st.dictionaries(TEXT, TEXT, max_size=2))),
                        max_size=4))
def test_any_case_file_ends_in_a_named_error_or_renders(changes):
    data = sample_data(UPMC)
    for field, value in changes:
        try:
            set_path(data, field, value)
        except (IndexError, KeyError, TypeError, AttributeError):
            continue  # the path does not exist in this variant
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case.yaml"
        case.write_text(yaml.safe_dump(data, allow_unicode=False, sort_keys=False), encoding="ascii")
        _validate_then_render(case, Path(tmp))


@FUZZ
@given(cuts=st.lists(st.tuples(st.integers(0, 2_000), st.integers(0, 20), st.one_of(TEXT, st.binary(max_size=8))),
                     min_size=1, max_size=3))
def test_any_damaged_case_file_ends_in_a_named_error_or_renders(cuts):
    raw = UPMC.read_bytes()
    for at, drop, insert in cuts:
        at %= len(raw)
        piece = insert if isinstance(insert, bytes) else insert.encode("utf-8", "surrogatepass")
        raw = raw[:at] + piece + raw[at + drop:]
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case.yaml"
        case.write_bytes(raw)
        _validate_then_render(case, Path(tmp))


def _sample_row() -> dict[str, str]:
    data = sample_data(UPMC)
    row: dict[str, str] = {}

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list) and all(isinstance(v, str) for v in node):
            row[".".join(path)] = ", ".join(node)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*path, str(i)))
        else:
            row[".".join(path)] = node

    walk(data, ())
    return row


COLUMNS = [*_sample_row(), "claim.lines.99999.code", "claim.lines.x.code", "patient", "a..b", ".", "claim.lines.1"]


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(COLUMNS), TEXT, max_size=4), drop=st.sets(st.sampled_from(COLUMNS),
                                                                                           max_size=3))
def test_any_csv_row_ends_in_a_named_error_or_a_letter(changes, drop):
    row = {k: v for k, v in {**_sample_row(), **changes}.items() if k not in drop}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(row.keys())
        writer.writerow(row.values())
        path.write_bytes(buffer.getvalue().encode("utf-8", "surrogatepass"))
        out = Path(tmp) / "out"
        code, output = _run("batch", path, "-o", out, "--jobs", "1", "--date", "2026-10-25")
        _named(code, output)
        summary = (out / "summary.csv").read_text(encoding="utf-8") if (out / "summary.csv").exists() else ""
        assert "internal error" not in summary, summary
        for letter in out.glob("*.pdf"):
            assert len(PdfReader(str(letter)).pages) >= 1


SEGMENTS = X12.read_text(encoding="utf-8").replace("\n", "").split("~")


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(["drop", "repeat", "element", "replace", "swap"]),
                                st.integers(0, 200), st.integers(0, 12), TEXT), min_size=1, max_size=4),
       seed=st.integers(0, 2**16))
def test_any_damaged_835_ends_in_a_named_error_or_case_files(edits, seed):
    segments = [s for s in SEGMENTS if s]
    for kind, at, element, text in edits:
        at %= len(segments)
        parts = segments[at].split("*")
        if kind == "drop":
            del segments[at]
        elif kind == "repeat":
            segments.insert(at, segments[at])
        elif kind == "element":
            parts[min(element, len(parts) - 1)] = text
            segments[at] = "*".join(parts)
        elif kind == "replace":
            segments[at] = text
        else:
            other = random.Random(seed).randrange(len(segments))
            segments[at], segments[other] = segments[other], segments[at]
        if not segments:
            segments = [""]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "era.835"
        path.write_bytes(("~".join(segments) + "~").encode("utf-8", "surrogatepass"))
        _named(*_run("denials", path))
        code, output = _run("import-835", path, "-o", Path(tmp) / "cases")
        _named(code, output)
        for case in sorted((Path(tmp) / "cases").glob("*.yaml"))[:1]:
            _named(*_run("validate", case, "--date", "2026-10-25"))


PIECES = st.sampled_from([
    "{{ claim.number }}", "{{ patient.name }}", "{{ payer.fax }}", "{{ payer }}", "{{ denied_lines }}",
    "{{ denied_lines|map(attribute='code')|join(', ') }}", "{{ denied_lines|map(attribute='cdoe')|list }}",
    "{{ [1, 2] }}", "{{ {'a': 1} }}", "{{ none }}", "{{ undefined_name }}", "{{ 'x' * 10 }}", "{{ 'x' * 10**9 }}",
    "{{ range(5)|list|length }}", "{{ range(10**7)|list }}", "{{ 2 ** 10 }}", "{{ 9 ** 999999 }}",
    "{{ '%s' % claim.number }}", "{{ '{}'.format(claim) }}", "{{ '{0.name}'.format_map(patient) }}",
    "{{ template.file }}", "{{ template.id }}", "{{ provider.logo }}", "{{ quote }}", "{{ self }}",
    "{{ ''.__class__ }}", "{{ cycler.__init__.__globals__ }}", "{{ lipsum.__globals__ }}", "{{ '\\x00' }}",
    "{{ '\\u202e' }}", "{{ 1/0 }}", "{{ 'a' ~ denied_lines }}", "{{ claim.lines|first|string }}",
    "{{ appeal.facts.recording }}", "{{ (appeal.notes or '')|upper }}", "{{ long_date(appeal.date) }}",
    "{{ money(denied_lines[0].charge) }}", "{{ quote('cpt-assistant-2000-09', 'unlisted-not-used') }}",
    "{{ quote('nope', 'nope') }}", "{{ cite('cpt-76120') }}", "{{ fact_problem('x', 'no') }}",
    "{% for l in denied_lines %}{{ l.code }} {% endfor %}", "{% if payer.fax %}{{ payer.fax }}{% endif %}",
    "{% include 't.md' %}", "{% extends 't.md' %}", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}", "{{ (((((1))))) }}",
    "{% set x = 'ab' %}{{ x.ljust(10**8) }}", "{{ 'x'|center(10**8) }}", "{{ [1]|batch(10**8)|list }}",
    "{% raw %}{{{% endraw %}", "{{", "{% if %}", "# Heading", "**bold**", "> quote", "```", "- item", "| a | b |",
    "plain text", "\n\n", "{{ signature() }}", "{{ references() }}", "{{ address(payer.name, payer.address) }}",
    "{{ table([['a', 'b']]) }}", "{{ bullets(['a']) }}", "{{ raw('**x**') }}", "{{ raw(denied_lines) }}",
])


@FUZZ
@given(pieces=st.lists(PIECES, min_size=1, max_size=5), base=st.booleans())
def test_any_template_body_ends_in_a_named_error_or_renders(pieces, base):
    body = "".join(pieces)
    if base:
        body = '{% extends "base/letter.md" %}{% block argument %}' + body + "{% endblock %}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "tpl"
        folder.mkdir()
        (folder / "t.md").write_text(f"---\nid: t\ntitle: T\ncitations: [cpt-assistant-2000-09]\n---\n{body}\n",
                                     encoding="utf-8")
        data = sample_data(UPMC)
        data["template"] = "t"
        data.get("appeal", {}).pop("facts", None)
        case = Path(tmp) / "case.yaml"
        case.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        _validate_then_render(case, Path(tmp), "--templates", folder)
