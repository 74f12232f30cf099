"""The case file's keys, declared once: each key's kind, whether it is required, its default and the
text a problem gives as "accepted"; and the code patterns every input shares.

``inputs/case.py`` reads a case with these declarations, ``inputs/workspace.py`` takes
the provider and signer keys from them, ``commands/remit.py`` names the required ones
a profile fills in, and a test holds the README's case table to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from appeal.inputs.fields import Reader

TEMPLATE_ID = r"[a-z0-9][a-z0-9-]*"
CODE = r"(\d{4}[0-9FTUM]|[A-V]\d{4})"
CODE_ACCEPTED = "a 5-character CPT or HCPCS code such as 76120, 0042T or G0283"
MODIFIER = r"[A-Z0-9]{2}"
ICD10 = r"[A-Z]\d[0-9A-Z](\.?[0-9A-Z]{1,4})?"
CARC = r"(\d{1,3}|[A-Z]\d{1,2}|P\d{1,3})"
RARC = r"[A-Z]{1,2}\d{1,4}"
GROUPS = ("CO", "PR", "OA", "PI", "CR")  # claim adjustment group codes (X12 CAS01)
LEVELS = (
    "corrected-claim",
    "reconsideration",
    "redetermination",
    "medicare-reconsideration",
    "first-level",
    "second-level",
    "external-review",
)
# The payer's kind (payer.kind, in the case or the payer directory; the case wins).
PAYER_KINDS = ("medicare", "medicare-advantage", "medicaid", "commercial", "erisa-plan", "other")
DEFAULT_KIND = "commercial"  # a fully insured plan, or not known
CORRECTED_CLAIM = "corrected-claim"  # fits every kind: a corrected claim is not an appeal
# Each kind's ladder of appeal levels, in order (the README's table is held to this one).
LADDERS: dict[str, tuple[str, ...]] = {
    "medicare": ("redetermination", "medicare-reconsideration"),
    "medicare-advantage": ("reconsideration",),
    "medicaid": ("reconsideration", "first-level", "second-level", "external-review"),
    "commercial": ("reconsideration", "first-level", "second-level", "external-review"),
    "erisa-plan": ("reconsideration", "first-level", "second-level", "external-review"),
    "other": ("reconsideration", "first-level", "second-level", "external-review"),
}


def levels_of(kind: str | None) -> tuple[str, ...]:
    """The levels a letter to a payer of ``kind`` may be written at: a corrected claim, then its ladder."""
    return (CORRECTED_CLAIM, *LADDERS[kind or DEFAULT_KIND])


def first_level(kind: str | None) -> str:
    """The level an appeal to a payer of ``kind`` starts at, when the case names none."""
    return LADDERS[kind or DEFAULT_KIND][0]
FACT_TYPES = ("yesno", "text", "list", "date", "number")
# What a fact of each type accepts, for the case's problems and the drafted case file's comments.
FACT_ACCEPTED = {
    "yesno": "yes or no",
    "text": "text",
    "list": "a list of text, e.g. [cervical spine]",
    "date": "a date as YYYY-MM-DD",
    "number": "a number",
}
MODIFIERS_ACCEPTED = "2-character modifiers such as 59, 26, XS"
FILE_ACCEPTED = "a file path, relative to the case file's folder"
NPI = r"\d{10}"
NPI_ACCEPTED = "a 10-digit NPI with a valid check digit"

# kind: text, list (of text), npi, file, date, number, amount, choice, section, items (a list of sections or
# values), facts (named by the template).
KINDS = ("text", "list", "npi", "file", "date", "number", "amount", "choice", "yesno", "section", "items", "facts")


@dataclass(frozen=True)
class Key:
    """One key of a case file."""

    name: str
    kind: str = "text"
    required: bool = False
    default: Any = None
    accepted: str | None = None
    pattern: str | None = None
    upper: bool = False
    split: bool = False  # a list typed as one string "26, 59" is split
    address: bool = False  # a list of an address's lines (Reader.address)
    choices: tuple[str, ...] = ()
    minimum: Decimal | None = None
    past: bool = False  # a date before today
    until_today: bool = False  # a date not after today
    what: str = ""  # what the value is, where a drafted case file asks for it


def _modifiers(name: str) -> Key:
    return Key(name, "list", pattern=MODIFIER, upper=True, split=True, accepted=MODIFIERS_ACCEPTED)


# Each section's keys, in the order a problem lists them. A list's items are the section "<name>[]".
CASE_KEYS: dict[str, tuple[Key, ...]] = {
    "": (
        Key("template", pattern=TEMPLATE_ID, accepted="a template id: lower-case letters, digits and '-'"),
        Key("provider", "section", required=True),
        Key("payer", "section", required=True),
        Key("patient", "section", required=True),
        Key("claim", "section", required=True),
        Key("denial", "section", required=True),
        Key("appeal", "section"),
        Key("enclosures", "items"),
        Key("signer", "section", required=True),
    ),
    "provider": (
        Key("name", required=True, what="the billing provider's name"),
        Key("npi", "npi", required=True, pattern=NPI, accepted=NPI_ACCEPTED,
            what="the billing provider's 10-digit NPI"),
        Key("tin", pattern=r"\d{2}-?\d{7}", accepted="a 9-digit TIN/EIN such as 12-3456789"),
        Key("address", "list", required=True, accepted="the address as a list of lines", address=True,
            what="the billing provider's address, as a list of lines"),
        Key("phone"),
        Key("fax"),
        Key("logo", "file", accepted=FILE_ACCEPTED),
    ),
    "payer": (
        Key("name", required=True),
        Key("id"),
        Key("attention"),
        Key("address", "list", address=True),
        Key("fax"),
        Key("portal"),
        Key("distinct_modifier", "choice", choices=("59", "XS"), default="59"),
        Key("timely_filing_days", "number", minimum=Decimal(1)),  # the filing limit, from the date of service
        Key("kind", "choice", choices=PAYER_KINDS, default=DEFAULT_KIND),
        Key("self_funded", "yesno"),
        Key("grandfathered", "yesno"),
    ),
    "patient": (
        Key("name", required=True),
        Key("member_id", required=True, accepted="the member id on the patient's card"),
        Key("dob", "date", past=True),
        Key("subscriber_name"),
        Key("group_number"),
    ),
    "claim": (
        Key("number", required=True, accepted="the payer's claim number"),
        Key("account"),
        Key("lines", "items", required=True, accepted="at least one claim line (date, code, ...)"),
        Key("rendering_provider", "section"),
    ),
    "claim.rendering_provider": (
        Key("name", required=True),
        Key("npi", "npi", pattern=NPI, accepted=NPI_ACCEPTED),
    ),
    "claim.lines[]": (
        Key("date", "date", required=True, until_today=True),
        Key("code", required=True, pattern=CODE, accepted=CODE_ACCEPTED, upper=True),
        _modifiers("modifiers"),
        Key("units", "number", minimum=Decimal(1), default=Decimal(1)),
        Key("charge", "amount", minimum=Decimal(0)),
        Key("diagnoses", "list", pattern=ICD10, upper=True, split=True,
            accepted="ICD-10-CM codes such as M54.2 or S13.4XXA"),
        Key("description"),
    ),
    "denial": (
        Key("date", "date", required=True, until_today=True),
        Key("carc", required=True, pattern=CARC, upper=True,
            accepted="a claim adjustment reason code such as 189, 97 or B7"),
        Key("group", "choice", choices=GROUPS),
        Key("rarc", "list", pattern=RARC, upper=True, split=True, accepted="remark codes such as N657, M51, MA130"),
        Key("reason"),
        Key("lines", "items", default="all"),
    ),
    "appeal": (
        Key("level", "choice", choices=LEVELS),
        Key("date", "date"),
        Key("requested_code", pattern=CODE, accepted=CODE_ACCEPTED, upper=True),
        _modifiers("requested_modifiers"),
        Key("prior_decision", "section"),
        Key("authorized_representative", "yesno"),
        Key("good_cause"),
        Key("external_review_address", "list", accepted="the address as a list of lines", address=True),
        Key("facts", "facts"),
        Key("citations", "items"),
        Key("notes"),
    ),
    "appeal.prior_decision": (
        Key("date", "date"),
        Key("reference"),
        Key("reason"),
    ),
    "appeal.citations[]": (
        Key("id", required=True, accepted="a citation id; see 'appeal citations list'"),
        Key("passage", required=True, accepted="a passage id of that citation"),
        Key("intro", what="the sentence that introduces the quote in the letter, e.g. 'CPT Assistant describes "
            "the service:'"),
    ),
    "enclosures[]": (
        Key("description", required=True),
        Key("path", "file", accepted=FILE_ACCEPTED),
    ),
    "signer": (
        Key("name", required=True, what="who signs the letter"),
        Key("title", required=True, what="the signer's title, e.g. Billing Manager"),
        Key("credentials"),
        Key("phone"),
        Key("email"),
        Key("signature", "file", accepted=FILE_ACCEPTED),
    ),
}


def profile_fields() -> dict[str, str]:
    """The required provider and signer keys, which a practice profile can give, with what each is."""
    return {f"{section}.{k.name}": k.what for section in ("provider", "signer") for k in CASE_KEYS[section]
            if k.required}


def keys_of(section: str) -> tuple[str, ...]:
    """The key names of a section, in order."""
    return tuple(key.name for key in CASE_KEYS[section])


def key(section: str, name: str) -> Key:
    return _KEY_INDEX[section, name]


_KEY_INDEX = {(section, k.name): k for section, keys in CASE_KEYS.items() for k in reversed(keys)}
"""Each key by its section and name (the first of a name, as a scan of the section finds it)."""


def read(r: Reader, at: tuple, section: str, name: str, **kw: Any) -> Any:
    """Read the key ``name`` of ``section`` at ``at + (name,)`` as declared (``kw`` adds ``today`` for dates)."""
    k = key(section, name)
    path = at + (k.name,)
    if k.kind in ("text", "npi", "file"):
        return r.text(path, required=k.required, pattern=k.pattern, accepted=k.accepted, upper=k.upper)
    if k.kind == "list" and k.address:
        return r.address(path, required=k.required, accepted=k.accepted)
    if k.kind == "list":
        return r.text_list(path, required=k.required, pattern=k.pattern, accepted=k.accepted, upper=k.upper,
                           split=k.split)
    if k.kind == "date":
        return r.date(path, required=k.required, past=k.past, until_today=k.until_today, today=kw.get("today"))
    if k.kind == "number":
        return r.number(path, required=k.required, minimum=k.minimum, default=k.default)
    if k.kind == "amount":
        return r.amount(path, required=k.required, minimum=k.minimum)
    if k.kind == "choice":
        value = r.choice(path, k.choices, required=k.required)
        return k.default if value is None else value
    if k.kind == "yesno":
        return r.yes_no(path, required=k.required, default=k.default)
    if k.kind == "section":
        return r.mapping(path, keys_of(_sub(section, k.name)), required=k.required)
    if k.kind == "items":
        return r.items(path, required=k.required, what=k.accepted or "a list")
    raise ValueError(f"{section}.{name}: kind {k.kind} is read by its section's reader")


def _sub(section: str, name: str) -> str:
    return f"{section}.{name}" if section else name
