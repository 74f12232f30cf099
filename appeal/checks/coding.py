"""Rules about the code billed: the ones the seed thread gives sources for.

Each rule is one function; its id and the passages it may cite are declared in ``RULES``
(``appeal/checks/__init__.py``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from appeal.checks.model import UNLISTED, VIDEORADIOGRAPHY, Context, Finding, error, note, warning
from appeal.inputs.case import ClaimLine
from appeal.letters.bind import is_unlisted
from appeal.letters.bind import specific_code as specific_code_for
from appeal.reference.codes import code_table

UNLISTED_NOT_USED = ("cpt-assistant-2000-09", "unlisted-not-used")
USE_76120_76125 = ("coders-desk-reference-76120-76125", "use-76120-76125")
DEFINITIONS = ("cpt-assistant-2000-09", "definitions")
SEPARATE_REGIONS = ("cpt-assistant-2000-09", "separate-regions")
ADDITIONAL_VIEWS = ("cpt-assistant-2000-09", "additional-views")
DESCRIPTOR_76000 = ("cpt-76000", "descriptor")
DESCRIPTOR_74230 = ("cpt-74230", "descriptor")
DESCRIPTOR_76125 = ("cpt-76125", "descriptor")


def specific_code(ctx: Context) -> str:
    """The specific code for the recorded study, as the letter would ask for it (``letters.bind``)."""
    return specific_code_for(ctx.facts)


def _how_to_bill(code: str) -> str:
    if code == "76125":
        return "Bill 76125 together with the code of the routine examination it complements"
    return "Bill 76120"


def unlisted_code_recorded(ctx: Context) -> Iterator[Finding]:
    """An unlisted code for a recorded motion study: CPT has specific codes for it."""
    if ctx.recording is not True:
        return
    code = specific_code(ctx)
    if ctx.requested == code:
        return
    # The letter itself asks for the specific code (the built-in CARC 189 letter, when the case names none).
    letter_asks = not ctx.requested and ctx.letter_requests == code
    make = error if ctx.requested else note if letter_asks else warning
    asked = f" The appeal asks for {ctx.requested} instead." if ctx.requested else ""
    action = (f"The letter asks for {code}; {_how_to_bill(code)[0].lower()}{_how_to_bill(code)[1:]} on the "
              f"corrected claim." if letter_asks else
              f"{_how_to_bill(code)} on a corrected claim, and ask for that code in the appeal.")
    for line in ctx.denied(UNLISTED):
        yield make(line.number,
                   f"{line.code} ({UNLISTED[line.code]}) is billed for a motion study that was recorded; CPT has "
                   f"specific codes for a recorded motion study, so the unlisted code should not be used.{asked}",
                   action=action, suggested_code=code, citations=(UNLISTED_NOT_USED, USE_76120_76125))


def routine_exam_unstated(ctx: Context) -> Iterator[Finding]:
    """76120 for a recorded study when the case does not say whether it complemented a routine examination
    (then 76125 applies): the letter asks for 76120 without saying why not 76125."""
    if ctx.recording is not True or ctx.facts.get("with_routine_exam") is not None:
        return
    if (ctx.requested or ctx.letter_requests) != "76120" or "with_routine_exam" not in _declared(ctx):
        return
    yield note(ctx.first_denied.number,
               "The letter asks for 76120, the code of a recorded motion study on its own; the case does not say "
               "whether the study complemented a routine radiologic examination the same day, when 76125 applies.",
               action="Give appeal.facts.with_routine_exam (yes: bill 76125 with the examination's code; no: "
                      "the letter says so).",
               suggested_code="76120", citations=(USE_76120_76125,))


def _declared(ctx: Context) -> set[str]:
    return set(ctx.template.facts) if ctx.template is not None else set()


def videoradiography_not_recorded(ctx: Context) -> Iterator[Finding]:
    """76120, 76125 and 74230 describe recordings; the case says none was made."""
    if ctx.recording is not False:
        return
    for number, code in ctx.billed_or_requested(VIDEORADIOGRAPHY):
        yield error(number,
                    f"{code} describes cineradiography/videoradiography, which is a recording of motion, but the "
                    f"case says no recording was made: the facts do not support {code}.",
                    action="Bill the code for what was done (fluoroscopy viewed live), or correct "
                           "appeal.facts.recording if the study was recorded.",
                    citations=(DEFINITIONS,))


def unlisted_code_not_recorded(ctx: Context) -> Iterator[Finding]:
    """Fluoroscopy that was not recorded, billed unlisted: the specific fluoroscopy code may fit."""
    if ctx.recording is not False or ctx.requested:
        return
    for line in ctx.denied(UNLISTED):
        yield warning(line.number,
                      f"{line.code} ({UNLISTED[line.code]}) is billed for fluoroscopy that was not recorded; CPT "
                      f"has a specific fluoroscopy code, 76000, that the payer may expect instead.",
                      action="Review whether 76000 describes the service (time and purpose); if it does, bill it "
                             "(appeal.requested_code: 76000), otherwise describe the service in the appeal.",
                      suggested_code="76000", citations=(DESCRIPTOR_76000,))


def unlisted_code_description(ctx: Context) -> Iterator[Finding]:
    """An unlisted code is processed only with a description of the service (RARC N350); moot on a line the
    letter's corrected claim reports with a specific code."""
    n350 = "N350" in ctx.case.denial.rarc
    said = code_table().rarc("N350")
    replaced = {c.line for c in (ctx.request.changes if ctx.request else ()) if c.code not in UNLISTED}
    for line in ctx.denied(UNLISTED):
        if line.number in replaced:  # the letter's corrected claim reports a specific code on this line instead
            continue
        if n350:
            quoted = f' ("{said}")' if said else ""
            yield error(line.number, f"The payer's remark N350{quoted} says the unlisted code {line.code} was "
                                     f"billed without a usable description of the service.",
                        action="Describe the service on the claim line and enclose the report that documents it.")
        elif not line.description:
            yield warning(line.number, f"{line.code} is an unlisted code and the case gives no description of "
                                       f"the service; an unlisted code needs one on the claim.",
                          action="Add the description to the claim line (and to claim.lines[].description).")


def swallowing_code(ctx: Context) -> Iterator[Finding]:
    """74230 is the swallowing study; billed for anything else it is the wrong code."""
    lines = {line.number: line for line in ctx.case.claim.lines}
    for number, code in ctx.billed_or_requested(("74230",)):
        line = lines[number]
        if ctx.mentions(r"swallow", line):
            continue
        described = bool(line.description or ctx.regions)
        make = error if described else warning
        said = "the case describes another study" if described else "nothing in the case says what was studied"
        suggestion = specific_code(ctx) if ctx.recording else None
        action = (f"{_how_to_bill(suggestion)} for a recorded motion study of another region." if suggestion
                  else "Confirm it was a swallowing study and say so in the line description.")
        yield make(number, f"{code} is the code for a study of swallowing function; {said}.", action=action,
                   suggested_code=suggestion,
                   citations=(DESCRIPTOR_74230,) + ((USE_76120_76125,) if suggestion else ()))


def _other_codes_on(ctx: Context, line: ClaimLine) -> set[str]:
    return {ln.code for ln in ctx.case.claim.lines if ln.date == line.date and ln.code != "76125"}


def add_on_without_primary(ctx: Context) -> Iterator[Finding]:
    """76125 is an add-on code: it needs a primary examination on the same date."""
    lines = [ln for ln in ctx.case.claim.lines if ln.code == "76125"]
    if ctx.requested == "76125" and ctx.first_denied.code != "76125":
        lines.append(ctx.first_denied)
    for line in lines:
        if _other_codes_on(ctx, line) - {line.code}:
            continue
        yield error(line.number, f"76125 is an add-on code, listed in addition to the code for the primary "
                                 f"procedure, and the claim has no other procedure on {line.date:%m/%d/%Y}.",
                    action="Report 76125 with the routine examination it complements; if the recording stood "
                           "alone, bill 76120.",
                    suggested_code="76120", citations=(DESCRIPTOR_76125, USE_76120_76125))


def repeated_lines(ctx: Context) -> Iterator[list[ClaimLine]]:
    """Groups of claim lines with the same videoradiography code on the same date."""
    groups: dict[tuple, list[ClaimLine]] = defaultdict(list)
    for line in ctx.case.claim.lines:
        if line.code in ("76120", "76125"):
            groups[(line.date, line.code)].append(line)
    yield from (group for group in groups.values() if len(group) > 1)


def _too_few_regions(ctx: Context, group: list[ClaimLine]) -> bool:
    return bool(ctx.regions) and len(set(ctx.regions)) < len(group)


def additional_views(ctx: Context) -> Iterator[Finding]:
    """More lines of one code on one date than regions studied: extra views are not reported again."""
    for group in repeated_lines(ctx):
        if not _too_few_regions(ctx, group):
            continue
        regions = sorted(set(ctx.regions))
        extra = group[len(regions):]
        yield error(extra[0].number,
                    f"{group[0].code} is billed {len(group)} times on {group[0].date:%m/%d/%Y}, but the case lists "
                    f"{len(regions)} anatomic region(s) ({', '.join(regions)}); additional views of one region "
                    f"are not reported separately.",
                    action=f"Remove line(s) {', '.join(str(ln.number) for ln in extra)}, or list each region "
                           f"studied in appeal.facts.regions.",
                    citations=(ADDITIONAL_VIEWS,))


def distinct_modifier(ctx: Context) -> Iterator[Finding]:
    """Each additional region's line carries modifier 59, or the payer's XS."""
    wanted = distinct_modifier_for(ctx)
    stated = preference_stated(ctx)
    for group in repeated_lines(ctx):
        if _too_few_regions(ctx, group):
            continue
        cites = (SEPARATE_REGIONS,) if ctx.regions else (SEPARATE_REGIONS, ADDITIONAL_VIEWS)
        for line in group[1:]:
            yield from _modifier_finding(line, wanted, cites, known_regions=bool(ctx.regions), stated=stated)


def _modifier_finding(line: ClaimLine, wanted: str, cites: tuple, known_regions: bool,
                      stated: bool = True) -> Iterator[Finding]:
    if wanted in line.modifiers or (not stated and {"59", "XS"} & set(line.modifiers)):
        return  # with no stated preference, either distinct-procedure modifier marks the region
    other = {"59", "XS"} - {wanted}
    if other & set(line.modifiers):
        yield warning(line.number, f"Line {line.number} carries modifier {other.pop()}, but this payer asks "
                                   f"for {wanted} to mark a distinct procedure.",
                      action=f"Use modifier {wanted} on line {line.number}.", suggested_modifiers=(wanted,),
                      citations=cites)
        return
    unless = "" if known_regions else (" If it is another view of the same region, it is not reported "
                                       "separately: remove the line.")
    yield error(line.number, f"{line.code} is repeated on {line.date:%m/%d/%Y} without modifier {wanted}; "
                             f"a separate anatomic region is reported on its own line with that modifier.{unless}",
                action=f"Append modifier {wanted} to line {line.number}.", suggested_modifiers=(wanted,),
                citations=cites)


def preference_stated(ctx: Context) -> bool:
    """Whether the case or the payer directory says which modifier the payer wants (59 is only the default)."""
    located = ctx.case.located
    return (located is not None and ("payer", "distinct_modifier") in located.lines) or ctx.payer is not None


def distinct_modifier_for(ctx: Context) -> str:
    """The case's own choice, else the payer directory's, else 59."""
    located = ctx.case.located
    explicit = located is not None and ("payer", "distinct_modifier") in located.lines
    if not explicit and ctx.payer is not None:
        return ctx.payer.distinct_modifier
    return ctx.case.payer.distinct_modifier



SPECIFIC_DESCRIPTORS = tuple((f"cpt-{code}", "descriptor") for code in ("74230", "76000", "76001", "76120", "76125"))


def specific_code_denied_189(ctx: Context) -> Iterator[Finding]:
    """CARC 189 (an unlisted code billed when a specific one exists) on a code the library shows is itself a
    specific code: the denial looks mistaken, and the letter asks the payer to name the code it means."""
    if ctx.case.denial.carc != "189":
        return
    for line in ctx.case.denied_lines:
        if is_unlisted(ctx.library, line.code) is False:
            descriptor = ctx.library.passage(f"cpt-{line.code}", "descriptor").text
            yield note(line.number, f"CARC 189 says an unlisted code was billed, but {line.code} is itself a "
                                    f"specific code (its descriptor: \"{descriptor}\").",
                       action="Ask the payer to reprocess the code as billed, or to name the specific code it "
                              "means (the built-in letter does both).",
                       citations=((f"cpt-{line.code}", "descriptor"),))


def code_unknown_189(ctx: Context) -> Iterator[Finding]:
    """CARC 189 on a code the citation library knows nothing of: nothing says whether it is unlisted."""
    if ctx.case.denial.carc != "189":
        return
    for line in ctx.case.denied_lines:
        if is_unlisted(ctx.library, line.code) is None:
            yield warning(line.number, f"The citation library has no descriptor for {line.code}, so the letter "
                                       f"cannot say whether it is an unlisted or a specific code; it only asks the "
                                       f"payer to name the specific code it means.",
                          action=f"Say in appeal.notes why {line.code} is right (with the code's descriptor from "
                                 f"your CPT book), or add an entry cpt-{line.code} to your citations.")
