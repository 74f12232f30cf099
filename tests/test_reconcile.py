"""track reconcile: a later remittance gives the sent appeals their outcomes, once."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from ledger_helpers import FOLLOWUP, as_json, cli, copy_workspace, make_ledger_workspace


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return make_ledger_workspace(tmp_path_factory.mktemp("reconcile"))


def send_three(ws, out) -> None:
    """A-000001 (07, CO-189), A-000002 (07, OA-A7) and A-000004 (08, CO-97) sent; A-000003 is still a draft."""
    for args in ([out / "Example-Payer_4276512332_CO-189_2026-11-27.pdf"], ["--claim", "4276512332", "--carc", "A7"],
                 ["--appeal", "A-000004"]):
        result = cli("track", "sent", *args, "--via", "portal", "--date", "2026-11-30", "--workspace", ws)
        assert result.exit_code == 0, result.stderr


@pytest.fixture
def reconciled(base, tmp_path):
    ws = copy_workspace(base, tmp_path)
    send_three(ws, base[1])
    result = cli("track", "reconcile", FOLLOWUP, "--workspace", ws, "--json")
    assert result.exit_code == 0, result.stderr
    return ws, as_json(result)


def appeals(ws) -> dict[str, dict]:
    return {a["id"]: a for a in as_json(cli("track", "list", "--workspace", ws, "--json"))["appeals"]}


def test_the_followup_gives_overturned_upheld_overturned_and_unmatched(reconciled):
    ws, found = reconciled
    assert found["ok"] is True
    assert [(m["appeal"], m["result"], m["recovered"], m["how"]) for m in found["matched"]] == [
        ("A-000001", "overturned", "350.00", "original claim number in REF*F8 of a replacement claim"),
        ("A-000002", "upheld", "0.00", "payer claim number (CLP07)"),
        ("A-000004", "overturned", "150.00", "reversal (CLP02=22) of the claim, read with its re-adjudication")]
    assert [(u["claim"], u["reason"]) for u in found["unmatched"]] == [
        ("PCN0077", "no appeal of this payer has its claim number, original claim number or account")]
    rows = appeals(ws)
    assert {k: (v["status"], v["recovered"], v["decided_on"]) for k, v in rows.items() if k <= "A-000004"} == {
        "A-000001": ("overturned", "350.00", "2026-12-03"),
        "A-000002": ("upheld", "0.00", "2026-12-03"),
        "A-000003": ("drafted", None, None),  # never sent: the re-adjudication's CO-189 is no decision on it
        "A-000004": ("overturned", "150.00", "2026-12-03")}
    # upheld opens the second level: 30 days in the payer directory, from the remittance's date (no mail days)
    assert (rows["A-000005"]["level"], rows["A-000005"]["status"], rows["A-000005"]["appeal_by"]) == (
        "second-level", "new", "2027-01-02")


def test_a_remittance_dated_ahead_decides_as_of_today(base, tmp_path):
    """An 835 whose payment and production dates are ahead of today (an EFT that settles later, or a clock gone
    wrong): its decisions are recorded as of today, never ahead, so the next level is counted from a day past."""
    ws = copy_workspace(base, tmp_path)
    send_three(ws, base[1])
    ahead = (dt.date.today() + dt.timedelta(days=5)).strftime("%Y%m%d")
    remit = tmp_path / "ahead.835"
    remit.write_text(FOLLOWUP.read_text(encoding="utf-8").replace("20261203", ahead).replace("20261202", ahead),
                     encoding="utf-8")
    result = cli("track", "reconcile", remit, "--workspace", ws, "--json")
    assert result.exit_code == 0, result.stderr
    decided = {k: v["decided_on"] for k, v in appeals(ws).items() if v["decided_on"]}
    assert decided == dict.fromkeys(("A-000001", "A-000002", "A-000004"), dt.date.today().isoformat())


def test_reconciling_the_same_file_twice_records_nothing_twice(reconciled, tmp_path):
    ws, _ = reconciled
    with sqlite3.connect(ws / "ledger.sqlite3") as db:
        before = db.execute("SELECT count(*) FROM events").fetchone()[0]
    copy = tmp_path / "renamed.835"
    copy.write_bytes(FOLLOWUP.read_bytes())
    again = cli("track", "reconcile", FOLLOWUP, copy, "--workspace", ws, "--json")
    assert again.exit_code == 0
    assert {m["recorded"] for m in as_json(again)["matched"]} == {False}
    assert "0 outcome(s) recorded" in again.stderr
    table = cli("track", "reconcile", FOLLOWUP, "--workspace", ws).stdout.splitlines()
    assert table[0].split()[-1] == "note"  # the column that says so has its heading
    assert all(line.endswith("already recorded from this remittance") for line in table[1:4])
    with sqlite3.connect(ws / "ledger.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == before
        assert db.execute("SELECT count(*) FROM appeals").fetchone()[0] == 5


def test_the_table_says_what_matched_and_how(base, tmp_path):
    ws = copy_workspace(base, tmp_path)
    send_three(ws, base[1])
    result = cli("track", "reconcile", FOLLOWUP, "--workspace", ws)
    assert result.exit_code == 0
    assert "A-000001  4276512399  overturned  350.00" in result.stdout
    assert "not matched:" in result.stdout and "PCN0077" in result.stdout
    assert "3 outcome(s) recorded, 0 already recorded, 1 claim(s) matched no appeal" in result.stderr
    assert "BACH" not in result.stderr  # no patient's name in the messages


def test_a_file_that_is_not_an_835_is_exit_2(base, tmp_path):
    ws = copy_workspace(base, tmp_path)
    junk = tmp_path / "notes.835"
    junk.write_text("hello", encoding="utf-8")
    result = cli("track", "reconcile", junk, "--workspace", ws)
    assert result.exit_code == 2 and "notes.835" in result.stderr


# ---- the rules, on small remittances -------------------------------------------------------------------

ISA = ("ISA*00*          *00*          *ZZ*P              *ZZ*V              *261215*1200*^*00501*000000001*0*T*:~"
       "GS*HP*P*V*20261203*1200*1*X*005010X221A1~ST*835*0001~BPR*I*0*C*CHK************20261203~"
       "N1*PR*SYNTHETIC HEALTH PLAN*XV*99999~")
APPEAL = {"claim": "PCN0001", "group": "CO", "carc": "97",
          "lines": [["2023-12-01", "97110", "2", True], ["2023-12-01", "97140", "1", True],
                    ["2023-12-01", "99213", "1", False]]}


def judged(claims: str):
    from appeal.inputs.x12 import ROUTINE_ADJUSTMENTS, parse_835
    from appeal.ledger.reconcile import claim_groups, judge

    remit = parse_835(ISA + claims + "SE*9*0001~GE*1*1~IEA*1*000000001~")
    (_, group), = claim_groups(remit)
    return judge(APPEAL, group, ROUTINE_ADJUSTMENTS)


def test_some_lines_still_denied_is_partially_overturned():
    result, recovered, _ = judged("CLP*A1*1*180*100*0*12*PCN0001~SVC*HC:97110*120*100**2~DTM*472*20231201~"
                                  "CAS*CO*45*20~SVC*HC:97140*60*0**1~DTM*472*20231201~CAS*CO*97*60~")
    assert (result, str(recovered)) == ("partially-overturned", "100")


def test_a_new_reason_supersedes_the_appeal():
    result, recovered, others = judged("CLP*A1*4*180*0*0*12*PCN0001~SVC*HC:97110*120*0**2~DTM*472*20231201~"
                                       "CAS*CO*50*120~SVC*HC:97140*60*0**1~DTM*472*20231201~CAS*CO*50*60~")
    assert (result, str(recovered), {k: str(v) for k, v in others.items()}) == ("superseded", "0",
                                                                                 {("CO", "50"): "180"})


def test_a_claim_without_the_appeals_lines_says_nothing_about_it():
    assert judged("CLP*A1*1*150*100*0*12*PCN0001~SVC*HC:99213*150*100**1~DTM*472*20231201~CAS*CO*45*50~") is None


def test_superseded_opens_a_new_denial_linked_to_the_appeal(base, tmp_path):
    ws = copy_workspace(base, tmp_path)
    send_three(ws, base[1])
    remit = tmp_path / "again.835"
    remit.write_text(ISA.replace("BPR*I*0*C*CHK************20261203~", "BPR*I*0*C*CHK************20261203~"
                                 "DTM*405*20261203~") + "CLP*ACCT-0001*4*180*0*0*12*PCN0001~"
                     "SVC*HC:97110*120*0**2~DTM*472*20231201~CAS*CO*50*120~SE*9*0001~GE*1*1~IEA*1*000000001~",
                     encoding="utf-8")
    result = cli("track", "reconcile", remit, "--workspace", ws, "--json")
    assert result.exit_code == 0, result.stderr
    (matched,) = as_json(result)["matched"]
    assert (matched["appeal"], matched["result"], matched["new_appeal"]) == ("A-000004", "superseded", "A-000005")
    new = appeals(ws)["A-000005"]
    # A-000004 was a corrected claim: its new denial is appealed at the first level, a reconsideration, due in
    # 90 days (payer directory) from the remittance
    assert (new["reason"], new["status"], new["linked_from"], new["level"], new["appeal_by"]) == (
        "CO-50", "new", "A-000004", "reconsideration", "2027-03-03")


def test_a_reversal_alone_decides_nothing():
    from appeal.inputs.x12 import parse_835
    from appeal.ledger.reconcile import _why_not, claim_groups

    remit = parse_835(ISA + "CLP*A1*22*-180*-100*0*12*PCN0001~SVC*HC:97110*-120*-100**-2~DTM*472*20231201~"
                      "CAS*CO*45*-20~SE*9*0001~GE*1*1~IEA*1*000000001~")
    (_, group), = claim_groups(remit)
    assert "without its re-adjudication" in _why_not(group, [], set())


def test_a_remittance_dated_before_the_appeal_was_sent_decides_nothing(base, tmp_path):
    """The follow-up remittance (12/03/2026) cannot answer appeals sent after it: as track outcome refuses such a
    date, reconcile records nothing for them and says why."""
    ws = copy_workspace(base, tmp_path)
    today = dt.date.today().isoformat()
    for args in (["--appeal", "A-000001"], ["--appeal", "A-000002"], ["--appeal", "A-000004"]):
        assert cli("track", "sent", *args, "--via", "portal", "--date", today, "--workspace", ws).exit_code == 0
    result = cli("track", "reconcile", FOLLOWUP, "--workspace", ws, "--json")
    assert result.exit_code == 0, result.stderr
    found = as_json(result)
    assert found["matched"] == []
    reasons = {u["claim"]: u["reason"] for u in found["unmatched"]}
    shown = dt.date.today().strftime("%m/%d/%Y")
    assert all("the remittance is dated 12/03/2026, before A-00000" in why and f"was sent on {shown}" in why
               for claim, why in reasons.items() if claim != "PCN0077"), reasons  # PCN0077 matches no appeal
    assert len(reasons) == 4
    assert all(a["status"] == "sent" and a["decided_on"] is None for k, a in appeals(ws).items()
               if k in ("A-000001", "A-000002", "A-000004"))


def test_an_unmatched_claim_says_each_appeals_own_reason():
    """One appeal of the claim still a draft, another sent whose lines the claim does not carry: each is named
    with its own reason, not both as carrying none of the lines."""
    from appeal.inputs.x12 import parse_835
    from appeal.ledger.reconcile import _why_not, claim_groups, payer_key

    remit = parse_835(ISA + "CLP*A1*1*150*100*0*12*PCN0001~SVC*HC:99213*150*100**1~DTM*472*20231201~"
                      "CAS*CO*45*50~SE*9*0001~GE*1*1~IEA*1*000000001~")
    (_, group), = claim_groups(remit)
    base = {"payer": "SYNTHETIC HEALTH PLAN", "payer_id": "99999", "claim": "PCN0001", "account": "",
            "lines": [["2023-12-01", "97110", "1", True]]}
    appeals = [{**base, "id": "A-000001", "status": "sent"}, {**base, "id": "A-000002", "status": "drafted"}]
    assert _why_not(group, appeals, {payer_key("SYNTHETIC HEALTH PLAN")}) == (
        "A-000002 is drafted, not waiting for a decision; it carries none of the lines of A-000001")
