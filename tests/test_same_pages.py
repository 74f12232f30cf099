"""Same text, same pages: the DOCX as LibreOffice sets it breaks its pages where the PDF does.

The PDF embeds Liberation Serif, metric-compatible with the Times New Roman the DOCX names, and both
renderers take their sizes, line heights and spacing from ``appeal.render.layout``; so each sample's
DOCX, converted by LibreOffice, has the PDF's page count and every page starts with the same words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appeal.commands.generate import Settings, generate
from test_render_quality import libreoffice_pdf, needs, run_tool

from conftest import LETTER_DATE, SAMPLES

FURNITURE = re.compile(r"^\s*(Page \d+ of \d+|.* · Member ID .* · Claim .*)\s*$")


def page_starts(pdf: Path, words: int = 12) -> list[str]:
    """The first words of each page's text, without the running header and the page number."""
    pages = run_tool("pdftotext", "-layout", pdf, "-").split("\f")[:-1]
    starts = []
    for page in pages:
        lines = [line for line in page.splitlines() if line.strip() and not FURNITURE.match(line)]
        starts.append(" ".join([w for w in " ".join(lines).split() if any(c.isalnum() for c in w)][:words]))
    return starts


@needs("soffice", "pdftotext")
@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_docx_in_libreoffice_breaks_pages_as_the_pdf_does(sample, tmp_path):
    outputs = {p.suffix: p for p in generate(sample, tmp_path / "out", Settings(date=LETTER_DATE)).outputs}
    converted = libreoffice_pdf(outputs[".docx"], tmp_path)
    pdf, docx = page_starts(outputs[".pdf"]), page_starts(converted)
    assert len(docx) == len(pdf), f"LibreOffice sets {len(docx)} pages, the PDF has {len(pdf)}"
    for number, (ours, theirs) in enumerate(zip(pdf, docx), start=1):
        assert theirs == ours, f"page {number} starts differently"
    assert len(pdf) >= 2  # the comparison has page breaks to compare


@needs("soffice", "pdftotext")
def test_with_a_practice_letterhead_and_a_window_address_the_pages_still_match(make_case, tmp_path):
    from PIL import Image

    workspace = tmp_path / "ws"
    workspace.mkdir()
    Image.new("RGB", (400, 120), (31, 78, 121)).save(workspace / "logo.png")
    (workspace / "appeal.yaml").write_text("practice:\n  letterhead:\n    logo: logo.png\n    accent: \"#1F4E79\"\n"
                                           "    font: sans\n", encoding="utf-8")
    case = make_case({"payer.attention": "Provider Appeals", "payer.address": ["PO Box 0000 (sample)",
                                                                               "Pittsburgh, PA 15000"]})
    result = generate(case, tmp_path / "out", Settings(date=LETTER_DATE, workspace=workspace))
    outputs = {p.suffix: p for p in result.outputs}
    pdf, docx = page_starts(outputs[".pdf"]), page_starts(libreoffice_pdf(outputs[".docx"], tmp_path))
    assert docx == pdf and len(pdf) >= 2
