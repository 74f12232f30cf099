"""compose(bound, library, templates) -> Letter: Jinja, then Markdown, then the document model.

It renders a :class:`~appeal.letters.bind.Bound` (the case with its typed facts, level,
requested code and enclosure lines, decided in ``bind``) and validates nothing itself.

The template renders Markdown. Every value from the case is escaped on its way in
(Jinja's ``finalize``), so a name like ``<b>Ann & *Bo*</b>`` is text, never markup.
Structured pieces (quotes, address blocks, the RE table, the signature, the
references) are made by helper functions that return a placeholder paragraph; after
Markdown parsing each placeholder is swapped for its block. The quote text thus
never passes through Markdown: the letter carries the source's exact words.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from appeal.errors import AppealError, CaseError, Problem, TemplateError
from appeal.inputs.case import Case
from appeal.inputs.fields import REFUSED_CHARACTERS, refused_character
from appeal.letters.bind import Bound, specific_code
from appeal.letters.document import (
    Block,
    BulletList,
    Heading,
    Letter,
    Letterhead,
    Paragraph,
    Quote,
    Recipient,
    References,
    Run,
    Signature,
    Table,
)
from appeal.letters.levels import we_ask
from appeal.letters.sandbox import render_bounded, text_value
from appeal.letters.templates import (
    Safe,
    TemplateMeta,
    TemplateSet,
    TemplateView,
    escape,
    long_date,
    money,
    render_error,
    short_date,
)
from appeal.reference.citations import CitationLibrary
from appeal.reference.codes import code_table, without_usage
from appeal.reference.deadlines import appeal_deadline

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

CORE_PROPERTY_LIMIT = 255  # DOCX core properties (title, subject, keywords, author) hold at most 255 characters


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """The CommonMark parser letters use (with tables; no typographer), made when a text first needs it: a
    letter of plain paragraphs never does (:func:`_plain_blocks`), and a cold command skips its import. HTML is
    recognised so that a template's raw HTML is refused with its line (a letter draws none; unrecognised, a
    ``<b>`` would be printed as text to the payer); the case's values never make any, they are escaped."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True, "typographer": False}).enable("table")
# A placeholder paragraph (``_Composer.placeholder``): the letter's nonce, then the block's index. One pattern for
# every letter (a pattern of each letter's own nonce would be compiled anew for each, and crowd re's cache).
_MARKER = re.compile(r"APPEALBLOCK([0-9a-f]+)N(\d+)")


@dataclasses.dataclass
class _Composer:
    """State of one letter while its template renders."""

    case: Case
    library: CitationLibrary
    meta: TemplateMeta
    nonce: str = dataclasses.field(default_factory=lambda: secrets.token_hex(4))
    blocks: list[Callable[[], Block]] = dataclasses.field(default_factory=list)
    cited: list[str] = dataclasses.field(default_factory=list)
    inline: list[list[str]] = dataclasses.field(default_factory=list)  # [id, passage] quoted within a sentence
    bound: Bound | None = None
    appeal_by_said: dict | None = None  # the appeal-by date the letter states, for the letter's meta

    def appeal_by(self, level: str) -> Any:
        """The appeal-by date of ``level`` (a :class:`~appeal.reference.deadlines.Deadline`, or none), counted
        against the letter's date; the letter states it, and the warnings read what it stated."""
        case, bound = self.case, self.bound
        if level == "corrected-claim" or bound is None:
            return None
        prior = case.appeal.prior_decision
        due = appeal_deadline(bound.directory, level, case.denial.date, case.appeal.date, kind=case.payer.kind,
                              prior_on=prior.date if prior else None)
        if due is not None:
            if due.citation:
                self.cite(due.citation)
            self.appeal_by_said = {"level": level, "due": due.due.isoformat(), "source": due.source,
                                   "basis": due.basis, "late": due.past_due}
        return due

    def placeholder(self, make: Callable[[], Block]) -> Safe:
        self.blocks.append(make)
        return Safe(f"\n\nAPPEALBLOCK{self.nonce}N{len(self.blocks) - 1}\n\n")

    def cite(self, cid: str) -> str:
        entry = self.library.get(cid)
        if entry.id not in self.cited:
            self.cited.append(entry.id)
        return Safe(escape(entry.attribution))

    def quote(self, cid: str, pid: str) -> Safe:
        entry, passage = self.library.quotable(cid, pid, self.meta.id, self.meta.citations)
        self.cite(cid)
        return self.placeholder(lambda: Quote(passage.text, entry.attribution, entry.id, passage.id))

    def descriptor(self, code: str) -> str:
        """The CPT descriptor of ``code`` from the library (entry ``cpt-<code>``), as text; the entry is
        listed under References."""
        entry = self.library.get(f"cpt-{code}")
        self.cite(entry.id)
        if [entry.id, "descriptor"] not in self.inline:
            self.inline.append([entry.id, "descriptor"])
        return Safe(escape(self.library.passage(entry.id, "descriptor").text))

    def fact_problem(self, name: str, message: str) -> str:
        """Stop the letter with a problem in the case's fact ``name`` (a template's own check)."""
        return self.case_problem(f"appeal.facts.{name}", message)

    def case_problem(self, field: str, message: str) -> str:
        """Stop the letter with a problem in the case's ``field`` (dotted, e.g. ``appeal.requested_code``):
        the error names the case file and line, not the template."""
        at = tuple(int(part) if part.isdigit() else part for part in field.split("."))
        line = self.case.located.line(at) if self.case.located else None
        raise CaseError([Problem(str(self.case.source), message, line=line, field=field)])

    def address(self, *parts: Any) -> Safe:
        lines: list[str] = []
        for part in parts:
            if isinstance(part, (list, tuple)):
                lines.extend(str(p) for p in part if p)
            elif part:
                lines.append(str(part))
        runs: list[Run] = []
        for i, line in enumerate(lines):
            if i:
                runs.append(Run("\n", br=True))
            runs.append(Run(line))
        return self.placeholder(lambda: Paragraph(tuple(runs), style="address"))

    def recipient(self, lines: Any = None) -> Safe:
        """The payer's address block (name, attention line, address; no fax): in a window envelope's window.
        ``lines`` addresses the letter elsewhere (an external review's address, first line its name)."""
        payer = self.case.payer
        if lines:
            other = tuple(str(line) for line in lines)
            return self.placeholder(lambda: Recipient(other[0], None, other[1:]))
        return self.placeholder(lambda: Recipient(payer.name, payer.attention, tuple(payer.address)))

    def table(self, rows: list, header: bool = False) -> Safe:
        cells = tuple(tuple((Run(str(cell)),) for cell in row) for row in rows)
        return self.placeholder(lambda: Table(cells, header=header))

    def bullets(self, items: list) -> Safe:
        return self.placeholder(lambda: BulletList(tuple((Run(str(i)),) for i in items)))

    def paragraphs(self, text: str | None) -> Safe:
        """Free text from the case (``appeal.notes``): blank lines separate paragraphs."""
        if not text:
            return Safe("")
        parts = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
        return Safe("\n\n".join(escape(p) for p in parts))

    def signature(self) -> Safe:
        signer, provider = self.case.signer, self.case.provider
        name = signer.name + (f", {signer.credentials}" if signer.credentials else "")
        lines = [signer.title, provider.name]
        contact = [f"Phone: {signer.phone}"] if signer.phone else []
        contact += [f"Email: {signer.email}"] if signer.email else []
        lines += [" · ".join(contact)] if contact else []  # one line: the signature block stays short
        return self.placeholder(lambda: Signature("Sincerely,", name, tuple(lines), signer.signature))

    def attachment(self, title: str = "Coding references") -> Safe:
        """The heading of an attachment after the signature (further support), on a page of its own."""
        return self.placeholder(lambda: Heading((Run(str(title)),), level=2, new_page=True))

    def references(self, title: str = "References") -> Safe:
        def make() -> Block:
            return References(title, tuple(self.library.get(c).reference for c in self.cited))

        return self.placeholder(make)


def compose(bound: Bound, library: CitationLibrary, templates: TemplateSet) -> Letter:
    """Render the bound template for the bound case into a :class:`Letter`."""
    case, meta = bound.case, bound.template
    composer = _Composer(case=case, library=library, meta=meta, bound=bound)
    context = _context(bound, composer)
    env = templates.env
    try:
        template = env.get_template(meta.name)
        markdown = render_bounded(template, context)
    except CaseError:
        raise
    except AppealError as exc:
        file, line = _where(exc, templates, meta)
        raise type(exc)([dataclasses.replace(p, file=file, line=line) for p in exc.problems]) from None
    except Exception as exc:  # whatever a template does wrong is the template's error, with its file and line
        raise render_error(exc, templates, str(meta.file)) from None
    refused = refused_character(markdown)
    if refused:
        line = markdown[: REFUSED_CHARACTERS.search(markdown).start()].count("\n") + 1  # type: ignore[union-attr]
        raise TemplateError([Problem(str(meta.file), f"the template's text contains {refused} (line {line} of the "
                                     "rendered text), which a letter cannot carry", accepted="printable text")])
    blocks = _to_blocks(markdown, composer, meta)
    if not any(not (isinstance(b, References) and not b.entries) for b in blocks):
        raise TemplateError([Problem(str(meta.file), "the template renders an empty letter (nothing but an empty "
                                     "references list)", accepted="a letter body; most templates extend "
                                     "base/letter.md")])
    return Letter(
        letterhead=_letterhead(case),
        blocks=tuple(blocks),
        running_header=f"{case.patient.name} · {_id_label(case)} {case.patient.member_id} · Claim {case.claim.number}",
        title=_property(f"Appeal of claim {case.claim.number}: {meta.title}"),
        author=_property(case.provider.name),
        subject=_property(f"Appeal of denial (CARC {case.denial.carc}) of claim {case.claim.number} to "
                          f"{case.payer.name}"),
        keywords=_keywords(["appeal", f"claim {case.claim.number}", f"CARC {case.denial.carc}",
                            *(f"RARC {r}" for r in case.denial.rarc), *(line.code for line in case.denied_lines)]),
        meta={"template": meta.id, "date": case.appeal.date.isoformat(), "citations": list(composer.cited),
              "quoted_inline": list(composer.inline), "level": bound.request.level,
              "changes": [c.as_dict() for c in bound.request.changes],
              **({"appeal_by": composer.appeal_by_said} if composer.appeal_by_said else {})},
    )


def _id_label(case: Case) -> str:
    """What the patient's id is called: in original Medicare, the Medicare number (never "Member ID")."""
    return "Medicare number" if case.payer.medicare else "Member ID"


def _property(text: str) -> str:
    """A document property within what every format holds (a long payer name is cut, with an ellipsis)."""
    return text if len(text) <= CORE_PROPERTY_LIMIT else text[: CORE_PROPERTY_LIMIT - 1] + "\u2026"


def _keywords(words: list[str]) -> tuple[str, ...]:
    """The keywords, once each, as many as fit in one property when joined with ', '."""
    out: list[str] = []
    for word in dict.fromkeys(words):
        if len(", ".join([*out, word])) > CORE_PROPERTY_LIMIT:
            break
        out.append(word)
    return tuple(out)


def _where(exc: AppealError, templates: TemplateSet, meta: TemplateMeta) -> tuple[str, int | None]:
    from appeal.letters.templates import template_location

    file, line = template_location(exc, templates)
    return file or str(meta.file), line


def _letterhead(case: Case) -> Letterhead:
    p = case.provider
    return letterhead(p.name, p.address, p.phone, p.fax, p.npi, p.tin, p.logo)


def letterhead(name: str, address, phone: str | None, fax: str | None, npi: str | None, tin: str | None,
               logo) -> Letterhead:
    """The letterhead: the practice's name, its address lines, a phone/fax line and the NPI/TIN line."""
    contact = " · ".join(x for x in (f"Phone {phone}" if phone else "", f"Fax {fax}" if fax else "") if x)
    ids = " · ".join(x for x in (f"NPI {npi}" if npi else "", f"TIN {tin}" if tin else "") if x)
    return Letterhead(name=name, lines=tuple(x for x in (*address, contact, ids) if x), logo=logo)


def _context(bound: Bound, composer: _Composer) -> dict:
    """What a template sees: the case's sections, with ``appeal`` as bound (typed facts, the level)."""
    case = bound.case
    appeal = dataclasses.replace(case.appeal, facts=dict(bound.facts), level=bound.level)
    codes = code_table()
    return {
        "provider": case.provider,
        "payer": case.payer,
        "patient": case.patient,
        "claim": case.claim,
        "denial": case.denial,
        "appeal": appeal,
        "signer": case.signer,
        "enclosures": bound.enclosures,
        "denied_lines": case.denied_lines,
        "requested_code": bound.requested_code,
        "specific_code": specific_code(bound.facts),
        "request": bound.request,
        "payer_kind": case.payer.kind,
        "id_label": _id_label(case),
        "medical_judgement": bound.medical_judgement,
        "we_ask": lambda level: we_ask(level, case.payer.name),
        "appeal_by": composer.appeal_by,
        "template": TemplateView.of(bound.template),
        "carc_text": lambda code: without_usage(codes.carc(code)),
        "rarc_text": lambda code: without_usage(codes.rarc(code)),
        "quote": composer.quote,
        "cite": composer.cite,
        "descriptor": composer.descriptor,
        "fact_problem": composer.fact_problem,
        "case_problem": composer.case_problem,
        "address": composer.address,
        "recipient": composer.recipient,
        "table": composer.table,
        "bullets": composer.bullets,
        "paragraphs": composer.paragraphs,
        "signature": composer.signature,
        "references": composer.references,
        "attachment": composer.attachment,
        "long_date": long_date,
        "short_date": short_date,
        "money": money,
        "raw": lambda text: Safe(text_value(text)),
    }


# -- Markdown -> blocks ---------------------------------------------------------------

def _to_blocks(markdown: str, composer: _Composer, meta: TemplateMeta) -> list[Block]:
    """The blocks of the rendered Markdown: each paragraph of a plain letter on its own (see :func:`_chunks`), the
    whole text at once when anything in it could reach across a blank line (or fails: the same error, once)."""
    chunks = _chunks(markdown)
    if chunks is not None:
        made = [_chunk_blocks(chunk) if (at := _marker(chunk, composer)) is None else at for chunk in chunks]
        if all(found is not None for found in made):  # else a paragraph was not plain after all
            blocks: list[Block] = []
            for found in made:
                if isinstance(found, int):
                    blocks.append(composer.blocks[found]())
                else:
                    blocks.extend(found)  # type: ignore[arg-type]
            return blocks
    return _parsed_blocks(parser().parse(markdown), composer, meta)


# A line that may open or continue a block other than a paragraph or an ATX heading (a list, a quote, code, a
# fence, a rule, a setext underline, HTML, a link reference definition, a table): such a text is parsed whole.
_NOT_PLAIN = re.compile(r"^(?:[ \t]+[^ \t\n]|[-+*>=_~`<\[]|\d{1,9}[.)])", re.M)
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
_CHUNK_CACHE_SIZE = 512  # paragraphs kept parsed (most are the templates' own words, the same in every letter)


def _chunks(markdown: str) -> list[str] | None:
    """The paragraphs of ``markdown`` (runs of lines between blank lines), when each is a paragraph or ATX headings
    that nothing before or after can join: no line is indented or starts a list, quote, code, fence, rule,
    underline, HTML or link reference definition, and no table, CR or NUL. Then CommonMark parses each alone as
    it parses it in the whole text (a blank line closes a paragraph; no reference definitions reach across).
    ``None`` otherwise."""
    if "|" in markdown or "\r" in markdown or "\0" in markdown or _NOT_PLAIN.search(markdown):
        return None
    return [c for c in _BLANK_LINES.split(markdown) if c.strip(" \t\n")]


def _marker(chunk: str, composer: _Composer) -> int | None:
    """The index of the block a placeholder paragraph of this letter stands for (``None``: not one)."""
    found = _MARKER.fullmatch(chunk.strip()) if "\n" not in chunk else None
    return int(found.group(2)) if found and found.group(1) == composer.nonce else None


class _NotPlain(Exception):
    """A paragraph that is not plain after all (its tokens or inline Markdown): the whole text is parsed instead."""


def _chunk_blocks(chunk: str) -> tuple[Block, ...] | None:
    """The blocks of one plain paragraph (cached by its exact text: the same text is the same blocks), or ``None``
    if it parses to anything but paragraphs and headings, holds inline Markdown letters refuse, or a placeholder
    among other lines (a heading line after it makes it a paragraph of its own)."""
    if "APPEALBLOCK" in chunk:
        return None
    try:
        return _cached_chunk(chunk)
    except _NotPlain:
        return None


def _chunk_of(chunk: str) -> tuple[Block, ...]:
    plain = _plain_blocks(chunk)
    return plain if plain is not None else tuple(_parsed_blocks(parser().parse(chunk), None, None))


# What a paragraph of text, backslash escapes, line breaks and ATX headings holds beyond them, once its escapes
# are taken out: inline Markdown (emphasis, code, links, HTML, entities), a backslash that escapes nothing, a table
# cell's bar, NUL, any whitespace but a space and a line end (tabs, CR, and the Unicode spaces that Python's strip
# and CommonMark's differ on).
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark's escapable characters: the ASCII punctuation
_INLINE = re.compile(r"[\\*_`<>&\[\]|\0]|[^\S \n]")
_ATX = re.compile(r"(#{1,6})(?: +(.*?))? *")


def _plain_blocks(chunk: str) -> tuple[Block, ...] | None:
    """The blocks CommonMark makes of one plain paragraph (see :func:`_chunks`) when its lines hold only text,
    escaped punctuation and ATX headings; ``None`` when anything else is in it (then markdown-it parses it).
    As CommonMark reads them: a heading line is a heading and ends the paragraph before it; a line's trailing
    spaces are dropped, and two or more make a line break; the lines of a paragraph are joined by a space;
    an escaped character is the character. ``test_letter_speed`` holds this to markdown-it's blocks."""
    if _NOT_PLAIN.search(chunk) or _INLINE.search(_ESCAPED.sub("", chunk)):
        return None
    blocks: list[Block] = []
    lines: list[str] = []
    for line in chunk.split("\n"):
        if line.startswith("#"):
            found = _ATX.fullmatch(line)
            if found is None or not found.group(2) or found.group(2).endswith("#"):
                return None  # no heading after all, an empty one, or one with a closing sequence
            _plain_paragraph(lines, blocks)
            blocks.append(Heading((Run(_ESCAPED.sub(r"\1", found.group(2))),), level=len(found.group(1))))
        elif line.strip(" "):
            lines.append(line)
        else:
            _plain_paragraph(lines, blocks)
    _plain_paragraph(lines, blocks)
    return tuple(blocks)


def _plain_paragraph(lines: list[str], blocks: list[Block]) -> None:
    """The paragraph of the plain ``lines`` gathered so far, added to ``blocks``; ``lines`` is emptied."""
    if not lines:
        return
    runs: list[Run] = []
    text = ""
    for i, line in enumerate(lines):
        bare = line.rstrip(" ")
        text += _ESCAPED.sub(r"\1", bare)
        if i == len(lines) - 1:
            break
        if len(line) - len(bare) >= 2:
            runs.append(Run(text))
            runs.append(Run("\n", br=True))
            text = ""
        else:
            text += " "
    if text:
        runs.append(Run(text))
    blocks.append(Paragraph(tuple(runs)))
    lines.clear()


_cached_chunk = lru_cache(maxsize=_CHUNK_CACHE_SIZE)(_chunk_of)


def _parsed_blocks(tokens: list[Token], composer: _Composer | None, meta: TemplateMeta | None) -> list[Block]:
    """The blocks of parsed Markdown; with no ``composer``, a paragraph of one plain text (no placeholders)."""
    blocks: list[Block] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "paragraph_open":
            inline = tokens[i + 1]
            found = _MARKER.fullmatch(inline.content.strip()) if composer is not None else None
            if found and composer is not None and found.group(1) == composer.nonce:
                blocks.append(composer.blocks[int(found.group(2))]())
            else:
                blocks.append(Paragraph(_runs(inline, meta)))
            i += 3
        elif tok.type == "heading_open":
            blocks.append(Heading(_runs(tokens[i + 1], meta), level=int(tok.tag[1])))
            i += 3
        elif meta is None:  # a paragraph parsed alone (_chunk_of) that is more than paragraphs and headings
            raise _NotPlain
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            i, bullets = _list(tokens, i, meta)
            blocks.append(bullets)
        elif tok.type == "table_open":
            i, table = _table(tokens, i, meta)
            blocks.append(table)
        else:
            raise _unsupported(tok, meta)
    return blocks


def _unsupported(tok: Token, meta: TemplateMeta) -> TemplateError:
    what = {"blockquote_open": "a '>' block quote (use quote(id, passage))", "fence": "a code block",
            "code_block": "an indented code block (indent text less than 4 spaces)", "hr": "a horizontal rule",
            "html_block": "raw HTML (use **bold**, *italic* and a blank line between paragraphs)"}.get(tok.type,
                                                                                                      tok.type)
    found = (tok.content or "").strip().splitlines()
    return TemplateError([Problem(str(meta.file), f"the letter's Markdown has {what}, which letters do not use "
                                  f"({_template_line(meta, tok, found[0] if found else '')})",
                                  accepted="paragraphs, headings, lists, tables, **bold**, *italic*")])


def _template_line(meta: TemplateMeta, tok: Token, snippet: str) -> str:
    """Where the template says what ``tok`` is: the line of its file that holds ``snippet`` (the first, when
    several do), else the line of the text the template rendered (the snippet came from another file, or was
    made by the template's code)."""
    try:
        lines = meta.file.read_text(encoding="utf-8").splitlines() if snippet else []
    except (OSError, UnicodeDecodeError):
        lines = []
    number = next((n for n, line in enumerate(lines, 1) if snippet in line), None)
    if number is not None:
        return f"line {number}"
    return f"line {tok.map[0] + 1} of the rendered text" if tok.map else "its rendered text"


def _list(tokens: list[Token], i: int, meta: TemplateMeta) -> tuple[int, BulletList]:
    ordered = tokens[i].type == "ordered_list_open"
    close = tokens[i].type.replace("_open", "_close")
    depth, items, i = 0, [], i + 1
    while not (tokens[i].type == close and depth == 0):
        tok = tokens[i]
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "inline":
            items.append(_runs(tok, meta))
        i += 1
    return i + 1, BulletList(tuple(items), ordered=ordered)


def _table(tokens: list[Token], i: int, meta: TemplateMeta) -> tuple[int, Table]:
    rows: list[list[tuple[Run, ...]]] = []
    header = False
    i += 1
    while tokens[i].type != "table_close":
        tok = tokens[i]
        if tok.type == "tr_open":
            rows.append([])
        elif tok.type == "th_open":
            header = True
        elif tok.type == "inline":
            rows[-1].append(_runs(tok, meta))
        i += 1
    return i + 1, Table(tuple(tuple(r) for r in rows), header=header)


def _runs(inline: Token, meta: TemplateMeta | None) -> tuple[Run, ...]:
    runs: list[Run] = []
    bold = italic = False
    link: tuple[str, int] | None = None  # an open link's address, and where its text began in the runs
    for child in inline.children or []:
        kind = child.type
        if kind == "text" or kind == "code_inline":
            _append(runs, Run(child.content, bold=bold, italic=italic))
        elif kind == "softbreak":
            _append(runs, Run(" ", bold=bold, italic=italic))
        elif kind == "hardbreak":
            runs.append(Run("\n", br=True))
        elif kind in ("strong_open", "strong_close"):
            bold = kind == "strong_open"
        elif kind in ("em_open", "em_close"):
            italic = kind == "em_open"
        elif kind == "link_open":  # a letter is read on paper: the address is printed after the link's words
            link = (str(child.attrGet("href") or ""), len("".join(r.text for r in runs)))
        elif kind == "link_close":
            if link is not None and link[0] and "".join(r.text for r in runs)[link[1]:].strip() != link[0]:
                _append(runs, Run(f" ({link[0]})", bold=bold, italic=italic))
            link = None
        elif meta is None:  # a paragraph parsed alone (_chunk_of): the whole text is parsed, and says why
            raise _NotPlain
        elif kind == "html_inline":
            raise TemplateError([Problem(str(meta.file), f"the letter's Markdown has raw HTML ({child.content}), which "
                                         f"letters do not draw: it would be printed as text "
                                         f"({_template_line(meta, inline, child.content)})",
                                         accepted="**bold**, *italic*, a blank line between paragraphs")])
        elif kind == "image":
            raise TemplateError([Problem(str(meta.file), "images are not placed with Markdown in letters",
                                         accepted="provider.logo or signer.signature")])
        else:
            raise TemplateError([Problem(str(meta.file), f"unsupported inline Markdown: {kind}")])
    return tuple(runs)


def _append(runs: list[Run], run: Run) -> None:
    """Join runs of the same look, so the model stays small and stable."""
    if runs and not runs[-1].br and (runs[-1].bold, runs[-1].italic) == (run.bold, run.italic):
        runs[-1] = Run(runs[-1].text + run.text, bold=run.bold, italic=run.italic)
    else:
        runs.append(run)
