"""Where the built-in templates and citations live.

The top-level ``templates/`` and ``citations/`` folders are the source of truth. A
wheel carries them as ``appeal/_builtin/``; an editable install or a checkout reads
them where they stand.
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable, TypeVar

PACKAGE = Path(__file__).resolve().parent
T = TypeVar("T")


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
    """Where appeal keeps what it compiles or reads once for later runs (``part``: ``templates``, ``docx``,
    ``front-matter`` ...), or None when caching is off. ``$XDG_CACHE_HOME/appeal/<part>`` (else ``~/.cache``,
    or the platform's cache folder); ``APPEAL_CACHE_DIR`` moves the whole cache, ``APPEAL_NO_CACHE=1`` turns
    it off. Nothing kept there holds case data."""
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


def keep_marshal(folder: Path, name: str, key: str, value: Any, others: str) -> bool:
    """``(key, value)`` kept as one entry of the cache (:func:`keep_entry`): marshal's bytes after their own
    SHA-256, so :func:`read_marshal` can tell a whole entry from a damaged one. False, and nothing written,
    when ``value`` is not plain data (marshal refuses any other object, a subclass included)."""
    from hashlib import sha256  # here: what imports this module alone need not load OpenSSL

    try:
        body = marshal.dumps((key, value))
    except ValueError:
        return False
    keep_entry(folder, name, sha256(body).digest() + body, others)
    return True


def read_marshal(entry: Path, key: str) -> Any:
    """The value :func:`keep_marshal` kept in ``entry`` under ``key``; None when there is none, it is damaged
    (its SHA-256 does not match) or it was kept under another key."""
    from hashlib import sha256

    try:
        content = entry.read_bytes()
        if sha256(content[32:]).digest() != content[:32]:
            return None
        kept_key, value = marshal.loads(content[32:])
    except (OSError, ValueError, EOFError, TypeError):
        return None  # none yet, or unreadable
    return value if kept_key == key else None


class Kept:
    """What reading files made, kept in appeal's cache folder (``cache_dir(part)``) for later processes: one
    entry, ``<name>-<key>.marshal``, holding for each file the SHA-256 of its text and what its reading made,
    as plain data (what :mod:`marshal` writes: never code). Every file is still read and its text hashed, so
    an edit, however small or quick, is read as without the cache; only a reading that succeeded is kept
    (one that raised is not); the entry carries the SHA-256 of its own content (a damaged one is passed
    over) and a key of everything else the readings depend on (``parts``, and the size and time of each of
    ``modules``): another key is another entry, and the old one is removed when the new one is written."""

    def __init__(self, part: str, name: str, parts: Iterable[str], modules: Iterable[ModuleType]) -> None:
        self.folder = cache_dir(part)
        self.name = name
        self.files: dict[str, tuple[bytes, Any]] = {}  # path -> (its text's SHA-256, its reading as plain data)
        self.read_before: dict[str, tuple[bytes, Any]] = {}
        self.missed = False
        if self.folder is not None:
            self.key = _kept_key(parts, modules)
            self.entry = self.folder / f"{name}-{self.key[:32]}.marshal"
            kept = read_marshal(self.entry, self.key)
            self.read_before = kept if isinstance(kept, dict) else {}

    def read(self, path: Path, text: str, read: Callable[[], T], plain: Callable[[T], Any],
             thawed: Callable[[Any], T]) -> T:
        """What ``read()`` makes of ``path`` whose text is ``text``: thawed from what an earlier process kept
        when the text is the text it was read from, else read (and kept as ``plain`` makes it)."""
        if self.folder is None:
            return read()
        from hashlib import sha256  # here: what imports this module alone need not load OpenSSL

        digest = sha256(text.encode("utf-8", "surrogatepass")).digest()
        name = str(path)
        before = self.read_before.get(name)
        if before is not None and before[0] == digest:
            try:
                value = thawed(before[1])
            except (TypeError, ValueError, IndexError, KeyError):
                pass  # not what this code keeps: read the file
            else:
                self.files[name] = before
                return value
        value = read()
        self.files[name] = (digest, plain(value))
        self.missed = True
        return value

    def save(self) -> None:
        """Kept for the next process when a file was read here (the files read through this one only)."""
        if self.folder is not None and self.missed:
            # something marshal cannot keep is not written: the next process reads the files
            if keep_marshal(self.folder, self.entry.name, self.key, self.files, f"{self.name}-*.marshal"):
                self.read_before, self.missed = dict(self.files), False


def _kept_key(parts: Iterable[str], modules: Iterable[ModuleType]) -> str:
    from hashlib import sha256

    every = [sys.version, *parts]
    for module in modules:
        stat = os.stat(module.__file__ or "")
        every.append(f"{module.__name__}:{stat.st_size}:{stat.st_mtime_ns}")
    return sha256("|".join(every).encode()).hexdigest()
