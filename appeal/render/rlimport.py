"""reportlab imported without two things its import does that a letter seldom needs, each put off until used.

:mod:`appeal.render.pdf` imports reportlab through this module. Measured on a cold ``appeal generate``:

- ``reportlab.platypus.paragraph`` compiles Django's URI validator at import, case-insensitive over
  U+00A1-U+FFFF: 30 ms, for splitting a long URI across lines, which most letters never do. ``re`` keeps
  compiled patterns in a cache keyed on the pattern and its flags; while reportlab is imported that cache
  holds, under the validator's key, a stand-in that compiles the same pattern the first time it is used.
- ``reportlab.lib.utils`` imports Pillow's ``Image`` module (10 ms) for bitmaps: it is loaded on first use
  (``importlib.util.LazyLoader``), when a letter draws a logo or a signature, or a packet an image.

Neither changes what is drawn (``tests/test_rlimport.py``); if reportlab's pattern changes, the stand-in is
simply not used and the pattern is compiled at import as before.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from typing import Any

# reportlab.platypus.paragraph.uri_pat (reportlab 5.1), exactly as it is compiled there (with re.I)
URI_PATTERN = (
    "(^(?:[a-z0-9\\.\\-\\+]*)://)(?:\\S+(?::\\S*)?@)?(?:(?:25[0-5]|2[0-4]\\d|[0-1]?\\d?\\d)(?:\\.(?:25[0-5]|2[0-4]"
    "\\d|[0-1]?\\d?\\d)){3}|\\[[0-9a-f:\\.]+\\]|([a-z\xa1-\uffff0-9](?:[a-z\xa1-\uffff0-9-]{0,61}[a-z\xa1-\uffff0-9]"
    ")?(?:\\.(?!-)[a-z\xa1-\uffff0-9-]{1,63}(?<!-))*\\.(?!-)(?:[a-z\xa1-\uffff-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)\\."
    "?|localhost))(?::\\d{2,5})?(?:[/?#][^\\s]*)?\\Z"
)


class OnFirstUse:
    """A compiled pattern that is compiled when one of its methods or attributes is first asked for."""

    __slots__ = ("_pattern", "_flags", "_compiled")

    def __init__(self, pattern: str, flags: int) -> None:
        self._pattern, self._flags = pattern, flags
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:  # everything but the slots: the compiled pattern's
        if self._compiled is None:
            # the same pattern and flags (re adds UNICODE to a str pattern's), under a key of re's cache
            # that is not the stand-in's
            self._compiled = re.compile(self._pattern, self._flags | re.UNICODE)
        return getattr(self._compiled, name)


def _lazily(name: str) -> None:
    """Module ``name`` loaded when first used, unless something has imported it already."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)  # imports the parent package (Pillow's is small)
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def _import() -> None:
    if "reportlab.platypus.paragraph" in sys.modules:
        return
    _lazily("PIL.Image")
    cache = getattr(re, "_cache", None)
    key = (str, URI_PATTERN, re.IGNORECASE.value)
    stand_in = OnFirstUse(URI_PATTERN, re.IGNORECASE)
    if isinstance(cache, dict) and key not in cache:
        cache[key] = stand_in
    try:
        import reportlab.platypus  # noqa: F401  (paragraph compiles its patterns here)
    finally:
        if isinstance(cache, dict) and cache.get(key) is stand_in:
            del cache[key]


_import()
