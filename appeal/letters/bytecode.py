"""Compiled templates kept on disk between runs: Jinja's bytecode cache, made safe to share.

Parsing and compiling the two templates of a letter costs a tenth of a second, more than
composing a hundred letters; one ``appeal generate`` would pay it on every run. The cache
holds the compiled code of a template, never a case or a letter (no PHI), in the user's
cache folder (``$XDG_CACHE_HOME/appeal/templates``, else ``~/.cache/appeal/templates``;
``APPEAL_CACHE_DIR`` moves it, ``APPEAL_NO_CACHE=1`` turns it off).

- **Keyed on what compiles.** An entry is used only when its checksum matches the
  template's source *and* the compiler's: Python, Jinja and appeal versions and the
  source of the modules that configure the environment (this one, ``sandbox`` and
  ``templates``). A changed template or a changed appeal recompiles; nothing stale runs.
- **Atomic and race-safe.** An entry is written to a temporary file in the same folder
  and renamed over the old one (Jinja's ``FileSystemBytecodeCache``), so two processes
  racing write whole entries and a reader sees a whole entry or none.
- **Never in the way.** A folder that cannot be made or written, or an entry that cannot
  be read, is passed over: the template is compiled as if there were no cache.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, FileSystemBytecodeCache

from appeal import __version__
from appeal.resources import cache_dir

PATTERN = "%s.jinja"

# The modules whose code decides what a template compiles to (the environment's options, its code generator).
_COMPILER_MODULES = ("bytecode.py", "sandbox.py", "templates.py")


def compiler_fingerprint() -> str:
    """What, besides a template's source, its compiled code depends on."""
    digest = hashlib.sha256(f"{sys.version}|{jinja2.__version__}|{__version__}".encode())
    here = Path(__file__).parent
    for name in _COMPILER_MODULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


class TemplateCache(FileSystemBytecodeCache):
    """Jinja's file-system bytecode cache, checked against the compiler, and passed over on any failure."""

    def __init__(self, directory: Path, fingerprint: str) -> None:
        super().__init__(str(directory), PATTERN)
        self.fingerprint = fingerprint
        self._ready: bool | None = None

    def get_source_checksum(self, source: str) -> str:
        return hashlib.sha256(f"{self.fingerprint}\n{source}".encode()).hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a truncated or foreign file: compile instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        if not self._folder():
            return
        try:
            super().dump_bytecode(bucket)
        except OSError:  # a full disk or a folder made read-only: the letter goes on without the cache
            pass

    def _folder(self) -> bool:
        """Make the folder (the user's alone) the first time an entry is written; False if it cannot be."""
        if self._ready is None:
            try:
                os.makedirs(self.directory, mode=0o700, exist_ok=True)
                self._ready = os.access(self.directory, os.W_OK)
            except OSError:
                self._ready = False
        return self._ready


def template_cache() -> TemplateCache | None:
    """The cache the letter environment compiles through, or None (off, or the compiler cannot be read)."""
    directory = cache_dir("templates")
    if directory is None:
        return None
    try:
        return TemplateCache(directory, compiler_fingerprint())
    except OSError:
        return None
