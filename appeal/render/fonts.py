"""Whether the PDF's fonts can draw a case: checked before anything is drawn.

A character no bundled font can draw would print as a blank box, so it is an error
naming the field, its line and the character's code point. ``validate`` and every
writer of a PDF (``deliver/letter``, ``deliver/packet``) call :func:`check_fonts`.

The check reads no font: :data:`COVERAGE` lists the code points every bundled face maps
(``tests/test_fonts.py`` derives it from the font files again and compares), so a case is
checked without parsing eight TrueType files or importing reportlab.
"""

from __future__ import annotations

import unicodedata

from appeal.errors import Problem, RenderError
from appeal.inputs.case import Case, case_strings, case_texts
from appeal.inputs.yamlread import dotted

ACCEPTED = "Latin, Greek and Cyrillic letters, including Vietnamese"

# The code points every bundled face (appeal/fonts/*.ttf) can draw, as ranges of hexadecimal code points:
# text may be set in any face (bold, italic, the letterhead's sans), so a character counts only when all
# of them map it.
COVERAGE = (
    "0020-007E 00A0-036F 0374-0375 037A-037E 0384-038A 038C 038E-03A1 03A3-03CE 03D0-0513 051A-051D "
    "0591-05C7 05D0-05EA 05F0-05F4 1D00-1DCA 1DFE-1E9B 1E9E 1EA0-1EF9 1F00-1F15 1F18-1F1D 1F20-1F45 "
    "1F48-1F4D 1F50-1F57 1F59 1F5B 1F5D 1F5F-1F7D 1F80-1FB4 1FB6-1FC4 1FC6-1FD3 1FD6-1FDB 1FDD-1FEF "
    "1FF2-1FF4 1FF6-1FFE 2000-2010 2012-2022 2026 202A-2030 2032-2034 2039-203A 203C 203E 2044 205E "
    "206A-206F 2074-2079 207F-2089 2090-2094 20A0-20B5 20BF 20F0 2105 2113 2116-2117 2122 2126 212E "
    "214D-214E 2153-2154 215B-215E 2184 2190-2195 21A8 21D4 2202 2206 220F 2211-2212 2215 2219-221A "
    "221E-221F 2229 222B 2248 2260-2262 2264-2265 2302 2310 2320-2321 2500 2502 250C 2510 2514 2518 251C "
    "2524 252C 2534 253C 2550-256C 2580 2584 2588 258C 2590-2593 25A0-25A1 25AA-25AC 25B2 25BA 25BC 25C4 "
    "25CA-25CC 25CF-25D9 25E6 263A-263C 2640 2642 2660 2663 2665-2666 2669-266C 266F 2C60-2C6D 2C71-2C77 "
    "2E17 A717-A721 A788-A78C FB01-FB02 FB1D-FB36 FB38-FB3C FB3E FB40-FB41 FB43-FB44 FB46-FB4F FE20-FE23 "
    "FFFC FFFF"
)


def _covered(ranges: str) -> frozenset[str]:
    chars: set[str] = set()
    for item in ranges.split():
        low, _, high = item.partition("-")
        chars.update(map(chr, range(int(low, 16), int(high or low, 16) + 1)))
    return frozenset(chars)


COVERED = _covered(COVERAGE)


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` (as drawn: NFC) that some bundled face cannot draw.

    White space is never drawn as a glyph: the letter folds it into plain spaces and line breaks.
    """
    return {ch for ch in set(unicodedata.normalize("NFC", text)) - COVERED if not ch.isspace()}


def describe_missing(missing: set[str]) -> str:
    """``'字' (U+5B57)``: each character and its code point, so a user can find it."""
    return ", ".join(f"'{c}' (U+{ord(c):04X})" for c in sorted(missing))


def check_fonts(case: Case) -> None:
    """Every text field of the case against the PDF's fonts; every problem in one :class:`RenderError`.

    All the case's text is checked at once first (NFC composes nothing across the line breaks joining it, so
    it holds a character some face cannot draw exactly when a field does); the fields one by one only then,
    to name each."""
    if not missing_glyphs("\n".join(case_strings(case))):
        return
    problems = []
    for at, text in case_texts(case):
        missing = missing_glyphs(text)
        if missing:
            line = case.located.line(at) if case.located else None
            problems.append(Problem(str(case.source), f"the PDF font cannot draw {describe_missing(missing)}",
                                    line=line, field=dotted(at), accepted=ACCEPTED))
    if problems:
        raise RenderError(problems)
