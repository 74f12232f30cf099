"""The citation library: verbatim, attributed quotes from authoritative sources.

Each YAML file in a citations folder holds one entry, or several under
``citations:``. An entry has an id, its bibliographic facts (publication, issue,
date, page, title), the date its text is as of, its passages (the source's exact
words, each with an id), and any errata. An erratum that *withdraws* a sentence
removes it from every passage that contains it: :meth:`CitationLibrary.passage`
returns the text after errata, and a passage that would be left empty cannot be
quoted at all.

Folders are searched in order: a user's folder first, the built-in library last;
an entry with a built-in's id replaces it.

What a file's reading makes is kept (``resources.Kept``) in the cache folder (``cache_dir("citations")``) under the
SHA-256 of the file's text, so a later process reads its entries back without parsing the YAML (8 files,
about 5 ms of a cold ``appeal validate``). Every file is still read each time and its text hashed: an
edit, however small or quick, changes the text and the file is read as without the cache, with the same
errors. Only a file read without a problem is kept; the entry also names Python's and PyYAML's versions and
the modules whose rules read a file (this one, ``inputs.fields``, ``inputs.yamlread``), carries the SHA-256
of its own content (a damaged one is passed over), and holds what the files hold (no case data).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from appeal.errors import CitationError, Problem
from appeal.inputs import fields, yamlread
from appeal.inputs.fields import Reader
from appeal.inputs.yamlread import MAX_YAML_BYTES, PROFILE_ALIASES, load_yaml, read_text
from appeal.resources import Kept, builtin_dir

KINDS = ("article", "correction", "book", "descriptor", "policy", "literature", "qa", "regulation", "other")
USES = ("quote", "explicit-only", "reference-only")
ENTRY_KEYS = ("id", "kind", "title", "publication", "publisher", "issue", "date", "page", "as_of", "revised",
              "attribution", "reference", "copyright", "source", "note", "use", "code", "passages", "errata",
              "pinpoint", "version", "read_at", "read_on")
# A regulation is cited, never quoted: its entry is reference-only and says which paragraph, which version of
# the text was read, and where and when.
REGULATION_KEYS = ("pinpoint", "version", "read_at", "read_on")
ID = r"[a-z0-9][a-z0-9.-]*"


@dataclass(frozen=True)
class Erratum:
    """A published correction to a citation's passage."""

    id: str
    action: str
    passage: str | None
    text: str
    note: str
    published_in: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True)
class Passage:
    """One quoted passage of a citation, verbatim."""

    id: str
    original: str
    text: str
    withdrawn: tuple[str, ...] = ()


@dataclass(frozen=True)
class Citation:
    """One source of the citation library and its passages."""

    id: str
    kind: str
    title: str
    attribution: str
    reference: str
    use: str
    passages: dict[str, Passage]
    errata: tuple[Erratum, ...]
    file: str
    line: int | None
    publication: str | None = None
    publisher: str | None = None
    issue: str | None = None
    date: dt.date | None = None
    page: str | None = None
    as_of: dt.date | None = None
    revised: dt.date | None = None
    copyright: str | None = None
    source: str | None = None
    note: str | None = None
    code: str | None = None
    pinpoint: str | None = None  # a regulation's paragraph: 42 CFR 405.942(a)
    version: str | None = None  # the version read: its Federal Register note or amendment date
    read_at: str | None = None  # where it was read (the stored copy's address)
    read_on: dt.date | None = None  # when it was read

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "publication": self.publication,
            "publisher": self.publisher,
            "issue": self.issue,
            "date": self.date.isoformat() if self.date else None,
            "page": self.page,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "revised": self.revised.isoformat() if self.revised else None,
            "attribution": self.attribution,
            "reference": self.reference,
            "use": self.use,
            "code": self.code,
            "copyright": self.copyright,
            "source": self.source,
            "note": self.note,
            "pinpoint": self.pinpoint,
            "version": self.version,
            "read_at": self.read_at,
            "read_on": self.read_on.isoformat() if self.read_on else None,
            "file": self.file,
            "passages": [
                {"id": p.id, "text": p.text, "original": p.original, "withdrawn": list(p.withdrawn)}
                for p in self.passages.values()
            ],
            "errata": [
                {"id": e.id, "action": e.action, "passage": e.passage, "text": e.text, "note": e.note,
                 "published_in": e.published_in, "date": e.date.isoformat() if e.date else None}
                for e in self.errata
            ],
        }


def normalize_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class CitationLibrary:
    """Every citation entry found in the given folders, by id."""

    def __init__(self, entries: dict[str, Citation], shadowed: dict[str, str] | None = None):
        self.entries = entries
        self.shadowed = shadowed or {}  # an id a user file gives that the built-in library has too -> that file

    @classmethod
    def load(cls, folders: Iterable[Path] = ()) -> CitationLibrary:
        """Load ``folders`` (user folders first) and then the built-in library."""
        entries: dict[str, Citation] = {}
        problems: list[Problem] = []
        folders = list(folders)
        for folder in folders:  # as a templates folder: a mistyped --citations is said, never passed over
            if not Path(folder).is_dir():
                raise CitationError("the citations folder does not exist", file=str(folder))
        kept = _kept()
        builtin = builtin_dir("citations")
        shadowed: dict[str, str] = {}
        for folder in [*folders, builtin]:
            found: dict[str, Citation] = {}
            for path in sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in (".yaml", ".yml")):
                try:
                    for entry in _read_kept(kept, path):
                        if entry.id in found:
                            other = found[entry.id]
                            problems.append(Problem(entry.file, f"the id '{entry.id}' is also used in "
                                                    f"{other.file}:{other.line}", line=entry.line, field="id",
                                                    accepted="a unique id"))
                        found[entry.id] = entry
                except CitationError as exc:
                    problems.extend(exc.problems)
            for cid, entry in found.items():
                if folder == builtin and cid in entries:
                    shadowed[cid] = entries[cid].file
                entries.setdefault(cid, entry)
        if problems:
            raise CitationError(problems)
        kept.save()
        return cls(entries, shadowed)

    def get(self, cid: str) -> Citation:
        try:
            return self.entries[cid]
        except KeyError:
            import difflib  # only when there is a suggestion to make

            close = difflib.get_close_matches(cid, list(self.entries), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise CitationError(f"no citation with id '{cid}'{hint}") from None

    def passage(self, cid: str, pid: str) -> Passage:
        """The passage after errata; an error when unknown or wholly withdrawn."""
        entry = self.get(cid)
        if pid not in entry.passages:
            known = ", ".join(entry.passages) or "none (this entry is for reference only)"
            raise CitationError(f"citation '{cid}' has no passage '{pid}' (passages: {known})")
        passage = entry.passages[pid]
        if not passage.text:
            raise CitationError(f"passage '{pid}' of '{cid}' was withdrawn by an erratum and cannot be quoted")
        return passage

    def quotable(self, cid: str, pid: str, template_id: str, listed: Iterable[str]) -> tuple[Citation, Passage]:
        """The entry and passage a template may quote; ``listed`` is the template's front matter ``citations``.

        A reference-only entry is never quoted; an explicit-only one (its original source
        is not named) only by a template that lists it.
        """
        entry = self.get(cid)
        if entry.use == "reference-only":
            raise CitationError(f"'{cid}' is a reference-only entry: cite it, do not quote it")
        if entry.use == "explicit-only" and cid not in listed:
            raise CitationError(f"'{cid}' does not name its original source, so it may be quoted only by a template "
                                f"that lists it under 'citations' in its front matter (template '{template_id}' "
                                f"does not)")
        return entry, self.passage(cid, pid)

    def search(self, text: str) -> list[tuple[Citation, Passage | None]]:
        """Entries and passages whose words contain ``text`` (case-insensitive, and with a typed ' or " matching the
        library's curly quotes, a typed - its dashes)."""
        needle = _searched(text)
        hits: list[tuple[Citation, Passage | None]] = []
        for entry in self.entries.values():
            head = " ".join(filter(None, [entry.id, entry.title, entry.attribution, entry.reference, entry.code]))
            matched = False
            for passage in entry.passages.values():
                if needle in _searched(passage.text):
                    hits.append((entry, passage))
                    matched = True
            if not matched and needle in _searched(head):
                hits.append((entry, None))
        return hits


_STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def _searched(text: str) -> str:
    """Text as a search compares it: one space for each run of white space, lower case, straight quotes."""
    return normalize_space(text).lower().translate(_STRAIGHT)


CACHE_FORMAT = 1
_DATES = ("date", "as_of", "revised", "read_on")  # a Citation's date fields, kept as ordinals


def _kept() -> Kept:
    """The cache entry of one ``CitationLibrary.load``: what earlier processes read, by file and text."""
    return Kept("citations", "library", (str(CACHE_FORMAT), yamlread.yaml.__version__, str(yamlread.FAST_LOADER)),
                (sys.modules[__name__], fields, yamlread))


def _read_kept(kept: Kept, path: Path) -> list[Citation]:
    """The file's entries: kept ones when its text is the text they were read from, else read."""
    text = read_text(path, CitationError, limit=MAX_YAML_BYTES)
    return kept.read(path, text, lambda: _read_file(path, text), _plain_entries, _thawed_entries)


def _plain_entries(entries: list[Citation]) -> list[dict[str, Any]]:
    return [_plain(entry) for entry in entries]


def _thawed_entries(plain: list[dict[str, Any]]) -> list[Citation]:
    return [_thawed(entry) for entry in plain]


def _ordinal(day: dt.date | None) -> int | None:
    return day.toordinal() if day is not None else None


def _day(ordinal: int | None) -> dt.date | None:
    return dt.date.fromordinal(ordinal) if ordinal is not None else None


def _plain(entry: Citation) -> dict[str, Any]:
    """A Citation as marshal keeps it: its fields, dates as ordinals, passages and errata as tuples."""
    plain = dict(vars(entry))
    for name in _DATES:
        plain[name] = _ordinal(plain[name])
    plain["passages"] = [(p.id, p.original, p.text, p.withdrawn) for p in entry.passages.values()]
    plain["errata"] = [(e.id, e.action, e.passage, e.text, e.note, e.published_in, _ordinal(e.date))
                       for e in entry.errata]
    return plain


def _thawed(plain: dict[str, Any]) -> Citation:
    state = dict(plain)
    for name in _DATES:
        state[name] = _day(state[name])
    state["passages"] = {p[0]: Passage(p[0], p[1], p[2], tuple(p[3])) for p in state["passages"]}
    state["errata"] = tuple(Erratum(e[0], e[1], e[2], e[3], e[4], e[5], _day(e[6])) for e in state["errata"])
    return Citation(**state)


def _read_file(path: Path, text: str | None = None) -> list[Citation]:
    located = load_yaml(path, CitationError, text=text, aliases=PROFILE_ALIASES)
    r = Reader(located)
    data = located.data
    if isinstance(data, dict) and "citations" in data:
        r.mapping((), ("citations",))
        roots: list[tuple] = [("citations", i) for i in range(len(r.items(("citations",))))]
    elif isinstance(data, dict):
        roots = [()]
    else:
        r.problem((), "a citations file must be one entry or a 'citations:' list", "see citations/*.yaml")
        roots = []
    entries = [entry for root in roots if (entry := _read_entry(r, root)) is not None]
    first: dict[str, tuple] = {}  # an id given twice in the file: said with the file's other problems, in one run
    for root in roots:
        node = data["citations"][root[1]] if root else data
        cid = node.get("id") if isinstance(node, dict) else None
        if not isinstance(cid, str):
            continue
        if cid in first:
            line = located.line(first[cid] + ("id",))
            where = f" at line {line}" if line else ""
            r.problem(root + ("id",), f"the id '{cid}' is also used in this file{where}", "a unique id")
        else:
            first[cid] = root
    if r.problems:
        raise CitationError(r.problems)
    return entries


def _read_entry(r: Reader, at: tuple) -> Citation | None:
    r.mapping(at, ENTRY_KEYS, required=True)
    cid = r.text(at + ("id",), required=True, pattern=ID, accepted="lower-case letters, digits, '.' and '-'")
    kind = r.choice(at + ("kind",), KINDS, required=True)
    use = r.choice(at + ("use",), USES) or "quote"
    title = r.text(at + ("title",), required=True)
    attribution = r.text(at + ("attribution",), required=True, accepted="the short line under a quote")
    reference = r.text(at + ("reference",), required=True, accepted="the full reference for the letter's list")
    passages: dict[str, Passage] = {}
    for i in range(len(r.items(at + ("passages",)))):
        p_at = at + ("passages", i)
        r.mapping(p_at, ("id", "text"), required=True)
        pid = r.text(p_at + ("id",), required=True, pattern=ID, accepted="lower-case letters, digits, '.' and '-'")
        text = r.text(p_at + ("text",), required=True, accepted="the source's exact words")
        if pid in passages:
            r.problem(p_at + ("id",), f"the passage id '{pid}' is given twice", "a unique passage id")
        elif pid and text:
            passages[pid] = Passage(id=pid, original=normalize_space(text), text=normalize_space(text))
    if use != "reference-only" and not passages and r.present(at + ("id",)):
        r.problem(at + ("passages",), "an entry to quote needs at least one passage",
                  "passages, or use: reference-only")
    errata = []
    for i in range(len(r.items(at + ("errata",)))):
        e_at = at + ("errata", i)
        r.mapping(e_at, ("id", "action", "passage", "text", "note", "published_in", "date"), required=True)
        erratum = Erratum(
            id=r.text(e_at + ("id",), required=True, pattern=ID) or "",
            action=r.choice(e_at + ("action",), ("withdraw", "note"), required=True) or "note",
            passage=r.text(e_at + ("passage",)),
            text=normalize_space(r.text(e_at + ("text",), required=True) or ""),
            note=r.text(e_at + ("note",), required=True) or "",
            published_in=r.text(e_at + ("published_in",)),
            date=r.date(e_at + ("date",)),
        )
        errata.append(erratum)
        if erratum.action == "withdraw":
            _withdraw(r, e_at, erratum, passages)
    if kind == "regulation":
        for name in REGULATION_KEYS:
            if not r.present(at + (name,)):
                r.problem(at + (name,), f"a regulation entry needs '{name}'",
                          {"pinpoint": "the paragraph, e.g. 42 CFR 405.942(a)",
                           "version": "the version read: its Federal Register note or amendment date",
                           "read_at": "where the text was read (its address)",
                           "read_on": "the date it was read"}[name])
        if use != "reference-only":
            r.problem(at + ("use",), "a regulation is cited, never quoted", "use: reference-only")
    if not (cid and kind and title and attribution and reference):
        return None
    return Citation(
        id=cid, kind=kind, title=title, attribution=attribution, reference=reference, use=use,
        passages=passages, errata=tuple(errata), file=r.located.file, line=r.located.line(at),
        publication=r.text(at + ("publication",)), publisher=r.text(at + ("publisher",)),
        issue=r.text(at + ("issue",)), date=r.date(at + ("date",)), page=r.text(at + ("page",)),
        as_of=r.date(at + ("as_of",)), revised=r.date(at + ("revised",)), copyright=r.text(at + ("copyright",)),
        source=r.text(at + ("source",)), note=r.text(at + ("note",)), code=r.text(at + ("code",)),
        pinpoint=r.text(at + ("pinpoint",)), version=r.text(at + ("version",)), read_at=r.text(at + ("read_at",)),
        read_on=r.date(at + ("read_on",)),
    )


def _withdraw(r: Reader, at: tuple, erratum: Erratum, passages: dict[str, Passage]) -> None:
    """Remove the withdrawn sentence from every passage holding it; it must be in one."""
    hit = False
    for pid, passage in list(passages.items()):
        if erratum.passage and pid != erratum.passage:
            continue
        if erratum.text and erratum.text in passage.text:
            hit = True
            remaining = normalize_space(passage.text.replace(erratum.text, " "))
            passages[pid] = Passage(pid, passage.original, remaining, passage.withdrawn + (erratum.text,))
    if not hit:
        r.problem(at + ("text",), "the withdrawn text is not found in the passage(s) it names",
                  "the sentence exactly as the passage gives it")
