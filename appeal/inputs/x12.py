"""Tolerant reader for X12 835 remittance advice (005010X221A1 and 004010X091A1).

Why this is hand-written: we tried the Python 835 libraries on our sample
remittances.  pyx12 4.0 dropped most service lines silently, edi-835-parser
lost CAS triplets and crashed on one file, x12sdk and tigershark rejected
whole files for one bad field, and linuxforhealth-x12 does not import with
pydantic 2.  Real remits are messy (masked qualifiers, wrong separators,
dates in the wrong BPR element), and a biller needs the rest of the file
anyway.  So this reader keeps going: each problem becomes a `Warning835`
carrying the 1-based segment number, and `X12Error` is raised only when the
input is not an 835 at all.

Only the segments the appeal letters need are read.  Claim balancing is not
checked.  Nothing here logs, and warning messages never quote names, member
ids or account numbers (only segment ids, element positions and the raw text
of a field that failed to parse, such as an amount).
"""
from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable, Iterator

from appeal.errors import Problem, RemittanceError
from appeal.inputs.schema import GROUPS
from appeal.resources import data_file

__all__ = ["X12Error", "Warning835", "Adjustment", "Person", "Party", "ServiceLine", "Claim",
           "Transaction", "Remittance", "Denial", "parse_835", "find_denials",
           "routine_adjustments", "CLAIM_STATUS_TEXT"]

CLAIM_STATUS_TEXT = {
    "1": "Processed as Primary",
    "2": "Processed as Secondary",
    "3": "Processed as Tertiary",
    "4": "Denied",
    "19": "Processed as Primary, Forwarded to Additional Payer(s)",
    "20": "Processed as Secondary, Forwarded to Additional Payer(s)",
    "21": "Processed as Tertiary, Forwarded to Additional Payer(s)",
    "22": "Reversal of Previous Payment",
    "23": "Not Our Claim, Forwarded to Additional Payer(s)",
}


@lru_cache(maxsize=1)
def routine_adjustments() -> frozenset[tuple[str, str]]:
    """The default routine (group, reason) pairs, kept as data in appeal/data/routine_adjustments.yaml
    (read on first use, not when the module is imported)."""
    import yaml

    with data_file("routine_adjustments.yaml").open(encoding="utf-8") as fh:
        items = yaml.load(fh, Loader=yaml.BaseLoader)
    return frozenset(tuple(item.split("-", 1)) for item in items)


def __getattr__(name: str) -> frozenset[tuple[str, str]]:
    """``ROUTINE_ADJUSTMENTS``, the default list, read when first asked for."""
    if name == "ROUTINE_ADJUSTMENTS":
        return routine_adjustments()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

# Segments that may appear in the header (before the first CLP) and that are
# skipped silently when not otherwise read.
_HEADER_SEGMENTS = frozenset({
    "ISA", "GS", "ST", "BPR", "TRN", "CUR", "REF", "DTM", "N1", "N2", "N3",
    "N4", "PER", "LX", "TS3", "TS2", "PLB", "SE", "GE", "IEA",
})
_CLAIM_SEGMENTS = frozenset({"CAS", "NM1", "MIA", "MOA", "REF", "DTM", "PER", "AMT", "QTY"})
_LINE_SEGMENTS = frozenset({"DTM", "CAS", "REF", "AMT", "QTY", "LQ"})
_CLAIM_DATES = {"232": "service_from", "233": "service_to", "050": "received_date"}
_CLAIM_PEOPLE = {"QC": "patient", "IL": "subscriber", "74": "corrected_patient",
                 "82": "rendering_provider"}
_CLAIM_GROUP_END = frozenset({"LX", "TS3", "TS2", "PLB"})
_CAS_GROUPS = frozenset(GROUPS)
MAX_REMITTANCE_BYTES = 256 * 1024 * 1024  # the largest 835 file read (a year of a large practice is far less)
# SVC01-1 product/service id qualifiers of 5010 plus those only 4010 allowed.
_SVC_QUALIFIERS = frozenset({
    "AD", "ER", "HC", "HP", "IV", "N4", "NU", "WK",
    "ID", "N1", "N2", "N3", "N5", "N6", "ND", "NH", "RB", "ZZ",
})
_COMPONENT_CANDIDATES = ">:^"
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{8}")
_ONE = Decimal(1)


class X12Error(RemittanceError):
    """The input is not an X12 835 at all (empty, binary, another transaction).

    An :class:`~appeal.errors.AppealError`, so the CLI reports it as a problem with
    the file named and exits 2.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__([Problem(path, message, accepted="an X12 835 remittance (ISA ... ST*835 ...)")])
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class Warning835:
    segment_index: int
    segment_id: str
    message: str


@dataclass(frozen=True, slots=True)
class Adjustment:
    group: str
    reason: str
    amount: Decimal | None
    quantity: Decimal | None
    segment_index: int


@dataclass(frozen=True, slots=True)
class Person:
    last: str = ""
    first: str = ""
    middle: str = ""
    id_qualifier: str = ""
    id: str = ""

    @property
    def npi(self) -> str:
        return self.id if self.id_qualifier == "XX" else ""


@dataclass(frozen=True, slots=True)
class Party:
    name: str = ""
    id_qualifier: str = ""
    id: str = ""
    additional_id: str = ""
    address: tuple[str, ...] = ()
    city: str = ""
    state: str = ""
    postal_code: str = ""


# Claims, lines, transactions and the remittance are filled in segment by
# segment while reading, so they are ordinary (mutable) dataclasses.
@dataclass(slots=True)
class ServiceLine:
    segment_index: int
    qualifier: str = ""
    code: str = ""
    modifiers: tuple[str, ...] = ()
    charge: Decimal | None = None
    paid: Decimal | None = None
    revenue_code: str = ""
    units: Decimal | None = Decimal(1)  # SVC05: the units *paid* (0 on a denied line)
    original_units: Decimal | None = None  # SVC07: the units billed, when they differ from SVC05
    original_code: str = ""
    original_modifiers: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    control_number: str = ""
    allowed: Decimal | None = None


@dataclass(slots=True)
class Claim:
    segment_index: int
    account: str = ""
    status: str = ""
    charge: Decimal | None = None
    paid: Decimal | None = None
    patient_responsibility: Decimal | None = None
    filing_indicator: str = ""
    payer_claim_number: str = ""
    frequency: str = ""
    original_claim_number: str = ""  # REF*F8: the claim a replacement (frequency 7) corrects
    patient: Person = field(default_factory=Person)
    subscriber: Person | None = None
    corrected_patient: Person | None = None
    rendering_provider: Person | None = None
    service_from: date | None = None
    service_to: date | None = None
    received_date: date | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    lines: list[ServiceLine] = field(default_factory=list)
    # For a CLP02=22 reversal: segment index of the claim that corrects it.
    corrected_by: int | None = None

    @property
    def status_text(self) -> str:
        return CLAIM_STATUS_TEXT.get(self.status, "")


@dataclass(slots=True)
class Transaction:
    segment_index: int
    control_number: str = ""
    payment_date: date | None = None
    payment_amount: Decimal | None = None
    payment_method: str = ""
    check_number: str = ""
    production_date: date | None = None
    payer: Party = field(default_factory=Party)
    payee: Party = field(default_factory=Party)
    claims: list[Claim] = field(default_factory=list)

    def dated(self, today: date) -> tuple[date | None, str]:
        """The remittance's date as of ``today``, and which it is: the payment date (BPR16), else the production
        date (DTM*405). A payment date after ``today`` (an EFT effective days after its 835 arrives) gives way to
        the production date, the day the payer adjudicated; with both after ``today`` (a clock gone wrong, the
        file's or this machine's), ``today``, when the remittance was in hand. So a denial or a decision read from
        it is never dated ahead, and a deadline counted from it is never later than the payer's own."""
        if self.payment_date is not None and self.payment_date <= today:
            return self.payment_date, "the remittance date"
        ahead = f"its payment date (BPR16), {self.payment_date.isoformat()}, is after today" \
            if self.payment_date is not None else ""
        if self.production_date is not None and self.production_date <= today:
            return self.production_date, "the remittance's production date (DTM*405)" + (f": {ahead}" if ahead else "")
        if self.payment_date is None and self.production_date is None:
            return None, ""
        found = (("BPR16", self.payment_date), ("DTM*405", self.production_date))
        dates = ", ".join(f"{name} {value.isoformat()}" for name, value in found if value)
        return today, f"today: the remittance's dates ({dates}) are after today"


@dataclass(slots=True)
class Remittance:
    path: str
    version: str = ""
    transactions: list[Transaction] = field(default_factory=list)
    warnings: list[Warning835] = field(default_factory=list)

    @property
    def claims(self) -> list[Claim]:
        return [claim for txn in self.transactions for claim in txn.claims]


@dataclass(frozen=True, slots=True)
class Denial:
    claim: Claim
    group: str
    carc: str
    lines: tuple[int, ...]  # 1-based line numbers in the claim; empty = claim level
    amount: Decimal
    rarc: tuple[str, ...]
    whole_claim_denied: bool


def _el(items: list[str], pos: int) -> str:
    try:  # most elements asked for are there (a try costs nothing then; a length test costs a call)
        return items[pos]
    except IndexError:
        return ""


def _to_date(raw: str) -> date | None:
    if _DATE.fullmatch(raw):
        try:
            return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        except ValueError:
            return None
    return None


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))


# ---------------------------------------------------------------- delimiters

@dataclass(frozen=True, slots=True)
class _Delimiters:
    element: str = "*"
    component: str = ":"
    segment: str = "~"


def _decode(data: bytes | str, path: str) -> str:
    if isinstance(data, bytes):
        data = data.removeprefix(b"\xef\xbb\xbf")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    else:
        text = data.removeprefix("\ufeff")
    if "\x00" in text:
        raise X12Error(path, "found binary data (NUL bytes), not X12 text")
    return text.strip()


def _isa_delimiters(text: str, path: str) -> _Delimiters:
    """Element separator at ISA[3]; ISA16 follows the 16th one; then the terminator."""
    element = text[3:4]
    if not element or element.isalnum() or element.isspace():
        raise X12Error(path, "found 'ISA' without an element separator after it")
    pos = 3
    for _ in range(15):
        pos = text.find(element, pos + 1)
        if pos < 0:
            raise X12Error(path, "found an ISA segment cut short (fewer than 16 elements)")
    component = text[pos + 1:pos + 2]
    if not component or component in "\r\n":
        raise X12Error(path, "found an ISA segment with no ISA16 component separator")
    start = end = pos + 2
    while end < len(text) and text[end] in "\r\n":
        end += 1
    terminator = text[end:end + 1]
    if terminator and not (terminator.isalnum() or terminator.isspace()
                           or terminator in (element, component)):
        return _Delimiters(element, component, terminator)
    if end > start:  # segments end at the line break
        return _Delimiters(element, component, "\n")
    raise X12Error(path, "found an ISA segment with no segment terminator after ISA16")


def _delimiters(text: str, path: str) -> tuple[_Delimiters, bool]:
    """Return the delimiters and whether they are guessed (no ISA)."""
    if not text:
        raise X12Error(path, "file is empty")
    if text.startswith("ISA"):
        return _isa_delimiters(text, path), False
    if text.startswith("ST*"):
        return _Delimiters(), True
    raise X12Error(path, f"found {text[:8]!r} where an ISA or ST*835 segment should start")


# -------------------------------------------------------------------- reader

class _Amounts(dict):
    """Each amount's Decimal, made once: a remittance repeats the same charges, fees and zeros many times (a
    Decimal is immutable, so one object serves them all). The raw text maps to ``None`` when it is not a number
    (or empty): the caller warns, as it knows what the field is."""

    def __missing__(self, raw: str) -> Decimal | None:
        value = self[raw] = Decimal(raw) if _NUMBER.fullmatch(raw) else None
        return value


class _Dates(dict):
    """Each CCYYMMDD date parsed once (``None``: not a date), as :class:`_Amounts` does for amounts."""

    def __missing__(self, raw: str) -> date | None:
        value = self[raw] = _to_date(raw)
        return value


def _padded(seg: list[str], size: int) -> list[str]:
    """``seg`` with empty elements added up to ``size``, so a reader takes its elements by position (a missing
    trailing element is empty, as X12 drops empty trailing elements)."""
    return seg if len(seg) >= size else seg + [""] * (size - len(seg))


# What each state of the reader does with a segment: its handlers by segment id, the ids it skips silently,
# and the warning for any other id.
_State = tuple[dict[str, Callable[[list[str]], None]], frozenset[str], str]


class _Reader:
    """Reads one segment at a time: a segment's id picks its handler in a table of the current state (outside a
    transaction, its header, a claim, a service line), so a segment costs one lookup and one call."""

    def __init__(self, path: str, delims: _Delimiters) -> None:
        self.delims = delims
        self.remit = Remittance(path=path)
        self.txn: Transaction | None = None
        self.claim: Claim | None = None
        self.line: ServiceLine | None = None
        self.party: str = ""  # N101 of the current 1000 loop
        self.separator_warned: set[str] = set()
        self.idx = 0
        self.seg: list[str] = []
        self.amounts = _Amounts()
        self.dates = _Dates()
        self.people: dict[tuple[str, ...], Person] = {}  # the rendering provider of claim after claim
        self.composites: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        outside: dict[str, Callable[[list[str]], None]] = {
            "ISA": self.skip, "IEA": self.skip, "GE": self.skip, "GS": self.gs, "ST": self.start_transaction}
        loops = {**outside, "SE": self.end_transaction, "CLP": self.start_claim, "SVC": self.start_line,
                 **dict.fromkeys(_CLAIM_GROUP_END, self.end_claim_group)}
        self.outside: _State = (outside, frozenset(), "segment {!r} outside an ST/SE transaction; skipped")
        self.header: _State = (
            {"BPR": self.bpr, "TRN": self.trn, "DTM": self.header_dtm, "N1": self.party_segment,
             "N3": self.party_segment, "N4": self.party_segment, "REF": self.party_segment, **loops},
            _HEADER_SEGMENTS, "unknown segment {!r} in the header; skipped")
        self.in_claim: _State = (
            {"CAS": self.claim_cas, "NM1": self.nm1, "DTM": self.claim_dtm, "REF": self.claim_ref,
             "MOA": self.moa, "MIA": self.mia, **loops},
            _CLAIM_SEGMENTS, "unexpected segment {!r} inside a claim; skipped")
        self.in_line: _State = (
            {"CAS": self.line_cas, "DTM": self.line_dtm, "REF": self.line_ref, "AMT": self.line_amt,
             "LQ": self.line_lq, **loops},
            _LINE_SEGMENTS, "unexpected segment {!r} inside a service line; skipped")
        self.state = self.outside
        self.handlers = outside

    def enter(self, state: _State) -> None:
        self.state = state
        self.handlers = state[0]

    def warn(self, message: str) -> None:
        self.remit.warnings.append(Warning835(self.idx, self.seg[0][:4], message))

    def bad_amount(self, seg: list[str], pos: int, what: str, required: bool = False) -> None:
        """The warning for an amount that is not a number (or missing, when ``required``)."""
        raw = _el(seg, pos)
        name = f"{seg[0][:4]}{pos:02d}"
        if raw:
            self.warn(f"{what} ({name}) is not a number: {raw[:20]!r}; left empty")
        elif required:
            self.warn(f"{what} ({name}) is missing")

    def amount(self, seg: list[str], pos: int, what: str, required: bool = False) -> Decimal | None:
        found = self.amounts[_el(seg, pos)]
        if found is None:
            self.bad_amount(seg, pos, what, required)
        return found

    def date(self, seg: list[str], pos: int) -> date | None:
        raw = _el(seg, pos)
        parsed = self.dates[raw]
        if raw and parsed is None:
            self.warn(f"date ({seg[0][:4]}{pos:02d}) is not a CCYYMMDD date: {raw[:10]!r}")
        return parsed

    # ---- dispatch
    def other(self, seg: list[str]) -> None:
        """A segment the state has no handler for: skipped, with a warning unless it belongs there."""
        _, silent, message = self.state
        if seg[0] not in silent:
            self.warn(message.format(seg[0][:4]))

    def skip(self, seg: list[str]) -> None:
        pass

    def gs(self, seg: list[str]) -> None:
        self.remit.version = self.remit.version or _el(seg, 8)

    def end_claim_group(self, seg: list[str]) -> None:
        self.claim = self.line = None
        self.enter(self.header)

    def start_transaction(self, seg: list[str]) -> None:
        kind = _el(seg, 1)
        if kind != "835":
            raise X12Error(self.remit.path, f"found ST*{kind[:6]}: this is not an 835 remittance")
        if self.txn is not None:
            self.warn("ST before the SE of the previous transaction")
        self.txn = Transaction(segment_index=self.idx, control_number=_el(seg, 2))
        self.remit.transactions.append(self.txn)
        self.claim = self.line = None
        self.party = ""
        self.enter(self.header)

    def end_transaction(self, seg: list[str]) -> None:
        assert self.txn is not None  # only the states inside a transaction read SE
        expected = str(self.idx - self.txn.segment_index + 1)
        raw = _el(seg, 1)
        if not (re.fullmatch(r"[0-9]+", raw) and raw.lstrip("0") == expected):
            self.warn(f"SE01 says {raw[:10]!r} segments but the transaction has {expected}")
        self.txn = self.claim = self.line = None
        self.enter(self.outside)

    # ---- header (1000 loops)
    def bpr(self, seg: list[str]) -> None:
        txn = self.txn
        assert txn is not None
        txn.payment_amount = self.amount(seg, 2, "payment amount", required=True)
        txn.payment_method = _el(seg, 4)
        txn.payment_date = self.date(seg, 16)
        if not _el(seg, 16) and _to_date(_el(seg, 15)):
            txn.payment_date = _to_date(_el(seg, 15))
            self.warn("payment date found in BPR15 instead of BPR16")

    def trn(self, seg: list[str]) -> None:
        assert self.txn is not None
        self.txn.check_number = self.txn.check_number or _el(seg, 2)

    def header_dtm(self, seg: list[str]) -> None:
        assert self.txn is not None
        if _el(seg, 1) == "405":
            self.txn.production_date = self.date(seg, 2)

    def party_segment(self, seg: list[str]) -> None:
        """N1/N3/N4/REF of the payer (N1*PR) or payee (N1*PE) loop."""
        sid, txn = seg[0], self.txn
        assert txn is not None
        changes: dict[str, Any]
        if sid == "N1":
            self.party = _el(seg, 1)
            changes = {"name": _el(seg, 2), "id_qualifier": _el(seg, 3), "id": _el(seg, 4)}
        elif sid == "N3":
            changes = {"address": tuple(e for e in seg[1:3] if e)}
        elif sid == "N4":
            changes = {"city": _el(seg, 1), "state": _el(seg, 2), "postal_code": _el(seg, 3)}
        elif (self.party, _el(seg, 1)) in (("PR", "2U"), ("PE", "TJ")):
            changes = {"additional_id": _el(seg, 2)}
        else:
            return
        if self.party == "PR":
            txn.payer = replace(txn.payer, **changes)
        elif self.party == "PE":
            txn.payee = replace(txn.payee, **changes)

    # ---- claim (2100 loop)
    def start_claim(self, seg: list[str]) -> None:
        full = _padded(seg, 10)
        amounts = self.amounts
        charge, paid, responsibility = amounts[full[3]], amounts[full[4]], amounts[full[5]]
        if charge is None:
            self.bad_amount(seg, 3, "claim charge", required=True)
        if paid is None:
            self.bad_amount(seg, 4, "claim payment", required=True)
        if responsibility is None and full[5]:
            self.bad_amount(seg, 5, "patient responsibility")
        self.claim = Claim(
            segment_index=self.idx, account=full[1], status=full[2], charge=charge, paid=paid,
            patient_responsibility=responsibility, filing_indicator=full[6], payer_claim_number=full[7],
            frequency=full[9])
        if full[2] not in CLAIM_STATUS_TEXT:
            self.warn(f"unknown claim status code (CLP02) {full[2][:4]!r}")
        assert self.txn is not None
        self.txn.claims.append(self.claim)
        self.line = None
        self.enter(self.in_claim)

    def claim_cas(self, seg: list[str]) -> None:
        assert self.claim is not None
        self.claim.adjustments.extend(self.cas(seg))

    def claim_dtm(self, seg: list[str]) -> None:
        kind = _el(seg, 1)
        if kind in _CLAIM_DATES:
            setattr(self.claim, _CLAIM_DATES[kind], self.date(seg, 2))

    def claim_ref(self, seg: list[str]) -> None:
        assert self.claim is not None
        if _el(seg, 1) == "F8":
            self.claim.original_claim_number = _el(seg, 2)

    def moa(self, seg: list[str]) -> None:
        assert self.claim is not None
        self.claim.remarks.extend(e for e in seg[3:8] if e)

    def mia(self, seg: list[str]) -> None:
        assert self.claim is not None
        self.claim.remarks.extend(e for e in [_el(seg, 5)] + seg[20:25] if e)

    def nm1(self, seg: list[str]) -> None:
        full = _padded(seg, 10)
        role = _CLAIM_PEOPLE.get(full[1])
        if role is not None:
            key = (full[3], full[4], full[5], full[8], full[9])
            person = self.people.get(key)
            if person is None:
                person = self.people[key] = Person(*key)
            setattr(self.claim, role, person)

    def cas(self, seg: list[str]) -> list[Adjustment]:
        group = _el(seg, 1)
        if group not in _CAS_GROUPS:
            self.warn(f"unknown adjustment group code {group[:4]!r}")
        size, amounts, idx = len(seg), self.amounts, self.idx
        if size == 4 and seg[2]:  # one reason and its amount, no quantity: most CAS segments, read directly
            amount = amounts[seg[3]]
            if amount is None:
                self.bad_amount(seg, 3, "adjustment amount", required=True)
            return [Adjustment(group, seg[2], amount, None, idx)]
        found = []
        full = _padded(seg, min(size, 20) + 2)
        for pos in range(2, min(size, 20), 3):  # up to six (reason, amount, quantity) triplets
            reason = full[pos]
            if not reason:
                if full[pos + 1]:
                    self.warn(f"adjustment amount (CAS{pos + 1:02d}) has no reason code")
                continue
            amount, quantity = amounts[full[pos + 1]], amounts[full[pos + 2]]
            if amount is None:
                self.bad_amount(seg, pos + 1, "adjustment amount", required=True)
            if quantity is None and full[pos + 2]:
                self.bad_amount(seg, pos + 2, "adjustment quantity")
            found.append(Adjustment(group, reason, amount, quantity, idx))
        if not found:
            self.warn("CAS segment has no adjustment reason code")
        return found

    # ---- service line (2110 loop)
    def start_line(self, seg: list[str]) -> None:
        if self.claim is None:
            self.warn("SVC before any CLP; skipped")
            return
        full = _padded(seg, 8)
        qualifier, code, modifiers = self.composites.get(full[1]) or self.composite(full[1])
        amounts = self.amounts
        charge, paid, units = amounts[full[2]], amounts[full[3]], amounts[full[5]]
        if charge is None:
            self.bad_amount(seg, 2, "line charge", required=True)
        if paid is None:
            self.bad_amount(seg, 3, "line payment", required=True)
        if units is None:
            if full[5]:
                self.bad_amount(seg, 5, "units")
            else:
                units = _ONE
        line = ServiceLine(
            segment_index=self.idx, qualifier=qualifier, code=code, modifiers=modifiers, charge=charge, paid=paid,
            revenue_code=full[4], units=units)
        if qualifier not in _SVC_QUALIFIERS:
            self.warn(f"SVC01 qualifier {qualifier[:4]!r} is not a valid code (masked?)")
        if not code:
            self.warn("SVC01 has no procedure code")
        if full[6]:
            _, line.original_code, line.original_modifiers = self.composite(full[6])
        if full[7]:
            line.original_units = self.amount(seg, 7, "original units")
        self.claim.lines.append(line)
        self.line = line
        self.enter(self.in_line)

    def composite(self, raw: str) -> tuple[str, str, tuple[str, ...]]:
        """Split SVC01/SVC06 into qualifier, code and modifiers (components 3-6); each text split once (its
        warning, once per separator, came with the first)."""
        found = self.composites.get(raw)
        if found is None:
            found = self.composites[raw] = self.split_composite(raw)
        return found

    def split_composite(self, raw: str) -> tuple[str, str, tuple[str, ...]]:
        sep = self.delims.component
        if sep not in raw:
            found = [c for c in _COMPONENT_CANDIDATES if c != sep and c in raw]
            if found:
                sep = found[0]
                if sep not in self.separator_warned:
                    self.separator_warned.add(sep)
                    self.warn(f"ISA16 declares component separator {self.delims.component!r} "
                              f"but the SVC composite uses {sep!r}; using {sep!r}")
        parts = raw.split(sep)
        return parts[0], _el(parts, 1), tuple(m for m in parts[2:6] if m)

    def line_cas(self, seg: list[str]) -> None:
        assert self.line is not None
        self.line.adjustments.extend(self.cas(seg))

    def line_dtm(self, seg: list[str]) -> None:
        line, kind = self.line, _el(seg, 1)
        assert line is not None
        if kind == "472":
            line.date_from = line.date_to = self.date(seg, 2)
        elif kind == "150":
            line.date_from = self.date(seg, 2)
        elif kind == "151":
            line.date_to = self.date(seg, 2)

    def line_ref(self, seg: list[str]) -> None:
        assert self.line is not None
        if _el(seg, 1) == "6R":
            self.line.control_number = _el(seg, 2)

    def line_amt(self, seg: list[str]) -> None:
        assert self.line is not None
        if _el(seg, 1) == "B6":
            self.line.allowed = self.amount(seg, 2, "allowed amount")

    def line_lq(self, seg: list[str]) -> None:
        assert self.line is not None
        if _el(seg, 1) == "HE":
            self.line.remarks.append(_el(seg, 2))

    def finish(self) -> Remittance:
        if self.txn is not None:
            self.warn("file ends before the SE of the last transaction")
        if not self.remit.transactions:
            raise X12Error(self.remit.path, "found no ST*835 transaction set")
        self.pair_reversals()
        return self.remit

    def close(self) -> None:
        """Drop the reader's handler tables. They hold its bound methods, so the reader is in a reference cycle,
        and with the cyclic collector off (:func:`no_cycle_collection`) it would keep the whole remittance alive
        to the end of the process, where the interpreter's last collection walks every object of it (a quarter
        of a second for 20,000 claims)."""
        self.__dict__.clear()

    def pair_reversals(self) -> None:
        claims = self.remit.claims
        for pos, claim in enumerate(claims):
            if claim.status != "22":
                continue
            for later in claims[pos + 1:]:
                if later.status != "22" and _same_claim(claim, later):
                    claim.corrected_by = later.segment_index
                    self.remit.warnings.append(Warning835(
                        claim.segment_index, "CLP",
                        f"reversal (CLP02=22) at segment {claim.segment_index} is corrected by "
                        f"the claim at segment {later.segment_index}; only the correction is reported"))
                    break


def _same_claim(a: Claim, b: Claim) -> bool:
    return bool((a.payer_claim_number and a.payer_claim_number == b.payer_claim_number)
                or (a.account and a.account == b.account))


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused for the block (then restored as it was). A remittance is hundreds
    of thousands of small objects and none of them in a cycle, so the collector's passes over them, as they
    are made, free nothing and cost a third of the parse; reference counting still frees everything."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


ENVELOPE_TRAILERS = ("SE", "GE", "IEA")  # a last segment of these without its terminator holds no claim data


def parse_835(data: bytes | str, path: str = "<input>") -> Remittance:
    """Read an 835; problems become `Remittance.warnings`, not exceptions."""
    with no_cycle_collection():
        return _parse_835(data, path)


def _parse_835(data: bytes | str, path: str) -> Remittance:
    text = _decode(data, path)
    delims, guessed = _delimiters(text, path)
    reader = _Reader(path, delims)
    if guessed:
        reader.remit.warnings.append(Warning835(
            1, "ST", "no ISA envelope; assuming '*' elements, ':' components, '~' terminator"))
    element = delims.element
    segments = [s for s in map(str.strip, text.split(delims.segment)) if s]
    if segments and not text.rstrip().endswith(delims.segment) \
            and segments[-1].split(element, 1)[0] not in ENVELOPE_TRAILERS:
        cut = segments.pop()  # a file cut short mid-segment: "CAS*CO*9" would be read as a CO-9 denial
        reader.remit.warnings.append(Warning835(
            len(segments) + 1, cut.split(element, 1)[0][:3],
            "the file ends inside this segment (no segment terminator after it): it was cut short, so the "
            "segment is left out; ask the payer or clearinghouse for the whole file"))
    try:
        for idx, segment in enumerate(segments, start=1):
            seg = segment.split(element)
            reader.idx, reader.seg = idx, seg
            handler = reader.handlers.get(seg[0])
            if handler is not None:
                handler(seg)
            else:
                reader.other(seg)
        return reader.finish()
    finally:
        reader.close()


# ------------------------------------------------------------------- denials

def find_denials(remit: Remittance,
                 routine: frozenset[tuple[str, str]] | None = None) -> list[Denial]:
    """One Denial per (claim, group, CARC), in file order.

    An adjustment is a denial when (group, reason) is not routine; on a claim
    with CLP02=4 every adjustment counts. A negative adjustment (a reversal of an
    earlier one) is never a denial.  Reversals that a later claim
    corrects are left out (parse_835 has already warned about the pair).
    """
    routine = routine_adjustments() if routine is None else routine
    denials: list[Denial] = []
    for claim in remit.claims:
        if claim.corrected_by is None:
            denials.extend(_claim_denials(claim, routine))
    return denials


def _claim_denials(claim: Claim, routine: frozenset[tuple[str, str]]) -> list[Denial]:
    whole = claim.status == "4"
    located: list[tuple[int, Adjustment, list[str]]] = [(0, adj, []) for adj in claim.adjustments]
    located += [(number, adj, line.remarks)
                for number, line in enumerate(claim.lines, start=1) for adj in line.adjustments]
    groups: dict[tuple[str, str], tuple[list[int], list[Decimal], list[str]]] = {}
    for number, adj, remarks in located:
        if adj.amount is not None and adj.amount < 0:
            continue  # a negative adjustment gives money back (it reverses an earlier one): never a denial
        if not whole and (adj.group, adj.reason) in routine:
            continue
        lines, amounts, rarcs = groups.setdefault((adj.group, adj.reason), ([], [], []))
        if number and number not in lines:
            lines.append(number)
        if adj.amount is not None:
            amounts.append(adj.amount)
        rarcs.extend(remarks)
    if whole and not located:  # denied claim without any CAS: still report it
        unpaid = (claim.charge or Decimal(0)) - (claim.paid or Decimal(0))
        all_lines = list(range(1, len(claim.lines) + 1))
        groups[("", "")] = (all_lines, [unpaid], [r for line in claim.lines for r in line.remarks])
    elif whole and not claim.adjustments:  # a denied claim whose CAS name some lines: the others are denied too,
        bare = [(n, line) for n, line in enumerate(claim.lines, start=1) if not line.adjustments]  # for no reason
        if bare:                                                                                  # given
            groups[("", "")] = ([n for n, _ in bare], [(line.charge or Decimal(0)) - (line.paid or Decimal(0))
                                                       for _, line in bare],
                                [r for _, line in bare for r in line.remarks])
    return [Denial(claim, group, carc, tuple(lines), sum(amounts, Decimal(0)),
                   _dedupe(rarcs + claim.remarks), whole)
            for (group, carc), (lines, amounts, rarcs) in groups.items()]
