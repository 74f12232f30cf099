"""The #10 window envelope: the payer's address, and nothing else, shows through the window however far
the folded sheet slides; read back with ``pdftotext -bbox`` from the PDF and from the DOCX as LibreOffice
sets it."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from appeal.commands.generate import Settings, generate
from appeal.render.layout import WINDOW_10, Box
from test_render_quality import libreoffice_pdf, needs, run_tool

from conftest import LETTER_DATE

ADDRESS = {"payer.attention": "Attn: Provider Appeals", "payer.address": ["PO Box 0000 (sample)",
                                                                          "Pittsburgh, PA 15000"],
           "payer.fax": "(555) 010-0199"}
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def page_words(pdf: Path, page: int = 1) -> list[tuple[str, Box]]:
    """Every word on a page with its box, in points from the top-left corner (pdftotext -bbox)."""
    xml = run_tool("pdftotext", "-bbox", "-f", page, "-l", page, pdf, "-")
    return [(html.unescape(m[5]), Box(float(m[1]), float(m[2]), float(m[3]), float(m[4])))
            for m in WORD.finditer(xml)]


def assert_window_shows_only(pdf: Path, lines: list[str]) -> None:
    words = page_words(pdf)
    expected = " ".join(lines).split()
    box = WINDOW_10.address_box()
    for end in WINDOW_10.ends():  # the sheet at either end of its travel
        seen = [text for text, at in words if end.overlaps(at)]
        assert seen == expected, f"the window at {end} shows {seen}"
        for text, at in words:
            if end.overlaps(at):  # an address word: 1/8" clear inside the window at this end too
                assert box.contains(at), f"{text!r} at {at} is outside the address box {box}"


@pytest.fixture
def addressed(make_case, tmp_path):
    return generate(make_case(ADDRESS), tmp_path / "out", Settings(date=LETTER_DATE))


def _outputs(result) -> dict[str, Path]:
    return {p.suffix: p for p in result.outputs}


@needs("pdftotext")
def test_the_pdf_window_shows_the_address_block_and_nothing_else(addressed):
    # name, attention line, street, city/state/ZIP last; the fax is not in the block
    assert_window_shows_only(_outputs(addressed)[".pdf"], ["UPMC Health Plan", "Attn: Provider Appeals",
                                                           "PO Box 0000 (sample)", "Pittsburgh, PA 15000"])


@needs("soffice", "pdftotext")
def test_the_docx_window_shows_the_address_block_and_nothing_else(addressed, tmp_path):
    converted = libreoffice_pdf(_outputs(addressed)[".docx"], tmp_path)
    assert_window_shows_only(converted, ["UPMC Health Plan", "Attn: Provider Appeals", "PO Box 0000 (sample)",
                                         "Pittsburgh, PA 15000"])


@needs("pdftotext")
def test_a_long_payer_name_wraps_inside_the_window(make_case, tmp_path):
    name = "Commonwealth Regional Health Plan of Western Pennsylvania Provider Dispute Resolution Unit"
    result = generate(make_case({**ADDRESS, "payer.name": name}), tmp_path / "out", Settings(date=LETTER_DATE))
    pdf = _outputs(result)[".pdf"]
    assert_window_shows_only(pdf, [name, "Attn: Provider Appeals", "PO Box 0000 (sample)", "Pittsburgh, PA 15000"])
    name_lines = {round(at.top) for text, at in page_words(pdf) if text in name.split()
                  and WINDOW_10.address_box().contains(at)}
    assert len(name_lines) >= 2  # wrapped


@needs("pdftotext")
def test_without_a_payer_address_the_window_stays_empty(make_case, tmp_path):
    result = generate(make_case(), tmp_path / "out", Settings(date=LETTER_DATE))
    words = page_words(_outputs(result)[".pdf"])
    for end in WINDOW_10.ends():
        assert [text for text, at in words if end.overlaps(at)] == []


def test_a_mailed_letter_without_a_payer_address_warns_with_its_reason_code(make_case, tmp_path):
    result = generate(make_case(), tmp_path / "out", Settings(date=LETTER_DATE, mail=True))
    assert any("[no-payer-address]" in w and "payer.address" in w for w in result.prepared.warnings)
    with_address = generate(make_case(ADDRESS), tmp_path / "out2", Settings(date=LETTER_DATE, mail=True))
    assert not any("no-payer-address" in w for w in with_address.prepared.warnings)


@needs("pdftotext")
def test_envelope_none_leaves_the_address_in_the_flow(make_case, tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "appeal.yaml").write_text("practice:\n  envelope: none\n", encoding="utf-8")
    result = generate(make_case(ADDRESS), tmp_path / "out", Settings(date=LETTER_DATE, workspace=workspace))
    words = page_words(_outputs(result)[".pdf"])
    texts = [text for text, _ in words]
    date, name = texts.index("November"), texts.index("UPMC")
    assert date < name  # the date, then the address, as the letter's text flows
    assert "(555) 010-0199" not in " ".join(texts)  # no fax inside the address block


def test_an_address_too_long_for_the_window_leaves_it_empty_and_is_for_review(make_case, tmp_path):
    lines = [f"Address line {n} of a very long payer address block" for n in range(1, 7)]
    result = generate(make_case({"payer.address": lines}), tmp_path / "out", Settings(date=LETTER_DATE))
    assert (result.verdict.status, [r.code for r in result.verdict.reasons]) == ("review", ["payer-address-too-long"])
    assert "the window stays empty and the letter shows no address" in result.verdict.reasons[0].message
    assert not any("[payer-address-too-long]" in w for w in result.prepared.warnings)  # said once, as the reason
    fits = generate(make_case({"payer.address": lines[:2]}), tmp_path / "again", Settings(date=LETTER_DATE))
    assert fits.verdict.status == "ready"


@needs("pdftotext")
def test_on_stationery_the_date_and_the_re_block_start_below_the_window(make_case, tmp_path):
    """Stationery (its 1" default margin) left room above the window: the date and the RE table's first rows were
    set there, the rest below the address. The text starts below the window, as with the letter's own letterhead."""
    from test_letterhead import one_page_pdf

    first = one_page_pdf(tmp_path / "first.pdf", "FIRSTPAGEMARK")
    result = generate(make_case(ADDRESS), tmp_path / "out", Settings(date=LETTER_DATE, stationery=first))
    words = page_words(_outputs(result)[".pdf"])
    band = WINDOW_10.keep_clear()
    date = next(at for text, at in words if text == "November")
    re_label = next(at for text, at in words if text == "Re:")
    assert date.top >= band.bottom and re_label.top >= band.bottom, (date, re_label, band)
    assert_window_shows_only(_outputs(result)[".pdf"], ["UPMC Health Plan", "Attn: Provider Appeals",
                                                        "PO Box 0000 (sample)", "Pittsburgh, PA 15000"])


def test_batch_print_leaves_out_a_letter_whose_address_fits_no_window(run, make_case, tmp_path):
    from test_batch_delivery import summary

    lines = [f"Address line {n} of a very long payer address block" for n in range(1, 7)]
    out = tmp_path / "out"
    result = run("batch", make_case({"payer.address": lines}), "-o", out, "--date", LETTER_DATE.isoformat(),
                 "--jobs", 1, "--print", out / "mail.pdf")
    assert result.exit_code == 0, result.stderr
    assert ("not in the print file: the payer's address fits no window: the window would show none "
            "[payer-address-too-long]") in result.stderr
    assert not (out / "mail.pdf").exists()
    [row] = summary(out)
    assert row["verdict"] == "review" and row["reasons"].startswith("payer-address-too-long: ")
