"""From case to document model: each branch of the CARC 189 letter, escaping, template errors."""

from __future__ import annotations

import pytest

from appeal.commands.generate import prepare
from appeal.errors import CaseError, TemplateError
from appeal.letters.document import Quote, Table, runs_text
from appeal.settings import Settings

from conftest import LETTER_DATE, SAMPLES, flat

WITHDRAWN = "IV injection of photoactive drug (90784)"


def letter_for(path, **settings):
    return prepare(path, Settings(date=LETTER_DATE, **settings)).letter


def quotes(letter) -> list[tuple[str, str]]:
    """What the letter quotes: its block quotes and the descriptors it quotes within a sentence."""
    return ([(b.citation, b.passage) for b in letter.blocks if isinstance(b, Quote)]
            + [tuple(q) for q in letter.meta.get("quoted_inline", ())])


def re_rows(letter) -> dict[str, str]:
    table = next(b for b in letter.blocks if isinstance(b, Table))
    return {runs_text(row[0]): runs_text(row[1]) for row in table.rows}


def test_recorded_study_alone_is_a_corrected_claim_to_76120(make_case):
    letter = letter_for(make_case())
    text = flat(letter.text())
    rows = re_rows(letter)
    assert rows["Re:"] == "Corrected claim (replacement of claim SAMPLE-2026-000123)"
    assert rows["Billed code(s)"] == "76496" and rows["Corrected line(s)"] == "line 1, 09/15/2026: 76496 corrected to 76120"
    assert "claim frequency code 7" in text
    assert "It reports the service as 76120: line 1, 09/15/2026: 76496 corrected to 76120" in text
    assert ("cpt-assistant-2000-09", "unlisted-not-used") in quotes(letter)
    assert ("cpt-76120", "descriptor") in quotes(letter)
    assert WITHDRAWN not in text
    assert letter.meta["citations"][0] == "cpt-assistant-2000-09"


def test_reconsideration_asks_to_reprocess_as_76120(make_case):
    text = flat(letter_for(make_case({"appeal.level": "reconsideration"})).text())
    assert "Request for reconsideration" in text
    assert "reprocess the service: line 1, 09/15/2026: 76496 corrected to 76120" in text
    assert "corrected claim" not in text.split("Dear")[1].split("Why this code")[0]


def test_with_a_routine_exam_the_add_on_76125(make_case):
    letter = letter_for(make_case({"appeal.facts.with_routine_exam": "yes"}))
    assert re_rows(letter)["Corrected line(s)"].endswith("76496 corrected to 76125")
    assert ("cpt-76125", "descriptor") in quotes(letter)
    assert "reported with the code of the routine radiologic examination done the same day" in flat(letter.text())


@pytest.mark.parametrize("modifier", ["59", "XS"])
def test_separate_regions_get_the_payers_distinct_modifier(make_case, modifier):
    letter = letter_for(make_case({"appeal.facts.regions": ["cervical spine", "lumbar spine"],
                                   "payer.distinct_modifier": modifier}))
    text = flat(letter.text())
    assert f"with modifier {modifier} on each additional region" in text
    assert ("cpt-assistant-2000-09", "separate-regions") in quotes(letter)
    assert ("cpt-assistant-2000-09", "additional-views") in quotes(letter)
    assert ("asks for modifier XS in place of 59" in text) == (modifier == "XS")


def test_single_region_has_no_modifier_argument(make_case):
    text = flat(letter_for(make_case()).text())
    assert "each additional region" not in text


def test_not_recorded_with_76000_is_a_corrected_claim_to_76000(make_case):
    letter = letter_for(make_case({"appeal.facts.recording": "no", "appeal.requested_code": "76000"}))
    text = flat(letter.text())
    assert re_rows(letter)["Corrected line(s)"] == "line 1, 09/15/2026: 76496 corrected to 76000"
    assert "no recording was made" in text
    assert ("cpt-76000", "descriptor") in quotes(letter)
    assert ("cpt-76120", "descriptor") not in quotes(letter)
    assert "corrected claim" in text


def test_not_recorded_without_a_code_defends_the_unlisted_code(make_case):
    letter = letter_for(make_case({"appeal.facts.recording": "false"}))
    text = flat(letter.text())
    assert "Requested code" not in re_rows(letter)
    assert "process 76496 as billed" in text
    assert "name that code in writing" in text
    assert ("cpt-76120", "descriptor") not in quotes(letter)


def test_missing_required_fact_names_the_fact(make_case):
    with pytest.raises(CaseError) as info:
        letter_for(make_case({"appeal.facts": {"recording_medium": "DVD"}}))
    assert "appeal.facts.recording: template 'specific-code-required' needs this fact" in str(info.value)


def test_user_text_is_never_markup(make_case):
    name = "<b>José Núñez-Ørsted</b> & *Co* [x](y) # _z_"
    letter = letter_for(make_case({"patient.name": name, "appeal.notes": "Line with **stars** & <i>tags</i>"}))
    assert re_rows(letter)["Patient"] == name
    text = letter.text()
    assert "Line with **stars** & <i>tags</i>" in text
    assert all(not run.bold for b in letter.blocks if hasattr(b, "runs") for run in b.runs
               if "stars" in run.text)


def test_the_document_model_is_plain_data(make_case):
    import json

    data = letter_for(make_case()).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["type"] == "Letter"


FACTS = ("facts:\n  recording: {type: yesno, description: Recorded, required: yes}\n"
         "  recording_medium: {type: text, description: Medium}\n"
         "  with_routine_exam: {type: yesno, description: Routine, default: no}\n"
         "  regions: {type: list, description: Regions}\n")


def _template(tmp_path, body: str) -> None:
    """A user template replacing the built-in one; the body starts on line 11."""
    (tmp_path / "specific-code-required.md").write_text(
        "---\nid: specific-code-required\ntitle: Mine\ncarc: [189]\n" + FACTS + "---\n" + body)


def test_undefined_variable_names_the_template_file_and_line(make_case, tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    _template(folder, '{% extends "base/letter.md" %}\n{% block request %}\nHello\n{{ patient.nickname }}\n'
                      '{% endblock %}\n')
    with pytest.raises(TemplateError) as info:
        letter_for(make_case(), template_dirs=(folder,))
    (problem,) = info.value.problems
    assert problem.file.endswith("specific-code-required.md") and problem.line == 14
    assert "nickname" in problem.message


def test_syntax_error_names_the_line(make_case, tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    _template(folder, "line one\n{% if %}\n")
    with pytest.raises(TemplateError) as info:
        letter_for(make_case(), template_dirs=(folder,))
    assert info.value.problems[0].line == 12
    assert "syntax error" in info.value.problems[0].message


def test_unknown_citation_names_the_template_line(make_case, tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    _template(folder, '{% extends "base/letter.md" %}\n{% block argument %}\n{{ quote("cpt-asistant", "x") }}\n'
                      '{% endblock %}\n')
    with pytest.raises(Exception) as info:
        letter_for(make_case(), template_dirs=(folder,))
    problem = info.value.problems[0]
    assert problem.line == 13 and "no citation with id 'cpt-asistant'" in problem.message


@pytest.mark.parametrize("expression", ["''.__class__.__mro__", "patient.__class__", "provider.logo.read_text()"])
def test_sandbox_refuses_escapes(make_case, tmp_path, expression):
    folder = tmp_path / "tpl"
    folder.mkdir()
    _template(folder, "{{ " + expression + " }}\n")
    with pytest.raises(TemplateError):
        letter_for(make_case({"provider.logo": "logo.png"}), template_dirs=(folder,))


def test_user_template_can_extend_the_builtin_it_replaces(make_case, tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    _template(folder, '{% extends "!builtin/specific-code-required.md" %}\n'
                      '{% block closing %}Call us any time.{% endblock %}\n')
    text = flat(letter_for(make_case(), template_dirs=(folder,)).text())
    assert "Call us any time." in text and "76120" in text


def test_case_values_printed_in_prose_are_never_markup(make_case):
    name = "Ann *Bo* <b>x</b> [y](z) _u_"
    letter = letter_for(make_case({"patient.name": name}))
    opening = next(b for b in letter.blocks if hasattr(b, "runs") and "submits the enclosed" in runs_text(b.runs))
    assert f"corrected claim for {name}, replacing" in runs_text(opening.runs)
    assert not any(run.italic or run.bold for run in opening.runs)


def test_a_template_can_stop_the_letter_at_a_case_fact(make_case):
    from appeal.errors import CaseError

    case = make_case({"denial.carc": "97", "appeal.facts": {"regions": ["cervical spine"],
                                                             "modifier_on_claim": "yes"}})
    with pytest.raises(CaseError) as info:
        letter_for(case)
    (problem,) = info.value.problems
    assert problem.file == str(case) and problem.field == "appeal.facts.regions" and problem.line
    assert "list at least two regions" in problem.message


def _regions_case(make_case, **changes):
    return make_case(changes, base=SAMPLES / "separate-regions-97.yaml")


def test_modifier_missing_makes_a_corrected_claim_with_the_payers_modifier(make_case):
    case = _regions_case(make_case, **{"appeal.facts.modifier_on_claim": "no", "claim.lines.1.modifiers": None,
                                       "payer.distinct_modifier": "XS"})
    letter = letter_for(case)
    text = flat(letter.text())
    assert re_rows(letter)["Re:"].startswith("Corrected claim")
    assert "with modifier XS on the line for the lumbar spine" in text
    assert "asks for modifier XS in place of 59" in text
    assert quotes(letter) == [("cpt-assistant-2000-09", "separate-regions"),
                              ("cpt-assistant-2000-09", "additional-views")]


def test_modifier_on_the_claim_asks_for_reconsideration(make_case):
    text = flat(letter_for(_regions_case(make_case)).text())
    assert "reconsider the denial of 76120-59 on 06/02/2026" in text
    assert "The claim already carried modifier 59" in text and "corrected claim" not in text.split("Dear")[1]


def test_investigational_names_the_payers_policy_and_quotes_or_lists_no_source(make_case):
    """The library's policy names no payer and its studies are that policy's references: none is put to the
    payer as support; the letter names the policy as the case gives it, and argues from the clinical facts."""
    letter = letter_for(make_case({}, base=SAMPLES / "investigational-dmx.yaml"))
    text = flat(letter.text())
    assert quotes(letter) == [] and letter.meta["citations"] == []
    assert "medical policy Dynamic Motion X-ray (sample policy SAMPLE-MP-001), under which" in text
    assert "Supporting literature" not in text and "literature" not in text
    assert "The enclosed records document" not in text  # the enclosures are listed, not vouched for
    assert "medical director" in text and "which further review is open to this claim" in text
    without = flat(letter_for(make_case({"appeal.facts.payer_policy": None},
                                        base=SAMPLES / "investigational-dmx.yaml")).text())
    assert "The denial states that Example Health Plan (sample) considers the service investigational." in without


def test_investigational_reconsideration_claims_no_next_level_it_cannot_support(make_case):
    """Nothing in the case or the library says the next level is an external review: the letter asks."""
    text = flat(letter_for(make_case({}, base=SAMPLES / "investigational-dmx.yaml")).text())
    assert "independent external review" not in text and "The next level is" not in text
    assert "tell us which further review is open to this claim" in text


def test_investigational_external_review_names_the_members_authorization(make_case):
    case = make_case({"appeal.level": "external-review", "appeal.facts.member_authorization": "yes",
                      "appeal.prior_decision.date": "2026-10-01", "appeal.prior_decision.reference": "APL-1"},
                     base=SAMPLES / "investigational-dmx.yaml")
    letter = letter_for(case)
    text = flat(letter.text())
    assert re_rows(letter)["Re:"] == "Request for external review"
    assert "independent external review of Example Health Plan (sample)'s decision" in text
    assert "The member's written authorization for this external review is enclosed." in text
    assert "medical policy Dynamic Motion X-ray (sample policy SAMPLE-MP-001)" in text and quotes(letter) == []


def test_a_corrected_claim_without_a_code_is_an_error_not_a_blank(make_case):
    with pytest.raises(CaseError) as info:
        letter_for(make_case({"appeal.facts.recording": "no", "appeal.level": "corrected-claim"}))
    (problem,) = info.value.problems
    assert problem.field == "appeal.requested_code" and problem.file.endswith(".yaml")
    assert "a corrected claim must name the code it reports instead of 76496" in problem.message


def test_a_videoradiography_code_for_a_study_not_recorded_is_refused(make_case):
    with pytest.raises(CaseError) as info:
        letter_for(make_case({"appeal.facts.recording": "no", "appeal.requested_code": "76120"}))
    assert "76120 describes cineradiography/videoradiography, a recording" in str(info.value)


def test_the_add_on_request_names_its_primary_examination(make_case):
    text = flat(letter_for(make_case({"appeal.facts.with_routine_exam": "yes"})).text())
    assert "as 76125, together with the code of the routine examination that 76125 complements" in text


def test_a_level_the_template_does_not_write_is_an_error_at_the_case_line(make_case):
    from conftest import SAMPLES

    path = make_case({"appeal.level": "corrected-claim"}, base=SAMPLES / "investigational-dmx.yaml")
    with pytest.raises(CaseError) as info:
        letter_for(path)
    (problem,) = info.value.problems
    assert problem.field == "appeal.level" and problem.file == str(path) and problem.line
    assert "does not write a letter for the level 'corrected-claim'" in problem.message
    assert "reconsideration" in problem.accepted


def test_a_citation_typo_in_the_case_is_reported_at_the_case_line(make_case):
    from conftest import SAMPLES

    path = make_case({"appeal.citations": [{"id": "cpt-assistant-2000-09", "passage": "nope"}]},
                     base=SAMPLES / "generic-reconsideration.yaml")
    with pytest.raises(CaseError) as info:
        letter_for(path)
    (problem,) = info.value.problems
    assert (problem.file, problem.field) == (str(path), "appeal.citations[0].passage")
    assert problem.line and "has no passage 'nope'" in problem.message


def test_separate_region_letter_says_which_modifier_the_claim_carried(make_case):
    from conftest import SAMPLES

    base = SAMPLES / "separate-regions-97.yaml"
    same = flat(letter_for(make_case(base=base)).text())
    assert "The claim already carried modifier 59 on the line" in same
    swapped = flat(letter_for(make_case({"payer.distinct_modifier": "XS"}, base=base)).text())
    assert "carried modifier 59 on the line of the" in swapped
    assert "so the corrected claim reports XS in its place" in swapped
    assert "The claim already carried" not in swapped


def test_the_re_block_names_the_denied_line_when_the_denial_names_some_of_the_claims_lines(make_case):
    assert re_rows(letter_for(_regions_case(make_case)))["Billed code(s)"] == "76120-59 (claim line 2 of 2)"
    assert re_rows(letter_for(make_case()))["Billed code(s)"] == "76496"  # one line, the whole claim denied


def test_a_quote_the_case_asks_for_follows_the_sentence_the_case_gives_to_introduce_it(make_case):
    """Typed as plain text: markup, a tag or a template expression in it reach the letter as the words typed."""
    from appeal.letters.document import Paragraph

    intro = "CPT Assistant *describes* <b>the</b> {{ service }}:"
    cited = {"id": "cpt-assistant-2000-09", "passage": "codes-intended"}
    blocks = letter_for(make_case({"appeal.citations": [{**cited, "intro": intro}]},
                                  base=SAMPLES / "generic-reconsideration.yaml")).blocks
    at = next(i for i, b in enumerate(blocks) if isinstance(b, Paragraph) and runs_text(b.runs) == intro)
    assert isinstance(blocks[at + 1], Quote) and blocks[at + 1].passage == "codes-intended"
    without = letter_for(make_case({"appeal.citations": [cited]}, base=SAMPLES / "generic-reconsideration.yaml"))
    assert "describes" not in flat(without.text()).split("quoted as published")[1].split("Enclosures")[0]


def test_a_case_that_still_gives_the_retired_dmx_fact_loads_and_writes_the_same_letter(make_case):
    """policy_is_dmx chose the quoted policy; no template uses it now, and a case written with it still loads."""
    base = SAMPLES / "investigational-dmx.yaml"
    old = letter_for(make_case({"appeal.facts.policy_is_dmx": "yes"}, base=base))
    assert old.text() == letter_for(make_case({}, base=base)).text()


@pytest.mark.parametrize("markdown, said", [
    ("See [the policy](https://example.com/p).", "See the policy (https://example.com/p)."),
    ("See <https://example.com/q>.", "See https://example.com/q."),  # its words are the address: said once
    ("See [**the** policy](https://example.com/p) now.", "See the policy (https://example.com/p) now."),
])
def test_a_link_in_a_template_keeps_its_address_on_paper(markdown, said):
    """A letter is printed and uploaded as a flat PDF: a Markdown link's address follows its words instead of
    being dropped."""
    from appeal.letters.compose import _runs, parser

    (inline,) = [t for t in parser().parse(markdown) if t.type == "inline"]
    assert "".join(run.text for run in _runs(inline, None)) == said


@pytest.mark.parametrize("denied, part, subject", [
    (["1", "3"], "its denial of lines 1 and 3 of claim SAMPLE-2026-000456", "lines 1 and 3 of the claim were denied"),
    (["2"], "its denial of line 2 of claim SAMPLE-2026-000456", "line 2 of the claim was denied"),
    ([], "its denial of claim SAMPLE-2026-000456", "the claim was denied"),
])
def test_a_denial_of_some_lines_is_said_as_such(make_case, denied, part, subject):
    """A payer that denied two lines of a paid claim reads which lines the appeal is about, not "the claim"."""
    lines = [{"date": "2026-08-03", "code": code, "charge": 100} for code in ("76120", "76125", "76120")]
    letter = letter_for(make_case({"claim.lines": lines, "denial.lines": denied},
                                  base=SAMPLES / "generic-reconsideration.yaml"))
    text = flat(letter.text())
    assert part in text and subject in text
