"""Where the built-in templates and citations live.

The top-level ``templates/`` and ``citations/`` folders are the source of truth. A
wheel carries them as ``appeal/_builtin/``; an editable install or a checkout reads
them where they stand.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def builtin_dir(name: str) -> Path:
    """The built-in ``templates`` or ``citations`` folder."""
    bundled = PACKAGE / "_builtin" / name
    if bundled.is_dir():
        return bundled
    return PACKAGE.parent / name


def data_file(name: str) -> Path:
    """A reference-data file shipped inside the package (``appeal/data``)."""
    return PACKAGE / "data" / name


def cache_dir(part: str) -> Path | None:
    """Where appeal keeps what it compiles once for later runs (``part``: ``templates``, ``docx``), or None
    when caching is off. ``$XDG_CACHE_HOME/appeal/<part>`` (else ``~/.cache``, or the platform's cache
    folder); ``APPEAL_CACHE_DIR`` moves the whole cache, ``APPEAL_NO_CACHE=1`` turns it off. Nothing kept
    there holds case data."""
    if os.environ.get("APPEAL_NO_CACHE", "").strip() not in ("", "0"):
        return None
    chosen = os.environ.get("APPEAL_CACHE_DIR", "").strip()
    if chosen:
        return Path(chosen).expanduser() / part
    if sys.platform == "win32":
        root = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        root = Path.home() / "Library" / "Caches"
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "appeal" / part


def keep_entry(folder: Path, name: str, data: bytes, others: str) -> None:
    """One entry of appeal's cache written into ``folder`` (the user's alone, 0700; the entry 0600)
    atomically: a temporary file renamed over ``name``, so processes racing each leave a whole entry and
    a reader sees a whole entry or none. The folder's other entries matching the glob ``others`` (what
    older versions kept) are removed. A folder or disk that refuses is passed over: the next process
    builds the entry again."""
    import contextlib
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(prefix=f".{Path(name).stem}-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, folder / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        for old in folder.glob(others):
            if old.name != name:
                with contextlib.suppress(OSError):
                    old.unlink()
    except OSError:
        pass
