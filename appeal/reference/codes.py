"""The X12 CARC / RARC descriptions shipped in ``appeal/data/codes.yaml`` (verbatim, sourced)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from appeal.resources import data_file


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


@lru_cache(maxsize=1)
def code_table() -> CodeTable:
    with data_file("codes.yaml").open(encoding="utf-8") as fh:
        return CodeTable(yaml.load(fh, Loader=_SAFE_LOADER))
