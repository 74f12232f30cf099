"""The case file: read without type guessing, every problem reported with its line."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appeal.errors import CaseError
from appeal.inputs.case import FactSpec, coerce_facts, load_case, npi_is_valid
from appeal.inputs.fields import parse_amount, parse_date, parse_yes_no

from conftest import UPMC


def problems(path) -> list[str]:
    with pytest.raises(CaseError) as info:
        load_case(path)
    return [str(p) for p in info.value.problems]


def test_sample_loads_with_every_field_typed():
    case = load_case(UPMC)
    assert case.provider.npi == "1234567893"
    assert case.patient.member_id == "0012345678"  # leading zeros kept
    assert case.patient.dob == dt.date(1975, 4, 12)
    line = case.claim.lines[0]
    assert (line.code, line.units, line.charge) == ("76496", Decimal(1), Decimal("350.79"))
    assert line.diagnoses == ("S13.4XXA", "M54.2")
    assert case.denial.carc == "189" and case.denial.rarc == ("N657",)
    assert case.appeal.facts["recording"] == "yes"  # raw until the template types it
    assert case.denied_lines == case.claim.lines


def test_yaml_is_not_type_guessed(make_case):
    path = make_case({"claim.lines": [{"date": "2026-09-15", "code": "00100"}], "patient.name": "NO",
                      "patient.member_id": "0012345"})
    path.write_text(path.read_text().replace("'00100'", "00100").replace("'NO'", "NO").replace("'0012345'", "0012345"))
    case = load_case(path)
    assert case.claim.lines[0].code == "00100"
    assert case.patient.name == "NO"
    assert case.patient.member_id == "0012345"


def test_every_problem_is_reported_at_once_with_file_line_and_field(make_case):
    path = make_case({"provider.npi": "1234567890", "patient.dob": "2099-01-01", "claim.lines.0.code": "7649",
                      "claim.lines.0.charge": "-5", "denial.carc": None})
    found = problems(path)
    text = "\n".join(found)
    assert len(found) == 5
    assert f"{path}:" in text
    assert "provider.npi: '1234567890' fails the NPI check digit" in text
    assert "patient.dob: the date is not in the past" in text and "2099" not in text
    assert "claim.lines[0].code: '7649' is not valid (accepted: a 5-character CPT or HCPCS code" in text
    assert "claim.lines[0].charge: -5 is less than 0" in text
    assert "denial.carc: is required" in text


def test_problem_lines_point_at_the_typed_line(tmp_path):
    text = UPMC.read_text().replace('npi: "1234567893"', 'npi: "12345"')
    path = tmp_path / "c.yaml"
    path.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if 'npi: "12345"' in l)
    assert any(p.startswith(f"{path}:{line}: provider.npi") for p in problems(path))


def test_misspelt_key_gets_did_you_mean(make_case):
    path = make_case({"patient.membr_id": "X1"})
    assert any("unknown field 'membr_id'; did you mean 'member_id'?" in p for p in problems(path))


def test_missing_file_and_yaml_syntax_error(tmp_path):
    assert problems(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: file not found"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("provider:\n  name: A\n   npi: [1\n")
    (message,) = problems(bad)
    assert message.startswith(f"{bad}:3: YAML syntax error")


def test_empty_and_non_mapping_files(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert "the case file is empty" in problems(empty)[0]
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n")
    assert "must be a set of sections" in problems(listy)[0]


def test_duplicate_key_is_an_error(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(UPMC.read_text() + "\nsigner:\n  name: B\n  title: C\n")
    assert any("the key 'signer' is given twice" in p for p in problems(path))


@pytest.mark.parametrize("change, message", [
    ({"claim.lines.0.modifiers": ["599"]}, "claim.lines[0].modifiers: '599' is not valid"),
    ({"claim.lines.0.units": "0"}, "claim.lines[0].units: 0 is less than 1"),
    ({"claim.lines.0.diagnoses": ["12345"]}, "claim.lines[0].diagnoses: '12345' is not valid"),
    ({"claim.lines.0.date": "2026-02-30"}, "claim.lines[0].date: '2026-02-30' is not a real date"),
    ({"denial.lines": ["3"]}, "denial.lines[0]: '3' is not a line of the claim"),
    ({"appeal.level": "reconsider"}, "appeal.level: 'reconsider' is not one of the choices; did you mean 'reconsideration'?"),
    ({"claim.lines": []}, "claim.lines: is required"),
    ({"signer.title": None}, "signer.title: is required"),
    ({"payer.distinct_modifier": "59X"}, "payer.distinct_modifier: '59X' is not one of the choices"),
])
def test_field_rules(make_case, change, message):
    assert any(message in p for p in problems(make_case(change)))


def test_modifiers_units_and_amounts_are_read_as_typed(make_case):
    case = load_case(make_case({"claim.lines.0.modifiers": "26, 59", "claim.lines.0.charge": "$1,250.00",
                                "claim.lines.0.units": "2"}))
    line = case.claim.lines[0]
    assert line.modifiers == ("26", "59") and line.charge == Decimal("1250.00") and line.units == Decimal(2)


def test_letter_date_order(make_case, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    path = make_case()
    assert load_case(path).appeal.date == dt.date(2023, 11, 14)
    assert load_case(make_case({"appeal.date": "2026-01-02"})).appeal.date == dt.date(2026, 1, 2)
    assert load_case(path, date=dt.date(2025, 5, 5)).appeal.date == dt.date(2025, 5, 5)


SPECS = {
    "recording": FactSpec("recording", "yesno", "Was it recorded?", required=True),
    "regions": FactSpec("regions", "list", "Regions"),
    "when": FactSpec("when", "date", "A date"),
    "count": FactSpec("count", "number", "A number"),
}


@pytest.mark.parametrize("typed, expected", [("false", False), ("no", False), ("NO", False), ("yes", True),
                                              ("True", True)])
def test_yes_no_facts_are_never_truthy_strings(make_case, typed, expected):
    case = load_case(make_case({"appeal.facts": {"recording": typed}}))
    assert coerce_facts(case, SPECS)["recording"] is expected


def test_fact_problems(make_case):
    case = load_case(make_case({"appeal.facts": {"recordng": "yes", "when": "soon", "count": "many"}}))
    with pytest.raises(CaseError) as info:
        coerce_facts(case, SPECS)
    text = "\n".join(str(p) for p in info.value.problems)
    assert "appeal.facts.recordng: unknown fact 'recordng': no template uses it; did you mean 'recording'?" in text
    assert "appeal.facts.recording: the template needs this fact: Was it recorded?" in text
    assert "appeal.facts.when: 'soon' is not a real date" in text
    assert "appeal.facts.count: 'many' is not a number" in text


def test_list_fact_defaults_to_empty(make_case):
    case = load_case(make_case({"appeal.facts": {"recording": "no"}}))
    assert coerce_facts(case, SPECS)["regions"] == ()


def test_npi_check_digit():
    assert npi_is_valid("1234567893")
    assert not npi_is_valid("1234567890")
    assert not npi_is_valid("123456789")


@given(st.integers(min_value=0, max_value=999_999_999))
def test_exactly_one_npi_check_digit_is_valid(base):
    stem = f"{base:09d}"
    assert sum(npi_is_valid(stem + str(d)) for d in range(10)) == 1


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_amounts_round_trip(value):
    assert parse_amount(f"{value}") == value
    assert parse_amount(f"${value:,.2f}") == value


@given(st.text(max_size=20))
def test_amount_parser_never_raises(text):
    result = parse_amount(text)
    assert result is None or isinstance(result, Decimal)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_dates_in_both_accepted_forms(day):
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%m/%d/%Y")) == day


@given(st.text(max_size=12))
def test_date_and_yes_no_parsers_never_raise(text):
    assert parse_date(text) is None or isinstance(parse_date(text), dt.date)
    assert parse_yes_no(text) in (True, False, None)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
       .filter(lambda s: s.strip() == s and s.strip()))
def test_any_typed_member_id_is_kept_exactly(tmp_path_factory, member_id):
    import yaml

    from conftest import sample_data

    data = sample_data()
    data["patient"]["member_id"] = member_id
    path = tmp_path_factory.mktemp("c") / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_case(path).patient.member_id == member_id


def test_a_denial_dated_before_the_service_it_denies_is_refused(make_case):
    (message,) = problems(make_case({"denial.date": "2026-08-01"}))  # the sample's service: 09/15/2026
    assert re.search(r":\d+: ", message) and message.split(": ", 1)[1].startswith("denial.date: ")
    assert message.endswith("denial.date: the denial is dated 08/01/2026, before the date of service 09/15/2026 of "
                            "claim line 1 (accepted: the date of the remittance or of the payer's letter, on or after "
                            "the date of service)")
    assert load_case(make_case({"denial.date": "2026-09-15"})).denial.date.isoformat() == "2026-09-15"  # same day


def test_a_remittance_given_as_a_case_file_says_what_to_run_instead(tmp_path):
    from conftest import ROOT

    era = tmp_path / "era.835"
    era.write_bytes((ROOT / "tests" / "data" / "x12" / "07_synthetic_carc189_76496.835").read_bytes())
    (message,) = problems(era)
    assert f"{era}:1: this is an X12 835 remittance, not a case file" in message
    assert f"'appeal batch {era} -o out/'" in message and f"'appeal import-835 {era} -o cases/'" in message


def test_a_missing_section_names_no_line_and_a_missing_key_its_sections(make_case):
    """The file's first key is not where a missing signer belongs; a key missing from a section is at the section."""
    with pytest.raises(CaseError) as info:
        load_case(make_case({"signer": None, "provider.address": None}))
    lines = {p.field: p.line for p in info.value.problems}
    assert lines["signer"] is None and lines["signer.name"] is None
    assert lines["provider.address"] == 1  # the provider: line, the made case's first (a section that is there)


def test_a_denial_or_a_date_of_service_after_today_is_a_typo(make_case):
    today = dt.date.today()
    later = (today + dt.timedelta(days=1)).isoformat()
    found = "\n".join(problems(make_case({"denial.date": later, "claim.lines.0.date": later})))
    assert f"denial.date: {later} is after today (accepted: a date not after today)" in found
    assert f"claim.lines[0].date: {later} is after today" in found
    load_case(make_case({"denial.date": today.isoformat(), "claim.lines.0.date": today.isoformat(),
                         "appeal.date": today.isoformat()}))  # today is not after today
