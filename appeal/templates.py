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
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from appeal.case import FACT_TYPES, Case, FactSpec
from appeal.errors import Problem, TemplateError
from appeal.resources import builtin_dir
from appeal.validate import Reader, parse_date, parse_yes_no
from appeal.yamlread import load_yaml, read_text

SUFFIX = ".md"
META_KEYS = ("id", "title", "description", "carc", "rarc", "facts", "citations", "example", "extends_id")
BUILTIN_PREFIX = "!builtin"


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
    citations: tuple[str, ...] = ()
    example: Path | None = None

    @property
    def name(self) -> str:
        """The name Jinja knows the template by."""
        return self.id + SUFFIX

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "carc": list(self.carc),
            "rarc": list(self.rarc),
            "facts": {n: {"type": s.type, "description": s.description, "required": s.required,
                          "default": s.default} for n, s in self.facts.items()},
            "citations": list(self.citations),
            "example": str(self.example) if self.example else None,
            "file": str(self.file),
            "origin": self.origin,
        }


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


class FrontMatterLoader(jinja2.FileSystemLoader):
    """A file loader that hands Jinja the body without the front matter."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        return split_front_matter(source)[1], filename, uptodate


class LetterEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, refusing file objects as well."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, Path):
            return False
        return super().is_safe_attribute(obj, attr, value)


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
        if problems:
            raise TemplateError(problems)
        return found

    def get(self, template_id: str) -> TemplateMeta:
        for folder, origin in self.folders:
            path = folder / (template_id + SUFFIX)
            if path.is_file():
                return read_meta(path, origin)
        searched = ", ".join(str(folder) for folder, _ in self.folders)
        known = ", ".join(sorted(self.all())) or "none"
        raise TemplateError(f"no template '{template_id}' (searched: {searched}; templates: {known})",
                            file=template_id + SUFFIX)


def template_set(user_folders: Iterable[Path] = (), workspace: Path | None = None) -> TemplateSet:
    folders: list[tuple[Path, str]] = [(Path(f), str(f)) for f in user_folders]
    if workspace is not None and (workspace / "templates").is_dir():
        folders.append((workspace / "templates", "workspace"))
    folders.append((builtin_dir("templates"), "built-in"))
    for folder, _ in folders[:-1]:
        if not folder.is_dir():
            raise TemplateError(f"the templates folder does not exist", file=str(folder))
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
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(short_date=short_date, long_date=long_date, money=money, billed_code=billed_code)
    return env


def read_meta(path: Path, origin: str) -> TemplateMeta:
    """Read and check one template's front matter."""
    text = read_text(path, TemplateError)
    front, _ = split_front_matter(text)
    if front is None:
        raise TemplateError([Problem(str(path), "the template has no front matter", line=1,
                                     accepted="a first line '---', YAML fields (id, title, carc, facts), '---'")])
    located = load_yaml(path, TemplateError, text=front)
    if not isinstance(located.data, dict):
        raise TemplateError([Problem(str(path), "the front matter must be YAML fields", line=2,
                                     accepted="id, title, carc, rarc, facts, citations, example")])
    r = Reader(located)
    r.mapping((), META_KEYS)
    tid = r.text(("id",), required=True, pattern=r"[a-z0-9][a-z0-9-]*",
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
    meta = TemplateMeta(
        id=tid or path.stem, title=title or "", file=path, origin=origin,
        description=r.text(("description",)) or "",
        carc=r.text_list(("carc",), pattern=r"(\d{1,3}|[A-Z]\d{1,2}|P\d{1,3})", upper=True, split=True,
                         accepted="CARC codes such as 189"),
        rarc=r.text_list(("rarc",), pattern=r"[A-Z]{1,2}\d{1,4}", upper=True, split=True,
                         accepted="RARC codes such as N657"),
        facts=facts,
        citations=r.text_list(("citations",)),
        example=(path.parent / example) if example else None,
    )
    if r.problems:
        raise TemplateError(r.problems)
    return meta


def _fact_spec(r: Reader, at: tuple, name: str) -> FactSpec | None:
    r.mapping(at, ("type", "description", "required", "default"), required=True)
    kind = r.choice(at + ("type",), FACT_TYPES, required=True)
    description = r.text(at + ("description",), required=True, accepted="one line saying what the fact is")
    required = r.yes_no(at + ("required",), default=False)
    default = None
    if kind and r.present(at + ("default",)):
        raw = r.text(at + ("default",)) or ""
        default = {"yesno": parse_yes_no, "date": parse_date, "number": _decimal}.get(kind, str)(raw)
        if default is None:
            r.problem(at + ("default",), f"'{raw}' is not a {kind}", kind)
    if kind and description:
        return FactSpec(name=name, type=kind, description=description, required=bool(required), default=default)
    return None


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def select_template(case: Case, templates: TemplateSet) -> tuple[TemplateMeta, str]:
    """The template for ``case`` and why it was chosen.

    The case's ``template:`` wins; otherwise the templates whose front matter lists
    the denial's CARC, preferring one whose RARC list meets the case's remark codes,
    then the more specific (fewer CARC codes); with none, ``generic-reconsideration``.
    """
    if case.template:
        return templates.get(case.template), f"the case names template '{case.template}'"
    carc = case.denial.carc
    candidates = [m for m in templates.all().values() if carc in m.carc]
    if not candidates:
        meta = templates.get("generic-reconsideration")
        return meta, f"no template lists CARC {carc}; using the generic reconsideration"
    remarks = set(case.denial.rarc)

    def rank(meta: TemplateMeta) -> tuple:
        return (-len(remarks & set(meta.rarc)), len(meta.carc), meta.id)

    best = sorted(candidates, key=rank)[0]
    reason = f"template '{best.id}' lists CARC {carc}"
    matched = sorted(remarks & set(best.rarc))
    if matched:
        reason += f" and remark code {', '.join(matched)}"
    if len(candidates) > 1:
        others = ", ".join(m.id for m in candidates if m is not best)
        reason += f" (also listed by: {others})"
    return best, reason


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
    else:
        message = str(getattr(exc, "message", None) or exc)
    return TemplateError([Problem(file or name, message, line=line)])


def long_date(value: dt.date | None) -> str:
    """``November 27, 2026``."""
    if value is None:
        return ""
    return f"{value:%B} {value.day}, {value.year}"


def short_date(value: dt.date | None) -> str:
    """``11/27/2026``, as claim forms print dates."""
    return f"{value:%m/%d/%Y}" if value else ""


def billed_code(line: Any) -> str:
    """A claim line's code with its modifiers: ``76120-59``."""
    return "-".join((line.code, *line.modifiers))


def money(value: Decimal | None) -> str:
    return f"${value:,.2f}" if value is not None else ""
