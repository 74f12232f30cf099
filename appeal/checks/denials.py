"""Rules about the denial reason itself: whether the case holds the evidence its letter needs.

One small function per rule, each for the CARC codes its template answers (see
``templates/``): the facts come from the shared vocabulary (``templates/facts.yaml``),
so a rule reads the same fact whatever template the case chose.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from appeal.checks.model import Context, Finding, error, note, warning

DISTINCT_MODIFIERS = ("59", "XE", "XP", "XS", "XU", "76", "77", "91")


def _carc(ctx: Context, *codes: str) -> bool:
    return ctx.case.denial.carc in codes


def _lacks(ctx: Context, fact: str, *codes: str) -> bool:
    """The denial is one of ``codes``, its template uses ``fact``, and the case does not give it."""
    meta = ctx.template
    return _carc(ctx, *codes) and meta is not None and fact in meta.facts and not ctx.fact(fact)


def _served(ctx: Context) -> dt.date:
    return min(line.date for line in ctx.case.denied_lines)


def expected_enclosures(ctx: Context) -> Iterator[Finding]:
    """The template's letter rests on evidence, and the case encloses nothing."""
    meta = ctx.template
    if meta is None or not meta.enclosures or ctx.case.enclosures:
        return
    yield warning(None, f"The letter from template '{meta.id}' rests on evidence, and the case lists no "
                        f"enclosures: " + "; ".join(meta.enclosures) + ".",
                  action="List what you enclose under enclosures: (with a path, 'appeal packet' attaches it).")


def unknown_carc(ctx: Context) -> Iterator[Finding]:
    """A CARC the code table this version ships does not hold: a mistyped code, or one published since. The
    letter then names the code without its description."""
    from appeal.reference.codes import code_table

    carc = ctx.case.denial.carc
    if code_table().carc(carc) is None:
        yield note(None, f"CARC {carc} is not in the code table this version ships (appeal/data/codes.yaml), so "
                         f"the letter names the code without its description.",
                   action="Check the code against the remittance; if it is right, quote the payer's reason in "
                          "denial.reason.")


def missing_information_remark(ctx: Context) -> Iterator[Finding]:
    """CARC 16 must come with a remark code naming what is missing; without one the letter cannot answer it."""
    if not _carc(ctx, "16") or ctx.case.denial.rarc:
        return
    yield warning(None, "CARC 16 (lacks information) came with no remark code, so the case does not say what "
                        "the payer found missing.",
                  action="Find the remark code on the remittance (or ask the payer) and add it under denial.rarc.")


def duplicate_nothing_differs(ctx: Context) -> Iterator[Finding]:
    """CARC 18 when nothing tells this claim from the earlier one: it may really be a duplicate."""
    if not _carc(ctx, "18") or ctx.fact("differences") or ctx.fact("replacement") is True:
        return
    if any(m in DISTINCT_MODIFIERS for line in ctx.case.denied_lines for m in line.modifiers):
        return
    yield warning(None, "CARC 18 (exact duplicate), and the case names nothing that differs from the earlier "
                        "claim: no other date, modifier (59, XU, 76, 77), units or service, and it is not a "
                        "replacement. It may really be a duplicate.",
                  action="Compare the two claims. List what differs under appeal.facts.differences, or set "
                         "appeal.facts.replacement: yes for a corrected claim (frequency code 7); if nothing "
                         "differs, do not appeal.")


def timely_filing_window(ctx: Context) -> Iterator[Finding]:
    """CARC 29: the first submission must fall inside the payer's filing limit (or good cause be shown)."""
    if not _carc(ctx, "29"):
        return
    sent, cause = ctx.fact("original_submission_date"), ctx.fact("good_cause")
    served = _served(ctx)
    limit = ctx.case.payer.timely_filing_days
    if sent is None:
        if not cause:
            yield error(None, "CARC 29 (filing time limit expired), and the case gives no date the claim was "
                              "first sent, nor good cause: the letter has nothing to prove timely filing with.",
                        action="Add appeal.facts.original_submission_date (from the clearinghouse report) and "
                               "acceptance_report, or appeal.facts.good_cause." + _which_good_cause(ctx))
        return
    days = (sent - served).days
    if limit is None:
        yield warning(None, f"The claim was first sent {days} days after the date of service, and neither the "
                            f"case nor the payer directory gives {ctx.case.payer.name}'s filing limit, so the "
                            f"check cannot tell whether that was in time.",
                      action="Add timely_filing_days to the payer's entry in appeal.yaml (from the payer's "
                             "provider manual).")
    elif days > limit and not cause:
        yield error(None, f"The claim was first sent on {sent:%m/%d/%Y}, {days} days after the date of service "
                          f"{served:%m/%d/%Y}: outside {ctx.case.payer.name}'s filing limit of {limit} days. "
                          f"No submission date inside the window is given.",
                    action="Find an earlier submission accepted by the payer, or give appeal.facts.good_cause; "
                           "otherwise the denial stands." + _which_good_cause(ctx))


def _which_good_cause(ctx: Context) -> str:
    """The case has ``appeal.good_cause`` (why the appeal is late), not the fact the filing limit needs."""
    if not ctx.case.appeal.good_cause:
        return ""
    return (" (appeal.good_cause says why this appeal is sent late; why the claim was first filed late goes in "
            "appeal.facts.good_cause)")


def timely_filing_acceptance(ctx: Context) -> Iterator[Finding]:
    """CARC 29: a submission date needs the payer's acceptance of the claim; a 999 accepts only the file."""
    if not _carc(ctx, "29") or ctx.fact("original_submission_date") is None:
        return
    report = ctx.fact("acceptance_report") or ""
    if not report:
        yield warning(None, "The case gives the date the claim was first sent but no report of the payer's "
                            "acceptance of it.",
                      action="Add appeal.facts.acceptance_report: the 277CA claim acknowledgement (or the "
                             "payer's own acknowledgement), and enclose it.")
    elif "999" in report and "277" not in report:
        yield warning(None, "The acceptance report is a 999: it acknowledges only that the file's syntax was "
                            "readable, not that the payer accepted the claim.",
                      action="Enclose the 277CA claim acknowledgement for that submission, or the payer's own "
                             "acknowledgement of the claim.")


def authorization_after_service(ctx: Context) -> Iterator[Finding]:
    """CARC 197/15: an authorization dated after the service is a retro-authorization, and should say so."""
    if not _carc(ctx, "197", "15"):
        return
    obtained = ctx.fact("authorization_date")
    served = _served(ctx)
    if obtained is None or obtained <= served or ctx.fact("retro_authorization_requested"):
        return
    yield warning(None, f"The authorization was obtained on {obtained:%m/%d/%Y}, after the date of service "
                        f"{served:%m/%d/%Y}: the payer will read it as a retro-authorization.",
                  action="If it was one, give appeal.facts.retro_authorization_requested (the date it was "
                         "asked for) and, for an emergency, no_authorization_reason.")


def necessity_guideline(ctx: Context) -> Iterator[Finding]:
    """CARC 50 argued from the clinical facts with no guideline named: the payer will weigh it against its own."""
    if not _lacks(ctx, "guideline", "50"):
        return
    if ctx.level == "corrected-claim" or (ctx.level is None and ctx.fact("corrected_diagnoses")):
        return  # the letter is a corrected claim (the template chooses it from corrected_diagnoses)
    yield warning(None, "CARC 50 (not medically necessary), and the case names no guideline the provider relied "
                        "on: the payer will measure the clinical facts against its own criteria only.",
                  action="Add appeal.facts.guideline (title, publisher, year) and enclose its relevant pages.")


def diagnosis_unchanged(ctx: Context) -> Iterator[Finding]:
    """CARC 11 answered with a corrected claim whose diagnoses are the ones already denied."""
    corrected = set(ctx.fact("corrected_diagnoses") or ())
    if not _carc(ctx, "11") or not corrected:
        return
    billed = {code.replace(".", "") for line in ctx.case.denied_lines for code in line.diagnoses}
    if {code.replace(".", "") for code in corrected} <= billed:
        yield warning(None, "The corrected claim's diagnoses (" + ", ".join(sorted(corrected)) + ") are all on "
                            "the claim the payer denied: it would report the same thing again.",
                      action="List the diagnoses the notes document that the claim lacked, or leave "
                             "corrected_diagnoses out and give diagnosis_support for a reconsideration.")


def cob_primary_eob(ctx: Context) -> Iterator[Finding]:
    """CARC 22 with a primary payer named and nothing said of what it paid: the primary EOB is the evidence."""
    if not _carc(ctx, "22") or not ctx.fact("primary_payer") or ctx.fact("primary_payer_paid") is not None:
        return
    yield warning(None, f"The case names {ctx.fact('primary_payer')} as the primary payer and not what it paid.",
                  action="Add appeal.facts.primary_payer_paid (0 when it denied the claim) from its explanation "
                         "of benefits, and enclose the EOB.")


def eligibility_on_service_date(ctx: Context) -> Iterator[Finding]:
    """CARC 27: the letter rests on an eligibility check for the date of service."""
    if not _carc(ctx, "27") or ctx.fact("correct_service_date"):
        return
    checked, through = ctx.fact("eligibility_verified_on"), ctx.fact("coverage_through")
    served = _served(ctx)
    if through is not None and through < served:
        yield error(None, f"The eligibility check showed coverage through {through:%m/%d/%Y}, before the date of "
                          f"service {served:%m/%d/%Y}: it supports the denial.",
                    action="Check the date of service (correct_service_date if the claim carried a wrong one), "
                           "or look for other coverage.")
    elif checked is None:
        yield warning(None, "CARC 27 (after coverage ended), and the case gives no eligibility check for the date "
                            "of service.",
                      action="Add appeal.facts.eligibility_verified_on and eligibility_reference (a 271 response "
                             "or the payer's portal), and enclose it.")
    elif checked != served:
        yield warning(None, f"The eligibility check was made on {checked:%m/%d/%Y}, not on the date of service "
                            f"{served:%m/%d/%Y}: the payer may answer that coverage had ended by then.",
                      action="Enclose a check that shows coverage on the date of service itself (a 271 for that "
                             "date).")


def plan_provision(ctx: Context) -> Iterator[Finding]:
    """CARC 96/204 argued without the plan provision: the letter can only say why it should be covered."""
    if not _lacks(ctx, "plan_provision", "96", "204") or ctx.case.appeal.requested_code:
        return
    yield warning(None, "CARC 96/204 (not covered), and the case names no plan provision that covers the service.",
                  action="Find the section of the member's plan documents that covers it, give "
                         "appeal.facts.plan_provision and enclose the page.")


def benefit_limit_same_day(ctx: Context) -> Iterator[Finding]:
    """CARC 119/151: the same code twice on one date with nothing telling the lines apart is counted twice."""
    if not _carc(ctx, "119", "151") or ctx.fact("distinguishing_modifier"):
        return
    for line in ctx.case.denied_lines:
        twins = [other for other in ctx.case.claim.lines if other.number != line.number
                 and (other.code, other.date) == (line.code, line.date)]
        if twins and not any(m in DISTINCT_MODIFIERS for ln in (line, *twins) for m in ln.modifiers):
            yield warning(line.number, f"{line.code} is billed on {len(twins) + 1} lines on {line.date:%m/%d/%Y} "
                                       f"with no modifier telling them apart: the payer counts it twice.",
                          action="Add the modifier that shows the second is a different service (76, 77, "
                                 "RT/LT) as appeal.facts.distinguishing_modifier, for a corrected claim.")
            return
