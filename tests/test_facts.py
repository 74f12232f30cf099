"""One meaning per fact: the shared vocabulary (templates/facts.yaml), and what a case's facts do
when another template, or no template, declares them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appeal.commands.generate import Settings, prepare, validate
from appeal.errors import CaseError, TemplateError
from appeal.letters.facts import _read, vocabulary, vocabulary_path
from appeal.letters.templates import template_set

from conftest import SAMPLES, UPMC

INVESTIGATIONAL = SAMPLES / "investigational-dmx.yaml"


def test_every_vocabulary_fact_has_a_type_a_description_and_its_evidence():
    facts = vocabulary()
    assert facts["recording"].type == "yesno"
    assert facts["original_submission_date"].type == "date"
    assert "277CA" in facts["acceptance_report"].evidence
    assert all(spec.description and spec.evidence for spec in facts.values())


def test_builtin_templates_take_every_fact_from_the_vocabulary():
    shared = vocabulary()
    for meta in template_set().all().values():
        for name, spec in meta.facts.items():
            assert name in shared, f"{meta.id} declares {name} outside the vocabulary"
            assert (spec.type, spec.description, spec.evidence) == \
                (shared[name].type, shared[name].description, shared[name].evidence)


def test_a_broken_vocabulary_is_reported_with_its_lines(tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_text("recording:\n  type: boolean\n  description: Recorded?\n  evidence: the report\n"
                    "Bad-Name:\n  type: text\n  description: x\n  evidence: y\n"
                    "regions:\n  type: list\n  description: Regions\n", encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        _read(path)
    text = str(info.value)
    assert f"{path}:2: recording.type: 'boolean' is not one of the choices" in text
    assert f"{path}:5: Bad-Name: 'Bad-Name' is not a fact name" in text
    assert f"{path}:9: regions.evidence: is required" in text


def test_a_case_written_for_189_and_denied_55_generates_with_a_note(make_case):
    """The issue's own example: `recording` belongs to specific-code-required; the letter for
    CARC 55 keeps it, ignores it, and says so."""
    path = make_case({"denial.carc": "55",
                      "appeal.facts": {"recording": "yes", "indication": "Neck pain after a fall",
                                       "treatment_impact": "Surgery was ruled out"}})
    prepared, findings = validate(path, Settings())
    assert prepared.template.id == "investigational-service"
    [note] = [f for f in findings if f.rule == "other-template-fact"]
    assert note.severity == "note"
    assert note.message == ("appeal.facts.recording is kept and not used: template 'investigational-service' "
                            "does not use it (template 'specific-code-required' uses it).")


def test_a_fact_only_the_vocabulary_knows_is_kept_with_a_note(make_case):
    path = make_case({"appeal.facts": {"recording": "yes", "earlier_claim": "EX-1"}})
    _, findings = validate(path, Settings())
    [note] = [f for f in findings if f.rule == "other-template-fact"]
    assert "appeal.facts.earlier_claim is kept and not used" in note.message


def test_a_fact_no_template_knows_is_still_an_error_with_did_you_mean(make_case):
    path = make_case({"appeal.facts": {"recording": "yes", "recordng_medium": "DVD"}})
    with pytest.raises(CaseError) as info:
        prepare(path, Settings())
    [problem] = info.value.problems
    assert problem.field == "appeal.facts.recordng_medium"
    assert problem.message == "unknown fact 'recordng_medium': no template uses it; did you mean 'recording_medium'?"
    assert problem.accepted.startswith("the facts of template 'specific-code-required': recording, recording_medium")


def test_a_missing_fact_names_the_template_that_needs_it(make_case):
    path = make_case({"denial.carc": "55", "appeal.facts": {"indication": "Neck pain"}})
    with pytest.raises(CaseError) as info:
        prepare(path, Settings())
    [problem] = info.value.problems
    assert problem.message.startswith("template 'investigational-service' needs this fact: How the result")


def _own_template(folder: Path, facts: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "my-own.md"
    path.write_text("---\nid: my-own\ntitle: Mine\ncarc: [189]\nfacts:\n" + facts
                    + "citations: []\n---\n{% extends \"base/letter.md\" %}\n"
                    "{% block argument %}\nThe study was {{ appeal.facts.what_was_done }}.\n{% endblock %}\n",
                    encoding="utf-8")
    return path


def test_a_billers_template_may_declare_a_fact_of_its_own(make_case, tmp_path):
    folder = tmp_path / "mine"
    _own_template(folder, "  what_was_done:\n    type: text\n    description: What was done\n    required: yes\n"
                          "  recording: {type: yesno}\n")
    path = make_case({"template": "my-own",
                      "appeal.facts": {"recording": "yes", "what_was_done": "a recorded motion study"}})
    prepared = prepare(path, Settings(template_dirs=(folder,)))
    assert prepared.template.id == "my-own"
    assert "The study was a recorded motion study." in prepared.letter.text()
    assert prepared.template.facts["recording"].description == vocabulary()["recording"].description


def test_a_vocabulary_fact_keeps_its_type_in_a_billers_template(tmp_path):
    path = _own_template(tmp_path / "mine", "  what_was_done: {type: text, description: What}\n"
                                            "  recording: {type: text, description: Recorded on}\n")
    with pytest.raises(TemplateError) as info:
        template_set([tmp_path / "mine"]).get("my-own")
    [problem] = info.value.problems
    assert problem.file == str(path) and problem.line == 7 and problem.field == "facts.recording.type"
    assert problem.message.startswith(f"the shared vocabulary ({vocabulary_path()}:")
    assert problem.message.endswith("declares 'recording' as yesno: a fact keeps its meaning in every template")


def test_a_billers_own_fact_needs_a_type_and_a_description(tmp_path):
    _own_template(tmp_path / "mine", "  what_was_done: {required: yes}\n")
    with pytest.raises(TemplateError) as info:
        template_set([tmp_path / "mine"]).get("my-own")
    fields = {p.field for p in info.value.problems}
    assert fields == {"facts.what_was_done.type", "facts.what_was_done.description"}


def test_templates_show_lists_the_facts_with_their_descriptions(run):
    result = run("templates", "show", "specific-code-required")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    start = lines.index("Facts (appeal.facts), from the shared vocabulary unless marked:")
    assert lines[start + 1] == ("  recording (yesno, required): Was the motion study recorded (video, DVD, "
                                "digital disk, film)?")
    assert lines[start + 2] == "      evidence: the study report, saying that the study was recorded and on what"
    assert "  with_routine_exam (yesno, optional): Was the study done with a routine radiologic examination " \
           "on the same day?" in lines
    shown = json.loads(run("templates", "show", "specific-code-required", "--json").stdout)
    assert shown["facts"]["recording"]["evidence"].startswith("the study report")
    assert shown["facts"]["recording"]["declared_in"] == "vocabulary"


def test_the_sample_still_generates(out):
    assert prepare(UPMC, Settings()).template.id == "specific-code-required"
    assert prepare(INVESTIGATIONAL, Settings()).template.id == "investigational-service"
