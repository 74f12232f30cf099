"""Choosing the template that answers a denial.

:func:`select_template` reads only what :class:`~appeal.letters.templates.Denied`
names: the template the case asks for, the denial's CARC, remark codes and reason, the
denied lines' modifiers and the raw facts. A validated case has all of that; a
remittance's denial has it before the provider or signer are known, so ``import-835``
chooses with a :class:`DenialKey` instead of a half-built case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple

from appeal.letters.templates import Denied, TemplateMeta, TemplateSet


class DeniedLine(NamedTuple):
    number: int
    modifiers: tuple[str, ...] = ()
    code: str = ""


@dataclass(frozen=True)
class DenialKey:
    """The denial as template selection sees it. It reads as its own ``denial`` and ``appeal``
    (``key.denial.carc``, ``key.appeal.facts``), as a case does."""

    carc: str
    rarc: tuple[str, ...] = ()
    reason: str | None = None
    denied_lines: tuple[DeniedLine, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    template: str | None = None

    @property
    def denial(self) -> DenialKey:
        return self

    @property
    def appeal(self) -> DenialKey:
        return self


def select_template(case: Denied, templates: TemplateSet) -> tuple[TemplateMeta, str]:
    """The template for ``case`` (a case, or a :class:`DenialKey`) and why it was chosen.

    The case's ``template:`` wins. Otherwise the templates that answer the denial's
    CARC (listed under ``carc``, or under ``carc_when`` with its condition met),
    preferring a ``carc_when`` match (CARC 50 called investigational) to a plain one,
    then the one whose RARC list meets the case's remark codes, then the more
    specific (fewer CARC codes), then the one found first in the lookup order; with
    none, ``generic-reconsideration``.
    """
    if case.template:
        return templates.get(case.template), f"the case names template '{case.template}'"
    carc = case.denial.carc
    order = {origin: i for i, (_, origin) in enumerate(templates.folders)}
    every = templates.all()
    candidates = [(meta, why) for meta in every.values() if (why := meta.answers(case))]
    if not candidates:  # the generic letter as listed (a run's templates are listed once: TemplatesReadOnce)
        meta = every.get("generic-reconsideration") or templates.get("generic-reconsideration")
        return meta, f"no template answers CARC {carc}; using the generic reconsideration"
    remarks = set(case.denial.rarc)

    def rank(item: tuple[TemplateMeta, str]) -> tuple:
        meta = item[0]
        plain = carc in meta.carc  # a carc_when match (the condition met) beats a plain CARC match
        return (plain, -len(remarks & set(meta.rarc)), len(meta.carc) + len(meta.carc_when),
                order.get(meta.origin, len(order)), meta.id)

    best, reason = sorted(candidates, key=rank)[0]
    matched = sorted(remarks & set(best.rarc))
    if matched:
        reason += f" and remark code {', '.join(matched)}"
    if len(candidates) > 1:
        others = ", ".join(m.id for m, _ in candidates if m is not best)
        reason += f" (also answering: {others})"
    return best, reason
