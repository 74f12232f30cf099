"""Both renderers read back as a biller's tools would: pdffonts, pdftotext, python-docx, LibreOffice.

Tests that need an external program skip, with the reason, when it is not installed.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from PIL import Image
from pypdf import PdfReader

from appeal.cli import cli
from appeal.commands.generate import generate, prepare
from appeal.letters.document import Heading, Paragraph, Quote, Run, Signature
from appeal.render.docx import render_docx
from appeal.render.formats import render
from appeal.render.pdf import render_pdf
from appeal.settings import Settings

from conftest import LETTER_DATE, UPMC, docx_text, flat

NAMES = {"patient.name": "José Núñez-Ørsted", "patient.subscriber_name": "Łukasz Żółć",
         "signer.name": "Nguyễn Văn An", "provider.name": "<b>Ann</b> & <font>Bo</font> Clinic"}


def needs(*tools: str):
    missing = [t for t in tools if shutil.which(t) is None]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)} (not installed)")


def run_tool(*args) -> str:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, timeout=120).stdout


def pdftotext_pages(path: Path) -> list[str]:
    return run_tool("pdftotext", "-layout", path, "-").split("\f")[:-1]


def libreoffice_pdf(docx_path: Path, out_dir: Path) -> Path:
    """The DOCX as LibreOffice opens and prints it (its own profile folder, so tests never share one)."""
    profile = out_dir / "lo-profile"
    run_tool("soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", out_dir, docx_path)
    return out_dir / (docx_path.stem + ".pdf")


@pytest.fixture(scope="module")
def upmc(tmp_path_factory):
    out = tmp_path_factory.mktemp("upmc")
    result = generate(UPMC, out, Settings(date=LETTER_DATE))
    return {p.suffix: p for p in result.outputs}


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    """One letter carrying every awkward name: Latin Extended, Vietnamese, and markup typed as text."""
    import yaml

    from conftest import sample_data, set_path

    folder = tmp_path_factory.mktemp("named")
    data = sample_data(UPMC)
    for key, value in NAMES.items():
        set_path(data, key, value)
    case = folder / "case.yaml"
    case.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = generate(case, folder / "out", Settings(date=LETTER_DATE))
    return {p.suffix: p for p in result.outputs}


def two_page_letter():
    """The sample's furniture with filler paragraphs: the fewest that make exactly two pages."""
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    signature = next(b for b in letter.blocks if isinstance(b, Signature))
    filler = Paragraph((Run("This paragraph fills the page so that the letter runs onto a second page. " * 3),))
    for n in range(1, 60):
        candidate = dataclasses.replace(letter, blocks=(filler,) * n + (signature,))
        pdf = render_pdf(candidate)
        if len(PdfReader(io.BytesIO(pdf)).pages) == 2:
            return candidate, pdf
    raise AssertionError("no filler count gives a two-page letter")


# -- PDF -------------------------------------------------------------------------------

@needs("pdffonts")
def test_every_pdf_font_is_embedded(upmc, named):
    for pdf in (upmc[".pdf"], named[".pdf"]):
        rows = run_tool("pdffonts", pdf).splitlines()[2:]
        assert rows, "pdffonts lists the fonts"
        for row in rows:
            assert row.split()[-5] == "yes", row  # the 'emb' column
            assert "LiberationSerif" in row.split()[0]


def test_pdf_has_no_javascript_or_encryption(upmc):
    data = upmc[".pdf"].read_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert not reader.is_encrypted
    assert b"/JavaScript" not in data and b"/Encrypt" not in data
    catalog = reader.trailer["/Root"]
    assert "/OpenAction" not in catalog and "/AA" not in catalog and "/Names" not in catalog
    assert not any("/AA" in page or "/Annots" in page for page in reader.pages)


def test_pdf_metadata_names_the_claim_and_carc(upmc):
    meta = PdfReader(str(upmc[".pdf"])).metadata
    assert "SAMPLE-2026-000123" in meta.title and "SAMPLE-2026-000123" in meta.subject
    assert meta.author == "Riverside Spine & Motion Clinic (sample)"
    assert "claim SAMPLE-2026-000123" in meta.keywords and "CARC 189" in meta.keywords


@needs("pdftotext")
def test_pdftotext_reads_the_letter_in_order(upmc):
    text = flat(" ".join(pdftotext_pages(upmc[".pdf"])))
    order = ["Riverside Spine & Motion Clinic (sample)", "November 27, 2026", "Claim number",
             "Dear Reviewer:", "Why this code",
             "CPT Assistant, September 2000, p. 4", "the unlisted code 76499 should not be used", "Enclosures",
             "Sincerely,", "Pat Example, CPC", "Billing Manager", "on the recording methods",
             "The term videofluoroscopy is synonymous", "References"]
    positions = [text.find(part) for part in order]
    assert -1 not in positions, [p for p, at in zip(order, positions) if at == -1]
    assert positions == sorted(positions)


@needs("pdftotext")
def test_two_page_pdf_has_running_header_and_page_numbers(tmp_path):
    letter, pdf_bytes = two_page_letter()
    path = tmp_path / "two.pdf"
    path.write_bytes(pdf_bytes)
    first, second = pdftotext_pages(path)
    header = flat(letter.running_header)
    assert header == "Jane Q. Sample · Member ID 0012345678 · Claim SAMPLE-2026-000123"
    assert header in flat(second) and "Page 2 of 2" in second
    assert header not in flat(first) and "Page 1 of 2" in first


def _page_texts(pdf: bytes) -> list[str]:
    return [flat(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("on_stationery", [False, True], ids=["letterhead", "stationery"])
@pytest.mark.parametrize("fillers", range(0, 30, 2))
def test_signature_and_headings_are_never_left_alone(fillers, on_stationery, tmp_path):
    """Wherever the page breaks, 'Sincerely,' sits with the signer and a heading with its text, with the
    letterhead drawn or on a stationery with its own margins."""
    from reportlab.pdfgen import canvas

    from appeal.letters.document import PageSetup

    setup = PageSetup()
    if on_stationery:
        blank = canvas.Canvas(str(tmp_path / "first.pdf"))
        blank.showPage()
        blank.save()
        setup = PageSetup(stationery_first=tmp_path / "first.pdf", margins=(2.5 * 72, 72, 1.25 * 72, 72))
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    filler = Paragraph((Run("A filler sentence that moves every later block down the page a little. "),))
    padded = dataclasses.replace(letter, blocks=(filler,) * fillers + letter.blocks)
    pages = _page_texts(render_pdf(padded, setup))
    for page in pages:
        body = page.rsplit("Page ", 1)[0].strip()
        for heading in ("Why this code", "Enclosures", "References"):
            assert not body.endswith(heading), (fillers, heading)
        assert not body.endswith("Sincerely,")
        if "Sincerely," in page:
            assert "Pat Example, CPC" in page
        assert not body.endswith("defines that service:")


def test_a_quote_keeps_its_attribution():
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    quote = next(b for b in letter.blocks if isinstance(b, Quote))
    filler = Paragraph((Run("Filler line. "),))
    for n in range(0, 40, 3):
        padded = dataclasses.replace(letter, blocks=(filler,) * n + (quote,) * 6)
        for page in _page_texts(render_pdf(padded)):
            assert page.count("synonymous with videofluorography") <= page.count("CPT Assistant, September 2000")


def test_pdf_is_byte_stable_and_changes_with_the_date():
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    later = prepare(UPMC, Settings(date=LETTER_DATE.replace(day=28))).letter
    assert render_pdf(letter) == render_pdf(letter)
    assert render_pdf(letter) != render_pdf(later)


# -- names in both formats -------------------------------------------------------------

def test_names_come_out_exactly_in_pdf_and_docx(named):
    pdf = flat("\n".join(p.extract_text() for p in PdfReader(str(named[".pdf"])).pages))
    word = docx_text(named[".docx"])
    for name in NAMES.values():
        assert name in pdf, name
        assert name in word, name
    assert "<b>" in PdfReader(str(named[".pdf"])).metadata.author


@needs("pdftotext")
def test_names_come_out_exactly_in_pdftotext(named):
    text = flat(" ".join(pdftotext_pages(named[".pdf"])))
    for name in NAMES.values():
        assert name in text, name


# -- DOCX ------------------------------------------------------------------------------

def test_docx_styles_are_real_word_styles(upmc):
    document = docx.Document(str(upmc[".docx"]))
    styles = document.styles
    assert styles["Normal"].font.name == "Times New Roman"
    assert styles["Normal"].paragraph_format.widow_control is True
    heading = styles["Heading 2"]
    assert heading.font.name == "Times New Roman" and str(heading.font.color.rgb) == "000000"
    assert "asciiTheme" not in heading.element.xml  # Word would prefer the theme's font otherwise
    used = {p.style.name for p in document.paragraphs}
    assert {"Heading 2", "Heading 3", "Quote", "Quote Attribution", "List Bullet", "Reference List"} <= used
    assert styles["Reference List"].base_style.name == "List Number"  # numbered, in the small type
    header = {p.style.name for p in document.sections[0].first_page_header.paragraphs}
    assert {"Letterhead Name", "Letterhead"} <= header  # the letterhead is page 1's header
    for p in document.paragraphs:
        if p.style.name.startswith("Heading"):
            assert p.paragraph_format.keep_with_next
    assert document.tables[0].style.name == "Table Grid"


def test_docx_page_furniture(upmc):
    section = docx.Document(str(upmc[".docx"])).sections[0]
    assert section.page_width.inches == 8.5 and section.page_height.inches == 11
    assert section.different_first_page_header_footer
    first = "\n".join(p.text for p in section.first_page_header.paragraphs)
    assert "Riverside Spine & Motion Clinic (sample)" in first and "NPI 1234567893 · TIN 12-3456789" in first
    assert "Claim SAMPLE-2026-000123" in section.header.paragraphs[0].text
    for footer in (section.footer, section.first_page_footer):
        xml = footer._element.xml
        assert 'w:instr=" PAGE "' in xml and 'w:instr=" NUMPAGES "' in xml


def _signature_cell(document):
    return next(table.rows[0] for table in document.tables if table.rows[0].cells[0].paragraphs[0].text == "Sincerely,")


def test_docx_signature_is_kept_whole_on_one_page(upmc):
    row = _signature_cell(docx.Document(str(upmc[".docx"])))
    assert row._tr.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None  # a row that cannot split
    texts = [p.text for p in row.cells[0].paragraphs]
    assert texts[0] == "Sincerely," and "Pat Example, CPC" in texts and "Billing Manager" in texts


@needs("soffice", "pdftotext")
def test_libreoffice_opens_the_docx_with_the_same_text_and_page_numbers(named, tmp_path):
    converted = libreoffice_pdf(named[".docx"], tmp_path)
    pages = pdftotext_pages(converted)
    assert len(pages) >= 2
    text = flat(" ".join(pages))
    for name in NAMES.values():
        assert name in text, name
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in flat(page)
        has_header = "Member ID 0012345678 · Claim SAMPLE-2026-000123" in flat(page)
        assert has_header == (number > 1), number
    assert words(docx_text(named[".docx"])) <= words(text)


def words(text: str) -> set[str]:
    """The words of a text; split at hyphens too, as a table cell may wrap at one."""
    return set(re.split(r"[\s\-|]+", text)) - {""}


# -- images: logo and signature ----------------------------------------------------------

def _png(path: Path, size=(600, 200), color="navy") -> Path:
    Image.new("RGB", size, color).save(path)
    return path


def test_signature_image_and_logo_in_both_formats(make_case, out, tmp_path):
    signature, logo = _png(tmp_path / "sig.png", (500, 150)), _png(tmp_path / "logo.png")
    case = make_case({"signer.signature": str(signature), "provider.logo": str(logo)})
    result = generate(case, out, Settings(date=LETTER_DATE))
    pdf, word = sorted(result.outputs, key=lambda p: p.suffix != ".pdf")
    reader = PdfReader(str(pdf))
    assert len(reader.pages[0].images) == 1  # the logo
    assert any(page.images for page in reader.pages[1:])  # the signature
    assert "_____" not in pdf_words(reader)
    document = docx.Document(str(word))
    assert len(document.inline_shapes) == 1  # the signature; the logo is in page 1's header
    assert "<pic:pic" in document.sections[0].first_page_header._element.xml


def pdf_words(reader: PdfReader) -> str:
    return "".join(page.extract_text() for page in reader.pages)


def test_without_a_signature_image_there_is_a_line_to_sign_on(upmc):
    mark = _signature_cell(docx.Document(str(upmc[".docx"]))).cells[0].paragraphs[1]
    assert mark._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}") is not None  # the rule to sign on
    reader = PdfReader(str(upmc[".pdf"]))
    assert not any(page.images for page in reader.pages)


def test_a_signature_that_is_not_an_image_is_an_error(make_case, out, tmp_path):
    bad = tmp_path / "sig.png"
    bad.write_text("not an image")
    result = CliRunner().invoke(cli, ["generate", str(make_case({"signer.signature": str(bad)})), "-o", str(out)])
    assert result.exit_code == 2
    assert "signer.signature: " in result.stderr and "sig.png: not a readable image" in result.stderr
    assert list(out.iterdir()) == []


# -- reference DOCX ----------------------------------------------------------------------

@pytest.fixture
def reference(tmp_path) -> Path:
    from docx.shared import Inches

    document = docx.Document()
    document.styles["Normal"].font.name = "Georgia"
    header = document.sections[0].header.paragraphs[0]
    header.text = "ACME Practice Letterhead"
    header.add_run().add_picture(str(_png(tmp_path / "ref-logo.png")), width=Inches(1))
    document.add_paragraph("Body text of the reference document, which the letter never shows.")
    path = tmp_path / "letterhead.docx"
    document.save(str(path))
    return path


def test_reference_docx_supplies_styles_header_and_logo(reference):
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    document = docx.Document(io.BytesIO(render_docx(letter, reference=reference)))
    # the letter's own styles are applied over the reference's, so they survive it: the font the PDF
    # matches, the quote's indent, black headings
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert document.styles["Quote"].paragraph_format.left_indent == Pt(36)
    assert document.styles["Heading 2"].font.color.rgb == RGBColor(0, 0, 0)
    table = document.tables[0]._tbl.xml  # the RE table carries its own widths, padding and grid
    assert "<w:tblCellMar>" in table and 'w:color="888888"' in table
    assert f'w:pStyle w:val="{document.styles["Table Text"].style_id}"' in table
    section = document.sections[0]
    assert section.different_first_page_header_footer
    first = section.first_page_header
    assert "ACME Practice Letterhead" in first.paragraphs[0].text and "<w:drawing" in first._element.xml
    assert "ACME Practice Letterhead" in section.header.paragraphs[0].text
    assert "Claim SAMPLE-2026-000123" in section.header.paragraphs[-1].text
    body = [p.text for p in document.paragraphs]
    assert not any("reference document" in t for t in body)
    assert not any(p.style.name == "Letterhead" for p in document.paragraphs)  # the header is the letterhead
    assert "Quote Attribution" in {s.name for s in document.styles}


def test_reference_docx_from_the_workspace_profile(reference, make_case, out, tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    shutil.copy(reference, workspace / "letterhead.docx")
    (workspace / "appeal.yaml").write_text("practice:\n  reference_docx: letterhead.docx\n", encoding="utf-8")
    result = generate(make_case(), out, Settings(date=LETTER_DATE, workspace=workspace), formats=("docx",))
    header = docx.Document(str(result.outputs[0])).sections[0].first_page_header
    assert "ACME Practice Letterhead" in header.paragraphs[0].text


def test_reference_docx_that_is_not_a_word_file_exits_2(make_case, out, tmp_path):
    bogus = tmp_path / "letterhead.docx"
    bogus.write_text("plain text")
    result = CliRunner().invoke(cli, ["generate", str(make_case()), "-o", str(out), "--reference-docx", str(bogus)])
    assert result.exit_code == 2
    assert f"{bogus}: the reference DOCX is not a Word document" in result.stderr
    assert list(out.iterdir()) == []


@needs("soffice", "pdftotext")
def test_libreoffice_shows_the_reference_letterhead_on_page_one(reference, tmp_path):
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    path = tmp_path / "letter.docx"
    path.write_bytes(render_docx(letter, reference=reference))
    pages = pdftotext_pages(libreoffice_pdf(path, tmp_path))
    assert "ACME Practice Letterhead" in pages[0] and "Page 1 of" in pages[0]
    assert "Claim SAMPLE-2026-000123" in pages[1]


def test_render_keeps_user_markup_literal_in_docx_runs():
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    odd = dataclasses.replace(letter, blocks=(Heading((Run("<i>not italic</i> & <br/>"),)),) + letter.blocks)
    document = docx.Document(io.BytesIO(render(odd, "docx")))
    assert "<i>not italic</i> & <br/>" in [p.text for p in document.paragraphs]
    assert "<i>not italic</i> & <br/>" in flat(PdfReader(io.BytesIO(render_pdf(odd))).pages[0].extract_text())
