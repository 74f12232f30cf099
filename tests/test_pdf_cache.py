"""What the PDF renderer keeps per process (line breaks, faces read on first use, formatted font objects,
cheap frame copies) never changes a letter's bytes."""

from __future__ import annotations

import copy
import dataclasses
import subprocess
import sys

from appeal.commands.generate import prepare
from appeal.letters.document import BulletList, Heading, PageSetup, Paragraph, Quote, Run
from appeal.render import pdf
from appeal.settings import Settings

from conftest import LETTER_DATE, ROOT, UPMC

RUNS = (Run("Clinical indication. ", bold=True), Run("both ", bold=True, italic=True), Run("soft\u00adhyphen "),
        Run("non\u00a0breaking "), Run("Nguyễn Văn Łukasz ", italic=True), Run("x" * 120), Run("", br=True),
        Run("<b>&amp;</b> after a break"))


def _odd_letter():
    """The sample letter after paragraphs that take every path: bold italic, a soft hyphen, a no-break
    space, letters beyond ASCII, a word longer than a line, a line break, markup characters."""
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    odd = (Heading(RUNS), Paragraph(RUNS), BulletList((RUNS, RUNS)), Quote("quoted text " * 60, "attribution", "c", "p"),
           Paragraph(RUNS, style="small"))
    return dataclasses.replace(letter, blocks=odd * 2 + letter.blocks)


def test_kept_line_breaks_give_the_bytes_of_breaking_every_time(monkeypatch):
    letter = _odd_letter()
    pdf.render_pdf(letter)
    warm = pdf.render_pdf(letter)
    pdf._parsed.cache_clear()
    monkeypatch.setattr(pdf._Para, "KEPT", 0)  # nothing kept: every wrap breaks its lines again
    assert pdf.render_pdf(letter) == warm
    assert pdf.render_pdf(letter, PageSetup(letterhead_font="sans", monochrome=True)) == \
        pdf.render_pdf(letter, PageSetup(letterhead_font="sans", monochrome=True))


def test_a_frame_copy_is_a_deep_copy():
    frame = pdf._frame((72.0, 72.0, 72.0, 72.0), "text")
    frame._frameBGs = [["a", "list"]]  # as a build sets it
    copied = copy.deepcopy(frame)
    assert type(copied) is type(frame) and copied.__dict__ == frame.__dict__
    assert copied._frameBGs is not frame._frameBGs and copied._frameBGs[0] is not frame._frameBGs[0]


_DIGEST = """
import dataclasses, hashlib, sys
sys.path.insert(0, "tests")
import test_pdf_cache
from appeal.letters.document import PageSetup
from appeal.render import pdf
if sys.argv[1] == "all-first":
    pdf.fonts()
letter = test_pdf_cache._odd_letter()
for page in (PageSetup(letterhead_font="sans"), PageSetup()):
    print(hashlib.sha256(pdf.render_pdf(letter, page)).hexdigest())
print(sorted(pdf._LOADED))
"""


def _fresh(order: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _DIGEST, order], capture_output=True, text=True, cwd=ROOT,
                          check=True)
    return done.stdout.splitlines()


def test_faces_read_on_first_use_give_the_bytes_of_reading_them_all_first():
    """The faces a letter uses are read when it first uses them (the sans letterhead's italic is its
    upright face, as reportlab registers it): the same bytes as with every face registered up front."""
    lazy, eager = _fresh("lazy"), _fresh("all-first")
    assert lazy[:2] == eager[:2]


def test_a_serif_letter_reads_only_the_serif_faces():
    code = ("from appeal.commands.generate import prepare; from appeal.settings import Settings; "
            "from appeal.render import pdf; import datetime as dt; "
            f"pdf.render_pdf(prepare({str(UPMC)!r}, Settings(date=dt.date(2026, 11, 27))).letter); "
            "print(sorted(pdf._LOADED))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            check=True).stdout
    assert "LiberationSerif" in loaded and "LiberationSans" not in loaded
