"""Whether the PDF's fonts can draw a case: checked before anything is drawn.

A character no bundled font can draw would print as a blank box, so it is an error
naming the field, its line and the character's code point. ``validate`` and every
writer of a PDF (``deliver/letter``, ``deliver/packet``) call :func:`check_fonts`.
"""

from __future__ import annotations

from appeal.errors import Problem, RenderError
from appeal.inputs.case import Case, case_texts
from appeal.inputs.yamlread import dotted

ACCEPTED = "Latin, Greek and Cyrillic letters, including Vietnamese"


def check_fonts(case: Case) -> None:
    """Every text field of the case against the PDF's fonts; every problem in one :class:`RenderError`."""
    from appeal.render.pdf import describe_missing, missing_glyphs

    problems = []
    for at, text in case_texts(case):
        missing = missing_glyphs(text)
        if missing:
            line = case.located.line(at) if case.located else None
            problems.append(Problem(str(case.source), f"the PDF font cannot draw {describe_missing(missing)}",
                                    line=line, field=dotted(at), accepted=ACCEPTED))
    if problems:
        raise RenderError(problems)
