"""What the renderers build once per process (the DOCX base, its deflated parts, the PDF fonts and
paragraph parses) never changes a letter: a cached render gives the same bytes as an uncached one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest

from appeal.commands.generate import prepare
from appeal.letters.document import BulletList, Heading, PageSetup, Paragraph, Quote, Run, Signature
from appeal.render import docx as docx_render
from appeal.render import docx_api
from appeal.resources import cache_dir
from appeal.settings import Settings

from conftest import LETTER_DATE, ROOT, SAMPLES, UPMC

SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))


def _python_docx_save(base: bytes, letter, identifier: str = "", page=None) -> bytes:
    """The letter the plain way: the whole base opened, filled through python-docx's paragraph API, saved
    by python-docx, then re-zipped with every member stamped with the letter date (what the renderer did
    before it built paragraphs from XML and packaged itself)."""
    doc = docx.Document(io.BytesIO(base))
    docx_api._fill(doc, letter, identifier, page)
    saved = io.BytesIO()
    doc.save(saved)
    day = dt.date.fromisoformat(letter.meta["date"])
    stamp = (max(day.year, 1980), day.month, day.day, 12, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_docx_is_the_bytes_python_docx_would_save(sample):
    letter = prepare(sample, Settings(date=LETTER_DATE)).letter
    assert docx_render.render_docx(letter, identifier="ID-1") == _python_docx_save(docx_api._blank(), letter,
                                                                                    "ID-1")


def test_docx_body_from_xml_pieces_is_what_the_paragraph_api_writes():
    """Text python-docx treats specially: spaces at either end, tabs and line breaks, markup characters,
    empty runs, bold and italic, line breaks between runs."""
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    runs = (Run(" lead"), Run("trail ", bold=True), Run("<b>&amp;\"'</b>", italic=True), Run(""),
            Run("tab\there", bold=True, italic=True), Run("", br=True), Run("line\nbreak\r"), Run("\u00a0nbsp"))
    odd = dataclasses.replace(letter, blocks=(Heading(runs), Paragraph(runs), BulletList((runs, runs)),
                                              Quote(" quoted\ttext ", " attribution ", "c", "p"),
                                              Paragraph(runs, style="address")) + letter.blocks)
    assert docx_render.render_docx(odd) == _python_docx_save(docx_api._blank(), odd)


def test_docx_with_a_reference_letterhead_is_the_bytes_python_docx_would_save(tmp_path):
    from docx.shared import Inches
    from PIL import Image

    Image.new("RGB", (600, 200), "navy").save(tmp_path / "logo.png")
    reference = docx.Document()
    reference.styles["Normal"].font.name = "Georgia"
    header = reference.sections[0].header.paragraphs[0]
    header.text = "ACME Practice Letterhead"
    header.add_run().add_picture(str(tmp_path / "logo.png"), width=Inches(1))
    reference.add_paragraph("Body text the letter never shows.")
    path = tmp_path / "letterhead.docx"
    reference.save(str(path))
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    stat = path.stat()
    base = docx_api._reference_base(str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    assert docx_api.compile_base(base) is not None  # the fast way, from pieces
    made = docx_render.render_docx(letter, reference=path)
    assert made == _python_docx_save(base, letter)
    assert "ACME Practice Letterhead" in docx.Document(io.BytesIO(made)).sections[0].first_page_header.paragraphs[0].text


@pytest.mark.parametrize("logo, signature", [("logo.png", "signature.png"), ("logo.png", None),
                                             (None, "signature.png"), ("logo.png", "logo.png"),
                                             ("tall.jpg", "tall.jpg")])
@pytest.mark.parametrize("page", [None, PageSetup(envelope="none", accent="#1f4e79", letterhead_font="sans")],
                         ids=["default", "accent"])
def test_docx_with_images_is_the_bytes_python_docx_would_save(tmp_path, logo, signature, page):
    """The logo in page 1's header, the signature in the body, each its own image part (or one part
    when they are the same picture), shrunk to their boxes; with an accent, another font, no window."""
    from PIL import Image

    Image.new("RGB", (400, 120), (31, 78, 121)).save(tmp_path / "logo.png")
    Image.new("RGB", (300, 100), (0, 0, 0)).save(tmp_path / "signature.png")
    Image.new("RGB", (30, 300), (0, 0, 0)).save(tmp_path / "tall.jpg")
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    blocks = tuple(dataclasses.replace(b, image=signature and tmp_path / signature) if isinstance(b, Signature)
                   else b for b in letter.blocks)
    letter = dataclasses.replace(letter, blocks=blocks, letterhead=dataclasses.replace(
        letter.letterhead, logo=logo and tmp_path / logo))
    made = docx_render.render_docx(letter, identifier="ID & <1>", page=page)
    assert made == _python_docx_save(docx_api._blank(), letter, "ID & <1>", page)
    assert len(docx.Document(io.BytesIO(made)).inline_shapes) == (signature is not None)


_IN_A_FRESH_PROCESS = """
import datetime as dt, hashlib, json, sys
from pathlib import Path
from appeal.commands.generate import prepare
from appeal.render.docx import render_docx
from appeal.render.pdf import render_pdf
from appeal.settings import Settings, Sources

settings = Settings(date=dt.date(2026, 11, 27))
sources = Sources.load(settings)
letters = [prepare(Path(p), settings, sources).letter for p in sys.argv[2:]]
if sys.argv[1] == "reversed":
    letters.reverse()
order = [0] + [i % len(letters) for i in range(1, 99)] + [0]  # the first letter, again as the hundredth
seen = {"docx": [], "pdf": []}
for i in order:
    for fmt, render in (("docx", render_docx), ("pdf", render_pdf)):
        seen[fmt].append((i, hashlib.sha256(render(letters[i])).hexdigest()))
print(json.dumps({"renders": len(order), "seen": seen}))
"""


def _renders_in_a_fresh_process(order: str, cases: list[Path]) -> dict[str, dict[Path, set[str]]]:
    """Each format's digests of each case's letter, drawn 100 times in one new process: the first case
    first and again last, the others between."""
    result = subprocess.run([sys.executable, "-c", _IN_A_FRESH_PROCESS, order, *map(str, cases)],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    report = json.loads(result.stdout)
    assert report["renders"] >= 100
    listed = list(reversed(cases)) if order == "reversed" else cases
    digests: dict[str, dict[Path, set[str]]] = {}
    for fmt, seen in report["seen"].items():
        assert seen[0] == seen[-1], fmt  # the first letter of the process and the hundredth
        for index, digest in seen:
            digests.setdefault(fmt, {}).setdefault(listed[index], set()).add(digest)
    return digests


def test_the_first_and_the_hundredth_letter_of_a_process_are_the_same_bytes(make_case):
    """A letter drawn first (every cache empty) and drawn again as the hundredth of its process (every
    cache warm), and each letter whether its process drew it first or after the others: the same DOCX
    and the same PDF. One letter needs other glyphs (other font subsets) than the rest."""
    accented = make_case({"patient.name": "Nguyễn Văn An-Łukasz Żółć", "claim.number": "U-2026-1"})
    cases = [*SAMPLE_FILES, accented]
    forward, backward = (_renders_in_a_fresh_process(order, cases) for order in ("forward", "reversed"))
    for fmt in ("docx", "pdf"):
        assert set(forward[fmt]) == set(cases)
        assert all(len(digests) == 1 for digests in forward[fmt].values()), fmt
        assert forward[fmt] == backward[fmt], fmt
        assert len({next(iter(d)) for d in forward[fmt].values()}) == len(cases)  # the letters differ


def test_the_blank_base_read_back_from_the_disk_cache_is_the_one_compiled(tmp_path, monkeypatch):
    """The compiled blank base a process leaves on disk (no letter's text in it) is what the next
    process reads instead of importing python-docx; a damaged file is compiled again."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("APPEAL_CACHE_DIR", raising=False)
    monkeypatch.delenv("APPEAL_NO_CACHE", raising=False)
    key = docx_render._cache_key()
    assert key
    compiled = docx_api.compile_base(docx_api._blank())
    assert compiled is not None
    docx_render._write_cache(key, compiled)
    (written,) = (tmp_path / "appeal" / "docx").glob("blank-*.json")
    assert docx_render._read_cache(key) == compiled
    assert docx_render._read_cache("another-key") is None
    written.write_text('{"key": "' + key + '", "members": [1', encoding="utf-8")
    assert docx_render._read_cache(key) is None
    monkeypatch.setenv("APPEAL_NO_CACHE", "1")
    assert cache_dir("docx") is None and docx_render._read_cache(key) is None


def test_a_cold_start_draws_the_blank_letter_without_python_docx(tmp_path):
    """With the compiled blank base on disk, a new process renders a letter (no images) and never imports
    python-docx; its bytes are the ones the python-docx way writes."""
    env = {name: value for name, value in os.environ.items() if name not in ("APPEAL_CACHE_DIR", "APPEAL_NO_CACHE")}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    script = ("import sys, hashlib, datetime as dt\nfrom pathlib import Path\n"
              "from appeal.commands.generate import prepare\nfrom appeal.settings import Settings\n"
              "from appeal.render.docx import render_docx\n"
              f"letter = prepare(Path({str(UPMC)!r}), Settings(date=dt.date(2026, 11, 27))).letter\n"
              "print(hashlib.sha256(render_docx(letter)).hexdigest(), 'docx' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env,
                           check=True).stdout.split() for _ in range(2)]
    assert runs[0][1] == "True" and runs[1] == [runs[0][0], "False"]
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    assert runs[0][0] == hashlib.sha256(_python_docx_save(docx_api._blank(), letter)).hexdigest()


def test_a_reference_with_its_own_empty_first_page_header_goes_the_python_docx_way(tmp_path):
    """A reference DOCX whose first-page header exists but is empty: the letterhead is drawn into that
    header, by python-docx itself (the pieces fill only a header they made)."""
    reference = docx.Document()
    section = reference.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "   "
    section.header.paragraphs[0].text = "Running text of the practice"
    path = tmp_path / "empty-first.docx"
    reference.save(str(path))
    stat = path.stat()
    base = docx_api._reference_base(str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    assert docx_api.compile_base(base) is None
    letter = prepare(UPMC, Settings(date=LETTER_DATE)).letter
    made = docx_render.render_docx(letter, reference=path)
    assert made == _python_docx_save(base, letter)
    assert docx.Document(io.BytesIO(made)).sections[0].first_page_header.paragraphs[0].text.strip()


def test_random_letters_are_the_bytes_python_docx_would_save():
    """Every block type, the letterhead, running header and properties filled with random text that
    python-docx and lxml treat specially (markup characters, spaces at the ends, tabs, line ends,
    non-ASCII, empty strings), in the three page setups: the pieces write what the API writes."""
    import random

    from appeal.letters.document import Recipient, References, Table

    rng = random.Random(16)
    alphabet = [*"ab <>&\"' \t\n\r\u00a0é€😀·", "  "]

    def text(n: int = 12) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, n)))

    def runs() -> tuple[Run, ...]:
        return tuple(Run(text(), bold=rng.random() < .3, italic=rng.random() < .3, br=rng.random() < .1)
                     for _ in range(rng.randint(0, 4)))

    def mutate(block):
        if isinstance(block, Heading):
            return dataclasses.replace(block, runs=runs(), new_page=rng.random() < .3)
        if isinstance(block, Paragraph):
            return dataclasses.replace(block, runs=runs())
        if isinstance(block, Quote):
            return dataclasses.replace(block, text=text(), attribution=text())
        if isinstance(block, BulletList):
            return dataclasses.replace(block, items=tuple(runs() for _ in range(rng.randint(1, 8))))
        if isinstance(block, Signature):
            return dataclasses.replace(block, closing=text(), name=text(),
                                       lines=tuple(text() for _ in range(rng.randint(0, 3))))
        if isinstance(block, References):
            return dataclasses.replace(block, title=text() or "R",
                                       entries=tuple(text() for _ in range(rng.randint(0, 3))))
        if isinstance(block, Table):
            return dataclasses.replace(block, rows=tuple(tuple(runs() for _ in range(2))
                                                         for _ in range(rng.randint(1, 4))))
        if isinstance(block, Recipient):
            return dataclasses.replace(block, name=text(), attention=rng.choice([None, text()]),
                                       address=tuple(text() for _ in range(rng.randint(0, 3))))
        return block

    letters = [prepare(path, Settings(date=LETTER_DATE)).letter for path in SAMPLE_FILES]
    pages = [None, PageSetup(envelope="none"), PageSetup(accent="#abcdef", letterhead_font="sans")]
    for _ in range(40):
        letter = rng.choice(letters)
        blocks = [mutate(b) if rng.random() < .7 else b for b in letter.blocks]
        if rng.random() < .3:
            rng.shuffle(blocks)
        letter = dataclasses.replace(
            letter, blocks=tuple(blocks), running_header=text(), title=text(), author=text(), subject=text(),
            keywords=(text(5), text(5)), letterhead=dataclasses.replace(
                letter.letterhead, name=text(30), lines=tuple(text(30) for _ in range(rng.randint(0, 4)))))
        page, identifier = rng.choice(pages), text()
        assert (docx_render.render_docx(letter, identifier=identifier, page=page)
                == _python_docx_save(docx_api._blank(), letter, identifier, page))


@pytest.mark.parametrize("dpi", [None, (300, 300), (96, 150), (1, 1)])
def test_a_png_read_without_python_docx_is_what_python_docx_reads(tmp_path, dpi):
    """A PNG's size and resolution come from its header without importing python-docx: the same
    numbers python-docx's image module reads (with or without a pHYs chunk, either resolution)."""
    from docx.image.image import Image as DocxImage
    from PIL import Image

    path = tmp_path / "logo.png"
    Image.new("RGB", (401, 123), "navy").save(path, **({"dpi": dpi} if dpi else {}))
    stat = path.stat()
    ours = docx_render._image_cached(str(path), stat.st_mtime_ns, stat.st_size, "provider.logo")
    theirs = DocxImage.from_file(str(path))
    assert (ours.blob, ours.sha1, ours.ext, ours.content_type, ours.filename, ours.width, ours.height) == (
        theirs.blob, theirs.sha1, theirs.ext, theirs.content_type, theirs.filename, theirs.width, theirs.height)


def test_an_image_that_is_not_one_names_the_field(tmp_path):
    """A truncated PNG, an empty one (zero pixels wide) and a folder: each is named, never a traceback."""
    from PIL import Image

    from appeal.errors import RenderError

    (tmp_path / "truncated.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 5)
    Image.new("RGB", (1, 1)).save(tmp_path / "dot.png")
    blob = bytearray((tmp_path / "dot.png").read_bytes())
    blob[16:20] = bytes(4)  # IHDR's width: 0
    (tmp_path / "empty.png").write_bytes(bytes(blob))
    (tmp_path / "folder.png").mkdir()
    for name in ("truncated.png", "empty.png", "folder.png"):
        with pytest.raises(RenderError, match="signer.signature: not a usable image"):
            docx_render._image(tmp_path / name, "signer.signature")
    with pytest.raises(RenderError, match="signer.signature: image file not found"):
        docx_render._image(tmp_path / "missing.png", "signer.signature")
