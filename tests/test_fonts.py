"""The bundled fonts: shipped with their licence, cover Latin Extended and Vietnamese, and a character
they cannot draw is an error naming the case field, never a blank box."""

from __future__ import annotations

import string

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from appeal.cli import cli
from appeal.errors import RenderError
from appeal.inputs.case import load_case
from appeal.render.fonts import COVERED, check_fonts, missing_glyphs
from appeal.render.pdf import _FILES, fonts
from appeal.resources import PACKAGE

from conftest import UPMC, flat

VIETNAMESE = "".join(chr(c) for c in range(0x1EA0, 0x1EFA)) + "ĂăÂâĐđÊêÔôƠơƯư"
LATIN_EXTENDED = "".join(chr(c) for c in range(0x00C0, 0x0250) if chr(c).isalpha())
GREEK = "".join(chr(c) for c in range(0x0391, 0x03CA) if chr(c).isalpha())
CYRILLIC = "".join(chr(c) for c in range(0x0400, 0x0460) if chr(c).isalpha())


def test_each_bundled_font_ships_with_its_licence():
    folder = PACKAGE / "fonts"
    assert {p.name for p in folder.glob("*.ttf")} == set(_FILES.values())
    licence = (folder / "LICENSE.txt").read_text(encoding="utf-8")
    assert "Liberation" in licence and "SIL Open Font License" in licence


def test_fonts_are_registered_once_per_process():
    assert fonts() is fonts()


def test_the_coverage_the_check_reads_is_what_every_bundled_face_maps():
    """The font check reads a list of code points, not the fonts: the list is the fonts' own."""
    maps = [set(font.face.charToGlyph) for font in fonts().values()]
    assert {ord(c) for c in COVERED} == set.intersection(*maps)


def test_the_font_check_reads_no_font():
    import subprocess
    import sys

    code = ("import sys; from appeal.inputs.case import load_case; from appeal.render.fonts import check_fonts; "
            f"check_fonts(load_case({str(UPMC)!r})); print('reportlab' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_fonts_cover_latin_extended_vietnamese_greek_and_cyrillic():
    assert missing_glyphs(VIETNAMESE + LATIN_EXTENDED + GREEK + CYRILLIC + string.printable) == set()
    assert missing_glyphs("Νικόλαος Παπαδόπουλος Анна Кузнецова") == set()
    assert missing_glyphs("José Núñez-Ørsted Łukasz Żółć Nguyễn Văn An") == set()


def test_decomposed_accents_are_drawn_as_one_letter():
    assert missing_glyphs("Nguye\u0302\u0303n") == set()  # e + circumflex + tilde, typed apart


def test_characters_beyond_the_fonts_are_found():
    assert missing_glyphs("王小明 \U0001F600") == {"王", "小", "明", "\U0001F600"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(VIETNAMESE + LATIN_EXTENDED + " -.'"), min_size=1, max_size=40)
       .filter(str.strip))  # a name of only spaces is missing (test_hardening)
def test_any_latin_or_vietnamese_name_passes_the_font_check(make_case, name):
    check_fonts(load_case(make_case({"patient.name": name, "signer.name": name})))


def test_an_undrawable_name_is_an_error_naming_the_field_and_line(make_case, out):
    case = make_case({"patient.name": "王小明", "claim.lines.0.description": "scan \U0001F600"})
    result = CliRunner().invoke(cli, ["generate", str(case), "-o", str(out)])
    assert result.exit_code == 2
    lines = case.read_text(encoding="utf-8").splitlines()
    name_line = next(i for i, text in enumerate(lines, start=1) if "王小明" in text)
    assert (f"{case}:{name_line}: patient.name: the PDF font cannot draw '小' (U+5C0F), '明' (U+660E), "
            f"'王' (U+738B)") in result.stderr
    assert "claim.lines[0].description: the PDF font cannot draw '\U0001F600' (U+1F600)" in result.stderr
    assert list(out.iterdir()) == []


def test_a_docx_only_letter_is_not_held_to_the_pdf_fonts(make_case, out):
    result = CliRunner().invoke(cli, ["generate", str(make_case({"patient.name": "王小明"})), "-o", str(out),
                                      "--format", "docx"])
    assert result.exit_code == 0, result.stderr


def test_every_vietnamese_letter_survives_the_pdf(make_case, out):
    from appeal.commands.generate import generate
    from appeal.settings import Settings

    from conftest import LETTER_DATE

    name = "Nguyễn " + VIETNAMESE[:40]
    result = generate(make_case({"patient.name": name}), out, Settings(date=LETTER_DATE), formats=("pdf",))
    text = flat(" ".join(page.extract_text() for page in PdfReader(str(result.outputs[0])).pages))
    assert name in text


def test_sample_case_passes_the_font_check():
    check_fonts(load_case(UPMC))


def test_the_check_of_all_text_at_once_reads_the_strings_the_field_walk_reads():
    """check_fonts reads every string at once first (case_strings) and walks the fields (case_texts) only
    for an error's names: the two read the same strings, in the same order, for every sample."""
    from appeal.inputs.case import case_strings, case_texts

    from conftest import SAMPLES

    for path in sorted(SAMPLES.glob("*.yaml")):
        case = load_case(path)
        assert case_strings(case) == [text for _, text in case_texts(case)], path.name
        assert len(case_strings(case)) >= 15, path.name  # the walk reaches the nested fields


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from("aé \n\u0301\u0303王\U0001F600"), min_size=1, max_size=12).filter(str.strip))
def test_one_field_a_face_cannot_draw_fails_the_check_as_it_does_alone(make_case, name):
    """A combining mark at a field's start joins nothing across the joined text: the check of all text at
    once fails exactly when a field fails alone."""
    case = load_case(make_case({"patient.name": name.strip() or "x", "signer.name": "Pat"}))
    alone = bool(missing_glyphs(case.patient.name))
    try:
        check_fonts(case)
        failed = False
    except RenderError as exc:
        failed = True
        assert any(p.field == "patient.name" for p in exc.problems) == alone
    assert failed == alone
