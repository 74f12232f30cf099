"""Every error a user can cause, in one module.

An error carries one or more :class:`Problem` s. Each problem names the file, the
line where known, the field (a dotted path), what was wrong and what is accepted,
so the CLI can print it without a traceback. ``exit_code`` is what the CLI exits
with: 2 for input that could not be used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in one input file."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None
    accepted: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.accepted:
            text += f" (accepted: {self.accepted})"
        return text

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "accepted": self.accepted,
        }


class AppealError(Exception):
    """Base of every error the user can cause; carries the problems found."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem] | str, *, file: str = "<input>"):
        if isinstance(problems, str):
            problems = [Problem(file=file, message=problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class CaseError(AppealError):
    """A case file is missing, unreadable, not YAML, or fails validation."""


class CitationError(AppealError):
    """The citation library is invalid, or a template asks for an unknown source."""


class TemplateError(AppealError):
    """A template is missing, has a syntax error, or failed while rendering."""


class RenderError(AppealError):
    """A document could not be drawn (a character no font has, an unreadable image)."""


class OutputError(AppealError):
    """An output folder or file cannot be written."""


class WorkspaceError(AppealError):
    """A workspace or its practice profile (appeal.yaml) is invalid."""


class RemittanceError(AppealError):
    """A file given as an X12 835 remittance is not one (empty, binary, another transaction)."""


class CodeError(AppealError):
    """A CARC or RARC code asked for is not in the shipped reference table (appeal/data/codes.yaml)."""


class TableError(AppealError):
    """A CSV or XLSX input, or its column map, cannot be used (no header, unmapped columns, a bad map)."""


class LedgerError(AppealError):
    """The appeal ledger cannot be used: locked past the timeout, read-only, made by a newer version,
    not a ledger at all, or a server that does not answer. The message never shows a password."""


class TrackError(AppealError):
    """A ``track`` command names no appeal, one the ledger does not hold, or one that matches several."""


def origin(exc: BaseException) -> str:
    """``file.py:line`` of the innermost frame of ours in ``exc``'s traceback: where a bug is, and no data.

    An internal error is reported with this and its type only, never its message, which may hold PHI.
    """
    where, tb = "?", exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if f"{os.sep}appeal{os.sep}" in filename:
            where = f"{os.path.basename(filename)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where
