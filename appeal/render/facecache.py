"""The bundled TrueType faces as reportlab parses them, kept in appeal's cache folder between runs.

reportlab's ``TTFont`` reads a face by walking its TrueType tables (names, metrics, the character map,
the glyph widths and offsets): 15-20 ms a face, and a letter draws three, on every start of ``appeal
generate`` or ``validate``. What the walk leaves on the face is plain data (numbers, names, dictionaries
and lists of them), so it is kept in ``cache_dir("fonts")`` with :mod:`marshal` and read back in about a
millisecond; the font file itself is still read (a PDF's subset is cut from its bytes).

- **The same face.** An entry holds every attribute the parse set, except the file's bytes (read again),
  its path (this install's) and the scaling function (made again from ``unitsPerEm`` as reportlab makes
  it); a face with anything else on it is not kept. ``tests/test_face_cache.py`` compares a face read
  back with one parsed, and the PDFs drawn with each, byte for byte.
- **Keyed on what parses.** An entry is used only when its key matches the font file (its name, size and
  modification time), reportlab's version and its TrueType parser's file, Python's version and this
  module's format.
- **Damage is passed over.** An entry carries the SHA-256 of its content; a truncated, altered or foreign
  entry, or one that cannot be read, is parsed again and written anew. Entries are written atomically
  (a temporary file renamed over the name), 0600 in a 0700 folder, and hold no case data. The folder is
  trusted as the compiled templates next to it are (SECURITY.md).
"""

from __future__ import annotations

import hashlib
import os
import sys
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from weakref import WeakKeyDictionary

from reportlab import Version as REPORTLAB_VERSION
from reportlab import rl_config
from reportlab.pdfbase import ttfonts
from reportlab.pdfbase.ttfonts import TTEncoding, TTFNameBytes, TTFont, TTFontFace

from appeal.resources import cache_dir, keep_marshal, read_marshal

FORMAT = 1
_NOT_KEPT = ("_ttf_data", "filename", "_pdfScale")  # the file's bytes and path, and a function: made again
_NAME = "TTFNameBytes"  # how a name (bytes that also carry their text) is kept: (_NAME, bytes, text)


def load(name: str, path: Path) -> TTFont:
    """The face in ``path`` as ``TTFont(name, path)`` makes it: from the cache when an earlier process
    left it there, else parsed (and left there for the next process)."""
    folder = cache_dir("fonts")
    try:
        key = _key(path) if folder is not None else None
        data = path.read_bytes() if key is not None else None
    except OSError:
        key = data = None
    if folder is None or key is None or data is None:
        return TTFont(name, str(path))  # which names a file it cannot read
    entry = folder / f"{path.stem}-{key[:32]}.marshal"
    state = _read(entry, key)
    if state is not None:
        return _font(name, path, data, state)
    font = TTFont(name, str(path))
    _write(folder, entry, key, font.face)
    return font


@lru_cache(maxsize=1)
def _parser() -> str:
    """What the parse depends on besides the font: Python, reportlab and its TrueType parser as installed."""
    stat = os.stat(ttfonts.__file__)
    return f"{FORMAT}|{sys.version}|{REPORTLAB_VERSION}|{stat.st_size}|{stat.st_mtime_ns}"


def _key(path: Path) -> str:
    """The parser and the font file (its name, size and modification time, as a reference DOCX is known)."""
    stat = path.stat()
    return hashlib.sha256(f"{_parser()}|{path.name}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()


def _scale(units_per_em: int) -> Callable[[float], float]:
    """Font units to PDF's thousandths of an em, as ``TTFontFile.extractInfo`` makes it."""
    if units_per_em == 1000:
        return lambda x: x
    multiple = 1000 / units_per_em
    return lambda x: x * multiple


def _font(name: str, path: Path, data: bytes, state: dict[str, Any]) -> TTFont:
    """A ``TTFont`` as its ``__init__`` makes it, around a face made from the kept attributes."""
    face = TTFontFace.__new__(TTFontFace)
    vars(face).update(state)
    face._ttf_data, face.filename, face._pdfScale = data, str(path), _scale(state["unitsPerEm"])
    font = TTFont.__new__(TTFont)
    font.fontName, font.face, font.encoding, font.state = name, face, TTEncoding(), WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(name, pattern) for pattern in ttfonts.unShapedFontGlob)
    return font


def _kept(face: TTFontFace) -> dict[str, Any]:
    """The face's attributes as they are kept (a name as a tuple; marshal refuses anything else not plain)."""
    state = {}
    for attribute, value in vars(face).items():
        if attribute in _NOT_KEPT:
            continue
        if isinstance(value, TTFNameBytes):
            value = (_NAME, bytes(value), value.ustr)
        state[attribute] = value
    return state


def _unkept(state: dict[str, Any]) -> dict[str, Any]:
    for attribute, value in state.items():
        if isinstance(value, tuple) and len(value) == 3 and value[0] == _NAME:
            name = bytes.__new__(TTFNameBytes, value[1])
            name.ustr = value[2]
            state[attribute] = name
    return state


def _read(entry: Path, key: str) -> dict[str, Any] | None:
    state = read_marshal(entry, key)
    if not isinstance(state, dict) or not isinstance(state.get("unitsPerEm"), int):
        return None  # none yet, or unreadable: parse the face again
    try:
        return _unkept(state)
    except (ValueError, TypeError):
        return None


def _write(folder: Path, entry: Path, key: str, face: TTFontFace) -> None:
    """Kept in the cache folder (``resources.keep_marshal``: atomic); this face's entries of other keys removed."""
    keep_marshal(folder, entry.name, key, _kept(face), f"{entry.name.rsplit('-', 1)[0]}-*.marshal")
