"""The coding check: an expert second look at a case before its letter goes out.

:func:`run_checks` types the case's facts with the chosen template's declarations
(or reads them from the letter's ``Bound``), then runs every rule in :data:`RULES`, in
that order, and returns their :class:`Finding` s: the severity
(error, warning, note), the claim line, what is wrong, what to do (a code to bill,
modifiers to add) and the library passages behind it. A fact that cannot be typed
is itself a finding, and the rules that need no facts still run.

To add a rule: write one small function in the module for its group
(``coding.py``, ``route.py``, ``denials.py``, ``sources.py``), add its :class:`Rule` to
:data:`RULES` with the passages it may cite, and test a case that triggers it and a
near miss that does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from appeal.checks import coding, denials, route, sources
from appeal.checks.model import SEVERITIES, Context, Finding, Rule
from appeal.errors import CaseError, Problem, TemplateError
from appeal.inputs.case import Case, coerce_facts, foreign_facts
from appeal.inputs.workspace import Workspace
from appeal.letters.bind import Bound, Request, decide
from appeal.letters.document import Letter, Quote
from appeal.letters.select import select_template
from appeal.letters.templates import TemplateMeta, TemplateSet, template_set
from appeal.reference.citations import CitationLibrary

__all__ = ["RULES", "CaseReport", "Context", "Finding", "Rule", "describe", "exit_status",
           "findings_text", "has_errors", "report_text", "run_checks"]

# Every rule, in the order it runs (a review rule sees the findings of the rules above it).
RULES: tuple[Rule, ...] = (
    Rule("unlisted-code-recorded", coding.unlisted_code_recorded,
         cites=(coding.UNLISTED_NOT_USED, coding.USE_76120_76125)),
    Rule("routine-exam-unstated", coding.routine_exam_unstated, cites=(coding.USE_76120_76125,)),
    Rule("videoradiography-not-recorded", coding.videoradiography_not_recorded, cites=(coding.DEFINITIONS,)),
    Rule("unlisted-code-not-recorded", coding.unlisted_code_not_recorded, cites=(coding.DESCRIPTOR_76000,)),
    Rule("unlisted-code-description", coding.unlisted_code_description),
    Rule("swallowing-code", coding.swallowing_code, cites=(coding.DESCRIPTOR_74230, coding.USE_76120_76125)),
    Rule("add-on-without-primary", coding.add_on_without_primary,
         cites=(coding.DESCRIPTOR_76125, coding.USE_76120_76125)),
    Rule("additional-views", coding.additional_views, cites=(coding.ADDITIONAL_VIEWS,)),
    Rule("distinct-modifier", coding.distinct_modifier, cites=(coding.SEPARATE_REGIONS, coding.ADDITIONAL_VIEWS)),
    Rule("specific-code-denied-189", coding.specific_code_denied_189, cites=coding.SPECIFIC_DESCRIPTORS),
    Rule("code-unknown-189", coding.code_unknown_189),
    Rule("investigational-policy", route.investigational_policy, cites=(route.DMX_POSITION,)),
    Rule("appeal-route-closed", route.appeal_route_closed),
    Rule("appeal-deadline", route.appeal_by_date),
    Rule("example-payer", route.example_payer),
    Rule("no-reasons", route.no_reasons),
    Rule("expected-enclosures", denials.expected_enclosures),
    Rule("unknown-carc", denials.unknown_carc),
    Rule("missing-information-remark", denials.missing_information_remark),
    Rule("duplicate-nothing-differs", denials.duplicate_nothing_differs),
    Rule("timely-filing-window", denials.timely_filing_window),
    Rule("timely-filing-acceptance", denials.timely_filing_acceptance),
    Rule("authorization-after-service", denials.authorization_after_service),
    Rule("necessity-guideline", denials.necessity_guideline),
    Rule("diagnosis-unchanged", denials.diagnosis_unchanged),
    Rule("cob-primary-eob", denials.cob_primary_eob),
    Rule("eligibility-on-service-date", denials.eligibility_on_service_date),
    Rule("plan-provision", denials.plan_provision),
    Rule("benefit-limit-same-day", denials.benefit_limit_same_day),
    Rule("source-date", sources.source_date, review=True),
)


def run_checks(case: Case, library: CitationLibrary, workspace: Workspace | None = None,
               today: dt.date | None = None, templates: TemplateSet | None = None,
               letter: Letter | None = None, template: TemplateMeta | None = None,
               bound: Bound | None = None) -> list[Finding]:
    """Every finding for ``case``, rule by rule.

    ``bound`` and ``letter``, when the letter was built, say exactly what it decided (facts, level, the
    code it requests) and what it quotes; without them the check binds what it can itself: it chooses
    the template as ``generate`` does (or takes ``template``) and types the facts.
    """
    ctx, findings = _context(case, library, workspace, today or dt.date.today(), templates,
                             bound.template if bound else template, bound)
    if letter is not None:
        quoted = [(b.citation, b.passage) for b in letter.blocks if isinstance(b, Quote)]
        quoted += [(cid, pid) for cid, pid in letter.meta.get("quoted_inline", ())]
        ctx = replace(ctx, letter_quotes=tuple(dict.fromkeys(quoted)))
    for entry in RULES:
        findings.extend(entry.run(ctx, findings))
    return [corrected_by_letter(f, ctx.request) for f in findings]


CORRECTED_NOTE = "Corrected by this letter: "


def corrected_by_letter(finding: Finding, request: Request | None) -> Finding:
    """A finding on the original claim that the letter's own request fixes (the changed line carries the
    code and modifiers the finding suggests) is a note, not an error: the letter is the correction."""
    if request is None or finding.severity == "note" or finding.line is None:
        return finding
    if not (finding.suggested_code or finding.suggested_modifiers):
        return finding
    for change in request.changes:
        if change.line != finding.line:
            continue
        code_ok = finding.suggested_code in (None, change.code)
        if code_ok and set(finding.suggested_modifiers) <= set(change.modifiers):
            return replace(finding, severity="note", message=CORRECTED_NOTE + finding.message,
                           action=f"The letter's request fixes it ({change.text}).")
    return finding


def _decided(case: Case, facts: Mapping[str, Any], meta: TemplateMeta | None, library: CitationLibrary,
             findings: list[Finding]) -> Request:
    """What the letter would ask for; when the template's ``corrected_claim_when`` cannot be evaluated for
    this case, that is a finding (the case's own level is checked on), not the end of the check."""
    try:
        return decide(case, facts, meta, library, case.appeal.level)
    except TemplateError as exc:
        findings += [Finding("template", "error", None, str(p), action="Give the facts the template's "
                             "corrected_claim_when reads, or correct the expression (appeal templates check).")
                     for p in exc.problems]
        return Request(case.appeal.level or "reconsideration", distinct=case.payer.distinct_modifier)


def _context(case: Case, library: CitationLibrary, workspace: Workspace | None, today: dt.date,
             templates: TemplateSet | None, meta: TemplateMeta | None,
             bound: Bound | None) -> tuple[Context, list[Finding]]:
    findings: list[Finding] = []
    facts: Mapping[str, Any] = bound.facts if bound else {}
    templates = templates or template_set((), workspace.root if workspace else None)
    try:
        if meta is None:
            meta, _ = select_template(case, templates)
        owners = templates.fact_owners()
        if bound is None:
            facts = coerce_facts(case, meta.facts, known=owners, template=meta.id)
        findings += [_foreign_fact(case, meta, name, owners.get(name, [])) for name in foreign_facts(case, meta.facts)]
    except TemplateError as exc:
        findings += [Finding("template", "error", None, str(p), action="Name a template that exists "
                             "(appeal templates list).") for p in exc.problems]
    except CaseError as exc:
        findings += [_fact_finding(case, meta, p) for p in exc.problems]
    payer = workspace.find_payer(case.payer.id, case.payer.name) if workspace else None
    request = bound.request if bound else _decided(case, facts, meta, library, findings)
    return Context(case=case, library=library, today=today, facts=facts, template=meta, payer=payer,
                   level=bound.request.level if bound else case.appeal.level, letter_requests=request.code,
                   request=request), findings


def _foreign_fact(case: Case, meta: TemplateMeta, name: str, owners: list[str]) -> Finding:
    """A fact the case gives for another template (a case written for CARC 189, then denied CARC 55)."""
    whose = ("the shared vocabulary declares it" if not owners
             else f"template {owners[0]!r} uses it" if len(owners) == 1
             else f"templates {', '.join(repr(o) for o in owners)} use it")
    return Finding("other-template-fact", "note", None,
                   f"appeal.facts.{name} is kept and not used: template '{meta.id}' does not use it ({whose}).",
                   action="Nothing to do, unless you meant another fact of this template: "
                          + (", ".join(meta.facts) or "it uses none") + ".")


def _fact_finding(case: Case, meta: TemplateMeta | None, problem: Problem) -> Finding:
    """A fact the template needs and the case leaves out, or one it gives that cannot be typed."""
    name = (problem.field or "").rsplit(".", 1)[-1]
    spec = meta.facts.get(name) if meta else None
    missing = spec is not None and spec.required and name not in case.appeal.facts
    action = (f"Add appeal.facts.{name}: {spec.description}" if spec is not None and missing
              else "Correct the fact; the rules that need facts were skipped.")
    return Finding("missing-fact" if missing else "invalid-fact", "error", None, str(problem), action=action)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


@dataclass
class CaseReport:
    """One case file's findings, or the problems that kept it from being read."""

    case: Path
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"case": str(self.case), "readable": self.readable,
                "findings": [f.as_dict() for f in self.findings],
                "errors": [p.as_dict() for p in self.problems]}


def exit_status(reports: Iterable[CaseReport]) -> int:
    """2 when a case could not be read (it wins), 1 when a check found errors, else 0."""
    reports = list(reports)
    if not all(r.readable for r in reports):
        return 2
    return 1 if any(has_errors(r.findings) for r in reports) else 0


def describe(finding: Finding) -> list[str]:
    """A finding as text lines, for the terminal."""
    where = f"line {finding.line}" if finding.line else "case"
    out = [f"{finding.severity}: {where}: {finding.message} [{finding.rule}]"]
    if finding.action:
        out.append(f"  what to do: {finding.action}")
    if finding.suggested_code or finding.suggested_modifiers:
        suggestion = "-".join(filter(None, (finding.suggested_code, *finding.suggested_modifiers)))
        out.append(f"  suggested: {suggestion if finding.suggested_code else 'modifier ' + suggestion}")
    if finding.citations:
        out.append("  sources: " + "; ".join(f"{cid} / {pid}" for cid, pid in finding.citations))
    return out


def _tally(findings: list[Finding]) -> str:
    counts = [(sum(f.severity == s for f in findings), s) for s in SEVERITIES]
    parts = [f"{n} {s}{'' if n == 1 else 's'}" for n, s in counts if n]
    return ", ".join(parts) or "no findings"


def report_text(reports: Iterable[CaseReport]) -> list[str]:
    """Every case's findings as text lines: a heading per case, then each finding."""
    out: list[str] = []
    for report in reports:
        if not report.readable:
            out.append(f"{report.case}: cannot be read ({len(report.problems)} problem(s), see the errors)")
            continue
        out.append(f"{report.case}: {_tally(report.findings)}")
        out.extend("  " + line for line in findings_text(report.findings))
    return out


def findings_text(findings: Iterable[Finding]) -> list[str]:
    """Findings as text lines, errors first."""
    ordered = sorted(findings, key=lambda f: SEVERITIES.index(f.severity))
    return [line for finding in ordered for line in describe(finding)]
