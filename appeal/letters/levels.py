"""Each appeal level in its own words, and what a level asks of a case beyond its fields.

The ladder of levels each payer kind accepts is declared once in ``inputs/schema.py``
(and checked where the case is read). Here are the rest of a level's rules, which need
the denial's codes and so cannot live at the edge:

- :func:`we_ask`: the request in the level's own words. In original Medicare the first
  level is a redetermination by the MAC and "reconsideration" is the next level, at the
  QIC, so a redetermination never asks anyone to reconsider.
- :func:`medical_judgement`: whether the denial rests on a medical judgement (not
  medically necessary, experimental or investigational) or is a rescission of coverage.
- :func:`level_problems`: an external review asked for a coding denial or for a
  grandfathered plan; an authorised representative whose signed authorisation is not
  listed as an enclosure. Each is reported at the case's own line.
"""

from __future__ import annotations

import re

from appeal.errors import Problem
from appeal.inputs.case import Case
from appeal.reference.codes import code_table

# CARCs whose denial is itself a medical judgement: 50 (not medically necessary), 55
# (experimental/investigational), 56 (not proven effective).
MEDICAL_JUDGEMENT_CARCS = frozenset({"50", "55", "56"})
MEDICAL_WORDS = re.compile(r"investigational|experimental|medical(ly)? necess|not proven", re.IGNORECASE)
RESCISSION_WORDS = re.compile(r"rescission|rescind", re.IGNORECASE)
AUTHORISATION_WORDS = re.compile(r"authori[sz]", re.IGNORECASE)


def we_ask(level: str, payer: str) -> str:
    """The start of the letter's request, in the level's words: ``We ask UPMC to reconsider the denial``.

    Each ends with what is appealed (the denial, the initial determination, the decision), so a template
    goes on with ``of 76120 on 03/01/2026`` or ``and to reprocess ...``.
    """
    return {
        "redetermination": f"We request a redetermination: we ask {payer} to reverse the initial determination",
        "medicare-reconsideration": "We ask the Qualified Independent Contractor to reverse the redetermination",
        "first-level": f"We ask {payer} to reverse the denial",
        "second-level": f"We ask {payer}, at the second level, to reverse the denial",
        "external-review": f"We ask the independent reviewer to reverse {payer}'s final internal decision",
    }.get(level, f"We ask {payer} to reconsider the denial")


def medical_judgement(case: Case) -> str | None:
    """Why the denial is a medical judgement or a rescission, in words for the letter; ``None`` when it is
    neither (a coding or billing denial, for instance)."""
    denial = case.denial
    if RESCISSION_WORDS.search(denial.reason or ""):
        return "a rescission of coverage"
    if denial.carc in MEDICAL_JUDGEMENT_CARCS:
        return {"50": "a decision that the service was not medically necessary",
                "55": "a decision that the service was experimental or investigational",
                "56": "a decision that the service was not proven effective"}[denial.carc]
    if MEDICAL_WORDS.search(denial.reason or ""):
        return "a decision on medical necessity or on whether the service is investigational, as the payer states it"
    return None


def level_problems(case: Case, level: str | None) -> list[Problem]:
    """What the level asks of this case that its fields alone do not show."""
    problems = []
    located = case.located

    def problem(at: tuple, message: str, accepted: str) -> None:
        problems.append(Problem(str(case.source), message, line=located.line(at) if located else None,
                                field=".".join(str(p) for p in at), accepted=accepted))

    if level == "external-review":
        if case.payer.grandfathered:
            problem(("payer", "grandfathered"), "an external review is not open to a grandfathered plan "
                    "(payer.grandfathered: yes): the external review rules of 45 CFR 147.136 and 29 CFR "
                    "2590.715-2719 apply, in general, to plans that are not grandfathered (paragraph (a)(1) of each)",
                    "a second-level appeal to the plan, or payer.grandfathered: no if the plan is not grandfathered")
        if medical_judgement(case) is None:
            description = code_table().carc(case.denial.carc)
            said = f' ("{description}")' if description else ""
            problem(("appeal", "level"), f"an external review is only for a decision based on medical judgement "
                    f"(not medically necessary, experimental or investigational) or a rescission of coverage; "
                    f"CARC {case.denial.carc}{said} is a coding or billing denial, which the plan's own appeal "
                    f"levels decide", "first-level or second-level")
    if case.appeal.authorized_representative and case.payer.kind == "erisa-plan" and not any(
            AUTHORISATION_WORDS.search(e.description) for e in case.enclosures):
        problem(("appeal", "authorized_representative"), "the letter acts for the member as authorised "
                "representative, so the member's signed authorisation must be listed under enclosures",
                "an enclosure such as: Member's signed authorization of representative")
    return problems
