"""What a batch remembers between runs, in ``out/.batch/``: hashes and file names, never patient data.

``manifest.json`` maps a hash of each item's content (and of the templates,
citations, profile and formats it was made with: :func:`fingerprint`) to the file
names it produced; a rerun skips items whose letters are all there.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Iterable

from appeal import __version__
from appeal.commands.batch.summary import Outcome
from appeal.deliver.files import write_atomic
from appeal.resources import builtin_dir
from appeal.settings import Settings

STATE_DIR = ".batch"
FLUSH_SECONDS = 1.0


class Manifest:
    """Content hash -> the file names its letters were written to (no patient data)."""

    def __init__(self, path: Path):
        self.path = path
        self.done: dict[str, dict] = {}
        self.dirty = False
        self.flushed = time.monotonic()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == 1 and isinstance(data.get("done"), dict):
                self.done = data["done"]
        except (OSError, ValueError, AttributeError):
            pass  # no manifest yet, or an unreadable one: every item is made again

    def complete(self, key: str, out_dir: Path) -> dict | None:
        entry = self.done.get(key)
        if entry and entry.get("outputs") and all((out_dir / name).is_file() for name in entry["outputs"]):
            return entry
        return None

    def record(self, outcome: Outcome) -> None:
        self.done[outcome.key] = {"outputs": list(outcome.outputs), "template": outcome.template}
        self.dirty = True
        if time.monotonic() - self.flushed > FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.dirty:
            write_atomic(self.path, json.dumps({"version": 1, "done": self.done}, indent=0).encode("utf-8"))
            self.dirty, self.flushed = False, time.monotonic()


def fingerprint(settings: Settings, formats: Iterable[str]) -> str:
    """A hash of everything besides the input that shapes a letter: a change redoes the items."""
    digest = hashlib.sha256(f"{__version__}|{','.join(formats)}".encode())
    folders = [*settings.template_dirs, *settings.citation_dirs, builtin_dir("templates"), builtin_dir("citations")]
    if settings.workspace is not None:
        folders += [settings.workspace / "templates", settings.workspace / "citations"]
        digest.update(_file_bytes(settings.workspace / "appeal.yaml"))
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")) if Path(folder).is_dir() else ():
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode() + _file_bytes(path))
    return digest.hexdigest()


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def remove_stale_parts(out_dir: Path) -> None:
    """Temporary files a killed run left (``.<name>.<random>.part``): they may hold PHI."""
    for folder in (out_dir, out_dir / STATE_DIR, out_dir / STATE_DIR / "names"):
        for path in folder.glob(".*.part") if folder.is_dir() else ():
            path.unlink(missing_ok=True)
