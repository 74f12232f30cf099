"""From an X12 835 remittance to case files: one case per denied claim and denial reason.

The remittance gives the claim, its lines, the patient, the payer and the
adjustment codes. It does not give what the letter also needs: the billing
provider's address, the signer, the payer's appeal address, and the facts the
template asks about (was the study recorded?). Those come from the workspace:
the practice profile (provider, signer), its payer directory (matched by the
payer's id, then its name) and its ``code_defaults`` (facts per procedure code).
What neither gives is written into the case file marked ``FILL IN``; ``generate``
and ``batch`` then report it as an ordinary validation error naming the field.

A case written here is an ordinary case YAML file (see ``appeal.inputs.case``). It
carries the remittance's real data, so it is written only where the user asked;
nothing here logs a name, id or amount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring
from pathlib import Path
from typing import Iterable, Iterator

from appeal.deliver.files import (
    allocate,
    ensure_dir,
    listing_after_leftovers,
    name_stem,
    reason_code,
    write_text_atomic,
    write_texts_atomic,
)
from appeal.errors import Problem, RemittanceError
from appeal.inputs.case import npi_is_valid
from appeal.inputs.schema import FACT_ACCEPTED, profile_fields
from appeal.inputs.workspace import PayerEntry, Workspace
from appeal.inputs.x12 import (
    MAX_REMITTANCE_BYTES,
    Remittance,
    Transaction,
    find_denials,
    no_cycle_collection,
    parse_835,
    routine_adjustments,
)
from appeal.inputs.x12 import Claim as RemitClaim
from appeal.inputs.x12 import Denial as RemitDenial
from appeal.inputs.yamlread import read_bytes
from appeal.letters.select import DenialKey, DeniedLine, select_template
from appeal.letters.templates import TemplateMeta, TemplateSet
from appeal.reference.deadlines import Deadline, earliest_deadline
from appeal.settings import Settings

CASE_SUFFIX = ".yaml"
# Required fields a profile gives; when neither the remittance nor the profile has one,
# the case file names it in its FILL IN header (an empty key would hide a later profile value).
PROFILE_FIELDS = profile_fields()


@dataclass
class Draft:
    """One case built from one denial: its file name, its YAML text and what is left to fill in."""

    name: str
    text: str
    template: str
    fill_in: list[str]
    deadline: Deadline | None
    denial: RemitDenial

    def as_dict(self) -> dict:
        return {"file": self.name, "template": self.template, "fill_in": list(self.fill_in),
                "appeal_by": self.deadline.as_dict() if self.deadline else None}


# ------------------------------------------------------------------ reading

def read_remittance(path: Path | str) -> Remittance:
    """Parse one 835 file; only a file that is not an 835 at all is an error."""
    path = Path(path)
    return parse_835(read_bytes(path, RemittanceError, kind="an 835 file", limit=MAX_REMITTANCE_BYTES), str(path))


def read_remittances(files: Iterable[Path | str]) -> list[Remittance]:
    """Every file parsed; one error listing every file that is not an 835."""
    remits, problems = [], []
    for path in files:
        try:
            remits.append(read_remittance(path))
        except RemittanceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise RemittanceError(problems)
    return remits


def routine_set(workspace: Workspace | None) -> frozenset[tuple[str, str]]:
    """The profile's ``routine_adjustments`` replace the default list when given."""
    if workspace is not None and workspace.routine_adjustments is not None:
        return workspace.routine_adjustments
    return routine_adjustments()


def warning_lines(remit: Remittance, shown: int = 5) -> list[str]:
    """The reader's warnings with their segment numbers (never a name or id); a repeated one is said once."""
    grouped: dict[tuple[str, str], list[int]] = {}
    for w in remit.warnings:
        grouped.setdefault((w.segment_id, w.message), []).append(w.segment_index)
    out = []
    for (segment_id, message), where in grouped.items():
        if len(where) == 1:
            out.append(f"{remit.path}: segment {where[0]} ({segment_id}): {message}")
        else:
            more = f" and {len(where) - shown} more" if len(where) > shown else ""
            numbers = ", ".join(map(str, where[:shown]))
            out.append(f"{remit.path}: segments {numbers}{more} ({segment_id}): {message}")
    return out


def remit_denials(remit: Remittance, workspace: Workspace | None) -> Iterator[tuple[Transaction, RemitDenial]]:
    """Each denial with the transaction (payer, remit date) it came in."""
    routine = routine_set(workspace)
    owner = {id(claim): txn for txn in remit.transactions for claim in txn.claims}
    for denial in find_denials(remit, routine):
        yield owner[id(denial.claim)], denial


# ---------------------------------------------------------------- deadlines

def remit_date(txn: Transaction, today: dt.date | None = None) -> dt.date | None:
    """The remittance's date: the payment date (BPR16), else the production date (DTM*405), never after today
    (:meth:`~appeal.inputs.x12.Transaction.dated`)."""
    return txn.dated(today or dt.date.today())[0]


# ------------------------------------------------------------- the table

def payer_entry(workspace: Workspace | None, txn: Transaction) -> PayerEntry | None:
    """The directory entry for the remittance's payer: N1*PR id, REF*2U id, then the name."""
    if workspace is None:
        return None
    payer = txn.payer
    return (workspace.find_payer(payer.id or None) or workspace.find_payer(payer.additional_id or None)
            or workspace.find_payer(name=payer.name or None))


def denial_row(remit: Remittance, txn: Transaction, denial: RemitDenial, workspace: Workspace | None,
               today: dt.date | None = None, known: dict | None = None) -> dict:
    """One row of ``appeal denials``. ``known`` keeps what the rows of a transaction share (its payer, remit
    date and appeal-by date, worked out from its payer entry) across the rows of one listing."""
    claim = denial.claim
    lines = [claim.lines[n - 1] for n in denial.lines] or claim.lines
    dates = sorted({d for line in lines if (d := line.date_from or claim.service_from)})
    shared = known.get(id(txn)) if known is not None else None
    if shared is None:
        shared = _row_shared(txn, workspace, today)
        if known is not None:
            known[id(txn)] = shared
    payer, remitted, appeal_by, missing, flag = shared
    return {
        "file": remit.path,
        "claim": claim.payer_claim_number or claim.account,
        "account": claim.account,
        "patient": _person_name(claim.patient, last_first=True),
        "dos": dates[0].isoformat() if dates else "",
        "codes": [line.code for line in lines],
        "modifiers": sorted({m for line in lines for m in line.modifiers}),
        "group": denial.group,
        "carc": denial.carc,
        "rarc": list(denial.rarc),
        "amount": cents(denial.amount),
        "lines": list(denial.lines),
        "whole_claim_denied": denial.whole_claim_denied,
        "status": claim.status_text or claim.status,
        "payer": payer,
        "remit_date": remitted,
        "appeal_by": dict(appeal_by) if appeal_by else None,  # each row its own (a caller may change one)
        "appeal_by_missing": dict(missing) if missing else None,
        "flag": flag,
    }


def _row_shared(txn: Transaction, workspace: Workspace | None, today: dt.date | None) -> tuple:
    """The payer, remit date, appeal-by date (or why there is none) and flag of a transaction's rows."""
    entry = payer_entry(workspace, txn)
    remitted = remit_date(txn, today)
    deadline = earliest_deadline(entry, remitted, today=today, still_open=True)
    return (txn.payer.name, remitted.isoformat() if remitted else "", deadline.as_dict() if deadline else None,
            None if deadline else no_deadline_reason(workspace, entry, txn), deadline.flag if deadline else "")


def cents(amount: Decimal | None) -> str:
    """An amount as a biller reads it: always two decimals (``34.00``, ``22.75``), exact."""
    return "" if amount is None else f"{amount:.2f}"


def no_deadline_reason(workspace: Workspace | None, entry: PayerEntry | None, txn: Transaction) -> dict:
    """Why the appeal-by date is missing, so the biller knows what to add."""
    if workspace is None:
        return {"short": "no directory", "reason": "no payer directory: no workspace (appeal.yaml) was found; run "
                                                   "in your workspace or give --workspace DIR"}
    if entry is None:
        return {"short": "payer not listed",
                "reason": f"the payer '{txn.payer.name or txn.payer.id}' is not in the payer directory "
                          f"({workspace.profile}); add it with its appeal_window_days"}
    if not entry.appeal_window_days:
        return {"short": "no window", "reason": f"the payer directory entry '{entry.name}' ({workspace.profile}) "
                                                f"gives no appeal_window_days"}
    return {"short": "no remit date", "reason": "the remittance gives no payment date (BPR16) or production date "
                                                "(DTM*405) to count the appeal window from"}


@dataclass
class DenialList:
    rows: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # files that are not 835s; the others are listed

    def as_dict(self) -> dict:
        return {"denials": self.rows, "warnings": self.warnings, "errors": [p.as_dict() for p in self.problems]}


def list_denials(files: Iterable[Path | str], settings: Settings, today: dt.date | None = None) -> DenialList:
    """``appeal denials``: every denial of every file, writing nothing; a file that is not an 835 is
    reported in ``problems`` and the others are still listed."""
    today = today or dt.date.today()
    workspace = settings.load_workspace()
    result = DenialList()
    with no_cycle_collection():  # as import-835
        _list_into(result, files, workspace, today)
    return result


def _list_into(result: DenialList, files: Iterable[Path | str], workspace: Workspace | None,
               today: dt.date) -> None:
    for path in files:
        try:
            remit = read_remittance(path)
        except RemittanceError as exc:
            result.problems.extend(exc.problems)
            continue
        result.warnings.extend(warning_lines(remit))
        known: dict = {}  # per transaction of this remittance (its objects live as long as the loop)
        result.rows.extend(denial_row(remit, txn, denial, workspace, today, known)
                           for txn, denial in remit_denials(remit, workspace))


# ---------------------------------------------------------- case drafts

def drafts(remit: Remittance, workspace: Workspace | None, templates: TemplateSet,
           today: dt.date | None = None) -> Iterator[Draft]:
    """One :class:`Draft` per denial, with unique, deterministic file names (no patient data in them)."""
    used: set[str] = set()
    drafter = _Drafter(remit, workspace, templates.read_once(), today)
    for txn, denial in remit_denials(remit, workspace):
        draft = drafter.draft(txn, denial)
        draft.name = unique_name(draft.name, used)
        yield draft


def unique_name(name: str, used: set[str]) -> str:
    """``name``, or ``<stem>-2.yaml``... when an earlier draft has it (``deliver.files.allocate``)."""
    if name not in used and name.endswith(CASE_SUFFIX):  # most names: allocate's first choice, without its calls
        used.add(name)
        return name
    stem = allocate(name[: -len(CASE_SUFFIX)], lambda candidate: candidate + CASE_SUFFIX not in used)
    used.add(stem + CASE_SUFFIX)
    return stem + CASE_SUFFIX


# A part of a case file: its lines and the fields it leaves to fill in.
_Part = tuple[list[str], list[str]]
_Gaps = tuple[list[str], list[str], list[str]]


@dataclass
class _Shared:
    """What every case of one transaction has in common: its payer entry, appeal-by date, the provider and payer
    sections, the denial date, and the profile's gaps (by the rendering provider's NPI, which picks the
    signer)."""

    entry: PayerEntry | None
    payer_name: str
    deadline: Deadline | None
    appeal_by: list[str]  # the header's appeal-by line, if any
    sections: list[str]  # provider and payer
    denial_date: _Part
    gaps: dict[str | None, _Gaps] = field(default_factory=dict)  # the gaps, the header's lines naming them, and
    #                                                                the signer's FILL IN lines when no profile has one


class _Drafter:
    """The drafts of one remittance. What the cases of a transaction share is worked out once per transaction
    (:class:`_Shared`), a claim's patient and claim sections once per claim (a claim may have several denials),
    the denial and facts sections and the template once per kind of denial: a remittance of 20,000 claims repeats
    a few payers, reasons and procedure codes."""

    def __init__(self, remit: Remittance, workspace: Workspace | None, templates: TemplateSet,
                 today: dt.date | None) -> None:
        self.remit, self.workspace, self.templates, self.today = remit, workspace, templates, today
        self.file_name = Path(remit.path).name
        self.shared: dict[int, _Shared] = {}  # by id(transaction): the remittance keeps them alive
        self.facts: dict[tuple[str, ...], dict] = {}  # the profile's code_defaults, by the denied codes
        self.chosen: dict[tuple, tuple[TemplateMeta, str]] = {}
        self.denial_parts: dict[tuple, _Part] = {}
        self.fact_parts: dict[tuple, _Part] = {}
        self.denials_said: dict[tuple, tuple[str, str]] = {}  # the header's denial line and the name's reason
        self.known: dict = {}  # the lines of a rendering provider and of a service line, written once (_write_claim)
        self.claim: RemitClaim | None = None  # the claim of the last draft, and its part
        self.claim_part: _Part = ([], [])

    def draft(self, txn: Transaction, denial: RemitDenial) -> Draft:
        """The case file for one denial, pre-filled from the remittance and the workspace."""
        claim = denial.claim
        shared = self.shared.get(id(txn))
        if shared is None:
            shared = self.shared[id(txn)] = self.share(txn)
        lines = claim.lines
        codes = tuple([lines[n - 1].code for n in denial.lines] if denial.lines else [line.code for line in lines])
        defaults = self.facts.get(codes)
        if defaults is None:
            defaults = self.facts[codes] = self.workspace.facts_for(codes) if self.workspace else {}
        meta, reason = self.choose(denial, codes, defaults)
        rendering = claim.rendering_provider
        npi = rendering.npi if rendering else None
        gaps = shared.gaps.get(npi)
        if gaps is None:
            gaps = shared.gaps[npi] = self.gaps(txn, npi)
        if claim is not self.claim:
            self.claim, self.claim_part = claim, _claim_part(claim, self.known)
        denial_key = (denial.group, denial.carc, denial.rarc, denial.lines)
        denial_part = self.denial_parts.get(denial_key)
        if denial_part is None:
            denial_part = self.denial_parts[denial_key] = _denial_part(denial)
        said = self.denials_said.get(denial_key[:2] + denial_key[3:])
        if said is None:
            said = self.denials_said[denial_key[:2] + denial_key[3:]] = _denial_said(denial)
        facts_key = (meta.id, codes)
        fact_part = self.fact_parts.get(facts_key)
        if fact_part is None:
            fact_part = self.fact_parts[facts_key] = _facts_part(meta, defaults, codes)
        marked = [*self.claim_part[1], *shared.denial_date[1], *denial_part[1], *fact_part[1]]  # FILL IN in the body
        text = [f"# Case imported from the X12 835 remittance {self.file_name} (transaction {txn.control_number}, "
                f"CLP at segment {claim.segment_index}).".rstrip(),
                said[0],
                f"# Template: {meta.id} ({reason}).".rstrip(),
                *shared.appeal_by,
                "# Check every value and fill in each FILL IN, then: appeal generate THIS_FILE -o out/",
                *gaps[0], *_marked_below(bool(gaps[1]), marked),
                *shared.sections, *gaps[2], *self.claim_part[0], "denial:", *shared.denial_date[0],
                *denial_part[0], *fact_part[0], ""]
        number = claim.payer_claim_number or f"claim-at-segment-{claim.segment_index}"
        return Draft(name=name_stem(shared.payer_name, number, said[1]) + CASE_SUFFIX,
                     text="\n".join(text), template=meta.id,
                     fill_in=[*gaps[1], *marked],
                     deadline=shared.deadline, denial=denial)

    def share(self, txn: Transaction) -> _Shared:
        entry = payer_entry(self.workspace, txn)
        payer_name = entry.name if entry else txn.payer.name
        deadline = earliest_deadline(entry, remit_date(txn, self.today), today=self.today, still_open=True)
        appeal_by = []
        if deadline:  # the date only: a PAST DUE flag would change the file from one day to the next
            appeal_by.append(f"# Appeal by {deadline.due.isoformat()} ({deadline.level}: {deadline.basis}; source: "
                             f"{deadline.source}; 'appeal denials' flags it).".rstrip())
        sections = _CaseWriter()
        _write_provider(sections, self.workspace, txn)
        _write_payer(sections, txn, payer_name)
        date = _CaseWriter()
        _write_denial_date(date, txn, self.today)
        return _Shared(entry, payer_name, deadline, appeal_by, sections.lines, (date.lines, date.fill_in))

    def gaps(self, txn: Transaction, npi: str | None) -> _Gaps:
        """The profile fields neither the remittance nor the profile gives, the header's lines naming them, and,
        when no profile gives a signer, the case's ``signer`` section with each key marked FILL IN (the provider's
        are marked in its section, :func:`_write_provider`), so validation names each one's line."""
        gaps = _profile_gaps(self.workspace, txn, npi)
        w = _CaseWriter()
        if gaps:
            w.comment("FILL IN (neither the remittance nor the practice profile, appeal.yaml, gives them):")
            for dotted in gaps:
                w.comment(f"  {dotted}: {PROFILE_FIELDS[dotted]}")
        signer = _CaseWriter()
        if not (self.workspace.signer_for(npi) if self.workspace else {}):
            signer.key(0, "signer")
            for dotted in gaps:
                if dotted.startswith("signer."):
                    signer.gap(2, dotted.split(".", 1)[1], dotted, PROFILE_FIELDS[dotted])
        return w.lines, gaps, signer.lines

    def choose(self, denial: RemitDenial, codes: tuple[str, ...], facts: dict) -> tuple[TemplateMeta, str]:
        """The template for the denial (``letters.select``), chosen once per denial reason, remark codes, denied
        lines' modifiers and codes (which give the profile's facts): a choice reads nothing else."""
        lines = tuple((number, line.modifiers, line.code) for number, line in enumerate(denial.claim.lines, start=1)
                      if not denial.lines or number in denial.lines)
        memo = (denial.carc, denial.rarc, lines, codes)
        found = self.chosen.get(memo)
        if found is None:
            key = DenialKey(carc=denial.carc, rarc=denial.rarc, denied_lines=tuple(DeniedLine(*n) for n in lines),
                            facts=dict(facts))
            found = self.chosen[memo] = select_template(key, self.templates)
        return found


def _marked_below(after_gaps: bool, dotted: list[str]) -> list[str]:
    """The header's line naming the fields marked FILL IN in the file itself (the facts the template needs, a
    date the remittance lacks), so the header lists every field to fill in, not only the profile's."""
    if not dotted:
        return []
    lead = "#   and each field marked FILL IN below" if after_gaps else "# FILL IN the fields so marked below"
    return [f"{lead}: {', '.join(dotted)}"]


_PAD = tuple(" " * n for n in range(9))  # the indents of the case YAML


class _CaseWriter:
    """Writes the case YAML by hand, so each value can carry its comment (source, FILL IN)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.fill_in: list[str] = []

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def comment(self, text: str = "") -> None:
        self.lines.append(f"# {text}".rstrip())

    def key(self, indent: int, name: str, value=None, note: str = "") -> None:
        """``name: value  # note``; a value of ``None`` writes only the key (a section follows)."""
        pad = _PAD[indent]  # 33 keys a case: the common string value written without a call
        if value is None:
            text = f"{pad}{name}:"
        elif type(value) is str:
            text = f"{pad}{name}: {encode_basestring(value)}"
        else:
            text = f"{pad}{name}: {_scalar(value)}"
        self.lines.append(f"{text}  # {note}" if note else text)

    def gap(self, indent: int, name: str, dotted: str, what: str, accepted: str = "") -> None:
        """An empty key marked FILL IN: validation reports it as missing until it is filled."""
        self.fill_in.append(dotted)
        self.key(indent, name, None, f"FILL IN: {what}" + (f" ({accepted})" if accepted else ""))


def _scalar(value) -> str:
    """A double-quoted YAML scalar (JSON strings are valid YAML), or a flow list of them."""
    if type(value) is str:
        return encode_basestring(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return encode_basestring(str(value))  # what json.dumps(value, ensure_ascii=False) writes, without its set-up


def _person_name(person, last_first: bool = False) -> str:
    if person is None:
        return ""
    if last_first:
        first = " ".join(filter(None, (person.first, person.middle)))
        return ", ".join(filter(None, (person.last, first)))
    return " ".join(filter(None, (person.first, person.middle, person.last)))


def _payee_fields(txn: Transaction) -> dict:
    """What the remittance's payee loop (N1*PE, N3, N4) says about the billing provider."""
    payee = txn.payee
    out: dict = {}
    if payee.name:
        out["name"] = payee.name
    if payee.id_qualifier == "XX" and npi_is_valid(payee.id):
        out["npi"] = payee.id
    city = " ".join(p for p in (f"{payee.city}," if payee.city else "", payee.state, payee.postal_code) if p)
    if payee.address and city:
        out["address"] = [*payee.address, city]
    return out


def _profile_gaps(workspace: Workspace | None, txn: Transaction, rendering_npi: str | None) -> list[str]:
    provider = dict(workspace.provider) if workspace else {}
    signer = workspace.signer_for(rendering_npi) if workspace else {}
    given = {f"provider.{k}" for k in (provider or _payee_fields(txn))} | {f"signer.{k}" for k in signer}
    return [dotted for dotted in PROFILE_FIELDS if dotted not in given]


def _write_provider(w: _CaseWriter, workspace: Workspace | None, txn: Transaction) -> None:
    if workspace is not None and workspace.provider:
        w.comment("provider and signer: from the practice profile (appeal.yaml)")
        return
    fields = _payee_fields(txn)
    if fields:
        w.comment("provider: from the remittance's payee (N1*PE); give practice.provider in appeal.yaml instead")
    w.key(0, "provider")
    for name, value in fields.items():
        w.key(2, name, value)
    for dotted, what in PROFILE_FIELDS.items():  # what neither gives, marked where it goes (the header lists it)
        section, name = dotted.split(".", 1)
        if section == "provider" and name not in fields:
            w.gap(2, name, dotted, what)


def _write_payer(w: _CaseWriter, txn: Transaction, payer_name: str) -> None:
    w.key(0, "payer")
    if payer_name:
        w.key(2, "name", payer_name)
    payer_id = txn.payer.id or txn.payer.additional_id
    if payer_id:
        w.key(2, "id", payer_id)


def _claim_part(claim: RemitClaim, known: dict) -> _Part:
    """The patient and claim sections, the same for each denial of the claim. ``known``: what
    :func:`_write_claim` wrote before, for the claims of one remittance."""
    w = _CaseWriter()
    _write_patient(w, claim)
    _write_claim(w, claim, known)
    return w.lines, w.fill_in


# The sections a claim's cases differ in are written line by line below, each value as ``_CaseWriter.key`` writes
# it (a double-quoted scalar: _scalar), without its call: 20 to 30 values a case.

def _write_patient(w: _CaseWriter, claim: RemitClaim) -> None:
    add = w.lines.append
    add("patient:")
    patient, subscriber = claim.corrected_patient or claim.patient, claim.subscriber
    name = _person_name(patient) or _person_name(claim.patient)
    if name:
        add(f"  name: {encode_basestring(name)}")
    else:
        w.gap(2, "name", "patient.name", "the patient's name")
    member_id = claim.patient.id or (subscriber.id if subscriber else "")
    if member_id:
        add(f"  member_id: {encode_basestring(member_id)}")
    else:
        w.gap(2, "member_id", "patient.member_id", "the member id on the patient's card")
    subscriber_name = _person_name(subscriber)
    if subscriber_name and subscriber_name != name:
        add(f"  subscriber_name: {encode_basestring(subscriber_name)}")


def _write_claim(w: _CaseWriter, claim: RemitClaim, known: dict) -> None:
    """The claim section. ``known`` keeps the lines written for a rendering provider and for a service line
    (its date, code, modifiers, units and charge), which claim after claim repeat: by the identity of the
    remittance's objects (one Person per provider, one Decimal per amount's text, x12._Amounts), which live as
    long as the remittance, and so as long as ``known``; a Decimal's value would not do (``1.50`` equals
    ``1.5`` but is not written as it)."""
    add = w.lines.append
    add("claim:")
    if claim.payer_claim_number:
        add(f"  number: {encode_basestring(claim.payer_claim_number)}")
    else:
        w.gap(2, "number", "claim.number", "the payer's claim number", "CLP07 is empty")
    if claim.account:
        add(f"  account: {encode_basestring(claim.account)}")
    rendering = claim.rendering_provider
    if rendering:
        said = known.get(id(rendering))
        if said is None:
            said = known[id(rendering)] = _rendering_lines(rendering)
        w.lines.extend(said)
    if not claim.lines:
        w.gap(2, "lines", "claim.lines", "the claim's lines; the remittance has none (claim-level adjustment)",
              "a list of {date, code, charge}")
        return
    add("  lines:")
    for number, line in enumerate(claim.lines, start=1):
        date = line.date_from or claim.service_from
        if not (date and line.code):  # a line with a gap names its number: written on its own
            _write_line(w, claim, line, number)
            continue
        key = (date, line.code, line.modifiers, id(line.original_units or line.units), id(line.charge))
        said = known.get(key)
        if said is None:
            start = len(w.lines)
            _write_line(w, claim, line, number)
            said = known[key] = w.lines[start:]
        else:
            w.lines.extend(said)


def _rendering_lines(rendering) -> list[str]:
    name = _person_name(rendering)
    if not name:
        return []
    lines = ["  rendering_provider:", f"    name: {encode_basestring(name)}"]
    if rendering.npi and npi_is_valid(rendering.npi):
        lines.append(f"    npi: {encode_basestring(rendering.npi)}")
    return lines


def _write_line(w: _CaseWriter, claim: RemitClaim, line, number: int) -> None:
    add = w.lines.append
    date = line.date_from or claim.service_from
    if date:
        add(f"    - date: {encode_basestring(date.isoformat())}")
    else:
        add("    -")
        w.gap(6, "date", f"claim.lines[{number - 1}].date", "the date of service", "YYYY-MM-DD")
    if line.code:
        add(f"      code: {encode_basestring(line.code)}")
    else:
        w.gap(6, "code", f"claim.lines[{number - 1}].code", "the procedure code", "a 5-character CPT or HCPCS code")
    if line.modifiers:
        add(f"      modifiers: {_scalar(line.modifiers)}")
    units = line.original_units or line.units  # SVC07 (billed) when given; SVC05 counts the units paid
    if units and units != 1:
        add(f"      units: {encode_basestring(_number(units))}")
    if line.charge is not None:
        add(f"      charge: {encode_basestring(_number(line.charge))}")


def _number(value: Decimal) -> str:
    return format(value, "f")


def _write_denial_date(w: _CaseWriter, txn: Transaction, today: dt.date | None) -> None:
    date, which = txn.dated(today or dt.date.today())
    if date:
        w.key(2, "date", date.isoformat(), which)
    else:
        w.gap(2, "date", "denial.date", "the date of the denial", "YYYY-MM-DD")


def _denial_part(denial: RemitDenial) -> _Part:
    """The denial section after its date: the same for every denial of one reason, remark codes and lines."""
    w = _CaseWriter()
    if denial.group:
        w.key(2, "group", denial.group)
    if denial.carc:
        w.key(2, "carc", denial.carc)
    else:
        w.gap(2, "carc", "denial.carc", "the reason code; the claim was denied (CLP02=4) without one")
    if denial.rarc:
        w.key(2, "rarc", list(denial.rarc))
    if denial.lines:
        w.key(2, "lines", [str(n) for n in denial.lines])
    return w.lines, w.fill_in


def _denial_said(denial: RemitDenial) -> tuple[str, str]:
    """The header's line naming the denial and its lines, and the reason a file name carries (``CO-189``)."""
    code = reason_code(denial.group, denial.carc)
    where = f"line(s) {', '.join(map(str, denial.lines))}" if denial.lines else "the claim"
    return (f"# Denial: {code or 'the whole claim (no adjustment code)'} on {where}. It holds the patient's "
            f"data: keep it private.", code or "denied")


def _facts_part(meta: TemplateMeta, defaults: dict, codes: tuple[str, ...]) -> _Part:
    w = _CaseWriter()
    _write_facts(w, meta, defaults, codes)
    return w.lines, w.fill_in


def _write_facts(w: _CaseWriter, meta: TemplateMeta, defaults: dict, codes: tuple[str, ...]) -> None:
    """The facts the template declares: profile defaults filled in, the rest marked."""
    if not meta.facts:
        return
    w.key(0, "appeal")
    w.key(2, "facts")
    for name, spec in meta.facts.items():
        if name in defaults:
            w.key(4, name, defaults[name], f"from code_defaults in appeal.yaml ({', '.join(dict.fromkeys(codes))})")
        elif spec.required:
            w.gap(4, name, f"appeal.facts.{name}", spec.description, FACT_ACCEPTED[spec.type])
        else:
            w.key(4, name, None, f"optional: {spec.description} ({FACT_ACCEPTED[spec.type]})")


# ------------------------------------------------------------- import-835

@dataclass
class Imported:
    """What ``import-835`` wrote: each case file and the reader's warnings."""

    cases: list[tuple[Path, Draft, str]] = field(default_factory=list)  # (path, draft, written|unchanged)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"cases": [{**draft.as_dict(), "file": str(path), "status": status}
                          for path, draft, status in self.cases],
                "warnings": self.warnings}


def import_835(files: Iterable[Path | str], out_dir: Path | str, settings: Settings, force: bool = False,
               today: dt.date | None = None) -> Imported:
    """Write one case file per denial into ``out_dir``.

    Nothing is written when a file is not an 835. A case file that differs from what
    this import would write (a biller filled it in) is kept, with a warning, unless
    ``force``; the other case files are written.
    """
    with no_cycle_collection():  # tens of thousands of drafts, none in a cycle (x12.no_cycle_collection)
        return _import_835(files, Path(out_dir), settings, force, today or dt.date.today())


def _import_835(files: Iterable[Path | str], out_dir: Path, settings: Settings, force: bool,
                today: dt.date) -> Imported:
    workspace, templates = settings.load_workspace(), settings.templates()
    remits = read_remittances(files)
    result = Imported()
    planned: list[tuple[Path, Draft]] = []
    taken: set[str] = set()  # the names of the files planned so far
    for remit in remits:
        result.warnings.extend(warning_lines(remit))
        planned.extend((out_dir / d.name, d) for d in _across_files(drafts(remit, workspace, templates, today),
                                                                     taken))
    present: set[str] | None = set()
    if planned:
        present = listing_after_leftovers(ensure_dir(out_dir))  # what a killed import left is removed first
    writes: list[tuple[Path, str]] = []  # written together: one disk sync per chunk, not one per file
    for path, draft in planned:
        status = place_case(path, draft.text, force, writes, present)
        if status == "kept":
            result.warnings.append(f"{path}: differs from what this import writes (edited since?); kept as it is "
                                   f"(--force replaces it)")
        result.cases.append((path, draft, status))
    write_texts_atomic(writes)
    return result


def place_case(path: Path, text: str, force: bool = False, writes: list[tuple[Path, str]] | None = None,
               present: set[str] | None = None) -> str:
    """Write one case file, unless it is already there as written (``unchanged``) or a biller has edited it
    (``kept``, unless ``force``); ``written`` otherwise. With ``writes`` the file is added to that list, for
    the caller to write with the others (:func:`~appeal.deliver.files.write_texts_atomic`). ``present``: the
    names in the file's folder, listed once for many files (each file is then looked at only when listed)."""
    listed = path.name in present if present is not None else path.is_file()
    existing = _read(path) if listed else None
    if existing == text:
        return "unchanged"
    if existing is not None and not force:
        return "kept"
    if writes is None:
        write_text_atomic(path, text)
    else:
        writes.append((path, text))
    return "written"


def _across_files(found: Iterable[Draft], used: set[str]) -> Iterator[Draft]:
    """Names stay unique when two remittances hold the same claim and reason."""
    for draft in found:
        draft.name = unique_name(draft.name, used)
        yield draft


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
