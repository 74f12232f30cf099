"""The small model every check rule works on: :class:`Finding`, :class:`Context` and :class:`Rule`.

A rule is one function: it gets the :class:`Context` (the case, its typed facts, the
library, the payer directory entry, today, what the letter decided) and yields
findings. Its :class:`Rule` entry in ``RULES`` stamps each finding with the rule's id
and keeps only citations the rule declared and the library holds, so a finding can
never point at a passage that is not there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from appeal.inputs.case import Case, ClaimLine
from appeal.inputs.workspace import PayerEntry
from appeal.letters.bind import Request
from appeal.letters.templates import TemplateMeta
from appeal.reference.citations import CitationLibrary

SEVERITIES = ("error", "warning", "note")
Cite = tuple[str, str]

UNLISTED = {"76496": "unlisted fluoroscopic procedure", "76499": "unlisted diagnostic radiographic procedure"}
VIDEORADIOGRAPHY = ("76120", "76125", "74230")
MOTION = ("76120", "76125", "76496", "76499")


@dataclass(frozen=True)
class Finding:
    """One thing the check found: what is wrong, what to do, and the sources behind it."""

    rule: str
    severity: str
    line: int | None
    message: str
    action: str | None = None
    suggested_code: str | None = None
    suggested_modifiers: tuple[str, ...] = ()
    citations: tuple[Cite, ...] = ()

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "line": self.line,
            "message": self.message,
            "action": self.action,
            "suggested_code": self.suggested_code,
            "suggested_modifiers": list(self.suggested_modifiers),
            "citations": [{"id": cid, "passage": pid} for cid, pid in self.citations],
        }


def error(line: int | None, message: str, **kw: Any) -> Finding:
    return Finding("", "error", line, message, **kw)


def warning(line: int | None, message: str, **kw: Any) -> Finding:
    return Finding("", "warning", line, message, **kw)


def note(line: int | None, message: str, **kw: Any) -> Finding:
    return Finding("", "note", line, message, **kw)


@dataclass(frozen=True)
class Context:
    """What the rules see. ``facts`` are typed by the chosen template (empty when they could not be)."""

    case: Case
    library: CitationLibrary
    today: dt.date
    facts: Mapping[str, Any] = field(default_factory=dict)
    template: TemplateMeta | None = None
    payer: PayerEntry | None = None
    letter_quotes: tuple[tuple[str, str], ...] | None = None  # what the composed letter quotes, when known
    level: str | None = None  # the level the letter is written at (after remark codes; see letters.bind)
    letter_requests: str | None = None  # the code the letter asks for (letters.bind.Request.code)
    request: Request | None = None  # what the letter asks for: its level, code and changed lines (letters.bind)

    def fact(self, name: str, default: Any = None) -> Any:
        value = self.facts.get(name)
        return default if value is None else value

    @property
    def recording(self) -> bool | None:
        """True or False only when the case says so; None when it does not."""
        value = self.facts.get("recording")
        return value if isinstance(value, bool) else None

    @property
    def regions(self) -> tuple[str, ...]:
        value = self.facts.get("regions")
        return tuple(value) if isinstance(value, (list, tuple)) else ()

    @property
    def requested(self) -> str | None:
        return self.case.appeal.requested_code

    @property
    def first_denied(self) -> ClaimLine:
        return self.case.denied_lines[0]

    def denied(self, codes: Iterable[str]) -> list[ClaimLine]:
        wanted = set(codes)
        return [line for line in self.case.denied_lines if line.code in wanted]

    def billed_or_requested(self, codes: Iterable[str]) -> list[tuple[int, str]]:
        """``(claim line, code)`` for each denied line with one of ``codes``, and the requested code."""
        wanted = set(codes)
        found = [(line.number, line.code) for line in self.denied(wanted)]
        if self.requested in wanted and (self.first_denied.number, self.requested) not in found:
            found.append((self.first_denied.number, self.requested))
        return found

    def words(self, line: ClaimLine | None = None) -> str:
        """What the case says the study was: line descriptions and text facts, lower-cased."""
        lines = [line] if line else self.case.denied_lines
        parts = [ln.description or "" for ln in lines]
        for value in self.facts.values():
            if isinstance(value, str):
                parts.append(value)
            elif isinstance(value, (list, tuple)):
                parts.extend(str(v) for v in value)
        return " ".join(parts).lower()

    def mentions(self, pattern: str, line: ClaimLine | None = None) -> bool:
        return re.search(pattern, self.words(line)) is not None


RuleFunc = Callable[..., Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A rule in ``RULES``. A ``review`` rule also gets the findings of the rules before it."""

    id: str
    func: RuleFunc
    cites: tuple[Cite, ...] = ()
    review: bool = False

    def run(self, ctx: Context, earlier: list[Finding]) -> list[Finding]:
        raw = self.func(ctx, earlier) if self.review else self.func(ctx)
        return [dataclasses.replace(f, rule=self.id, citations=self._held(f, ctx.library)) for f in raw]

    def _held(self, finding: Finding, library: CitationLibrary) -> tuple[Cite, ...]:
        allowed = set(self.cites)
        return tuple(c for c in finding.citations if (self.review or c in allowed) and _holds(library, c))


def _holds(library: CitationLibrary, cite: Cite) -> bool:
    entry = library.entries.get(cite[0])
    return entry is not None and bool(entry.passages.get(cite[1]) and entry.passages[cite[1]].text)
