"""Rules about the appeal's route: what the payer will say next, remark codes that close the
appeal route, and the appeal-by date."""

from __future__ import annotations

from typing import Iterator

from appeal.checks.model import MOTION, Context, Finding, error, warning
from appeal.reference.codes import code_table, without_usage
from appeal.reference.deadlines import earliest_deadline

DMX_POSITION = ("dmx-policy-unnamed-payer", "position")
SPINE = r"spin|vertebr|cervical|thoracic|lumbar|sacr"
INVESTIGATIONAL_TEMPLATE = "investigational-service"
# the coding denials after which a payer may turn to its investigational policy; a denial for missing
# information (CARC 16), a duplicate or a filing limit is not about the service, so the policy does not bear on it
CODING_CARCS = frozenset({"189", "97", "236", "4", "11", "50", "96"})
PASSED = "has passed"  # the words of a passed appeal-by date (the verdict reads them)

# Remark codes that close the appeal route: code -> what to do instead. A level that is
# itself the route the remark leaves open (a corrected claim) is not flagged.
CLOSED_ROUTE = {
    "N211": ("Do not send an appeal letter; the remark says this decision cannot be appealed.", None),
    "N704": ("Resubmit a corrected claim instead of appealing (appeal.level: corrected-claim).", "corrected-claim"),
    "MA130": ("Submit a new, complete claim instead of appealing (appeal.level: corrected-claim).",
              "corrected-claim"),
}


def investigational_policy(ctx: Context) -> Iterator[Finding]:
    """A payer policy calls spinal motion imaging investigational: the next denial may be CARC 55."""
    case = ctx.case
    codes = {line.code for line in case.claim.lines} | {ctx.requested}
    if case.denial.carc not in CODING_CARCS or DMX_POSITION[0] not in ctx.library.entries:
        return
    if ctx.template is not None and ctx.template.id == INVESTIGATIONAL_TEMPLATE:
        return  # the letter answers the policy itself
    if not codes & set(MOTION) or not ctx.mentions(SPINE):
        return  # the policy covers motion imaging of the spine, nothing else
    carc55 = without_usage(code_table().carc("55"))
    said = f' ("{carc55}")' if carc55 else ""
    yield warning(None, f"A payer medical policy in the library calls DMX, cineradiography and videofluoroscopy of "
                        f"the spine investigational: an appeal on coding alone may be met next by CARC 55{said}.",
                  action=f"Enclose the clinical notes and the report with the appeal; if the payer answers with "
                         f"CARC 55, use the template '{INVESTIGATIONAL_TEMPLATE}'.",
                  citations=(DMX_POSITION,))


def appeal_route_closed(ctx: Context) -> Iterator[Finding]:
    """N211 (no appeal), N704 and MA130 (resubmit instead) close the appeal route."""
    for remark in ctx.case.denial.rarc:
        if remark not in CLOSED_ROUTE:
            continue
        action, open_level = CLOSED_ROUTE[remark]
        if open_level and ctx.level == open_level:
            continue
        said = code_table().rarc(remark)
        yield error(None, f"Remark {remark}" + (f' says: "{said}"' if said else " closes the appeal route") + ".",
                    action=action)


def appeal_by_date(ctx: Context) -> Iterator[Finding]:
    """The appeal-by date (the payer directory's window, else the level's rule) has passed, or is within a
    week."""
    # the window for the letter's level; a corrected claim without its own, the earliest a first letter has
    case = ctx.case
    prior = case.appeal.prior_decision
    due = earliest_deadline(ctx.payer, case.denial.date, ctx.level, ctx.today, kind=case.payer.kind,
                            prior_on=prior.date if prior else None)
    if due is None or not (due.past_due or due.due_soon):
        return
    window = f"for a {due.level}: {due.basis}"
    if due.past_due:  # a late appeal may still be heard (good cause): review, not blocked
        reason = (" The letter gives the reason it is late (appeal.good_cause)." if case.appeal.good_cause else
                  " The case gives no reason it is late (appeal.good_cause).")
        yield warning(None, f"The appeal-by date {due.due:%m/%d/%Y} {PASSED} ({-due.days_left} days ago; "
                            f"{window}).{reason}",
                      action="Confirm the window with the payer before sending; a late appeal may not be heard. "
                             "Say why it is late in appeal.good_cause.")
    else:
        yield warning(None, f"The appeal is due by {due.due:%m/%d/%Y}, in {due.days_left} days ({window}).",
                      action="Send it now, by a route that shows the date received.")


def example_payer(ctx: Context) -> Iterator[Finding]:
    """The payer directory entry the letter takes its address from is still an example."""
    if ctx.payer is None or not ctx.payer.example:
        return
    yield warning(None, f"The payer directory entry '{ctx.payer.name}' is an example (example: yes); its address "
                        f"and appeal windows are not the payer's.",
                  action="Replace the entry's address, fax and appeal windows with those in the payer's provider "
                         "manual, then delete 'example: yes'.")


def no_reasons(ctx: Context) -> Iterator[Finding]:
    """The generic letter argues only from the biller's notes and chosen passages: with neither, it gives
    the payer no reason to change its decision."""
    appeal = ctx.case.appeal
    if ctx.template is None or ctx.template.id != "generic-reconsideration" or appeal.notes or appeal.citations:
        return
    yield warning(None, "The letter uses the generic template and the case gives no reasons: it asks the payer "
                        "to reconsider without saying why.",
                  action="Add appeal.notes (why the denial is wrong) and, where a source supports it, "
                         "appeal.citations; or name a template that answers this denial.")
