"""Which template answers a denial, why, and what remark codes N211 / N704 / MA130 change."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from appeal.cli import cli
from appeal.commands.generate import prepare
from appeal.inputs.case import load_case
from appeal.letters.document import Table, runs_text
from appeal.letters.select import select_template
from appeal.letters.templates import CarcCondition, template_set
from appeal.reference.codes import code_table
from appeal.settings import Settings

from conftest import LETTER_DATE, SAMPLES, flat

GENERIC = SAMPLES / "generic-reconsideration.yaml"


def choose(path, folders=()):
    return select_template(load_case(path), template_set(folders))


@pytest.mark.parametrize("changes, expected, why", [
    ({"denial.carc": "189"}, "specific-code-required", "lists CARC 189"),
    ({"denial.carc": "55"}, "investigational-service", "lists CARC 55"),
    ({"denial.carc": "50", "denial.reason": "Experimental procedure."}, "investigational-service",
     "answers CARC 50 when the payer calls the service investigational (the denial's reason mentions "
     "'experimental')"),
    ({"denial.carc": "96", "denial.reason": "Not covered.", "appeal.facts": {"payer_calls_investigational": "yes"}},
     "investigational-service", "(the case's fact payer_calls_investigational is yes)"),
    ({"denial.carc": "50", "denial.reason": "Not medically necessary."}, "medical-necessity",
     "template 'medical-necessity' lists CARC 50"),
    ({"denial.carc": "50", "denial.reason": "noninvestigationally"}, "medical-necessity", ""),
    ({"denial.carc": "97"}, "separate-anatomic-region",
     "answers CARC 97 for a recorded motion study (denied line 1 is 76120)"),
    ({"denial.carc": "236"}, "separate-anatomic-region", "answers CARC 236 for a recorded motion study"),
    ({"denial.carc": "97", "claim.lines.0.code": "97110"}, "generic-reconsideration",
     "no template answers CARC 97"),  # bundled therapy: not a letter about anatomic regions imaged
    ({"denial.carc": "4", "claim.lines.0.modifiers": ["XS"]}, "separate-anatomic-region",
     "answers CARC 4 when the distinct-procedure modifier is questioned (denied line 1 carries modifier XS)"),
    ({"denial.carc": "4", "denial.reason": "Modifier 59 not supported."}, "separate-anatomic-region",
     "(the denial's reason mentions '59')"),
    ({"denial.carc": "4", "denial.reason": "Modifier not valid; see $159 fee."}, "generic-reconsideration", ""),
    ({"denial.carc": "16"}, "missing-information", "lists CARC 16"),
    ({"denial.carc": "147"}, "generic-reconsideration", "no template answers CARC 147; using the generic"),
    ({"denial.carc": "97", "template": "generic-reconsideration"}, "generic-reconsideration",
     "the case names template 'generic-reconsideration'"),
])
def test_the_denial_chooses_the_template(make_case, changes, expected, why):
    meta, reason = choose(make_case(changes, base=GENERIC))
    assert meta.id == expected
    assert why in reason


def _user_template(folder, tid, carc, rarc="[]"):
    folder.mkdir(exist_ok=True)
    (folder / f"{tid}.md").write_text(f"---\nid: {tid}\ntitle: {tid}\ncarc: {carc}\nrarc: {rarc}\n---\nText.\n")


def test_remark_codes_then_specificity_then_lookup_order(make_case, tmp_path):
    folder = tmp_path / "mine"
    _user_template(folder, "a-broad", "[189, 16]", "[N350]")
    _user_template(folder, "b-narrow", "[189]")
    case = make_case({"denial.rarc": ["N350"]})
    meta, reason = choose(case, [folder])
    assert meta.id == "a-broad"
    assert reason == ("template 'a-broad' lists CARC 189 and remark code N350 "
                      "(also answering: b-narrow, specific-code-required)")
    meta, _ = choose(make_case({"denial.rarc": ["M51"]}), [folder])
    assert meta.id == "specific-code-required"
    meta, _ = choose(make_case({"denial.rarc": []}), [folder])
    assert meta.id == "b-narrow"  # as specific as the built-in, and found first


@hsettings(max_examples=60, deadline=None)
@given(before=st.text(alphabet="abc XYZ.,;-", max_size=12), after=st.text(alphabet="abc XYZ.,;-", max_size=12))
def test_a_reason_word_counts_only_as_a_whole_word(before, after):
    condition = CarcCondition(carc=("50",), when="when", words=("investigational",))
    case = SimpleNamespace(denial=SimpleNamespace(reason=f"{before}INVESTIGATIONAL{after}"), denied_lines=(),
                           appeal=SimpleNamespace(facts={}))
    alone = (not before or not before[-1].isalnum()) and (not after or not after[0].isalnum())
    assert (condition.met_by(case) is not None) == alone


def test_json_gives_template_reason_outputs_and_warnings(out):
    result = CliRunner().invoke(cli, ["generate", str(SAMPLES / "separate-regions-97.yaml"), "-o", str(out),
                                      "--date", "2026-11-27", "--json"])
    document = json.loads(result.stdout)
    assert document["template"] == "separate-anatomic-region"
    assert document["reason"] == ("template 'separate-anatomic-region' answers CARC 97 for a recorded motion study "
                                  "(denied line 2 is 76120)")
    assert len(document["outputs"]) == 2 and document["warnings"] == []


def letter(path):
    return prepare(path, Settings(date=LETTER_DATE))


def re_title(prepared) -> str:
    table = next(b for b in prepared.letter.blocks if isinstance(b, Table))
    return runs_text(table.rows[0][1])


def test_n211_warns_with_its_description_and_leaves_the_letter(make_case):
    prepared = letter(make_case({"denial.rarc": ["N211"]}, base=GENERIC))
    (warning,) = prepared.warnings
    assert warning.startswith(f'remark code N211 ("{code_table().rarc("N211")}")')
    assert "cannot be appealed" in warning
    assert re_title(prepared) == "Request for reconsideration"


@pytest.mark.parametrize("code", ["N704", "MA130"])
def test_resubmit_codes_make_a_corrected_claim_cover_letter(make_case, code):
    prepared = letter(make_case({"denial.rarc": [code], "appeal.level": None}, base=GENERIC))
    (warning,) = prepared.warnings
    assert code_table().rarc(code) in warning and "corrected-claim cover letter" in warning
    text = flat(prepared.letter.text())
    if code == "N704":  # resubmit with corrected information: a replacement of the claim
        assert re_title(prepared).startswith("Corrected claim (replacement of claim")
        assert "is a replacement of the original claim SAMPLE-2026-000456 (claim frequency code 7)" in text
    else:  # MA130 says "submit a new claim": a new claim (frequency 1), never a replacement (7)
        assert re_title(prepared) == "New claim (in place of unprocessed claim SAMPLE-2026-000456)"
        assert "a new claim (claim frequency code 1)" in text and "frequency code 7" not in text
        assert prepared.bound.request.frequency == "1"


def test_a_level_the_case_sets_is_kept(make_case):
    prepared = letter(make_case({"denial.rarc": ["MA130"], "appeal.level": "reconsideration"}, base=GENERIC))
    assert "the case sets appeal.level to reconsideration" in prepared.warnings[0]
    assert re_title(prepared) == "Request for reconsideration"


def test_a_template_without_corrected_claims_only_warns(make_case):
    case = make_case({"denial.rarc": ["N704"], "appeal.level": None}, base=SAMPLES / "investigational-dmx.yaml")
    prepared = letter(case)
    assert "does not write corrected-claim letters" in prepared.warnings[0]
    assert re_title(prepared) == "Request for reconsideration"


def test_the_cli_warns_on_stderr(make_case, out):
    case = make_case({"denial.rarc": ["N211"]}, base=GENERIC)
    result = CliRunner().invoke(cli, ["generate", str(case), "-o", str(out), "--json"])
    assert result.exit_code == 1  # written, but blocked: the payer says the decision cannot be appealed
    assert "warning: remark code N211" in result.stderr
    assert "not-appealable" in [r["code"] for r in json.loads(result.stdout)["verdict"]["reasons"]]
    assert json.loads(result.stdout)["warnings"][0].startswith("remark code N211")


def test_a_carc_condition_is_validated_with_its_lines(tmp_path):
    from appeal.errors import TemplateError
    from appeal.letters.templates import read_meta

    path = tmp_path / "t.md"
    path.write_text("---\nid: t\ntitle: T\ncarc_when:\n  - carc: [50]\n    when: sometimes\n    fact: nope\n"
                    "  - carc: [96]\n    when: always\n---\n")
    with pytest.raises(TemplateError) as info:
        read_meta(path, "mine")
    text = "\n".join(str(p) for p in info.value.problems)
    assert f"{path}:7: carc_when[0].fact: 'nope' is not a yes/no fact of this template" in text
    assert f"{path}:8: carc_when[1]: a condition needs a test" in text
