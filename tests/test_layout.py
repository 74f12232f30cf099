"""Issue 10: one or two pages, well laid out, measured on the PDF (``pdftotext -bbox``) and on LibreOffice's
rendering of the DOCX.

- a corrected-claim cover letter and a reconsideration fit on two pages; further support goes to an
  attachment after the signature, on a page of its own;
- on every page followed by another page, the last line of body text lies below 75% of the page height
  (the page before the attachment excepted);
- no heading stands last on a page; "Sincerely" never opens a page and stays on the page of its signature,
  which holds more of the letter than its closing line;
- the decisive quotes stay in the body: three at most before the signature.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from appeal.commands.generate import generate
from appeal.letters.document import Heading, Quote, Signature, runs_text
from appeal.settings import Settings

from conftest import LETTER_DATE, SAMPLES, UPMC, sample_data, set_path

ATTACHMENTS = ("Coding references", "Supporting literature")
FILL = 0.75

# the samples, and the variants issue 10 names: each (name, base, changes)
VARIANTS = {
    "upmc": (UPMC, {}),
    "upmc-two-regions-xs": (UPMC, {"appeal.facts.regions": ["cervical spine", "lumbar spine"],
                                   "payer.distinct_modifier": "XS"}),
    "upmc-routine-exam": (UPMC, {"appeal.facts.with_routine_exam": "yes"}),
    "billed-76120": (UPMC, {"claim.lines.0.code": "76120"}),
    "billed-00100": (UPMC, {"claim.lines.0.code": "00100"}),
    "seven-enclosures": (UPMC, {"claim.lines.0.code": "00100",
                                "enclosures": [f"Enclosure {n} (sample)" for n in range(1, 8)]}),
    "not-recorded": (UPMC, {"appeal.facts.recording": "no"}),
    "not-recorded-76000": (UPMC, {"appeal.facts.recording": "no", "appeal.requested_code": "76000"}),
    "separate-regions": (SAMPLES / "separate-regions-97.yaml", {}),
    "separate-regions-corrected": (SAMPLES / "separate-regions-97.yaml",
                                   {"appeal.facts.modifier_on_claim": "no", "claim.lines.1.modifiers": []}),
    "investigational": (SAMPLES / "investigational-dmx.yaml", {}),
    "generic": (SAMPLES / "generic-reconsideration.yaml", {}),
}


def needs(*tools: str):
    missing = [t for t in tools if shutil.which(t) is None]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)} (not installed)")


@dataclass
class Page:
    height: float
    lines: list[str]  # the body's lines, top to bottom (running header and page footer left out)
    last_bottom: float  # yMax of the last body line


def bbox_pages(pdf: Path) -> list[Page]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True,
                         timeout=120).stdout
    pages = []
    for height, body in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', out, re.S):
        h = float(height)
        rows: dict[int, list[tuple[float, str]]] = {}
        bottoms: dict[int, float] = {}
        for x, y0, y1, word in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">'
                                          r'(.*?)</word>', body):
            top, bottom = float(y0), float(y1)
            if top < 0.85 * 72 or bottom > h - 0.7 * 72:  # running header (0.6"), page footer (0.55")
                continue
            key = round(bottom)
            rows.setdefault(key, []).append((float(x), html.unescape(word)))
            bottoms[key] = bottom
        keys = sorted(rows)
        lines = [" ".join(w for _, w in sorted(rows[k])) for k in keys]
        pages.append(Page(h, lines, bottoms[keys[-1]] if keys else 0.0))
    return pages


@pytest.fixture(scope="module")
def letters(tmp_path_factory):
    """name -> (the letter's document model, its PDF, its DOCX)."""
    import yaml

    root = tmp_path_factory.mktemp("layout")
    made = {}
    for name, (base, changes) in VARIANTS.items():
        data = sample_data(base)
        for key, value in changes.items():
            set_path(data, key, value)
        case = root / f"{name}.yaml"
        case.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        result = generate(case, root / name, Settings(date=LETTER_DATE))
        files = {p.suffix: p for p in result.outputs}
        made[name] = (result.prepared.letter, files[".pdf"], files[".docx"])
    return made


def split_attachment(pages: list[Page]) -> tuple[list[Page], list[Page]]:
    """The letter's own pages, and the attachment's (from the page that opens with its heading)."""
    for i, page in enumerate(pages):
        if page.lines and page.lines[0] in ATTACHMENTS:
            return pages[:i], pages[i:]
    return pages, []


def headings(letter) -> set[str]:
    return {runs_text(b.runs) for b in letter.blocks if isinstance(b, Heading)} | {"Enclosures", "References"}


def assert_well_laid_out(pages: list[Page], letter, where: str) -> None:
    own, attached = split_attachment(pages)
    assert 1 <= len(own) <= 2, f"{where}: the letter runs {len(own)} pages"
    for i, page in enumerate(own[:-1]):
        assert page.last_bottom / page.height > FILL, (
            f"{where}: page {i + 1} ends at {page.last_bottom / page.height:.0%} of the page: {page.lines[-1]!r}")
    for i, page in enumerate(attached[:-1]):
        assert page.last_bottom / page.height > FILL, f"{where}: attachment page {i + 1} is not full"
    assert_nothing_stranded(pages, letter, where)


def assert_nothing_stranded(pages: list[Page], letter, where: str) -> None:
    """No heading last on a page; "Sincerely," never opens one and stays with the signature."""
    names = headings(letter)
    signer = next(b for b in letter.blocks if isinstance(b, Signature)).name
    for i, page in enumerate(pages):
        assert page.lines, f"{where}: page {i + 1} is blank"
        assert page.lines[-1] not in names, f"{where}: heading {page.lines[-1]!r} stands last on page {i + 1}"
        assert page.lines[0] != "Sincerely,", f"{where}: 'Sincerely,' opens page {i + 1}"
        if "Sincerely," in page.lines:
            assert any(line.startswith(signer) for line in page.lines), f"{where}: the signature left page {i + 1}"
            # more of the letter than its closing line comes with the signature
            assert page.lines.index("Sincerely,") >= 2 or i == 0, f"{where}: page {i + 1} holds only the closing"


@needs("pdftotext")
@pytest.mark.parametrize("name", list(VARIANTS))
def test_the_pdf_fits_two_pages_and_every_page_before_the_last_is_full(letters, name):
    letter, pdf, _ = letters[name]
    assert_well_laid_out(bbox_pages(pdf), letter, f"{name}.pdf")


@pytest.mark.parametrize("name", list(VARIANTS))
def test_the_decisive_quotes_stay_in_the_body_and_further_support_is_attached(letters, name):
    letter, _, _ = letters[name]
    signature = next(i for i, b in enumerate(letter.blocks) if isinstance(b, Signature))
    body_quotes = [b for b in letter.blocks[:signature] if isinstance(b, Quote)]
    assert len(body_quotes) <= 3, [q.passage for q in body_quotes]
    attachments = [b for b in letter.blocks if isinstance(b, Heading) and b.new_page]
    assert all(letter.blocks.index(a) > signature for a in attachments)


def test_the_one_code_corrected_claim_quotes_two_passages_and_attaches_the_rest(letters):
    letter, _, _ = letters["upmc"]
    signature = next(i for i, b in enumerate(letter.blocks) if isinstance(b, Signature))
    assert [b.passage for b in letter.blocks[:signature] if isinstance(b, Quote)] == [
        "codes-intended", "unlisted-not-used"]
    after = [b.passage for b in letter.blocks[signature:] if isinstance(b, Quote)]
    assert after == ["terminology", "definitions", "use-76120-76125"]


def test_the_docx_carries_the_keep_rules(letters):
    import docx

    _, _, path = letters["upmc"]
    paragraphs = docx.Document(str(path)).paragraphs
    texts = [p.text for p in paragraphs]
    for p in paragraphs:
        if p.style.name.startswith("Heading"):
            assert p.paragraph_format.keep_with_next, p.text
    closing = next(i for i, text in enumerate(texts) if text.startswith("For anything further, please contact"))
    assert paragraphs[closing].paragraph_format.keep_with_next  # the closing paragraph stays with "Sincerely"
    attachment = paragraphs[texts.index("Coding references")]
    assert attachment.paragraph_format.page_break_before


@needs("soffice", "pdftotext")
@pytest.mark.parametrize("name", ["upmc", "upmc-two-regions-xs", "investigational", "separate-regions-corrected",
                                  "billed-00100", "seven-enclosures"])
def test_libreoffice_renders_the_docx_without_stranding_a_heading_or_the_signature(letters, name, tmp_path):
    letter, _, path = letters[name]
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180)
    pages = bbox_pages(tmp_path / (path.stem + ".pdf"))
    assert_nothing_stranded(pages, letter, f"{name}.docx")
    if any(isinstance(b, Heading) and b.new_page for b in letter.blocks):
        attachment = next(i for i, page in enumerate(pages) if any(line in ATTACHMENTS for line in page.lines[:2]))
        assert any("Sincerely," in page.lines for page in pages[:attachment])  # the attachment follows


@needs("pdftotext")
def test_the_pdf_shows_each_changed_line_in_the_re_block_and_the_request(letters):
    """Read back from the PDF: the corrected line, with the modifier the additional region now carries."""
    for name, changed in (("separate-regions-corrected", "line 2, 06/02/2026: 76120 corrected to 76120-59"),
                          ("upmc-two-regions-xs", "added line, 09/15/2026: 76120-XS")):
        _, pdf, _ = letters[name]
        text = " ".join(" ".join(page.lines) for page in bbox_pages(pdf))
        re_block, request = text.split("Dear Reviewer:")[0], text.split("Dear Reviewer:")[1].split("Why")[0]
        assert "Corrected line(s)" in re_block and changed in re_block.replace("  ", " "), name
        assert changed in request, name


@needs("pdftotext")
@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_no_sample_leaves_its_signature_with_the_closing_line_alone(sample, tmp_path):
    result = generate(sample, tmp_path, Settings(date=LETTER_DATE))
    pdf = next(p for p in result.outputs if p.suffix == ".pdf")
    assert_nothing_stranded(bbox_pages(pdf), result.prepared.letter, sample.name)


def _before_closing(items: int, closing: bool = True) -> list:
    from appeal.letters.document import BulletList, Paragraph, Run, Signature

    listed = BulletList(tuple((Run(f"item {n}"),) for n in range(items)))
    end = [Paragraph((Run("For anything further, please call."),)), Signature("Sincerely,", "Pat Example", ())]
    return [Paragraph((Run("Body."),)), listed, *(end if closing else [Paragraph((Run("More."),)), *end])]


@pytest.mark.parametrize("items, keeps", [
    (1, [True]), (2, [True, True]), (3, [False, True, True]), (4, [True, False, True, True]),
    (6, [True, True, True, False, True, True]), (8, [False] * 6 + [True, True])])
def test_a_list_before_the_closing_breaks_only_before_its_last_two_items(items, keeps):
    from appeal.render import keeps_with_next, list_keeps

    blocks = _before_closing(items)
    assert list_keeps(blocks, 1) == keeps
    assert keeps_with_next(blocks, 0) is False and keeps_with_next(blocks, 1) and keeps_with_next(blocks, 2)


def test_a_list_elsewhere_is_kept_whole_up_to_six_items():
    from appeal.render import keeps_with_next, list_keeps

    assert list_keeps(_before_closing(4, closing=False), 1) == [True, True, True, False]
    assert list_keeps(_before_closing(7, closing=False), 1) == [False] * 7
    assert keeps_with_next(_before_closing(4, closing=False), 1) is False
