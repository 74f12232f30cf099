"""The command line: exit codes, messages on stderr, one JSON document on stdout."""

from __future__ import annotations

import json

import pytest

from conftest import UPMC


def test_generate_writes_both_files(run, out):
    result = run("generate", UPMC, "-o", out, "--date", "2026-11-27")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "UPMC-Health-Plan_SAMPLE-2026-000123_2026-11-27.docx", "UPMC-Health-Plan_SAMPLE-2026-000123_2026-11-27.pdf"]
    assert result.stdout.split() == [str(out / f) for f in sorted(p.name for p in out.iterdir())]
    assert "template: specific-code-required" in result.stderr


def test_generate_json_is_one_document(run, out):
    result = run("generate", UPMC, "-o", out, "--date", "2026-11-27", "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["template"] == "specific-code-required"
    assert "CARC 189" in document["reason"]
    assert len(document["outputs"]) == 2 and document["warnings"] == []


def test_regenerating_the_same_case_replaces_its_letter(run, out):
    run("generate", UPMC, "-o", out, "--date", "2026-11-27")
    result = run("generate", UPMC, "-o", out, "--date", "2026-11-27", "--json")
    assert json.loads(result.stdout)["warnings"] == []
    assert len(list(out.iterdir())) == 2


def test_two_cases_with_one_name_never_overwrite(run, out, make_case):
    run("generate", UPMC, "-o", out, "--date", "2026-11-27")
    result = run("generate", make_case({"patient.name": "Other Person"}), "-o", out, "--date", "2026-11-27",
                 "--json")
    document = json.loads(result.stdout)
    assert [p.rsplit("/", 1)[1] for p in document["outputs"]] == [
        "UPMC-Health-Plan_SAMPLE-2026-000123_2026-11-27-2.docx", "UPMC-Health-Plan_SAMPLE-2026-000123_2026-11-27-2.pdf"]
    assert "another case's letter already uses that name" in document["warnings"][0]
    assert len(list(out.iterdir())) == 4


def test_invalid_case_exits_2_with_every_problem(run, out, make_case):
    path = make_case({"provider.npi": "123", "patient.member_id": None})
    result = run("generate", path, "-o", out)
    assert result.exit_code == 2
    assert f"error: {path}:" in result.stderr
    assert "provider.npi: '123' is not valid (accepted: a 10-digit NPI" in result.stderr
    assert "patient.member_id: is required" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(out.iterdir()) == []


def test_invalid_case_json_error_document(run, out, tmp_path):
    result = run("generate", tmp_path / "missing.yaml", "-o", out, "--json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["ok"] is False and document["errors"][0]["message"] == "file not found"


def test_bad_option_exits_2(run):
    result = run("generate", UPMC, "--date", "tomorrow")
    assert result.exit_code == 2
    assert "'tomorrow' is not a date" in result.stderr


def test_validate_writes_nothing(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("validate", UPMC)
    assert result.exit_code == 0
    assert "valid; template specific-code-required" in result.stderr
    assert list(tmp_path.iterdir()) == []
    bad = run("validate", tmp_path / "nope.yaml", "--json")
    assert bad.exit_code == 2 and json.loads(bad.stdout)["ok"] is False


def test_unwritable_output_is_a_clear_error(run, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("generate", UPMC, "-o", blocker / "sub")
    assert result.exit_code == 2
    assert "cannot create the output folder" in result.stderr


def test_help_does_not_import_renderers():
    import subprocess
    import sys

    code = ("import sys; from click.testing import CliRunner; from appeal.cli import cli; "
            "CliRunner().invoke(cli, ['--help']); "
            "print(any(m.startswith(('reportlab', 'docx', 'jinja2', 'markdown_it')) for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_validate_runs_the_coding_check(run, make_case):
    wrong = make_case({"claim.lines.0.code": "76120", "appeal.facts.recording": "no"})
    result = run("validate", wrong, "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert "videoradiography-not-recorded" in {f["rule"] for f in document["findings"]}
    assert "error: line 1: 76120 describes" in result.stderr


def test_validate_names_a_field_the_pdf_font_cannot_draw(run, make_case):
    result = run("validate", make_case({"patient.name": "王小明"}))
    assert result.exit_code == 2
    assert "patient.name: the PDF font cannot draw" in result.stderr


def test_generate_warns_about_a_missing_enclosure_and_an_early_date(run, out, make_case):
    path = make_case({"enclosures": [{"description": "Report", "path": "nowhere.pdf"}]})
    result = run("generate", path, "-o", out, "--date", "2026-10-01")
    assert result.exit_code == 0
    assert "enclosures[0].path:" in result.stderr and "is not a file" in result.stderr
    assert "the letter date 10/01/2026 is before the denial of 10/20/2026" in result.stderr


def test_denial_lines_are_checked_against_the_lines_typed(make_case):
    from appeal.errors import CaseError
    from appeal.inputs.case import load_case

    with pytest.raises(CaseError) as info:
        load_case(make_case({"claim.lines.0.code": "bad", "denial.lines": ["1"]}))
    assert "from 1 to 0" not in str(info.value)


@pytest.mark.parametrize("args, field, said", [
    (("generate", "--bogus", "x"), "--bogus", "No such option '--bogus'"),
    (("generate",), "case", "Missing argument 'CASE'"),
    (("generate", UPMC, "--date", "nope"), "--date", "'nope' is not a date (accepted: YYYY-MM-DD or MM/DD/YYYY)"),
    (("track", "due", "--within", "soon"), "--within", "'soon' is not a valid integer range"),
    (("no-such-command",), None, "No such command 'no-such-command'"),
])
def test_a_usage_error_under_json_is_one_document_too(run, args, field, said):
    result = run(*args, "--json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)  # exactly one document: json.loads refuses anything after it
    assert document["ok"] is False and len(document["errors"]) == 1
    (error,) = document["errors"]
    assert error["field"] == field and said in error["message"]
    assert said in result.stderr  # and said on stderr, as without --json
    plain = run(*args)
    assert plain.exit_code == 2 and plain.stdout == "" and said in plain.stderr


@pytest.mark.parametrize("value", ["1.5e9", "99999999999999", "yesterday", "-5", "１２３"])
def test_a_bad_source_date_epoch_is_an_error_naming_it(run, out, monkeypatch, value):
    """reportlab reads SOURCE_DATE_EPOCH too (the PDF's dates): a value that is no whole number of seconds is
    refused before any command runs, never an internal error part way."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    result = run("generate", UPMC, "-o", out, "--json")
    assert result.exit_code == 2
    assert "internal error" not in result.stderr
    (problem,) = json.loads(result.stdout)["errors"]
    assert problem["file"] == "SOURCE_DATE_EPOCH" and "whole number of seconds" in problem["accepted"]
    assert not out.exists() or list(out.iterdir()) == []


def test_a_good_source_date_epoch_dates_the_letter(run, out, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764806400")  # 2025-12-04, UTC
    result = run("generate", UPMC, "-o", out, "--json")
    assert result.exit_code == 0, result.stderr
    assert any(p.endswith("_2025-12-04.pdf") for p in json.loads(result.stdout)["outputs"])
