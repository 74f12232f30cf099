"""The verdict on a letter: ``ready`` to send, ``review`` (with every reason) or ``blocked``.

It is computed once, from the case as the letter treats it, the composed letter and
the coding check's findings, and every command reports it the same way (``generate``,
``packet``, ``batch``, their ``--json``). Each reason has a stable code from
:data:`REASONS`; the README lists them. To add one: add its code to :data:`REASONS`
with the status it forces and a line for the README, and yield it from
:func:`verdict` (or from a check rule mapped in :data:`RULE_REASONS`). A reason only
the page's layout shows (where the renderer sets the letterhead) is measured above this
layer, where the renderer may be imported, and handed to :func:`verdict` as ``page``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable

from appeal.checks.model import Finding
from appeal.checks.route import PASSED
from appeal.letters.bind import CORRECTED, Bound
from appeal.letters.document import Letter

READY, REVIEW, BLOCKED = "ready", "review", "blocked"
STATUSES = (READY, REVIEW, BLOCKED)

# code -> (the status it forces, what it means: the README's table)
REASONS: dict[str, tuple[str, str]] = {
    "no-payer-address": (REVIEW, "the case and the payer directory give no address for the payer"),
    "payer-address-too-long": (REVIEW, "the payer's address block fits a #10 window envelope's window at no size (down "
                                       "to 8-point type), so the window is left empty"),
    "letterhead-in-window": (REVIEW, "the letterhead, as the PDF sets it (or the stationery, as printed), reaches "
                                     "into the part of page 1 a #10 window envelope shows (practice.envelope: "
                                     "window-10)"),
    "text-over-stationery": (REVIEW, "the PDF's text starts above the bottom of the stationery's printed letterhead "
                                     "(practice.stationery.margins: its top margin)"),
    "no-reasons": (REVIEW, "a generic letter with no reasons (no appeal.notes, no appeal.citations), whether the "
                           "template was chosen or forced with `template:`"),
    "enclosure-not-listed": (REVIEW, "the letter says something is enclosed (a corrected claim, a report) that the "
                                     "enclosures do not list"),
    "no-change-listed": (REVIEW, "a corrected claim that names no changed line"),
    "enclosure-mismatch": (REVIEW, "an enclosure names another claim frequency code than the letter (a new claim, "
                                   "frequency 1, where the enclosure says 7, or the reverse)"),
    "example-payer": (REVIEW, "the payer directory entry is still an example (`example: yes`)"),
    "appeal-by-passed": (REVIEW, "the appeal-by date has passed"),
    "late-no-good-cause": (REVIEW, "the letter is dated after its appeal-by date and `appeal.good_cause` gives no "
                                   "reason for the delay"),
    "fill-in": (REVIEW, "the letter still says FILL IN (in any case, or as fill-in, [fill in], FILLIN)"),
    "example-text": (REVIEW, "the letter still holds a placeholder of the example practice profile `appeal init` "
                             "writes (\"EXAMPLE - replace\")"),
    "no-contact": (REVIEW, "the letter gives no phone or email to reach the practice (signer.phone, signer.email, "
                           "provider.phone)"),
    "dated-before-denial": (REVIEW, "the letter is dated before the denial it answers"),
    "dated-after-today": (REVIEW, "the letter is dated after the day it is made (a typed year, or a letter to post "
                                  "later)"),
    "dated-before-decision": (REVIEW, "the letter is dated before the decision it appeals "
                                      "(`appeal.prior_decision.date`)"),
    "check-warning": (REVIEW, "a coding-check warning that bears on the letter's argument"),
    "not-appealable": (BLOCKED, "the payer says the decision cannot be appealed (remark N211)"),
    "check-error": (BLOCKED, "the coding check found an error"),
}

# check rules whose findings are a reason of their own, not a generic check warning or error
RULE_REASONS = {"no-reasons": "no-reasons", "example-payer": "example-payer"}
# warnings that say what may come next or how soon to send, not what is wrong with the argument
ADVISORY_RULES = frozenset({"investigational-policy"})

# what a letter may say is enclosed -> words one of the listed enclosures must contain
ANNOUNCED = (
    (re.compile(r"\benclosed (?:corrected|new) claim|(?:corrected|new) claim is enclosed", re.I),
     "a corrected claim", ("claim", "cms-1500", "ub-04", "837")),
    (re.compile(r"\benclosed (?:radiology )?report|\benclosed records|records? (?:is|are) enclosed", re.I),
     "the report or records", ("report", "record", "notes", "chart")),
    (re.compile(r"\bauthorization\b[^.]{0,60}\bis enclosed", re.I), "the member's authorization", ("authoriz",)),
)

# Every match of an ANNOUNCED pattern holds "enclosed" (as re.I matches it, one character for one), and lies within
# _BEFORE characters before it and _AFTER after it (the longest: "authorization", 60 others, "is enclosed"), so
# each pattern is searched around each "enclosed" only: the same answer, without a scan of the whole letter for
# each. A search from ``pos`` reads the character before ``pos`` for ``\b``; every ``\b`` in them has a letter after
# it in the match, so the end of a window is never one.
_ENCLOSED = re.compile("enclosed", re.I)
_BEFORE, _AFTER = 100, 40

EXAMPLE_MARK = "EXAMPLE - replace"  # how appeal/data/workspace/appeal.yaml marks each example value
# a placeholder as people type it: FILL IN, Fill in, fill-in, [fill in], FILL_IN, FILLIN
_FILL_IN = re.compile(r"\bfill[\s_-]*in\b", re.I)
_FREQUENCY = re.compile(r"\bfrequency(?: code)? (\d)\b", re.I)


@dataclass(frozen=True)
class Reason:
    """Why a letter is not ready."""

    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    """A letter's verdict: ready, review or blocked, with its reasons."""

    status: str
    reasons: tuple[Reason, ...] = ()

    @property
    def ready(self) -> bool:
        return self.status == READY

    def as_dict(self) -> dict:
        return {"status": self.status, "reasons": [r.as_dict() for r in self.reasons]}

    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def line(self) -> str:
        """``verdict: review (no-payer-address, fill-in)``: the last line ``generate`` prints."""
        return f"verdict: {self.status}" + (f" ({', '.join(self.codes())})" if self.reasons else "")


def decide(reasons: Iterable[Reason]) -> Verdict:
    """The verdict of ``reasons``: blocked beats review beats ready; each code once, in order."""
    unique = tuple({r.code + "\0" + r.message: r for r in reasons}.values())
    statuses = {REASONS[r.code][0] for r in unique}
    status = BLOCKED if BLOCKED in statuses else REVIEW if unique else READY
    return Verdict(status, unique)


def verdict(bound: Bound, letter: Letter, findings: Iterable[Finding], today: dt.date | None = None,
            page: Iterable[tuple[str, str]] = ()) -> Verdict:
    """The verdict on ``letter``, built from ``bound`` (the case as the letter treats it: its level and
    request), given the coding check's ``findings``; ``today``: the day it is made (default: today);
    ``page``: the reasons its page layout gives, as ``(code, message)`` (``Prepared.page_reasons``)."""
    laid_out = (Reason(code, message) for code, message in page)
    return decide([*_case_reasons(bound, letter, today), *laid_out, *_finding_reasons(findings)])


def _case_reasons(bound: Bound, letter: Letter, today: dt.date | None = None) -> Iterable[Reason]:
    case = bound.case
    if not case.payer.address:
        yield Reason("no-payer-address", f"no address for {case.payer.name}: add payer.address (from the denial "
                                         f"or the payer's provider manual) or a payer directory entry")
    if case.appeal.date < case.denial.date:
        yield Reason("dated-before-denial", f"the letter is dated {case.appeal.date:%m/%d/%Y}, before the denial of "
                                            f"{case.denial.date:%m/%d/%Y} it answers: correct appeal.date (or --date) "
                                            f"or denial.date")
    made = today or dt.date.today()
    if case.appeal.date > made:
        yield Reason("dated-after-today", f"the letter is dated {case.appeal.date:%m/%d/%Y}, after today "
                                          f"({made:%m/%d/%Y}): correct appeal.date (or --date), or keep it to post "
                                          f"it then")
    prior = case.appeal.prior_decision
    if prior is not None and prior.date is not None and case.appeal.date < prior.date:
        yield Reason("dated-before-decision", f"the letter is dated {case.appeal.date:%m/%d/%Y}, before the "
                                              f"decision of {prior.date:%m/%d/%Y} it appeals: date it on or after the "
                                              f"decision (--date, or appeal.date) or correct "
                                              f"appeal.prior_decision.date")
    text = letter.text()
    found = _FILL_IN.search(text)
    if found:
        yield Reason("fill-in", f"the letter still says {found.group()!r}: complete the case file where it says so")
    if EXAMPLE_MARK in text.replace(case.payer.name, ""):  # an example payer entry is example-payer's
        yield Reason("example-text", f"the letter still says \"{EXAMPLE_MARK}\": replace the example practice and "
                                     f"signer in the workspace's appeal.yaml (or the case) with yours")
    if not (case.signer.phone or case.signer.email or case.provider.phone):
        yield Reason("no-contact", "the letter gives no phone or email to reach the practice: add signer.phone or "
                                   "signer.email (or provider.phone)")
    listed = " ".join(e.description for e in bound.enclosures).lower()
    places = [found.start() for found in _ENCLOSED.finditer(text)]
    for pattern, what, words in ANNOUNCED:
        if announces(pattern, text, places) and not any(word in listed for word in words):
            yield Reason("enclosure-not-listed", f"the letter says {what} is enclosed, and the enclosures do not "
                                                 f"list it: add it to enclosures")
    frequency = bound.request.frequency
    for enclosure in bound.enclosures:
        said = _FREQUENCY.search(enclosure.description)
        if frequency and said and said.group(1) != frequency:
            yield Reason("enclosure-mismatch", f"the enclosure '{enclosure.description}' says frequency code "
                                               f"{said.group(1)}, and the letter sends frequency code {frequency}")
    due = letter.meta.get("appeal_by")
    if due and due.get("late") and not case.appeal.good_cause:
        yield Reason("late-no-good-cause", f"the letter is dated after its appeal-by date {due['due']} "
                                           f"({due['basis']}) and gives no reason for the delay: add "
                                           f"appeal.good_cause (why it is late), which the letter states")
    # a template with corrected_claim_when writes what its corrected claim changes from its own facts (the
    # authorization number, the diagnoses, the date of service): no claim line need change
    if bound.request.level == CORRECTED and not bound.request.changes and bound.template.corrected_claim_when is None:
        yield Reason("no-change-listed", "the corrected claim names no changed line: set appeal.requested_code "
                                         "(and appeal.requested_modifiers) to what the corrected claim reports")


def announces(pattern: re.Pattern, text: str, places: list[int] | None = None) -> bool:
    """Whether ``pattern`` (one of :data:`ANNOUNCED`) finds a match in ``text``: ``pattern.search(text)``, searched
    only around ``places``, where the text says "enclosed" (all of them)."""
    if places is None:
        places = [found.start() for found in _ENCLOSED.finditer(text)]
    return any(pattern.search(text, max(0, at - _BEFORE), at + _AFTER) for at in places)


def _finding_reasons(findings: Iterable[Finding]) -> Iterable[Reason]:
    for finding in findings:
        if finding.rule in RULE_REASONS and finding.severity != "note":
            yield Reason(RULE_REASONS[finding.rule], finding.message)
        elif finding.rule == "appeal-route-closed" and "N211" in finding.message:
            yield Reason("not-appealable", finding.message)
        elif finding.rule == "appeal-deadline" and finding.severity != "note" and PASSED in finding.message:
            yield Reason("appeal-by-passed", finding.message)
        elif finding.severity == "error":
            yield Reason("check-error", finding.message)
        elif finding.severity == "warning" and finding.rule not in ADVISORY_RULES \
                and finding.rule != "appeal-deadline":
            yield Reason("check-warning", finding.message)
