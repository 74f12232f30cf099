"""What a run is told (:class:`Settings`) and what it reads once from that (:class:`Sources`).

``Settings`` is plain, frozen data from the command line: the letter date if fixed,
the template and citation folders, the workspace folder and a reference DOCX.
``Sources.load`` reads the templates, the citation library and the workspace once;
every command then hands the same :class:`Sources` to each letter it builds.

This layer sits above ``letters`` (it loads what letters are built from) and below
``checks``: nothing under it needs to know where a run's files came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from appeal.inputs.workspace import Workspace, load_workspace
from appeal.letters.templates import TemplateSet, template_set
from appeal.reference.citations import CitationLibrary


@dataclass(frozen=True)
class Settings:
    """Where templates and citations come from, and the letter date if fixed."""

    date: dt.date | None = None
    template_dirs: tuple[Path, ...] = ()
    citation_dirs: tuple[Path, ...] = ()
    workspace: Path | None = None
    reference_docx: Path | None = None
    stationery: Path | None = None  # --stationery FIRST.pdf
    stationery_rest: Path | None = None  # --stationery-rest REST.pdf
    mail: bool = False  # the letters go by mail (batch --print): a window envelope needs the payer's address
    allow_outside: bool = False  # packet enclosures may come from outside the case's folder and the workspace

    def templates(self) -> TemplateSet:
        return template_set(self.template_dirs, self.workspace)

    def load_workspace(self) -> Workspace | None:
        return load_workspace(self.workspace) if self.workspace is not None else None

    def library(self) -> CitationLibrary:
        folders = list(self.citation_dirs)
        if self.workspace is not None and (self.workspace / "citations").is_dir():
            folders.append(self.workspace / "citations")
        return CitationLibrary.load(folders)


@dataclass(frozen=True)
class Sources:
    """The templates, citation library and workspace of one run, each read once (the template folders are
    listed at their first use and not again: :class:`~appeal.letters.templates.TemplatesReadOnce`)."""

    settings: Settings
    templates: TemplateSet
    library: CitationLibrary
    workspace: Workspace | None

    @classmethod
    def load(cls, settings: Settings) -> Sources:
        """Read all three; a broken template folder, citation file or profile stops here (exit 2)."""
        return cls(settings, settings.templates().read_once(), settings.library(), settings.load_workspace())

    @property
    def case_defaults(self) -> Callable[[Any], dict] | None:
        """What the workspace fills in where a case is silent (``load_case(defaults=...)``)."""
        return self.workspace.case_defaults if self.workspace else None

    @property
    def reference_docx(self) -> Path | None:
        """``--reference-docx``, else the workspace's ``practice.reference_docx``."""
        return self.settings.reference_docx or (self.workspace.reference_docx if self.workspace else None)
