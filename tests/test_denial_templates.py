"""The letters for the denials billers see most: each template's sample, the turn between a corrected
claim and an appeal as the facts change, and the check rules that belong to it (a case that triggers
each rule, and a near miss that does not)."""

from __future__ import annotations

import pytest

from appeal.commands.check import check_files
from appeal.commands.generate import Settings, prepare
from appeal.errors import CaseError
from appeal.letters.document import Table, runs_text
from appeal.reference.codes import code_table, without_usage

from conftest import LETTER_DATE, SAMPLES, flat

MISSING = SAMPLES / "missing-information-16.yaml"
DUPLICATE = SAMPLES / "duplicate-claim-18.yaml"
TIMELY = SAMPLES / "timely-filing-29.yaml"
AUTHORIZATION = SAMPLES / "authorization-197.yaml"
NECESSITY = SAMPLES / "medical-necessity-50.yaml"
DIAGNOSIS = SAMPLES / "diagnosis-procedure-11.yaml"
COB = SAMPLES / "coordination-of-benefits-22.yaml"
COVERAGE = SAMPLES / "coverage-terminated-27.yaml"
NONCOVERED = SAMPLES / "non-covered-service-96.yaml"
LIMIT = SAMPLES / "benefit-limit-151.yaml"
NEW_SAMPLES = [MISSING, DUPLICATE, TIMELY, AUTHORIZATION, NECESSITY, DIAGNOSIS, COB, COVERAGE, NONCOVERED, LIMIT]


def letter(path):
    return prepare(path, Settings(date=LETTER_DATE))


def text(prepared) -> str:
    return flat(prepared.letter.text())


def re_title(prepared) -> str:
    table = next(b for b in prepared.letter.blocks if isinstance(b, Table))
    return runs_text(table.rows[0][1])


def findings(path, rule_id):
    """What `appeal check` finds (it runs the rules even when the letter cannot be composed)."""
    [report] = check_files([path], Settings(date=LETTER_DATE))
    return [f for f in report.findings if f.rule == rule_id]


def fact_problem(path) -> str:
    with pytest.raises(CaseError) as info:
        letter(path)
    [problem] = info.value.problems
    return f"{problem.field}: {problem.message}"


TEMPLATE_OF = dict(zip(NEW_SAMPLES, ["missing-information", "duplicate-claim", "timely-filing", "authorization",
                                     "medical-necessity", "diagnosis-procedure", "coordination-of-benefits",
                                     "coverage-terminated", "non-covered-service", "benefit-limit"]))


@pytest.mark.parametrize("sample, template", TEMPLATE_OF.items(), ids=lambda v: getattr(v, "stem", v))
def test_each_sample_gets_its_template_and_says_it_is_fictitious(sample, template):
    assert letter(sample).template.id == template
    assert "FICTITIOUS" in sample.read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.parametrize("sample", NEW_SAMPLES, ids=lambda p: p.stem)
def test_the_letter_quotes_only_the_codes_official_words(sample):
    prepared = letter(sample)
    assert prepared.letter.meta["citations"] == []  # no source quoted: it argues from the facts
    description = without_usage(code_table().carc(prepared.case.denial.carc))
    assert f'"{description}' in text(prepared)


# -- CARC 16 ----------------------------------------------------------------------------------------------

def test_16_without_the_information_is_a_corrected_claim_that_supplies_it():
    prepared = letter(MISSING)
    assert re_title(prepared).startswith("Corrected claim")
    said = text(prepared)
    assert f'Remark code N290: "{code_table().rarc("N290")}"' in said
    assert "supplies the information the denial named: the rendering provider, Dana Example, MD, NPI 1245319599" \
        in said


def test_16_turns_into_an_appeal_when_the_information_was_on_the_claim(make_case):
    path = make_case({"appeal.facts": {"information_on_claim": "yes", "information_location": "loop 2310B, NM109"}},
                     base=MISSING)
    prepared = letter(path)
    assert re_title(prepared) == "Request for reconsideration"
    assert "The claim as first sent carried that information, in loop 2310B, NM109." in text(prepared)
    assert "The enclosed corrected claim" not in text(prepared)


def test_16_on_the_claim_must_say_where(make_case):
    path = make_case({"appeal.facts": {"information_on_claim": "yes"}}, base=MISSING)
    assert fact_problem(path).startswith("appeal.facts.information_location: this letter says the information "
                                         "was on the claim: say where")


def test_16_a_document_the_payer_asked_for_goes_with_a_reconsideration(make_case):
    path = make_case({"appeal.level": "reconsideration", "denial.rarc": ["N350"],
                      "appeal.facts": {"supplied_information": "the study report of 09/08/2026"}}, base=MISSING)
    said = text(letter(path))
    assert "to process claim SAMPLE-2026-001616 with the information enclosed: the study report" in said


def test_rule_16_without_a_remark_code_warns(make_case):
    [found] = findings(make_case({"denial.rarc": None}, base=MISSING), "missing-information-remark")
    assert found.severity == "warning" and "no remark code" in found.message
    assert not findings(MISSING, "missing-information-remark")


# -- CARC 18 ----------------------------------------------------------------------------------------------

def test_18_names_what_differs_and_asks_for_reconsideration():
    prepared = letter(DUPLICATE)
    assert re_title(prepared) == "Request for reconsideration"
    said = text(prepared)
    assert "as a duplicate of claim SAMPLE-2026-001801" in said
    assert "The patient fell in the clinic at 2:50 pm" in said
    assert "Claim line 1 (76120-76) carries modifier 76" in said


def test_18_turns_into_a_corrected_claim_when_it_was_meant_as_a_replacement(make_case):
    prepared = letter(make_case({"appeal.facts.replacement": "yes"}, base=DUPLICATE))
    assert re_title(prepared).startswith("Corrected claim")
    assert "with claim frequency code 7, replaces claim SAMPLE-2026-001801" in text(prepared)


def test_rule_18_with_nothing_that_differs_warns_it_may_be_a_duplicate(make_case):
    path = make_case({"appeal.facts.differences": None, "claim.lines.0.modifiers": None}, base=DUPLICATE)
    [found] = findings(path, "duplicate-nothing-differs")
    assert found.severity == "warning" and found.message.endswith("It may really be a duplicate.")
    # near misses: a distinguishing modifier alone, or a replacement
    assert not findings(make_case({"appeal.facts.differences": None}, base=DUPLICATE), "duplicate-nothing-differs")
    assert not findings(make_case({"appeal.facts.differences": None, "claim.lines.0.modifiers": None,
                                   "appeal.facts.replacement": "yes"}, base=DUPLICATE), "duplicate-nothing-differs")


# -- CARC 29 ----------------------------------------------------------------------------------------------

def test_29_proves_timely_filing_against_the_payers_limit():
    said = text(letter(TIMELY))
    assert "first sent to Example Health Plan (sample) on May 30, 2026, 26 days after the date of service" in said
    assert "filing limit is 90 days from the date of service, so the claim was filed in time" in said
    assert "277CA claim acknowledgement of 05/31/2026" in said


def test_29_turns_from_proof_of_timely_filing_to_good_cause(make_case):
    path = make_case({"appeal.facts.original_submission_date": "2026-09-01",
                      "appeal.facts.good_cause": "Coverage was granted on 08/25/2026, back to 05/01/2026."},
                     base=TIMELY)
    said = text(letter(path))
    assert "We ask Example Health Plan (sample) to accept claim SAMPLE-2026-002929 for good cause" in said
    assert "Coverage was granted on 08/25/2026" in said
    assert "so the claim was filed in time" not in said


def test_29_is_never_a_corrected_claim(make_case):
    path = make_case({"appeal.level": "corrected-claim"}, base=TIMELY)
    with pytest.raises(CaseError) as info:
        letter(path)
    assert "template 'timely-filing' does not write a letter for the level 'corrected-claim'" in str(info.value)


def test_rule_29_outside_the_window_is_an_error(make_case):
    path = make_case({"appeal.facts.original_submission_date": "2026-09-01"}, base=TIMELY)
    [found] = findings(path, "timely-filing-window")
    assert found.severity == "error"
    assert "120 days after the date of service 05/04/2026: outside Example Health Plan (sample)'s filing limit of " \
           "90 days" in found.message
    assert not findings(TIMELY, "timely-filing-window")  # 26 days: inside
    assert "appeal.good_cause says why" not in found.action
    # the other good cause, the appeal's own lateness, does not excuse the filing: the action says which goes where
    both = make_case({"appeal.facts.original_submission_date": "2026-09-01",
                      "appeal.good_cause": "The notice reached us late."}, base=TIMELY)
    [found] = findings(both, "timely-filing-window")
    assert found.severity == "error" and found.action.endswith(
        "(appeal.good_cause says why this appeal is sent late; why the claim was first filed late goes in "
        "appeal.facts.good_cause)")


def test_rule_29_with_no_submission_date_and_no_good_cause_is_an_error(make_case):
    path = make_case({"appeal.facts": {"acceptance_report": "277CA"}}, base=TIMELY)
    [found] = findings(path, "timely-filing-window")
    assert found.severity == "error" and "gives no date the claim was first sent" in found.message


def test_rule_29_without_the_payers_limit_warns(make_case):
    [found] = findings(make_case({"payer.timely_filing_days": None}, base=TIMELY), "timely-filing-window")
    assert found.severity == "warning" and "timely_filing_days" in found.action


def test_rule_29_a_999_is_not_the_payers_acceptance(make_case):
    path = make_case({"appeal.facts.acceptance_report": "999 acknowledgement of 05/30/2026"}, base=TIMELY)
    [found] = findings(path, "timely-filing-acceptance")
    assert found.severity == "warning" and "only that the file's syntax was readable" in found.message
    assert not findings(TIMELY, "timely-filing-acceptance")


def test_the_filing_limit_comes_from_the_payer_directory(tmp_path, run):
    assert run("init", tmp_path / "ws").exit_code == 0
    case = tmp_path / "ws" / "cases" / "late.yaml"
    case.write_text(TIMELY.read_text(encoding="utf-8").replace(
        "  name: Example Health Plan (sample)\n  timely_filing_days: \"90\"\n", "  id: EXAMPLE-PAYER\n"),
        encoding="utf-8")
    prepared = prepare(case, Settings(date=LETTER_DATE, workspace=tmp_path / "ws"))
    assert prepared.case.payer.timely_filing_days == 90  # the example profile's value
    assert "filing limit is 90 days" in text(prepared)


# -- CARC 197 and 15 --------------------------------------------------------------------------------------

def test_197_with_the_number_missing_from_the_claim_is_a_corrected_claim():
    prepared = letter(AUTHORIZATION)
    assert re_title(prepared).startswith("Corrected claim")
    assert "carries authorization number EXA-2026-0713-55, which the original claim lacked" in text(prepared)


def test_197_turns_into_an_appeal_when_the_claim_carried_the_number(make_case):
    prepared = letter(make_case({"appeal.facts.authorization_on_claim": "yes"}, base=AUTHORIZATION))
    assert re_title(prepared) == "Request for reconsideration"
    said = text(prepared)
    assert "under authorization EXA-2026-0713-55" in said and "obtained on July 6, 2026" in said


def test_15_gets_the_same_letter_and_an_emergency_needs_no_number(make_case):
    path = make_case({"denial.carc": "15", "appeal.facts": {
        "no_authorization_reason": "The study was done as an emergency after a fall, on the day of the fall."}},
        base=AUTHORIZATION)
    prepared = letter(path)
    assert prepared.template.id == "authorization"
    assert "no authorization was required for it" in text(prepared)


def test_197_with_nothing_to_show_is_stopped(make_case):
    path = make_case({"appeal.facts": None}, base=AUTHORIZATION)
    assert fact_problem(path).startswith("appeal.facts.authorization_number: give the authorization number")


def test_rule_197_an_authorization_after_the_service_is_a_retro_authorization(make_case):
    path = make_case({"appeal.facts.authorization_date": "2026-07-20"}, base=AUTHORIZATION)
    [found] = findings(path, "authorization-after-service")
    assert found.severity == "warning" and "after the date of service 07/13/2026" in found.message
    assert not findings(AUTHORIZATION, "authorization-after-service")
    assert not findings(make_case({"appeal.facts.authorization_date": "2026-07-20",
                                   "appeal.facts.retro_authorization_requested": "2026-07-14"},
                                  base=AUTHORIZATION), "authorization-after-service")


# -- every new template ------------------------------------------------------------------------------------

@pytest.mark.parametrize("sample", NEW_SAMPLES, ids=lambda p: p.stem)
def test_rule_a_letter_resting_on_evidence_with_nothing_enclosed_warns(make_case, sample):
    [found] = findings(make_case({"enclosures": None}, base=sample), "expected-enclosures")
    assert found.severity == "warning" and "lists no enclosures" in found.message
    assert not findings(sample, "expected-enclosures")


# -- CARC 50 ----------------------------------------------------------------------------------------------

def test_50_argues_from_the_clinical_facts_and_asks_for_the_criteria_and_a_peer():
    prepared = letter(NECESSITY)
    assert prepared.template.id == "medical-necessity"
    assert re_title(prepared) == "First-level appeal"
    said = text(prepared)
    assert "Clinical indication. Neck pain and headaches for ten weeks" in said
    assert "Please send us the criteria Example Health Plan (sample) applied" in said
    assert "a health care professional with appropriate training and experience in the field of medicine " \
           "involved" in said


def test_50_a_reconsideration_does_not_ask_for_the_peer_reviewer(make_case):
    said = text(letter(make_case({"appeal.level": "reconsideration"}, base=NECESSITY)))
    assert "Please send us the criteria" in said and "field of medicine involved" not in said


def test_50_turns_into_a_corrected_claim_with_the_diagnoses_that_show_the_need(make_case):
    prepared = letter(make_case({"appeal.level": None, "appeal.facts.corrected_diagnoses": ["S13.4XXA", "M50.21"]},
                                base=NECESSITY))
    assert re_title(prepared).startswith("Corrected claim")
    assert "with the diagnoses S13.4XXA, M50.21, which show why the service was needed" in text(prepared)


@pytest.mark.parametrize("carc", ["50", "96"])
def test_50_and_96_called_investigational_still_get_the_investigational_letter(make_case, carc):
    path = make_case({"denial.carc": carc, "denial.reason": "Investigational for this indication.",
                      "appeal.facts.treatment_impact": "Surgery was ruled out."}, base=NECESSITY)
    prepared = letter(path)
    assert prepared.template.id == "investigational-service"
    assert "answers CARC " + carc + " when the payer calls the service investigational" in prepared.reason
    assert "(also answering: " in prepared.reason


def test_rule_50_without_a_guideline_warns(make_case):
    [found] = findings(NECESSITY, "necessity-guideline")
    assert found.severity == "warning" and "names no guideline" in found.message
    path = make_case({"appeal.facts.guideline": "A clinical guideline, 2025"}, base=NECESSITY)
    assert not findings(path, "necessity-guideline")
    said = text(letter(path))
    assert "the provider relied on A clinical guideline, 2025; the relevant pages are enclosed" in said


# -- CARC 11 ----------------------------------------------------------------------------------------------

def test_11_with_the_wrong_codes_is_a_corrected_claim_with_the_right_ones():
    prepared = letter(DIAGNOSIS)
    assert re_title(prepared).startswith("Corrected claim")
    assert "with the diagnoses M54.50, M43.16 in place of M54.2" in text(prepared)


def test_11_turns_into_an_appeal_saying_why_the_diagnosis_supports_the_procedure(make_case):
    path = make_case({"appeal.facts": {"diagnosis_support": "Cervicalgia after a fall is the reason the motion "
                                                            "of the cervical spine was studied."}}, base=DIAGNOSIS)
    prepared = letter(path)
    assert re_title(prepared) == "Request for reconsideration"
    assert "Cervicalgia after a fall is the reason" in text(prepared)
    assert "with the diagnoses the claim reports (M54.2)" in text(prepared)


def test_rule_11_a_corrected_claim_with_the_same_diagnoses_warns(make_case):
    path = make_case({"appeal.facts.corrected_diagnoses": ["M542"]}, base=DIAGNOSIS)
    [found] = findings(path, "diagnosis-unchanged")
    assert found.severity == "warning" and "would report the same thing again" in found.message
    assert not findings(DIAGNOSIS, "diagnosis-unchanged")


# -- CARC 22 ----------------------------------------------------------------------------------------------

def test_22_with_a_primary_payer_is_a_corrected_claim_with_its_eob():
    prepared = letter(COB)
    assert re_title(prepared).startswith("Corrected claim")
    said = text(prepared)
    assert "the primary payer, Second Example Insurance Company (sample), whose explanation of benefits" in said
    assert "paid $121.40" in said
    assert f'"{code_table().rarc("MA04")}' not in said  # remark codes are in the RE table, not argued


def test_22_turns_into_an_appeal_when_no_other_coverage_applied(make_case):
    path = make_case({"appeal.facts": {"no_other_coverage": "yes",
                                       "benefits_order": "the patient's only coverage is this plan"}}, base=COB)
    prepared = letter(path)
    assert re_title(prepared) == "Request for reconsideration"
    assert "The patient had no other coverage on 04/07/2026" in text(prepared)


def test_22_cannot_say_both(make_case):
    path = make_case({"appeal.facts.no_other_coverage": "yes"}, base=COB)
    assert fact_problem(path).startswith("appeal.facts.no_other_coverage: the case names a primary payer and says")


def test_rule_22_a_primary_payer_without_what_it_paid_warns(make_case):
    [found] = findings(make_case({"appeal.facts.primary_payer_paid": None}, base=COB), "cob-primary-eob")
    assert found.severity == "warning" and "not what it paid" in found.message
    assert not findings(COB, "cob-primary-eob")


# -- CARC 27 ----------------------------------------------------------------------------------------------

def test_27_gives_the_eligibility_check_on_the_date_of_service():
    prepared = letter(COVERAGE)
    assert re_title(prepared) == "Request for reconsideration"
    said = text(prepared)
    assert "Eligibility was checked on March 16, 2026 (reference 271 trace number EX27-20260316-0042), and it " \
           "showed coverage through March 31, 2026. The date of service was March 16, 2026." in said


def test_27_turns_into_a_corrected_claim_when_the_date_of_service_was_wrong(make_case):
    prepared = letter(make_case({"appeal.facts.correct_service_date": "2026-03-06"}, base=COVERAGE))
    assert re_title(prepared).startswith("Corrected claim")
    assert "reports the date the service was given, March 6, 2026, in place of 03/16/2026" in text(prepared)


def test_rule_27_without_a_check_on_the_date_of_service_warns(make_case):
    [found] = findings(make_case({"appeal.facts.eligibility_verified_on": "2026-03-02"}, base=COVERAGE),
                       "eligibility-on-service-date")
    assert found.severity == "warning" and "not on the date of service 03/16/2026" in found.message
    [found] = findings(make_case({"appeal.facts": {"eligibility_reference": "x"}}, base=COVERAGE),
                       "eligibility-on-service-date")
    assert "gives no eligibility check" in found.message
    assert not findings(COVERAGE, "eligibility-on-service-date")  # checked on the date of service


def test_rule_27_a_check_that_shows_coverage_ended_is_an_error(make_case):
    [found] = findings(make_case({"appeal.facts.coverage_through": "2026-03-10"}, base=COVERAGE),
                       "eligibility-on-service-date")
    assert found.severity == "error" and "it supports the denial" in found.message


# -- CARC 96 and 204 --------------------------------------------------------------------------------------

def test_96_names_the_plan_provision_and_asks_for_the_ones_applied():
    prepared = letter(NONCOVERED)
    assert prepared.template.id == "non-covered-service"
    said = text(prepared)
    assert '(claim adjustment reason code 96: "Non-covered charge(s).")' in said
    assert "covers the service under section 4.3 of the certificate of coverage (sample)" in said
    assert "Please send us the plan provisions Example Health Plan (sample) applied" in said


def test_204_gets_the_same_letter(make_case):
    prepared = letter(make_case({"denial.carc": "204", "denial.reason": None}, base=NONCOVERED))
    assert prepared.template.id == "non-covered-service"
    assert f'"{code_table().carc("204")}"' in text(prepared)


def test_96_turns_into_a_corrected_claim_under_the_code_that_describes_it(make_case):
    prepared = letter(make_case({"appeal.requested_code": "76000"}, base=NONCOVERED))
    assert re_title(prepared).startswith("Corrected claim")
    assert "reports the service billed as 76120 on 02/09/2026 as 76000" in text(prepared)


def test_96_called_investigational_still_gets_the_investigational_letter(make_case):
    path = make_case({"denial.reason": "Experimental and investigational.",
                      "appeal.facts": {"indication": "Neck pain after a fall", "treatment_impact": "None yet"}},
                     base=NONCOVERED)
    prepared = letter(path)
    assert prepared.template.id == "investigational-service"
    assert "(also answering: non-covered-service)" in prepared.reason


def test_rule_96_without_the_plan_provision_warns(make_case):
    [found] = findings(make_case({"appeal.facts.plan_provision": None}, base=NONCOVERED), "plan-provision")
    assert found.severity == "warning" and "names no plan provision" in found.message
    assert not findings(NONCOVERED, "plan-provision")


# -- CARC 119 and 151 -------------------------------------------------------------------------------------

def test_151_says_why_this_service_is_not_the_one_counted():
    prepared = letter(LIMIT)
    assert re_title(prepared) == "Request for reconsideration"
    assert "This one followed a car accident on 08/27/2026" in text(prepared)


def test_119_turns_into_a_corrected_claim_that_adds_the_modifier(make_case):
    prepared = letter(make_case({"denial.carc": "119", "appeal.facts.distinguishing_modifier": "76"}, base=LIMIT))
    assert prepared.template.id == "benefit-limit"
    assert re_title(prepared).startswith("Corrected claim")
    assert "with modifier 76, which shows it is not the service already counted" in text(prepared)


def test_151_with_an_exception(make_case):
    path = make_case({"appeal.facts": {"limit_exception": "The plan allows more studies after a new injury."}},
                     base=LIMIT)
    assert "an exception to the limit applies" in text(letter(path))


def test_rule_151_the_same_code_twice_on_a_date_without_a_modifier_warns(make_case):
    second = {"date": "2026-08-31", "code": "76120", "charge": "202.37"}
    data = {"claim.lines": [{"date": "2026-08-31", "code": "76120", "charge": "202.37"}, second],
            "denial.lines": ["2"]}
    [found] = findings(make_case(data, base=LIMIT), "benefit-limit-same-day")
    assert found.severity == "warning" and found.line == 2 and "the payer counts it twice" in found.message
    near = {"claim.lines": [data["claim.lines"][0], {**second, "modifiers": ["76"]}], "denial.lines": ["2"]}
    assert not findings(make_case(near, base=LIMIT), "benefit-limit-same-day")
    assert not findings(LIMIT, "benefit-limit-same-day")
