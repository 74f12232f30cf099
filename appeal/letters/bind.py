"""bind(case, template, library) -> Bound: everything a letter is decided from, decided once.

Between a validated case and the composed letter lie a few decisions that the
letter and the coding check must see alike, so they are made here and nowhere else:

- the case's facts, typed by the template's declarations (``coerce_facts``);
- the level the letter is written at once remark codes are applied (N704 and MA130
  make it a corrected-claim cover letter when the case names no level and the
  template writes one); the case itself is never rewritten;
- what the letter asks for (:class:`Request`, :func:`decide`): its level (for a template without a rule of
  its own here, its front matter ``corrected_claim_when`` when the case names none; templates write
  ``request.level`` and never decide it again), the code it requests and every
  claim line it changes (``line 2, 06/02/2026: 76120 corrected to 76120-59``), which the check reads too: a finding
  that the request fixes becomes a note, "corrected by this letter";
- the enclosure lines, with the packet's exhibit labels when ``deliver/packet`` gives them;
- what the case asks of this template and library: a level the template writes,
  citation references the library holds (reported at the case's own lines).

``compose`` then renders a :class:`Bound` and validates nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping

from appeal.errors import CaseError, CitationError, Problem
from appeal.inputs.case import Case, ClaimLine, Enclosure, coerce_facts
from appeal.inputs.schema import first_level
from appeal.inputs.workspace import PayerEntry
from appeal.letters.levels import level_problems, medical_judgement
from appeal.letters.remarks import asks_new_claim, remark_level
from appeal.letters.templates import TemplateMeta
from appeal.reference.citations import CitationLibrary


@dataclass(frozen=True)
class Bound:
    """A case bound to its template: what ``compose`` renders and the coding check reads."""

    case: Case
    template: TemplateMeta
    facts: Mapping[str, Any]
    level: str | None  # the level after remark codes (None: the case names none); the letter's is request.level
    request: Request
    enclosures: tuple[Enclosure, ...]
    warnings: tuple[str, ...] = ()
    directory: PayerEntry | None = None  # the payer directory's entry: its appeal windows
    medical_judgement: str | None = None  # why the denial is a medical judgement or rescission, if it is

    @property
    def requested_code(self) -> str | None:
        """The code the letter asks the payer to process (the first changed line's), if any."""
        return self.request.code


def specific_code(facts: Mapping[str, Any]) -> str:
    """The code for a recorded motion study: 76125 when it complemented a routine examination, else 76120
    (Coder's Desk Reference)."""
    return "76125" if facts.get("with_routine_exam") is True else "76120"


def bind(case: Case, template: TemplateMeta, library: CitationLibrary,
         exhibits: Mapping[int, str] | None = None, known: Iterable[str] = (),
         directory: PayerEntry | None = None) -> Bound:
    """Bind ``case`` to ``template``; every problem the case has with them in one :class:`CaseError`.

    ``exhibits`` maps an enclosure's index to the line the packet gives it
    ("Exhibit 1 (pages 4-5 of this packet): ..."). ``known`` are the facts other templates and the
    shared vocabulary declare: the case may carry them (kept, not used); any other fact is an error.
    ``directory`` is the payer directory's entry, whose windows give the appeal-by date.
    """
    level, warnings = remark_level(case, template)
    problems = level_problems(case, level)  # first: why the level does not fit says more than a template would
    if problems:
        raise CaseError(problems)
    check_against(case, library, template)
    facts = coerce_facts(case, template.facts, known=known, template=template.id)
    request = decide(case, facts, template, library, level)
    labels = exhibits or {}
    enclosures = tuple(Enclosure(labels[i], e.path) if i in labels else e for i, e in enumerate(case.enclosures))
    return Bound(case=case, template=template, facts=facts, level=level, request=request,
                 enclosures=enclosures, warnings=tuple(warnings), directory=directory,
                 medical_judgement=medical_judgement(case))


# -- what the letter asks for ------------------------------------------------------------
# What the letter asks for, decided once: its level, the code to request and every claim line it changes.
#
# The template writes the words; this module decides the premises they rest on, so the
# letter and the coding check read the same answer (the check turns a finding that the
# request fixes into a note, "corrected by this letter"). The rules:
#
# - **CARC 189** (``specific-code-required``): the billed code is *unlisted* only when the
#   library says so (an entry ``cpt-<code>`` whose descriptor starts "Unlisted"); *specific*
#   when the library holds its descriptor and it does not; unknown otherwise. A recorded
#   motion study billed with an unlisted code is corrected to 76120 (76125 with a routine
#   examination); a specific code billed is defended as billed (a reconsideration).
# - **Several regions**: the first region keeps the code; each additional region carries the
#   payer's distinct-procedure modifier (59, or XS), on its own line.
# - **Separate anatomic region** (CARC 97/236/4): a corrected claim puts the distinct
#   modifier on each additional region's line.
# - **Any other template**: ``appeal.requested_code`` and ``appeal.requested_modifiers`` on the
#   first denied line. When the case names no level (nor a remark code), the template's front matter
#   ``corrected_claim_when`` (an expression over its facts) makes the letter a corrected claim when true and
#   a reconsideration when false; without it, a reconsideration.
# - **Claim frequency**: a corrected claim replaces the original (frequency code 7), unless a
#   remark code says to submit a new claim (MA130: frequency code 1).

CORRECTED = "corrected-claim"
DISTINCT = ("59", "XS")


@dataclass(frozen=True)
class Change:
    """One claim line as the corrected claim (or the reprocessing asked for) reports it."""

    line: int | None  # the claim line; None for a line the corrected claim adds
    date: dt.date
    billed: str  # the code with its modifiers as billed ("" for an added line)
    code: str
    modifiers: tuple[str, ...] = ()

    @property
    def now(self) -> str:
        return "-".join((self.code, *self.modifiers))

    @property
    def text(self) -> str:
        """``line 2, 06/02/2026: 76120 corrected to 76120-59`` (``added line, ...: 76120-59`` for a new line)."""
        if self.line is None:
            return f"added line, {self.date:%m/%d/%Y}: {self.now}"
        return f"line {self.line}, {self.date:%m/%d/%Y}: {self.billed} corrected to {self.now}"

    def as_dict(self) -> dict:
        return {"line": self.line, "date": self.date.isoformat(), "billed": self.billed, "code": self.code,
                "modifiers": list(self.modifiers), "text": self.text}


@dataclass(frozen=True)
class Request:
    """What the letter asks the payer to do."""

    level: str
    code: str | None = None  # the code asked for (the first change's), if any
    modifiers: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()
    frequency: str | None = None  # for a corrected claim: "7" replaces the original, "1" is a new claim
    billed_unlisted: bool | None = None  # CARC 189: the library says the billed code is unlisted (None: unknown)
    distinct: str = "59"

    def as_dict(self) -> dict:
        return {"level": self.level, "code": self.code, "modifiers": list(self.modifiers),
                "changes": [c.as_dict() for c in self.changes], "frequency": self.frequency,
                "billed_unlisted": self.billed_unlisted}


def billed(line: ClaimLine) -> str:
    return "-".join((line.code, *line.modifiers))


def is_unlisted(library: CitationLibrary, code: str) -> bool | None:
    """True when the library's entry for ``code`` calls it unlisted, False when the library holds its
    descriptor and it does not, None when the library knows nothing of the code."""
    entry = library.entries.get(f"cpt-{code}")
    passage = entry.passages.get("descriptor") if entry is not None else None
    if passage is None or not passage.text:
        return None
    return passage.text.strip().lower().startswith("unlisted")


def decide(case: Case, facts: Mapping[str, Any], meta: TemplateMeta | None, library: CitationLibrary,
           level: str | None = None) -> Request:
    """The request of ``case``'s letter under ``meta`` (facts typed by the template); ``level`` is the
    level after remark codes (``remark_level``), when one is set. A template's ``corrected_claim_when``
    that cannot be evaluated is a :class:`~appeal.errors.TemplateError` at the template's key."""
    rule = _RULES.get(meta.request_rule) if meta is not None and meta.request_rule else None
    if rule is None:
        if level is None and meta is not None and meta.corrected_claim_when is not None:
            level = CORRECTED if meta.corrected_claim_when.holds(_condition_names(case, facts, meta)) \
                else "reconsideration"
        rule = _requested
    request = rule(case, facts, library, level, case.payer.distinct_modifier)
    if request.level == "reconsideration" and case.payer.kind == "medicare":
        # in original Medicare the first level is a redetermination; reconsideration is the QIC's level
        request = replace(request, level=first_level(case.payer.kind))
    if request.level == CORRECTED:
        return replace(request, frequency="1" if asks_new_claim(case) else "7")
    return request


def _condition_names(case: Case, facts: Mapping[str, Any], meta: TemplateMeta) -> dict[str, Any]:
    """What a template's ``corrected_claim_when`` reads: every fact it declares (one the case could not type
    is none), and the case's sections with ``appeal.facts`` typed."""
    typed = {name: facts.get(name) for name in meta.facts}
    return {"facts": typed, "appeal": replace(case.appeal, facts=typed), "claim": case.claim,
            "denial": case.denial, "denied_lines": case.denied_lines, "payer": case.payer}


def _requested(case: Case, facts: Mapping[str, Any], library: CitationLibrary, level: str | None,
               distinct: str) -> Request:
    """The case's own request: ``appeal.requested_code`` (and modifiers) on the first denied line."""
    appeal = case.appeal
    level = level or "reconsideration"
    first = case.denied_lines[0]
    if not appeal.requested_code:
        return Request(level, distinct=distinct)
    change = Change(first.number, first.date, billed(first), appeal.requested_code, appeal.requested_modifiers)
    return Request(level, appeal.requested_code, appeal.requested_modifiers, (change,), distinct=distinct)


def _specific_code(case: Case, facts: Mapping[str, Any], library: CitationLibrary, level: str | None,
                   distinct: str) -> Request:
    appeal = case.appeal
    first = case.denied_lines[0]
    unlisted = is_unlisted(library, first.code)
    specific = specific_code(facts)
    code = appeal.requested_code or (specific if facts.get("recording") and unlisted else None)
    level = level or (CORRECTED if code else "reconsideration")
    if not code:
        return Request(level, billed_unlisted=unlisted, distinct=distinct)
    regions = list(facts.get("regions") or ()) or [None]
    lines = [line for line in case.denied_lines if line.code == first.code and line.date == first.date]
    own = tuple(appeal.requested_modifiers)
    changes = []
    for i, _region in enumerate(regions):
        modifiers = own if i == 0 else tuple(m for m in own if m not in DISTINCT) + (distinct,)
        if i < len(lines):
            changes.append(Change(lines[i].number, lines[i].date, billed(lines[i]), code, modifiers))
        else:
            changes.append(Change(None, first.date, "", code, modifiers))
    return Request(level, code, own, tuple(changes), billed_unlisted=unlisted, distinct=distinct)


def _separate_region(case: Case, facts: Mapping[str, Any], library: CitationLibrary, level: str | None,
                     distinct: str) -> Request:
    regions = list(facts.get("regions") or ())
    carried = {m for line in case.claim.lines for m in line.modifiers}
    on_claim = distinct if distinct in carried else next((m for m in DISTINCT if m in carried), None)
    wrong_modifier = bool(facts.get("modifier_on_claim")) and on_claim is not None and on_claim != distinct
    level = level or ("reconsideration" if facts.get("modifier_on_claim") and not wrong_modifier else CORRECTED)
    if level != CORRECTED:
        return Request(level, distinct=distinct)
    first = case.denied_lines[0]
    lines = [line for line in case.claim.lines if line.code == first.code and line.date == first.date]
    changes = []
    for i in range(1, max(len(regions), len(lines))):
        if i < len(lines):
            line = lines[i]
            modifiers = tuple(m for m in line.modifiers if m not in DISTINCT) + (distinct,)
            if modifiers != line.modifiers:
                changes.append(Change(line.number, line.date, billed(line), line.code, modifiers))
        else:
            changes.append(Change(None, first.date, "", first.code, (distinct,)))
    return Request(level, None, (), tuple(changes), distinct=distinct)  # the code stays; its modifiers change


_RULES = {  # front matter ``request_rule`` (templates.REQUEST_RULES names them and the facts they read)
    "specific-code": _specific_code,
    "separate-region": _separate_region,
}


def check_against(case: Case, library: CitationLibrary, meta: TemplateMeta) -> None:
    """What the case asks of this template and library: a level the template writes, passages that exist.

    Reported at the case's own lines, so a biller's typo is never blamed on a built-in template.
    """
    problems = []
    located = case.located
    if case.appeal.level and meta.levels and not meta.writes(case.appeal.level):
        problems.append(Problem(str(case.source), f"template '{meta.id}' does not write a letter for the level "
                                f"'{case.appeal.level}'", line=located.line(("appeal", "level")) if located else None,
                                field="appeal.level", accepted=", ".join(meta.levels)))
    for i, ref in enumerate(case.appeal.citations):
        try:
            library.passage(ref.id, ref.passage)
        except CitationError as exc:
            field = "id" if ref.id not in library.entries else "passage"
            at = ("appeal", "citations", i, field)
            problems.extend(Problem(str(case.source), p.message, line=located.line(at) if located else ref.line,
                                    field=f"appeal.citations[{i}].{field}",
                                    accepted="an id and passage from 'appeal citations list'")
                            for p in exc.problems)
    if problems:
        raise CaseError(problems)
