"""The coding check: each rule fires on a case that breaks it and stays quiet on a near miss."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeal.checks import RULES, run_checks
from appeal.inputs.case import load_case
from appeal.inputs.workspace import load_workspace
from appeal.reference.citations import CitationLibrary
from appeal.reference.codes import code_table

from conftest import ROOT, UPMC

TODAY = dt.date(2026, 11, 27)
UNLISTED_TWO = [("cpt-assistant-2000-09", "unlisted-not-used"),
                ("coders-desk-reference-76120-76125", "use-76120-76125")]


@pytest.fixture(scope="module")
def library():
    return CitationLibrary.load()


@pytest.fixture
def check(make_case, library):
    """``check({"appeal.facts.recording": "no"})`` -> the findings for that variant of the UPMC sample."""

    def run(changes=None, workspace=None, today=TODAY):
        case = load_case(make_case(changes) if changes else UPMC)
        return run_checks(case, library, workspace, today)

    return run


def rule(findings, rule_id):
    return [f for f in findings if f.rule == rule_id]


def second_line(code="76120", modifiers=None, date="2026-09-15"):
    line = {"date": date, "code": code, "description": "Recorded motion study of the lumbar spine"}
    if modifiers:
        line["modifiers"] = modifiers
    return line


# -- the registry ---------------------------------------------------------------------------------------------

def test_every_rule_cites_passages_the_library_holds(library):
    assert len({r.id for r in RULES}) == len(RULES)
    for entry in RULES:
        for cid, pid in entry.cites:
            assert library.passage(cid, pid).text, (entry.id, cid, pid)


# -- 1. an unlisted code for a recorded study ---------------------------------------------------------------------

def test_upmc_sample_gets_76120_with_its_two_citations(check):
    [found] = rule(check(), "unlisted-code-recorded")
    # a note: the CARC 189 letter already asks for 76120 on a corrected claim
    assert (found.severity, found.line, found.suggested_code) == ("note", 1, "76120")
    assert found.action.startswith("The letter asks for 76120")
    assert list(found.citations) == UNLISTED_TWO
    assert "76496" in found.message and "should not be used" in found.message
    assert found.as_dict()["citations"] == [{"id": c, "passage": p} for c, p in UNLISTED_TWO]


def test_under_another_template_it_is_a_warning(make_case, library, tmp_path):
    """A template that does not itself ask for the specific code: the biller must act."""
    from appeal.letters.templates import template_set

    folder = tmp_path / "tpl"
    folder.mkdir()
    source = (ROOT / "templates" / "specific-code-required.md").read_text(encoding="utf-8")
    without_rule = re.sub(r"^request_rule:.*\n", "", source, count=1, flags=re.MULTILINE)
    assert without_rule != source
    (folder / "my-189.md").write_text(without_rule.replace("id: specific-code-required", "id: my-189"),
                                      encoding="utf-8")
    case = load_case(make_case({"template": "my-189"}))
    [found] = rule(run_checks(case, library, None, TODAY, templates=template_set([folder])),
                   "unlisted-code-recorded")
    assert found.severity == "warning" and found.action.startswith("Bill 76120 on a corrected claim")


def test_a_copy_of_the_template_keeps_its_request_rule(make_case, library, tmp_path):
    """A copy of the CARC 189 letter under another id (``templates new --from``) asks for 76120 itself, as the
    built-in does: the finding is a note."""
    from appeal.letters.templates import template_set

    folder = tmp_path / "tpl"
    folder.mkdir()
    source = (ROOT / "templates" / "specific-code-required.md").read_text(encoding="utf-8")
    (folder / "my-189.md").write_text(source.replace("id: specific-code-required", "id: my-189"), encoding="utf-8")
    case = load_case(make_case({"template": "my-189"}))
    [found] = rule(run_checks(case, library, None, TODAY, templates=template_set([folder])),
                   "unlisted-code-recorded")
    assert found.severity == "note" and found.action == "The letter asks for 76120; bill 76120 on the corrected claim."


def test_with_a_routine_exam_the_suggestion_is_76125(check):
    [found] = rule(check({"appeal.facts.with_routine_exam": "yes"}), "unlisted-code-recorded")
    assert found.suggested_code == "76125"
    assert "routine examination" in found.action


def test_no_recording_gets_no_videoradiography_suggestion(check):
    findings = check({"appeal.facts.recording": "no"})
    assert not rule(findings, "unlisted-code-recorded")
    assert not [f for f in findings if f.suggested_code in ("76120", "76125", "74230")]


def test_asking_for_the_specific_code_already_is_not_flagged(check):
    assert not rule(check({"appeal.requested_code": "76120"}), "unlisted-code-recorded")


def test_asking_for_another_code_for_a_recorded_study_is_an_error(check):
    [found] = rule(check({"appeal.requested_code": "76000"}), "unlisted-code-recorded")
    assert found.severity == "error" and "76000" in found.message and found.suggested_code == "76120"


# -- 2. videoradiography codes without a recording; unlisted fluoroscopy not recorded --------------------------

def test_76120_billed_without_a_recording_is_an_error(check):
    [found] = rule(check({"claim.lines.0.code": "76120", "appeal.facts.recording": "no"}),
                   "videoradiography-not-recorded")
    assert (found.severity, found.line) == ("error", 1)
    assert found.citations == (("cpt-assistant-2000-09", "definitions"),)
    assert "no recording was made" in found.message


def test_76125_requested_without_a_recording_is_an_error(check):
    [found] = rule(check({"appeal.requested_code": "76125", "appeal.facts.recording": "no"}),
                   "videoradiography-not-recorded")
    assert "76125" in found.message


def test_76120_with_a_recording_is_supported(check):
    assert not rule(check({"claim.lines.0.code": "76120"}), "videoradiography-not-recorded")


def test_unlisted_fluoroscopy_not_recorded_suggests_reviewing_76000(check):
    [found] = rule(check({"appeal.facts.recording": "no"}), "unlisted-code-not-recorded")
    assert (found.severity, found.suggested_code) == ("warning", "76000")
    assert found.citations == (("cpt-76000", "descriptor"),)


def test_unlisted_not_recorded_with_a_code_already_chosen_is_quiet(check):
    assert not rule(check({"appeal.facts.recording": "no", "appeal.requested_code": "76000"}),
                    "unlisted-code-not-recorded")
    assert not rule(check(), "unlisted-code-not-recorded")


# -- 3. an unlisted code needs a description -------------------------------------------------------------------

def test_n350_says_the_claim_needs_a_description(check):
    # CARC 16: the missing-information letter keeps the unlisted code (the UPMC letter replaces it with 76120)
    [found] = rule(check({"denial.carc": "16", "denial.rarc": ["N350"]}), "unlisted-code-description")
    assert found.severity == "error"
    assert code_table().rarc("N350") in found.message
    assert found.citations == ()


def test_an_unlisted_line_without_a_description_is_a_warning(check):
    [found] = rule(check({"denial.carc": "16", "denial.rarc": ["M51"], "claim.lines.0.description": None}),
                   "unlisted-code-description")
    assert (found.severity, found.line) == ("warning", 1)


def test_an_unlisted_line_the_letter_replaces_with_a_specific_code_needs_no_description(check):
    """The UPMC letter's corrected claim reports 76120 on line 1: a description of 76496 is moot."""
    assert not rule(check({"claim.lines.0.description": None}), "unlisted-code-description")
    assert not rule(check({"denial.rarc": ["N350"]}), "unlisted-code-description")


def test_a_described_unlisted_line_without_n350_is_quiet(check):
    assert not rule(check(), "unlisted-code-description")
    assert not rule(check({"claim.lines.0.code": "76120", "claim.lines.0.description": None}),
                    "unlisted-code-description")


# -- 4. 74230 is the swallowing study ------------------------------------------------------------------------

def test_74230_for_a_spine_study_is_an_error(check):
    [found] = rule(check({"claim.lines.0.code": "74230"}), "swallowing-code")
    assert found.severity == "error" and found.suggested_code == "76120"
    assert ("cpt-74230", "descriptor") in found.citations


def test_74230_with_nothing_said_about_the_study_is_a_warning(check):
    [found] = rule(check({"claim.lines.0.code": "74230", "claim.lines.0.description": None,
                          "appeal.facts.regions": None}), "swallowing-code")
    assert found.severity == "warning"


def test_74230_for_a_swallowing_study_is_quiet(check):
    assert not rule(check({"claim.lines.0.code": "74230", "appeal.facts.regions": None,
                           "claim.lines.0.description": "Swallowing function study, recorded to DVD"}),
                    "swallowing-code")


def test_74230_requested_for_a_spine_study_is_flagged(check):
    assert rule(check({"appeal.requested_code": "74230"}), "swallowing-code")


# -- 5. 76125 is an add-on ----------------------------------------------------------------------------------

def test_76125_alone_on_its_date_is_an_error(check):
    [found] = rule(check({"claim.lines.0.code": "76125", "appeal.facts.with_routine_exam": "yes"}),
                   "add-on-without-primary")
    assert (found.severity, found.line, found.suggested_code) == ("error", 1, "76120")
    assert ("cpt-76125", "descriptor") in found.citations


def test_76125_requested_for_a_claim_with_no_primary_exam_is_an_error(check):
    assert rule(check({"appeal.requested_code": "76125"}), "add-on-without-primary")


def test_76125_with_a_primary_exam_on_the_same_date_is_quiet(check):
    changes = {"claim.lines.0.code": "76125", "appeal.facts.with_routine_exam": "yes",
               "claim.lines.1": second_line("72040")}
    assert not rule(check(_append(changes)), "add-on-without-primary")


def _append(changes):
    """``claim.lines.1`` in ``changes`` adds a line (set_path only replaces list items); other changes follow."""
    rest = dict(changes)
    extra = [rest.pop(k) for k in sorted(k for k in changes if k.startswith("claim.lines.") and k.count(".") == 2
                                         and k.split(".")[2] != "0")]
    base = yaml.load(UPMC.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["claim"]["lines"]
    return {"claim.lines": base + extra, **rest}


# -- 6. the same code twice on one date ---------------------------------------------------------------------

def _two_76120(second_modifiers=None, regions=None, **more):
    changes = {"claim.lines.0.code": "76120", "claim.lines.1": second_line("76120", second_modifiers)}
    if regions is not None:
        changes["appeal.facts.regions"] = regions
    changes.update(more)
    return _append(changes)


def test_a_second_region_without_modifier_59_is_an_error(check):
    [found] = rule(check(_two_76120(regions=["cervical spine", "lumbar spine"])), "distinct-modifier")
    assert (found.severity, found.line, found.suggested_modifiers) == ("error", 2, ("59",))
    assert found.citations == (("cpt-assistant-2000-09", "separate-regions"),)


def test_the_payers_xs_is_suggested_in_place_of_59(check):
    [found] = rule(check(_two_76120(regions=["cervical spine", "lumbar spine"], **{"payer.distinct_modifier": "XS"})),
                   "distinct-modifier")
    assert found.suggested_modifiers == ("XS",)


def test_59_where_the_payer_wants_xs_is_a_warning(check):
    [found] = rule(check(_two_76120(["59"], ["cervical spine", "lumbar spine"], **{"payer.distinct_modifier": "XS"})),
                   "distinct-modifier")
    assert found.severity == "warning" and found.suggested_modifiers == ("XS",)


def test_the_workspace_payer_directory_gives_the_distinct_modifier(check, tmp_path):
    workspace = _workspace(tmp_path, distinct_modifier="XS")
    [found] = rule(check(_two_76120(regions=["cervical spine", "lumbar spine"]), workspace=workspace),
                   "distinct-modifier")
    assert found.suggested_modifiers == ("XS",)


def test_unknown_regions_cite_both_passages(check):
    [found] = rule(check(_two_76120(regions=None, **{"appeal.facts.regions": None})), "distinct-modifier")
    assert found.citations == (("cpt-assistant-2000-09", "separate-regions"),
                               ("cpt-assistant-2000-09", "additional-views"))


def test_separate_regions_with_the_modifier_are_quiet(check):
    findings = check(_two_76120(["59"], ["cervical spine", "lumbar spine"]))
    assert not rule(findings, "distinct-modifier") and not rule(findings, "additional-views")


def test_the_same_code_on_different_dates_is_quiet(check):
    changes = _append({"claim.lines.0.code": "76120", "claim.lines.1": second_line("76120", date="2026-09-16")})
    findings = check(changes)
    assert not rule(findings, "distinct-modifier") and not rule(findings, "additional-views")


def test_more_lines_than_regions_are_additional_views(check):
    findings = check(_two_76120(["59"], ["cervical spine"]))
    [found] = rule(findings, "additional-views")
    assert (found.severity, found.line) == ("error", 2)
    assert found.citations == (("cpt-assistant-2000-09", "additional-views"),)
    assert not rule(findings, "distinct-modifier")


# -- 7. a payer policy calls the service investigational --------------------------------------------------------

def test_spinal_motion_imaging_warns_of_carc_55(check):
    [found] = rule(check(), "investigational-policy")
    assert found.severity == "warning"
    assert found.citations == (("dmx-policy-unnamed-payer", "position"),)
    assert "CARC 55" in found.message and "investigational-service" in found.action


def test_motion_imaging_of_a_knee_is_quiet(check):
    assert not rule(check({"appeal.facts.regions": ["left knee"],
                           "claim.lines.0.description": "Recorded motion study of the left knee"}),
                    "investigational-policy")


def test_a_carc_55_denial_is_not_warned_of_carc_55(check):
    assert not rule(check({"denial.carc": "55", "template": "specific-code-required"}), "investigational-policy")


# -- 8. remark codes that close the appeal route ---------------------------------------------------------------

@pytest.mark.parametrize("remark", ["N211", "N704", "MA130"])
def test_remarks_that_close_the_appeal_route(check, remark):
    [found] = rule(check({"denial.rarc": [remark], "appeal.level": "reconsideration"}), "appeal-route-closed")
    assert found.severity == "error" and code_table().rarc(remark) in found.message


@pytest.mark.parametrize("remark", ["N704", "MA130"])
def test_a_corrected_claim_is_the_route_resubmit_remarks_leave_open(check, remark):
    assert not rule(check({"denial.rarc": [remark], "appeal.level": "corrected-claim"}), "appeal-route-closed")


def test_n211_is_closed_even_for_a_corrected_claim(check):
    assert rule(check({"denial.rarc": ["N211"], "appeal.level": "corrected-claim"}), "appeal-route-closed")


# -- 9. the appeal-by date ----------------------------------------------------------------------------------------

def _workspace(tmp_path, **payer):
    entry = {"name": "UPMC Health Plan", "id": "SAMPLE-UPMC",
             "appeal_window_days": {"reconsideration": "60", "corrected-claim": "90"}, **payer}
    (tmp_path / "ws").mkdir(exist_ok=True)
    (tmp_path / "ws" / "appeal.yaml").write_text(yaml.safe_dump({"payers": [entry]}), encoding="utf-8")
    return load_workspace(tmp_path / "ws")


def test_a_passed_appeal_by_date_is_a_warning(check, tmp_path):
    """A late appeal may still be heard (good cause): the letter is for review, not blocked."""
    findings = check({"appeal.level": "reconsideration"}, _workspace(tmp_path), dt.date(2026, 12, 25))
    [found] = rule(findings, "appeal-deadline")
    assert found.severity == "warning" and "12/19/2026" in found.message and "has passed" in found.message


def test_an_appeal_due_within_a_week_is_a_warning(check, tmp_path):
    [found] = rule(check({"appeal.level": "reconsideration"}, _workspace(tmp_path), dt.date(2026, 12, 15)),
                   "appeal-deadline")
    assert found.severity == "warning" and "in 4 days" in found.message


def test_without_a_level_the_shortest_window_counts(check, tmp_path):
    [found] = rule(check(None, _workspace(tmp_path), dt.date(2026, 12, 20)), "appeal-deadline")
    assert "reconsideration" in found.message


def test_an_appeal_well_within_its_window_or_without_a_directory_is_quiet(check, tmp_path):
    assert not rule(check({"appeal.level": "reconsideration"}, _workspace(tmp_path), dt.date(2026, 12, 11)),
                    "appeal-deadline")
    assert not rule(check({"appeal.level": "reconsideration"}, None, dt.date(2027, 6, 1)), "appeal-deadline")


# -- 10. sources older than the date of service -------------------------------------------------------------------

def test_quoted_sources_older_than_the_service_get_a_note(check):
    notes = {f.citations[0][0]: f for f in rule(check(), "source-date")}
    assert {"cpt-assistant-2000-09", "cpt-76120"} <= set(notes)
    assert all(f.severity == "note" for f in notes.values())
    assert notes["cpt-assistant-2000-09"].citations == (("cpt-assistant-2000-09", "unlisted-not-used"),)


def test_with_the_letter_the_note_names_exactly_what_it_quotes(make_case, library):
    """The 76125 letter quotes the 76125 descriptor (no date in the source), not 76120's."""
    from appeal.commands.generate import prepare
    from appeal.settings import Settings

    prepared = prepare(make_case({"appeal.facts.with_routine_exam": "yes"}), Settings(date=TODAY))
    findings = run_checks(prepared.case, library, None, TODAY, letter=prepared.letter)
    notes = {f.citations[0][0]: f for f in rule(findings, "source-date")}
    assert "cpt-76120" not in notes
    assert "gives no date for its wording" in notes["cpt-76125"].message
    assert notes["cpt-assistant-2000-09"].citations[0][0] == "cpt-assistant-2000-09"


def test_the_revised_74230_descriptor_is_named(check):
    [found] = [f for f in rule(check({"claim.lines.0.code": "74230"}), "source-date")
               if f.citations[0][0] == "cpt-74230"]
    assert "revised on 01/01/2020" in found.message


def test_a_source_newer_than_the_service_is_quiet(check):
    ids = {f.citations[0][0] for f in rule(check({"claim.lines.0.date": "2000-06-01"}), "source-date")}
    assert "cpt-assistant-2000-09" not in ids and "cpt-76120" in ids


# -- facts that cannot be typed -----------------------------------------------------------------------------

def test_a_missing_fact_is_a_finding_and_the_other_rules_still_run(check):
    findings = check({"appeal.facts.recording": None})
    [missing] = rule(findings, "missing-fact")
    assert missing.severity == "error" and "appeal.facts.recording" in missing.message
    assert rule(findings, "investigational-policy")
    assert not rule(findings, "unlisted-code-recorded")


def test_a_fact_that_is_not_yes_or_no_is_an_invalid_fact(check):
    [found] = rule(check({"appeal.facts.recording": "maybe"}), "invalid-fact")
    assert found.severity == "error" and "recording" in found.message


def test_an_unknown_template_is_a_finding(check):
    [found] = rule(check({"template": "no-such-template"}), "template")
    assert "no-such-template" in found.message


# -- whatever the biller types, the check answers with findings that cite real passages ----------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.sampled_from(["76496", "76499", "76120", "76125", "74230", "76000", "72040"]),
       recording=st.sampled_from(["yes", "no", "NO", "true", "maybe", ""]),
       routine=st.sampled_from(["yes", "no"]),
       rarc=st.lists(st.sampled_from(["N657", "N350", "N211", "N704", "MA130"]), max_size=2, unique=True),
       requested=st.sampled_from([None, "76120", "76125", "76000", "74230"]))
def test_findings_always_cite_existing_passages(check, library, code, recording, routine, rarc, requested):
    changes = {"claim.lines.0.code": code, "appeal.facts.recording": recording or None,
               "appeal.facts.with_routine_exam": routine, "appeal.requested_code": requested,
               "denial.rarc": rarc or None}
    for found in check(changes):
        assert found.severity in ("error", "warning", "note")
        for cid, pid in found.citations:
            assert library.passage(cid, pid).text


def test_a_template_source_is_noted_with_the_passages_its_body_quotes(check):
    [found] = [f for f in rule(check({"appeal.facts.recording": "no"}), "source-date")
               if f.citations[0][0] == "cpt-assistant-2000-09"]
    passages = {pid for _, pid in found.citations}
    assert "definitions" in passages and "hard-copy" not in passages


def test_with_no_stated_preference_either_distinct_modifier_is_fine(check):
    """59 is only the default: a line with XS is not flagged unless the payer asks for 59."""
    lines = [{"date": "2026-09-15", "code": "76120"}, second_line(modifiers=["XS"])]
    assert rule(check({"claim.lines": lines, "appeal.facts.regions": ["cervical", "lumbar"]}),
                "distinct-modifier") == []
    asked = check({"claim.lines": lines, "appeal.facts.regions": ["cervical", "lumbar"],
                   "payer.distinct_modifier": "59"})
    [found] = rule(asked, "distinct-modifier")
    assert "asks for 59" in found.message


def test_a_generic_letter_without_reasons_is_flagged(make_case, library):
    from conftest import SAMPLES

    base = SAMPLES / "generic-reconsideration.yaml"
    bare = load_case(make_case({"appeal.notes": None, "appeal.citations": None}, base=base))
    [found] = rule(run_checks(bare, library, None, TODAY), "no-reasons")
    assert found.severity == "warning" and "appeal.notes" in found.action
    assert rule(run_checks(load_case(base), library, None, TODAY), "no-reasons") == []


def test_76120_asked_for_without_saying_whether_a_routine_exam_was_done_is_a_note(check):
    (found,) = rule(check({"appeal.facts.with_routine_exam": None}), "routine-exam-unstated")
    assert found.severity == "note" and found.suggested_code == "76120" and "76125" in found.message
    assert "appeal.facts.with_routine_exam" in found.action
    assert not rule(check(), "routine-exam-unstated")  # the sample says no routine examination was done
    assert not rule(check({"appeal.facts.with_routine_exam": "yes"}), "routine-exam-unstated")  # 76125 asked for


def test_the_letter_says_why_not_76125_only_when_the_case_says_so(make_case):
    from appeal.commands.generate import prepare
    from appeal.settings import Settings

    said = "the recording was not part of a routine examination on the same day"
    text = lambda changes: " ".join(prepare(make_case(changes), Settings(date=TODAY)).letter.text().split())  # noqa: E731
    assert said in text({})
    assert said not in text({"appeal.facts.with_routine_exam": None})


def test_a_carc_the_code_table_does_not_hold_is_noted(check):
    [found] = rule(check({"denial.carc": "999"}), "unknown-carc")
    assert found.severity == "note" and "CARC 999 is not in the code table" in found.message
    assert rule(check(), "unknown-carc") == []  # 189 is in the table
