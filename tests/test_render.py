"""Both renderers, read back as a biller's tools would: the same letter in DOCX and PDF."""

from __future__ import annotations

import docx
import pytest
from pypdf import PdfReader

from appeal.commands.generate import generate, prepare
from appeal.render.formats import render
from appeal.settings import Settings

from conftest import LETTER_DATE, UPMC, docx_text, flat, pdf_text

QUOTE = ("Since specific codes are included in CPT for this imaging procedure, the unlisted code 76499 should "
         "not be used to identify a cineradiography or videofluorography procedure.")


@pytest.fixture(scope="module")
def letters(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = generate(UPMC, out, Settings(date=LETTER_DATE))
    return {p.suffix: p for p in result.outputs}


@pytest.mark.parametrize("suffix", [".pdf", ".docx"])
def test_both_files_hold_the_letter(letters, suffix):
    text = flat(pdf_text(letters[suffix]) if suffix == ".pdf" else docx_text(letters[suffix]))
    for expected in ("Jane Q. Sample", "SAMPLE-2026-000123", "UPMC Health Plan", "76496", "76120", QUOTE,
                     "CPT Assistant, September 2000, p. 4", "November 27, 2026", "References"):
        assert expected in text, expected
    assert "photoactive" not in text


def test_file_names_are_payer_claim_and_date(letters):
    assert letters[".pdf"].name == "UPMC-Health-Plan_SAMPLE-2026-000123_2026-11-27.pdf"
    assert letters[".docx"].stem == letters[".pdf"].stem


def test_docx_uses_word_styles(letters):
    document = docx.Document(str(letters[".docx"]))
    by_style = {}
    for p in document.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert QUOTE in by_style["Quote"]
    assert "CPT Assistant, September 2000, p. 4" in by_style["Quote Attribution"]
    assert "Heading 2" in by_style and "List Bullet" in by_style
    assert document.tables[0].style.name == "Table Grid"
    assert document.core_properties.keywords.startswith("appeal, claim SAMPLE-2026-000123, CARC 189")
    footer_xml = document.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml


def test_pdf_metadata_and_pages(letters):
    reader = PdfReader(str(letters[".pdf"]))
    meta = reader.metadata
    assert meta.title.startswith("Appeal of claim SAMPLE-2026-000123")
    assert "CARC 189" in meta.keywords and meta.author.startswith("Riverside")
    assert not reader.is_encrypted
    pages = [page.extract_text() for page in reader.pages]
    assert f"Page 1 of {len(pages)}" in pages[0]
    if len(pages) > 1:
        assert "Claim SAMPLE-2026-000123" in pages[1] and f"Page 2 of {len(pages)}" in pages[1]


def test_pdf_is_byte_stable(tmp_path):
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    assert render(letter, "pdf") == render(letter, "pdf")


def test_unicode_and_markup_names_come_out_exactly(make_case, out):
    names = ["José Núñez-Ørsted", "Łukasz Żółć", "Nguyễn Văn An", "<b>Ann</b> & <font>Bo</font>"]
    for i, name in enumerate(names):
        result = generate(make_case({"patient.name": name, "claim.number": f"U-{i}"}), out,
                          Settings(date=LETTER_DATE))
        pdf, word = sorted(result.outputs, key=lambda p: p.suffix != ".pdf")
        assert name in pdf_text(pdf)
        assert name in docx_text(word)


def test_docx_is_byte_stable():
    """Zip entries carry the letter date, not the clock, so the same letter gives the same DOCX."""
    import time

    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    first = render(letter, "docx")
    time.sleep(2.1)  # zip timestamps have a 2-second resolution
    assert render(letter, "docx") == first
