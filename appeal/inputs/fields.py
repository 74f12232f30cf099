"""Small, explicit field readers shared by every YAML input (cases, citations, templates).

A :class:`Reader` walks :class:`~appeal.inputs.yamlread.Located` data and turns strings into
typed values. It never stops at the first problem: each reader returns ``None`` for
a bad value and records a :class:`~appeal.errors.Problem` with the file, line, dotted
field, what was wrong and what is accepted. The caller raises once, with them all.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from appeal.errors import Problem
from appeal.inputs.yamlread import Located, dotted

# Characters no letter carries: C0 and C1 controls but tab and newline, lone surrogates, the bidirectional
# embedding, override and isolate controls (a U+202E in a name reverses what the payer reads), non-characters.
REFUSED_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                                "\ud800-\udfff\ufffe\uffff]")
_CHARACTER_NAMES = {0x202A: "a left-to-right embedding", 0x202B: "a right-to-left embedding",
                    0x202C: "a pop-directional-formatting", 0x202D: "a left-to-right override",
                    0x202E: "a right-to-left override", 0x2066: "a left-to-right isolate",
                    0x2067: "a right-to-left isolate", 0x2068: "a first-strong isolate",
                    0x2069: "a pop-directional-isolate"}
TEXT_ACCEPTED = "printable text: no control characters (but tab and newline), no bidirectional controls"

YES = frozenset({"yes", "y", "true", "t", "on", "1"})
NO = frozenset({"no", "n", "false", "f", "off", "0"})
_MISSING = object()
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` or ``MM/DD/YYYY``; ``None`` when neither, or not a real date."""
    text = text.strip()
    if _ISO_DATE.fullmatch(text):  # what strptime("%Y-%m-%d") reads, without its regular expressions
        try:
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:  # not a real date (and no MM/DD/YYYY either)
            return None
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def refused_character(text: str) -> str | None:
    """``"a right-to-left override character (U+202E)"`` for the first character no letter carries, or ``None``."""
    found = REFUSED_CHARACTERS.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if code in _CHARACTER_NAMES:
        what = _CHARACTER_NAMES[code] + " character"
    elif 0xD800 <= code <= 0xDFFF:
        what = "a lone surrogate"
    elif code in (0xFFFE, 0xFFFF):
        what = "a non-character"
    else:
        what = "a control character"
    return f"{what} (U+{code:04X})"


def parse_yes_no(text: str) -> bool | None:
    word = text.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    return None


def parse_amount(text: str) -> Decimal | None:
    """An exact money amount: ``500``, ``500.04``, ``$1,250.00``; ``None`` otherwise."""
    cleaned = text.strip().replace(",", "")
    if cleaned.startswith("$"):
        cleaned = cleaned[1:]
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        return None


class Reader:
    """Typed access to located YAML data, collecting problems instead of raising.

    ``max_text`` caps every text value (``limits`` per field, by dotted path without list
    indices, e.g. ``("appeal", "notes")``). The value of a field in ``private`` (a patient's
    name, member id, date of birth, a claim number) is never repeated in a problem.
    """

    def __init__(self, located: Located, max_text: int | None = None,
                 limits: Mapping[tuple, int] | None = None, private: Iterable[tuple] = ()):
        self.located = located
        self.problems: list[Problem] = []
        self.max_text = max_text
        self.limits = dict(limits or {})
        self.private = frozenset(private)

    def shown(self, path: tuple, value: Any) -> str:
        """``'value'`` for a problem's message; for a private field, only that the value is wrong."""
        if _generic(path) in self.private:
            return "the value"
        return f"'{value}'"

    # -- bookkeeping -------------------------------------------------------------
    def problem(self, path: tuple, message: str, accepted: str | None = None) -> None:
        self.problems.append(
            Problem(
                file=self.located.file,
                line=self.located.line(path),
                field=dotted(path) or None,
                message=message,
                accepted=accepted,
            )
        )

    def get(self, path: tuple) -> Any:
        """The raw value at ``path``, or ``_MISSING``; an empty value or list counts as missing."""
        value: Any = self.located.data
        for part in path:
            if isinstance(part, int):
                if not isinstance(value, list) or part >= len(value):
                    return _MISSING
            elif not isinstance(value, dict) or part not in value:
                return _MISSING
            value = value[part]
        if value in ("", [], {}) or value is None:
            return _MISSING
        return value

    def present(self, path: tuple) -> bool:
        return self.get(path) is not _MISSING

    # -- shapes ------------------------------------------------------------------
    def mapping(self, path: tuple, keys: Iterable[str], required: bool = False) -> dict | None:
        """A mapping with only ``keys``; unknown keys get a "did you mean"."""
        value = self.get(path)
        if value is _MISSING:
            if required:
                self.problem(path, "is required", "a section with " + ", ".join(keys))
            return None
        if not isinstance(value, dict):
            self.problem(path, f"must be a section of fields, not {_kind(value)}",
                         "fields: " + ", ".join(keys))
            return None
        keys = list(keys)
        for key in value:
            if key not in keys:
                import difflib  # only when there is a suggestion to make

                close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.problem(path + (key,), f"unknown field '{key}'{hint}", ", ".join(keys))
        return value

    def items(self, path: tuple, required: bool = False, what: str = "a list") -> list:
        """A list (a single value is taken as a list of one)."""
        value = self.get(path)
        if value is _MISSING:
            if required:
                self.problem(path, "is required", what)
            return []
        if isinstance(value, dict):
            self.problem(path, "must be a list, not a section", what)
            return []
        return value if isinstance(value, list) else [value]

    # -- scalars -----------------------------------------------------------------
    def text(self, path: tuple, required: bool = False, pattern: str | None = None,
             accepted: str | None = None, upper: bool = False) -> str | None:
        value = self.get(path)
        if value is _MISSING:
            if required:
                self.problem(path, "is required", accepted or "text")
            return None
        if not isinstance(value, str):
            self.problem(path, f"must be text, not {_kind(value)}{_quote_hint(value)}", accepted or "text")
            return None
        value = value.replace("\r\n", "\n").strip()
        refused = refused_character(value)
        if refused:
            self.problem(path, f"contains {refused}, which a letter cannot carry", TEXT_ACCEPTED)
            return None
        if not value:  # only spaces: as good as missing
            if required:
                self.problem(path, "is required (it holds only spaces)", accepted or "text")
            return None
        limit = self.limits.get(_generic(path), self.max_text)
        if limit is not None and len(value) > limit:
            self.problem(path, f"is {len(value):,} characters long, more than the {limit:,} accepted",
                         f"at most {limit:,} characters")
            return None
        if upper:
            value = value.upper()
        if pattern and not re.fullmatch(pattern, value):
            self.problem(path, f"{self.shown(path, value)} is not valid", accepted)
            return None
        return value

    def choice(self, path: tuple, choices: Iterable[str], required: bool = False) -> str | None:
        choices = list(choices)
        value = self.text(path, required=required, accepted=", ".join(choices))
        if value is None:
            return None
        if value not in choices:
            import difflib  # only when there is a suggestion to make

            close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.problem(path, f"'{value}' is not one of the choices{hint}", ", ".join(choices))
            return None
        return value

    def date(self, path: tuple, required: bool = False, past: bool = False, until_today: bool = False,
             today: dt.date | None = None) -> dt.date | None:
        """A date; with ``past``, one before today (a birth date); with ``until_today``, one not after today
        (a date of service, a denial: a later one is a typo)."""
        accepted = "a date as YYYY-MM-DD or MM/DD/YYYY"
        value = self.text(path, required=required, accepted=accepted)
        if value is None:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.problem(path, f"{self.shown(path, value)} is not a real date", accepted)
            return None
        limit = today or dt.date.today()
        if (past and parsed >= limit) or (until_today and parsed > limit):
            shown = "the date" if _generic(path) in self.private else parsed.isoformat()
            said, wanted = ("is not in the past", "a date before today") if past else \
                ("is after today", "a date not after today")
            self.problem(path, f"{shown} {said}", wanted)
            return None
        return parsed

    def amount(self, path: tuple, required: bool = False, minimum: Decimal | None = None) -> Decimal | None:
        accepted = "an amount such as 500, 500.04 or $1,250.00"
        if minimum is not None:
            accepted += f", at least {minimum}"
        value = self.text(path, required=required, accepted=accepted)
        if value is None:
            return None
        parsed = parse_amount(value)
        if parsed is None:
            self.problem(path, f"'{value}' is not an amount", accepted)
            return None
        if minimum is not None and parsed < minimum:
            self.problem(path, f"{parsed} is less than {minimum}", accepted)
            return None
        return parsed

    def number(self, path: tuple, required: bool = False, minimum: Decimal | None = None,
               default: Decimal | None = None) -> Decimal | None:
        accepted = "a number" + (f" of at least {minimum}" if minimum is not None else "")
        value = self.text(path, required=required, accepted=accepted)
        if value is None:
            return default
        try:
            parsed = Decimal(value)
            if not parsed.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.problem(path, f"'{value}' is not a number", accepted)
            return None
        if minimum is not None and parsed < minimum:
            self.problem(path, f"{value} is less than {minimum}", accepted)
            return None
        return parsed

    def yes_no(self, path: tuple, required: bool = False, default: bool | None = None) -> bool | None:
        accepted = "yes or no (true/false)"
        value = self.text(path, required=required, accepted=accepted)
        if value is None:
            return default
        parsed = parse_yes_no(value)
        if parsed is None:
            self.problem(path, f"'{value}' is not yes or no", accepted)
        return parsed

    def address(self, path: tuple, required: bool = False, accepted: str | None = None) -> tuple[str, ...]:
        """An address, a list of lines; a line that is only a state and ZIP code (``PA 15000``) after another is
        the city's line cut at its comma (``[12 Main St, Springfield, PA 15000]`` is three items in YAML), and a
        problem: printed so, the window would show the city and the state on two lines."""
        lines = self.text_list(path, required=required, accepted=accepted)
        for n in range(1, len(lines)):
            if _STATE_ZIP.fullmatch(lines[n]) and "," not in lines[n - 1]:
                joined = f"{lines[n - 1]}, {lines[n]}"
                self.problem(path + (n,), f"'{lines[n - 1]}' and '{lines[n]}' are read as two lines of the "
                             "address, the city's line cut in two (in [...] a comma separates lines)",
                             f'one line, in quotes: "{joined}"')
        return lines

    def text_list(self, path: tuple, required: bool = False, pattern: str | None = None,
                  accepted: str | None = None, upper: bool = False, split: bool = False) -> tuple[str, ...]:
        """A list of text; with ``split``, one string ``"26, 59"`` is read as two items."""
        raw = self.items(path, required=required, what=accepted or "a list of text")
        if split and len(raw) == 1 and isinstance(raw[0], str):
            parts = [p for p in re.split(r"[\s,]+", raw[0].strip()) if p]
            raw = parts
            out = []
            for part in parts:
                value = part.upper() if upper else part
                if pattern and not re.fullmatch(pattern, value):
                    self.problem(path, f"{self.shown(path, part)} is not valid", accepted)
                else:
                    out.append(value)
            return tuple(out)
        if isinstance(self.get(path), str):  # one value typed as a list of one (a CSV cell)
            one = self.text(path, pattern=pattern, accepted=accepted, upper=upper)
            return (one,) if one is not None else ()
        out = []
        for i in range(len(raw)):
            value = self.text(path + (i,), pattern=pattern, accepted=accepted, upper=upper)
            if value is not None:
                out.append(value)
        return tuple(out)


_STATE_ZIP = re.compile(r"[A-Z]{2} \d{5}(?:-\d{4})?")  # a US address's state and ZIP code, alone


def _quote_hint(value: Any) -> str:
    """``- Attn: Appeals`` is read by YAML as a section ``{Attn: Appeals}``: say to quote the line."""
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if isinstance(inner, str):
            text = f"{key}: {inner}".replace('"', '\\"')
            return f" (the ': ' makes YAML read a section); put the line in quotes: \"{text}\""
    return ""


def _generic(path: tuple) -> tuple:
    """A path without its list indices: ``("claim", "lines", 0, "code")`` -> ``("claim", "lines", "code")``."""
    return tuple(part for part in path if not isinstance(part, int))


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a section"
    if isinstance(value, list):
        return "a list"
    return "text"
