"""Outcomes from a later remittance: each claim that answers an open (sent) appeal gets its outcome.

**Matching** (never on a patient's name): the payer's claim number (CLP07); the original claim's number,
carried by a reversal (CLP02 = 22, whose re-adjudication is read with it) or by a replacement's REF*F8;
else the patient account (CLP01) with a date of service and code of the appeal's lines. The payer must be
the appeal's (by id, name, or the payer directory's entry for the remittance's payer).

**Which lines:** a claim speaks to an appeal through the appeal's denied lines (same date and code), or a
line on one of their dates with a code the original claim did not have (the corrected code).

**The outcome:** no line still denied (a non-routine adjustment; CO-45 and patient responsibility are
routine) -> overturned; the appeal's own group/CARC still there -> upheld when nothing of it was paid, else
partially-overturned; only other reasons -> superseded, and a new denial is opened and linked. The amount
recovered is what the payer paid on those lines across the reversal and the re-adjudication.

**Once only:** each outcome carries a key made of the remittance's content, the claim and the appeal, so
reconciling the same file twice records nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from appeal.inputs.schema import CORRECTED_CLAIM, first_level
from appeal.inputs.workspace import Workspace
from appeal.inputs.x12 import Claim, Remittance, ServiceLine, Transaction
from appeal.ledger.facts import cents
from appeal.ledger.outcomes import decide, payer_entry
from appeal.ledger.store import Ledger, now, public_id
from appeal.reference.deadlines import earliest_deadline

HOW = {"clp07": "payer claim number (CLP07)", "f8": "original claim number in REF*F8 of a replacement claim",
       "reversal": "reversal (CLP02=22) of the claim, read with its re-adjudication",
       "account": "patient account (CLP01) with date of service and code"}


@dataclass
class Reconciled:
    matched: list[dict]
    unmatched: list[dict]


def payer_key(name: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (name or "").lower()).strip()


def claim_groups(remit: Remittance) -> list[tuple[Transaction, list[Claim]]]:
    """Each claim once; a reversal with the claim that re-adjudicates it."""
    by_index = {claim.segment_index: claim for claim in remit.claims}
    paired = {c.corrected_by for c in remit.claims if c.corrected_by is not None}
    out = []
    for txn in remit.transactions:
        for claim in txn.claims:
            if claim.segment_index in paired:
                continue
            group = [claim] + ([by_index[claim.corrected_by]] if claim.corrected_by in by_index else [])
            out.append((txn, group))
    return out


def reconcile(ledger: Ledger, conn, remits: list[tuple[Remittance, str]],
              payer_keys: Callable[[Transaction], set[str]], routine: frozenset[tuple[str, str]],
              workspace: Workspace | None, by: str) -> Reconciled:
    """Record the outcome of every open appeal the remittances answer (one transaction: the caller's)."""
    result = Reconciled([], [])
    appeals = ledger.appeals(conn)
    for remit, digest in remits:
        for txn, group in claim_groups(remit):
            found = _answer(ledger, conn, remit.path, digest, txn, group, appeals, payer_keys(txn), routine,
                            workspace, by)
            early = [entry["note"] for entry in found if entry.get("before_sent")]
            found = [entry for entry in found if not entry.get("before_sent")]
            if found:
                result.matched.extend(found)
            else:
                final = group[-1]
                result.unmatched.append({"file": remit.path, "claim": final.payer_claim_number,
                                         "account": final.account, "status": final.status_text or final.status,
                                         "reason": early[0] if early else _why_not(group, appeals, payer_keys(txn))})
        appeals = ledger.appeals(conn)  # statuses moved
    return result


def _candidates(group: list[Claim], appeals: list[dict], payers: set[str]) -> list[tuple[dict, str]]:
    final, first = group[-1], group[0]
    numbers = {final.payer_claim_number: "clp07"}
    if final.original_claim_number:
        numbers.setdefault(final.original_claim_number, "f8")
    if first.status == "22" and first.payer_claim_number:
        numbers[first.payer_claim_number] = "reversal" if len(group) > 1 else "clp07"
    numbers.pop("", None)
    ours = [a for a in appeals if payer_key(a["payer"]) in payers or f"id:{a['payer_id']}" in payers]
    found = [(a, numbers[a["claim"]]) for a in ours if a["claim"] in numbers]
    if not found and final.account:
        dated = {(_iso(final, line), line.code) for line in final.lines}
        found = [(a, "account") for a in ours if a["account"] == final.account
                 and dated & {(d, c) for d, c, _, denied in a["lines"] if denied}]
    return found


def _answer(ledger: Ledger, conn, path: str, digest: str, txn: Transaction, group: list[Claim],
            appeals: list[dict], payers: set[str], routine, workspace, by: str) -> list[dict]:
    final = group[-1]
    if final.status == "22":  # a reversal alone takes a payment back; the decision is its re-adjudication
        return []
    today = dt.date.today()
    on = txn.dated(today)[0] or today  # never after today: a payment date days ahead is the EFT's, not the decision's
    out = []
    for appeal, how in _candidates(group, appeals, payers):
        key = hashlib.sha256(f"{digest}:{final.segment_index}:{appeal['appeal_id']}".encode()).hexdigest()
        entry = {"file": path, "claim": final.payer_claim_number, "appeal": appeal["id"], "how": HOW[how],
                 "result": None, "recovered": None, "recorded": False, "note": "", "new_appeal": None,
                 "next_level": None}
        if ledger.has_source(conn, key):
            out.append({**entry, "note": "already recorded from this remittance"})
            continue
        if appeal["status"] != "sent":
            continue
        first = ledger.first_sent(conn, appeal["appeal_id"])
        if first is not None and on < first:  # as track outcome refuses: no decision before the sending
            out.append({**entry, "before_sent": True,
                        "note": f"the remittance is dated {on:%m/%d/%Y}, before {appeal['id']} was sent on "
                                f"{first:%m/%d/%Y}: it cannot be the decision on that appeal"})
            continue
        verdict = judge(appeal, group, routine)
        if verdict is None:
            continue
        result, recovered, others = verdict
        amount = cents(recovered)
        done = decide(ledger, conn, appeal, result, on, by, amount_cents=amount, via="remittance",
                      reference=txn.check_number or final.payer_claim_number or None,
                      note=f"{HOW[how]}; {path}", workspace=workspace, source_key=key)
        entry.update(result=result, recovered=str(recovered.quantize(Decimal("0.01"))), recorded=True,
                     next_level=done["next"], **({"closed": done["closed"]} if done["closed"] else {}))
        if result == "superseded":
            entry["new_appeal"] = _open_new_denials(ledger, conn, appeal, final, others, on, workspace)
        out.append(entry)
    return out


def judge(appeal: dict, group: list[Claim], routine) -> tuple[str, Decimal, dict] | None:
    """``(result, amount recovered, {(group, carc): amount} of other denials)``, or ``None`` when the claim
    carries none of the appeal's lines."""
    final = group[-1]
    relevant = _relevance(appeal)
    lines = [line for line in final.lines if relevant(_iso(final, line), line.code)]
    if final.lines and not lines:
        return None
    whole = final.status == "4"
    denied: dict[tuple[str, str], Decimal] = {}
    still: list[ServiceLine] = []
    for line in lines:
        hits = [a for a in line.adjustments if whole or (a.group, a.reason) not in routine]
        for adj in hits:
            denied[(adj.group, adj.reason)] = denied.get((adj.group, adj.reason), Decimal(0)) + (adj.amount or 0)
        if hits:
            still.append(line)
    for adj in final.adjustments:
        if whole or (adj.group, adj.reason) not in routine:
            denied[(adj.group, adj.reason)] = denied.get((adj.group, adj.reason), Decimal(0)) + (adj.amount or 0)
    if final.lines:
        recovered = sum((line.paid or Decimal(0) for claim in group for line in claim.lines
                         if relevant(_iso(claim, line), line.code)), Decimal(0))
    else:
        recovered = sum((claim.paid or Decimal(0) for claim in group), Decimal(0))
    own = [k for k in denied if k[1] == appeal["carc"] and (not appeal["group"] or k[0] == appeal["group"])]
    if not denied:
        return "overturned", recovered, {}
    if own:
        fully = len(still) == len(lines) and all(not (line.paid or 0) for line in still)
        return ("upheld" if fully and recovered <= 0 else "partially-overturned"), recovered, {}
    return "superseded", recovered, denied


def _relevance(appeal: dict) -> Callable[[str, str], bool]:
    denied = {(d, c) for d, c, _, flag in appeal["lines"] if flag}
    dates = {d for d, _ in denied}
    codes = {c for _, c, _, _ in appeal["lines"]}
    if not denied:
        return lambda day, code: True
    return lambda day, code: (day, code) in denied or (day in dates and code not in codes)


def _iso(claim: Claim, line: ServiceLine) -> str:
    day = line.date_from or claim.service_from
    return day.isoformat() if day else ""


def _open_new_denials(ledger: Ledger, conn, appeal: dict, final: Claim, others: dict, on: dt.date,
                      workspace: Workspace | None) -> str | None:
    """The denial the claim came back with, opened and linked to the superseded appeal; its first appeal waits
    (status new) with the payer directory's appeal-by date."""
    opened = None
    entry = payer_entry(workspace, appeal)
    lines = [[_iso(final, line), line.code, str(line.units or 1), bool(line.adjustments)] for line in final.lines]
    for (group, carc), amount in others.items():
        facts = {"payer": appeal["payer"], "payer_id": appeal["payer_id"], "provider": appeal["provider"],
                 "claim": final.payer_claim_number or appeal["claim"], "account": final.account or appeal["account"],
                 "patient_name": appeal["patient"], "member_id": appeal["member_id"],
                 "dos_from": appeal["dos"], "dos_to": appeal["dos"], "lines": lines, "group": group, "carc": carc,
                 "rarc": sorted({r for line in final.lines for r in line.remarks}), "amount_cents": cents(amount),
                 "denied_on": on.isoformat()}
        denial = ledger.find_or_add_denial(conn, facts, now(), linked=appeal["appeal_id"])
        # the new denial is appealed at the superseded appeal's level; after a corrected claim, at the first level
        level = first_level(entry.kind if entry else None) if appeal["level"] == CORRECTED_CLAIM else appeal["level"]
        deadline = earliest_deadline(entry, on, level)
        opened = public_id(ledger.open_appeal(conn, denial, level, deadline.due if deadline else None))
    return opened


def _why_not(group: list[Claim], appeals: list[dict], payers: set[str]) -> str:
    if group[-1].status == "22":
        return "a reversal (CLP02=22) without its re-adjudication in this file: reconcile the remittance that " \
               "re-adjudicates the claim"
    found = _candidates(group, appeals, payers)
    if not found:
        return "no appeal of this payer has its claim number, original claim number or account"
    waiting = [f"{a['id']} is {a['status']}, not waiting for a decision" for a, _ in found if a["status"] != "sent"]
    sent = [a["id"] for a, _ in found if a["status"] == "sent"]  # sent, and the claim carries none of its lines
    return "; ".join([*waiting, *(["it carries none of the lines of " + ", ".join(sent)] if sent else [])])


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
