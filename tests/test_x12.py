"""Tests for appeal.x12 against the sample remittances in tests/data/x12/.

The expected counts are those of the SOURCES.txt that came with the
samples, re-checked against the files; origins and licences are in
tests/data/x12/NOTICE.txt.
"""
from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeal.errors import AppealError
from appeal.inputs.x12 import (
    ROUTINE_ADJUSTMENTS,
    Remittance,
    X12Error,
    find_denials,
    parse_835,
)

DATA = Path(__file__).parent / "data" / "x12"
F01 = "01_nebraska_medicaid_deident_5010.835"
F02 = "02_emedny_ny_medicaid.835"
F03 = "03_uhc_legacy_gt_component.835"
F04 = "04_pyx12_denied_mult_svc.835"
F05 = "05_lfh_secondary_payment.835"
F06 = "06_tigershark_pipe_leading_tilde_4010.835"
F07 = "07_synthetic_carc189_76496.835"
F08 = "08_synthetic_two_reasons_one_claim.835"
F09 = "09_synthetic_reversal_correction.835"
ALL_FILES = [F01, F02, F03, F04, F05, F06, F07, F08, F09]


def raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


def load(name: str) -> Remittance:
    return parse_835(raw(name), name)


def lines_of(remit: Remittance):
    return [line for claim in remit.claims for line in claim.lines]


def all_adjustments(remit: Remittance):
    return ([adj for claim in remit.claims for adj in claim.adjustments]
            + [adj for line in lines_of(remit) for adj in line.adjustments])


def carc_counts(remit: Remittance) -> Counter:
    return Counter(f"{a.group}-{a.reason}" for a in all_adjustments(remit))


def cas_segments(remit: Remittance) -> int:
    return len({a.segment_index for a in all_adjustments(remit)})


def messages(remit: Remittance) -> list[str]:
    return [w.message for w in remit.warnings]


# ------------------------------------------------------------ sample files

def test_01_nebraska_counts():
    data = raw(F01)
    assert data.startswith(b"\xef\xbb\xbf")          # BOM
    assert b"\n  GS*" in data and b"\n      CLP*" in data  # indented lines
    remit = load(F01)
    assert remit.version == "005010X221A1"
    assert [t.control_number for t in remit.transactions] == ["8001", "9001", "10001"]
    assert [len(t.claims) for t in remit.transactions] == [19, 23, 14]
    assert len(remit.claims) == 56
    assert Counter(c.status for c in remit.claims) == {"1": 39, "4": 16, "2": 1}
    assert len(lines_of(remit)) == 91
    assert cas_segments(remit) == 91
    assert carc_counts(remit) == {
        "CO-45": 50, "CO-24": 31, "CO-23": 6, "CO-204": 4,
        "CO-16": 3, "CO-165": 1, "CO-29": 1, "CO-59": 1,
    }
    assert all(not c.adjustments for c in remit.claims)  # every CAS is line level
    rarcs = Counter(r for line in lines_of(remit) for r in line.remarks)
    assert rarcs == {"N1": 91, "X999": 5, "N36": 1, "N20": 1}


def test_01_nebraska_details_and_masked_qualifiers():
    remit = load(F01)
    first = remit.transactions[0]
    assert first.payment_date == date(2012, 2, 1)
    assert first.production_date == date(2012, 1, 28)
    assert first.payment_method == "ACH"
    assert first.payee.id_qualifier == "XX"
    assert remit.transactions[2].payee.id_qualifier == "FI"
    claim = remit.claims[0]
    assert claim.segment_index == 18 and claim.status == "4"
    assert claim.status_text == "Denied"
    assert claim.corrected_patient is not None
    assert claim.received_date == date(2012, 1, 27)
    line = claim.lines[0]
    assert (line.qualifier, line.code, line.units) == ("XX", "99999", Decimal("9.999"))
    assert line.date_from == line.date_to == date(2012, 1, 16)
    assert claim.lines[1].qualifier == "HC" and claim.lines[1].code == "90716"
    masked = [w for w in remit.warnings if "qualifier 'XX'" in w.message]
    assert len(masked) == 84 and len(remit.warnings) == 84
    assert masked[0].segment_index == 24 and masked[0].segment_id == "SVC"
    # one CAS with three triplets (CO-23, CO-29, CO-45 negative)
    triple = [a for a in all_adjustments(remit) if a.segment_index == 754]
    assert [(a.reason, a.amount, a.quantity) for a in triple] == [
        ("23", Decimal("999.99"), Decimal("0")), ("29", Decimal("999.99"), Decimal("0")),
        ("45", Decimal("-999.99"), Decimal("0"))]


def test_01_nebraska_denials():
    remit = load(F01)
    denials = find_denials(remit)
    whole = {d.claim.segment_index for d in denials if d.whole_claim_denied}
    assert whole == {c.segment_index for c in remit.claims if c.status == "4"}
    assert len(whole) == 16
    assert Counter((d.group, d.carc) for d in denials) == {
        ("CO", "24"): 13, ("CO", "204"): 4, ("CO", "16"): 2, ("CO", "23"): 3,
        ("CO", "165"): 1, ("CO", "29"): 1}
    first = denials[0]
    assert (first.carc, first.lines, first.amount, first.rarc) == (
        "24", (1, 2), Decimal("1099.98"), ("N1",))
    co16 = [d for d in denials if d.carc == "16"]
    assert [d.lines for d in co16] == [(2, 3), (3,)]
    assert all(not d.whole_claim_denied and "X999" in d.rarc for d in co16)


def test_02_emedny_one_line_modifiers_corrected_name():
    data = raw(F02)
    assert b"\n" not in data
    remit = load(F02)
    assert remit.warnings == []
    assert len(remit.transactions) == 1
    txn = remit.transactions[0]
    assert txn.payment_amount == Decimal("45.75") and txn.check_number == "10100000000"
    assert txn.payer.name == "NYSDOH" and txn.payer.city == "ALBANY"
    assert (txn.payee.id_qualifier, txn.payee.id) == ("XX", "9999999995")
    assert [c.status for c in remit.claims] == ["1", "2", "2"]
    assert len(lines_of(remit)) == 10
    assert [len(c.lines) for c in remit.claims] == [4, 2, 4]
    first = remit.claims[0].lines[0]
    assert (first.qualifier, first.code, first.modifiers) == ("HC", "V2020", ("RB",))
    assert first.allowed == Decimal("6")
    assert remit.claims[0].lines[3].units == Decimal("2")
    claim2 = remit.claims[1]
    assert claim2.paid == Decimal("0") and claim2.patient_responsibility is None
    assert claim2.corrected_patient.last == "CORRECTED LAST"
    assert claim2.patient.last == "SUBMITTED LAST" and claim2.patient.id_qualifier == "MI"
    assert carc_counts(remit) == {"CO-29": 2, "CO-251": 2}
    assert cas_segments(remit) == 4
    denials = find_denials(remit)
    assert [(d.carc, d.lines, d.amount, d.rarc) for d in denials] == [
        ("29", (1, 2), Decimal("34"), ()),
        ("251", (3, 4), Decimal("22.75"), ("N206",)),
    ]


def test_03_uhc_gt_component_and_empty_cas_quantity():
    assert b"\n" not in raw(F03)
    remit = load(F03)
    assert remit.warnings == []
    assert [c.status for c in remit.claims] == ["1", "1"]
    assert len(lines_of(remit)) == 5
    assert cas_segments(remit) == 6
    assert carc_counts(remit) == {"CO-45": 4, "PR-1": 2, "PR-2": 1}
    line = remit.claims[0].lines[0]
    assert (line.qualifier, line.code, line.units) == ("HC", "B4152", Decimal("234"))
    assert line.control_number == "800941258001" and line.allowed == Decimal("88.92")
    last = remit.claims[1].lines[2]
    pair = [a for a in last.adjustments if a.group == "PR"]
    assert [(a.reason, a.amount, a.quantity) for a in pair] == [
        ("2", Decimal("5.13"), None), ("1", Decimal("110"), None)]
    assert pair[0].segment_index == pair[1].segment_index
    txn = remit.transactions[0]
    assert (txn.payer.id_qualifier, txn.payer.id, txn.payer.additional_id) == ("XV", "87726", "87726")
    assert txn.payee.id == "1922164458" and txn.payee.state == "NP"
    claim = remit.claims[0]
    assert claim.corrected_patient.last == "" and claim.corrected_patient.middle == "C"
    assert claim.received_date == date(2021, 1, 14)
    assert (claim.service_from, claim.service_to) == (date(2020, 12, 21), date(2021, 1, 13))
    assert find_denials(remit) == []  # contractual and cost share only


def test_04_pyx12_denied_claim_and_service_period():
    remit = load(F04)
    assert remit.warnings == []
    txn = remit.transactions[0]
    assert (txn.payment_amount, txn.payment_method) == (Decimal("0"), "NON")
    assert txn.payment_date == date(2004, 10, 28)
    assert (txn.payee.id_qualifier, txn.payee.id) == ("FI", "444313000")
    [claim] = remit.claims
    assert (claim.status, claim.paid, claim.charge) == ("4", Decimal("0"), Decimal("915.39"))
    assert claim.rendering_provider.id_qualifier == "MC" and claim.rendering_provider.npi == ""
    assert len(claim.lines) == 3
    assert all(line.code == "T1005" for line in claim.lines)
    assert (claim.lines[0].date_from, claim.lines[0].date_to) == (date(2003, 11, 29),) * 2
    assert claim.lines[1].date_from == date(2003, 10, 30)
    assert carc_counts(remit) == {"CO-16": 1, "OA-A7": 2}
    assert cas_segments(remit) == 3
    denials = find_denials(remit)
    assert [(d.group, d.carc, d.lines, d.amount, d.rarc, d.whole_claim_denied)
            for d in denials] == [
        ("CO", "16", (1,), Decimal("500.04"), ("N14",), True),
        ("OA", "A7", (2, 3), Decimal("415.35"), ("N14",), True)]


def test_05_lfh_secondary_quirks():
    remit = load(F05)
    txn = remit.transactions[0]
    assert txn.payment_date == date(2005, 4, 12)
    assert txn.payment_method == "CHK"
    bpr = [w for w in remit.warnings if "BPR15" in w.message]
    assert [(w.segment_index, w.segment_id) for w in bpr] == [(4, "BPR")]
    sep = [w for w in remit.warnings if "component separator" in w.message]
    assert [(w.segment_index, w.segment_id) for w in sep] == [(29, "SVC")]  # once per file
    assert len(remit.warnings) == 2
    assert [c.status for c in remit.claims] == ["2", "2"]
    first, second = remit.claims
    assert first.lines == []
    assert [(a.group, a.reason, a.amount) for a in first.adjustments] == [
        ("OA", "23", Decimal("9411.64"))]
    assert [(l.code, l.modifiers) for l in second.lines] == [("12345", ("26",)), ("66543", ("26",))]
    assert second.lines[1].revenue_code == "220" and second.lines[1].units == Decimal("1.00")
    assert carc_counts(remit) == {"OA-23": 2, "PR-1": 1, "PR-2": 1, "CO-42": 1}
    assert cas_segments(remit) == 4
    pr = [a for a in second.lines[1].adjustments if a.group == "PR"]
    assert [(a.reason, a.amount) for a in pr] == [("1", Decimal("150.00")), ("2", Decimal("70.00"))]
    denials = find_denials(remit)
    assert [(d.group, d.carc, d.lines, d.amount) for d in denials] == [
        ("CO", "42", (2,), Decimal("85.00"))]


def test_06_tigershark_pipe_caret_leading_tilde_4010():
    data = raw(F06)
    assert data[105:107] == b"\n~" and data[82:84] == b"U|"  # ISA11 'U' (4010)
    remit = load(F06)
    assert remit.version == "004010X091A1"
    txn = remit.transactions[0]
    assert txn.payment_amount == Decimal("12345.67") and txn.payment_date == date(2012, 3, 22)
    assert txn.payer.additional_id == "87726" and txn.payee.id == "1333333333"
    assert len(remit.claims) == 2 and [c.status for c in remit.claims] == ["1", "1"]
    lines = lines_of(remit)
    assert [(l.qualifier, l.code) for l in lines] == [("HC", "88888"), ("HC", "88888")]
    assert lines[1].remarks == ["N220", "M68"]
    assert remit.claims[0].subscriber.id == "123111111"
    assert remit.claims[0].rendering_provider.npi == "1333333333"
    assert [(a.group, a.reason, a.amount) for a in remit.claims[1].adjustments] == [
        ("PR", "1", Decimal("145.00"))]
    assert carc_counts(remit) == {"PR-1": 1, "CO-45": 1}
    # The file's own SE01 is wrong: it says 43, ST..SE holds 47 segments.
    assert [(w.segment_id, w.message) for w in remit.warnings] == [
        ("SE", "SE01 says '43' segments but the transaction has 47")]
    assert find_denials(remit) == []


@pytest.mark.parametrize("name", ALL_FILES)
def test_str_input_and_crlf_give_the_same_result(name):
    data = raw(name)
    text = data.decode("utf-8-sig")
    assert parse_835(text, name) == load(name)
    crlf = parse_835(text.replace("\n", "\r\n"), name)
    assert crlf == load(name)


@pytest.mark.parametrize("name", ALL_FILES)
def test_warnings_never_quote_names_or_accounts(name):
    remit = load(name)
    private = set()
    for claim in remit.claims:
        private.update({claim.account, claim.patient.last, claim.patient.first, claim.patient.id})
    private.discard("")
    for message in messages(remit):
        assert not any(p in message for p in private), message


# -------------------------------------------------------- synthetic fixtures

def test_07_carc189_on_76496():
    remit = load(F07)
    assert remit.warnings == []  # SE01 still right
    line = remit.claims[0].lines[0]
    assert (line.qualifier, line.code, line.units, line.charge) == (
        "HC", "76496", Decimal("1"), Decimal("500.04"))
    denial = find_denials(remit)[0]
    assert (denial.group, denial.carc, denial.lines, denial.amount, denial.rarc) == (
        "CO", "189", (1,), Decimal("500.04"), ("M51",))
    assert denial.whole_claim_denied


def test_08_two_denial_reasons_on_one_claim():
    remit = load(F08)
    assert remit.warnings == []
    denials = find_denials(remit)
    assert [(d.claim.account, d.group, d.carc, d.lines, d.amount, d.rarc, d.whole_claim_denied)
            for d in denials] == [
        ("ACCT-0001", "CO", "189", (1,), Decimal("500.04"), ("M51",), False),
        ("ACCT-0001", "CO", "97", (2, 4), Decimal("180"), ("M15",), False)]
    assert remit.claims[0].lines[1].modifiers == ("GP",)
    assert remit.claims[0].rendering_provider.npi == "1234567893"


def test_09_reversal_is_paired_with_its_correction():
    remit = load(F09)
    reversal, other, correction = remit.claims
    assert reversal.status == "22" and reversal.status_text == "Reversal of Previous Payment"
    assert reversal.corrected_by == correction.segment_index == 24
    assert [(w.segment_index, w.segment_id) for w in remit.warnings] == [(13, "CLP")]
    assert "13" in remit.warnings[0].message and "24" in remit.warnings[0].message
    denials = find_denials(remit)
    assert [(d.claim.segment_index, d.carc, d.amount) for d in denials] == [
        (24, "189", Decimal("300"))]
    assert find_denials(remit) == denials  # deterministic, no side effects
    assert len(remit.warnings) == 1


def test_unpaired_reversal_is_kept_as_an_ordinary_claim_and_its_negative_adjustment_is_no_denial():
    text = raw(F09).decode().replace("CLP*ACCT-0009*1*300", "CLP*ACCT-0099*1*300")
    text = text.replace("PCN0009*11*7", "PCN0099*11*7")
    remit = parse_835(text)
    assert remit.claims[0].corrected_by is None
    assert [d.carc for d in find_denials(remit)] == ["189"]  # the reversal's CO-16 -100 gives money back


def test_a_negative_adjustment_is_never_a_denial():
    """Nebraska's whole-denied claim (CLP02 = 4) carries CO-45 -999.99, the reversal of an adjustment: it
    used to become an appeal of $999.99."""
    denials = find_denials(load(F01))
    assert not [d for d in denials if d.amount is not None and d.amount < 0]
    assert ("CO", "45") not in {(d.group, d.carc) for d in denials}
    positive = parse_835(raw(F01).replace(b"*45*-999.99*", b"*45*999.99*"))
    assert ("CO", "45") in {(d.group, d.carc) for d in find_denials(positive)}  # on a CLP02=4 claim it counts


def test_custom_routine_set_and_patient_responsibility_denial():
    remit = load(F03)
    assert Counter(d.carc for d in find_denials(remit, routine=frozenset())) == {
        "45": 2, "1": 2, "2": 1}
    pr96 = parse_835(raw(F03).replace(b"CAS*PR*1*105.26", b"CAS*PR*96*105.26"))
    assert [(d.group, d.carc, d.lines, d.amount) for d in find_denials(pr96)] == [
        ("PR", "96", (2,), Decimal("105.26"))]
    assert ("CO", "45") in ROUTINE_ADJUSTMENTS and ("PR", "96") not in ROUTINE_ADJUSTMENTS


def test_claim_remarks_from_moa_and_mia_reach_the_denials():
    text = raw(F04).decode().replace("NM1*82*", "MOA***MA01*N20~\nMIA*0***0*MA02" + "*" * 15 + "M1*M2~\nNM1*82*")
    remit = parse_835(text)
    assert remit.claims[0].remarks == ["MA01", "N20", "MA02", "M1", "M2"]
    assert find_denials(remit)[0].rarc == ("N14", "MA01", "N20", "MA02", "M1", "M2")


def test_denied_claim_without_cas_is_still_reported():
    text = raw(F04).decode()
    for cas in ("CAS*CO*16*500.04~\n", "CAS*OA*A7*127.8~\n", "CAS*OA*A7*287.55~\n"):
        text = text.replace(cas, "")
    text = text.replace("SE*31*", "SE*28*")
    remit = parse_835(text)
    assert remit.warnings == []
    [denial] = find_denials(remit)
    assert (denial.group, denial.carc, denial.lines, denial.amount, denial.rarc) == (
        "", "", (1, 2, 3), Decimal("915.39"), ("N14",))
    assert denial.whole_claim_denied


# ------------------------------------------------------ malformed segments

def test_bad_cas_amount_warns_and_keeps_the_line():
    remit = parse_835(raw(F04).replace(b"CAS*OA*A7*127.8~", b"CAS*OA*A7*12O.8~"), "bad.835")
    [warning] = remit.warnings
    assert (warning.segment_index, warning.segment_id) == (26, "CAS")
    assert "12O.8" in warning.message
    lines = remit.claims[0].lines
    assert len(lines) == 3
    [adj] = lines[1].adjustments
    assert (adj.group, adj.reason, adj.amount) == ("OA", "A7", None)
    assert [d.amount for d in find_denials(remit)] == [Decimal("500.04"), Decimal("287.55")]


def test_bad_svc_amount_keeps_line_with_none():
    remit = parse_835(raw(F04).replace(b"SVC*HC:T1005*127.8*0", b"SVC*HC:T1005*abc*0"))
    line = remit.claims[0].lines[1]
    assert line.charge is None and line.paid == Decimal("0")
    assert [(w.segment_index, w.segment_id) for w in remit.warnings] == [(23, "SVC")]
    assert "'abc'" in remit.warnings[0].message


def test_unknown_and_misplaced_segments_warn_known_header_segments_do_not():
    text = raw(F04).decode()
    text = text.replace("REF*EV*00GR~", "REF*EV*00GR~\nCUR*PR*USD~\nPLXX*1~")
    text = text.replace("NM1*82*", "N1*XX*ODD~\nNM1*82*")
    text = text.replace("LQ*HE*N14~\nSVC*HC:T1005*127.8", "LQ*HE*N14~\nNM1*QC*1*X~\nSVC*HC:T1005*127.8")
    remit = parse_835(text)
    assert [w.segment_id for w in remit.warnings] == ["PLXX", "N1", "NM1", "SE"]
    assert remit.warnings[3].message == "SE01 says '31' segments but the transaction has 35"
    assert "unknown segment 'PLXX' in the header" in remit.warnings[0].message
    assert "inside a claim" in remit.warnings[1].message
    assert "inside a service line" in remit.warnings[2].message
    assert len(remit.claims[0].lines) == 3


def test_se_count_mismatch_and_missing_se():
    remit = parse_835(raw(F04).replace(b"SE*31*", b"SE*30*"))
    assert [w.segment_id for w in remit.warnings] == ["SE"]
    truncated = raw(F04).split(b"SE*31")[0]
    remit = parse_835(truncated)
    assert len(remit.claims[0].lines) == 3
    assert "ends before the SE" in remit.warnings[-1].message


def test_newline_as_segment_terminator():
    remit = parse_835(raw(F04).replace(b"~", b""), F04)
    assert remit == load(F04)


def test_no_isa_starts_at_st():
    text = raw(F04).decode()
    body = text[text.index("ST*835"):text.index("GE*")]
    remit = parse_835(body)
    assert remit.version == ""
    assert len(remit.claims) == 1 and len(remit.claims[0].lines) == 3
    assert [(w.segment_index, w.segment_id) for w in remit.warnings] == [(1, "ST")]


def test_invalid_date_warns():
    remit = parse_835(raw(F04).replace(b"DTM*150*20031030", b"DTM*150*20031330"))
    assert remit.claims[0].lines[1].date_from is None
    assert [(w.segment_index, w.segment_id) for w in remit.warnings] == [(24, "DTM")]


# ------------------------------------------------------------- not an 835

ST837 = ("ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       "
         "*240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*005010X222A1~"
         "ST*837*0001*005010X222A1~BHT*0019*00*1*20240101*1200*CH~SE*3*0001~")


@pytest.mark.parametrize("data, found", [
    (b"", "empty"),
    (b"   \r\n\t", "empty"),
    ("\ufeff", "empty"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "%PDF"),
    ("Dear payer, please reconsider.", "Dear"),
    (b"\x00\x01\x02\xff\xfeISA", "binary"),
    (ST837.encode(), "837"),
    ("ST*837*0001~BHT*0019~SE*3*0001~", "837"),
    ("ISA*00*", "cut short"),
    ("ISA", "element separator"),
    ("ISA*00*          *00*          *ZZ*A*ZZ*B*240101*1200*^*00501*1*0*T*:", "terminator"),
    (raw(F04).split(b"ST*835")[0], "no ST*835"),
])
def test_not_an_835_raises_x12error(data, found):
    with pytest.raises(X12Error) as info:
        parse_835(data, "upload/file.bin")
    err = info.value
    assert err.path == "upload/file.bin"
    assert found in err.message
    assert str(err).startswith("upload/file.bin: ")
    assert isinstance(err, AppealError) and err.exit_code == 2
    assert [(p.file, p.message) for p in err.problems] == [("upload/file.bin", err.message)]


def test_default_routine_adjustments_come_from_data():
    assert ROUTINE_ADJUSTMENTS == {("PR", "1"), ("PR", "2"), ("PR", "3"), ("CO", "45"), ("CO", "253"),
                                   ("CO", "24"), ("OA", "23"), ("CO", "59")}


# ------------------------------------------------------------------ property

def _parse_or_x12error(data):
    try:
        parse_835(data, "fuzz")
    except X12Error:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_parse_or_raise_x12error(data):
    _parse_or_x12error(data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_parse_or_raise_x12error(data):
    _parse_or_x12error(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(ALL_FILES), data=st.data())
def test_mutated_real_files_parse_or_raise_x12error(name, data):
    source = raw(name)
    start = data.draw(st.integers(0, len(source)))
    end = data.draw(st.integers(start, min(len(source), start + 40)))
    insert = data.draw(st.binary(max_size=20) | st.sampled_from(
        [b"", b"*", b"~", b":", b">", b"^", b"|", b"CAS*CO*", b"SVC*", b"ST*835*", b"CLP*"]))
    _parse_or_x12error(source[:start] + insert + source[end:])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(
    ["ISA", "ST", "SE", "CLP", "SVC", "CAS", "LQ", "DTM", "NM1", "BPR", "N1", "MOA", "MIA",
     "*", "**", "835", "4", "22", "1.5", "x", "20240101", ":", ">", "~", "\n"]), max_size=60))
def test_segment_soup_parse_or_raise_x12error(tokens):
    _parse_or_x12error("ST*835*1~" + "".join(tokens))


def test_original_units_svc07_are_kept_apart_from_the_units_paid():
    remit = parse_835(raw(F02).replace(b"SVC*HC:V2020*12*0**0~", b"SVC*HC:V2020*12*0**0**3~"))
    line = remit.claims[1].lines[0]
    assert (line.units, line.original_units) == (Decimal("0"), Decimal("3"))
    assert load(F02).claims[1].lines[0].original_units is None


def test_a_remittance_is_freed_by_reference_counting_once_dropped():
    """Read with the cyclic collector off (as import-835 and denials read): nothing but the caller holds the
    remittance, so it is freed as soon as the caller drops it, not by the interpreter's last collection."""
    import gc
    import sys

    from appeal.inputs.x12 import no_cycle_collection

    with no_cycle_collection():
        remit = load(F08)
        assert sys.getrefcount(remit) == 2  # the name here and getrefcount's own argument
        claim = remit.claims[0]
        before = sys.getrefcount(claim)
        del remit
        assert sys.getrefcount(claim) == before - 1  # its transaction's list let it go
        assert not gc.isenabled()



@pytest.mark.parametrize("cas, adjustments, said", [
    (b"CAS*OA*A7*127.8", [("OA", "A7", Decimal("127.8"), None)], []),
    (b"CAS*OA*A7*", [("OA", "A7", None, None)], ["adjustment amount (CAS03) is missing"]),
    (b"CAS*OA*A7*127.8*2", [("OA", "A7", Decimal("127.8"), Decimal("2"))], []),
    (b"CAS*OA**127.8", [], ["adjustment amount (CAS03) has no reason code", "CAS segment has no adjustment reason code"]),
    (b"CAS*XX*A7*1", [("XX", "A7", Decimal("1"), None)], ["unknown adjustment group code 'XX'"]),
])
def test_a_cas_of_one_reason_reads_as_any_cas(cas, adjustments, said):
    remit = parse_835(raw(F04).replace(b"CAS*OA*A7*127.8", cas), "one.835")
    found = remit.claims[0].lines[1].adjustments
    assert [(a.group, a.reason, a.amount, a.quantity) for a in found] == adjustments
    assert [w.message for w in remit.warnings if w.segment_index == 26] == said


@pytest.mark.parametrize("cut", ["CAS*CO*97*120", "CAS*CO*97", "SVC*HC:97140"])
def test_a_file_cut_short_mid_segment_invents_no_denial(cut):
    """A cut-off last segment ("CAS*CO*9" of "CAS*CO*97*120.00") is left out with a warning, never read as CO-9."""
    text = (DATA / F08).read_text()
    start = text.index(cut)
    remit = parse_835(text[:start + len(cut) - 2])
    assert not any(d.carc == "9" or d.carc == "" for d in find_denials(remit))
    assert any("the file ends inside this segment" in w.message for w in remit.warnings)
    whole = parse_835(text)  # a file ending in its envelope trailers, terminated or not, warns of nothing
    assert not any("ends inside" in w.message for w in whole.warnings)
    assert not any("ends inside" in w.message for w in parse_835(text.rstrip().removesuffix("~")).warnings)


def test_a_denied_claim_whose_adjustments_name_some_lines_keeps_the_others():
    """A claim denied whole (CLP02 4) whose CAS name only some lines: the other lines are denied too, with no
    reason given, and are listed, not dropped."""
    text = (DATA / F08).read_text()
    kept = []
    for segment in text.split("~"):
        if segment.strip().startswith("CLP*ACCT-0001*"):
            parts = segment.strip().split("*")
            segment = segment.replace(segment.strip(), "*".join(parts[:2] + ["4"] + parts[3:]))
        if segment.strip().startswith("CAS*") and "CO*45" not in segment:
            continue  # only the routine CO-45 of one line is left
        kept.append(segment)
    remit = parse_835("~".join(kept))
    claim = next(c for c in remit.claims if c.account == "ACCT-0001")
    denied = [d for d in find_denials(remit) if d.claim is claim]
    unexplained = [d for d in denied if (d.group, d.carc) == ("", "")]
    assert len(unexplained) == 1
    bare = [n for n, line in enumerate(claim.lines, start=1) if not line.adjustments]
    assert bare and list(unexplained[0].lines) == bare
