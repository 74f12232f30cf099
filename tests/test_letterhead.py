"""One letterhead, the same in both formats: described by the practice profile, drawn at the top of page 1
of the PDF and in the DOCX's first-page header; a practice's own stationery under the PDF's pages."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from appeal.cli import cli
from appeal.commands.generate import Settings, generate
from test_render_quality import needs, run_tool

from conftest import LETTER_DATE

PROFILE = """practice:
  letterhead:
    name: Riverside Spine & Motion Clinic (sample letterhead)
    address: ["200 Letterhead Avenue", "Springfield, PA 15000"]  # two lines (a bare comma separates items)
    phone: (555) 010-0300
    fax: (555) 010-0301
    logo: logo.png
    accent: "#1F4E79"
    font: sans
"""


def one_page_pdf(path: Path, text: str) -> Path:
    pdf = canvas.Canvas(str(path), pagesize=(612, 792), invariant=1)
    pdf.setFont("Courier", 20)  # a standard font is enough for a test's stationery
    pdf.drawString(300, 30, text)
    pdf.showPage()
    pdf.save()
    return path


@pytest.fixture
def workspace(tmp_path) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    Image.new("RGB", (400, 120), (31, 78, 121)).save(folder / "logo.png")
    (folder / "appeal.yaml").write_text(PROFILE, encoding="utf-8")
    return folder


def outputs(result) -> dict[str, Path]:
    return {p.suffix: p for p in result.outputs}


@needs("pdftotext", "pdffonts")
def test_profile_letterhead_in_both_formats(make_case, workspace, tmp_path):
    result = generate(make_case(), tmp_path / "out", Settings(date=LETTER_DATE, workspace=workspace))
    files = outputs(result)
    page1 = run_tool("pdftotext", "-layout", "-f", 1, "-l", 1, files[".pdf"], "-")
    for line in ("Riverside Spine & Motion Clinic (sample", "letterhead)", "200 Letterhead Avenue",
                 "Phone (555) 010-0300 · Fax (555) 010-0301", "NPI 1234567893 · TIN 12-3456789"):
        assert line in page1  # the name wraps beside the logo
    reader = PdfReader(str(files[".pdf"]))
    assert len(reader.pages[0].images) == 1 and not reader.pages[1].images  # the logo, on page 1 only
    assert "LiberationSans-Bold" in run_tool("pdffonts", files[".pdf"])  # the profile's font
    header = docx.Document(str(files[".docx"])).sections[0].first_page_header
    xml = header._element.xml
    text = "\n".join(p.text for table in header.tables for cell in table._cells for p in cell.paragraphs)
    assert "Riverside Spine & Motion Clinic (sample\nletterhead)" in text and "200 Letterhead Avenue" in text
    assert "<pic:pic" in xml and 'w:color w:val="1F4E79"' in xml and 'w:ascii="Arial"' in xml
    assert not any("reference-docx" in w for w in result.prepared.warnings)


@needs("pdftotext")
def test_stationery_lies_under_page_1_and_the_letter_draws_no_letterhead(make_case, tmp_path):
    first = one_page_pdf(tmp_path / "first.pdf", "FIRSTPAGEMARK")
    result = generate(make_case(), tmp_path / "out", Settings(date=LETTER_DATE, stationery=first))
    pdf = outputs(result)[".pdf"]
    page1 = run_tool("pdftotext", "-raw", "-f", 1, "-l", 1, pdf, "-")
    assert page1.index("FIRSTPAGEMARK") < page1.index("November 27, 2026")  # drawn first: under the letter
    assert "NPI 1234567893 · TIN" not in page1  # the stationery is the letterhead
    later = run_tool("pdftotext", "-raw", "-f", 2, "-l", 2, pdf, "-")
    assert "FIRSTPAGEMARK" not in later and "Claim SAMPLE-2026-000123" in later  # plain, with the running header
    assert any("[stationery-without-reference-docx]" in w for w in result.prepared.warnings)


@needs("pdftotext")
def test_stationery_for_the_later_pages_and_profile_margins(make_case, tmp_path):
    folder = tmp_path / "ws"
    folder.mkdir()
    one_page_pdf(folder / "first.pdf", "FIRSTPAGEMARK")
    one_page_pdf(folder / "rest.pdf", "RESTPAGEMARK")
    (folder / "appeal.yaml").write_text("practice:\n  envelope: none\n  stationery:\n    first_page: first.pdf\n"
                                        "    other_pages: rest.pdf\n    margins: {top: 3, right: 1, bottom: 1.25, "
                                        "left: 1.25}\n", encoding="utf-8")
    pdf = outputs(generate(make_case(), tmp_path / "out", Settings(date=LETTER_DATE, workspace=folder)))[".pdf"]
    assert "RESTPAGEMARK" in run_tool("pdftotext", "-f", 2, "-l", 2, pdf, "-")
    bbox = run_tool("pdftotext", "-bbox", "-f", 1, "-l", 1, pdf, "-")
    first_word = next(line for line in bbox.splitlines() if ">November<" in line)
    assert float(first_word.split('yMin="')[1].split('"')[0]) >= 3 * 72 - 1  # inside the profile's margins
    assert float(first_word.split('xMin="')[1].split('"')[0]) >= 1.25 * 72 - 1


def test_stationery_of_several_pages_is_an_error_naming_it(make_case, tmp_path, out):
    two = tmp_path / "two.pdf"
    pdf = canvas.Canvas(str(two))
    pdf.showPage()
    pdf.showPage()
    pdf.save()
    result = CliRunner().invoke(cli, ["generate", str(make_case()), "-o", str(out), "--stationery", str(two)])
    assert result.exit_code == 2
    assert "two.pdf" in result.stderr and "--stationery: the stationery PDF has 2 pages" in result.stderr
    assert list(out.iterdir()) == []


def test_a_reference_docx_without_stationery_or_letterhead_warns_what_the_pdf_carries(make_case, tmp_path):
    reference = tmp_path / "ref.docx"
    docx.Document().save(str(reference))
    result = generate(make_case(), tmp_path / "out", Settings(date=LETTER_DATE, reference_docx=reference))
    warning = next(w for w in result.prepared.warnings if "[reference-docx-letterhead]" in w)
    assert "the PDF carries the letterhead drawn from the billing provider" in warning


def test_a_bad_accent_colour_is_an_error_naming_the_field(make_case, tmp_path, out):
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "appeal.yaml").write_text("practice:\n  letterhead:\n    accent: navy\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["generate", str(make_case()), "-o", str(out), "--workspace", str(folder)])
    assert result.exit_code == 2
    assert "practice.letterhead.accent" in result.stderr and "#RRGGBB" in result.stderr
