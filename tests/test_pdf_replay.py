"""Paragraphs and attachment pages drawn again from a recording, and reportlab's PDF objects formatted by our
shorter path, give the bytes reportlab gives: across letters that differ (their patients' names hand out the
font codes in another order), and with a character no earlier letter drew."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

from reportlab.lib import colors
from reportlab.pdfbase import pdfdoc

from appeal.commands.generate import prepare
from appeal.letters.document import Paragraph, Run, Table
from appeal.render import pdf
from appeal.settings import Settings

from conftest import LETTER_DATE, UPMC


def _letters():
    """The sample letter, and two others whose first blocks (drawn first: they set the order of the font codes)
    hold other names, one with letters the sample never uses."""
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    others = []
    for name in ("Zygmunt Quíxote-Vázquez", "Øystein Jørgensen, Wąchock"):
        rows = (((Run("Patient"),), (Run(name),)), ((Run("Account"),), (Run(name[::-1]),)))
        table = Table(rows)
        others.append(dataclasses.replace(letter, blocks=(Paragraph((Run(name),)), table, *letter.blocks)))
    return [letter, *others]


def _reportlab_draws(monkeypatch) -> None:
    monkeypatch.setattr(pdf._Para, "draw", pdf.RLParagraph.draw)
    monkeypatch.setattr(pdf._Para, "drawOn", pdf.RLParagraph.drawOn)
    monkeypatch.setattr(pdf, "_attachment", lambda letter, page: None)  # every page drawn by reportlab


def test_replayed_paragraphs_give_the_bytes_reportlab_draws(monkeypatch):
    letters = _letters() * 3  # a paragraph is recorded at its second drawing and replayed from its third
    replays = []
    replay = pdf._Drawing.replay

    def counted(self, canv, texts=None, drawn=True):
        code = replay(self, canv, texts, drawn)
        replays.append(code is not None)
        return code

    monkeypatch.setattr(pdf._Drawing, "replay", counted)
    drawn = [pdf.render_pdf(letter) for letter in letters]
    assert replays.count(True) > 100  # most of the paragraphs were replayed
    monkeypatch.undo()
    _reportlab_draws(monkeypatch)
    assert [pdf.render_pdf(letter) for letter in letters] == drawn


def test_a_character_new_to_the_pdf_is_drawn_by_reportlab(monkeypatch):
    letter = _letters()[0]
    for _ in range(3):
        pdf.render_pdf(letter)
    closing = Paragraph((Run("Sincerely and with thanks to Ŵŷ"),))
    odd = dataclasses.replace(letter, blocks=(*letter.blocks, closing))
    replayed = pdf.render_pdf(odd)
    _reportlab_draws(monkeypatch)
    assert pdf.render_pdf(odd) == replayed


def test_paragraphs_drawn_once_are_replayed_from_another_of_their_shape(monkeypatch):
    """Each letter's own values (a patient's name, a claim's number: table cells and one-line paragraphs, drawn
    once) are drawn from the recording of an earlier paragraph of the same shape, in the bytes reportlab
    draws: across letters whose names differ, with a name in characters no earlier letter drew."""
    letter = _letters()[0]
    names = ["Ann Lee", "Bartholomew Quincy-Ramirez", "Zoë Ødegaard", "Ŵŷ Ŷŵ Ẁẃ", "Carl 12345 O'Neil"]
    letters = []
    for name in names:
        rows = (((Run("Patient"),), (Run(name),)), ((Run("Claim"),), (Run(name[::-1] + " 0042"),)))
        letters.append(dataclasses.replace(letter, blocks=(Paragraph((Run(name),)), Table(rows), *letter.blocks)))
    shaped = []
    replay = pdf._shaped

    def counted(paragraph, canv, record=True):
        code = replay(paragraph, canv, record)
        shaped.append(bool(code))
        return code

    monkeypatch.setattr(pdf, "_shaped", counted)
    drawn = [pdf.render_pdf(one) for one in letters]
    assert shaped.count(True) > 50
    monkeypatch.undo()
    _reportlab_draws(monkeypatch)
    assert [pdf.render_pdf(one) for one in letters] == drawn


def test_only_left_aligned_lines_in_one_face_have_a_shape():
    plain = pdf._para(pdf._text("the claim was denied for a reason"), "body")
    plain.wrap(400, 800)
    shape, texts = pdf._shape_lines(plain)
    assert texts == ["the claim was denied for a reason"]
    mixed = pdf._para("the claim was <b>denied</b>", "body")
    mixed.wrap(400, 800)
    assert pdf._shape_lines(mixed) is None  # two faces: reportlab draws it fragment by fragment
    right = pdf._para(pdf._text("an attribution"), "attribution")
    right.wrap(400, 800)
    assert pdf._shape_lines(right) is None  # set right: where a line starts depends on its width


def test_a_recording_that_does_not_give_back_what_was_drawn_is_not_kept():
    canvas = pdf.rl_canvas.Canvas(None)

    def draw():
        canvas._code.append("BT (x) Tj ET")  # text no face encoded: nothing to fill in

    assert pdf._Drawing.record(draw, canvas) is not None  # no text: the literal itself

    def draw_unknown():
        pdf._RECORDING[-1].append((pdf.font(pdf.FAMILY), "never drawn"))

    assert pdf._Drawing.record(draw_unknown, canvas) is None  # a text with no codes in this PDF


def test_the_shorter_formatting_gives_reportlabs_bytes():
    document = pdfdoc.PDFDocument(invariant=1)
    values = ["/Name", b"raw", 0, 12, -3, 1.5, 0.1, 1e-7, True, False, None, pdfdoc.PDFString("text (x)"),
              pdfdoc.PDFName("A b#c"), pdfdoc.PDFArray([1, 2.25, "/X"])]
    for value in values:
        assert pdf._format(value, document) == pdf._FORMAT(value, document)
    entries = {f"Key{i}": value for i, value in enumerate(values)} | {"Type": "/Font", "Odd Name#": 1}
    for multiline in (True, False, "forced"):
        dictionary = pdfdoc.PDFDictionary(entries)
        dictionary.multiline = multiline
        assert pdf._dictionary_format(dictionary, document) == pdf._DICTIONARY_FORMAT(dictionary, document)
    ordered = pdfdoc.PDFDictionary()
    ordered.dict = OrderedDict([("Z", 1), ("A", 2)])
    assert pdf._dictionary_format(ordered, document) == pdf._DICTIONARY_FORMAT(ordered, document)


def test_a_table_says_its_default_text_colour_as_a_colour():
    letter = _letters()[1]
    table = next(b for b in letter.blocks if isinstance(b, Table))
    drawn = pdf._table(table)[0]
    assert all(isinstance(style.color, colors.Color) for row in drawn._cellStyles for style in row)


PLAIN = ["Hello world", "  a  b ", "x", "Nguyễn Văn Łukasz", "soft\xadhyphen", "non\xa0breaking", "tab\there",
         "line\nbreak", "quote \" and ' (paren)", "—dash", "a" * 300, "SYNTHETIC2 PATIENT, claim PCN000002."]


def test_plain_text_is_parsed_as_reportlab_parses_it():
    for monochrome in (False, True):
        for style in pdf._styles_in(monochrome).values():
            for text in PLAIN:
                parsed = pdf.RLParagraph(text, style)
                plain = pdf._plain(text, style)
                assert plain is not None
                assert plain[0] == parsed.text
                assert [f.__dict__ for f in plain[1]] == [f.__dict__ for f in parsed.frags]
                assert plain[1][0].link is not pdf._plain_fragment(style).link
    for markup in ("<b>bold</b>", "a &amp; b", "a &gt; b", " ", ""):
        assert pdf._plain(markup, pdf._styles()["body"]) is None


def test_a_second_wrap_at_the_same_width_breaks_no_lines(monkeypatch):
    paragraph = pdf._para(pdf._text("words " * 40), "body")
    first = paragraph.wrap(400, 800)
    broken = []
    breaks = pdf.RLParagraph.breakLines
    monkeypatch.setattr(pdf.RLParagraph, "breakLines", lambda self, width: broken.append(width) or breaks(self, width))
    assert paragraph.wrap(400, 500) == first and not broken
    paragraph.wrap(300, 800)
    assert broken  # another width: broken again


def test_word_widths_are_measured_once_with_reportlabs_numbers():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import paragraph

    paragraph.stringWidth.cache_clear()
    for text in ("the claim was denied", "the claim was paid"):
        pdf._para(pdf._text(text), "body").wrap(100, 800)
    assert paragraph.stringWidth.cache_info().hits >= 3  # the, claim, was
    for word in ("the", "Łukasz", "x" * 50):
        assert paragraph.stringWidth(word, pdf.FAMILY, 10.5) == pdfmetrics.stringWidth(word, pdf.FAMILY, 10.5)


def test_text_is_encoded_to_the_codes_reportlab_hands_out():
    canvas = pdf.rl_canvas.Canvas(None)
    ttf = pdf.font(pdf.FAMILY)
    ttf.splitString("Łódź — naïve", canvas._doc)  # codes for a few characters outside ASCII
    state = ttf.state[canvas._doc]
    for text in ("plain ASCII, with (parens) and \\ slash ~", "Łódź naïve", "tab\there", "del\x7f", ""):
        try:
            expected = bytes(map(state.assignments.__getitem__, map(ord, text)))
        except KeyError:
            expected = None
        try:
            assert pdf._codes(state, text) == expected
        except KeyError:
            assert expected is None
    assert pdf._codes(state, "ASCII") == b"ASCII" and state.ascii_is_itself


def test_a_layout_only_render_writes_nothing_and_leaves_the_pdfs_after_it_the_same(monkeypatch):
    """``appeal validate`` sets the letter on its pages and writes no PDF: what that drawing records (shapes,
    font codes) leaves every full render after it, of that letter or another, the bytes reportlab draws."""
    letters = _letters()
    laid = [pdf.render_pdf(letter, layout_only=True) for letter in letters * 2]
    assert laid == [b""] * len(laid)
    drawn = [pdf.render_pdf(letter) for letter in letters]
    assert all(one.startswith(b"%PDF-") for one in drawn)
    _reportlab_draws(monkeypatch)
    assert [pdf.render_pdf(letter) for letter in letters] == drawn


def test_a_letter_too_big_for_its_page_fails_a_layout_only_render_as_it_fails_the_pdf():
    letter = _letters()[0]
    wide = Table(((((Run("x" * 4000),),),),))
    huge = dataclasses.replace(letter, blocks=(*letter.blocks, wide))
    errors = []
    for layout_only in (False, True):
        try:
            pdf.render_pdf(huge, layout_only=layout_only)
        except Exception as error:  # noqa: BLE001 - whatever the full render raises, validate must raise too
            errors.append((type(error), str(error)))
    assert len(errors) == 2 and errors[0] == errors[1]


def _with_body(letter, *blocks):
    """The letter with ``blocks`` first: they are drawn first, so they hand out the font codes first."""
    return dataclasses.replace(letter, blocks=(*blocks, *letter.blocks))


def test_attachment_pages_are_replayed_in_the_bytes_reportlab_draws(monkeypatch):
    """The sample's attachment (its Coding references page) is drawn once, then replayed after letters whose
    own pages differ: other names, characters no earlier letter drew (their codes come first), more pages."""
    letter = _letters()[0]
    assert pdf._attachment(letter, pdf.layout.PageSetup()) is not None
    monkeypatch.setattr(pdf, "_ATTACHMENTS", {})
    names = ["Ann Lee", "Zoë Ødegaard «Łódź»", "Ŵŷ Ŷŵ Ẁẃ — naïve", "Carl O'Neil"]
    letters = [letter] + [_with_body(letter, Paragraph((Run(name),)), Paragraph((Run(" ".join([name] * 300 * k)),)))
                          for k, name in enumerate(names, start=1)]
    replayed = []
    draw = pdf._Pages.draw

    def counted(self, canv):
        replayed.append(canv._pageNumber)
        return draw(self, canv)

    monkeypatch.setattr(pdf._Pages, "draw", counted)
    drawn = [pdf.render_pdf(one) for one in letters]
    assert len(replayed) == len(names)  # the first letter recorded it; every later one replayed it
    assert len(set(replayed)) > 1  # after a different number of pages of their own
    monkeypatch.undo()
    _reportlab_draws(monkeypatch)
    assert [pdf.render_pdf(one) for one in letters] == drawn


def test_an_attachment_that_needs_another_font_subset_is_drawn_by_reportlab(monkeypatch):
    """A letter whose own pages use up the first font subset (256 codes) before its attachment: the kept pages
    cannot be replayed with codes of one subset, so reportlab draws them, in the bytes it always draws."""
    letter = _letters()[0]
    monkeypatch.setattr(pdf, "_ATTACHMENTS", {})
    extra = Paragraph((Run("Attachment note: ŵ"),))
    with_extra = dataclasses.replace(letter, blocks=(*letter.blocks, extra))  # the attachment's last block
    assert not pdf.missing_glyphs("ŵ")
    crowded = "".join(ch for ch in map(chr, range(0x0100, 0x0250)) if ch.isalpha() and ch != "ŵ"
                      and not pdf.missing_glyphs(ch))[:260]
    big = _with_body(with_extra, Paragraph((Run(" ".join(crowded[i:i + 20] for i in range(0, 260, 20))),)))
    pdf.render_pdf(with_extra)  # recorded
    (kept,) = pdf._ATTACHMENTS.values()
    assert kept is not None
    failed = []
    draw = pdf._Pages.draw

    def counted(self, canv):
        try:
            return draw(self, canv)
        except pdf._NoReplay:
            failed.append(True)
            raise

    monkeypatch.setattr(pdf._Pages, "draw", counted)
    made = pdf.render_pdf(big)
    assert failed == [True]
    monkeypatch.undo()
    _reportlab_draws(monkeypatch)
    assert pdf.render_pdf(big) == made
    assert not any(ttf.state for ttf in pdf._LOADED.values())  # no font state of the abandoned PDF is left


def test_a_letter_without_an_attachment_or_only_one_keeps_nothing(monkeypatch):
    letter = _letters()[0]
    monkeypatch.setattr(pdf, "_ATTACHMENTS", {})
    cut = next(i for i, b in enumerate(letter.blocks) if getattr(b, "new_page", False))
    assert pdf._attachment(dataclasses.replace(letter, blocks=letter.blocks[:cut]), pdf.layout.PageSetup()) is None
    assert pdf._attachment(dataclasses.replace(letter, blocks=letter.blocks[cut:]), pdf.layout.PageSetup()) is None
    pdf.render_pdf(letter, layout_only=True)  # validate's layout keeps nothing either
    assert pdf._ATTACHMENTS == {}


def test_an_empty_paragraph_is_drawn_as_reportlab_draws_it(monkeypatch):
    """reportlab's lines of an empty paragraph record no underlines or links: it is no shape to replay (this
    raised AttributeError once)."""
    letter = _with_body(_letters()[0], Paragraph((Run(""),)))
    made = pdf.render_pdf(letter)
    _reportlab_draws(monkeypatch)
    assert pdf.render_pdf(letter) == made
