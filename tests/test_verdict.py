"""Issue 10: a verdict on every letter (ready / review with every reason / blocked), premises the library
supports, one truth for the letter and the check."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
import yaml

from appeal.checks import run_checks
from appeal.checks.verdict import REASONS
from appeal.commands.generate import prepare, verdict_of
from appeal.letters.bind import is_unlisted
from appeal.letters.document import Quote, Table, runs_text
from appeal.settings import Settings, Sources

from conftest import LETTER_DATE, ROOT, SAMPLES, UPMC, flat

TODAY = dt.date(2026, 11, 27)
ADDRESS = ["Appeals Department (sample)", "PO Box 0000", "Pittsburgh, PA 15000"]
SEPARATE = SAMPLES / "separate-regions-97.yaml"
GENERIC = SAMPLES / "generic-reconsideration.yaml"


@pytest.fixture(scope="module")
def sources():
    return Sources.load(Settings(date=LETTER_DATE))


def built(path, sources):
    """The letter, its findings and its verdict, as generate makes them."""
    prepared = prepare(path, sources.settings, sources)
    findings = run_checks(prepared.case, sources.library, sources.workspace, TODAY, templates=sources.templates,
                          letter=prepared.letter, bound=prepared.bound)
    return prepared, findings, verdict_of(prepared, findings)


def re_rows(letter) -> dict[str, str]:
    table = next(b for b in letter.blocks if isinstance(b, Table))
    return {runs_text(row[0]): runs_text(row[1]) for row in table.rows}


def codes(verdict) -> list[str]:
    return [r.code for r in verdict.reasons]


def body(letter) -> str:
    """The letter's words up to the signature (not the attachment or the references)."""
    return flat(letter.text()).split("Sincerely,")[0]


# -- CARC 189: the billed code is unlisted only when the library says so ------------------------------------------

def test_the_library_says_which_codes_are_unlisted(sources):
    library = sources.library
    assert is_unlisted(library, "76496") is True  # its CPT descriptor: "Unlisted fluoroscopic procedure ..."
    assert is_unlisted(library, "76499") is True  # as its source (a forum post) names it
    assert [is_unlisted(library, c) for c in ("76120", "76125", "74230", "76000")] == [False] * 4
    assert is_unlisted(library, "00100") is None  # the library knows nothing of it


@pytest.mark.parametrize("code", ["76120", "76125", "74230"])
def test_189_on_a_specific_code_is_a_reconsideration_that_says_so(make_case, sources, code):
    case = make_case({"claim.lines.0.code": code, "payer.address": ADDRESS,
                      "claim.lines.0.description": "Swallowing function study, recorded" if code == "74230"
                      else "Recorded motion study, cervical spine"})
    prepared, findings, verdict = built(case, sources)
    letter, text = prepared.letter, body(prepared.letter)
    assert prepared.bound.request.level == "reconsideration" and prepared.bound.request.changes == ()
    assert re_rows(letter)["Re:"] == "Request for reconsideration"
    assert f"process {code} as billed" in text and "please name that code in writing" in text
    assert f"{code} is neither: it is itself a specific CPT code" in text
    assert (f"cpt-{code}", "descriptor") in [(b.citation, b.passage) for b in letter.blocks if isinstance(b, Quote)]
    assert "denial was right" not in text and "same reasoning applies" not in text
    assert f"{code}, the code billed, is also an unlisted code" not in text
    assert "corrected claim" not in text.split("Dear Reviewer:")[1].split("Enclosures")[0]
    [found] = [f for f in findings if f.rule == "specific-code-denied-189"]
    assert found.severity == "note" and "is itself a specific code" in found.message
    if code != "76125":  # billed alone, the add-on 76125 is itself an error (add-on-without-primary)
        assert verdict.status == "ready", verdict.reasons


def test_189_on_a_code_the_library_does_not_know_says_nothing_about_it(make_case, sources):
    prepared, findings, verdict = built(make_case({"claim.lines.0.code": "00100", "payer.address": ADDRESS}),
                                        sources)
    text = body(prepared.letter)
    assert "process 00100 as billed" in text and "please name that code in writing" in text
    assert "00100 is" not in text and "unlisted code" not in text.split("Why")[-1]
    assert not [b for b in prepared.letter.blocks if isinstance(b, Quote) and b.citation.startswith("cpt-00")]
    [found] = [f for f in findings if f.rule == "code-unknown-189"]
    assert found.severity == "warning"
    assert verdict.status == "review" and codes(verdict) == ["check-warning"]


def test_an_unlisted_code_billed_for_a_recording_is_corrected_and_says_why(sources):
    prepared, _, _ = built(UPMC, sources)
    text = body(prepared.letter)
    assert "76496, the code billed, is also an unlisted code" in text
    assert 'its CPT descriptor reads "Unlisted fluoroscopic procedure (eg, diagnostic, interventional)"' in text


# -- several regions: the additional region carries 59 (or XS), in the request and the RE block --------------------

@pytest.mark.parametrize("modifier", ["59", "XS"])
def test_several_regions_show_the_modifier_on_the_additional_region(make_case, sources, modifier):
    case = make_case({"appeal.facts.regions": ["cervical spine", "lumbar spine"], "payer.distinct_modifier": modifier})
    prepared, _, _ = built(case, sources)
    changes = [c.text for c in prepared.bound.request.changes]
    assert changes == ["line 1, 09/15/2026: 76496 corrected to 76120", f"added line, 09/15/2026: 76120-{modifier}"]
    assert re_rows(prepared.letter)["Corrected line(s)"] == "; ".join(changes)
    request = flat(prepared.letter.text()).split("Why this code")[0].split("Dear Reviewer:")[1]
    assert f"added line, 09/15/2026: 76120-{modifier}" in request


def test_a_corrected_claim_lists_every_changed_line_with_what_it_now_carries(make_case, sources):
    case = make_case({"appeal.facts.modifier_on_claim": "no", "claim.lines.1.modifiers": []}, base=SEPARATE)
    prepared, _, _ = built(case, sources)
    assert re_rows(prepared.letter)["Corrected line(s)"] == "line 2, 06/02/2026: 76120 corrected to 76120-59"
    assert "line 2, 06/02/2026: 76120 corrected to 76120-59" in flat(prepared.letter.text()).split("Why each region")[0]


# -- one truth: the letter never contradicts the check -----------------------------------------------------------

def test_a_no_recording_letter_never_says_no_code_exists_while_the_check_suggests_76000(make_case, sources):
    prepared, findings, verdict = built(make_case({"appeal.facts.recording": "no"}), sources)
    assert [f.suggested_code for f in findings if f.rule == "unlisted-code-not-recorded"] == ["76000"]
    text = flat(prepared.letter.text())
    assert "no code we know of" not in text
    assert "If UPMC Health Plan holds that a specific code describes this service, please name that code" in text
    assert "check-warning" in codes(verdict)  # the biller decides whether 76000 fits before it goes out


def test_a_finding_the_letter_corrects_is_a_note_and_strict_writes_it(make_case, run, out):
    """The original claim lacked 59 on the additional region (an error); the corrected claim adds it."""
    case = make_case({"appeal.facts.modifier_on_claim": "no", "claim.lines.1.modifiers": [],
                      "payer.address": ADDRESS,
                      "enclosures": ["Corrected claim (CMS-1500), frequency code 7", "Radiology report"]},
                     base=SEPARATE)
    result = run("generate", case, "-o", out, "--date", "2026-11-27", "--strict", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    [found] = [f for f in document["findings"] if f["rule"] == "distinct-modifier"]
    assert found["severity"] == "note" and found["message"].startswith("Corrected by this letter: ")
    assert document["verdict"] == {"status": "ready", "reasons": []} and len(document["outputs"]) == 2
    assert result.stderr.rstrip().splitlines()[-1] == "verdict: ready"
    # the same original claim, asked for reconsideration, does not fix it: the error stays
    recon = make_case({"appeal.facts.modifier_on_claim": "no", "claim.lines.1.modifiers": [],
                       "appeal.level": "reconsideration"}, base=SEPARATE)
    assert run("generate", recon, "-o", out / "r", "--strict").exit_code == 1


# -- the verdict and its reasons ---------------------------------------------------------------------------------

def test_every_reason_code_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code, (status, _) in REASONS.items():
        assert re.search(rf"\| `{re.escape(code)}` \| {status} \|", readme), code


@pytest.mark.parametrize("changes,reason", [
    ({}, "no-payer-address"),
    ({"payer.address": ADDRESS, "enclosures": ["Radiology report of the motion study"]}, "enclosure-not-listed"),
    ({"payer.address": ADDRESS, "appeal.notes": "The patient's name is FILL IN."}, "fill-in"),
    ({"payer.address": ADDRESS, "appeal.notes": "The therapy note of Fill In documents it."}, "fill-in"),
    ({"payer.address": ADDRESS, "appeal.notes": "Units: [fill-in]."}, "fill-in"),
    ({"payer.address": ADDRESS, "appeal.notes": "Date: FILLIN."}, "fill-in"),
    ({"payer.address": ADDRESS, "appeal.facts.recording": "no"}, "check-warning"),
    ({"payer.address": ADDRESS, "denial.date": "2026-11-28"}, "dated-before-denial"),  # the letter: 11/27/2026
    ({"payer.address": ADDRESS, "appeal.prior_decision.date": "2026-11-28",
      "appeal.prior_decision.reference": "R-1"}, "dated-before-decision"),
])
def test_a_letter_that_needs_review_says_why(make_case, sources, changes, reason):
    _, _, verdict = built(make_case(changes) if changes else UPMC, sources)
    assert verdict.status == "review" and codes(verdict) == [reason]
    assert all(r.message for r in verdict.reasons)


def test_a_corrected_claim_that_names_no_changed_line_needs_review(make_case, sources):
    case = make_case({"appeal.level": "corrected-claim", "payer.address": ADDRESS,
                      "enclosures": ["Corrected claim (CMS-1500)", "Radiology report, 08/03/2026"]}, base=GENERIC)
    _, _, verdict = built(case, sources)
    assert verdict.status == "review" and codes(verdict) == ["no-change-listed"]
    named = make_case({"appeal.level": "corrected-claim", "payer.address": ADDRESS, "appeal.requested_code": "76125",
                       "appeal.requested_modifiers": ["26"],
                       "enclosures": ["Corrected claim (CMS-1500)", "Radiology report, 08/03/2026"]}, base=GENERIC)
    prepared, _, _ = built(named, sources)
    assert "line 1, 08/03/2026: 76120 corrected to 76125-26" in flat(prepared.letter.text())


def test_ma130_sends_a_new_claim_and_an_enclosure_saying_frequency_7_needs_review(make_case, sources):
    case = make_case({"denial.rarc": ["MA130"], "payer.address": ADDRESS})
    prepared, _, verdict = built(case, sources)
    assert prepared.bound.request.frequency == "1"
    assert "a new claim (claim frequency code 1)" in flat(prepared.letter.text())
    assert codes(verdict) == ["enclosure-mismatch"]  # the sample lists "Corrected claim (CMS-1500), frequency code 7"


def test_a_generic_letter_without_reasons_needs_review_chosen_or_forced(make_case, sources):
    bare = {"appeal.notes": None, "appeal.citations": None, "payer.address": ADDRESS}
    for case in (make_case(bare, base=GENERIC), make_case({**bare, "template": "generic-reconsideration",
                                                           "denial.carc": "189"}, base=GENERIC)):
        _, _, verdict = built(case, sources)
        assert verdict.status == "review" and codes(verdict) == ["no-reasons"]


def test_an_example_payer_and_a_passed_appeal_by_date_need_review(make_case, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "appeal.yaml").write_text(yaml.safe_dump({"payers": [{
        "name": "UPMC Health Plan", "id": "SAMPLE-UPMC", "example": "yes", "address": ADDRESS,
        "appeal_window_days": {"corrected-claim": "30"}}]}), encoding="utf-8")
    sources = Sources.load(Settings(date=LETTER_DATE, workspace=ws))
    _, _, verdict = built(make_case(), sources)
    assert verdict.status == "review" and sorted(codes(verdict)) == ["appeal-by-passed", "example-payer"]


def test_not_appealable_or_a_check_error_is_blocked(make_case, sources):
    _, _, n211 = built(make_case({"denial.rarc": ["N211"], "payer.address": ADDRESS}, base=GENERIC), sources)
    assert n211.status == "blocked" and codes(n211) == ["not-appealable"]
    _, _, wrong = built(make_case({"appeal.facts.recording": "no", "appeal.requested_code": "76000",
                                   "claim.lines.0.code": "76120", "payer.address": ADDRESS}), sources)
    assert wrong.status == "blocked" and "check-error" in codes(wrong)


def test_a_ready_letter_has_no_reasons(make_case, sources):
    _, _, verdict = built(make_case({"payer.address": ADDRESS}), sources)
    assert (verdict.status, verdict.reasons) == ("ready", ())


def test_generate_prints_the_verdict_last_and_in_json(run, out):
    result = run("generate", UPMC, "-o", out, "--date", "2026-11-27", "--json")
    assert result.exit_code == 0  # review is written, exit 0
    assert result.stderr.rstrip().splitlines()[-1] == "verdict: review (no-payer-address)"
    verdict = json.loads(result.stdout)["verdict"]
    assert verdict["status"] == "review"
    assert [r["code"] for r in verdict["reasons"]] == ["no-payer-address"] and verdict["reasons"][0]["message"]


def test_packet_strict_writes_only_a_ready_letter(run, out):
    result = run("packet", UPMC, "-o", out, "--date", "2026-11-27", "--strict")
    assert result.exit_code == 1 and list(out.iterdir()) == []
    assert "verdict: review (no-payer-address)" in result.stderr


def test_batch_summary_gives_each_letter_its_verdict_and_strict_writes_only_ready(run, make_case, tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    make_case({"payer.address": ADDRESS}, name="cases/a-ready.yaml")
    make_case({}, name="cases/b-review.yaml")
    out = tmp_path / "out"
    result = run("batch", cases, "-o", out, "--jobs", "1", "--date", "2026-11-27", "--json")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8"))))
    assert [(r["status"], r["verdict"]) for r in rows] == [("written", "ready"), ("written", "review")]
    assert rows[1]["reasons"].startswith("no-payer-address: ") and rows[0]["reasons"] == ""
    assert "ok" not in {r["status"] for r in rows}
    items = json.loads(result.stdout)["items"]
    assert items[1]["verdict"]["status"] == "review" and items[1]["reasons"] == ["no-payer-address"]
    strict = tmp_path / "strict"
    result = run("batch", cases, "-o", strict, "--jobs", "1", "--date", "2026-11-27", "--strict")
    rows = list(csv.DictReader(io.StringIO((strict / "summary.csv").read_text(encoding="utf-8"))))
    assert [(r["status"], r["verdict"]) for r in rows] == [("written", "ready"), ("skipped", "review")]
    assert "not ready; not written" in rows[1]["error"] and (rows[1]["docx"], rows[1]["pdf"]) == ("", "")
    assert len(list(strict.glob("*.pdf"))) == 1


# -- warnings only where they bear on the case -------------------------------------------------------------------

def test_the_investigational_policy_warning_only_for_the_policys_services_and_coding_denials(make_case, sources):
    def warned(path) -> bool:
        _, findings, _ = built(path, sources)
        return any(f.rule == "investigational-policy" for f in findings)

    assert warned(UPMC)  # a recorded motion study of the spine, denied on coding
    spine16 = make_case({"denial.carc": "16", "claim.lines.0.code": "76120",
                         "claim.lines.0.description": "Recorded motion study, cervical spine"}, base=GENERIC)
    assert not warned(spine16)  # CARC 16: information missing, nothing to do with the policy
    knee = make_case({"claim.lines.0.description": "Digital motion fluoroscopy of the knee, recorded to DVD",
                      "appeal.facts.regions": ["knee"]})
    assert not warned(knee)  # the policy covers the spine only


# -- the check rules behind the premises, each with a near miss ---------------------------------------------------

def _rules(path, sources) -> set[str]:
    return {f.rule for f in built(path, sources)[1]}


def test_the_189_rules_fire_on_their_codes_only(make_case, sources):
    assert "specific-code-denied-189" in _rules(make_case({"claim.lines.0.code": "76120"}), sources)
    assert "code-unknown-189" in _rules(make_case({"claim.lines.0.code": "00100"}), sources)
    unlisted = _rules(UPMC, sources)
    assert not {"specific-code-denied-189", "code-unknown-189"} & unlisted  # 76496: the library calls it unlisted
    other_carc = _rules(make_case({"claim.lines.0.code": "00100", "appeal.notes": "Why."}, base=GENERIC), sources)
    assert "code-unknown-189" not in other_carc  # CARC 16: nothing to say about unlisted codes


def test_the_example_payer_rule_fires_only_for_an_example_entry(make_case, tmp_path):
    for example, expected in (("yes", True), ("no", False)):
        ws = tmp_path / f"ws-{example}"
        ws.mkdir()
        (ws / "appeal.yaml").write_text(yaml.safe_dump({"payers": [{
            "name": "UPMC Health Plan", "id": "SAMPLE-UPMC", "example": example, "address": ADDRESS}]}),
            encoding="utf-8")
        sources = Sources.load(Settings(date=LETTER_DATE, workspace=ws))
        assert ("example-payer" in _rules(UPMC, sources)) is expected


def test_a_placeholder_of_the_example_profile_keeps_the_letter_from_ready(make_case, sources):
    """`appeal init` writes an example practice and signer, each marked "EXAMPLE - replace"."""
    path = make_case({"signer.name": "Example Signer (EXAMPLE - replace)", "payer.address": ["PO Box 1 (sample)"]})
    prepared, _, verdict = built(path, sources)
    assert "Example Signer (EXAMPLE - replace)" in prepared.letter.text()
    assert "example-text" in codes(verdict) and verdict.status == "review"
    _, _, plain = built(make_case({"payer.address": ["PO Box 1 (sample)"]}), sources)
    assert "example-text" not in codes(plain)


def test_a_letter_with_no_way_to_reach_the_practice_is_reviewed(make_case, sources):
    path = make_case({"signer.phone": None, "signer.email": None, "provider.phone": None})
    prepared, _, verdict = built(path, sources)
    assert "no-contact" in codes(verdict)
    assert "please contact Pat Example." in flat(prepared.letter.text())  # the letter as it stands: no number
    _, _, reachable = built(make_case({"signer.phone": None, "provider.phone": None}), sources)  # an email is enough
    assert "no-contact" not in codes(reachable)


def test_a_letter_dated_after_today_needs_review(make_case):
    """A typed year (2027 for 2026) dates the whole letter wrong: it is held for review, as is one made now to be
    posted later, which keeps its date."""
    sources = Sources.load(Settings(date=dt.date.today() + dt.timedelta(days=400)))
    _, _, judged = built(make_case({"payer.address": ADDRESS}), sources)
    assert judged.status == "review" and "dated-after-today" in codes(judged)
    (reason,) = [r for r in judged.reasons if r.code == "dated-after-today"]
    assert f"after today ({dt.date.today():%m/%d/%Y})" in reason.message
    _, _, today = built(make_case({"payer.address": ADDRESS}), Sources.load(Settings(date=dt.date.today())))
    assert "dated-after-today" not in codes(today)
