"""Letter templates: files billers edit, found in their folders before the built-ins.

A template is one Markdown + Jinja file, ``<id>.md``, that opens with YAML front
matter between ``---`` lines: its id, title, the CARC/RARC codes it answers, the
facts it needs (each with a type and a one-line description), the citations it
uses, and an example case. The body usually ``{% extends "base/letter.md" %}``.

Lookup order: ``--templates DIR`` folders, then the workspace's ``templates/``,
then the built-ins. A user's template with a built-in's id replaces it and can
still extend the original as ``"!builtin/<id>.md"``.

Rendering is sandboxed (no attribute beginning with ``_``, no file objects) and
strict: an undefined variable stops the letter with the template file and line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol

import jinja2
from jinja2 import nodes
from jinja2.parser import Parser
from jinja2.sandbox import SecurityError

from appeal.errors import Problem, TemplateError
from appeal.inputs import yamlread
from appeal.inputs.case import Appeal, Claim, Denial, FactSpec, Payer
from appeal.inputs.fields import Reader, parse_date, parse_yes_no
from appeal.inputs.schema import CARC, CODE, CODE_ACCEPTED, FACT_TYPES, LEVELS, MODIFIER, RARC, TEMPLATE_ID
from appeal.inputs.yamlread import PROFILE_ALIASES, load_yaml, read_text
from appeal.letters.bytecode import template_cache
from appeal.letters.facts import FACT_NAME, vocabulary, vocabulary_line, vocabulary_path
from appeal.letters.sandbox import LetterEnvironment, OverBudget, Unprintable, given, text_value
from appeal.resources import Kept, builtin_dir, cache_dir

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>&~^@$%=\"':;,/?])")
_MD_ESCAPES = {i: "\\" + chr(i) for i in range(128) if _MD_SPECIAL.fullmatch(chr(i))}
"""A backslash before each character ``_MD_SPECIAL`` matches (ASCII characters only), as a ``str.translate`` table:
the same text as ``_MD_SPECIAL.sub``, with no Python call for each character escaped."""
SUFFIX = ".md"
META_KEYS = ("id", "title", "description", "carc", "rarc", "carc_when", "levels", "corrected_claim_when",
             "request_rule", "facts", "enclosures", "citations", "example")
FACT_KEYS = ("type", "description", "required", "default", "evidence")
CONDITION_KEYS = ("carc", "when", "reason_mentions", "modifiers", "codes", "fact")
BUILTIN_PREFIX = "!builtin"
REQUEST_RULES = {
    "specific-code": ("recording", "with_routine_exam", "regions"),
    "separate-region": ("regions", "modifier_on_claim"),
}
"""The request rules a template may name (front matter ``request_rule``; ``bind.decide`` applies them) -> the
facts each reads, which the template must declare. The built-in CARC 189 and bundled-region letters name them, so a
copy (``appeal templates new --from``) decides its request as the original does."""
BUILTIN_RULES = {"specific-code-required": "specific-code", "separate-anatomic-region": "separate-region"}
"""The rule of a template that replaces one of these built-ins by its id and names none (one written before
``request_rule`` existed): it is read as naming the built-in's, so its letters ask for what they asked for before,
and ``appeal templates show`` says so."""


class _Reason(Protocol):
    @property
    def carc(self) -> str: ...
    @property
    def rarc(self) -> tuple[str, ...]: ...
    @property
    def reason(self) -> str | None: ...


class _Line(Protocol):
    @property
    def number(self) -> int: ...
    @property
    def modifiers(self) -> tuple[str, ...]: ...
    @property
    def code(self) -> str: ...


class _Asked(Protocol):
    @property
    def facts(self) -> Mapping[str, Any]: ...


class Denied(Protocol):
    """What choosing a template reads: a :class:`~appeal.inputs.case.Case`, or the smaller
    :class:`~appeal.letters.select.DenialKey` built before a case is complete."""

    @property
    def template(self) -> str | None: ...
    @property
    def denial(self) -> _Reason: ...
    @property
    def denied_lines(self) -> tuple[_Line, ...]: ...
    @property
    def appeal(self) -> _Asked: ...


@dataclass(frozen=True)
class CarcCondition:
    """CARC codes a template answers only in some cases (front matter ``carc_when``).

    It applies when the denial's reason mentions one of ``words`` (whole words,
    any case), or a denied line carries one of ``modifiers``, or a denied line's code is one of ``codes``, or
    the case's yes/no fact ``fact`` is yes. ``when`` says in one line what that means, for the
    reason the CLI prints.
    """

    carc: tuple[str, ...]
    when: str
    words: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()
    fact: str | None = None
    codes: tuple[str, ...] = ()

    def met_by(self, case: Denied) -> str | None:
        """What in ``case`` (a case, or the :class:`~appeal.letters.select.DenialKey` of one) meets the
        condition, or ``None``."""
        reason = case.denial.reason or ""
        for word in self.words:
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])", reason, re.IGNORECASE):
                return f"the denial's reason mentions '{word}'"
        for line in case.denied_lines:
            hit = [m for m in line.modifiers if m in self.modifiers]
            if hit:
                return f"denied line {line.number} carries modifier {hit[0]}"
            if line.code in self.codes:
                return f"denied line {line.number} is {line.code}"
        raw = case.appeal.facts.get(self.fact) if self.fact else None
        if isinstance(raw, str) and parse_yes_no(raw):
            return f"the case's fact {self.fact} is yes"
        return None

    def as_dict(self) -> dict:
        return {"carc": list(self.carc), "when": self.when, "reason_mentions": list(self.words),
                "modifiers": list(self.modifiers), "codes": list(self.codes), "fact": self.fact}


CONDITION_NAMES = ("facts", "appeal", "claim", "denial", "denied_lines", "payer")
"""What a ``corrected_claim_when`` expression reads: the typed facts, and the case's sections as a template sees
them (``appeal.facts`` is ``facts``)."""
_SECTIONS = {"appeal": Appeal, "claim": Claim, "denial": Denial, "payer": Payer}


@dataclass(frozen=True)
class LevelCondition:
    """When the letter is a corrected-claim cover letter (front matter ``corrected_claim_when``): a Jinja
    expression over :data:`CONDITION_NAMES`, checked when the template is read (its syntax, and that every
    fact it names is declared) and compiled once per process. ``bind.decide`` asks it when the case names no
    level: true is a corrected claim, false a reconsideration."""

    source: str
    file: Path
    line: int | None = None

    def holds(self, names: Mapping[str, Any]) -> bool:
        """Whether the expression is true for ``names`` (each of :data:`CONDITION_NAMES`)."""
        try:
            return bool(_compiled_condition(self.source)(**names))
        except Exception as exc:  # whatever the expression raised: a problem in the template, at the key
            raise TemplateError([Problem(str(self.file), _condition_error(exc),
                                         line=self.line, field="corrected_claim_when")]) from None


@lru_cache(maxsize=1)
def _condition_environment() -> LetterEnvironment:
    env = LetterEnvironment(autoescape=False, finalize=printed)
    env.filters.update(_FILTERS)
    return env


@lru_cache(maxsize=256)
def _compiled_condition(source: str) -> Any:
    return _condition_environment().compile_expression(source, undefined_to_none=False)


def _condition_error(exc: BaseException) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined value: {exc.message}"
    if isinstance(exc, SecurityError):
        return f"the expression used something that is not allowed in letters: {exc}"
    return str(getattr(exc, "message", None) or exc)


def _condition_problems(source: str, facts: Mapping[str, FactSpec]) -> list[str]:
    """What is wrong with a ``corrected_claim_when`` expression, before any case: its syntax, a name it cannot
    read, a fact the template does not declare, a field its sections do not have."""
    env = _condition_environment()
    try:
        parser = Parser(env, source, state="variable")
        tree = parser.parse_expression()
        if not parser.stream.eos:
            raise jinja2.TemplateSyntaxError("unexpected text after the expression", parser.stream.current.lineno)
        _compiled_condition(source)  # unknown filters and tests are found when compiling
    except jinja2.TemplateSyntaxError as exc:
        return [f"is not a Jinja expression: {exc.message}"]
    problems = []
    every = [tree, *tree.find_all(nodes.Node)]  # find_all leaves out the node it starts from
    for name in every:
        if isinstance(name, nodes.Name) and name.name not in CONDITION_NAMES:
            problems.append(f"'{name.name}' is not a name the expression can read")
    for node in every:
        if isinstance(node, nodes.Getattr):
            key: str = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            key = node.arg.value
        else:
            continue
        owner = node.node
        if _is_facts(owner):
            if key not in facts:
                problems.append(f"the fact '{key}' is not declared under the template's facts")
        elif isinstance(owner, nodes.Name) and owner.name in _SECTIONS and key != "facts":
            section = _SECTIONS[owner.name]
            if key not in {f.name for f in fields(section)} and not isinstance(getattr(section, key, None), property):
                problems.append(f"{owner.name} has no field '{key}'")
    return problems


def _is_facts(node: nodes.Node) -> bool:
    """``facts``, or ``appeal.facts``."""
    if isinstance(node, nodes.Name):
        return node.name == "facts"
    return (isinstance(node, nodes.Getattr) and node.attr == "facts" and isinstance(node.node, nodes.Name)
            and node.node.name == "appeal")


@dataclass(frozen=True)
class TemplateMeta:
    """What a template's front matter says about it."""

    id: str
    title: str
    file: Path
    origin: str
    description: str = ""
    carc: tuple[str, ...] = ()
    rarc: tuple[str, ...] = ()
    facts: dict[str, FactSpec] = field(default_factory=dict)
    enclosures: tuple[str, ...] = ()  # what the letter's evidence is: the enclosures it expects
    citations: tuple[str, ...] = ()
    example: Path | None = None
    carc_when: tuple[CarcCondition, ...] = ()
    levels: tuple[str, ...] = ()
    corrected_claim_when: LevelCondition | None = None
    request_rule: str | None = None  # a name in REQUEST_RULES: the level and code are decided from the claim lines

    @property
    def name(self) -> str:
        """The name Jinja knows the template by."""
        return self.id + SUFFIX

    def answers(self, case: Denied) -> str | None:
        """Why this template answers ``case``'s CARC, or ``None`` when it does not."""
        carc = case.denial.carc
        if carc in self.carc:
            return f"template '{self.id}' lists CARC {carc}"
        for condition in self.carc_when:
            if carc in condition.carc:
                met = condition.met_by(case)
                if met:
                    return f"template '{self.id}' answers CARC {carc} {condition.when} ({met})"
        return None

    def writes(self, level: str) -> bool:
        """Whether the template's request is written for ``level`` (front matter ``levels``)."""
        return level in self.levels

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "carc": list(self.carc),
            "rarc": list(self.rarc),
            "carc_when": [c.as_dict() for c in self.carc_when],
            "levels": list(self.levels),
            "corrected_claim_when": self.corrected_claim_when.source if self.corrected_claim_when else None,
            "request_rule": self.request_rule,
            "facts": {n: {"type": s.type, "description": s.description, "required": s.required,
                          "default": s.default, "evidence": s.evidence,
                          "declared_in": "vocabulary" if n in vocabulary() else "template"}
                      for n, s in self.facts.items()},
            "enclosures": list(self.enclosures),
            "citations": list(self.citations),
            "example": str(self.example) if self.example else None,
            "file": str(self.file),
            "origin": self.origin,
        }


@dataclass(frozen=True)
class TemplateView:
    """What a template sees of itself (``template``): its front matter, never a path of the machine."""

    id: str
    title: str
    description: str
    carc: tuple[str, ...]
    rarc: tuple[str, ...]
    levels: tuple[str, ...]
    citations: tuple[str, ...]

    @classmethod
    def of(cls, meta: TemplateMeta) -> TemplateView:
        return cls(meta.id, meta.title, meta.description, meta.carc, meta.rarc, meta.levels, meta.citations)


def split_front_matter(text: str) -> tuple[str | None, str]:
    """``(front matter YAML, body)``; both keep the file's line numbers.

    The front matter comes back with the opening ``---`` blanked, the body with the
    front matter's lines blanked, so every error points at the line in the file.
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            front = "\n" + "".join(lines[1:end])
            body = "\n" * (end + 1) + "".join(lines[end + 1:])
            return front, body
    return "\n" + "".join(lines[1:]), ""


class Safe(str):
    """Markdown the letter's own helpers made; passed through without escaping."""


def escape(value: Any) -> str:
    """A value as literal Markdown text: punctuation escaped, line breaks as spaces.

    It is the environment's ``finalize``: every ``{{ value }}`` a template prints
    goes through it, so a name like ``<b>Ann & *Bo*</b>`` is text, never markup.
    """
    if isinstance(value, Safe):
        return value
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return text.translate(_MD_ESCAPES)


class FrontMatterLoader(jinja2.FileSystemLoader):
    """A file loader that hands Jinja the body without the front matter."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        return split_front_matter(source)[1], filename, uptodate


def printed(value: Any) -> str:
    """The environment's ``finalize``: only text, numbers and dates are printed, always escaped."""
    return escape(text_value(value))


@dataclass(frozen=True)
class TemplateSet:
    """The template folders in lookup order, and the Jinja environment over them."""

    folders: tuple[tuple[Path, str], ...]

    @property
    def env(self) -> jinja2.Environment:
        return _environment(tuple(folder for folder, _ in self.folders))

    def all(self) -> dict[str, TemplateMeta]:
        """Every template by id; the first folder that has an id wins."""
        found: dict[str, TemplateMeta] = {}
        problems: list[Problem] = []
        for folder, origin in self.folders:
            for path in sorted(folder.glob("*" + SUFFIX)):
                try:
                    meta = read_meta(path, origin)
                except TemplateError as exc:
                    problems.extend(exc.problems)
                    continue
                found.setdefault(meta.id, meta)
        _save_kept()
        if problems:
            raise TemplateError(problems)
        return found

    def read_once(self) -> TemplatesReadOnce:
        """The same folders, listed once (see :class:`TemplatesReadOnce`)."""
        return TemplatesReadOnce(self.folders)

    def fact_owners(self) -> dict[str, list[str]]:
        """Every fact name a template or the shared vocabulary declares -> the templates that use it.

        A template that cannot be read is passed over here (its own use reports it)."""
        owners: dict[str, list[str]] = {name: [] for name in vocabulary()}
        seen: set[str] = set()
        for folder, origin in self.folders:
            for path in sorted(folder.glob("*" + SUFFIX)):
                try:
                    meta = read_meta(path, origin)
                except TemplateError:
                    continue
                if meta.id in seen:
                    continue
                seen.add(meta.id)
                for name in meta.facts:
                    owners.setdefault(name, []).append(meta.id)
        _save_kept()
        return owners

    def get(self, template_id: str) -> TemplateMeta:
        for folder, origin in self.folders:
            path = folder / (template_id + SUFFIX)
            if path.is_file():
                meta = read_meta(path, origin)
                _save_kept()
                return meta
        searched = ", ".join(str(folder) for folder, _ in self.folders)
        known = ", ".join(sorted(self.all())) or "none"
        raise TemplateError(f"no template '{template_id}' (searched: {searched}; templates: {known})",
                            file=template_id + SUFFIX)


class TemplatesReadOnce(TemplateSet):
    """A :class:`TemplateSet` whose folders are listed once, at the first :meth:`all` (and
    :meth:`fact_owners`): the templates of one run (``Sources.load``), where listing and checking the
    folders for each letter cost a fifth of composing it, and for each denial of ``import-835`` more than
    writing its case file. A broken template is not remembered: it is reported again at each use."""

    def all(self) -> dict[str, TemplateMeta]:
        found = self.__dict__.get("_all")
        if found is None:
            found = super().all()
            object.__setattr__(self, "_all", found)
        return found

    def fact_owners(self) -> dict[str, list[str]]:
        found = self.__dict__.get("_owners")
        if found is None:
            found = super().fact_owners()
            object.__setattr__(self, "_owners", found)
        return found

    def read_once(self) -> TemplatesReadOnce:
        return self


def template_set(user_folders: Iterable[Path] = (), workspace: Path | None = None) -> TemplateSet:
    folders: list[tuple[Path, str]] = [(Path(f), str(f)) for f in user_folders]
    if workspace is not None and (workspace / "templates").is_dir():
        folders.append((workspace / "templates", "workspace"))
    folders.append((builtin_dir("templates"), "built-in"))
    for folder, _ in folders[:-1]:
        if not folder.is_dir():
            raise TemplateError("the templates folder does not exist", file=str(folder))
    return TemplateSet(tuple(folders))


@lru_cache(maxsize=8)
def _environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    """One environment per lookup path, built once per process."""
    builtin = FrontMatterLoader(str(builtin_dir("templates")))
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({BUILTIN_PREFIX: builtin}, delimiter="/"),
        FrontMatterLoader([str(f) for f in folders]),
    ])
    env = LetterEnvironment(
        loader=loader,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=printed,
        bytecode_cache=template_cache(),
    )
    env.filters.update(_FILTERS)
    return env


def read_meta(path: Path, origin: str) -> TemplateMeta:
    """Read and check one template's front matter (cached while the file is unchanged)."""
    try:
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = None  # missing or unreadable: _read_meta says which, uncached
    if stamp is None:
        return _read_meta(path, origin)
    return _read_meta_cached(path, origin, stamp)


@lru_cache(maxsize=256)
def _read_meta_cached(path: Path, origin: str, stamp: tuple[int, int]) -> TemplateMeta:
    return _read_meta(path, origin)


def _read_meta(path: Path, origin: str) -> TemplateMeta:
    """Read one template's front matter: what an earlier process read of the same text, else checked."""
    text = read_text(path, TemplateError)
    return _kept().read(path, text, lambda: _checked_meta(path, origin, text), _plain_meta,
                        lambda plain: _thawed_meta(plain, path, origin))


_KEPT: list[Kept] = []


def _kept() -> Kept:
    """The front matter kept in the cache folder (``cache_dir("front-matter")``, ``resources.Kept``) under
    the SHA-256 of each template's text, so a later process reads it back without parsing the YAML or
    checking its keys (14 built-in templates, about 14 ms of a cold ``appeal validate``). One for the
    process, made again when the cache folder moves; written by :func:`_save_kept` once templates are
    listed. The key names PyYAML's and Jinja's versions, the modules whose rules read front matter and the
    text of the shared vocabulary (a fact declared there takes its meaning from it)."""
    folder = cache_dir("front-matter")
    if not _KEPT or _KEPT[0].folder != folder:
        try:
            vocabulary_text = vocabulary_path().read_bytes()
        except OSError:
            vocabulary_text = b""  # the vocabulary reports it when read
        parts = (str(CACHE_FORMAT), yamlread.yaml.__version__, str(yamlread.FAST_LOADER), jinja2.__version__,
                 hashlib.sha256(vocabulary_text).hexdigest())
        modules = [sys.modules[name] for name in (__name__, "appeal.inputs.fields", "appeal.inputs.yamlread",
                                                  "appeal.inputs.schema", "appeal.inputs.case",
                                                  "appeal.letters.facts", "appeal.letters.sandbox")]
        _KEPT[:] = [Kept("front-matter", "templates", parts, modules)]
    return _KEPT[0]


def _save_kept() -> None:
    if _KEPT:
        _KEPT[0].save()


CACHE_FORMAT = 3


def _plain_meta(meta: TemplateMeta) -> tuple:
    """A template's front matter as marshal keeps it (its path and origin are the reader's to give back)."""
    level = meta.corrected_claim_when
    return (meta.id, meta.title, meta.description, meta.carc, meta.rarc,
            tuple((s.name, s.type, s.description, s.required, _plain_default(s.default), s.evidence)
                  for s in meta.facts.values()),
            meta.enclosures, meta.citations, str(meta.example) if meta.example is not None else None,
            tuple((c.carc, c.when, c.words, c.modifiers, c.fact, c.codes) for c in meta.carc_when),  # field order
            meta.levels, (level.source, level.line) if level is not None else None, meta.request_rule)


def _thawed_meta(plain: tuple, path: Path, origin: str) -> TemplateMeta:
    (tid, title, description, carc, rarc, facts, enclosures, citations, example, carc_when, levels,
     level, request_rule) = plain
    return TemplateMeta(
        id=tid, title=title, file=path, origin=origin, description=description, carc=carc, rarc=rarc,
        facts={f[0]: FactSpec(f[0], f[1], f[2], f[3], _thawed_default(f[4]), f[5]) for f in facts},
        enclosures=enclosures, citations=citations, example=Path(example) if example is not None else None,
        carc_when=tuple(CarcCondition(*c) for c in carc_when), levels=levels,
        corrected_claim_when=LevelCondition(level[0], path, level[1]) if level is not None else None,
        request_rule=request_rule,
    )


def _plain_default(value: Any) -> Any:
    """A fact's default (text, yes/no, date or number) as marshal keeps it: a date or number tagged."""
    if isinstance(value, dt.date):
        return ("date", value.toordinal())
    if isinstance(value, Decimal):
        return ("number", str(value))
    return value


def _thawed_default(value: Any) -> Any:
    if isinstance(value, tuple):
        return dt.date.fromordinal(value[1]) if value[0] == "date" else Decimal(value[1])
    return value


def _checked_meta(path: Path, origin: str, text: str) -> TemplateMeta:
    """Read and check one template's front matter."""
    front, _ = split_front_matter(text)
    if front is None:
        raise TemplateError([Problem(str(path), "the template has no front matter", line=1,
                                     accepted="a first line '---', YAML fields (id, title, carc, facts), '---'")])
    located = load_yaml(path, TemplateError, text=front, aliases=PROFILE_ALIASES)
    if not isinstance(located.data, dict):
        raise TemplateError([Problem(str(path), "the front matter must be YAML fields", line=2,
                                     accepted="id, title, carc, rarc, facts, citations, example")])
    r = Reader(located)
    r.mapping((), META_KEYS)
    tid = r.text(("id",), required=True, pattern=TEMPLATE_ID,
                 accepted="lower-case letters, digits and '-'")
    if tid and tid != path.stem:
        r.problem(("id",), f"the id '{tid}' does not match the file name '{path.name}'", f"id: {path.stem}")
    title = r.text(("title",), required=True)
    facts = {}
    raw_facts = r.get(("facts",))
    if isinstance(raw_facts, dict):
        for name in raw_facts:
            spec = _fact_spec(r, ("facts", name), name)
            if spec:
                facts[name] = spec
    elif r.present(("facts",)):
        r.problem(("facts",), "must be a section of facts", "name: {type, description}")
    example = r.text(("example",), accepted="a case file path, relative to the template")
    conditions = tuple(c for i in range(len(r.items(("carc_when",))))
                       if (c := _condition(r, ("carc_when", i), facts)) is not None)
    levels = tuple(lv for i in range(len(r.items(("levels",))))
                   if (lv := r.choice(("levels", i), LEVELS)) is not None)
    meta = TemplateMeta(
        id=tid or path.stem, title=title or "", file=path, origin=origin,
        description=r.text(("description",)) or "",
        carc=r.text_list(("carc",), pattern=CARC, upper=True, split=True, accepted="CARC codes such as 189"),
        rarc=r.text_list(("rarc",), pattern=RARC, upper=True, split=True,
                         accepted="RARC codes such as N657"),
        facts=facts,
        citations=r.text_list(("citations",)),
        enclosures=r.text_list(("enclosures",), accepted="one line for each thing the letter should enclose"),
        example=(path.parent / example) if example else None,
        carc_when=conditions,
        levels=levels,
        corrected_claim_when=_level_condition(r, path, facts, levels),
        request_rule=_request_rule(r, facts, tid),
    )
    if r.problems:
        raise TemplateError(r.problems)
    return meta


def _fact_spec(r: Reader, at: tuple, name: str) -> FactSpec | None:
    """One fact under ``facts:``: a vocabulary name takes its meaning from the vocabulary (a type given
    must be the same); a fact of the template's own needs a type and a description."""
    r.mapping(at, FACT_KEYS)
    shared = vocabulary().get(name)
    if not re.fullmatch(FACT_NAME, name):
        r.problem(at, f"'{name}' is not a fact name", "lower-case letters, digits and '_', e.g. recording")
        return None
    kind: str | None
    description: str | None
    if shared is not None:
        kind = r.choice(at + ("type",), FACT_TYPES)
        if kind and kind != shared.type:
            r.problem(at + ("type",), f"the shared vocabulary ({vocabulary_line(name)}) declares '{name}' as "
                                      f"{shared.type}: a fact keeps its meaning in every template",
                      f"type: {shared.type}, or a name of the template's own")
            return None
        kind, description, evidence = shared.type, shared.description, shared.evidence
    else:
        kind = r.choice(at + ("type",), FACT_TYPES, required=True)
        description = r.text(at + ("description",), required=True, accepted="one line saying what the fact is")
        evidence = r.text(at + ("evidence",))
    required = r.yes_no(at + ("required",), default=False)
    default = None
    if kind and r.present(at + ("default",)):
        raw = r.text(at + ("default",)) or ""
        default = {"yesno": parse_yes_no, "date": parse_date, "number": _decimal}.get(kind, str)(raw)
        if default is None:
            r.problem(at + ("default",), f"'{raw}' is not a {kind}", kind)
    if kind and description:
        return FactSpec(name=name, type=kind, description=description, required=bool(required), default=default,
                        evidence=evidence)
    return None


def _condition(r: Reader, at: tuple, facts: dict[str, FactSpec]) -> CarcCondition | None:
    """One ``carc_when`` entry: codes, a one-line ``when``, and at least one test."""
    if r.mapping(at, CONDITION_KEYS, required=True) is None:
        return None
    carc = r.text_list(at + ("carc",), required=True, pattern=CARC, upper=True, split=True,
                       accepted="CARC codes such as 50, 96")
    when = r.text(at + ("when",), required=True, accepted="one line, e.g. 'when the payer calls the service "
                                                          "investigational'")
    words = r.text_list(at + ("reason_mentions",), accepted="words of the payer's reason, e.g. investigational")
    modifiers = r.text_list(at + ("modifiers",), pattern=MODIFIER, upper=True, split=True,
                            accepted="2-character modifiers such as 59, XS")
    codes = r.text_list(at + ("codes",), pattern=CODE, upper=True, split=True, accepted=CODE_ACCEPTED)
    fact = r.text(at + ("fact",), accepted="a yes/no fact declared under facts")
    if fact and (fact not in facts or facts[fact].type != "yesno"):
        r.problem(at + ("fact",), f"'{fact}' is not a yes/no fact of this template", "a yesno fact under facts")
    if not (words or modifiers or codes or fact):
        r.problem(at, "a condition needs a test", "reason_mentions, modifiers, codes or fact")
    if carc and when:
        return CarcCondition(carc=carc, when=when, words=words, modifiers=modifiers, fact=fact, codes=codes)
    return None


def _level_condition(r: Reader, path: Path, facts: dict[str, FactSpec],
                     levels: tuple[str, ...]) -> LevelCondition | None:
    """``corrected_claim_when``: an expression over the facts, for a template that writes corrected claims."""
    at = ("corrected_claim_when",)
    source = r.text(at, accepted=_CONDITION_ACCEPTED)
    if source is None:
        return None
    problems = _condition_problems(source, facts)
    if levels and "corrected-claim" not in levels:
        problems.append("the template's levels do not include corrected-claim, so no letter of it is one")
    for message in problems:
        r.problem(at, message, _CONDITION_ACCEPTED + "; facts: " + (", ".join(facts) or "none declared"))
    return None if problems else LevelCondition(source, path, r.located.line(at))


def _request_rule(r: Reader, facts: dict[str, FactSpec], tid: str | None) -> str | None:
    """``request_rule``: a rule of :data:`REQUEST_RULES`, with every fact it reads declared; it decides the
    level itself, so it does not go with ``corrected_claim_when``. Without the key, the rule of the built-in
    the template replaces by its id (:data:`BUILTIN_RULES`), as before the key existed."""
    at = ("request_rule",)
    if not r.present(at):
        return BUILTIN_RULES.get(tid or "")
    rule = r.choice(at, tuple(REQUEST_RULES))
    if rule is None:
        return None
    missing = [name for name in REQUEST_RULES[rule] if name not in facts]
    if missing:
        r.problem(at, f"the rule {rule} reads the facts {', '.join(REQUEST_RULES[rule])}; the template does not "
                      f"declare {', '.join(missing)}", "each of them under facts (from the shared vocabulary)")
    if r.present(("corrected_claim_when",)):
        r.problem(at, f"the rule {rule} decides the letter's level itself, so corrected_claim_when would never be "
                      "read", "request_rule or corrected_claim_when, not both")
    return rule


_CONDITION_ACCEPTED = ("a Jinja expression over " + ", ".join(CONDITION_NAMES)
                       + ", e.g. facts.authorization_number and not facts.authorization_on_claim")


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def template_location(exc: BaseException, templates: TemplateSet) -> tuple[str | None, int | None]:
    """The innermost template file and line in ``exc``'s traceback (Jinja rewrites frames)."""
    roots = [str(folder.resolve()) for folder, _ in templates.folders] + [str(builtin_dir("templates").resolve())]
    where: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(SUFFIX) and any(Path(filename).resolve().as_posix().startswith(r) for r in roots):
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return where


def render_error(exc: BaseException, templates: TemplateSet, name: str) -> TemplateError:
    """Turn whatever Jinja raised into a :class:`TemplateError` with file and line."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return TemplateError([Problem(exc.filename or name, f"template syntax error: {exc.message}",
                                      line=exc.lineno, accepted="Jinja syntax; see docs/templates.md")])
    if isinstance(exc, jinja2.TemplateNotFound):
        searched = ", ".join(str(f) for f, _ in templates.folders)
        return TemplateError([Problem(name, f"template '{exc.name}' not found (searched: {searched})")])
    file, line = template_location(exc, templates)
    if isinstance(exc, SecurityError):
        message = f"the template used something that is not allowed in letters: {exc}"
    elif isinstance(exc, jinja2.UndefinedError):
        message = f"undefined value: {exc.message}"
    elif isinstance(exc, RecursionError):
        message = ("the template includes or extends itself, or a macro calls itself, without end "
                   "(or its expressions nest too deep)")
    elif isinstance(exc, (Unprintable, OverBudget)):
        message = str(exc)
    elif isinstance(exc, LookupError):
        message = f"the template asked for an item that is not there ({type(exc).__name__}: {exc})"
    elif isinstance(exc, MemoryError):
        message = "the template needs more memory than a letter may take"
    else:
        message = str(getattr(exc, "message", None) or exc)
    return TemplateError([Problem(file or name, message, line=line)])


def long_date(value: dt.date | None) -> str:
    """``November 27, 2026``."""
    if value is None or not given(value):
        return ""
    return f"{value:%B} {value.day}, {value.year}"


def short_date(value: dt.date | None) -> str:
    """``11/27/2026``, as claim forms print dates."""
    return f"{value:%m/%d/%Y}" if given(value) else ""


def billed_code(line: Any) -> str:
    """A claim line's code with its modifiers: ``76120-59``."""
    return "-".join((line.code, *line.modifiers))


def money(value: Decimal | None) -> str:
    return f"${value:,.2f}" if given(value) else ""


_FILTERS = {"short_date": short_date, "long_date": long_date, "money": money, "billed_code": billed_code}
