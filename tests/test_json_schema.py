"""Every ``--json`` document has one shape: an object whose ``ok`` is true exactly when the exit status is 0,
with named lists, as its JSON Schema in docs/json/ says."""

from __future__ import annotations

import json

import click
import jsonschema
import pytest
from referencing import Registry, Resource

from appeal.cli import cli

from conftest import ROOT, UPMC
from x12_workspace import X12, make_workspace

SCHEMAS = ROOT / "docs" / "json"
F07 = X12 / "07_synthetic_carc189_76496.835"
F08 = X12 / "08_synthetic_two_reasons_one_claim.835"


def schemas() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in SCHEMAS.glob("*.json")}


def json_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command that takes --json, as its words (``("templates", "list")``)."""
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += json_commands(command, prefix + (name,))
        elif any(p.name == "as_json" for p in command.params):
            found.append(prefix + (name,))
    return found


# The schema of each command, and invocations that give its documents: good, partly bad and unusable input.
# ``{ws}``, ``{tmp}`` and ``{out}`` are filled in per test.
CASES: dict[tuple[str, ...], tuple[str, list[list[str]]]] = {
    ("init",): ("init", [["{tmp}/new-ws"], ["{ws}"]]),
    ("denials",): ("denials", [[str(F08), "--workspace", "{ws}"], [str(F07)], [str(F07), "{tmp}/missing.835"]]),
    ("import-835",): ("import-835", [[str(F08), "-o", "{tmp}/cases", "--workspace", "{ws}"],
                                     ["{tmp}/missing.835", "-o", "{tmp}/cases"]]),
    ("generate",): ("generate", [[str(UPMC), "-o", "{out}", "--date", "2026-11-27"],
                                 [str(UPMC), "-o", "{out}", "--packet"], ["{tmp}/missing.yaml"]]),
    ("validate",): ("validate", [[str(UPMC), "--date", "2026-11-27"], ["{tmp}/missing.yaml"]]),
    ("check",): ("check", [[str(UPMC)], [str(UPMC), "{tmp}/missing.yaml"]]),
    ("packet",): ("packet", [[str(UPMC), "-o", "{out}"], ["{tmp}/missing.yaml", "-o", "{out}"]]),
    ("batch",): ("batch", [[str(F08), "-o", "{out}", "--workspace", "{ws}", "--jobs", "1", "--date", "2026-11-27"],
                           ["{tmp}/missing.835", "-o", "{out}", "--jobs", "1"]]),
    ("templates", "list"): ("templates-list", [[], ["--templates", "{tmp}/bad-templates"]]),
    ("templates", "show"): ("templates-show", [["specific-code-required"], ["no-such-template"]]),
    ("templates", "new"): ("templates-new", [["mine", "--from", "generic-reconsideration", "--dir", "{tmp}/t"],
                                             ["mine", "--from", "no-such-template", "--dir", "{tmp}/t"]]),
    ("templates", "check"): ("templates-check", [[], ["--templates", "{tmp}/bad-templates"]]),
    ("citations", "list"): ("citations-list", [[]]),
    ("citations", "show"): ("citations-show", [["cpt-assistant-2000-09"], ["no-such-entry"]]),
    ("citations", "search"): ("citations-search", [["76499"], ["no such words anywhere"],
                                                       ["76499", "--citations", "{tmp}/bad-citations"]]),
    ("citations", "export"): ("citations-export", [[], ["--citations", "{tmp}/bad-citations"]]),
    ("codes", "carc"): ("codes", [["189"], ["ZZZ9"]]),
    ("codes", "rarc"): ("codes", [["N657"]]),
    ("track", "sent"): ("track", [["--claim", "NO-SUCH-CLAIM", "--via", "portal", "--workspace", "{ws}"]]),
    ("track", "outcome"): ("track", [["--claim", "NO-SUCH-CLAIM", "--result", "upheld", "--workspace", "{ws}"]]),
    ("track", "note"): ("track", [["--claim", "NO-SUCH-CLAIM", "--text", "called", "--workspace", "{ws}"]]),
    ("track", "history"): ("track", [["--claim", "NO-SUCH-CLAIM", "--workspace", "{ws}"]]),
    ("track", "list"): ("track", [["--workspace", "{ws}"], ["--workspace", "{tmp}/missing-ws"]]),
    ("track", "due"): ("track", [["--workspace", "{ws}"]]),
    ("track", "export"): ("track", [["--csv", "{tmp}/appeals.csv", "--workspace", "{ws}"]]),
    ("track", "reconcile"): ("track", [[str(F07), "--workspace", "{ws}"], ["{tmp}/missing.835", "--workspace",
                                                                         "{ws}"]]),
    ("track", "next"): ("track", [["--claim", "NO-SUCH-CLAIM", "--workspace", "{ws}", "-o", "{out}"]]),
    ("track", "stats"): ("track", [["--workspace", "{ws}"]]),
}


def test_every_json_command_has_a_schema_and_cases():
    assert sorted(json_commands()) == sorted(CASES)
    assert {schema for schema, _ in CASES.values()} | {"error"} == set(schemas())


def test_the_readme_lists_every_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in schemas():
        assert f"docs/json/{name}.json" in readme, name


@pytest.fixture
def validator_for():
    found = schemas()
    registry = Registry().with_resources(
        (doc["$id"], Resource.from_contents(doc)) for doc in found.values())

    def make(name: str) -> jsonschema.Draft202012Validator:
        jsonschema.Draft202012Validator.check_schema(found[name])
        return jsonschema.Draft202012Validator(found[name], registry=registry)

    return make


@pytest.mark.parametrize("words", sorted(CASES), ids=" ".join)
def test_each_json_document_matches_its_schema_and_ok_is_the_exit_status(words, validator_for, tmp_path):
    from click.testing import CliRunner

    schema, invocations = CASES[words]
    ws = make_workspace(tmp_path / "ws")
    (tmp_path / "out").mkdir()
    (tmp_path / "bad-templates").mkdir()
    (tmp_path / "bad-templates" / "broken.md").write_text("---\nid: broken\n---\n{% if %}\n")
    (tmp_path / "bad-citations").mkdir()
    (tmp_path / "bad-citations" / "bad.yaml").write_text("id: x\nkind: novel\n")
    validator = validator_for(schema)
    codes = set()
    for args in invocations:
        filled = [a.format(ws=ws, tmp=tmp_path, out=tmp_path / "out") for a in args]
        result = CliRunner().invoke(cli, [*words, *filled, "--json"], catch_exceptions=False)
        document = json.loads(result.stdout)  # exactly one JSON document, whatever the outcome
        errors = sorted(validator.iter_errors(document), key=str)
        assert not errors, f"{words} {filled}: {errors[0]}"
        assert document["ok"] is (result.exit_code == 0), (filled, result.exit_code, result.stderr)
        codes.add(result.exit_code)
    if len(invocations) > 1:
        assert len(codes) > 1, f"{words}: every invocation exits {codes}; one should fail"


def test_the_error_document_is_the_same_for_every_command(validator_for, tmp_path):
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["generate", str(tmp_path / "none.yaml"), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {"ok": False, "errors": [
        {"file": str(tmp_path / "none.yaml"), "line": None, "field": None, "message": "file not found",
         "accepted": None}]}
    assert not list(validator_for("error").iter_errors(json.loads(result.stdout)))


def test_a_usage_error_is_the_error_document(validator_for):
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["generate", "--no-such-option", "--json"])
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["errors"][0]["field"] == "--no-such-option"
    assert not list(validator_for("error").iter_errors(document))


@pytest.mark.parametrize("args, field, accepted", [
    (["generate", "x.yaml", "--format", "docs"], "--format", "one of: docx, pdf"),
    (["validate", "x.yaml", "--date", "2026-13-01"], "--date", "a date: YYYY-MM-DD or MM/DD/YYYY"),
    (["generate", "--no-such-option"], "--no-such-option", None),
])
def test_a_usage_error_says_what_is_accepted_where_the_option_knows(validator_for, args, field, accepted):
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 2
    (error,) = json.loads(result.stdout)["errors"]
    assert (error["field"], error["accepted"]) == (field, accepted)
    assert not list(validator_for("error").iter_errors(json.loads(result.stdout)))
