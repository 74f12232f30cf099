"""Fax delivery: ``appeal packet CASE --fax`` (cover sheet, then the letter and exhibits in black and
white) and ``--tiff`` (TIFF Class F), read back with pypdf, pdftotext and Pillow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from appeal.deliver import fax as faxing
from test_render_quality import needs, run_tool

from conftest import LETTER_DATE

FAXABLE = {"payer.fax": "(555) 010-0199", "payer.attention": "Provider Appeals"}


@pytest.fixture
def faxable(make_case, tmp_path):
    scan = tmp_path / "scan.png"
    Image.new("RGB", (850, 1100), (200, 30, 30)).save(scan)
    return make_case({**FAXABLE, "enclosures": [{"description": "Radiology report", "path": str(scan)}]})


def outputs(result_stdout: str) -> dict[str, Path]:
    paths = [Path(line) for line in result_stdout.splitlines() if line.strip()]
    return {p.name.rsplit("_", 1)[-1]: p for p in paths}


def run_packet(run, case, out, *flags):
    result = run("packet", case, "-o", out, "--date", LETTER_DATE.isoformat(), *flags)
    assert result.exit_code == 0, result.stderr
    return outputs(result.stdout)


@needs("pdftotext")
def test_fax_cover_sheet_counts_every_page_and_shows_only_the_claim_number(run, faxable, out):
    fax = run_packet(run, faxable, out, "--fax")["fax.pdf"]
    pages = len(PdfReader(str(fax)).pages)
    cover = " ".join(run_tool("pdftotext", "-f", 1, "-l", 1, fax, "-").split())
    assert (f"Pages: {pages} (including this cover sheet; the letter's page numbers count from the page after it)"
            in cover)
    for part in ("To: UPMC Health Plan", "Attention: Provider Appeals", "Fax: (555) 010-0199",
                 "From: Riverside Spine & Motion Clinic (sample)", "Fax: (555) 010-0101", "Phone: (555) 010-0100",
                 "Date: November 27, 2026", "Re: Appeal of claim SAMPLE-2026-000123", "Confidential:"):
        assert part in cover, part
    for phi in ("Jane Q. Sample", "0012345678", "04/12/1975", "ACCT-0042"):
        assert phi not in cover
    assert pages == 1 + 3 + 1  # cover, the three-page letter, the one-page exhibit


@needs("pdftotext")
def test_fax_is_black_and_white_with_text_as_text(run, faxable, out, tmp_path):
    files = run_packet(run, faxable, out, "--fax")
    fax, packet = PdfReader(str(files["fax.pdf"])), PdfReader(str(files["packet.pdf"]))
    images = [image for page in fax.pages for image in page.images]
    assert images and all(image.image.mode == "1" for image in images)  # the scanned exhibit, 1-bit
    assert "Dear Reviewer:" in run_tool("pdftotext", "-f", 2, "-l", 2, files["fax.pdf"], "-")  # text stays text
    grey = b".266667 .266667 .266667 rg"  # the letter's grey (#444444) page number
    assert grey in packet.pages[0].get_contents().get_data()
    assert not any(grey in page.get_contents().get_data() for page in fax.pages)
    for page in fax.pages[1:4]:  # the letter's pages: black text and rules on white, the RE table's fill included
        colours = set(re.findall(rb"(\S+ \S+ \S+) (?:rg|RG)\b", page.get_contents().get_data()))
        assert colours and colours <= {b"0 0 0", b"1 1 1"}, colours
    assert "Exhibit 1 - page 1 of 1" in run_tool("pdftotext", "-f", 5, "-l", 5, files["fax.pdf"], "-")


@pytest.mark.parametrize("flags, compression", [(("--tiff",), "group3"), (("--tiff", "--tiff-g4"), "group4")])
def test_tiff_class_f_one_frame_per_page(run, faxable, out, flags, compression):
    files = run_packet(run, faxable, out, *flags)
    pages = len(PdfReader(str(files["fax.pdf"])).pages)
    with Image.open(files["fax.tif"]) as tiff:
        assert tiff.n_frames == pages
        for frame in range(pages):
            tiff.seek(frame)
            assert tiff.info["compression"] == compression
            assert tiff.size[0] == 1728 and tiff.mode == "1"
            assert tuple(round(d) for d in tiff.info["dpi"]) == (204, 196)
            if compression == "group3":
                assert tiff.tag_v2[faxing.T4_OPTIONS] & 1  # 2-D coding


def test_tiff_pages_are_scaled_to_fit_never_cropped():
    assert faxing.frame_size(612, 792) == (1728, 2149)  # US Letter: 8.5" scaled to 1728 pixels
    assert faxing.frame_size(792, 612)[0] == 1728  # a landscape exhibit page fits the width too


def test_without_pdftoppm_the_tiff_comes_from_pypdfium2(monkeypatch, make_case, tmp_path):
    from appeal.commands.generate import generate
    from appeal.settings import Settings

    monkeypatch.setattr(faxing.shutil, "which", lambda name: None)
    result = generate(make_case(FAXABLE), tmp_path / "out", Settings(date=LETTER_DATE), formats=(), fax=True,
                      tiff=True)
    tif = next(p for p in result.outputs if p.suffix == ".tif")
    with Image.open(tif) as tiff:
        assert tiff.n_frames == len(PdfReader(str(tif.with_suffix(".pdf"))).pages) and tiff.size[0] == 1728


def test_a_payer_without_a_fax_number_is_an_error_naming_the_field(run, make_case, out):
    result = run("packet", make_case(), "-o", out, "--fax")
    assert result.exit_code == 2
    assert "payer.fax: a fax needs the payer's fax number" in result.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("fax", ["Replace with the appeals fax from your payer's provider manual", "555-0199"])
def test_a_payer_fax_that_is_not_a_number_is_an_error_and_nothing_is_faxed(run, make_case, out, fax):
    """The example profile's placeholder once went onto the fax cover sheet."""
    result = run("packet", make_case({**FAXABLE, "payer.fax": fax}), "-o", out, "--fax")
    assert result.exit_code == 2
    assert f"payer.fax: the payer's fax '{fax}' is not a fax number" in result.stderr
    assert list(out.iterdir()) == []
