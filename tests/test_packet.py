"""The appeal packet: the letter, then each enclosure's pages stamped, as one PDF read back with pypdf."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from appeal.cli import cli
from appeal.commands.generate import write_packet
from appeal.deliver.packet import packet_name, portal_warnings
from appeal.settings import Settings

from conftest import LETTER_DATE, UPMC, docx_text, flat

CLAIM = "SAMPLE-2026-000123"


def make_pdf(path: Path, pages: int, size=(612, 792), rotate: int = 0) -> Path:
    """A PDF whose pages say which they are, in an embedded font."""
    from appeal.render.pdf import FAMILY, fonts

    fonts()
    pdf = canvas.Canvas(str(path), pagesize=size, invariant=1, initialFontName=FAMILY)
    for k in range(1, pages + 1):
        pdf.setFont(FAMILY, 12)
        pdf.drawString(72, size[1] - 100, f"Enclosed report page {k}")
        pdf.showPage()
    pdf.save()
    if rotate:
        writer = PdfWriter(clone_from=str(path))
        for page in writer.pages:
            page.rotate(rotate)
        writer.write(str(path))
    return path


def make_image(path: Path, size=(850, 1100), frames: int = 1) -> Path:
    images = [Image.new("RGB", size, color) for color in ("white", "lightgrey", "grey")[:frames]]
    images[0].save(path, save_all=frames > 1, append_images=images[1:], dpi=(100, 100))
    return path


@pytest.fixture
def enclosed(make_case, tmp_path):
    """A case with a 2-page PDF enclosure, one without a file, and a PNG enclosure."""

    def make(*files: tuple[str, Path], changes: dict | None = None) -> Path:
        enclosures = [{"description": description, "path": str(path)} for description, path in files]
        enclosures.insert(1, "Corrected claim (CMS-1500), frequency code 7")
        return make_case({"enclosures": enclosures, **(changes or {})})

    return make


@pytest.fixture
def standard(enclosed, tmp_path):
    return enclosed(("Radiology report", make_pdf(tmp_path / "report.pdf", 2)),
                    ("Remittance advice", make_image(tmp_path / "remit.png")))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_packet_is_the_letter_then_each_enclosure_stamped(standard, out):
    result = write_packet(standard, out, Settings(date=LETTER_DATE))
    (path,) = result.outputs
    assert path.name == f"UPMC-Health-Plan_{CLAIM}_2026-11-27_packet.pdf"
    pages = [flat(page.extract_text()) for page in PdfReader(str(path)).pages]
    letter_pages = result.packet["letter_pages"]
    assert letter_pages >= 1 and len(pages) == letter_pages + 3
    letter_text = " ".join(pages[:letter_pages])
    assert f"Page {letter_pages} of {letter_pages}" in pages[letter_pages - 1]
    first = letter_pages + 1
    assert f"Exhibit 1 (pages {first}–{first + 1} of this packet): Radiology report" in letter_text
    assert f"Exhibit 2 (page {first + 2} of this packet): Remittance advice" in letter_text
    assert "Corrected claim (CMS-1500), frequency code 7" in letter_text
    exhibit_pages = pages[letter_pages:]
    assert "Enclosed report page 1" in exhibit_pages[0] and f"Exhibit 1 - page 1 of 2 - claim {CLAIM}" in exhibit_pages[0]
    assert "Enclosed report page 2" in exhibit_pages[1] and f"Exhibit 1 - page 2 of 2 - claim {CLAIM}" in exhibit_pages[1]
    assert exhibit_pages[2] == f"Exhibit 2 - page 1 of 1 - claim {CLAIM}"
    assert [e["first_page"] for e in result.packet["exhibits"]] == [first, first + 2]


def test_packet_keeps_the_letters_metadata_and_is_byte_stable(standard, out, tmp_path):
    path = write_packet(standard, out, Settings(date=LETTER_DATE)).outputs[0]
    data = path.read_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title.startswith(f"Appeal of claim {CLAIM}") and "CARC 189" in reader.metadata.keywords
    assert not reader.is_encrypted and b"/JavaScript" not in data
    again = write_packet(standard, tmp_path / "again", Settings(date=LETTER_DATE)).outputs[0]
    assert again.read_bytes() == data


def test_stamp_lands_on_rotated_and_odd_sized_pages(enclosed, out, tmp_path):
    case = enclosed(("Landscape scan", make_pdf(tmp_path / "wide.pdf", 1, size=(595, 842), rotate=90)),
                    ("Landscape photo", make_image(tmp_path / "photo.jpg", size=(1200, 800))))
    result = write_packet(case, out, Settings(date=LETTER_DATE))
    reader = PdfReader(str(result.outputs[0]))
    scan, photo = reader.pages[-2], reader.pages[-1]
    assert f"Exhibit 1 - page 1 of 1 - claim {CLAIM}" in scan.extract_text()
    assert scan.get("/Rotate", 0) == 0 and float(scan.mediabox.width) > float(scan.mediabox.height)
    assert float(photo.mediabox.width) == 792  # a landscape image gets a landscape page
    assert len(photo.images) == 1


def test_multi_page_tiff_gives_a_page_per_frame(enclosed, out, tmp_path):
    case = enclosed(("Scanned notes", make_image(tmp_path / "notes.tiff", frames=3)))
    result = write_packet(case, out, Settings(date=LETTER_DATE))
    pages = PdfReader(str(result.outputs[0])).pages
    for k in (1, 2, 3):
        assert f"Exhibit 1 - page {k} of 3" in pages[result.packet["letter_pages"] + k - 1].extract_text()


def _encrypted(path: Path, tmp_path: Path) -> Path:
    writer = PdfWriter(clone_from=str(make_pdf(tmp_path / "plain.pdf", 1)))
    writer.encrypt("secret")
    writer.write(str(path))
    return path


@pytest.mark.parametrize("kind, message", [
    ("missing", "file not found"),
    ("encrypted", "the PDF is encrypted (password-protected)"),
    ("corrupt", "the PDF is damaged and cannot be read"),
    ("text", "neither a PDF nor a readable image"),
    ("gif", "a GIF image; a packet takes PNG, JPEG or TIFF"),
])
def test_an_unusable_enclosure_names_it_and_writes_nothing(kind, message, enclosed, out, tmp_path):
    bad = tmp_path / f"bad-{kind}.{'gif' if kind == 'gif' else 'pdf'}"
    if kind == "encrypted":
        _encrypted(bad, tmp_path)
    elif kind == "corrupt":
        bad.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << >>\n%%EOF\n")
    elif kind == "text":
        bad.write_text("just some notes")
    elif kind == "gif":
        Image.new("RGB", (10, 10)).save(bad, format="GIF")
    case = enclosed(("Good report", make_pdf(tmp_path / "good.pdf", 1)), ("Bad file", bad))
    for args in (("packet", case, "-o", out), ("generate", case, "-o", out, "--packet")):
        result = run(*args)
        assert result.exit_code == 2, result.stderr
        line = next(l for l in result.stderr.splitlines() if "enclosures[2].path" in l and l.startswith("error:"))
        assert f"{case}:" in line and str(bad) in line and message in line
        assert "accepted: a PDF (not password-protected), PNG, JPEG or TIFF file" in line
        assert list(out.iterdir()) == []


def test_every_bad_enclosure_is_reported_at_once(enclosed, out, tmp_path):
    case = enclosed(("One", tmp_path / "gone-1.pdf"), ("Two", tmp_path / "gone-2.png"))
    result = run("packet", case, "-o", out, "--json")
    assert result.exit_code == 2
    errors = json.loads(result.stdout)["errors"]
    assert [e["field"] for e in errors] == ["enclosures[0].path", "enclosures[2].path"]
    assert all(e["line"] for e in errors)


def test_generate_packet_writes_letter_and_packet_with_the_same_list(standard, out):
    result = run("generate", standard, "-o", out, "--date", "2026-11-27", "--packet", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    names = sorted(Path(p).name for p in document["outputs"])
    stem = f"UPMC-Health-Plan_{CLAIM}_2026-11-27"
    assert names == [f"{stem}.docx", f"{stem}.pdf", f"{stem}_packet.pdf"]
    first = document["packet"]["letter_pages"] + 1
    expected = f"Exhibit 1 (pages {first}–{first + 1} of this packet): Radiology report"
    assert expected in docx_text(out / f"{stem}.docx")
    letter = PdfReader(str(out / f"{stem}.pdf"))
    assert len(letter.pages) == document["packet"]["letter_pages"]
    assert expected in flat(" ".join(p.extract_text() for p in letter.pages))


def test_packet_cli_reports_the_exhibits(standard, out):
    result = run("packet", standard, "-o", out, "--date", "2026-11-27")
    assert result.exit_code == 0, result.stderr
    assert re.search(r"exhibit 1: pages \d+-\d+ \(report.pdf\)", result.stderr)
    assert result.stdout.strip().endswith("_packet.pdf")


def test_a_case_without_enclosure_files_gives_the_letter_alone(make_case, out):
    result = write_packet(make_case(), out, Settings(date=LETTER_DATE))
    assert result.packet["exhibits"] == []
    assert len(PdfReader(str(result.outputs[0])).pages) == result.packet["letter_pages"]


def test_portal_limits_warn(tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 1_500_000)
    small = [tmp_path / f"f{i}" for i in range(11)]
    for path in small:
        path.write_bytes(b"x")
    warnings = portal_warnings([*small, big], None)  # the defaults: Availity's 10 files of 60 MB
    assert warnings == ["12 files to upload; the portal takes at most 10 (portal.max_files): send one packet "
                        "(appeal packet)"]
    assert portal_warnings([big], None) == []


def test_cli_warns_when_the_packet_exceeds_the_profiles_limit(make_case, out, tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "appeal.yaml").write_text("portal:\n  max_file_mb: 2\n", encoding="utf-8")
    scans = []
    for i in range(2):  # each enclosure within the limit, the packet of both over it
        scans.append(tmp_path / f"noise{i}.png")
        Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3)).save(scans[-1])
    case = make_case({"enclosures": [{"description": "Scan", "path": str(p)} for p in scans]})
    result = run("packet", case, "-o", out, "--workspace", workspace, "--date", "2026-11-27")
    assert result.exit_code == 0, result.stderr
    assert re.search(r"warning: \S+_packet\.pdf is \d\.\d MB; the portal takes files up to 2 MB "
                     r"\(portal\.max_file_mb\)", result.stderr)


def test_packet_names_are_safe_for_portals():
    stem = "A" * 64
    assert len(packet_name(stem)) <= 64 and packet_name(stem).endswith("_packet")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", packet_name("UPMC-Health-Plan_X-1_2026-11-27"))


@pytest.mark.parametrize("notes", [0, 6, 12, 18])
def test_exhibit_ranges_match_where_the_stamps_are(enclosed, out, tmp_path, notes):
    """However long the letter, the range it gives is where the exhibit's stamped pages really are."""
    text = "\n\n".join(["A note paragraph that lengthens the letter by a few lines each time it appears."] * notes)
    case = enclosed(("Report", make_pdf(tmp_path / "r.pdf", 2)), changes={"appeal.notes": text or None})
    result = write_packet(case, out, Settings(date=LETTER_DATE))
    pages = [flat(p.extract_text()) for p in PdfReader(str(result.outputs[0])).pages]
    stamped = [i + 1 for i, page in enumerate(pages) if "Exhibit 1 - page" in page]
    found = re.search(r"Exhibit 1 \(pages (\d+)–(\d+) of this packet\)", " ".join(pages))
    assert [int(found.group(1)), int(found.group(2))] == [stamped[0], stamped[-1]]
    assert stamped[0] == result.packet["letter_pages"] + 1


def test_docx_letter_alone_is_unchanged_without_packet(make_case, out, tmp_path):
    case = make_case({"enclosures": [{"description": "Report", "path": str(make_pdf(tmp_path / "r.pdf", 1))}]})
    result = run("generate", case, "-o", out, "--date", "2026-11-27", "--format", "docx")
    assert result.exit_code == 0
    text = docx_text(next(out.glob("*.docx")))
    assert "Report" in text and "Exhibit" not in text
    assert docx.Document(str(next(out.glob("*.docx")))).core_properties.title


def test_a_packet_without_some_enclosure_files_says_what_it_lacks(standard, out):
    """The standard case lists a corrected claim with no file: the packet holds the other two."""
    result = run("packet", standard, "-o", out, "--date", LETTER_DATE)
    assert result.exit_code == 0
    assert ("warning: the packet holds the letter and 2 enclosure file(s): 1 enclosure(s) the letter lists have no "
            "file (enclosures[].path)") in result.stderr
    sample = run("packet", UPMC, "-o", out, "--date", LETTER_DATE)  # three enclosures, no file: the letter alone
    assert "warning: the packet holds the letter only: 3 enclosure(s)" in sample.stderr


def test_a_stamp_lands_inside_a_cropped_pages_visible_box(enclosed, out, tmp_path):
    """A scan cropped to its paper (a CropBox inside the MediaBox) shows nothing outside the crop: the stamp is
    placed in the crop box, where a viewer and a printer show it."""
    from pypdf.generic import RectangleObject

    source = make_pdf(tmp_path / "scan.pdf", 1)
    writer = PdfWriter(clone_from=str(source))
    writer.pages[0].cropbox = RectangleObject([50, 100, 500, 700])
    writer.write(str(tmp_path / "cropped.pdf"))
    result = write_packet(enclosed(("Cropped scan", tmp_path / "cropped.pdf")), out, Settings(date=LETTER_DATE))
    page = PdfReader(str(result.outputs[0])).pages[-1]
    placed = []

    def seen(text, cm, tm, _font, _size):
        if "Exhibit 1 - page 1 of 1" in text:
            placed.append((cm[0] * tm[4] + cm[2] * tm[5] + cm[4], cm[1] * tm[4] + cm[3] * tm[5] + cm[5]))

    page.extract_text(visitor_text=seen)
    (x, y), = placed
    box = page.cropbox
    assert float(box.left) <= x <= float(box.right) and float(box.bottom) <= y <= float(box.top), (x, y, box)
