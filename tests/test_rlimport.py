"""reportlab imported with its URI pattern compiled on first use and Pillow's Image loaded on first use
(appeal/render/rlimport.py): what a letter draws does not change."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from appeal.render import rlimport

from conftest import ROOT

_FRESH = """
import re, sys
from appeal.render import pdf
from reportlab.platypus import paragraph
print(type(paragraph.uri_pat).__name__, type(sys.modules["PIL.Image"]).__name__,
      any(value is paragraph.uri_pat for value in getattr(re, "_cache", {}).values()))
"""


def test_a_cold_import_puts_off_the_uri_pattern_and_pillow():
    """Fails when reportlab's pattern is no longer the one rlimport stands in for: update URI_PATTERN."""
    done = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.split() == ["OnFirstUse", "_LazyModule", "False"]


URIS = ["https://www.example.com/a/b/c", "http://user:pw@10.0.0.1:8080/x?y=1#z", "ftp://[::1]/path/", "no uri",
        "HTTPS://EXAMPLE.ORG/Caps/", "https://xn--nxasmq6b.com/ü/ä", "https://bücher.de/a", "\\\\server\\share",
        "https://-bad-.com/", "localhost", "mailto:someone@example.com", "https://a.b/" + "x/" * 40]


@pytest.mark.parametrize("uri", URIS)
def test_the_stand_in_splits_uris_as_the_compiled_pattern_does(uri, monkeypatch):
    from reportlab.platypus import paragraph

    compiled = re.compile(rlimport.URI_PATTERN, re.IGNORECASE)
    stand_in = rlimport.OnFirstUse(rlimport.URI_PATTERN, re.IGNORECASE)
    monkeypatch.setattr(paragraph, "uri_pat", stand_in)
    theirs = paragraph._uri_split_pairs(uri)
    monkeypatch.setattr(paragraph, "uri_pat", compiled)
    assert paragraph._uri_split_pairs(uri) == theirs
    assert (stand_in.pattern, stand_in.flags, stand_in.groups) == (compiled.pattern, compiled.flags, compiled.groups)


_DRAW = """
import dataclasses, datetime as dt, hashlib, sys
if sys.argv[1] == "eager":
    import PIL.Image  # before reportlab: every module as reportlab's own import makes it
from appeal.render import pdf
print(type(sys.modules["PIL.Image"]).__name__)
from PIL import Image
from appeal.commands.generate import prepare
from appeal.letters.document import Signature
from appeal.settings import Settings
folder = sys.argv[2]
Image.new("RGB", (400, 120), (31, 78, 121)).save(folder + "/logo.png")
Image.new("RGB", (300, 100), (0, 0, 0)).save(folder + "/signature.jpg")
letter = prepare(sys.argv[3], Settings(date=dt.date(2026, 11, 27))).letter
blocks = tuple(dataclasses.replace(b, image=folder + "/signature.jpg") if isinstance(b, Signature) else b
               for b in letter.blocks)
letter = dataclasses.replace(letter, blocks=blocks, letterhead=dataclasses.replace(
    letter.letterhead, logo=folder + "/logo.png"))
print(hashlib.sha256(pdf.render_pdf(letter)).hexdigest())
"""


def test_a_letter_with_a_logo_and_a_signature_is_the_same_bytes_with_pillow_loaded_first(tmp_path):
    from conftest import UPMC

    lazy, eager = (subprocess.run([sys.executable, "-c", _DRAW, order, str(tmp_path), str(UPMC)], capture_output=True,
                                  text=True, cwd=ROOT, check=True).stdout.split() for order in ("lazy", "eager"))
    assert lazy[0] == "_LazyModule" and eager[0] == "module"
    assert lazy[1] == eager[1] and len(lazy[1]) == 64
