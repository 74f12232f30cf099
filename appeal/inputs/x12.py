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

class _Reader:
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
        # Each amount's Decimal, made once: a remittance repeats the same charges, fees and zeros many times
        # (a Decimal is 104 bytes, immutable, so one object serves them all)
        self.amounts: dict[str, Decimal] = {}
        self.outside: dict[str, Callable[[], None]] = {
            "ISA": self.skip, "IEA": self.skip, "GE": self.skip, "GS": self.gs, "ST": self.start_transaction}
        self.loops: dict[str, Callable[[], None]] = {
            **self.outside, "SE": self.end_transaction, "CLP": self.start_claim, "SVC": self.start_line,
            **dict.fromkeys(_CLAIM_GROUP_END, self.end_claim_group)}
        self.claim_segments: dict[str, Callable[[], None]] = {
            "CAS": self.claim_cas, "NM1": self.nm1, "DTM": self.claim_dtm, "REF": self.claim_ref,
            "MOA": self.moa, "MIA": self.mia}
        self.line_segments: dict[str, Callable[[], None]] = {
            "CAS": self.line_cas, "DTM": self.line_dtm, "REF": self.line_ref, "AMT": self.line_amt,
            "LQ": self.line_lq}

    def warn(self, message: str) -> None:
        self.remit.warnings.append(Warning835(self.idx, self.seg[0][:4], message))

    def amount(self, pos: int, what: str, required: bool = False) -> Decimal | None:
        try:
            raw = self.seg[pos]
        except IndexError:
            raw = ""
        found = self.amounts.get(raw)
        if found is not None:
            return found
        if _NUMBER.fullmatch(raw):
            found = self.amounts[raw] = Decimal(raw)
            return found
        name = f"{self.seg[0][:4]}{pos:02d}"
        if raw:
            self.warn(f"{what} ({name}) is not a number: {raw[:20]!r}; left empty")
        elif required:
            self.warn(f"{what} ({name}) is missing")
        return None

    def date(self, pos: int) -> date | None:
        raw = _el(self.seg, pos)
        parsed = _to_date(raw)
        if raw and parsed is None:
            self.warn(f"date ({self.seg[0][:4]}{pos:02d}) is not a CCYYMMDD date: {raw[:10]!r}")
        return parsed

    # ---- dispatch
    def feed(self, idx: int, seg: list[str]) -> None:
        """One segment: a table lookup by segment id for those that open or close a loop, then the loop's
        reader (a chain of tests per segment cost a third of the parse)."""
        self.idx, self.seg = idx, seg
        sid = seg[0]
        if self.txn is None:
            handler = self.outside.get(sid)
            if handler is None:
                self.warn(f"segment {sid[:4]!r} outside an ST/SE transaction; skipped")
            else:
                handler()
            return
        handler = self.loops.get(sid)
        if handler is not None:
            handler()
        elif self.line is not None:
            self.in_line(sid)
        elif self.claim is not None:
            self.in_claim(sid)
        else:
            self.in_header(sid)

    def skip(self) -> None:
        pass

    def gs(self) -> None:
        self.remit.version = self.remit.version or _el(self.seg, 8)

    def end_claim_group(self) -> None:
        self.claim = self.line = None

    def start_transaction(self) -> None:
        kind = _el(self.seg, 1)
        if kind != "835":
            raise X12Error(self.remit.path, f"found ST*{kind[:6]}: this is not an 835 remittance")
        if self.txn is not None:
            self.warn("ST before the SE of the previous transaction")
        self.txn = Transaction(segment_index=self.idx, control_number=_el(self.seg, 2))
        self.remit.transactions.append(self.txn)
        self.claim = self.line = None
        self.party = ""

    def end_transaction(self) -> None:
        assert self.txn is not None  # the segment loop calls this only inside a transaction
        expected = str(self.idx - self.txn.segment_index + 1)
        raw = _el(self.seg, 1)
        if not (re.fullmatch(r"[0-9]+", raw) and raw.lstrip("0") == expected):
            self.warn(f"SE01 says {raw[:10]!r} segments but the transaction has {expected}")
        self.txn = self.claim = self.line = None

    # ---- header (1000 loops)
    def in_header(self, sid: str) -> None:
        seg, txn = self.seg, self.txn
        assert txn is not None
        if sid == "BPR":
            self.bpr()
        elif sid == "TRN":
            txn.check_number = txn.check_number or _el(seg, 2)
        elif sid == "DTM" and _el(seg, 1) == "405":
            txn.production_date = self.date(2)
        elif sid in ("N1", "N3", "N4", "REF"):
            self.party_segment(sid)
        elif sid not in _HEADER_SEGMENTS:
            self.warn(f"unknown segment {sid[:4]!r} in the header; skipped")

    def bpr(self) -> None:
        txn = self.txn
        assert txn is not None
        txn.payment_amount = self.amount(2, "payment amount", required=True)
        txn.payment_method = _el(self.seg, 4)
        txn.payment_date = self.date(16)
        if not _el(self.seg, 16) and _to_date(_el(self.seg, 15)):
            txn.payment_date = _to_date(_el(self.seg, 15))
            self.warn("payment date found in BPR15 instead of BPR16")

    def party_segment(self, sid: str) -> None:
        """N1/N3/N4/REF of the payer (N1*PR) or payee (N1*PE) loop."""
        seg, txn = self.seg, self.txn
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
    def start_claim(self) -> None:
        seg = self.seg
        self.claim = Claim(
            segment_index=self.idx, account=_el(seg, 1), status=_el(seg, 2),
            charge=self.amount(3, "claim charge", required=True),
            paid=self.amount(4, "claim payment", required=True),
            patient_responsibility=self.amount(5, "patient responsibility"),
            filing_indicator=_el(seg, 6), payer_claim_number=_el(seg, 7),
            frequency=_el(seg, 9))
        if _el(seg, 2) not in CLAIM_STATUS_TEXT:
            self.warn(f"unknown claim status code (CLP02) {_el(seg, 2)[:4]!r}")
        assert self.txn is not None
        self.txn.claims.append(self.claim)
        self.line = None

    def in_claim(self, sid: str) -> None:
        handler = self.claim_segments.get(sid)
        if handler is not None:
            handler()
        elif sid not in _CLAIM_SEGMENTS:
            self.warn(f"unexpected segment {sid[:4]!r} inside a claim; skipped")

    def claim_cas(self) -> None:
        assert self.claim is not None
        self.claim.adjustments.extend(self.cas())

    def claim_dtm(self) -> None:
        kind = _el(self.seg, 1)
        if kind in _CLAIM_DATES:
            setattr(self.claim, _CLAIM_DATES[kind], self.date(2))

    def claim_ref(self) -> None:
        assert self.claim is not None
        if _el(self.seg, 1) == "F8":
            self.claim.original_claim_number = _el(self.seg, 2)

    def moa(self) -> None:
        assert self.claim is not None
        self.claim.remarks.extend(e for e in self.seg[3:8] if e)

    def mia(self) -> None:
        assert self.claim is not None
        self.claim.remarks.extend(e for e in [_el(self.seg, 5)] + self.seg[20:25] if e)

    def nm1(self) -> None:
        seg = self.seg
        if _el(seg, 1) in _CLAIM_PEOPLE:
            setattr(self.claim, _CLAIM_PEOPLE[_el(seg, 1)], Person(
                last=_el(seg, 3), first=_el(seg, 4), middle=_el(seg, 5),
                id_qualifier=_el(seg, 8), id=_el(seg, 9)))

    def cas(self) -> list[Adjustment]:
        group = _el(self.seg, 1)
        if group not in _CAS_GROUPS:
            self.warn(f"unknown adjustment group code {group[:4]!r}")
        found = []
        for pos in range(2, min(len(self.seg), 20), 3):  # up to six (reason, amount, quantity) triplets
            reason = _el(self.seg, pos)
            if not reason:
                if _el(self.seg, pos + 1):
                    self.warn(f"adjustment amount (CAS{pos + 1:02d}) has no reason code")
                continue
            found.append(Adjustment(
                group, reason, self.amount(pos + 1, "adjustment amount", required=True),
                self.amount(pos + 2, "adjustment quantity"), self.idx))
        if not found:
            self.warn("CAS segment has no adjustment reason code")
        return found

    # ---- service line (2110 loop)
    def start_line(self) -> None:
        if self.claim is None:
            self.warn("SVC before any CLP; skipped")
            return
        seg = self.seg
        qualifier, code, modifiers = self.composite(_el(seg, 1))
        line = ServiceLine(
            segment_index=self.idx, qualifier=qualifier, code=code, modifiers=modifiers,
            charge=self.amount(2, "line charge", required=True),
            paid=self.amount(3, "line payment", required=True),
            revenue_code=_el(seg, 4), units=self.amount(5, "units"))
        if line.units is None and not _el(seg, 5):
            line.units = Decimal(1)
        if qualifier not in _SVC_QUALIFIERS:
            self.warn(f"SVC01 qualifier {qualifier[:4]!r} is not a valid code (masked?)")
        if not code:
            self.warn("SVC01 has no procedure code")
        if _el(seg, 6):
            _, line.original_code, line.original_modifiers = self.composite(seg[6])
        line.original_units = self.amount(7, "original units")
        self.claim.lines.append(line)
        self.line = line

    def composite(self, raw: str) -> tuple[str, str, tuple[str, ...]]:
        """Split SVC01/SVC06 into qualifier, code and modifiers (components 3-6)."""
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

    def in_line(self, sid: str) -> None:
        handler = self.line_segments.get(sid)
        if handler is not None:
            handler()
        elif sid not in _LINE_SEGMENTS:
            self.warn(f"unexpected segment {sid[:4]!r} inside a service line; skipped")

    def line_cas(self) -> None:
        assert self.line is not None
        self.line.adjustments.extend(self.cas())

    def line_dtm(self) -> None:
        line, kind = self.line, _el(self.seg, 1)
        assert line is not None
        if kind == "472":
            line.date_from = line.date_to = self.date(2)
        elif kind == "150":
            line.date_from = self.date(2)
        elif kind == "151":
            line.date_to = self.date(2)

    def line_ref(self) -> None:
        assert self.line is not None
        if _el(self.seg, 1) == "6R":
            self.line.control_number = _el(self.seg, 2)

    def line_amt(self) -> None:
        assert self.line is not None
        if _el(self.seg, 1) == "B6":
            self.line.allowed = self.amount(2, "allowed amount")

    def line_lq(self) -> None:
        assert self.line is not None
        if _el(self.seg, 1) == "HE":
            self.line.remarks.append(_el(self.seg, 2))

    def finish(self) -> Remittance:
        if self.txn is not None:
            self.warn("file ends before the SE of the last transaction")
        if not self.remit.transactions:
            raise X12Error(self.remit.path, "found no ST*835 transaction set")
        self.pair_reversals()
        return self.remit

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
    feed, element = reader.feed, delims.element
    for idx, segment in enumerate(filter(None, map(str.strip, text.split(delims.segment))), start=1):
        feed(idx, segment.split(element))
    return reader.finish()


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
    return [Denial(claim, group, carc, tuple(lines), sum(amounts, Decimal(0)),
                   _dedupe(rarcs + claim.remarks), whole)
            for (group, carc), (lines, amounts, rarcs) in groups.items()]
