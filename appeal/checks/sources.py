"""Rules about the sources a letter quotes: wording older than the service it argues about."""

from __future__ import annotations

import re
from typing import Iterator

from appeal.checks.model import Cite, Context, Finding, note

_QUOTE_CALL = re.compile(r"""quote\(\s*["']([^"']+)["']\s*,\s*["']([^"']+)["']\s*\)""")


def quoted(ctx: Context, earlier: list[Finding]) -> dict[str, list[Cite]]:
    """Every source the letter or the findings quote, with the passages known to be quoted.

    The findings' citations, the case's own ``appeal.citations``, then the entries the
    chosen template's front matter names, with the passages its body quotes literally
    (all of an entry's passages when the body names none, e.g. ``"cpt-" ~ code``).
    """
    out: dict[str, list[Cite]] = {}
    if ctx.letter_quotes is not None:  # the composed letter: exactly what it quotes
        for cid, pid in ctx.letter_quotes:
            out.setdefault(cid, []).append((cid, pid))
        return out
    pairs = [c for f in earlier for c in f.citations] + [(c.id, c.passage) for c in ctx.case.appeal.citations]
    for cid, pid in pairs:
        if (cid, pid) not in out.setdefault(cid, []):
            out[cid].append((cid, pid))
    in_body = _template_quotes(ctx)
    for cid in ctx.template.citations if ctx.template else ():
        entry = ctx.library.entries.get(cid)
        if entry is None or entry.use == "reference-only" or cid in out:
            continue
        passages = [pid for pid, passage in entry.passages.items() if passage.text]
        out[cid] = [(cid, pid) for pid in passages if (cid, pid) in in_body] or [(cid, pid) for pid in passages]
    return out


def _template_quotes(ctx: Context) -> set[Cite]:
    """The ``quote("id", "passage")`` calls written out in the template's file."""
    try:
        text = ctx.template.file.read_text(encoding="utf-8") if ctx.template else ""
    except OSError:
        return set()
    return set(_QUOTE_CALL.findall(text))


def source_date(ctx: Context, earlier: list[Finding]) -> Iterator[Finding]:
    """A quoted source whose text is as of a date before the service: confirm the current wording."""
    served = min(line.date for line in ctx.case.denied_lines)
    for cid, cites in quoted(ctx, earlier).items():
        entry = ctx.library.entries.get(cid)
        if entry is None:
            continue
        edition = entry.as_of or entry.date
        if not edition and entry.kind == "descriptor":
            yield note(None, f"{entry.attribution} is quoted, and the source gives no date for its wording.",
                       action="Confirm the current wording before the letter goes out.", citations=tuple(cites))
            continue
        if not edition or edition >= served:
            continue
        revised = (f" It was revised on {entry.revised:%m/%d/%Y}, so the wording in the library is not the "
                   f"current one." if entry.revised and entry.revised <= served else "")
        yield note(None, f"{entry.attribution} is quoted as of {edition:%m/%d/%Y}, before the date of service "
                         f"{served:%m/%d/%Y}.{revised}",
                   action="Confirm the current wording before the letter goes out.", citations=tuple(cites))
