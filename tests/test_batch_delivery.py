"""Batch does what generate and packet do (--packet, --fax, --tiff, --reference-docx, --stationery,
--format), and --print writes one PDF of every ready letter for mail, each letter on an odd page."""

from __future__ import annotations

import csv

import docx
from PIL import Image
from pypdf import PdfReader

from test_letterhead import one_page_pdf
from test_render_quality import needs, run_tool

from conftest import LETTER_DATE

ADDRESS = {"payer.address": ["PO Box 0000 (sample)", "Pittsburgh, PA 15000"], "payer.fax": "(555) 010-0199"}


def batch(run, *args):
    return run("batch", *args, "--date", LETTER_DATE.isoformat(), "--jobs", 1)


def summary(out) -> list[dict]:
    with open(out / "summary.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@needs("pdftotext")
def test_print_file_has_every_ready_letter_in_order_each_on_an_odd_page(run, make_case, tmp_path, out):
    scan = tmp_path / "scan.png"
    Image.new("RGB", (850, 1100), "white").save(scan)
    first = make_case({**ADDRESS, "claim.number": "SAMPLE-PRINT-1",
                       "enclosures": [{"description": "Report", "path": str(scan)},
                                      "Corrected claim (CMS-1500), frequency code 7"]})  # ready: nothing missing
    second = make_case({**ADDRESS, "claim.number": "SAMPLE-PRINT-2"})
    unaddressed = make_case({"claim.number": "SAMPLE-PRINT-3"})
    result = batch(run, first, second, unaddressed, "-o", out, "--print", out / "mail.pdf")
    assert result.exit_code == 0, result.stderr
    assert "[no-payer-address]" in result.stderr  # the letter without a payer address is not ready
    pages = run_tool("pdftotext", out / "mail.pdf", "-").split("\f")[:-1]
    assert len(pages) == len(PdfReader(str(out / "mail.pdf")).pages)
    starts = [(n, claim) for n, page in enumerate(pages, start=1) for claim in ("SAMPLE-PRINT-1", "SAMPLE-PRINT-2",
                                                                                 "SAMPLE-PRINT-3")
              if "Dear Reviewer:" in page and claim in page]
    assert [claim for _, claim in starts] == ["SAMPLE-PRINT-1", "SAMPLE-PRINT-2"]  # the summary's order
    assert all(n % 2 == 1 for n, _ in starts), starts  # each letter starts on an odd page
    assert "Exhibit 1 - page 1 of 1 - claim SAMPLE-PRINT-1" in " ".join(pages)  # with its exhibits


@needs("pdftotext")
def test_batch_takes_packet_fax_tiff_reference_docx_stationery_and_format(run, make_case, tmp_path, out):
    reference = tmp_path / "letterhead.docx"
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "ACME Practice Letterhead"
    document.save(str(reference))
    stationery = one_page_pdf(tmp_path / "first.pdf", "FIRSTPAGEMARK")
    case = make_case(ADDRESS)
    result = batch(run, case, "-o", out, "--packet", "--fax", "--tiff", "--reference-docx", reference,
                   "--stationery", stationery)
    assert result.exit_code == 0, result.stderr
    row = summary(out)[0]
    names = [row[column] for column in ("docx", "pdf", "packet", "fax", "tiff")]
    by_end = {name.rsplit("_", 1)[-1] if "_packet" in name or "_fax" in name else name.rsplit(".", 1)[-1]: name
              for name in names}
    assert {"docx", "pdf", "packet.pdf", "fax.pdf", "fax.tif"} <= set(by_end)
    header = docx.Document(str(out / by_end["docx"])).sections[0].first_page_header
    assert "ACME Practice Letterhead" in header.paragraphs[0].text
    assert "FIRSTPAGEMARK" in run_tool("pdftotext", "-f", 1, "-l", 1, out / by_end["pdf"], "-")
    with Image.open(out / by_end["fax.tif"]) as tiff:
        assert tiff.n_frames == len(PdfReader(str(out / by_end["fax.pdf"])).pages)

    pdf_only = tmp_path / "pdf-only"
    assert batch(run, case, "-o", pdf_only, "--format", "pdf").exit_code == 0
    only = summary(pdf_only)[0]
    assert (only["docx"], only["pdf"]) == ("", by_end["pdf"])


@needs("pdftotext")
def test_print_file_leaves_out_a_blocked_or_review_letter(run, make_case, out):
    ready = make_case({**ADDRESS, "claim.number": "SAMPLE-PRINT-OK"})
    blocked = make_case({**ADDRESS, "claim.number": "SAMPLE-PRINT-N211", "denial.rarc": ["N211"]})
    result = batch(run, ready, blocked, "-o", out, "--print", out / "mail.pdf")
    verdicts = {row["claim"]: row["verdict"] for row in summary(out)}
    assert verdicts == {"SAMPLE-PRINT-OK": "ready", "SAMPLE-PRINT-N211": "blocked"}, result.stderr
    assert "not in the print file: its verdict is blocked (not-appealable)" in result.stderr
    text = run_tool("pdftotext", out / "mail.pdf", "-")
    assert "SAMPLE-PRINT-OK" in text
    assert "SAMPLE-PRINT-N211" not in text  # a letter the payer says cannot be appealed is never mailed
