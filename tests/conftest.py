"""Shared fixtures: the samples, a temporary output folder, case variants, and readers
that open the outputs the way a biller's tools would."""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

# Speed is measured in benchmarks/, not asserted: no per-example deadline (a loaded CI machine is slow).
# HYPOTHESIS_PROFILE=long: the long property-test run (tests/test_fuzz.py, 2,500 examples a test; SECURITY.md).
settings.register_profile("appeal", deadline=None)
settings.register_profile("long", parent=settings.get_profile("appeal"), max_examples=2_500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "appeal"))

# Compiled templates go to a folder of this run (and its subprocesses), not to the user's cache.
os.environ["APPEAL_CACHE_DIR"] = tempfile.mkdtemp(prefix="appeal-test-cache-")
atexit.register(shutil.rmtree, os.environ["APPEAL_CACHE_DIR"], ignore_errors=True)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
UPMC = SAMPLES / "upmc-76496-specific-code.yaml"
SEEDS = ROOT.parent / "shared" / "seeds"
LETTER_DATE = dt.date(2026, 11, 27)


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch) -> Path:
    """A cache folder of the test's own, with the cache on (``APPEAL_NO_CACHE`` unset); not made yet."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("APPEAL_CACHE_DIR", str(folder))
    monkeypatch.delenv("APPEAL_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def sample_data(path: Path = UPMC) -> dict:
    """A sample case as data, every scalar kept as the string typed."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def set_path(data: dict, dotted: str, value: Any) -> None:
    """``set_path(d, "appeal.facts.recording", "no")``; ``value=None`` deletes the key."""
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {}) if not part.isdigit() else node[int(part)]
    last = parts[-1]
    if value is None:
        node.pop(last, None)
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


@pytest.fixture
def make_case(tmp_path: Path):
    """Write a variant of a sample: ``make_case({"appeal.level": "reconsideration"})``."""
    counter = iter(range(1000))

    def make(changes: dict[str, Any] | None = None, base: Path = UPMC, name: str | None = None) -> Path:
        data = sample_data(base)
        for key, value in (changes or {}).items():
            set_path(data, key, value)
        path = tmp_path / (name or f"case-{next(counter)}.yaml")
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    return make


@pytest.fixture
def run():
    """Invoke the CLI as a user would: ``run("generate", case, "-o", out)``."""
    from click.testing import CliRunner

    from appeal.cli import cli

    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def flat(text: str) -> str:
    """Whitespace folded, so text wrapped across PDF lines still matches."""
    return " ".join(text.split())


_KILLED_MID_WRITE = """
import os, signal, sys
from pathlib import Path
from appeal.deliver import files
folder = Path(sys.argv[1])
files._temporary(folder / "UPMC_claim.yaml", b"patient: Sample, Pat (PHI)", sync=False)
os.kill(os.getpid(), signal.SIGKILL)
"""


def killed_mid_write(folder: Path) -> Path:
    """A real process that wrote a temporary file and was killed before it could rename or remove it."""
    done = subprocess.run([sys.executable, "-c", _KILLED_MID_WRITE, str(folder)], cwd=ROOT, capture_output=True)
    assert done.returncode == -signal.SIGKILL
    [left] = folder.glob(".*.part")
    return left
