"""`appeal templates list | show | new | check`, and a biller's own template used by `generate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SAMPLES, UPMC

BUILTINS = ["authorization", "benefit-limit", "coordination-of-benefits", "coverage-terminated",
            "diagnosis-procedure", "duplicate-claim", "generic-reconsideration", "investigational-service",
            "medical-necessity", "missing-information", "non-covered-service", "separate-anatomic-region",
            "specific-code-required", "timely-filing"]


@pytest.fixture
def copy(run, tmp_path) -> Path:
    """A copy of specific-code-required named my-189, as `templates new` makes it."""
    folder = tmp_path / "mine"
    result = run("templates", "new", "my-189", "--from", "specific-code-required", "--dir", folder)
    assert result.exit_code == 0, result.stderr
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_list_names_every_builtin_with_its_codes_and_origin(run):
    result = run("templates", "list")
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[0] for r in rows] == BUILTINS
    assert all(r[3] == "built-in" for r in rows)
    by_id = {r[0]: r for r in rows}
    assert by_id["specific-code-required"][2] == "CARC 189"
    assert by_id["investigational-service"][2] == "CARC 55; 50, 96 when the payer calls the service investigational"
    assert by_id["separate-anatomic-region"][2] == ("CARC 97, 236 for a recorded motion study; 4 when the "
                                                     "distinct-procedure modifier is questioned")


def test_list_json_and_a_user_template_replacing_a_builtin(run, copy):
    edit(copy / "my-189.md", "id: my-189", "id: specific-code-required")
    (copy / "my-189.md").rename(copy / "specific-code-required.md")
    result = run("templates", "list", "--json", "--templates", copy)
    document = json.loads(result.stdout)
    assert document["ok"] is True and [m["id"] for m in document["templates"]] == BUILTINS
    mine = next(m for m in document["templates"] if m["id"] == "specific-code-required")
    assert mine["origin"] == str(copy) and mine["carc"] == ["189"]
    assert "corrected-claim" in mine["levels"] and mine["facts"]["recording"]["type"] == "yesno"


def test_show_prints_the_file_and_unknown_ids_exit_2(run):
    result = run("templates", "show", "separate-anatomic-region")
    assert result.exit_code == 0
    assert result.stdout.startswith("---\nid: separate-anatomic-region\n")
    assert "(built-in)" in result.stderr
    bad = run("templates", "show", "separate-region")
    assert bad.exit_code == 2
    assert "no template 'separate-region'" in bad.stderr and "separate-anatomic-region" in bad.stderr


def test_new_copies_with_the_id_changed_and_an_example_that_names_it(copy):
    text = (copy / "my-189.md").read_text()
    original = (Path(__file__).parent.parent / "templates" / "specific-code-required.md").read_text()
    assert text.splitlines()[1] == "id: my-189"
    assert "example: examples/my-189.yaml" in text
    assert text.split("---", 2)[2] == original.split("---", 2)[2]
    example = (copy / "examples" / "my-189.yaml").read_text()
    assert "\ntemplate: my-189\n" in example
    assert example.replace("template: my-189\n", "") == UPMC.read_text()


def test_new_never_overwrites(run, copy):
    before = (copy / "my-189.md").read_text()
    result = run("templates", "new", "my-189", "--from", "generic-reconsideration", "--dir", copy)
    assert result.exit_code == 2
    assert f"{copy / 'my-189.md'}: the file already exists; nothing was overwritten" in result.stderr
    assert (copy / "my-189.md").read_text() == before


@pytest.mark.parametrize("args, message", [
    (("My Id", "--from", "generic-reconsideration"), "is not a template id"),
    (("ok-id", "--from", "no-such-template"), "no template 'no-such-template'"),
])
def test_new_with_unusable_input_exits_2(run, tmp_path, args, message):
    result = run("templates", "new", *args, "--dir", tmp_path / "t")
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "t").exists() or not any((tmp_path / "t").iterdir())


def test_every_builtin_passes_check(run):
    result = run("templates", "check")
    assert result.exit_code == 0, result.stderr
    assert f"checked {len(BUILTINS)} template(s): no problems" in result.stderr


def test_check_json_is_one_document(run, copy):
    result = run("templates", "check", "my-189", "--templates", copy, "--json")
    document = json.loads(result.stdout)
    assert document["ok"] is True and document["problems"] == []
    assert [c["id"] for c in document["checked"]] == ["my-189"]


def test_check_an_unknown_id_exits_2(run):
    result = run("templates", "check", "nope")
    assert result.exit_code == 2
    assert "no template 'nope'" in result.stderr


@pytest.mark.parametrize("old, new, needle, message", [
    ('quote("cpt-assistant-2000-09", "unlisted-not-used")', 'quote("cpt-assistant-2000-09", "unlisted")',
     '"unlisted")', "citation 'cpt-assistant-2000-09' has no passage 'unlisted'"),
    ("facts.recording_medium %}", "facts.medium %}", "facts.medium %}",
     "the body uses the fact 'medium', which the front matter does not declare"),
    ('quote("coders-desk-reference-76120-76125", "use-76120-76125")', 'quote("okawa-1998", "x")',
     'quote("okawa-1998", "x")', "'okawa-1998' is a reference-only entry: cite it, do not quote it"),
    ('quote("coders-desk-reference-76120-76125", "use-76120-76125")',
     'quote("qa-digital-motion-fluoroscopy", "answer")', "qa-digital-motion-fluoroscopy",
     "may be quoted only by a template that lists it under 'citations'"),
    ("{% endif %}", "{% endiff %}", "endiff", "template syntax error: Encountered unknown tag 'endiff'"),
    ('{% extends "base/letter.md" %}', '{% extends "base/leter.md" %}', "base/leter.md",
     "extends 'base/leter.md', which is not found"),
    ("  - cpt-76125", "  - cpt-76152", "  - cpt-76152", "no citation with id 'cpt-76152'"),
    ("title: Unlisted code denied", "titel: Unlisted code denied", "titel:", "unknown field 'titel'"),
])
def test_check_reports_each_problem_with_file_and_line(run, copy, old, new, needle, message):
    path = copy / "my-189.md"
    edit(path, old, new)
    result = run("templates", "check", "my-189", "--templates", copy)
    assert result.exit_code == 1
    assert f"{path}:{line_of(path, needle)}: " in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize("body, needle, message", [
    ("We <b>ask</b> again.", "<b>ask</b>",
     "the letter's Markdown has raw HTML (<b>), which letters do not draw: it would be printed as text"),
    ("<div>We ask again.</div>", "<div>",
     "the letter's Markdown has raw HTML (use **bold**, *italic* and a blank line between paragraphs)"),
])
def test_raw_html_in_a_template_is_refused_at_its_line(run, copy, out, body, needle, message):
    """A letter draws no HTML: unrefused, a template's ``<b>`` would reach the payer as the text "<b>"."""
    path = copy / "my-189.md"
    edit(path, "{% block argument %}", "{% block argument %}\n" + body + "\n")
    checked = run("templates", "check", "my-189", "--templates", copy)
    assert checked.exit_code == 1
    assert message in checked.stderr and f"(line {line_of(path, needle)})" in checked.stderr
    made = run("generate", copy / "examples" / "my-189.yaml", "--templates", copy, "-o", out)
    assert made.exit_code == 2 and message in made.stderr and list(out.iterdir()) == []


def test_check_renders_the_example_case(run, copy):
    edit(copy / "examples" / "my-189.yaml", "    recording: yes\n", "")
    result = run("templates", "check", "my-189", "--templates", copy)
    assert result.exit_code == 1
    assert "appeal.facts.recording: template 'my-189' needs this fact" in result.stderr
    assert str(copy / "examples" / "my-189.yaml") in result.stderr


def test_check_needs_an_example(run, copy):
    edit(copy / "my-189.md", "example: examples/my-189.yaml\n", "")
    result = run("templates", "check", "my-189", "--templates", copy)
    assert result.exit_code == 1 and "the template has no example case" in result.stderr


def test_an_edited_copy_is_used_by_generate(run, copy, out):
    edit(copy / "my-189.md", "title: Unlisted code denied; a specific code exists", "title: Our 189 letter")
    edit(copy / "my-189.md", "{% block argument %}", "{% block closing %}Call our billing office.{% endblock %}\n"
                                                     "{% block argument %}")
    assert run("templates", "check", "my-189", "--templates", copy).exit_code == 0
    result = run("generate", copy / "examples" / "my-189.yaml", "--templates", copy, "-o", out, "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["template"] == "my-189"
    assert document["reason"] == "the case names template 'my-189'"
    from conftest import pdf_text
    assert "Call our billing office." in pdf_text(Path(document["outputs"][1]))


@pytest.mark.parametrize("body, needle, message", [
    ("{{ patient.nickname }}", "nickname", "nickname"),
    ("{{ ''.__class__.__mro__ }}", "__mro__", "not allowed"),
    ("{{ cycler.__init__.__globals__ }}", "__globals__", "not allowed"),
])
def test_errors_in_a_users_template_stop_generate_with_file_and_line(run, copy, out, body, needle, message):
    path = copy / "my-189.md"
    edit(path, "{% block argument %}", "{% block argument %}\n" + body)
    result = run("generate", copy / "examples" / "my-189.yaml", "--templates", copy, "-o", out)
    assert result.exit_code == 2
    assert f"{path}:{line_of(path, needle)}: " in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_sample_generates(run, out, sample):
    result = run("generate", sample, "-o", out, "--date", "2026-11-27", "--json")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["outputs"]) == 2


def test_check_reports_a_broken_citations_folder_as_problems(run, tmp_path):
    folder = tmp_path / "cites"
    folder.mkdir()
    (folder / "bad.yaml").write_text("id: ok-id\nkind: novel\n")
    result = run("templates", "check", "--citations", folder)
    assert result.exit_code == 1
    assert f"{folder / 'bad.yaml'}:2: kind: 'novel' is not one of the choices" in result.stderr


def test_show_new_and_init_have_json(run, tmp_path):
    import json

    shown = json.loads(run("templates", "show", "generic-reconsideration", "--json").stdout)
    assert shown["id"] == "generic-reconsideration" and shown["source"].startswith("---")
    made = json.loads(run("templates", "new", "mine", "--from", "generic-reconsideration", "--dir",
                          tmp_path / "t", "--json").stdout)
    assert made["files"][0].endswith("mine.md")
    ws = json.loads(run("init", tmp_path / "ws", "--json").stdout)
    assert ws["files"][0].endswith("appeal.yaml")
    exported = json.loads(run("citations", "export", "--json").stdout)
    assert exported


def test_new_names_templates_only_for_a_folder_that_is_not_searched(run, tmp_path, monkeypatch):
    result = run("templates", "new", "my-a", "--from", "generic-reconsideration", "--dir", tmp_path / "mine")
    assert f"then run: appeal templates check my-a --templates {tmp_path / 'mine'}" in result.stderr
    monkeypatch.chdir(tmp_path)
    assert run("init", "ws").exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    result = run("templates", "new", "my-b", "--from", "generic-reconsideration", "--dir", "templates")
    assert result.stderr.splitlines()[-1] == ("edit templates/my-b.md, then run: appeal templates check my-b")
    assert run("templates", "check", "my-b").exit_code == 0
