"""Each appeal level in its own words: the payer's kind and its ladder of levels, each level's facts, its
appeal-by date with its source, and late letters. Every letter is read back from the PDF a payer receives
(the matrix) or from its document model."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from appeal.commands.generate import prepare
from appeal.errors import CaseError
from appeal.inputs.schema import LADDERS, levels_of
from appeal.letters.document import Quote, References, block_text
from appeal.reference.citations import CitationLibrary
from appeal.reference.codes import code_table, without_usage
from appeal.reference.deadlines import appeal_deadline, earliest_deadline
from appeal.render.pdf import render_pdf
from appeal.settings import Settings

from conftest import LETTER_DATE, SAMPLES, flat

GENERIC = SAMPLES / "generic-reconsideration.yaml"  # CARC 147, denied 2026-09-01, letter dated 2026-11-27
PRIOR = {"appeal.prior_decision.date": "2026-10-15", "appeal.prior_decision.reference": "APL-77",
         "appeal.prior_decision.reason": "The information submitted does not support payment."}
# A medical-judgement denial, still in the generic letter (the matrix compares one letter's words across levels)
MEDICAL = {"denial.carc": "50", "denial.reason": "The service was not medically necessary.",
           "template": "generic-reconsideration"}
REVIEW_ADDRESS = ["Independent Review Unit (sample)", "PO Box 100", "Springfield, PA 15001"]


def case_for(make_case, kind: str, level: str, **changes):
    data = {"payer.kind": kind, "appeal.level": level, **changes}
    if level in ("second-level", "medicare-reconsideration", "external-review"):
        data = {**PRIOR, **data}
    if level == "external-review":
        data = {**MEDICAL, "appeal.external_review_address": REVIEW_ADDRESS, **data}
    return make_case(data, base=GENERIC)


def built(path, **settings):
    return prepare(path, Settings(date=LETTER_DATE, **settings))


def the_problem(path):
    """The one problem building the letter of the case at ``path`` reports."""
    with pytest.raises(CaseError) as info:
        built(path)
    (problem,) = info.value.problems
    return problem


def pdf_words(letter) -> str:
    """The letter as the payer reads it: the PDF's text, whitespace folded."""
    import io

    from pypdf import PdfReader

    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(letter))).pages))


# What each level's letter must say, and must never say.
WORDING = {
    "corrected-claim": (["Corrected claim (replacement of claim SAMPLE-2026-000456)",
                         "submits the enclosed corrected claim"], ["appeal-by date", "due by"]),
    "reconsideration": (["Request for reconsideration", "asks Example Health Plan (sample) to reconsider its denial",
                         "We ask Example Health Plan (sample) to reconsider the denial and to process the claim"], []),
    "first-level": (["First-level appeal", "This is a first-level appeal.",
                     "We ask Example Health Plan (sample) to reverse the denial and to process the claim"], ["reconsider"]),
    "second-level": (["Second-level appeal", "Prior decision 10/15/2026 (reference APL-77)",
                      "second-level appeal of Example Health Plan (sample)'s decision dated October 15, 2026 "
                      "(reference APL-77), which upheld the denial",
                      'stating: "The information submitted does not support payment." This letter answers that '
                      'reason.', "We ask Example Health Plan (sample), at the second level, to reverse the denial and "
                      "to process the claim"], ["reconsider"]),
    "external-review": (["Request for external review", *REVIEW_ADDRESS,
                         "independent external review of Example Health Plan (sample)'s final internal decision "
                         "dated October 15, 2026 (reference APL-77)",
                         "The denial rests on a decision that the service was not medically necessary."],
                        ["reconsider"]),
    "redetermination": (["Request for redetermination", "Beneficiary John R. Example", "Medicare number XYZ0009999",
                         "requests a redetermination of the initial determination on claim SAMPLE-2026-000456",
                         "We request a redetermination: we ask Example Health Plan (sample) to reverse the initial "
                         "determination and to process the claim",
                         "This request gives what 42 CFR 405.944(b) asks of a written request for redetermination: "
                         "the beneficiary's name, the Medicare number, the services and dates of service at issue, "
                         "and the name of the party asking (Riverside Spine & Motion Clinic (sample))."],
                        ["Member ID", "reconsider"]),
    "medicare-reconsideration": (["Request for reconsideration by the Qualified Independent Contractor",
                                  "Medicare number XYZ0009999",
                                  "requests a reconsideration of the redetermination dated October 15, 2026 "
                                  "(reference APL-77)", "Prior decision 10/15/2026 (reference APL-77)",
                                  "We ask the Qualified Independent Contractor to reverse the redetermination"],
                                 ["Member ID"]),
}
# The appeal-by date each level states when no payer directory gives a window: (date, source words).
RULE_DATES = {
    "redetermination": ("January 4, 2027", "120 days from receipt of the initial determination, receipt presumed 5 "
                        "days after its notice of 09/01/2026, per 42 CFR 405.942(a)"),
    "medicare-reconsideration": ("April 18, 2027", "180 days from receipt of the redetermination, receipt presumed 5 "
                                 "days after its notice of 10/15/2026, per 42 CFR 405.962(a)"),
}
MATRIX = [(kind, level) for kind in LADDERS for level in levels_of(kind)]


@pytest.mark.parametrize("kind, level", MATRIX, ids=[f"{k}-{lv}" for k, lv in MATRIX])
def test_each_kind_and_level_reads_in_its_own_words(make_case, kind, level):
    prepared = built(case_for(make_case, kind, level))
    text = pdf_words(prepared.letter)
    said, never = WORDING[level]
    for words in said:
        assert words in text, (kind, level, words)
    for words in never:
        assert words not in text, (kind, level, words)
    if level in RULE_DATES:  # the level's rule gives the date, and the letter says which rule
        date, basis = RULE_DATES[level]
        assert f"This request is timely: it is due by {date} ({basis})." in text
        assert prepared.letter.meta["appeal_by"]["source"] == {"redetermination": "42 CFR 405.942(a)",
                                                               "medicare-reconsideration": "42 CFR 405.962(a)"}[level]
    else:  # no payer directory window, and no rule in the library for this level: no date is invented
        assert "due by" not in text and "appeal_by" not in prepared.letter.meta
    ma_sentence = "go on to the independent review entity without a further request from us (42 CFR 422.592(a))"
    assert (ma_sentence in text) == (kind == "medicare-advantage" and level == "reconsideration")


@pytest.mark.parametrize("kind, level", [("medicare", "second-level"), ("medicare", "reconsideration"),
                                         ("medicare-advantage", "second-level"),
                                         ("medicare-advantage", "redetermination"),
                                         ("commercial", "redetermination"), ("erisa-plan", "medicare-reconsideration")])
def test_a_level_outside_the_kinds_ladder_is_an_error_naming_the_levels_it_accepts(make_case, kind, level):
    problem = the_problem(make_case({"payer.kind": kind, "appeal.level": level, **PRIOR}, base=GENERIC))
    assert problem.field == "appeal.level" and problem.line is not None
    assert f"'{level}' is not a level of appeal for a {kind} payer" in problem.message
    assert problem.accepted == ", ".join(levels_of(kind))
    assert "corrected-claim" in problem.accepted


def test_a_case_without_a_kind_is_commercial(make_case):
    with pytest.raises(CaseError) as info:
        built(make_case({"appeal.level": "redetermination"}, base=GENERIC))
    assert "for a commercial payer" in str(info.value)


# -- the bullets of the issue: each failed before this change ------------------------------------------

def test_a_second_level_appeal_names_the_prior_decision_and_answers_its_reason(make_case):
    letter = built(case_for(make_case, "commercial", "second-level")).letter
    text = flat(letter.text())
    assert "reconsider its denial" not in text
    assert "decision dated October 15, 2026 (reference APL-77), which upheld the denial" in text
    assert '"The information submitted does not support payment." This letter answers that reason.' in text


def test_a_second_level_appeal_without_its_prior_decision_names_each_missing_field(make_case):
    with pytest.raises(CaseError) as info:
        built(make_case({"appeal.level": "second-level"}, base=GENERIC))
    fields = {p.field for p in info.value.problems}
    assert fields == {"appeal.prior_decision.date", "appeal.prior_decision.reference", "appeal.prior_decision.reason"}
    assert all("names the first-level decision this appeal answers" in p.message for p in info.value.problems)


def test_a_medicare_redetermination_never_says_reconsider_nor_member_id(make_case):
    letter = built(case_for(make_case, "medicare", "redetermination")).letter
    words = flat(letter.text()) + " " + letter.running_header
    assert "reconsider" not in words.lower()
    assert "Member ID" not in words
    assert "Medicare number XYZ0009999" in letter.running_header
    assert "42-cfr-405.944-b" in letter.meta["citations"]


def test_a_medicare_case_that_names_no_level_is_a_redetermination(make_case):
    text = flat(built(make_case({"payer.kind": "medicare", "appeal.level": None}, base=GENERIC)).letter.text())
    assert "Request for redetermination" in text and "reconsider" not in text.lower()


def test_the_payer_directory_gives_the_kind_and_the_case_wins(make_case, tmp_path):
    ws = tmp_path / "practice"
    ws.mkdir()
    (ws / "appeal.yaml").write_text(
        "payers:\n  - name: Example Health Plan (sample)\n    kind: medicare\n", encoding="utf-8")
    from_directory = make_case({"appeal.level": None}, base=GENERIC)
    assert "Request for redetermination" in flat(built(from_directory, workspace=ws).letter.text())
    case_wins = make_case({"appeal.level": None, "payer.kind": "commercial"}, base=GENERIC)
    assert "Request for reconsideration" in flat(built(case_wins, workspace=ws).letter.text())


def test_a_late_letter_gives_its_good_cause_and_cites_the_rule(make_case):
    late = case_for(make_case, "medicare", "redetermination", **{
        "denial.date": "2026-06-01", "claim.lines.0.date": "2026-05-18", "appeal.good_cause": "The notice reached us on 10/20/2026, after the "
                                                          "practice moved; the envelope is enclosed."})
    prepared = built(late)
    text = pdf_words(prepared.letter)
    assert ("This request is made after its appeal-by date of October 4, 2026 (120 days from receipt of the initial "
            "determination, receipt presumed 5 days after its notice of 06/01/2026, per 42 CFR 405.942(a))." in text)
    assert ("We ask for the time to file to be extended for good cause (42 CFR 405.942(b)): The notice reached us "
            "on 10/20/2026" in text)
    from appeal.commands.generate import checked, verdict_of
    from appeal.settings import Sources

    judged = verdict_of(prepared, checked(prepared, Sources.load(Settings(date=LETTER_DATE)), LETTER_DATE))
    assert "late-no-good-cause" not in {r.code for r in judged.reasons}
    assert "appeal-by-passed" in {r.code for r in judged.reasons}  # late all the same: review


def test_a_late_letter_without_a_reason_needs_review(make_case):
    from appeal.commands.generate import checked, verdict_of
    from appeal.settings import Sources

    prepared = built(case_for(make_case, "medicare", "redetermination", **{"denial.date": "2026-06-01", "claim.lines.0.date": "2026-05-18"}))
    text = flat(prepared.letter.text())
    assert "This request is made after its appeal-by date of October 4, 2026" in text
    assert "good cause" not in text
    judged = verdict_of(prepared, checked(prepared, Sources.load(Settings(date=LETTER_DATE)), LETTER_DATE))
    assert judged.status == "review"
    (late,) = [r for r in judged.reasons if r.code == "late-no-good-cause"]
    assert "appeal.good_cause" in late.message and "2026-10-04" in late.message


def test_a_late_commercial_letter_with_a_directory_window_gives_its_reason(make_case, tmp_path):
    ws = tmp_path / "practice"
    ws.mkdir()
    (ws / "appeal.yaml").write_text(
        "payers:\n  - name: Example Health Plan (sample)\n    appeal_window_days: {reconsideration: 60}\n"
        "    checked: {source: provider manual 4.2, date: 2026-01-10}\n", encoding="utf-8")
    prepared = built(make_case({"appeal.good_cause": "The denial was mailed to a closed office."}, base=GENERIC),
                     workspace=ws)
    text = flat(prepared.letter.text())
    assert ("This request is made after its appeal-by date of October 31, 2026 (60 days from the denial of "
            "09/01/2026)." in text)  # the payer's own window: not the practice's directory, nor its audit note
    assert "payer directory" not in text and "provider manual 4.2" not in text
    assert "We ask Example Health Plan (sample) to accept it late, for this reason: The denial was mailed" in text
    assert "405.942" not in text  # the Medicare rule is not a commercial plan's


# -- ERISA, external review --------------------------------------------------------------------------------

AUTHORISED = {"appeal.authorized_representative": "yes",
              "enclosures": ["Radiology report, 08/03/2026", "Member's signed authorization of representative"]}


@pytest.mark.parametrize("level", ["reconsideration", "first-level", "second-level"])
def test_an_authorised_erisa_letter_asks_for_the_claim_file(make_case, level):
    text = pdf_words(built(case_for(make_case, "erisa-plan", level, **AUTHORISED, **MEDICAL)).letter)
    assert ("acts for the member as authorised representative; the member's signed authorisation is enclosed. We "
            "ask Example Health Plan (sample) to send us, free of charge, a copy of the claim file" in text)
    assert ("we ask that a health care professional trained and experienced in the field of medicine it involves "
            "take part in the review" in text)
    assert ("gives no deference to the first decision" in text) == (level == "second-level")


def test_the_claim_file_request_is_only_for_an_authorised_erisa_case(make_case):
    for changes in ({"payer.kind": "commercial", **AUTHORISED}, {"payer.kind": "erisa-plan"}):
        text = flat(built(make_case({"appeal.level": "reconsideration", **changes}, base=GENERIC)).letter.text())
        assert "claim file" not in text


def test_no_health_care_professional_is_asked_for_on_a_coding_denial(make_case):
    text = flat(built(case_for(make_case, "erisa-plan", "reconsideration", **AUTHORISED)).letter.text())
    assert "claim file" in text and "health care professional" not in text


def test_an_authorised_representative_lists_the_signed_authorisation(make_case):
    problem = the_problem(case_for(make_case, "erisa-plan", "reconsideration",
                                   **{"appeal.authorized_representative": "yes"}))
    assert problem.field == "appeal.authorized_representative" and "listed under enclosures" in problem.message


def test_external_review_cites_the_rule_that_fits_the_plan(make_case):
    insured = flat(built(case_for(make_case, "erisa-plan", "external-review")).letter.text())
    assert "The external review rules of 45 CFR 147.136(a)(1) apply" in insured
    funded = flat(built(case_for(make_case, "erisa-plan", "external-review", **{"payer.self_funded": "yes"}))
                  .letter.text())
    assert "The external review rules of 29 CFR 2590.715-2719(a)(1) apply" in funded


def test_the_medical_necessity_letter_goes_to_external_review(make_case):
    case = make_case({**PRIOR, "appeal.level": "external-review", "payer.kind": "erisa-plan",
                      "appeal.external_review_address": REVIEW_ADDRESS}, base=SAMPLES / "medical-necessity-50.yaml")
    text = flat(built(case).letter.text())
    assert "We ask the independent reviewer to reverse Example Health Plan (sample)'s final internal decision of" in text
    assert "The external review rules of 45 CFR 147.136(a)(1) apply" in text and "reconsider" not in text


def test_external_review_of_a_coding_denial_is_an_error_that_says_why(make_case):
    problem = the_problem(make_case({**PRIOR, "appeal.level": "external-review"}))  # the UPMC sample: CARC 189
    assert problem.field == "appeal.level"
    assert "only for a decision based on medical judgement" in problem.message
    assert f'CARC 189 ("{code_table().carc("189")}") is a coding or billing denial' in problem.message


def test_external_review_is_not_open_to_a_grandfathered_plan(make_case):
    problem = the_problem(case_for(make_case, "commercial", "external-review", **{"payer.grandfathered": "yes"}))
    assert problem.field == "payer.grandfathered" and "not open to a grandfathered plan" in problem.message


def test_external_review_needs_the_final_internal_decision(make_case):
    with pytest.raises(CaseError) as info:
        built(make_case({**MEDICAL, "appeal.level": "external-review"}, base=GENERIC))
    assert {p.field for p in info.value.problems} == {"appeal.prior_decision.date", "appeal.prior_decision.reference"}


# -- deadlines ---------------------------------------------------------------------------------------------

def test_the_level_rules_count_from_the_presumed_receipt():
    due = appeal_deadline(None, "redetermination", dt.date(2026, 3, 2), dt.date(2026, 3, 10), kind="medicare")
    assert (due.due, due.source, due.citation) == (dt.date(2026, 7, 5), "42 CFR 405.942(a)", "42-cfr-405.942-a")
    qic = appeal_deadline(None, "medicare-reconsideration", dt.date(2026, 3, 2), dt.date(2026, 3, 10),
                          kind="medicare", prior_on=dt.date(2026, 8, 1))
    assert (qic.due, qic.source) == (dt.date(2027, 2, 2), "42 CFR 405.962(a)")
    assert appeal_deadline(None, "redetermination", dt.date(2026, 3, 2), kind="commercial") is None
    assert appeal_deadline(None, "external-review", dt.date(2026, 3, 2), kind="commercial") is None  # not read
    assert earliest_deadline(None, dt.date(2026, 3, 2), kind="medicare").level == "redetermination"


def test_a_first_letter_is_due_by_an_opening_levels_window_and_a_corrected_claim_by_its_own():
    from appeal.inputs.workspace import PayerEntry

    denied = dt.date(2026, 3, 2)
    both = PayerEntry("Example Payer (sample)", appeal_window_days={"reconsideration": 60, "second-level": 30})
    # the second level's 30 days count from a decision, not from the denial: a first letter has 60
    assert (earliest_deadline(both, denied).level, earliest_deadline(both, denied).window_days) == ("reconsideration",
                                                                                                     60)
    # a corrected claim without a window of its own is due as a first letter; with one, by it
    assert earliest_deadline(both, denied, "corrected-claim").window_days == 60
    own = PayerEntry("Example Payer (sample)", appeal_window_days={"reconsideration": 60, "corrected-claim": 365})
    found = earliest_deadline(own, denied, "corrected-claim")
    assert (found.level, found.due) == ("corrected-claim", dt.date(2027, 3, 2))
    assert earliest_deadline(own, denied, "second-level") is None  # asked for by name: no window, no date


def test_denials_and_the_case_file_header_say_where_the_date_came_from(tmp_path):
    from appeal.commands.remit import import_835, list_denials

    from conftest import ROOT

    x12 = ROOT / "tests" / "data" / "x12" / "08_synthetic_two_reasons_one_claim.835"
    ws = tmp_path / "practice"
    ws.mkdir()
    (ws / "appeal.yaml").write_text("payers:\n  - name: ACME HEALTH PLAN\n    id: '87726'\n    kind: medicare\n",
                                    encoding="utf-8")
    listed = list_denials([x12], Settings(workspace=ws), dt.date(2024, 1, 10))
    row = listed.rows[0]
    if row["payer"] != "ACME HEALTH PLAN":  # the sample's payer, whatever it is called
        (ws / "appeal.yaml").write_text(f"payers:\n  - name: {row['payer']}\n    kind: medicare\n", encoding="utf-8")
        listed = list_denials([x12], Settings(workspace=ws), dt.date(2024, 1, 10))
        row = listed.rows[0]
    assert row["appeal_by"]["source"] == "42 CFR 405.942(a)" and row["appeal_by"]["level"] == "redetermination"
    from appeal.cli.remit import sources_said

    assert sources_said(listed.rows) == ["appeal by: from the rule of 42 CFR 405.942(a) for 2 denials"]
    from click.testing import CliRunner

    from appeal.cli import cli

    shown = CliRunner().invoke(cli, ["denials", str(x12), "--workspace", str(ws)])
    assert shown.exit_code == 0 and "appeal by: from the rule of 42 CFR 405.942(a) for 2 denials" in shown.stderr
    out = tmp_path / "cases"
    import_835([x12], out, Settings(workspace=ws))
    header = next(out.glob("*.yaml")).read_text(encoding="utf-8")
    assert "source: 42 CFR 405.942(a)" in header and "120 days from receipt of the initial determination" in header


# -- sources: cited, never quoted ----------------------------------------------------------------------------

def test_every_regulation_entry_names_its_paragraph_version_and_where_and_when_it_was_read():
    regulations = [e for e in CitationLibrary.load().entries.values() if e.kind == "regulation"]
    assert {e.id for e in regulations} >= {"42-cfr-405.942-a", "42-cfr-405.942-b", "42-cfr-405.944-b",
                                          "42-cfr-405.962-a", "42-cfr-405.962-b", "42-cfr-422.592-a",
                                          "45-cfr-147.136-a", "29-cfr-2590.715-2719-a"}
    for entry in regulations:
        assert entry.use == "reference-only" and not entry.passages, entry.id  # cited, never quoted
        assert entry.pinpoint and re.search(r"CFR \d+\.[\d-]+\(", entry.pinpoint), entry.id
        assert entry.version and entry.read_at and entry.read_at.startswith("http") and entry.read_on, entry.id
        for text in (entry.title, entry.reference, entry.attribution, entry.version, entry.note or ""):
            assert not re.search(r"[\"“”]", text), entry.id  # no regulation text in quotation marks


def test_a_regulation_entry_without_where_it_was_read_is_refused(tmp_path):
    from appeal.errors import CitationError

    (tmp_path / "reg.yaml").write_text(
        "id: 42-cfr-405.900-a\nkind: regulation\nuse: reference-only\npinpoint: 42 CFR 405.900(a)\n"
        "title: t\nattribution: a\nreference: r\nversion: v\n", encoding="utf-8")
    with pytest.raises(CitationError) as info:
        CitationLibrary.load([tmp_path])
    assert {p.field for p in info.value.problems} == {"read_at", "read_on"}


@pytest.mark.parametrize("kind, level", MATRIX, ids=[f"{k}-{lv}" for k, lv in MATRIX])
def test_no_regulation_text_is_in_quotation_marks(make_case, kind, level):
    """Every span in quotation marks in the letter's prose is the payer's words (its reason, its decision's
    reason) or a code's X12 description; library passages are block quotes of their own, and no regulation has a
    passage."""
    prepared = built(case_for(make_case, kind, level))
    case = prepared.case
    allowed = {case.denial.reason, without_usage(code_table().carc(case.denial.carc))}
    if case.appeal.prior_decision:
        allowed.add(case.appeal.prior_decision.reason)
    # References list each source's full reference (an article's title in quotation marks); a regulation's has
    # none (test_every_regulation_entry_names_...)
    prose = [flat(line) for block in prepared.letter.blocks if not isinstance(block, (Quote, References))
             for line in block_text(block)]
    for span in re.findall(r'"([^"]+)"', " ".join(prose)):
        assert span in allowed, span
    library = CitationLibrary.load()
    assert not [b for b in prepared.letter.blocks if isinstance(b, Quote)
                and library.get(b.citation).kind == "regulation"]


def test_the_readme_ladder_table_is_the_codes():
    from conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### The payer's kind and its levels of appeal"):]
    rows = re.findall(r"^\| (`.+?`.*?) \| (.+) \|$", section[: section.index("\n\n", section.index("| kind |"))],
                      re.MULTILINE)
    said: dict[str, tuple[str, ...]] = {}
    for kinds, levels in rows:
        for kind in re.findall(r"`([a-z-]+)`", kinds.split("(")[0]):
            said[kind] = tuple(re.findall(r"`([a-z-]+)`", levels.split(";")[0].replace(" or ", " -> ")))
    assert said == LADDERS


def test_the_check_flags_a_late_medicare_letter_by_its_rule(make_case):
    from appeal.commands.generate import checked
    from appeal.settings import Sources

    path = case_for(make_case, "medicare", "redetermination", **{"denial.date": "2026-06-01", "claim.lines.0.date": "2026-05-18"})
    prepared = built(path)
    findings = checked(prepared, Sources.load(Settings(date=LETTER_DATE)), LETTER_DATE)
    (late,) = [f for f in findings if f.rule == "appeal-deadline"]
    assert late.severity == "warning" and "42 CFR 405.942(a)" in late.message
    assert "The case gives no reason it is late (appeal.good_cause)." in late.message


def test_a_medicare_letter_names_no_external_review(make_case):
    case = make_case({"payer.kind": "medicare", "appeal.level": "redetermination"},
                     base=SAMPLES / "investigational-dmx.yaml")
    text = flat(built(case).letter.text())
    assert "external review" not in text and "reconsider" not in text.lower()


@pytest.mark.parametrize("kind, level", [(k, lv) for k, lv in MATRIX if lv != "corrected-claim"],
                         ids=[f"{k}-{lv}" for k, lv in MATRIX if lv != "corrected-claim"])
def test_the_payer_directorys_window_gives_each_levels_date_and_says_so(make_case, tmp_path, kind, level):
    ws = tmp_path / "practice"
    ws.mkdir()
    windows = ", ".join(f"{lv}: 90" for lv in levels_of(kind) if lv != "corrected-claim")
    (ws / "appeal.yaml").write_text(f"payers:\n  - name: Example Health Plan (sample)\n    kind: {kind}\n"
                                    f"    appeal_window_days: {{{windows}}}\n", encoding="utf-8")
    prepared = built(case_for(make_case, kind, level, **{"payer.kind": None}), workspace=ws)
    text = pdf_words(prepared.letter)
    # the directory's window wins over a rule, and the letter states it as the payer's window, not as our directory's;
    # a later level's counts from the decision it appeals
    if level in ("second-level", "medicare-reconsideration", "external-review"):
        assert "is timely: it is due by January 13, 2027 (90 days from the decision of 10/15/2026)." in text
    else:
        assert "is timely: it is due by November 30, 2026 (90 days from the denial of 09/01/2026)." in text
    assert "payer directory" not in text
    assert prepared.letter.meta["appeal_by"]["source"] == "payer directory"
    assert prepared.case.payer.kind == kind  # the kind came from the directory
