"""The TrueType faces kept parsed in the cache folder (appeal/render/facecache.py): a face read back is the
face reportlab parses, a PDF drawn with it is the same bytes, and a damaged entry is parsed again."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.pdfbase.ttfonts import TTFont

from appeal.render import facecache
from appeal.resources import PACKAGE

from conftest import ROOT

FONTS = sorted((PACKAGE / "fonts").glob("*.ttf"))


@pytest.fixture
def cache(own_cache) -> Path:
    return own_cache / "fonts"


def _same(kept: TTFont, parsed: TTFont) -> None:
    assert type(kept) is type(parsed) and type(kept.face) is type(parsed.face)
    assert vars(kept).keys() == vars(parsed).keys()
    for attribute in ("fontName", "_asciiReadable", "_shapable"):
        assert getattr(kept, attribute) == getattr(parsed, attribute)
    assert type(kept.encoding) is type(parsed.encoding) and type(kept.state) is type(parsed.state)
    assert not kept.state
    mine, theirs = vars(kept.face), vars(parsed.face)
    assert mine.keys() == theirs.keys()
    for attribute, value in theirs.items():
        if attribute == "_pdfScale":
            assert [mine[attribute](v) for v in (0, 1, 3, 1000, -2048)] == [value(v) for v in (0, 1, 3, 1000, -2048)]
        else:
            assert type(mine[attribute]) is type(value) and mine[attribute] == value, attribute
    for attribute in ("name", "familyName", "styleName", "fullName", "uniqueFontID"):
        assert mine[attribute].ustr == theirs[attribute].ustr


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.stem)
def test_a_face_read_back_is_the_face_reportlab_parses(cache, path):
    first = facecache.load("F", path)  # parsed, and kept
    assert len(list(cache.glob(f"{path.stem}-*.marshal"))) == 1
    again = facecache.load("F", path)  # read back
    _same(first, TTFont("F", str(path)))
    _same(again, TTFont("F", str(path)))


_DRAW = """
import hashlib, os, sys
sys.path.insert(0, "tests")
import test_pdf_cache
if sys.argv[1]:  # after conftest, which points the cache at a folder of its own
    os.environ["APPEAL_CACHE_DIR"] = sys.argv[1]
from appeal.letters.document import PageSetup
from appeal.render import pdf
letter = test_pdf_cache._odd_letter()
for page in (PageSetup(letterhead_font="sans"), PageSetup(), PageSetup(monochrome=True)):
    print(hashlib.sha256(pdf.render_pdf(letter, page)).hexdigest())
"""


def _draw(cache: Path | None) -> list[str]:
    env = {**os.environ, "APPEAL_NO_CACHE": "0" if cache else "1"}
    done = subprocess.run([sys.executable, "-c", _DRAW, str(cache or "")], capture_output=True, text=True,
                          cwd=ROOT, check=True, env=env)
    return done.stdout.splitlines()


def test_pdfs_drawn_with_kept_faces_are_the_bytes_of_parsed_ones(tmp_path):
    parsed = _draw(None)
    first = _draw(tmp_path)  # parses and keeps every face the letters draw
    assert len(list((tmp_path / "fonts").glob("*.marshal"))) >= 4  # serif and sans faces
    kept = _draw(tmp_path)
    assert parsed == first == kept and len(set(parsed)) == 3


def _damages(content: bytes) -> list[bytes]:
    flipped = bytearray(content)
    flipped[len(flipped) // 2] ^= 0x01  # one bit in a width or a glyph offset
    foreign = b"\x00" * 32 + content[32:]
    return [b"", content[:40], content[: len(content) // 2], bytes(flipped), foreign, b"not marshal at all" * 4]


@pytest.mark.parametrize("damage", range(6))
def test_a_damaged_entry_is_parsed_again_and_written_anew(cache, damage):
    path = PACKAGE / "fonts" / "LiberationSerif-Regular.ttf"
    facecache.load("F", path)
    [entry] = cache.glob("*.marshal")
    good = entry.read_bytes()
    entry.write_bytes(_damages(good)[damage])
    _same(facecache.load("F", path), TTFont("F", str(path)))
    assert entry.read_bytes() == good


@pytest.mark.parametrize("change", ["parser", "font"])
def test_a_changed_parser_or_font_is_parsed_again_and_the_old_entry_goes(cache, monkeypatch, tmp_path, change):
    path = tmp_path / "LiberationSerif-Bold.ttf"
    path.write_bytes((PACKAGE / "fonts" / path.name).read_bytes())
    facecache.load("F", path)
    [old] = cache.glob("*.marshal")
    if change == "parser":
        monkeypatch.setattr(facecache, "_parser", lambda: "another reportlab")
    else:
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    read = []
    monkeypatch.setattr(facecache, "_font", lambda *args: read.append(args))
    facecache.load("F", path)
    assert read == [] and not old.exists() and len(list(cache.glob("*.marshal"))) == 1


def test_no_cache_and_an_unwritable_folder_still_give_the_face(tmp_path, monkeypatch):
    path = PACKAGE / "fonts" / "LiberationSerif-Italic.ttf"
    monkeypatch.setenv("APPEAL_NO_CACHE", "1")
    _same(facecache.load("F", path), TTFont("F", str(path)))
    monkeypatch.delenv("APPEAL_NO_CACHE")
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("APPEAL_CACHE_DIR", str(blocker))
    _same(facecache.load("F", path), TTFont("F", str(path)))


def test_an_entry_is_the_users_alone_and_carries_its_checksum(cache):
    facecache.load("F", PACKAGE / "fonts" / "LiberationSerif-Regular.ttf")
    [entry] = cache.glob("*.marshal")
    assert entry.stat().st_mode & 0o777 == 0o600 and cache.stat().st_mode & 0o777 == 0o700
    assert hashlib.sha256(entry.read_bytes()[32:]).digest() == entry.read_bytes()[:32]
