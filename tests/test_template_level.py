"""A letter's level is decided once, in ``bind.decide``: a template says when its letter is a corrected claim
(front matter ``corrected_claim_when``, an expression over its facts) and writes ``request.level`` and
``request.frequency``, so the letter, the ledger, the verdict and the coding check read one answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appeal.commands.generate import Settings, prepare
from appeal.errors import TemplateError
from appeal.letters.document import Table, runs_text
from appeal.letters.templates import LevelCondition, template_set

from conftest import LETTER_DATE, ROOT, SAMPLES, flat, pdf_text

# each template: its sample, what makes it a corrected claim, what makes it a reconsideration
TURNS = {
    "authorization": ("authorization-197", {}, {"appeal.facts.authorization_on_claim": "yes"}),
    "benefit-limit": ("benefit-limit-151", {"appeal.facts.distinguishing_modifier": "76"}, {}),
    "coordination-of-benefits": ("coordination-of-benefits-22", {},
                                 {"appeal.facts": {"no_other_coverage": "yes"}}),
    "coverage-terminated": ("coverage-terminated-27", {"appeal.facts.correct_service_date": "2026-03-06"}, {}),
    "diagnosis-procedure": ("diagnosis-procedure-11", {},
                            {"appeal.facts": {"diagnosis_support": "Cervicalgia is why the motion was studied."}}),
    "duplicate-claim": ("duplicate-claim-18", {"appeal.facts.replacement": "yes"}, {}),
    "medical-necessity": ("medical-necessity-50",
                          {"appeal.level": None, "appeal.facts.corrected_diagnoses": ["S13.4XXA"]},
                          {"appeal.level": None}),
    "missing-information": ("missing-information-16", {},
                            {"appeal.facts": {"information_on_claim": "yes", "information_location": "box 24J"}}),
    "non-covered-service": ("non-covered-service-96", {"appeal.requested_code": "76000"}, {}),
}


NEUTRAL = {"enclosures": ["Records of the service"]}  # the samples' own enclosures name a corrected claim
EXTRA = {"diagnosis-procedure": {"appeal.facts.diagnosis_support": "Cervicalgia is why the motion was studied."}}


def built(path):
    return prepare(path, Settings(date=LETTER_DATE))


def re_title(prepared) -> str:
    table = next(b for b in prepared.letter.blocks if isinstance(b, Table))
    return runs_text(table.rows[0][1])


@pytest.mark.parametrize("template", TURNS)
def test_the_request_and_the_letter_turn_together_between_corrected_claim_and_reconsideration(make_case,
                                                                                              template):
    sample, corrected, appeal = TURNS[template]
    base = SAMPLES / f"{sample}.yaml"
    cc = built(make_case(corrected, base=base))
    assert cc.template.id == template
    assert cc.bound.request.level == cc.letter.meta["level"] == "corrected-claim"
    assert cc.bound.request.frequency == "7"
    assert re_title(cc).startswith("Corrected claim (replacement of claim")
    assert "claim frequency code 7" in flat(cc.letter.text())

    rc = built(make_case({**appeal, **NEUTRAL}, base=base))
    assert rc.bound.request.level == rc.letter.meta["level"] == "reconsideration"
    assert rc.bound.request.frequency is None
    assert re_title(rc) == "Request for reconsideration"
    said = flat(rc.letter.text())
    assert "We ask Example Health Plan (sample) to reconsider the denial" in said
    assert "corrected claim" not in said and "frequency code" not in said


@pytest.mark.parametrize("template", TURNS)
def test_a_medicare_letter_of_no_level_is_a_redetermination_in_the_request_and_the_letter(make_case, template):
    sample, _, appeal = TURNS[template]
    prepared = built(make_case({**appeal, "payer.kind": "medicare"}, base=SAMPLES / f"{sample}.yaml"))
    assert prepared.bound.request.level == prepared.letter.meta["level"] == "redetermination"
    assert re_title(prepared) == "Request for redetermination"
    assert "We request a redetermination" in flat(prepared.letter.text())


@pytest.mark.parametrize("template", TURNS)
def test_the_case_level_wins_over_the_facts(make_case, template):
    sample, corrected, _ = TURNS[template]
    changes = {**corrected, **EXTRA.get(template, {}), "appeal.level": "first-level"}
    prepared = built(make_case(changes, base=SAMPLES / f"{sample}.yaml"))
    assert prepared.bound.request.level == "first-level"
    assert re_title(prepared) == "First-level appeal"


@pytest.mark.parametrize("template", TURNS)
def test_ma130_makes_the_corrected_claim_a_new_claim_with_frequency_code_1(make_case, template):
    sample, corrected, _ = TURNS[template]
    prepared = built(make_case({**corrected, **NEUTRAL, "denial.rarc": ["MA130"]}, base=SAMPLES / f"{sample}.yaml"))
    assert prepared.bound.request.level == "corrected-claim" and prepared.bound.request.frequency == "1"
    assert re_title(prepared).startswith("New claim (in place of unprocessed claim")
    said = flat(prepared.letter.text())
    assert "claim frequency code 1" in said
    assert "frequency code 7" not in said


def test_investigational_service_decides_no_level_of_its_own(make_case):
    prepared = built(make_case({"appeal.level": None}, base=SAMPLES / "investigational-dmx.yaml"))
    assert prepared.template.corrected_claim_when is None
    assert prepared.bound.request.level == prepared.letter.meta["level"] == "reconsideration"
    assert re_title(prepared) == "Request for reconsideration"


def test_every_builtin_that_writes_corrected_claims_without_a_request_rule_says_when():
    metas = template_set().all()
    assert {m.id: m.request_rule for m in metas.values() if m.request_rule} == {
        "specific-code-required": "specific-code", "separate-anatomic-region": "separate-region"}
    for meta in metas.values():
        if meta.writes("corrected-claim") and not meta.request_rule and meta.id != "generic-reconsideration":
            assert meta.corrected_claim_when is not None, meta.id
        if meta.request_rule:
            assert meta.corrected_claim_when is None, meta.id


def test_the_pdf_of_an_ma130_corrected_claim_says_frequency_code_1(run, make_case, out):
    case = make_case({"denial.rarc": ["MA130"], "enclosures": ["Authorization record", "New claim (CMS-1500)"]},
                     base=SAMPLES / "authorization-197.yaml")
    result = run("generate", case, "-o", out, "--date", "2026-11-27", "--json")
    assert result.exit_code == 0, result.stderr
    pdf = next(Path(p) for p in json.loads(result.stdout)["outputs"] if p.endswith(".pdf"))
    said = flat(pdf_text(pdf))
    assert "The enclosed new claim is sent in place of claim SAMPLE-2026-019797 (claim frequency code 1) and " \
           "carries authorization number EXA-2026-0713-55" in said
    assert "frequency code 7" not in said


def test_the_ledger_records_the_corrected_claim_the_letter_is(tmp_path):
    from ledger_helpers import DATE, as_json, cli
    from x12_workspace import make_workspace

    ws = make_workspace(tmp_path / "ws")
    result = cli("generate", SAMPLES / "authorization-197.yaml", "-o", tmp_path / "out", "--workspace", ws,
                 "--date", DATE)
    assert result.exit_code == 0, result.stderr
    assert "no-change-listed" not in result.stderr  # its corrected claim says what it adds: the number
    listed = cli("track", "list", "--workspace", ws, "--json", "--today", "2026-12-01")
    assert listed.exit_code == 0, listed.stderr
    [row] = as_json(listed)["appeals"]
    assert row["template"] == "authorization" and row["level"] == "corrected-claim"


# -- the key's errors, at the template's file and line ------------------------------------------------------

@pytest.fixture
def mine(run, tmp_path) -> Path:
    """A copy of the authorization template named my-197, as `templates new` makes it."""
    folder = tmp_path / "mine"
    result = run("templates", "new", "my-197", "--from", "authorization", "--dir", folder)
    assert result.exit_code == 0, result.stderr
    return folder


def set_condition(folder: Path, expression: str) -> Path:
    path = folder / "my-197.md"
    text = path.read_text(encoding="utf-8")
    old = "corrected_claim_when: facts.authorization_number and not facts.authorization_on_claim\n"
    assert old in text
    path.write_text(text.replace(old, f"corrected_claim_when: {expression}\n"), encoding="utf-8")
    return path


def test_a_copy_keeps_the_condition_and_decides_alike(run, mine, out):
    assert run("templates", "check", "my-197", "--templates", mine).exit_code == 0
    result = run("generate", mine / "examples" / "my-197.yaml", "--templates", mine, "-o", out, "--json",
                 "--date", "2026-11-27")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["template"] == "my-197"
    assert "Re: Corrected claim (replacement of claim SAMPLE-2026-019797)" in flat(pdf_text(Path(document["outputs"][1])))
    shown = run("templates", "show", "my-197", "--templates", mine, "--json")
    assert json.loads(shown.stdout)["corrected_claim_when"] == \
        "facts.authorization_number and not facts.authorization_on_claim"


@pytest.mark.parametrize("expression, message", [
    ("facts.authorisation_number", "the fact 'authorisation_number' is not declared under the template's facts"),
    ("appeal.facts['retro_auth'] or facts.authorization_number", "the fact 'retro_auth' is not declared"),
    ("facts.authorization_number and", "is not a Jinja expression"),
    ("facts.authorization_number | nofilter", "is not a Jinja expression: No filter named 'nofilter'"),
    ("case.authorization_number", "'case' is not a name the expression can read"),
    ("appeal.requsted_code", "appeal has no field 'requsted_code'"),
])
def test_a_bad_condition_is_a_template_error_at_its_file_line_and_key(run, mine, out, expression, message):
    path = set_condition(mine, expression)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("corrected_claim"))
    for args in (("templates", "check", "my-197", "--templates", mine),
                 ("generate", mine / "examples" / "my-197.yaml", "--templates", mine, "-o", out)):
        result = run(*args)
        assert result.exit_code in (1, 2)
        assert f"{path}:{line}: corrected_claim_when: {message}" in result.stderr
        assert "Traceback" not in result.stderr
    assert list(out.iterdir()) == []


def test_a_condition_for_a_template_that_writes_no_corrected_claim_is_an_error(mine):
    path = mine / "my-197.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("levels: [corrected-claim, ", "levels: ["), encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        template_set([mine]).get("my-197")
    [problem] = info.value.problems
    assert problem.file == str(path) and problem.field == "corrected_claim_when"
    assert "the template's levels do not include corrected-claim" in problem.message


def test_a_condition_that_fails_on_a_case_names_the_template_and_key(run, mine, out, make_case):
    path = set_condition(mine, '(facts.authorization_number ~ "") == ""')
    case = make_case({"template": "my-197", "appeal.facts": {"no_authorization_reason": "an emergency"}},
                     base=SAMPLES / "authorization-197.yaml")
    result = run("generate", case, "--templates", mine, "-o", out)
    assert result.exit_code == 2
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("corrected_claim"))
    assert f"{path}:{line}: corrected_claim_when: undefined value:" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_condition_is_compiled_once_and_reads_missing_facts_as_false(tmp_path):
    condition = LevelCondition("facts.a and not facts.b", tmp_path / "t.md", 3)
    assert condition.holds({"facts": {"a": "x", "b": None}}) is True
    assert condition.holds({"facts": {"a": None, "b": None}}) is False
    assert condition.holds({"facts": {"a": "x", "b": True}}) is False
    with pytest.raises(TemplateError) as info:
        condition.holds({"facts": {}})  # a fact the case's facts do not hold: strict, never silently false
    assert str(info.value.problems[0]).startswith(f"{tmp_path / 't.md'}:3: corrected_claim_when: undefined value")


# -- request_rule: the built-in CARC 189 and bundled-region rules, named by the front matter -----------------

def test_a_copy_of_the_carc_189_letter_keeps_its_rule_and_asks_for_76120(run, tmp_path, out):
    folder = tmp_path / "mine"
    assert run("templates", "new", "my-189", "--from", "specific-code-required", "--dir", folder).exit_code == 0
    assert "request_rule: specific-code" in (folder / "my-189.md").read_text(encoding="utf-8")
    result = run("generate", folder / "examples" / "my-189.yaml", "--templates", folder, "-o", out, "--json",
                 "--date", "2026-11-27")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["template"] == "my-189"
    text = flat(pdf_text(Path(document["outputs"][1])))
    assert "Re: Corrected claim" in text and "76496 corrected to 76120" in text
    shown = run("templates", "show", "my-189", "--templates", folder, "--json")
    assert json.loads(shown.stdout)["request_rule"] == "specific-code"


def test_a_template_replacing_the_carc_189_letter_by_its_id_without_a_rule_keeps_the_builtins(run, tmp_path, out):
    """A user's specific-code-required.md written before request_rule existed (the key taken out): its letters
    still ask for 76120, and ``templates show`` says which rule decides them."""
    folder = tmp_path / "mine"
    folder.mkdir()
    source = (ROOT / "templates" / "specific-code-required.md").read_text(encoding="utf-8")
    lines = [line for line in source.splitlines(keepends=True) if not line.startswith("request_rule:")]
    assert len(lines) == len(source.splitlines()) - 1
    (folder / "specific-code-required.md").write_text("".join(lines), encoding="utf-8")
    shown = run("templates", "show", "specific-code-required", "--templates", folder, "--json")
    assert shown.exit_code == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert document["origin"] != "builtin" and document["request_rule"] == "specific-code"
    result = run("generate", SAMPLES / "upmc-76496-specific-code.yaml", "--templates", folder, "-o", out, "--json",
                 "--date", "2026-11-27")
    assert result.exit_code == 0, result.stderr
    assert "76496 corrected to 76120" in flat(pdf_text(Path(json.loads(result.stdout)["outputs"][1])))


def test_every_rule_a_template_may_name_is_one_bind_applies():
    from appeal.letters import bind, templates

    assert set(bind._RULES) == set(templates.REQUEST_RULES)
    assert set(templates.BUILTIN_RULES.values()) <= set(templates.REQUEST_RULES)
    metas = template_set().all()
    assert {i: metas[i].request_rule for i in templates.BUILTIN_RULES} == templates.BUILTIN_RULES


def _with_rule(folder: Path, rule_line: str, drop: str = "") -> Path:
    path = folder / "my-197.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("\nfacts:", f"\n{rule_line}\nfacts:", 1)
    if drop:
        assert drop in text
        text = text.replace(drop, "", 1)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("rule_line, drop, message", [
    ("request_rule: specific-codes", "", "'specific-codes' is not one of the choices; did you mean 'specific-code'?"),
    ("request_rule: separate-region", "",
     "the rule separate-region reads the facts regions, modifier_on_claim; the template does not declare regions, "
     "modifier_on_claim"),
])
def test_a_bad_request_rule_is_a_template_error_at_its_line(mine, rule_line, drop, message):
    path = _with_rule(mine, rule_line, drop)
    with pytest.raises(TemplateError) as info:
        template_set([mine]).get("my-197")
    problems = [p for p in info.value.problems if p.field == "request_rule"]
    assert problems and problems[0].file == str(path) and message in problems[0].message
    assert problems[0].line == next(i for i, t in enumerate(path.read_text().splitlines(), 1)
                                    if t.startswith("request_rule"))


def test_a_request_rule_with_a_corrected_claim_condition_is_an_error(mine):
    path = mine / "my-197.md"
    text = path.read_text(encoding="utf-8")
    facts = "\nfacts:"
    text = text.replace(facts, "\nrequest_rule: separate-region" + facts, 1)
    declared = "templates/facts.yaml\n"
    assert declared in text
    text = text.replace(declared, declared + "  regions:\n  modifier_on_claim:\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        template_set([mine]).get("my-197")
    [problem] = info.value.problems
    assert problem.field == "request_rule" and "request_rule or corrected_claim_when, not both" in problem.accepted
