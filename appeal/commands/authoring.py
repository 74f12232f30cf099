"""The library behind ``appeal templates``, ``appeal citations``, ``appeal codes`` and ``appeal init``.

Each CLI command calls one function here. ``check_templates`` is what a biller runs
after editing a template: it reads the front matter, parses the body, checks every
passage the body quotes and every fact it names, and renders the template's example
case, collecting every problem (file and line) instead of stopping at the first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from appeal.deliver.files import ensure_dir, write_text_atomic
from appeal.errors import AppealError, CodeError, Problem, TemplateError, WorkspaceError
from appeal.inputs.case import load_case
from appeal.inputs.schema import TEMPLATE_ID
from appeal.inputs.workspace import PROFILE, Workspace, load_workspace
from appeal.inputs.yamlread import PROFILE_ALIASES, load_yaml, read_text
from appeal.letters.build import build_letter
from appeal.letters.facts import vocabulary
from appeal.letters.templates import SUFFIX, TemplateMeta, TemplateSet, read_meta, split_front_matter
from appeal.reference.citations import CitationLibrary
from appeal.reference.codes import CodeEntry, code_table
from appeal.resources import data_file

FACT_HOLDERS = ("facts",)  # the name templates give appeal.facts: {% set facts = appeal.facts %}
WORKSPACE_FOLDERS = ("templates", "citations", "cases")


# -- templates --------------------------------------------------------------------------

def list_templates(templates: TemplateSet) -> list[TemplateMeta]:
    """Every template the lookup order finds, by id (a user's copy hides the built-in it replaces)."""
    return sorted(templates.all().values(), key=lambda m: m.id)


def template_source(templates: TemplateSet, template_id: str) -> tuple[TemplateMeta, str]:
    """A template's metadata and the text of its file."""
    meta = templates.get(template_id)
    return meta, read_text(meta.file, TemplateError)


def fact_lines(meta: TemplateMeta) -> list[str]:
    """The facts a template uses, with what each means and the evidence it expects, as text lines."""
    if not meta.facts:
        return ["Facts (appeal.facts): none"]
    out = ["Facts (appeal.facts), from the shared vocabulary unless marked:"]
    for name, spec in meta.facts.items():
        need = "required" if spec.required else ("default " + _shown_default(spec.default)
                                                  if spec.default is not None else "optional")
        own = "" if name in vocabulary() else ", this template's own"
        out.append(f"  {name} ({spec.type}, {need}{own}): {spec.description}")
        if spec.evidence:
            out.append(f"      evidence: {spec.evidence}")
    if meta.enclosures:
        out.append("Enclosures the letter expects:")
        out += [f"  - {item}" for item in meta.enclosures]
    return out


def _shown_default(value: object) -> str:
    return {True: "yes", False: "no"}.get(value, str(value)) if isinstance(value, bool) else str(value)


def new_template(templates: TemplateSet, new_id: str, from_id: str, folder: Path) -> list[Path]:
    """Copy template ``from_id`` to ``folder/<new_id>.md`` with the id changed, and its example case beside it.

    The copy's example case goes to ``folder/examples/<new_id>.yaml`` and names the new
    template, so ``appeal templates check <new_id>`` renders it at once. Nothing is
    overwritten: an existing file is an error.
    """
    if not re.fullmatch(TEMPLATE_ID, new_id):
        raise TemplateError([Problem(new_id, "is not a template id", field="ID",
                                     accepted="lower-case letters, digits and '-', e.g. my-denial")])
    meta, text = template_source(templates, from_id)
    target = Path(folder) / (new_id + SUFFIX)
    example = Path(folder) / "examples" / f"{new_id}.yaml" if meta.example else None
    for path in (target, example):
        if path is not None and path.exists():
            raise TemplateError([Problem(str(path), "the file already exists; nothing was overwritten",
                                         accepted="a new id, or another --dir")])
    example_text = read_text(meta.example, TemplateError) if example and meta.example else ""
    text = _with_front_matter(text, "id", new_id)
    text = _with_front_matter(text, "example", f"examples/{new_id}.yaml") if example else text
    ensure_dir(target.parent)
    write_text_atomic(target, text)
    if example is None:
        return [target]
    ensure_dir(example.parent)
    write_text_atomic(example, _naming_template(example_text, new_id))
    return [target, example]


def _with_front_matter(text: str, key: str, value: str) -> str:
    """``text`` with the front matter's top-level ``key`` set to ``value`` (added if absent)."""
    lines = text.splitlines(keepends=True)
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    for i in range(1, end):
        if re.match(rf"{key}:", lines[i]):
            lines[i] = f"{key}: {value}\n"
            return "".join(lines)
    lines.insert(end, f"{key}: {value}\n")
    return "".join(lines)


def _naming_template(case_text: str, template_id: str) -> str:
    """A case's text with ``template: <id>`` set, so the example always uses its template."""
    if re.search(r"^template:", case_text, re.MULTILINE):
        return re.sub(r"^template:.*$", f"template: {template_id}", case_text, count=1, flags=re.MULTILINE)
    lines = case_text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), len(lines))
    lines.insert(first, f"template: {template_id}\n")
    return "".join(lines)


@dataclass
class TemplateCheck:
    """What ``check_templates`` looked at and every problem it found."""

    checked: list[TemplateMeta | Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"ok": self.ok,
                "checked": [{"id": m.id, "file": str(m.file), "origin": m.origin} if isinstance(m, TemplateMeta)
                            else {"id": m.stem, "file": str(m), "origin": None} for m in self.checked],
                "problems": [p.as_dict() for p in self.problems]}


def check_templates(templates: TemplateSet, library: CitationLibrary | None, ids: tuple[str, ...] = (),
                    workspace: Workspace | None = None, today: dt.date | None = None) -> TemplateCheck:
    """Check the templates named by ``ids`` (default: every template found) and render their examples.

    An unknown id is an error (the command's input is unusable); a problem inside a
    template is reported in the result. ``library`` is ``None`` when the citation
    library itself failed to load: its problems are the caller's to report.
    """
    result = TemplateCheck()
    today = today or dt.date.today()
    for path, origin in _template_files(templates, ids):
        try:
            meta = read_meta(path, origin)
        except TemplateError as exc:
            result.checked.append(path)
            result.problems.extend(exc.problems)
            continue
        result.checked.append(meta)
        result.problems.extend(_check_one(meta, templates, library, workspace, today))
    result.problems = [dataclasses.replace(p, file=_shown(p.file)) for p in result.problems]
    return result


def _shown(file: str) -> str:
    """A path under the current folder as a relative path, the way the biller typed it."""
    try:
        return str(Path(file).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return file


def _template_files(templates: TemplateSet, ids: tuple[str, ...]) -> Iterator[tuple[Path, str]]:
    """The file each id resolves to; with no ids, every template file (the first of an id wins)."""
    if ids:
        known = {path.stem for folder, _ in templates.folders for path in folder.glob("*" + SUFFIX)}
        unknown = [i for i in ids if i not in known]
        if unknown:
            searched = ", ".join(str(f) for f, _ in templates.folders)
            raise TemplateError([Problem(i, f"no template '{i}' (searched: {searched})", field="ID",
                                         accepted=", ".join(sorted(known))) for i in unknown])
    seen: set[str] = set()
    for folder, origin in templates.folders:
        for path in sorted(folder.glob("*" + SUFFIX)):
            if path.stem not in seen and (not ids or path.stem in ids):
                seen.add(path.stem)
                yield path, origin


def _check_one(meta: TemplateMeta, templates: TemplateSet, library: CitationLibrary | None,
               workspace: Workspace | None, today: dt.date) -> list[Problem]:
    import jinja2

    file = str(meta.file)
    body = split_front_matter(read_text(meta.file, TemplateError))[1]
    try:
        tree = templates.env.parse(body, meta.name, file)
    except jinja2.TemplateSyntaxError as exc:
        return [Problem(file, f"template syntax error: {exc.message}", line=exc.lineno,
                        accepted="Jinja syntax; see docs/templates.md")]
    except RecursionError:
        return [Problem(file, "the template's expressions nest too deep to read",
                        accepted="expressions nested a few levels, not hundreds")]
    problems = sorted(_check_calls(meta, tree, templates, library) + _check_facts(meta, tree),
                      key=lambda p: p.line or 0)
    if library is not None:
        problems += _check_listed_citations(meta, library)
    if meta.example is None:
        problems.append(Problem(file, "the template has no example case", line=1, field="example",
                                accepted="example: a case file path, relative to the template"))
    elif not problems and library is not None:
        problems += _render_example(meta, templates, library, workspace, today)
    return problems


def _check_calls(meta: TemplateMeta, tree, templates: TemplateSet, library: CitationLibrary | None) -> list[Problem]:
    """Every literal ``quote(id, passage)``, ``cite(id)``, ``fact_problem(name, ...)`` and ``extends``."""
    import jinja2
    from jinja2 import nodes

    problems = []
    file = str(meta.file)
    for node in tree.find_all(nodes.Extends):
        if isinstance(node.template, nodes.Const):
            try:
                templates.env.get_template(node.template.value)
            except jinja2.TemplateNotFound:
                problems.append(Problem(file, f"extends '{node.template.value}', which is not found", line=node.lineno,
                                        accepted='"base/letter.md" or "!builtin/<id>.md"'))
            except jinja2.TemplateSyntaxError:
                pass  # the parent template's own check reports it
    for call in tree.find_all(nodes.Call):
        name = call.node.name if isinstance(call.node, nodes.Name) else None
        args = [a.value if isinstance(a, nodes.Const) else None for a in call.args]
        if name == "fact_problem" and args and args[0] is not None and args[0] not in meta.facts:
            problems.append(_undeclared(file, args[0], call.lineno))
        if library is None or name not in ("quote", "cite") or not args or args[0] is None:
            continue
        try:
            if name == "quote" and len(args) > 1 and args[1] is not None:
                library.quotable(args[0], args[1], meta.id, meta.citations)
            else:
                library.get(args[0])
        except AppealError as exc:
            problems += [Problem(file, p.message, line=call.lineno, accepted=p.accepted) for p in exc.problems]
    return problems


def _check_facts(meta: TemplateMeta, tree) -> list[Problem]:
    """Every ``facts.x`` / ``appeal.facts.x`` the body reads must be declared in the front matter."""
    from jinja2 import nodes

    problems = []
    for node in tree.find_all(nodes.Getattr):
        holder = node.node
        is_facts = (isinstance(holder, nodes.Name) and holder.name in FACT_HOLDERS) or (
            isinstance(holder, nodes.Getattr) and holder.attr == "facts"
            and isinstance(holder.node, nodes.Name) and holder.node.name == "appeal")
        if is_facts and node.attr not in meta.facts:
            problems.append(_undeclared(str(meta.file), node.attr, node.lineno))
    return problems


def _undeclared(file: str, name: str, line: int) -> Problem:
    return Problem(file, f"the body uses the fact '{name}', which the front matter does not declare", line=line,
                   accepted="declare it under facts: with a type and a description")


def _check_listed_citations(meta: TemplateMeta, library: CitationLibrary) -> list[Problem]:
    front = split_front_matter(read_text(meta.file, TemplateError))[0] or ""
    located = load_yaml(meta.file, TemplateError, text=front, aliases=PROFILE_ALIASES)
    problems = []
    for i, cid in enumerate(meta.citations):
        try:
            library.get(cid)
        except AppealError as exc:
            problems.append(Problem(str(meta.file), exc.problems[0].message, line=located.line(("citations", i)),
                                    field=f"citations[{i}]", accepted="an id from 'appeal citations list'"))
    return problems


def _render_example(meta: TemplateMeta, templates: TemplateSet, library: CitationLibrary,
                    workspace: Workspace | None, today: dt.date) -> list[Problem]:
    """Compose the example case with this template, as ``generate`` would; its problems, if any."""
    assert meta.example is not None  # _check_one renders only a template that names its example
    try:
        case = load_case(meta.example, defaults=workspace.case_defaults if workspace else None, today=today)
        build_letter(case, templates, library, meta=meta)
    except AppealError as exc:
        return list(exc.problems)
    return []


# -- citations and codes ------------------------------------------------------------------

def export_citations(library: CitationLibrary) -> dict:
    """Every entry with its passages (text after errata), errata and metadata."""
    return {"citations": [entry.as_dict() for entry in sorted(library.entries.values(), key=lambda e: e.id)]}


def code_entry(kind: str, code: str) -> CodeEntry:
    """The official description of a CARC or RARC; an error when the table does not hold it."""
    typed = code.strip()
    group = re.fullmatch(r"(CO|PR|OA|PI|CR)[- ]?(\w+)", typed, re.I) if kind == "carc" else None
    entry = code_table().get(kind, group.group(2) if group else typed)  # "CO-189", as remittances show it: 189
    if entry is None:
        raise CodeError([Problem(code, f"{kind.upper()} {typed.upper()} is not in the table this version "
                                 f"ships (appeal/data/codes.yaml), so no description is given",
                                 field="CODE", accepted="see X12's published code list for codes not in the table")])
    return entry


# -- workspaces ---------------------------------------------------------------------------

def init_workspace(folder: Path) -> list[Path]:
    """Create a workspace: the practice profile (example entries to replace), a sample case, and its folders.

    An existing ``appeal.yaml`` is never overwritten. The written profile is read back
    with the same validator the commands use, so ``init`` cannot leave a broken one.
    """
    folder = Path(folder)
    profile = folder / PROFILE
    if profile.exists():
        raise WorkspaceError([Problem(str(profile), "a workspace is already here; nothing was overwritten",
                                      accepted="a folder without an appeal.yaml")])
    case = folder / "cases" / "example-case.yaml"
    try:
        for name in WORKSPACE_FOLDERS:  # cases/ will hold imported cases, with PHI: its owner's only, as letters
            (folder / name).mkdir(mode=0o700 if name == "cases" else 0o777, parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"cannot create the workspace: {exc.strerror}", file=str(folder)) from None
    written = []
    for target, source in ((profile, "appeal.yaml"), (case, "example-case.yaml")):
        if not target.exists():
            write_text_atomic(target, data_file(os.path.join("workspace", source)).read_text(encoding="utf-8"))
            written.append(target)
    load_workspace(folder)
    return written + [folder / name for name in WORKSPACE_FOLDERS]
