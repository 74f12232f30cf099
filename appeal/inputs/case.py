"""The case file: one denied claim and what the appeal asks for.

:func:`load_case` reads YAML without type guessing, validates every field, and
raises one :class:`~appeal.errors.CaseError` listing *every* problem (file, line,
dotted field, what was wrong, what is accepted). The result is a frozen
:class:`Case`; nothing downstream sees YAML.

``appeal.facts`` stay raw text here: a fact's type is declared by the template
that uses it, and :func:`coerce_facts` types them once the template is known.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from appeal.errors import CaseError, Problem
from appeal.inputs.fields import Reader
from appeal.inputs.yamlread import Located, load_yaml

LEVELS = (
    "corrected-claim",
    "reconsideration",
    "redetermination",
    "first-level",
    "second-level",
    "external-review",
)
FACT_TYPES = ("yesno", "text", "list", "date", "number")
CODE = r"(\d{4}[0-9FTUM]|[A-V]\d{4})"
CODE_ACCEPTED = "a 5-character CPT or HCPCS code such as 76120, 0042T or G0283"
MODIFIER = r"[A-Z0-9]{2}"
ICD10 = r"[A-Z]\d[0-9A-Z](\.?[0-9A-Z]{1,4})?"
CARC = r"(\d{1,3}|[A-Z]\d{1,2}|P\d{1,3})"
RARC = r"[A-Z]{1,2}\d{1,4}"
GROUPS = ("CO", "PR", "OA", "PI", "CR")

TOP_KEYS = ("template", "provider", "payer", "patient", "claim", "denial", "appeal", "enclosures", "signer")


@dataclass(frozen=True)
class Provider:
    name: str
    npi: str
    address: tuple[str, ...]
    tin: str | None = None
    phone: str | None = None
    fax: str | None = None
    logo: Path | None = None


@dataclass(frozen=True)
class RenderingProvider:
    name: str
    npi: str | None = None


@dataclass(frozen=True)
class Payer:
    name: str
    id: str | None = None
    address: tuple[str, ...] = ()
    fax: str | None = None
    portal: str | None = None
    distinct_modifier: str = "59"


@dataclass(frozen=True)
class Patient:
    name: str
    member_id: str
    dob: dt.date | None = None
    subscriber_name: str | None = None
    group_number: str | None = None


@dataclass(frozen=True)
class ClaimLine:
    number: int
    date: dt.date
    code: str
    modifiers: tuple[str, ...] = ()
    units: Decimal = Decimal(1)
    charge: Decimal | None = None
    diagnoses: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class Claim:
    number: str
    lines: tuple[ClaimLine, ...]
    account: str | None = None
    rendering_provider: RenderingProvider | None = None

    @property
    def dates(self) -> tuple[dt.date, ...]:
        return tuple(sorted({line.date for line in self.lines}))


@dataclass(frozen=True)
class Denial:
    date: dt.date
    carc: str
    group: str | None = None
    rarc: tuple[str, ...] = ()
    reason: str | None = None
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class PriorDecision:
    date: dt.date | None = None
    reference: str | None = None


@dataclass(frozen=True)
class CitationRef:
    id: str
    passage: str
    line: int | None = None


@dataclass(frozen=True)
class Appeal:
    date: dt.date
    level: str | None = None
    requested_code: str | None = None
    requested_modifiers: tuple[str, ...] = ()
    prior_decision: PriorDecision | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    citations: tuple[CitationRef, ...] = ()
    notes: str | None = None


@dataclass(frozen=True)
class Enclosure:
    description: str
    path: Path | None = None


@dataclass(frozen=True)
class Signer:
    name: str
    title: str
    credentials: str | None = None
    phone: str | None = None
    email: str | None = None
    signature: Path | None = None


@dataclass(frozen=True)
class Case:
    source: Path
    provider: Provider
    payer: Payer
    patient: Patient
    claim: Claim
    denial: Denial
    appeal: Appeal
    signer: Signer
    enclosures: tuple[Enclosure, ...] = ()
    template: str | None = None
    located: Located | None = field(default=None, repr=False, compare=False)

    @property
    def denied_lines(self) -> tuple[ClaimLine, ...]:
        """The claim lines the denial names (all of them when it names none)."""
        if not self.denial.lines:
            return self.claim.lines
        return tuple(line for line in self.claim.lines if line.number in self.denial.lines)


def case_texts(value: Any, at: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """``(path, text)`` for every string in a case: its dataclasses, lists and facts (not its source)."""
    if isinstance(value, str):
        yield at, value
    elif is_dataclass(value):
        for f in fields(value):
            if f.name not in ("source", "located"):
                yield from case_texts(getattr(value, f.name), at + (f.name,))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from case_texts(item, at + (i,))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from case_texts(item, at + (key,))


@lru_cache(maxsize=256)  # a remittance names the same few NPIs on thousands of claims
def npi_is_valid(npi: str) -> bool:
    """The NPI check digit: Luhn over the 9 digits prefixed with 80840."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(c) for c in "80840" + npi[:9]]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])


def letter_date(explicit: dt.date | None = None) -> dt.date:
    """``--date`` when given, else ``SOURCE_DATE_EPOCH``, else today."""
    if explicit is not None:
        return explicit
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
    return dt.date.today()


def load_case(path: Path | str, *, date: dt.date | None = None,
              defaults: Callable[[dict], Mapping] | None = None, text: str | None = None) -> Case:
    """Read and validate one case file. ``date`` (from ``--date``) overrides ``appeal.date``.

    ``defaults`` is given the case's raw data and returns what to fill in where the
    case is silent (a workspace's provider, signer, payer directory entry); the case
    always wins.
    """
    path = Path(path)
    return read_case(load_yaml(path, CaseError, text=text), path, date=date, defaults=defaults)


def read_case(located: Located, path: Path, *, date: dt.date | None = None,
              defaults: Callable[[dict], Mapping] | None = None) -> Case:
    """Validate case data already read (a YAML file, or a CSV row with its line); see :func:`load_case`.

    ``path`` is the case's identity and the folder its relative paths start from;
    problems name ``located.file`` and its lines.
    """
    if located.data is None:
        raise CaseError([Problem(located.file, "the case file is empty", line=1,
                                 accepted="a YAML case file; see samples/")])
    if not isinstance(located.data, dict):
        raise CaseError([Problem(located.file, "a case file must be a set of sections", line=1,
                                 accepted="sections: " + ", ".join(TOP_KEYS))])
    if defaults is not None:
        located.data = _merge(dict(defaults(located.data)), located.data)
    return _read_case(Reader(located), path, date)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_case(r: Reader, path: Path, date: dt.date | None) -> Case:
    r.mapping((), TOP_KEYS)
    folder = path.parent
    today = dt.date.today()
    provider = _provider(r, folder)
    payer = _payer(r)
    patient = _patient(r, today)
    claim = _claim(r)
    denial = _denial(r, len(r.items(("claim", "lines"))))  # as typed, even when a line is invalid
    appeal = _appeal(r, date)
    signer = _signer(r, folder)
    enclosures = _enclosures(r, folder)
    template = r.text(("template",), pattern=r"[a-z0-9][a-z0-9-]*",
                      accepted="a template id: lower-case letters, digits and '-'")
    if r.problems:
        raise CaseError(r.problems)
    return Case(source=path, provider=provider, payer=payer, patient=patient, claim=claim, denial=denial,
                appeal=appeal, signer=signer, enclosures=enclosures, template=template, located=r.located)


def _file_path(r: Reader, at: tuple, folder: Path) -> Path | None:
    value = r.text(at, accepted="a file path, relative to the case file's folder")
    return (folder / value) if value else None


def _provider(r: Reader, folder: Path) -> Provider | None:
    at = ("provider",)
    r.mapping(at, ("name", "npi", "tin", "address", "phone", "fax", "logo"), required=True)
    name = r.text(at + ("name",), required=True)
    npi = _npi(r, at + ("npi",), required=True)
    tin = r.text(at + ("tin",), pattern=r"\d{2}-?\d{7}", accepted="a 9-digit TIN/EIN such as 12-3456789")
    address = r.text_list(at + ("address",), required=True, accepted="the address as a list of lines")
    phone = r.text(at + ("phone",))
    fax = r.text(at + ("fax",))
    logo = _file_path(r, at + ("logo",), folder)
    if name and npi and address:
        return Provider(name=name, npi=npi, tin=tin, address=address, phone=phone, fax=fax, logo=logo)
    return None


def _npi(r: Reader, at: tuple, required: bool = False) -> str | None:
    accepted = "a 10-digit NPI with a valid check digit"
    npi = r.text(at, required=required, pattern=r"\d{10}", accepted=accepted)
    if npi and not npi_is_valid(npi):
        r.problem(at, f"'{npi}' fails the NPI check digit", accepted)
        return None
    return npi


def _payer(r: Reader) -> Payer | None:
    at = ("payer",)
    r.mapping(at, ("name", "id", "address", "fax", "portal", "distinct_modifier"), required=True)
    name = r.text(at + ("name",), required=True)
    distinct = r.choice(at + ("distinct_modifier",), ("59", "XS")) or "59"
    if not name:
        return None
    return Payer(name=name, id=r.text(at + ("id",)), address=r.text_list(at + ("address",)),
                 fax=r.text(at + ("fax",)), portal=r.text(at + ("portal",)), distinct_modifier=distinct)


def _patient(r: Reader, today: dt.date) -> Patient | None:
    at = ("patient",)
    r.mapping(at, ("name", "member_id", "dob", "subscriber_name", "group_number"), required=True)
    name = r.text(at + ("name",), required=True)
    member_id = r.text(at + ("member_id",), required=True, accepted="the member id on the patient's card")
    dob = r.date(at + ("dob",), past=True, today=today)
    if not (name and member_id):
        return None
    return Patient(name=name, member_id=member_id, dob=dob, subscriber_name=r.text(at + ("subscriber_name",)),
                   group_number=r.text(at + ("group_number",)))


def _claim(r: Reader) -> Claim | None:
    at = ("claim",)
    r.mapping(at, ("number", "account", "lines", "rendering_provider"), required=True)
    number = r.text(at + ("number",), required=True, accepted="the payer's claim number")
    account = r.text(at + ("account",))
    rendering = None
    if r.mapping(at + ("rendering_provider",), ("name", "npi")) is not None:
        rp_name = r.text(at + ("rendering_provider", "name"), required=True)
        rp_npi = _npi(r, at + ("rendering_provider", "npi"))
        rendering = RenderingProvider(rp_name, rp_npi) if rp_name else None
    raw_lines = r.items(at + ("lines",), required=True, what="at least one claim line (date, code, ...)")
    lines = []
    for i in range(len(raw_lines)):
        line = _claim_line(r, at + ("lines", i), i + 1)
        if line:
            lines.append(line)
    if number and lines and len(lines) == len(raw_lines):
        return Claim(number=number, account=account, lines=tuple(lines), rendering_provider=rendering)
    return None


def _claim_line(r: Reader, at: tuple, number: int) -> ClaimLine | None:
    if r.mapping(at, ("date", "code", "modifiers", "units", "charge", "diagnoses", "description"),
                 required=True) is None:
        return None
    date = r.date(at + ("date",), required=True)
    code = r.text(at + ("code",), required=True, pattern=CODE, accepted=CODE_ACCEPTED, upper=True)
    modifiers = r.text_list(at + ("modifiers",), pattern=MODIFIER, upper=True, split=True,
                            accepted="2-character modifiers such as 59, 26, XS")
    units = r.number(at + ("units",), minimum=Decimal(1), default=Decimal(1))
    charge = r.amount(at + ("charge",), minimum=Decimal(0))
    diagnoses = r.text_list(at + ("diagnoses",), pattern=ICD10, upper=True, split=True,
                            accepted="ICD-10-CM codes such as M54.2 or S13.4XXA")
    if date and code and units is not None:
        return ClaimLine(number=number, date=date, code=code, modifiers=modifiers, units=units, charge=charge,
                         diagnoses=diagnoses, description=r.text(at + ("description",)))
    return None


def _denial(r: Reader, line_count: int) -> Denial | None:
    at = ("denial",)
    r.mapping(at, ("date", "carc", "group", "rarc", "reason", "lines"), required=True)
    date = r.date(at + ("date",), required=True)
    carc = r.text(at + ("carc",), required=True, pattern=CARC, upper=True,
                  accepted="a claim adjustment reason code such as 189, 97 or B7")
    group = r.choice(at + ("group",), GROUPS)
    rarc = r.text_list(at + ("rarc",), pattern=RARC, upper=True, split=True,
                       accepted="remark codes such as N657, M51, MA130")
    lines = []
    for i, raw in enumerate(r.items(at + ("lines",))):
        text = raw if isinstance(raw, str) else ""
        if not text.isdigit() or not 1 <= int(text) <= max(line_count, 1):
            r.problem(at + ("lines", i), f"'{text}' is not a line of the claim",
                      f"a line number from 1 to {line_count}")
        else:
            lines.append(int(text))
    if date and carc:
        return Denial(date=date, carc=carc, group=group, rarc=rarc, reason=r.text(at + ("reason",)),
                      lines=tuple(lines))
    return None


def _appeal(r: Reader, date: dt.date | None) -> Appeal:
    at = ("appeal",)
    r.mapping(at, ("level", "date", "requested_code", "requested_modifiers", "prior_decision", "facts",
                   "citations", "notes"))
    level = r.choice(at + ("level",), LEVELS)
    written = r.date(at + ("date",))
    requested = r.text(at + ("requested_code",), pattern=CODE, accepted=CODE_ACCEPTED, upper=True)
    modifiers = r.text_list(at + ("requested_modifiers",), pattern=MODIFIER, upper=True, split=True,
                            accepted="2-character modifiers such as 59, 26, XS")
    prior = None
    if r.mapping(at + ("prior_decision",), ("date", "reference")) is not None:
        prior = PriorDecision(date=r.date(at + ("prior_decision", "date")),
                              reference=r.text(at + ("prior_decision", "reference")))
    facts = r.get(at + ("facts",)) if r.present(at + ("facts",)) else {}
    if not isinstance(facts, dict):
        r.problem(at + ("facts",), "must be a section of named facts", "name: value pairs")
        facts = {}
    citations = []
    for i, raw in enumerate(r.items(at + ("citations",))):
        item = at + ("citations", i)
        if r.mapping(item, ("id", "passage"), required=True) is None:
            continue
        cid = r.text(item + ("id",), required=True, accepted="a citation id; see 'appeal citations list'")
        passage = r.text(item + ("passage",), required=True, accepted="a passage id of that citation")
        if cid and passage:
            citations.append(CitationRef(cid, passage, r.located.line(item)))
    return Appeal(date=date or written or letter_date(), level=level, requested_code=requested,
                  requested_modifiers=modifiers, prior_decision=prior, facts=dict(facts),
                  citations=tuple(citations), notes=r.text(at + ("notes",)))


def _signer(r: Reader, folder: Path) -> Signer | None:
    at = ("signer",)
    r.mapping(at, ("name", "title", "credentials", "phone", "email", "signature"), required=True)
    name = r.text(at + ("name",), required=True)
    title = r.text(at + ("title",), required=True)
    if not (name and title):
        return None
    return Signer(name=name, title=title, credentials=r.text(at + ("credentials",)), phone=r.text(at + ("phone",)),
                  email=r.text(at + ("email",)), signature=_file_path(r, at + ("signature",), folder))


def _enclosures(r: Reader, folder: Path) -> tuple[Enclosure, ...]:
    out = []
    for i, raw in enumerate(r.items(("enclosures",))):
        at = ("enclosures", i)
        if isinstance(raw, str):
            out.append(Enclosure(description=raw.strip()))
            continue
        if r.mapping(at, ("description", "path"), required=True) is None:
            continue
        description = r.text(at + ("description",), required=True)
        if description:
            out.append(Enclosure(description=description, path=_file_path(r, at + ("path",), folder)))
    return tuple(out)


@dataclass(frozen=True)
class FactSpec:
    """A fact a template declares: its type, what it means, and whether it must be given."""

    name: str
    type: str
    description: str
    required: bool = False
    default: Any = None


def coerce_facts(case: Case, specs: Mapping[str, FactSpec]) -> dict[str, Any]:
    """Type the case's raw facts by the template's declarations; every problem in one error.

    A fact the template does not declare is an error (a misspelt fact must not be
    silently ignored); an optional fact left out takes the declared default.
    """
    located = case.located or Located(data={"appeal": {"facts": dict(case.appeal.facts)}}, file=str(case.source))
    r = Reader(located)
    at = ("appeal", "facts")
    r.mapping(at, list(specs))
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        path = at + (name,)
        if not r.present(path):
            if spec.required:
                r.problem(path, f"the template needs this fact: {spec.description}",
                          _FACT_ACCEPTED[spec.type])
            out[name] = spec.default if spec.type != "list" or spec.default is not None else ()
            continue
        out[name] = _coerce(r, path, spec)
    if r.problems:
        raise CaseError(r.problems)
    return out


_FACT_ACCEPTED = {
    "yesno": "yes or no",
    "text": "text",
    "list": "a list of text",
    "date": "a date as YYYY-MM-DD",
    "number": "a number",
}


def _coerce(r: Reader, path: tuple, spec: FactSpec) -> Any:
    if spec.type == "yesno":
        return r.yes_no(path)
    if spec.type == "date":
        return r.date(path)
    if spec.type == "number":
        return r.number(path)
    if spec.type == "list":
        return r.text_list(path)
    return r.text(path)
