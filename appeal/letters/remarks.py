"""Remark codes that change what a letter should be, checked before anything is written.

Some remittance remark codes say an appeal is the wrong answer: N211 says the
decision may not be appealed, and N704 and MA130 say the claim is to be
resubmitted (corrected) instead. For those, the biller is warned, quoting the
code's official description from ``appeal/data/codes.yaml``. For N704 and MA130 the
letter becomes a corrected-claim cover letter when the case did not choose a level
and the template says (front matter ``levels``) that it writes one: :func:`remark_level`
gives that level to ``bind``; the case is never rewritten.
"""

from __future__ import annotations

import re

from appeal.inputs.case import Case
from appeal.letters.templates import TemplateMeta
from appeal.reference.codes import code_table

NOT_APPEALABLE = ("N211",)
RESUBMIT = ("N704", "MA130")
CORRECTED = "corrected-claim"
_NEW_CLAIM = re.compile(r"\bsubmit a new claim\b", re.IGNORECASE)


def asks_new_claim(case: Case) -> bool:
    """A remark code whose description says to submit a new claim (MA130): the claim was never processed,
    so what goes back is a new claim (frequency code 1), not a replacement (7)."""
    return any(_NEW_CLAIM.search(code_table().rarc(code) or "") for code in case.denial.rarc)


def _quoted(code: str) -> str:
    description = code_table().rarc(code)
    return f'remark code {code} ("{description}")' if description else f"remark code {code}"


def remark_level(case: Case, meta: TemplateMeta) -> tuple[str | None, list[str]]:
    """The level the letter is written at, given the remark codes, and the warnings to show before writing."""
    warnings = []
    remarks = set(case.denial.rarc)
    for code in NOT_APPEALABLE:
        if code in remarks:
            warnings.append(f"{_quoted(code)}: the payer says this decision cannot be appealed. Check the denial "
                            f"with the payer before sending this letter.")
    resubmit = [code for code in RESUBMIT if code in remarks]
    level = case.appeal.level
    if not resubmit:
        return level, warnings
    said = " and ".join(_quoted(code) for code in resubmit)
    if level == CORRECTED:
        warnings.append(f"{said}: the payer asks for a corrected claim rather than an appeal; this letter is a "
                        f"corrected-claim cover letter, as the case asks.")
    elif level is not None:
        warnings.append(f"{said}: the payer asks for a corrected claim rather than an appeal, but the case sets "
                        f"appeal.level to {level}, so the letter stays a {level}.")
    elif not meta.writes(CORRECTED):
        warnings.append(f"{said}: the payer asks for a corrected claim rather than an appeal, and template "
                        f"'{meta.id}' does not write corrected-claim letters (its front matter 'levels'); "
                        f"send a corrected claim instead of this letter.")
    else:
        warnings.append(f"{said}: the payer asks for a corrected claim rather than an appeal, so this letter is a "
                        f"corrected-claim cover letter (set appeal.level to choose another level).")
        level = CORRECTED
    return level, warnings
