"""Appeal-by dates, and where each came from.

The payer directory's window for a level comes first: its days counted from the denial
(or remittance) date. Where the directory gives no window for the level, the level's
rule gives the date, when a rule is in the citation library:

- Medicare redetermination: 120 days from receipt of the initial determination, receipt
  presumed 5 days after the date of its notice (42 CFR 405.942(a) and (a)(1)).
- Medicare reconsideration by the QIC: 180 days from receipt of the redetermination,
  receipt presumed 5 days after the date of its notice (42 CFR 405.962(a) and (a)(1)).

Every :class:`Deadline` says its source (``payer directory`` or the rule's citation) and
its basis in words, for ``appeal denials``, the case file's header and the letter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from appeal.inputs.schema import CORRECTED_CLAIM, first_level
from appeal.inputs.workspace import PayerEntry

SOON_DAYS = 7
DIRECTORY = "payer directory"


@dataclass(frozen=True)
class LevelRule:
    """A level's own filing window, from a regulation: days from receipt of a notice, receipt presumed some
    days after the notice's date."""

    kind: str
    level: str
    days: int
    receipt_days: int
    notice: str  # what the days run from, in words
    counted_from: str  # "denial" (the initial determination) or "prior_decision"
    citation: str  # the citation library's entry id
    cited: str  # the pinpoint as the letter prints it


RULES = (
    LevelRule("medicare", "redetermination", 120, 5, "the initial determination", "denial",
              "42-cfr-405.942-a", "42 CFR 405.942(a)"),
    LevelRule("medicare", "medicare-reconsideration", 180, 5, "the redetermination", "prior_decision",
              "42-cfr-405.962-a", "42 CFR 405.962(a)"),
)


def level_rule(kind: str | None, level: str) -> LevelRule | None:
    return next((rule for rule in RULES if rule.kind == kind and rule.level == level), None)


@dataclass(frozen=True)
class Deadline:
    """When the appeal at a level is due, and the rule or directory entry that says so."""

    level: str
    due: dt.date
    window_days: int
    days_left: int
    source: str = DIRECTORY  # "payer directory", or the rule's pinpoint ("42 CFR 405.942(a)")
    basis: str = ""  # the window in words, with its source
    citation: str | None = None  # the rule's citation library id
    stated: str = ""  # the window as the letter states it to the payer: the rule it cites, never the practice's own
    #                   directory entry and its audit note (``basis`` says those, for the biller)

    @property
    def past_due(self) -> bool:
        return self.days_left < 0

    @property
    def due_soon(self) -> bool:
        return 0 <= self.days_left <= SOON_DAYS

    @property
    def flag(self) -> str:
        """``PAST DUE``, ``due soon`` or nothing: what a table of denials shows beside the date."""
        return "PAST DUE" if self.past_due else "due soon" if self.due_soon else ""

    def text(self) -> str:
        """The due date, and its flag if any: ``2026-04-04 PAST DUE``."""
        return " ".join(filter(None, (self.due.isoformat(), self.flag)))

    def as_dict(self) -> dict:
        return {"level": self.level, "due": self.due.isoformat(), "window_days": self.window_days,
                "days_left": self.days_left, "past_due": self.past_due, "due_soon": self.due_soon,
                "source": self.source, "basis": self.basis}


def appeal_deadline(payer: PayerEntry | None, level: str, denied_on: dt.date, today: dt.date | None = None,
                    kind: str | None = None, prior_on: dt.date | None = None) -> Deadline | None:
    """The date an appeal at ``level`` is due: the payer directory's window, else the level's rule for the
    payer's ``kind``; ``None`` when neither gives one. The directory's window counts from ``prior_on``, the
    decision the letter appeals, when there is one (a reconsideration after an upheld corrected claim, a second
    level), from the decision's own date (the earlier of the dates a biller could count from), else from the
    denial; a rule counts as it says."""
    today = today or dt.date.today()
    if payer is not None and level in payer.appeal_window_days:
        window = payer.appeal_window_days[level]
        counted = (prior_on, "decision") if prior_on is not None else (denied_on, "denial")
        due = counted[0] + dt.timedelta(days=window)
        stated = f"{window} days from the {counted[1]} of {counted[0]:%m/%d/%Y}"
        basis = f"{stated}, per the payer directory entry for {payer.name}"
        checked = " ".join(str(part) for part in (payer.checked_source, payer.checked_date) if part)
        if checked:
            basis += f" (checked: {checked})"
        return Deadline(level=level, due=due, window_days=window, days_left=(due - today).days, basis=basis,
                        stated=stated)
    rule = level_rule(kind or (payer.kind if payer else None), level)
    start: dt.date | None = denied_on if rule and rule.counted_from == "denial" else prior_on
    if rule is None or start is None:
        return None
    window = rule.days + rule.receipt_days
    due = start + dt.timedelta(days=window)
    basis = (f"{rule.days} days from receipt of {rule.notice}, receipt presumed {rule.receipt_days} days after "
             f"its notice of {start:%m/%d/%Y}, per {rule.cited}")
    return Deadline(level=level, due=due, window_days=window, days_left=(due - today).days, source=rule.cited,
                    basis=basis, citation=rule.citation, stated=basis)


# The levels a denial's first letter is written at: a corrected claim, or the first rung of a payer's ladder
# (a commercial plan's reconsideration is optional, so its first-level appeal opens the ladder as well).
OPENING_LEVELS = (CORRECTED_CLAIM, "reconsideration", "redetermination", "first-level")


def earliest_deadline(payer: PayerEntry | None, denied_on: dt.date | None, level: str | None = None,
                      today: dt.date | None = None, kind: str | None = None,
                      prior_on: dt.date | None = None, still_open: bool = False) -> Deadline | None:
    """The appeal-by date at ``level``; with no level, the earliest window the payer directory gives for a first
    letter (:data:`OPENING_LEVELS`; a later level's window counts from a decision, not from the denial), else the
    rule of the first level of the payer's kind. With ``still_open`` (the letter's level is not decided yet:
    ``denials``, an imported case's header), the earliest of those windows still open, or, when all have passed,
    the last of them, past due: a corrected claim's window that has passed is no reason to write off a denial
    whose reconsideration is still open. A corrected claim has no rule of its own here: without a corrected-claim
    window in the payer directory, it is due as a letter of no level."""
    if denied_on is None:
        return None
    kind = kind or (payer.kind if payer else None)
    if level == CORRECTED_CLAIM and (payer is None or level not in payer.appeal_window_days):
        level = None
    levels = [level] if level else [lv for lv in payer.appeal_window_days if lv in OPENING_LEVELS] if payer else []
    if not levels:
        levels = [first_level(kind)]
    found = [d for lv in levels if (d := appeal_deadline(payer, lv, denied_on, today, kind, prior_on)) is not None]
    if not found:
        return None
    if not still_open:
        return min(found, key=lambda d: d.due)
    unexpired = [d for d in found if not d.past_due]
    return min(unexpired, key=lambda d: d.due) if unexpired else max(found, key=lambda d: d.due)


# When a decision comes by letter, as Medicare's do, the next level's window counts from the day the
# letter is received, which Medicare presumes to be 5 days after the letter's date (42 CFR 405.942(a)(1) for a
# redetermination, 405.962(a)(1) for a reconsideration).
MAIL_DAYS = 5
RESPONSE_DAYS = 30  # a payer's response time when the payer directory gives none (response_days)


def next_level_due(payer: PayerEntry | None, level: str, decided_on: dt.date, by_letter: bool) -> dt.date | None:
    """The appeal-by date of ``level`` after a decision: the payer directory's window, else the level's own
    rule (a Medicare reconsideration after a redetermination: :data:`RULES`), counted from the decision's date,
    plus the presumed days of mail when the decision came by letter."""
    start = decided_on + dt.timedelta(days=MAIL_DAYS if by_letter else 0)
    if payer is not None and level in payer.appeal_window_days:
        return start + dt.timedelta(days=payer.appeal_window_days[level])
    rule = next((r for r in RULES if r.level == level and r.counted_from == "prior_decision"), None)
    return start + dt.timedelta(days=rule.days) if rule else None
