"""A letterhead long enough to reach into the #10 window's keep-clear band would show through the envelope's
window above the payer's address. The letter is then for review (``letterhead-in-window``), measured as the PDF
draws the letterhead; the tests read page 1 back as pixels (pypdfium2) to show the measure is the PDF's."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pypdfium2
import pytest
from PIL import Image

from appeal.commands.generate import Settings, generate, prepare, verdict_of
from appeal.render import layout
from appeal.render.layout import WINDOW_10, Box
from appeal.settings import Sources
from test_batch_delivery import summary
from test_envelope import page_words
from test_letterhead import one_page_pdf
from test_render_quality import libreoffice_pdf, needs

from conftest import LETTER_DATE, ROOT, SAMPLES

ADDRESS = {"payer.address": ["PO Box 0000 (sample)", "Pittsburgh, PA 15000"]}
CODE = "letterhead-in-window"
SCALE = 4  # pixels a point: a quarter of a point, finer than any line of the letterhead
INK = 230  # a pixel darker than this is ink (the rule is grey, #888888, and thin)


def workspace(folder: Path, address: list[str], extra: str = "") -> Path:
    """A practice profile whose letterhead has these address lines (then the provider's phone/fax, NPI/TIN lines)."""
    folder.mkdir()
    lines = "".join(f"      - {line}\n" for line in address)
    (folder / "appeal.yaml").write_text(f"practice:\n  letterhead:\n    name: Riverside Spine Clinic\n    address:\n"
                                        f"{lines}{extra}", encoding="utf-8")
    return folder


def addresses(count: int) -> list[str]:
    return [f"Building {n}, 100 Example Street" for n in range(1, count)] + ["Springfield, PA 15000"]


def page1(pdf: Path) -> np.ndarray:
    """Page 1 as grey pixels, ``SCALE`` to the point, row 0 at the top of the page."""
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return np.asarray(document[0].render(scale=SCALE).to_pil().convert("L"))
    finally:
        document.close()


def ink_in(pixels: np.ndarray, box: Box, outside: Box) -> list[float]:
    """The rows (points from the top) with ink inside ``box`` and outside ``outside``."""
    rows = []
    for row in range(int(box.top * SCALE) + 1, int(box.bottom * SCALE) - 1):
        line = pixels[row, int(box.left * SCALE):int(box.right * SCALE)]
        cols = np.nonzero(line < INK)[0] / SCALE + box.left
        if any(not (outside.left <= x <= outside.right and outside.top <= row / SCALE <= outside.bottom)
               for x in cols):
            rows.append(row / SCALE)
    return rows


def made(case: Path, out: Path, folder: Path | None, **settings):
    result = generate(case, out, Settings(date=LETTER_DATE, workspace=folder, **settings))
    return result, next(p for p in result.outputs if p.suffix == ".pdf")


def reasons(result) -> dict[str, str]:
    return {r.code: r.message for r in result.verdict.reasons}


def test_a_letterhead_reaching_into_the_window_is_for_review_and_names_the_profile_field(make_case, tmp_path):
    folder = workspace(tmp_path / "ws", addresses(4))  # 6 lines under the name: 5 fit
    result, pdf = made(make_case(ADDRESS), tmp_path / "out", folder)
    assert result.verdict.status == "review" and result.verdict.codes() == [CODE]
    message = reasons(result)[CODE]
    assert message == (
        f"the letterhead reaches 0.07\" into the #10 window, which would show it above the payer's address: it ends "
        f"1.84\" from the top of page 1, and the window shows the page from 1.77\"; accepted, in "
        f"{folder / 'appeal.yaml'}: at most 5 lines under the practice's name, not 6 (fewer lines in "
        f"practice.letterhead.address), or practice.envelope: none for a letter not mailed in a window envelope")
    # the PDF as printed: the letterhead's rule lies in the band, above the address box, where the measure says
    band, box = WINDOW_10.keep_clear(), WINDOW_10.address_box()
    seen = ink_in(page1(pdf), band, outside=box)
    assert seen and band.top < max(seen) < box.top
    # by hand: 0.5" down, the name (19 pt and 2 after), 6 lines of 11.5, 6 pt, the 0.75 pt rule: 132.75 pt (1.84")
    assert max(seen) == pytest.approx(132.75, abs=0.5)


@needs("soffice")
def test_the_docx_header_as_libreoffice_prints_it_reaches_the_same_place(make_case, tmp_path):
    folder = workspace(tmp_path / "ws", addresses(4))
    result, _ = made(make_case(ADDRESS), tmp_path / "out", folder)
    docx = next(p for p in result.outputs if p.suffix == ".docx")
    seen = ink_in(page1(libreoffice_pdf(docx, tmp_path)), WINDOW_10.keep_clear(), outside=WINDOW_10.address_box())
    assert seen and max(seen) == pytest.approx(132.75, abs=0.5)  # as the PDF (the first test)


def test_one_line_fewer_fits_above_the_window_and_the_band_shows_only_the_address(make_case, tmp_path):
    folder = workspace(tmp_path / "ws", addresses(3))  # 5 lines under the name
    result, pdf = made(make_case(ADDRESS), tmp_path / "out", folder)
    assert CODE not in result.verdict.codes() and result.verdict.status == "ready", result.verdict.reasons
    assert ink_in(page1(pdf), WINDOW_10.keep_clear(), outside=WINDOW_10.address_box()) == []


def test_lines_that_wrap_beside_a_logo_name_the_logo(make_case, tmp_path):
    long = "Riverside Spine Clinic, Building 2 of the Riverside Medical Campus, 100 Example Street"  # wraps beside it
    folder = workspace(tmp_path / "ws", [long, "Suite 200", "Springfield, PA 15000"], extra="    logo: logo.png\n")
    Image.new("RGB", (400, 120), (31, 78, 121)).save(folder / "logo.png")
    result, pdf = made(make_case(ADDRESS), tmp_path / "out", folder)
    message = reasons(result)[CODE]
    assert "not 6 (fewer lines in practice.letterhead.address)" in message
    assert "a narrower practice.letterhead.logo (the lines beside it wrap)" in message
    assert ink_in(page1(pdf), WINDOW_10.keep_clear(), outside=WINDOW_10.address_box())
    without = tmp_path / "ws2"
    shutil.copytree(folder, without)
    (without / "appeal.yaml").write_text((folder / "appeal.yaml").read_text().replace("    logo: logo.png\n", ""))
    assert CODE not in made(make_case(ADDRESS), tmp_path / "out2", without)[0].verdict.codes()  # 5 lines


def test_without_a_workspace_the_case_files_provider_address_is_named(make_case, tmp_path):
    case = make_case({**ADDRESS, "provider.address": addresses(4)})
    result, _ = made(case, tmp_path / "out", None)
    message = reasons(result)[CODE]
    assert f"(fewer lines in provider.address in {case})" in message
    assert message.endswith("or practice.envelope: none in a workspace's appeal.yaml for a letter not mailed in a "
                            "window envelope")


def test_envelope_none_or_stationery_has_no_window_to_reach(make_case, tmp_path):
    folder = workspace(tmp_path / "ws", addresses(6), extra="  envelope: none\n")
    assert made(make_case(ADDRESS), tmp_path / "out", folder)[0].verdict.status == "ready"
    on_stationery = workspace(tmp_path / "ws2", addresses(6))
    stationery = one_page_pdf(tmp_path / "first.pdf", "FIRSTPAGEMARK")
    result, _ = made(make_case(ADDRESS), tmp_path / "out2", on_stationery, stationery=stationery)
    assert CODE not in result.verdict.codes()  # the letter draws no letterhead of its own on stationery


def test_the_cli_says_the_reason_and_strict_writes_nothing(run, make_case, tmp_path, out):
    folder = workspace(tmp_path / "ws", addresses(5))
    case = make_case(ADDRESS)
    result = run("generate", case, "-o", out, "--workspace", folder, "--date", LETTER_DATE.isoformat())
    assert result.exit_code == 0
    lines = result.stderr.rstrip().splitlines()
    assert lines[-1] == "verdict: review (letterhead-in-window)"
    assert lines[-2].startswith("review: the letterhead reaches ") and lines[-2].endswith(f"[{CODE}]")
    assert "practice.letterhead.address" in lines[-2]
    strict = run("generate", case, "-o", tmp_path / "strict", "--workspace", folder, "--date",
                 LETTER_DATE.isoformat(), "--strict")
    assert strict.exit_code == 1 and not (tmp_path / "strict").exists()


def test_batch_print_leaves_out_a_letter_whose_letterhead_the_window_would_show(run, make_case, tmp_path, out):
    folder = workspace(tmp_path / "ws", addresses(5))
    case = make_case(ADDRESS)
    result = run("batch", case, "-o", out, "--workspace", folder, "--date", LETTER_DATE.isoformat(), "--jobs", 1,
                 "--print", out / "mail.pdf")
    assert result.exit_code == 0, result.stderr
    assert "not in the print file: the window envelope would show its letterhead [letterhead-in-window]" \
        in result.stderr
    assert not (out / "mail.pdf").exists()
    [row] = summary(out)
    assert row["verdict"] == "review" and row["reasons"].startswith(f"{CODE}: the letterhead reaches ")


def test_five_lines_fit_under_a_one_line_name_as_the_readme_says():
    band = WINDOW_10.keep_clear()
    assert layout.letterhead_lines_fit(1, None, band.top) == 5
    assert layout.letterhead_lines_fit(1, layout.LOGO_BOX[1], band.top) == 5  # a logo never reaches it by itself
    height = lambda lines: layout.letterhead_height(1, lines, None)  # noqa: E731
    assert layout.letterhead_ink(height(5)).bottom <= band.top < layout.letterhead_ink(height(6)).bottom
    assert "five lines fit under it" in (ROOT / "README.md").read_text(encoding="utf-8")


# the samples' verdicts before the check was added: it changes none of them
SAMPLE_VERDICTS = {path.name: ("review", ["no-payer-address"]) for path in SAMPLES.glob("*.yaml")}
SAMPLE_VERDICTS["medical-necessity-50.yaml"] = ("review", ["no-payer-address", "check-warning"])


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_samples_verdicts_are_unchanged(sample):
    from appeal.commands.generate import checked

    sources = Sources.load(Settings(date=LETTER_DATE))
    prepared = prepare(sample, sources.settings, sources)
    judged = verdict_of(prepared, checked(prepared, sources, dt.date(2026, 11, 27)))
    assert (judged.status, judged.codes()) == SAMPLE_VERDICTS[sample.name]


def test_the_example_profile_appeal_init_writes_fits_above_the_window(make_case, tmp_path):
    folder = tmp_path / "ws"
    folder.mkdir()
    shutil.copy(ROOT / "appeal" / "data" / "workspace" / "appeal.yaml", folder / "appeal.yaml")
    sources = Sources.load(Settings(date=LETTER_DATE, workspace=folder))
    prepared = prepare(make_case({**ADDRESS, "provider": None}), sources.settings, sources)
    assert prepared.page.envelope == "window-10" and prepared.page_reasons == []


# -- stationery: its printed letterhead, read from its page as it lies under the letter ---------------------------

def stationery(path: Path, depth: float, sidebar: bool = False) -> Path:
    """A one-page stationery whose printed letterhead (a name, lines, a rule) runs from 0.5" down to ``depth``
    inches, and a footer line; with ``sidebar``, a column printed down the left margin."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=(612, 792), invariant=1)
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawCentredString(306, 792 - 54, "PRINTEDHEAD")
    pdf.setFont("Helvetica", 10)
    y = 792 - 72
    while y > 792 - depth * 72 + 12:
        pdf.drawCentredString(306, y - 10, "printedline")
        y -= 14
    pdf.line(72, 792 - depth * 72, 540, 792 - depth * 72)
    pdf.drawCentredString(306, 30, "printedfooter")  # in the bottom margin: under no text
    if sidebar:
        pdf.rect(12, 40, 36, 712, fill=1)
    pdf.showPage()
    pdf.save()
    return path


def on_stationery(folder: Path, first: Path, extra: str = "") -> Path:
    folder.mkdir()
    (folder / "appeal.yaml").write_text(f"practice:\n  stationery:\n    first_page: {first}\n{extra}", encoding="utf-8")
    return folder


def first_word(pdf: Path, word: str) -> Box:
    return next(at for text, at in page_words(pdf) if text == word)


@needs("pdftotext")
def test_text_over_stationery_without_margins_is_for_review_and_says_what_top_margin_clears_it(make_case, tmp_path):
    first = stationery(tmp_path / "first.pdf", 1.75)
    folder = on_stationery(tmp_path / "ws", first, "  envelope: none\n")
    result, pdf = made(make_case(ADDRESS), tmp_path / "out", folder)
    assert result.verdict.codes() == ["text-over-stationery"]
    assert reasons(result)["text-over-stationery"] == (
        f"the PDF's text starts 1.00\" from the top of page 1, and the stationery first.pdf is printed down to "
        f"1.76\" there (its letterhead), so the date and the first lines would be printed over it; accepted: "
        f"practice.stationery.margins with top: 1.90 or more in {folder / 'appeal.yaml'} (none is given, so the "
        f"text starts 1\" down)")
    date = first_word(pdf, "November")
    assert any(at.top < date.bottom and date.top < at.bottom for text, at in page_words(pdf)
               if text == "printedline")  # the date set on the rows of a printed line: over it
    margins = on_stationery(tmp_path / "ws2", first, "    margins: {top: 1.9, right: 1, bottom: 1, left: 1}\n"
                                                      "  envelope: none\n")
    result, pdf = made(make_case(ADDRESS), tmp_path / "out2", margins)
    assert result.verdict.status == "ready", result.verdict.reasons
    assert first_word(pdf, "November").top > 1.76 * 72  # the date below the printed letterhead


def test_stationery_printed_in_the_window_names_its_file_and_field(make_case, tmp_path):
    first = stationery(tmp_path / "first.pdf", 2.25)  # its rule runs through the window's band
    folder = on_stationery(tmp_path / "ws", first)
    result, _ = made(make_case(ADDRESS), tmp_path / "out", folder)
    assert result.verdict.codes() == [CODE]  # the text starts below the window, under the printing
    message = reasons(result)[CODE]
    assert message.startswith("the stationery first.pdf is printed where the #10 window shows page 1, from 1.81\" "
                              "to 2.26\" from the top (the window shows 1.77\" to 3.12\", from the left edge to "
                              "5.38\"), so the window would show it with the payer's address; ")
    assert f"accepted: a first page (practice.stationery.first_page in {folder / 'appeal.yaml'}) printed clear" \
        in message and message.endswith("or practice.envelope: none in "
                                        f"{folder / 'appeal.yaml'} for a letter not mailed in a window envelope")
    by_option, _ = made(make_case(ADDRESS), tmp_path / "out2", None, stationery=first)
    assert "accepted: a first page (--stationery) printed clear" in reasons(by_option)[CODE]


def test_stationery_clear_of_the_window_and_the_text_has_no_reason(make_case, tmp_path):
    short = stationery(tmp_path / "short.pdf", 1.5)  # above the band; the text starts below the window
    assert made(make_case(ADDRESS), tmp_path / "out", None, stationery=short)[0].verdict.status == "ready"
    footer = one_page_pdf(tmp_path / "footer.pdf", "FIRSTPAGEMARK")  # printed only in the bottom margin
    folder = on_stationery(tmp_path / "ws", footer, "  envelope: none\n")
    assert made(make_case(ADDRESS), tmp_path / "out2", folder)[0].verdict.status == "ready"
    column = stationery(tmp_path / "column.pdf", 0.9, sidebar=True)  # a column in the left margin, under no text
    folder = on_stationery(tmp_path / "ws2", column, "  envelope: none\n")
    assert made(make_case(ADDRESS), tmp_path / "out3", folder)[0].verdict.status == "ready"
