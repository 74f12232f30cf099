"""bind(case, template, library) -> Bound: everything a letter is decided from, decided once.

Between a validated case and the composed letter lie a few decisions that the
letter and the coding check must see alike, so they are made here and nowhere else:

- the case's facts, typed by the template's declarations (``coerce_facts``);
- the level the letter is written at once remark codes are applied (N704 and MA130
  make it a corrected-claim cover letter when the case names no level and the
  template writes one); the case itself is never rewritten;
- the code the letter requests (:func:`requested_code`), which the check reads too;
- the enclosure lines, with the packet's exhibit labels when ``deliver/packet`` gives them;
- what the case asks of this template and library: a level the template writes,
  citation references the library holds (reported at the case's own lines).

``compose`` then renders a :class:`Bound` and validates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from appeal.errors import CaseError, CitationError, Problem
from appeal.inputs.case import Case, Enclosure, coerce_facts
from appeal.letters.remarks import remark_level
from appeal.letters.templates import TemplateMeta
from appeal.reference.citations import CitationLibrary

# Templates whose letter, when the case names no code, asks for the specific code of a
# recorded motion study (the built-in CARC 189 letter). A copy under another id asks
# only for the code the case names, and the coding check tells the biller which to bill.
ASKS_FOR_SPECIFIC_CODE = frozenset({"specific-code-required"})


@dataclass(frozen=True)
class Bound:
    """A case bound to its template: what ``compose`` renders and the coding check reads."""

    case: Case
    template: TemplateMeta
    facts: Mapping[str, Any]
    level: str | None
    requested_code: str | None
    enclosures: tuple[Enclosure, ...]
    warnings: tuple[str, ...] = ()


def specific_code(facts: Mapping[str, Any]) -> str:
    """The code for a recorded motion study: 76125 when it complemented a routine examination, else 76120
    (Coder's Desk Reference)."""
    return "76125" if facts.get("with_routine_exam") is True else "76120"


def requested_code(case: Case, template: TemplateMeta | None, facts: Mapping[str, Any]) -> str | None:
    """The code the letter asks the payer to process: the case's ``appeal.requested_code``; else, for a
    template in :data:`ASKS_FOR_SPECIFIC_CODE` and a study that was recorded, :func:`specific_code`."""
    if case.appeal.requested_code:
        return case.appeal.requested_code
    if template is not None and template.id in ASKS_FOR_SPECIFIC_CODE and facts.get("recording") is True:
        return specific_code(facts)
    return None


def bind(case: Case, template: TemplateMeta, library: CitationLibrary,
         exhibits: Mapping[int, str] | None = None, known: Iterable[str] = ()) -> Bound:
    """Bind ``case`` to ``template``; every problem the case has with them in one :class:`CaseError`.

    ``exhibits`` maps an enclosure's index to the line the packet gives it
    ("Exhibit 1 (pages 4-5 of this packet): ..."). ``known`` are the facts other templates and the
    shared vocabulary declare: the case may carry them (kept, not used); any other fact is an error.
    """
    check_against(case, library, template)
    facts = coerce_facts(case, template.facts, known=known, template=template.id)
    level, warnings = remark_level(case, template)
    labels = exhibits or {}
    enclosures = tuple(Enclosure(labels[i], e.path) if i in labels else e for i, e in enumerate(case.enclosures))
    return Bound(case=case, template=template, facts=facts, level=level,
                 requested_code=requested_code(case, template, facts), enclosures=enclosures,
                 warnings=tuple(warnings))


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
