"""Appeal-by dates: the payer's appeal window (from the practice's payer directory)
counted from the denial or remittance date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from appeal.inputs.workspace import PayerEntry

SOON_DAYS = 7


@dataclass(frozen=True)
class Deadline:
    level: str
    due: dt.date
    window_days: int
    days_left: int

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
                "days_left": self.days_left, "past_due": self.past_due, "due_soon": self.due_soon}


def appeal_deadline(payer: PayerEntry | None, level: str, denied_on: dt.date,
                    today: dt.date | None = None) -> Deadline | None:
    """The date an appeal at ``level`` is due, or ``None`` when the directory gives no window."""
    if payer is None or level not in payer.appeal_window_days:
        return None
    window = payer.appeal_window_days[level]
    due = denied_on + dt.timedelta(days=window)
    return Deadline(level=level, due=due, window_days=window, days_left=(due - (today or dt.date.today())).days)


def earliest_deadline(payer: PayerEntry | None, denied_on: dt.date | None, level: str | None = None,
                      today: dt.date | None = None) -> Deadline | None:
    """The appeal-by date at ``level``; with no level, the earliest window the payer directory gives."""
    if payer is None or denied_on is None:
        return None
    levels = [level] if level else list(payer.appeal_window_days)
    found = [d for lv in levels if (d := appeal_deadline(payer, lv, denied_on, today)) is not None]
    return min(found, key=lambda d: d.due) if found else None


# When a decision comes by letter, as Medicare's do, the next level's window counts from the day the
# letter is received, which Medicare presumes to be 5 days after the letter's date (42 CFR 405.942(a)(1) for a
# redetermination, 405.962(a)(1) for a reconsideration).
MAIL_DAYS = 5
RESPONSE_DAYS = 30  # a payer's response time when the payer directory gives none (response_days)
# Medicare's window for a reconsideration when the payer directory gives none: 180 days from receiving
# the redetermination notice (42 CFR 405.962(a)).
MEDICARE_RECONSIDERATION_DAYS = 180


def next_level_due(payer: PayerEntry | None, level: str, decided_on: dt.date, by_letter: bool,
                   after: str | None = None) -> dt.date | None:
    """The appeal-by date of ``level`` after a decision: the payer directory's window, else the level's own
    rule (a Medicare reconsideration after a redetermination), counted from the decision's date, plus the
    presumed days of mail when the decision came by letter."""
    start = decided_on + dt.timedelta(days=MAIL_DAYS if by_letter else 0)
    if payer is not None and level in payer.appeal_window_days:
        return start + dt.timedelta(days=payer.appeal_window_days[level])
    if level == "reconsideration" and after == "redetermination":
        return start + dt.timedelta(days=MEDICARE_RECONSIDERATION_DAYS)
    return None
