"""A practice's workspace: ``appeal.yaml`` (the practice profile) and its own folders.

The profile gives what a case file can leave out: the billing provider, the signer,
and a payer directory (appeal address, fax, portal, the modifier the payer wants for
a distinct procedure, appeal windows per level, and where and when each fact was
checked). It can also give default facts per procedure code, and change which
remittance adjustments count as routine rather than as denials.

Layout of a workspace::

    appeal.yaml     the practice profile
    templates/      the practice's own templates (searched before the built-ins)
    citations/      the practice's own citation files
    cases/          case files

``appeal init`` writes an annotated profile (``appeal/data/workspace/appeal.yaml``)
whose entries are examples to replace: a payer entry marked ``example: yes`` makes
every letter to that payer warn until it is replaced. Payer facts carry
``checked: {source, date}``: where and when someone read them in the payer's manual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from appeal.errors import TableError, WorkspaceError
from appeal.inputs.case import npi_is_valid
from appeal.inputs.fields import Reader
from appeal.inputs.schema import CARC, DEFAULT_KIND, GROUPS, LEVELS, PAYER_KINDS, keys_of
from appeal.inputs.table import column_map
from appeal.inputs.yamlread import PROFILE_ALIASES, Located, load_yaml

PROFILE = "appeal.yaml"
PROFILE_KEYS = ("practice", "payers", "code_defaults", "routine_adjustments", "portal", "csv_columns", "ledger")
PROVIDER_KEYS = keys_of("provider")
RENDERING_KEYS = ("npi", "name", "signer")  # practice.providers[]: who signs for each rendering provider
SIGNER_KEYS = keys_of("signer")
PAYER_KEYS = ("id", "name", "aliases", "attention", "address", "fax", "portal", "distinct_modifier", "kind",
              "self_funded", "grandfathered", "appeal_window_days", "response_days", "timely_filing_days",
              "checked", "example")
LETTERHEAD_KEYS = ("name", "address", "phone", "fax", "npi", "tin", "logo", "accent", "font")
LETTERHEAD_FONTS = ("serif", "sans")
STATIONERY_KEYS = ("first_page", "other_pages", "margins")
MARGIN_KEYS = ("top", "right", "bottom", "left")
ENVELOPES = ("window-10", "none")
ADJUSTMENT = rf"({'|'.join(GROUPS)})-{CARC}"


@dataclass(frozen=True)
class PayerEntry:
    """One payer in the practice's directory."""

    name: str
    id: str | None = None
    aliases: tuple[str, ...] = ()
    attention: str | None = None
    address: tuple[str, ...] = ()
    fax: str | None = None
    portal: str | None = None
    distinct_modifier: str = "59"
    kind: str | None = None  # None: the directory does not say (a case without payer.kind is then commercial)
    self_funded: bool | None = None
    grandfathered: bool | None = None
    appeal_window_days: dict[str, int] = field(default_factory=dict)
    response_days: dict[str, int] = field(default_factory=dict)  # days the payer takes to answer, per level
    timely_filing_days: int | None = None  # the payer's filing limit: days from the date of service
    checked_source: str | None = None
    checked_date: Any = None
    example: bool = False

    def case_fields(self) -> dict:
        """The payer section this entry gives a case (raw strings, as a case file has them)."""
        out: dict[str, Any] = {"name": self.name, "distinct_modifier": self.distinct_modifier}
        if self.id:
            out["id"] = self.id
        if self.address:
            out["address"] = list(self.address)
        for key in ("attention", "fax", "portal", "kind"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        for key in ("self_funded", "grandfathered"):
            if getattr(self, key) is not None:
                out[key] = "yes" if getattr(self, key) else "no"
        if self.timely_filing_days is not None:
            out["timely_filing_days"] = str(self.timely_filing_days)
        return out

    @property
    def payer_kind(self) -> str:
        return self.kind or DEFAULT_KIND


@dataclass(frozen=True)
class RenderingEntry:
    """One of the practice's rendering providers (``practice.providers``) and who signs their letters."""

    npi: str
    signer: dict
    name: str | None = None


@dataclass(frozen=True)
class Workspace:
    """The practice's workspace: its profile (provider, signer, letterhead), payers and defaults."""

    root: Path
    provider: dict = field(default_factory=dict)
    signer: dict = field(default_factory=dict)
    providers: tuple[RenderingEntry, ...] = ()
    payers: tuple[PayerEntry, ...] = ()
    code_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    routine_adjustments: frozenset[tuple[str, str]] | None = None
    # Availity's published attachment limits (Availity Essentials: up to 10 files per submission,
    # 60 MB each); a practice whose portal differs sets `portal: {max_files, max_file_mb}`.
    portal_max_files: int = 10
    portal_max_file_mb: int = 60
    reference_docx: Path | None = None
    csv_columns: Any = None  # a table.ColumnMap: the office's spreadsheet headers -> case fields
    # practice.letterhead: what the letterhead shows beyond the provider (each key optional; logo absolute)
    letterhead: dict = field(default_factory=dict)
    # practice.stationery: {first_page, other_pages} as absolute paths, margins in inches (top, right, bottom, left)
    stationery: dict = field(default_factory=dict)
    envelope: str = "window-10"
    ledger_url: str | None = None  # `ledger: {url: ...}`: a shared PostgreSQL ledger instead of ledger.sqlite3

    @property
    def profile(self) -> Path:
        return self.root / PROFILE

    def find_payer(self, payer_id: str | None = None, name: str | None = None) -> PayerEntry | None:
        """The directory entry for a payer: by id first, then by name or alias."""
        if payer_id:
            for entry in self.payers:
                if entry.id and entry.id.strip().upper() == payer_id.strip().upper():
                    return entry
        if name:
            wanted = _name_key(name)
            for entry in self.payers:
                if wanted in {_name_key(n) for n in (entry.name, *entry.aliases)}:
                    return entry
        return None

    def signer_for(self, rendering_npi: str | None) -> dict:
        """The signer of the rendering provider with this NPI when the profile lists one, else the practice's."""
        for entry in self.providers:
            if rendering_npi and entry.npi == rendering_npi.strip():
                return dict(entry.signer)
        return dict(self.signer)

    def case_defaults(self, data: Any) -> dict:
        """What the profile adds under a case's raw data (the case always wins)."""
        out: dict[str, Any] = {}
        if self.provider:
            out["provider"] = dict(self.provider)
        signer = self.signer_for(_rendering_npi(data))
        if signer:
            out["signer"] = signer
        payer = data.get("payer") if isinstance(data, dict) else None
        if isinstance(payer, dict):
            entry = self.find_payer(_text(payer.get("id")), _text(payer.get("name")))
            if entry:
                out["payer"] = entry.case_fields()
        return out

    def warnings_for(self, payer_id: str | None, payer_name: str) -> list[str]:
        """What a letter to this payer should warn about: an example entry not yet replaced."""
        entry = self.find_payer(payer_id, payer_name)
        if entry is None or not entry.example:
            return []
        return [f"the payer entry '{entry.name}' in {self.profile} is an example (example: yes): replace its "
                f"address, fax and appeal windows with those in the payer's provider manual, then delete "
                f"'example: yes'"]

    def facts_for(self, codes: Iterable[str]) -> dict[str, Any]:
        """Default facts for the procedure codes of a claim (first code wins on a clash)."""
        facts: dict[str, Any] = {}
        for code in codes:
            for name, value in self.code_defaults.get(code, {}).items():
                facts.setdefault(name, value)
        return facts


def _rendering_npi(data: Any) -> str | None:
    """``claim.rendering_provider.npi`` of a case's raw data (from the case, or NM1*82 in an 835)."""
    for key in ("claim", "rendering_provider", "npi"):
        data = data.get(key) if isinstance(data, dict) else None
    return _text(data)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


def find_workspace(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the current folder) with an appeal.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROFILE).is_file():
            return folder
    return None


def load_workspace(root: Path | str) -> Workspace:
    """Read and validate ``root/appeal.yaml``; every problem in one :class:`WorkspaceError`."""
    root = Path(root)
    if not root.is_dir():
        raise WorkspaceError("the workspace folder does not exist", file=str(root))
    located = load_yaml(root / PROFILE, WorkspaceError, aliases=PROFILE_ALIASES)
    r = Reader(located)
    if located.data is None:
        return Workspace(root=root)
    if r.mapping((), PROFILE_KEYS) is None:
        raise WorkspaceError(r.problems)
    r.mapping(("practice",), ("provider", "signer", "providers", "reference_docx", "letterhead", "stationery",
                              "envelope"))
    reference = r.text(("practice", "reference_docx"), accepted="a .docx file, relative to the workspace folder")
    letterhead = _letterhead(r, root)
    stationery = _stationery(r, root)
    envelope = r.choice(("practice", "envelope"), ENVELOPES) or "window-10"
    provider = r.mapping(("practice", "provider"), PROVIDER_KEYS) or {}
    signer = r.mapping(("practice", "signer"), SIGNER_KEYS) or {}
    provider, signer = _absolute(provider, ("logo",), root), _absolute(signer, ("signature",), root)
    providers = _providers(r, root)
    payers = tuple(p for i in range(len(r.items(("payers",)))) if (p := _payer(r, ("payers", i))) is not None)
    code_defaults: dict[str, dict[str, Any]] = {}
    raw_codes = r.get(("code_defaults",))
    if isinstance(raw_codes, dict):
        for code, facts in raw_codes.items():
            if not isinstance(facts, dict):
                r.problem(("code_defaults", code), "must be a section of facts", "fact: value pairs")
            else:
                code_defaults[code.strip().upper()] = dict(facts)
    elif r.present(("code_defaults",)):
        r.problem(("code_defaults",), "must be a section keyed by procedure code", '"76496": {recording: yes}')
    routine = None
    if r.present(("routine_adjustments",)):
        items = r.text_list(("routine_adjustments",), pattern=ADJUSTMENT, upper=True,
                            accepted="group-reason pairs such as CO-45, PR-1")
        routine = frozenset((group, reason) for group, reason in (item.split("-", 1) for item in items))
    csv_columns = None
    if r.present(("csv_columns",)):
        try:
            csv_columns = column_map(r.get(("csv_columns",)), f"{root / PROFILE}: csv_columns",
                                     _under(located, "csv_columns"))
        except TableError as exc:
            r.problems.extend(exc.problems)
    r.mapping(("portal",), ("max_files", "max_file_mb"))
    max_files = r.number(("portal", "max_files"), minimum=Decimal(1))
    max_mb = r.number(("portal", "max_file_mb"), minimum=Decimal(1))
    r.mapping(("ledger",), ("url",))
    ledger_url = r.text(("ledger", "url"), accepted="postgresql://user@host/dbname (the password in the environment "
                                                     "or ~/.pgpass, never here), or a SQLite file path")
    if r.problems:
        raise WorkspaceError(r.problems)
    return Workspace(root=root, provider=provider, signer=signer, providers=providers, payers=payers,
                     code_defaults=code_defaults,
                     routine_adjustments=routine, portal_max_files=int(max_files or 10),
                     portal_max_file_mb=int(max_mb or 60),
                     reference_docx=(root / reference).resolve() if reference else None,
                     letterhead=letterhead, stationery=stationery, envelope=envelope,
                     ledger_url=ledger_url, csv_columns=csv_columns)


def _letterhead(r: Reader, root: Path) -> dict:
    """``practice.letterhead``: the letterhead's own name, lines, logo, accent colour and font."""
    at = ("practice", "letterhead")
    if r.mapping(at, LETTERHEAD_KEYS) is None:
        return {}
    out: dict[str, Any] = {}
    for key in ("name", "phone", "fax", "npi", "tin", "logo"):
        value = r.text(at + (key,))
        if value:
            out[key] = str((root / value).resolve()) if key == "logo" else value
    if r.present(at + ("address",)):
        out["address"] = r.address(at + ("address",))
    accent = r.text(at + ("accent",), pattern=r"#?[0-9A-Fa-f]{6}", accepted="a colour as #RRGGBB, e.g. #1F4E79")
    if accent:
        out["accent"] = "#" + accent.lstrip("#").upper()
    font = r.choice(at + ("font",), LETTERHEAD_FONTS)
    if font:
        out["font"] = font
    return out


def _stationery(r: Reader, root: Path) -> dict:
    """``practice.stationery``: the printed letterhead pages (PDF) the letter is laid over, and its margins."""
    at = ("practice", "stationery")
    if r.mapping(at, STATIONERY_KEYS) is None:
        return {}
    out: dict[str, Any] = {}
    for key in ("first_page", "other_pages"):
        value = r.text(at + (key,), required=key == "first_page", accepted="a one-page PDF, relative to the "
                       "workspace folder")
        if value:
            out[key] = (root / value).resolve()
    if r.mapping(at + ("margins",), MARGIN_KEYS) is not None:
        margins = [r.number(at + ("margins", side), minimum=Decimal(0)) for side in MARGIN_KEYS]
        out["margins"] = tuple(float(m) if m is not None else 1.0 for m in margins)
    return out
def _under(located: Located, key: str) -> Located:
    """The part of the profile under ``key``, keeping its lines (problems name appeal.yaml's lines)."""
    lines = {path[1:]: line for path, line in located.lines.items() if path[:1] == (key,)}
    return Located(data=located.data[key], file=located.file, lines=lines)




def _absolute(section: dict, keys: tuple[str, ...], root: Path) -> dict:
    """Image paths in the profile are relative to the workspace; make them absolute for cases."""
    out = dict(section)
    for key in keys:
        if isinstance(out.get(key), str) and out[key].strip():
            out[key] = str((root / out[key].strip()).resolve())
    return out


def _providers(r: Reader, root: Path) -> tuple[RenderingEntry, ...]:
    """``practice.providers``: each rendering provider's NPI and signer (with its signature image)."""
    out: list[RenderingEntry] = []
    accepted = "a 10-digit NPI with a valid check digit"
    for i in range(len(r.items(("practice", "providers"), what="a list of {npi, name, signer}"))):
        at = ("practice", "providers", i)
        if r.mapping(at, RENDERING_KEYS, required=True) is None:
            continue
        npi = r.text(at + ("npi",), required=True, pattern=r"\d{10}", accepted=accepted)
        if npi and not npi_is_valid(npi):
            r.problem(at + ("npi",), f"'{npi}' fails the NPI check digit", accepted)
            npi = None
        if npi and any(entry.npi == npi for entry in out):
            r.problem(at + ("npi",), f"the NPI {npi} is listed twice", "each rendering provider once")
            npi = None
        signer = r.mapping(at + ("signer",), SIGNER_KEYS, required=True) or {}
        r.text(at + ("signer", "name"), required=True)
        r.text(at + ("signer", "title"), required=True)
        if npi and signer:
            out.append(RenderingEntry(npi=npi, name=r.text(at + ("name",)),
                                      signer=_absolute(signer, ("signature",), root)))
    return tuple(out)


def _payer(r: Reader, at: tuple) -> PayerEntry | None:
    if r.mapping(at, PAYER_KEYS, required=True) is None:
        return None
    name = r.text(at + ("name",), required=True)
    windows, response = _per_level(r, at + ("appeal_window_days",)), _per_level(r, at + ("response_days",))
    r.mapping(at + ("checked",), ("source", "date"))
    filing = r.number(at + ("timely_filing_days",), minimum=Decimal(1))
    if not name:
        return None
    return PayerEntry(
        name=name, id=r.text(at + ("id",)), aliases=r.text_list(at + ("aliases",)),
        attention=r.text(at + ("attention",)),
        address=r.address(at + ("address",)), fax=r.text(at + ("fax",)), portal=r.text(at + ("portal",)),
        distinct_modifier=r.choice(at + ("distinct_modifier",), ("59", "XS")) or "59",
        kind=r.choice(at + ("kind",), PAYER_KINDS), self_funded=r.yes_no(at + ("self_funded",)),
        grandfathered=r.yes_no(at + ("grandfathered",)), appeal_window_days=windows, response_days=response,
        timely_filing_days=int(filing) if filing is not None else None,
        checked_source=r.text(at + ("checked", "source")),
        checked_date=r.date(at + ("checked", "date")), example=bool(r.yes_no(at + ("example",), default=False)),
    )


def _per_level(r: Reader, at: tuple) -> dict[str, int]:
    """``{level: days}`` for a payer's appeal windows or response times."""
    days: dict[str, int] = {}
    if r.mapping(at, LEVELS) is not None:
        for level in LEVELS:
            value = r.number(at + (level,), minimum=Decimal(1))
            if value is not None:
                days[level] = int(value)
    return days
