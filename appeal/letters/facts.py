"""The shared fact vocabulary (``templates/facts.yaml``): each fact a template may use, declared once.

A fact has a name, a type (``yesno``, ``text``, ``list``, ``date``, ``number``), a
one-line description and the evidence it expects. Templates name the facts they use
in their front matter and take the meaning from here, so ``recording`` means the same
in every letter. A template may declare a fact of its own; a vocabulary name keeps
its type there. The file is validated when it is read: every problem, with its line.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

from appeal.errors import TemplateError
from appeal.inputs import fields, schema, yamlread
from appeal.inputs.case import FactSpec
from appeal.inputs.fields import Reader
from appeal.inputs.schema import FACT_TYPES
from appeal.inputs.yamlread import load_yaml, read_text
from appeal.resources import Kept, builtin_dir

FACT_NAME = r"[a-z][a-z0-9_]*"
VOCABULARY_FILE = "facts.yaml"
VOCABULARY_KEYS = ("type", "description", "evidence")


def vocabulary_path() -> Path:
    return builtin_dir("templates") / VOCABULARY_FILE


def vocabulary() -> dict[str, FactSpec]:
    """The built-in vocabulary, read and checked once per process."""
    return _read(vocabulary_path())


CACHE_FORMAT = 1


@lru_cache(maxsize=4)
def _read(path: Path) -> dict[str, FactSpec]:
    """The vocabulary at ``path``. What a reading that found no problem made is kept in the cache folder
    (``cache_dir("vocabulary")``, ``resources.Kept``) under the SHA-256 of the file's text, so a later
    process reads it back without parsing or checking it (about 3 ms of a cold ``appeal validate``)."""
    text = read_text(path, TemplateError)
    kept = Kept("vocabulary", "facts", (str(CACHE_FORMAT), yamlread.yaml.__version__, str(yamlread.FAST_LOADER)),
                (sys.modules[__name__], fields, schema, yamlread, sys.modules[FactSpec.__module__]))
    found = kept.read(path, text, lambda: _parse(path, text), _plain, _thawed)
    kept.save()
    return found


def _plain(specs: dict[str, FactSpec]) -> dict[str, tuple[str, str, str | None]]:
    return {name: (spec.type, spec.description, spec.evidence) for name, spec in specs.items()}


def _thawed(plain: dict[str, tuple[str, str, str | None]]) -> dict[str, FactSpec]:
    return {name: FactSpec(name=name, type=kind, description=description, evidence=evidence)
            for name, (kind, description, evidence) in plain.items()}


def _parse(path: Path, text: str) -> dict[str, FactSpec]:
    located = load_yaml(path, TemplateError, text=text)
    r = Reader(located)
    if not isinstance(located.data, dict):
        r.problem((), "the vocabulary must be a section of facts", "name: {type, description, evidence}")
        raise TemplateError(r.problems)
    out: dict[str, FactSpec] = {}
    for name in located.data:
        at = (name,)
        if not _is_name(name):
            r.problem(at, f"'{name}' is not a fact name", "lower-case letters, digits and '_', e.g. recording")
            continue
        r.mapping(at, VOCABULARY_KEYS, required=True)
        kind = r.choice(at + ("type",), FACT_TYPES, required=True)
        description = r.text(at + ("description",), required=True, accepted="one line saying what the fact is")
        evidence = r.text(at + ("evidence",), required=True, accepted="what the payer will want to see for it")
        if kind and description and evidence:
            out[name] = FactSpec(name=name, type=kind, description=description, evidence=evidence)
    if r.problems:
        raise TemplateError(r.problems)
    return out


def vocabulary_line(name: str) -> str:
    """``templates/facts.yaml:LINE`` for a vocabulary fact, to point a biller at its declaration."""
    path = vocabulary_path()
    try:
        line = load_yaml(path, TemplateError).line((name,))
    except TemplateError:
        line = None
    return f"{path}:{line}" if line else str(path)


def _is_name(name: object) -> bool:
    return isinstance(name, str) and re.fullmatch(FACT_NAME, name) is not None
