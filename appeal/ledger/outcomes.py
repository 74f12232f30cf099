"""What a payer's decision does to an appeal: its outcome event, and the level it opens when upheld."""

from __future__ import annotations

import datetime as dt

from appeal.inputs.workspace import Workspace
from appeal.ledger.store import Ledger
from appeal.reference.deadlines import next_level_due

# The level an upheld decision opens. A Medicare reconsideration (by the QIC, after a redetermination) leads to a
# hearing, which appeal does not write; nor does anything follow an external review.
NEXT_LEVEL = {"corrected-claim": "reconsideration", "first-level": "second-level",
              "reconsideration": "second-level", "redetermination": "medicare-reconsideration",
              "second-level": "external-review"}


def next_level(level: str, earlier: list[str]) -> str | None:
    """The level an upheld decision at ``level`` opens (``earlier``: the levels the denial has had; a case
    written before medicare-reconsideration existed called the QIC's level reconsideration)."""
    if level == "reconsideration" and "redetermination" in earlier:
        return None
    return NEXT_LEVEL.get(level)


def payer_entry(workspace: Workspace | None, appeal: dict):
    return workspace.find_payer(appeal["payer_id"], appeal["payer"]) if workspace else None


def decide(ledger: Ledger, conn, appeal: dict, result: str, on: dt.date, by: str, *, amount_cents: int | None,
           reference: str | None = None, note: str | None = None, via: str = "letter",
           workspace: Workspace | None = None, source_key: str | None = None) -> dict:
    """Record the outcome; an upheld decision opens the next level with its own appeal-by date, and any other
    one closes the level an earlier upheld decision on the appeal opened, while it is still unsent (a decision
    corrected, or a payer that reversed itself): it is withdrawn, with a note that says why.

    Returns ``{"event", "next": appeal id or None, "next_appeal_by", "closed": appeal id or None}``.
    """
    from appeal.ledger.store import public_id

    event = ledger.add_event(conn, appeal["appeal_id"], "outcome", on, by, method=via, reference=reference,
                             result=result, amount_cents=amount_cents, note=note, source_key=source_key)
    out: dict = {"event": event, "next": None, "next_appeal_by": None, "closed": None}
    earlier = [r["level"] for r in conn.execute("SELECT level FROM appeals WHERE denial_id = :denial_id",
                                                {"denial_id": appeal["denial_id"]})]
    level = next_level(appeal["level"], earlier)
    if level is None:
        return out
    if result != "upheld":
        opened = ledger.at_level(conn, appeal["denial_id"], level)
        if opened is not None and opened["status"] in ("new", "drafted"):
            ledger.add_event(conn, opened["id"], "outcome", on, by, method=None, result="withdrawn",
                             note=f"not to be filed: the decision on {appeal['id']} is now {result}")
            out["closed"] = public_id(opened["id"])
        return out
    due = next_level_due(payer_entry(workspace, appeal), level, on, by_letter=via == "letter")
    out["next"] = public_id(ledger.open_appeal(conn, appeal["denial_id"], level, due))
    out["next_appeal_by"] = due.isoformat() if due else None
    return out
