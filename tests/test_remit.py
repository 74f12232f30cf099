"""From an 835 remittance to case files: counts, pre-filled fields, FILL IN gaps, deadlines, names."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import click
import pytest

from appeal.cli.remit import denials_table
from appeal.commands.generate import prepare
from appeal.commands.remit import drafts, import_835, list_denials, read_remittance, read_remittances
from appeal.errors import CaseError, RemittanceError
from appeal.inputs.case import load_case
from appeal.inputs.workspace import load_workspace
from appeal.inputs.yamlread import load_yaml
from appeal.letters.templates import template_set
from appeal.settings import Settings

from x12_workspace import PROFILE, X12, make_workspace

# file -> the denial reasons import-835 makes a case for (SOURCES.txt counts, less routine adjustments)
EXPECTED = {
    "01_nebraska_medicaid_deident_5010.835": {"CO-24": 13, "CO-204": 4, "CO-16": 2, "CO-23": 3, "CO-165": 1,
                                              "CO-29": 1},
    "02_emedny_ny_medicaid.835": {"CO-29": 1, "CO-251": 1},
    "03_uhc_legacy_gt_component.835": {},
    "04_pyx12_denied_mult_svc.835": {"CO-16": 1, "OA-A7": 1},
    "05_lfh_secondary_payment.835": {"CO-42": 1},
    "06_tigershark_pipe_leading_tilde_4010.835": {},
    "07_synthetic_carc189_76496.835": {"CO-189": 1, "OA-A7": 1},
    "08_synthetic_two_reasons_one_claim.835": {"CO-189": 1, "CO-97": 1},
    "09_synthetic_reversal_correction.835": {"CO-189": 1},
}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "practice")


def drafts_of(name: str, workspace: Path | None = None, today: dt.date | None = None):
    loaded = load_workspace(workspace) if workspace else None
    return list(drafts(read_remittance(X12 / name), loaded, template_set((), workspace), today))


def write(tmp_path: Path, draft) -> Path:
    path = tmp_path / draft.name
    path.write_text(draft.text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_imports_one_case_per_denial(name, ws, tmp_path):
    result = import_835([X12 / name], tmp_path / "cases", Settings(workspace=ws))
    reasons = Counter(re.search(r"_([A-Z]{2}-[A-Z0-9]+)(-\d+)?\.yaml$", p.name).group(1) for p, _, _ in result.cases)
    assert reasons == Counter(EXPECTED[name])
    assert sorted(p.name for p in (tmp_path / "cases").glob("*.yaml")) == sorted(p.name for p, _, _ in
                                                                                  result.cases)
    for path, _, status in result.cases:
        assert status == "written"
        assert isinstance(load_yaml(path, CaseError).data, dict)  # every value a string, every file YAML


def test_carc189_case_is_complete_with_the_profile(ws, tmp_path):
    draft = [d for d in drafts_of("07_synthetic_carc189_76496.835", ws) if d.denial.carc == "189"][0]
    assert draft.name == "Example-Payer_4276512332_CO-189.yaml"
    assert draft.template == "specific-code-required" and draft.fill_in == []
    assert 'recording: "yes"  # from code_defaults in appeal.yaml (76496)' in draft.text
    case = load_case(write(tmp_path, draft), defaults=load_workspace(ws).case_defaults)
    assert case.payer.name == "Example Payer"  # matched by the N1*PR name, an alias in the directory
    assert case.provider.npi == "1234567893" and case.signer.name == "Pat Example"
    assert (case.patient.name, case.patient.member_id) == ("JOHANN S BACH", "00001612")
    assert (case.claim.number, case.claim.account) == ("4276512332", "2005555A")
    assert [(l.code, str(l.charge), l.date.isoformat()) for l in case.denied_lines] == [
        ("76496", "500.04", "2003-11-29")]
    assert (case.denial.group, case.denial.carc, case.denial.rarc, case.denial.lines) == ("CO", "189", ("M51",), (1,))
    assert case.denial.date == dt.date(2004, 10, 28)  # BPR16, the remittance date
    assert {k: v for k, v in case.appeal.facts.items() if v} == {"recording": "yes", "with_routine_exam": "no"}
    assert set(case.appeal.facts) == {"recording", "recording_medium", "with_routine_exam", "regions"}


def test_a_fact_the_profile_does_not_give_is_marked_and_generate_names_it(tmp_path):
    ws = make_workspace(tmp_path / "practice", PROFILE.replace('"76496": {recording: yes, with_routine_exam: no}',
                                                               '"76496": {with_routine_exam: no}'))
    draft = [d for d in drafts_of("07_synthetic_carc189_76496.835", ws) if d.denial.carc == "189"][0]
    assert draft.fill_in == ["appeal.facts.recording"]
    line = "    recording:  # FILL IN: Was the motion study recorded (video, DVD, digital disk, film)? (yes or no)"
    assert line in draft.text.splitlines()
    path = write(tmp_path, draft)
    with pytest.raises(CaseError) as info:
        prepare(path, Settings(workspace=ws))
    [problem] = info.value.problems
    assert problem.field == "appeal.facts.recording"
    assert problem.message.startswith("template 'specific-code-required' needs this fact: Was the motion study recorded")
    assert problem.line == draft.text.splitlines().index(line) + 1


def test_without_a_profile_the_gaps_are_named_in_the_file_and_by_validation(tmp_path):
    draft = drafts_of("04_pyx12_denied_mult_svc.835")[0]
    # The payee is identified by a TIN (FI), and has no address: the provider's NPI and address are gaps.
    assert draft.fill_in[:4] == ["provider.npi", "provider.address", "signer.name", "signer.title"]
    assert "#   provider.address: the billing provider's address, as a list of lines" in draft.text
    with pytest.raises(CaseError) as info:
        load_case(write(tmp_path, draft))
    missing = {p.field: p.line for p in info.value.problems if p.message == "is required"}
    assert set(missing) == {"provider.npi", "provider.address", "signer.name", "signer.title"}
    lines = draft.text.splitlines()
    for dotted, line in missing.items():  # each one at its own FILL IN line in the file, not at its section
        assert lines[line - 1].strip().startswith(f"{dotted.split('.')[1]}:  # FILL IN: "), (dotted, line)


def test_a_line_without_a_date_is_marked(tmp_path):
    text = (X12 / "04_pyx12_denied_mult_svc.835").read_text()
    text = re.sub(r"DTM\*15[01]\*\d+~\n", "", text).replace("SE*31*", "SE*25*")
    source = tmp_path / "nodates.835"
    source.write_text(text)
    [first, _] = list(drafts(read_remittance(source), None, template_set()))
    assert "claim.lines[0].date" in first.fill_in
    with pytest.raises(CaseError) as info:
        load_case(write(tmp_path, first))
    assert "claim.lines[0].date" in {p.field for p in info.value.problems}


def test_two_reasons_on_one_claim_give_two_cases_naming_their_lines(ws, tmp_path):
    found = drafts_of("08_synthetic_two_reasons_one_claim.835", ws)
    assert [d.name for d in found] == ["Synthetic-Health-Plan_PCN0001_CO-189.yaml",
                                       "Synthetic-Health-Plan_PCN0001_CO-97.yaml"]
    cases = [load_case(write(tmp_path, d), defaults=load_workspace(ws).case_defaults) for d in found]
    assert [c.denial.lines for c in cases] == [(1,), (2, 4)]
    assert [[l.code for l in c.denied_lines] for c in cases] == [["76496"], ["97110", "97140"]]
    assert cases[1].claim.lines[1].modifiers == ("GP",) and len(cases[1].claim.lines) == 4
    # matched by the payer id (N1*PR N104 / REF*2U): the directory's name and appeal address
    assert cases[0].payer.name == "Synthetic Health Plan"
    assert cases[0].payer.address == ("Appeals Unit", "PO Box 1", "Anytown, ZZ 00000")
    assert cases[0].claim.rendering_provider.npi == "1234567893"


def test_a_reversal_and_its_correction_give_one_case(ws):
    [draft] = drafts_of("09_synthetic_reversal_correction.835", ws)
    assert draft.denial.claim.segment_index == 24 and draft.denial.carc == "189"


def test_the_profile_replaces_the_routine_adjustments(tmp_path):
    ws = make_workspace(tmp_path / "p", PROFILE + "routine_adjustments: [CO-45]\n")
    found = drafts_of("03_uhc_legacy_gt_component.835", ws)
    assert Counter(f"{d.denial.group}-{d.denial.carc}" for d in found) == {"PR-1": 2, "PR-2": 1}


def test_file_names_are_safe_and_carry_no_patient_names(ws):
    for name in EXPECTED:
        remit = read_remittance(X12 / name)
        people = {p for c in remit.claims for p in (c.patient.last, c.patient.first) if p and set(p) != {"X"}}
        names = [d.name for d in drafts_of(name, ws)]
        assert len(set(names)) == len(names)
        for file_name in names:
            assert re.fullmatch(r"[A-Za-z0-9-]+_[A-Za-z0-9-]+_[A-Z]{2}-[A-Z0-9]+(-\d+)?\.yaml", file_name)
            assert not any(p.upper() in file_name.upper() for p in people), file_name


def test_import_keeps_a_case_file_the_biller_edited(ws, tmp_path):
    out = tmp_path / "cases"
    source = X12 / "08_synthetic_two_reasons_one_claim.835"
    first = import_835([source], out, Settings(workspace=ws))
    assert [s for _, _, s in first.cases] == ["written", "written"]
    assert [s for _, _, s in import_835([source], out, Settings(workspace=ws)).cases] == ["unchanged"] * 2
    edited = first.cases[0][0]
    edited.write_text(edited.read_text() + "# my notes\n")
    again = import_835([source], out, Settings(workspace=ws))
    assert [s for _, _, s in again.cases] == ["kept", "unchanged"]
    assert any(w.startswith(f"{edited}: differs from what this import writes") for w in again.warnings)
    assert edited.read_text().endswith("# my notes\n")
    import_835([source], out, Settings(workspace=ws), force=True)
    assert not edited.read_text().endswith("# my notes\n")


def test_a_file_that_is_not_an_835_is_an_error_naming_every_bad_file(tmp_path):
    empty, letter = tmp_path / "empty.835", tmp_path / "letter.txt"
    empty.write_bytes(b"")
    letter.write_text("Dear payer,")
    with pytest.raises(RemittanceError) as info:
        read_remittances([empty, X12 / "04_pyx12_denied_mult_svc.835", letter, tmp_path / "missing.835"])
    assert [(Path(p.file).name, p.message) for p in info.value.problems] == [
        ("empty.835", "file is empty"),
        ("letter.txt", "found 'Dear pay' where an ISA or ST*835 segment should start"),
        ("missing.835", "file not found")]
    assert info.value.exit_code == 2


@pytest.mark.parametrize("today, due, flag", [
    (dt.date(2024, 1, 10), "2024-04-04", ""),
    (dt.date(2024, 3, 30), "2024-04-04", "due soon"),
    (dt.date(2024, 4, 10), "2024-04-04", "PAST DUE"),
])
def test_denials_carry_the_appeal_by_date_and_flag(ws, today, due, flag):
    result = list_denials([X12 / "08_synthetic_two_reasons_one_claim.835"], Settings(workspace=ws), today)
    assert [(r["appeal_by"]["due"], r["flag"]) for r in result.rows] == [(due, flag)] * 2
    assert result.rows[0]["remit_date"] == "2024-01-05"  # BPR16; the window is 90 days
    table = [click.unstyle(line) for line in denials_table(result.rows)]
    assert table[0].split() == ["claim", "account", "patient", "DOS", "code", "mod", "CARC", "RARC", "amount",
                                "appeal", "by"]
    row = [line for line in table if line.startswith("PCN0001")][1]
    assert row.split()[:2] == ["PCN0001", "ACCT-0001"] and row.split()[2].startswith("PATIENT")
    assert re.search(r"2023-12-01 97110,(97140)? GP CO-97 M15 180.00 " + f"{due} {flag}".strip() + "$",
                     " ".join(row.split()))


def test_without_a_window_there_is_no_appeal_by_date():
    result = list_denials([X12 / "02_emedny_ny_medicaid.835"], Settings())
    assert [r["appeal_by"] for r in result.rows] == [None, None]
    assert [(r["group"], r["carc"], r["codes"], r["lines"], r["amount"]) for r in result.rows] == [
        ("CO", "29", ["V2020", "V2103"], [1, 2], "34.00"), ("CO", "251", ["V2700", "S0580"], [3, 4], "22.75")]


def test_denied_lines_with_zero_paid_units_make_a_valid_case(ws, tmp_path):
    # SVC05 counts the units paid (0 on a denied line); the case keeps the default of 1 billed unit
    found = drafts_of("02_emedny_ny_medicaid.835", ws)
    cases = [load_case(write(tmp_path, d), defaults=load_workspace(ws).case_defaults) for d in found]
    assert [[str(l.units) for l in c.denied_lines] for c in cases] == [["1", "1"], ["1", "1"]]
    assert cases[0].patient.name == "CORRECTED FIRST CORRECTED LAST"  # NM1*74, the payer's corrected name


def test_import_lists_the_case_folder_once_instead_of_looking_at_each_file(ws, tmp_path, monkeypatch):
    out = tmp_path / "cases"
    source = X12 / "08_synthetic_two_reasons_one_claim.835"
    first = import_835([source], out, Settings(workspace=ws))
    edited = first.cases[0][0]
    edited.write_text(edited.read_text() + "# my notes\n")

    def no_look(self):
        raise AssertionError(f"looked at {self}")

    monkeypatch.setattr(Path, "is_file", no_look)
    again = import_835([source], out, Settings(workspace=ws))
    assert [s for _, _, s in again.cases] == ["kept", "unchanged"]


def test_the_same_claims_in_three_remittances_get_numbered_names(ws, tmp_path):
    source = X12 / "08_synthetic_two_reasons_one_claim.835"
    copy = tmp_path / "again.835"
    copy.write_bytes(source.read_bytes())
    result = import_835([source, copy, source], tmp_path / "cases", Settings(workspace=ws))
    stems = ["Synthetic-Health-Plan_PCN0001_CO-189", "Synthetic-Health-Plan_PCN0001_CO-97"]
    assert [p.name for p, _, _ in result.cases] == [f"{stem}{n}.yaml" for n in ("", "-2", "-3") for stem in stems]
    assert [s for _, _, s in result.cases] == ["written"] * 6
    assert sorted(p.name for p in (tmp_path / "cases").iterdir()) == sorted(p.name for p, _, _ in result.cases)


def test_a_name_numbered_within_a_remittance_stays_apart_from_the_next_remittances(ws, tmp_path):
    """Two denials of one claim and reason in a file (two transactions) are -2 within it; in a second file the
    same names are numbered again against the first file's, never one of them (as import-835 always named)."""
    text = (X12 / "08_synthetic_two_reasons_one_claim.835").read_text()
    start, end = text.index("ST*835"), text.index("GE*")
    doubled = tmp_path / "doubled.835"
    doubled.write_text(text[:end] + text[start:end] + text[end:])
    first = drafts(read_remittance(doubled), load_workspace(ws), template_set((), ws))
    assert [d.name.split("_")[-1] for d in first] == ["CO-189.yaml", "CO-97.yaml", "CO-189-2.yaml", "CO-97-2.yaml"]
    result = import_835([doubled, doubled], tmp_path / "cases", Settings(workspace=ws))
    assert [p.name.split("_")[-1] for p, _, _ in result.cases] == [
        "CO-189.yaml", "CO-97.yaml", "CO-189-2.yaml", "CO-97-2.yaml",
        "CO-189-3.yaml", "CO-97-3.yaml", "CO-189-2-2.yaml", "CO-97-2-2.yaml"]


def test_a_service_line_is_written_as_its_remittance_gives_it_claim_after_claim(ws, tmp_path):
    """Lines of the same date and code whose charges are equal but written differently (120 and 120.00) are each
    written as given (the drafts keep the lines of a line once written, by the remittance's own amounts)."""
    text = (X12 / "08_synthetic_two_reasons_one_claim.835").read_text()
    start, end = text.index("ST*835"), text.index("GE*")
    second = text[start:end].replace("SVC*HC:97110:GP*120*0**2", "SVC*HC:97110:GP*120.00*0**2.0")
    doubled = tmp_path / "doubled.835"
    doubled.write_text(text[:end] + second + text[end:])
    found = [d for d in drafts(read_remittance(doubled), load_workspace(ws), template_set((), ws))
             if d.denial.carc == "97"]
    assert ['      units: "2"', '      charge: "120"'] == [line for line in found[0].text.splitlines()
                                                         if line in ('      units: "2"', '      charge: "120"')]
    assert '      units: "2.0"' in found[1].text.splitlines() and '      charge: "120.00"' in found[1].text.splitlines()


def test_the_header_lists_every_field_to_fill_in_not_only_the_profiles(tmp_path):
    """The profile's gaps with what each means, then the fields marked FILL IN further down (a fact the template
    needs), so that a biller fills them all in one pass."""
    [draft] = [d for d in drafts_of("07_synthetic_carc189_76496.835") if d.denial.carc == "189"]
    header = draft.text.split("\nprovider:")[0].splitlines()
    assert "#   signer.title: the signer's title, e.g. Billing Manager" in header
    assert header[-2] == "#   and each field marked FILL IN below: appeal.facts.recording"
    named = [f.strip("# ").split(":")[0] for f in header if f.startswith("#   ") and ":" in f][:4]
    assert named + ["appeal.facts.recording"] == draft.fill_in
    ws = make_workspace(tmp_path / "practice", PROFILE.replace('"76496": {recording: yes, with_routine_exam: no}',
                                                               '"76496": {with_routine_exam: no}'))
    [alone] = [d for d in drafts_of("07_synthetic_carc189_76496.835", ws) if d.denial.carc == "189"]
    assert "# FILL IN the fields so marked below: appeal.facts.recording" in alone.text.splitlines()


TODAY = dt.date(2026, 12, 4)


@pytest.mark.parametrize("payment, production, dated, said", [
    (-2, 5, -2, "the remittance date"),  # the payment date (BPR16), when it is not ahead
    (3, -1, -1, "the remittance's production date (DTM*405): its payment date (BPR16), 2026-12-07, is after today"),
    (3, 2, 0, "today: the remittance's dates (BPR16 2026-12-07, DTM*405 2026-12-06) are after today"),
])
def test_a_remittance_dated_ahead_gives_a_denial_dated_no_later_than_today(ws, tmp_path, payment, production,
                                                                          dated, said):
    """An EFT's payment date is often days after its 835 arrives: the case is dated by the production date then,
    or today, never ahead (a denial dated after today is an error), and says which date it took."""
    def day(offset: int) -> str:
        return (TODAY + dt.timedelta(days=offset)).strftime("%Y%m%d")

    text = (X12 / "07_synthetic_carc189_76496.835").read_text(encoding="utf-8")
    text = text.replace("************20041028~", f"************{day(payment)}~").replace(
        "DTM*405*20130901~", f"DTM*405*{day(production)}~")
    source = tmp_path / "ahead.835"
    source.write_text(text, encoding="utf-8")
    loaded = load_workspace(ws)
    (draft,) = [d for d in drafts(read_remittance(source), loaded, template_set((), ws), TODAY)
                if d.denial.carc == "189"]
    expected = (TODAY + dt.timedelta(days=dated)).isoformat()
    assert f'  date: "{expected}"  # {said}' in draft.text
    case = load_case(write(tmp_path, draft), defaults=loaded.case_defaults, today=TODAY)
    assert case.denial.date.isoformat() == expected


def test_with_two_windows_denials_show_the_one_still_open(tmp_path):
    """The letter's level is not decided when denials lists a claim: a corrected claim's window that has passed
    is no reason to flag PAST DUE a denial whose reconsideration is still open; when both have passed, the last."""
    windows = "appeal_window_days: {corrected-claim: 365, reconsideration: 1200}"
    assert "appeal_window_days: {reconsideration: 90}" in PROFILE  # Synthetic Health Plan's, in 08
    ws = make_workspace(tmp_path / "practice", PROFILE.replace("appeal_window_days: {reconsideration: 90}", windows))
    seen = {}
    for today in (dt.date(2024, 6, 1), dt.date(2026, 12, 4), dt.date(2027, 5, 1)):
        rows = list_denials([X12 / "08_synthetic_two_reasons_one_claim.835"], Settings(workspace=ws), today).rows
        seen[today] = {(r["appeal_by"]["level"], r["appeal_by"]["due"], r["flag"]) for r in rows}
    assert seen[dt.date(2024, 6, 1)] == {("corrected-claim", "2025-01-04", "")}
    assert seen[dt.date(2026, 12, 4)] == {("reconsideration", "2027-04-19", "")}
    assert seen[dt.date(2027, 5, 1)] == {("reconsideration", "2027-04-19", "PAST DUE")}
