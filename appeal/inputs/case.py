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
from typing import Any, Callable, Iterable, Iterator, Mapping, cast

from appeal.errors import CaseError, Problem
from appeal.inputs.fields import Reader
from appeal.inputs.schema import DEFAULT_KIND, FACT_ACCEPTED, key, keys_of, levels_of, read
from appeal.inputs.yamlread import NO_ALIASES, Located, load_yaml

MAX_CASE_BYTES = 1024 * 1024  # a case file is a few KB; 1 MiB is far more than any needs
MAX_TEXT = 1_000  # any text field
TEXT_LIMITS = {
    ("appeal", "notes"): 20_000,
    ("claim", "account"): 38,  # X12 CLP01, the patient control number
    ("claim", "number"): 50,  # X12 CLP07, the payer claim control number
    ("patient", "member_id"): 80,  # X12 NM109
}
# Fields whose values are PHI: a problem names the field and what is accepted, never the value.
PRIVATE_FIELDS = frozenset({
    ("patient", "name"), ("patient", "member_id"), ("patient", "dob"), ("patient", "subscriber_name"),
    ("patient", "group_number"), ("claim", "number"), ("claim", "account"),
    ("appeal", "prior_decision", "reference"),
})

TOP_KEYS = keys_of("")


@dataclass(frozen=True)
class Provider:
    """The billing provider: who the letter is from."""

    name: str
    npi: str
    address: tuple[str, ...]
    tin: str | None = None
    phone: str | None = None
    fax: str | None = None
    logo: Path | None = None


@dataclass(frozen=True)
class RenderingProvider:
    """The provider who performed the service, where not the billing provider."""

    name: str
    npi: str | None = None


@dataclass(frozen=True)
class Payer:
    """The payer the appeal goes to."""

    name: str
    id: str | None = None
    address: tuple[str, ...] = ()
    attention: str | None = None
    fax: str | None = None
    portal: str | None = None
    distinct_modifier: str = "59"
    timely_filing_days: int | None = None  # the payer's filing limit, days from the date of service
    kind: str = DEFAULT_KIND
    self_funded: bool = False
    grandfathered: bool = False

    @property
    def medicare(self) -> bool:
        """Original Medicare (Part A/B): its own words (redetermination, the Medicare number)."""
        return self.kind == "medicare"


@dataclass(frozen=True)
class Patient:
    """The patient and the member the claim was billed under."""

    name: str
    member_id: str
    dob: dt.date | None = None
    subscriber_name: str | None = None
    group_number: str | None = None


@dataclass(frozen=True)
class ClaimLine:
    """One service line of the claim."""

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
    """The claim as billed: its number and lines."""

    number: str
    lines: tuple[ClaimLine, ...]
    account: str | None = None
    rendering_provider: RenderingProvider | None = None

    @property
    def dates(self) -> tuple[dt.date, ...]:
        return tuple(sorted({line.date for line in self.lines}))


@dataclass(frozen=True)
class Denial:
    """The payer's denial: its date, reason code (CARC), group and remark codes."""

    date: dt.date
    carc: str
    group: str | None = None
    rarc: tuple[str, ...] = ()
    reason: str | None = None
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class PriorDecision:
    """The payer's decision this letter appeals: an upheld appeal, a redetermination, the final internal decision."""

    date: dt.date | None = None
    reference: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class CitationRef:
    """A passage of the citation library that the case asks the letter to quote."""

    id: str
    passage: str
    line: int | None = None
    intro: str | None = None  # the case's sentence that introduces the quote


@dataclass(frozen=True)
class Appeal:
    """What the appeal asks for: its date, level and the code or modifiers requested."""

    date: dt.date
    level: str | None = None
    requested_code: str | None = None
    requested_modifiers: tuple[str, ...] = ()
    prior_decision: PriorDecision | None = None
    authorized_representative: bool = False
    good_cause: str | None = None
    external_review_address: tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    citations: tuple[CitationRef, ...] = ()
    notes: str | None = None


@dataclass(frozen=True)
class Enclosure:
    """A document sent with the letter."""

    description: str
    path: Path | None = None


@dataclass(frozen=True)
class Signer:
    """Who signs the letter."""

    name: str
    title: str
    credentials: str | None = None
    phone: str | None = None
    email: str | None = None
    signature: Path | None = None


@dataclass(frozen=True)
class Case:
    """One denial's facts, as read and checked from a case file."""

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
        for name in _text_fields(type(value)):
            yield from case_texts(getattr(value, name), at + (name,))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from case_texts(item, at + (i,))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from case_texts(item, at + (key,))


def case_strings(value: Any, out: list[str] | None = None) -> list[str]:
    """The strings of :func:`case_texts`, in its order, without their paths: what a check of every string at
    once reads (a third of the time of the walk with the paths)."""
    out = [] if out is None else out
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            case_strings(item, out)
    elif isinstance(value, Mapping):
        for item in value.values():
            case_strings(item, out)
    elif is_dataclass(value):
        for name in _text_fields(type(value)):
            case_strings(getattr(value, name), out)
    return out


_TEXT_FIELDS: dict[type, tuple[str, ...]] = {}  # a case dataclass -> its text fields (a dozen classes)


def _text_fields(kind: type) -> tuple[str, ...]:
    """A case dataclass's fields that hold its text (not where it was read from), named once per class."""
    found = _TEXT_FIELDS.get(kind)
    if found is None:
        found = _TEXT_FIELDS[kind] = tuple(f.name for f in fields(kind) if f.name not in ("source", "located"))
    return found


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


def letter_date(explicit: dt.date | None = None, today: dt.date | None = None) -> dt.date:
    """``--date`` when given, else ``SOURCE_DATE_EPOCH``, else today (the command's, when it gives one)."""
    if explicit is not None:
        return explicit
    return source_date_epoch() or today or dt.date.today()


def source_date_epoch() -> dt.date | None:
    """The day of ``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC), None when it is not set; a value that is no
    whole number of seconds in years 1970-9999 is a :class:`CaseError` naming it (reportlab reads it too, for
    the PDF's dates, and would fail on it part way)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    if epoch.isascii() and epoch.isdigit() and int(epoch) < 253402300800:  # 10000-01-01
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
    raise CaseError([Problem("SOURCE_DATE_EPOCH", f"{epoch[:40]!r} is not a date",
                             accepted="a whole number of seconds since 1970-01-01 UTC, e.g. 1764806400 for "
                                      "2025-12-04; or unset it")])


def load_case(path: Path | str, *, date: dt.date | None = None,
              defaults: Callable[[dict], Mapping] | None = None, text: str | None = None,
              today: dt.date | None = None) -> Case:
    """Read and validate one case file. ``date`` (from ``--date``) overrides ``appeal.date``; ``today``
    (the command's) is what a date of birth must be before and the letter date when nothing else gives one.

    ``defaults`` is given the case's raw data and returns what to fill in where the
    case is silent (a workspace's provider, signer, payer directory entry); the case
    always wins.
    """
    path = Path(path)
    return read_case(case_yaml(path, text), path, date=date, defaults=defaults, today=today)


def case_yaml(path: Path | str, text: str | None = None) -> Located:
    """A case file's YAML as read, with its lines, within a case's limits (size, no aliases); not yet
    validated (:func:`read_case` does that)."""
    return load_yaml(Path(path), CaseError, text=text, aliases=NO_ALIASES, limit=MAX_CASE_BYTES)


def case_reader(located: Located) -> Reader:
    """A :class:`Reader` with the case file's limits: text lengths, and PHI never repeated in a problem."""
    return Reader(located, max_text=MAX_TEXT, limits=TEXT_LIMITS, private=PRIVATE_FIELDS)


def read_case(located: Located, path: Path, *, date: dt.date | None = None,
              defaults: Callable[[dict], Mapping] | None = None, today: dt.date | None = None) -> Case:
    """Validate case data already read (a YAML file, or a CSV row with its line); see :func:`load_case`.

    ``path`` is the case's identity and the folder its relative paths start from;
    problems name ``located.file`` and its lines.
    """
    if located.data is None:
        raise CaseError([Problem(located.file, "the case file is empty", line=1,
                                 accepted="a YAML case file; see samples/")])
    if isinstance(located.data, str) and located.data.lstrip().startswith("ISA"):
        raise CaseError([Problem(located.file, "this is an X12 835 remittance, not a case file", line=1,
                                 accepted=f"a YAML case file; for a remittance, 'appeal batch {located.file} -o out/' "
                                          f"(letters) or 'appeal import-835 {located.file} -o cases/' (case files)")])
    if not isinstance(located.data, dict):
        raise CaseError([Problem(located.file, "a case file must be a set of sections", line=1,
                                 accepted="sections: " + ", ".join(TOP_KEYS))])
    if defaults is not None:
        located.data = _merge(dict(defaults(located.data)), located.data)
    return _read_case(case_reader(located), path, date, today or dt.date.today())


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for name, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(name), dict):
            out[name] = _merge(out[name], value)
        else:
            out[name] = value
    return out


def _read_case(r: Reader, path: Path, date: dt.date | None, today: dt.date) -> Case:
    r.mapping((), TOP_KEYS)
    folder = path.parent
    provider = _provider(r, folder)
    payer = _payer(r)
    patient = _patient(r, today)
    claim = _claim(r)
    denial = _denial(r, len(r.items(("claim", "lines"))))  # as typed, even when a line is invalid
    appeal = _appeal(r, date, today)
    signer = _signer(r, folder)
    enclosures = _enclosures(r, folder)
    template = read(r, (), "", "template")
    if payer is not None:
        _level_problems(r, payer, appeal)
    if claim is not None and denial is not None:
        _denied_before_service(r, claim, denial)
    if r.problems:
        raise CaseError(r.problems)
    # A section reads as None only with a problem recorded, or (a known gap) when a required text is blank.
    return Case(source=path, provider=cast(Provider, provider), payer=cast(Payer, payer),
                patient=cast(Patient, patient), claim=cast(Claim, claim), denial=cast(Denial, denial),
                appeal=appeal, signer=cast(Signer, signer), enclosures=enclosures, template=template,
                located=r.located)


def _file_path(r: Reader, at: tuple, section: str, name: str, folder: Path) -> Path | None:
    value = read(r, at, section, name)
    return (folder / value) if value else None


def _provider(r: Reader, folder: Path) -> Provider | None:
    at, s = ("provider",), "provider"
    read(r, (), "", s)
    name = read(r, at, s, "name")
    npi = _npi(r, at, s)
    tin = read(r, at, s, "tin")
    address = read(r, at, s, "address")
    phone = read(r, at, s, "phone")
    fax = read(r, at, s, "fax")
    logo = _file_path(r, at, s, "logo", folder)
    if name and npi and address:
        return Provider(name=name, npi=npi, tin=tin, address=address, phone=phone, fax=fax, logo=logo)
    return None


def _npi(r: Reader, at: tuple, section: str) -> str | None:
    npi = read(r, at, section, "npi")
    if npi and not npi_is_valid(npi):
        r.problem(at + ("npi",), f"'{npi}' fails the NPI check digit", key(section, "npi").accepted)
        return None
    return npi


def _payer(r: Reader) -> Payer | None:
    at, s = ("payer",), "payer"
    read(r, (), "", s)
    name = read(r, at, s, "name")
    distinct = read(r, at, s, "distinct_modifier")
    filing = read(r, at, s, "timely_filing_days")
    kind, self_funded, grandfathered = (read(r, at, s, k) for k in ("kind", "self_funded", "grandfathered"))
    if not name:
        return None
    return Payer(name=name, id=read(r, at, s, "id"), address=read(r, at, s, "address"),
                 attention=read(r, at, s, "attention"),
                 fax=read(r, at, s, "fax"), portal=read(r, at, s, "portal"), distinct_modifier=distinct,
                 timely_filing_days=int(filing) if filing is not None else None,
                 kind=kind, self_funded=bool(self_funded), grandfathered=bool(grandfathered))


def _patient(r: Reader, today: dt.date) -> Patient | None:
    at, s = ("patient",), "patient"
    read(r, (), "", s)
    name = read(r, at, s, "name")
    member_id = read(r, at, s, "member_id")
    dob = read(r, at, s, "dob", today=today)
    if not (name and member_id):
        return None
    return Patient(name=name, member_id=member_id, dob=dob, subscriber_name=read(r, at, s, "subscriber_name"),
                   group_number=read(r, at, s, "group_number"))


def _claim(r: Reader) -> Claim | None:
    at, s = ("claim",), "claim"
    read(r, (), "", s)
    number = read(r, at, s, "number")
    account = read(r, at, s, "account")
    rendering = None
    if read(r, at, s, "rendering_provider") is not None:
        sub = "claim.rendering_provider"
        rp_name = read(r, at + ("rendering_provider",), sub, "name")
        rp_npi = _npi(r, at + ("rendering_provider",), sub)
        rendering = RenderingProvider(rp_name, rp_npi) if rp_name else None
    raw_lines = read(r, at, s, "lines")
    lines = []
    for i in range(len(raw_lines)):
        line = _claim_line(r, at + ("lines", i), i + 1)
        if line:
            lines.append(line)
    if number and lines and len(lines) == len(raw_lines):
        return Claim(number=number, account=account, lines=tuple(lines), rendering_provider=rendering)
    return None


def _claim_line(r: Reader, at: tuple, number: int) -> ClaimLine | None:
    s = "claim.lines[]"
    if r.mapping(at, keys_of(s), required=True) is None:
        return None
    date = read(r, at, s, "date")
    code = read(r, at, s, "code")
    modifiers = read(r, at, s, "modifiers")
    units = read(r, at, s, "units")
    charge = read(r, at, s, "charge")
    diagnoses = read(r, at, s, "diagnoses")
    if date and code and units is not None:
        return ClaimLine(number=number, date=date, code=code, modifiers=modifiers, units=units, charge=charge,
                         diagnoses=diagnoses, description=read(r, at, s, "description"))
    return None


def _denied_before_service(r: Reader, claim: Claim, denial: Denial) -> None:
    """A denial dated before the service it denies: one of the two dates is mistyped."""
    denied = [line for line in claim.lines if not denial.lines or line.number in denial.lines]
    first = min(denied, key=lambda line: line.date, default=None)
    if first is not None and denial.date < first.date:
        r.problem(("denial", "date"), f"the denial is dated {denial.date:%m/%d/%Y}, before the date of service "
                                      f"{first.date:%m/%d/%Y} of claim line {first.number}",
                  "the date of the remittance or of the payer's letter, on or after the date of service")


def _denial(r: Reader, line_count: int) -> Denial | None:
    at, s = ("denial",), "denial"
    read(r, (), "", s)
    date = read(r, at, s, "date")
    carc = read(r, at, s, "carc")
    group = read(r, at, s, "group")
    rarc = read(r, at, s, "rarc")
    lines = []
    for i, raw in enumerate(read(r, at, s, "lines")):
        text = raw if isinstance(raw, str) else ""
        if not text.isdigit() or not 1 <= int(text) <= max(line_count, 1):
            r.problem(at + ("lines", i), f"'{text}' is not a line of the claim",
                      f"a line number from 1 to {line_count}")
        else:
            lines.append(int(text))
    if date and carc:
        return Denial(date=date, carc=carc, group=group, rarc=rarc, reason=read(r, at, s, "reason"),
                      lines=tuple(lines))
    return None


def _appeal(r: Reader, date: dt.date | None, today: dt.date) -> Appeal:
    at, s = ("appeal",), "appeal"
    read(r, (), "", s)
    level = read(r, at, s, "level")
    written = read(r, at, s, "date")
    requested = read(r, at, s, "requested_code")
    modifiers = read(r, at, s, "requested_modifiers")
    prior = None
    if read(r, at, s, "prior_decision") is not None:
        sub = ("appeal", "prior_decision")
        prior = PriorDecision(date=read(r, sub, "appeal.prior_decision", "date"),
                              reference=read(r, sub, "appeal.prior_decision", "reference"),
                              reason=read(r, sub, "appeal.prior_decision", "reason"))
    facts = r.get(at + ("facts",)) if r.present(at + ("facts",)) else {}
    if not isinstance(facts, dict):
        r.problem(at + ("facts",), "must be a section of named facts", "name: value pairs")
        facts = {}
    citations = []
    for i in range(len(read(r, at, s, "citations"))):
        item, sub_s = at + ("citations", i), "appeal.citations[]"
        if r.mapping(item, keys_of(sub_s), required=True) is None:
            continue
        cid = read(r, item, sub_s, "id")
        passage = read(r, item, sub_s, "passage")
        if cid and passage:
            citations.append(CitationRef(cid, passage, r.located.line(item), read(r, item, sub_s, "intro")))
    return Appeal(date=date or written or letter_date(today=today), level=level, requested_code=requested,
                  requested_modifiers=modifiers, prior_decision=prior,
                  authorized_representative=bool(read(r, at, s, "authorized_representative")),
                  good_cause=read(r, at, s, "good_cause"),
                  external_review_address=read(r, at, s, "external_review_address"), facts=dict(facts),
                  citations=tuple(citations), notes=read(r, at, s, "notes"))


# The facts each level needs of appeal.prior_decision: the decision it appeals, named in the letter.
PRIOR_DECISION_NEEDS = {
    "second-level": ("date", "reference", "reason"),  # the letter answers the decision's stated reason
    "medicare-reconsideration": ("date", "reference"),  # the redetermination; its date starts the 180 days
    "external-review": ("date", "reference"),  # the final internal decision
}
PRIOR_DECISION_WHAT = {
    "second-level": "the first-level decision this appeal answers",
    "medicare-reconsideration": "the redetermination this reconsideration appeals",
    "external-review": "the final internal decision the external review is asked of",
}


def _level_problems(r: Reader, payer: Payer, appeal: Appeal) -> None:
    """A level the payer's kind accepts, and the facts the level needs (each missing one named)."""
    level = appeal.level
    if level is None:
        return
    accepted = levels_of(payer.kind)
    if level not in accepted:
        where = "the payer directory or payer.kind" if not r.present(("payer", "kind")) else "payer.kind"
        r.problem(("appeal", "level"), f"'{level}' is not a level of appeal for a {payer.kind} payer "
                  f"({where} says {payer.kind})", ", ".join(accepted))
        return
    needs = PRIOR_DECISION_NEEDS.get(level, ())
    prior = appeal.prior_decision or PriorDecision()
    for name in needs:
        if getattr(prior, name) is None:
            r.problem(("appeal", "prior_decision", name),
                      f"appeal.prior_decision.{name} is needed for a {level} letter: it names "
                      f"{PRIOR_DECISION_WHAT[level]}",
                      {"date": "the decision's date", "reference": "the decision's reference number",
                       "reason": "the reason the decision gives, in its words"}[name])


def _signer(r: Reader, folder: Path) -> Signer | None:
    at, s = ("signer",), "signer"
    read(r, (), "", s)
    name = read(r, at, s, "name")
    title = read(r, at, s, "title")
    if not (name and title):
        return None
    return Signer(name=name, title=title, credentials=read(r, at, s, "credentials"), phone=read(r, at, s, "phone"),
                  email=read(r, at, s, "email"), signature=_file_path(r, at, s, "signature", folder))


def _enclosures(r: Reader, folder: Path) -> tuple[Enclosure, ...]:
    out = []
    s = "enclosures[]"
    for i, raw in enumerate(read(r, (), "", "enclosures")):
        at = ("enclosures", i)
        if isinstance(raw, str):
            description = r.text(at)
            if description:
                out.append(Enclosure(description=description))
            continue
        if r.mapping(at, keys_of(s), required=True) is None:
            continue
        description = read(r, at, s, "description")
        if description:
            out.append(Enclosure(description=description, path=_file_path(r, at, s, "path", folder)))
    return tuple(out)


@dataclass(frozen=True)
class FactSpec:
    """A fact a template declares: its type, what it means, and whether it must be given."""

    name: str
    type: str
    description: str
    required: bool = False
    default: Any = None
    evidence: str | None = None  # what the payer will want to see for it (the shared vocabulary says)


def coerce_facts(case: Case, specs: Mapping[str, FactSpec], known: Iterable[str] = (),
                 template: str | None = None) -> dict[str, Any]:
    """Type the case's raw facts by the template's declarations; every problem in one error.

    A fact that neither the template nor ``known`` (the facts other templates and the
    shared vocabulary declare) knows is an error with "did you mean": a misspelt fact
    must not be silently ignored. A fact in ``known`` is left for the template that
    uses it (:func:`foreign_facts` names them). An optional fact left out takes the
    declared default; a required one left out names ``template``, which needs it.
    """
    located = case.located or Located(data={"appeal": {"facts": dict(case.appeal.facts)}}, file=str(case.source))
    r = case_reader(located)
    at = ("appeal", "facts")
    given = r.mapping(at, ()) if not isinstance(r.get(at), dict) else r.get(at)
    known = set(known)
    for name in given or ():
        if name not in specs and name not in known:
            import difflib  # only when there is a suggestion to make

            close = difflib.get_close_matches(name, [*specs, *sorted(known - set(specs))], n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            r.problem(at + (name,), f"unknown fact '{name}': no template uses it{hint}",
                      (f"the facts of template '{template}': " if template else "the template's facts: ")
                      + (", ".join(specs) or "none") + ", or another template's (appeal templates show ID)")
    needs = f"template '{template}' needs" if template else "the template needs"
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        path = at + (name,)
        if not r.present(path):
            if spec.required:
                r.problem(path, f"{needs} this fact: {spec.description}", FACT_ACCEPTED[spec.type])
            out[name] = spec.default if spec.type != "list" or spec.default is not None else ()
            continue
        out[name] = _coerce(r, path, spec)
    if r.problems:
        raise CaseError(r.problems)
    return out


def foreign_facts(case: Case, specs: Mapping[str, FactSpec]) -> list[str]:
    """The facts the case gives that this template does not use (another template's, kept and ignored)."""
    return [name for name in case.appeal.facts if name not in specs]


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
