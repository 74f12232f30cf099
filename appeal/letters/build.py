"""The one path from a validated case to its letter: select, bind, compose.

``generate``, ``validate``, ``packet``, ``batch``, ``check`` and ``templates check``
all build their letters through :func:`build_letter`, so the template chosen, the
facts typed, the level, the code requested and the warnings are the same wherever
a letter is made. It writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from appeal.inputs.case import Case
from appeal.inputs.workspace import PayerEntry
from appeal.letters.bind import Bound, bind
from appeal.letters.compose import compose
from appeal.letters.document import Letter, PageSetup
from appeal.letters.select import select_template
from appeal.letters.templates import TemplateMeta, TemplateSet
from appeal.reference.citations import CitationLibrary


@dataclass
class Prepared:
    """A case's letter, built and not yet written: the case, its template and why, the bound facts,
    the letter, and the warnings to show before it goes out."""

    case: Case
    template: TemplateMeta
    reason: str
    bound: Bound
    letter: Letter
    warnings: list[str] = field(default_factory=list)
    reference_docx: Path | None = None
    page: PageSetup = field(default_factory=PageSetup)
    # what the page layout stands in the way of, as the verdict's (code, message): measured where the page
    # setup and the renderer are known (commands.generate.with_workspace), not by this layer
    page_reasons: list[tuple[str, str]] = field(default_factory=list)


def build_letter(case: Case, templates: TemplateSet, library: CitationLibrary, meta: TemplateMeta | None = None,
                 exhibits: Mapping[int, str] | None = None, directory: PayerEntry | None = None) -> Prepared:
    """A validated case -> its template, bound facts and letter.

    ``meta`` renders the case with that template instead of choosing one (``templates check``, and the
    packet's passes); ``exhibits`` gives enclosure lines their packet labels (see ``bind``); ``directory``
    is the payer directory's entry for the case's payer (its appeal windows).
    """
    meta, reason = (meta, f"template '{meta.id}' was given") if meta else select_template(case, templates)
    bound = bind(case, meta, library, exhibits, known=templates.fact_owners(), directory=directory)
    letter = compose(bound, library, templates)
    shadowing = [f"{library.shadowed[cid]}: citation '{cid}' replaces the built-in library's entry of that id; the "
                 f"letter quotes yours: check its wording against the source" for cid in letter.meta["citations"]
                 if cid in library.shadowed]
    return Prepared(case=case, template=meta, reason=reason, bound=bound, letter=letter,
                    warnings=[*bound.warnings, *case_warnings(case), *shadowing])



def case_warnings(case: Case) -> list[str]:
    """What is odd about a valid case and worth saying before the letter goes out."""
    warnings = []
    located = case.located

    def where(at: tuple) -> str:
        return f"{case.source}:{located.line(at)}" if located else str(case.source)

    for i, enclosure in enumerate(case.enclosures):
        if enclosure.path is not None and not enclosure.path.is_file():
            warnings.append(f"{where(('enclosures', i, 'path'))}: enclosures[{i}].path: {enclosure.path} is not "
                            f"a file (the letter lists it; 'appeal packet' needs it)")
    if case.appeal.date < case.denial.date:
        warnings.append(f"{where(('appeal', 'date'))}: the letter date {case.appeal.date:%m/%d/%Y} is before the "
                        f"denial of {case.denial.date:%m/%d/%Y}")
    return warnings
