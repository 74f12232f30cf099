"""The X12 CARC / RARC descriptions shipped in ``appeal/data/codes.yaml`` (verbatim, sourced)."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from appeal.resources import Kept, data_file


@dataclass(frozen=True)
class CodeEntry:
    """One code of the code table: its kind, descriptor and source."""

    kind: str
    code: str
    description: str
    source: dict
    note: str | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "code": self.code, "description": self.description,
                "source": self.source, "note": self.note}


class CodeTable:
    def __init__(self, data: dict):
        sources = {s["id"]: s for s in data.get("sources", [])}
        self.entries: dict[tuple[str, str], CodeEntry] = {}
        for kind in ("carc", "rarc"):
            for code, entry in (data.get(kind) or {}).items():
                self.entries[(kind, str(code))] = CodeEntry(kind, str(code), entry["description"],
                                                            sources.get(entry["source"], {}), entry.get("note"))

    def get(self, kind: str, code: str) -> CodeEntry | None:
        return self.entries.get((kind, code.upper()))

    def carc(self, code: str) -> str | None:
        entry = self.get("carc", code)
        return entry.description if entry else None

    def rarc(self, code: str) -> str | None:
        entry = self.get("rarc", code)
        return entry.description if entry else None


# X12's notes for the payer's staff, which a letter leaves out
STAFF_NOTES = (" Usage:", " (Use only with Group Code", " At least one Remark Code must be provided")


def without_usage(description: str | None) -> str | None:
    """The description a letter quotes: the official text up to its X12 "Usage:" note, its
    "(Use only with Group Code ...)" or its "At least one Remark Code must be provided" note
    (meant for the payer's staff, not for a letter). What
    remains is still the source's words, verbatim: a prefix."""
    if description is None:
        return None
    for note in STAFF_NOTES:
        description = description.split(note, 1)[0]
    return description.strip()


# libyaml's safe loader where PyYAML has it (ten times faster on this file; the same data), else the pure one
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


CACHE_FORMAT = 1


@lru_cache(maxsize=1)
def code_table() -> CodeTable:
    """The code table, read once per process. What the YAML reads to is kept in the cache folder
    (``cache_dir("codes")``, ``resources.Kept``) under the SHA-256 of the file's text, so a later process
    reads it back without parsing (about 3 ms of a cold ``appeal validate``); an edited file is read again."""
    path = data_file("codes.yaml")
    text = path.read_text(encoding="utf-8")
    kept = Kept("codes", "codes", (str(CACHE_FORMAT), yaml.__version__), (sys.modules[__name__],))
    data = kept.read(path, text, lambda: yaml.load(text, Loader=_SAFE_LOADER), _plain, _thawed)
    kept.save()
    return CodeTable(data)


def _plain(value: Any) -> Any:
    """The YAML's data as marshal keeps it: a date (the sources' ``retrieved``) as the tuple
    ``("date", ordinal)``, which YAML's lists, read as lists, never are."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):  # a datetime is not kept
        return ("date", value.toordinal())
    return value


def _thawed(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _thawed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_thawed(item) for item in value]
    if isinstance(value, tuple):
        kind, ordinal = value
        if kind != "date":
            raise ValueError(f"not a kept date: {value!r}")
        return dt.date.fromordinal(ordinal)
    return value
