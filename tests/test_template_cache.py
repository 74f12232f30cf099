"""The compiled-template cache (``letters/bytecode``): the same letter from a cold or a warm cache,
nothing stale served, nothing in the way when the folder or an entry is bad."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import jinja2
import pytest
from jinja2.bccache import bc_magic

from appeal.commands.generate import prepare
from appeal.letters import bytecode
from appeal.letters.sandbox import LetterEnvironment
from appeal.resources import cache_dir
from appeal.settings import Settings

from conftest import LETTER_DATE, UPMC

SOURCE = "Dear {{ name }},\n{% for c in codes %}- {{ c }}\n{% endfor %}"


def environment(cache: bytecode.TemplateCache | None, source: str = SOURCE) -> jinja2.Environment:
    return LetterEnvironment(loader=jinja2.DictLoader({"t.md": source}), bytecode_cache=cache)


def render(cache: bytecode.TemplateCache | None, source: str = SOURCE) -> str:
    return environment(cache, source).get_template("t.md").render(name="Ann", codes=["76120", "76496"])


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.jinja"))


def test_a_warm_cache_renders_what_a_cold_one_does(tmp_path):
    folder = tmp_path / "cache"
    cold = render(bytecode.TemplateCache(folder, "f"))
    assert len(entries(folder)) == 1 and oct(folder.stat().st_mode & 0o777) == "0o700"
    cache = bytecode.TemplateCache(folder, "f")
    env = environment(cache)
    bucket = cache.get_bucket(env, "t.md", None, SOURCE)
    assert bucket.code is not None  # served from disk
    assert render(cache) == cold == render(None)


def test_a_changed_source_or_compiler_is_compiled_again(tmp_path):
    folder = tmp_path / "cache"
    render(bytecode.TemplateCache(folder, "f"))
    changed = SOURCE.replace("Dear", "To")
    assert render(bytecode.TemplateCache(folder, "f"), changed).startswith("To Ann")
    env = environment(None)
    assert bytecode.TemplateCache(folder, "g").get_bucket(env, "t.md", None, changed).code is None
    assert bytecode.TemplateCache(folder, "f").get_bucket(env, "t.md", None, changed).code is not None


def test_the_fingerprint_covers_the_compiler_modules():
    fingerprint = bytecode.compiler_fingerprint()
    assert fingerprint == bytecode.compiler_fingerprint()
    assert set(bytecode._COMPILER_MODULES) >= {"sandbox.py", "templates.py"}


@pytest.mark.parametrize("content", [b"", b"j2 not a cache entry", os.urandom(300), bc_magic + b"\x80junk",
                                     bc_magic + pickle.dumps("x" * 64, 2)])
def test_a_broken_entry_is_passed_over(tmp_path, content):
    folder = tmp_path / "cache"
    render(bytecode.TemplateCache(folder, "f"))
    (entry,) = entries(folder)
    entry.write_bytes(content)
    assert render(bytecode.TemplateCache(folder, "f")) == render(None)
    assert entry.read_bytes() != content  # compiled and written again


def test_a_folder_that_cannot_be_made_is_passed_over(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert render(bytecode.TemplateCache(blocker / "cache", "f")) == render(None)


def test_the_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("APPEAL_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir("templates") == tmp_path / "mine" / "templates"
    monkeypatch.setenv("APPEAL_NO_CACHE", "1")
    assert cache_dir("templates") is None and bytecode.template_cache() is None
    monkeypatch.setenv("APPEAL_NO_CACHE", "0")
    monkeypatch.delenv("APPEAL_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and not str(bytecode.sys.platform).startswith("darwin"):
        assert cache_dir("templates") == tmp_path / "xdg" / "appeal" / "templates"


def test_the_cache_holds_no_case_data(tmp_path, monkeypatch):
    """What the letter of a case leaves on disk is the templates' compiled code: no name, no claim number."""
    from appeal.letters import templates

    monkeypatch.setenv("APPEAL_CACHE_DIR", str(tmp_path / "cache"))
    templates._environment.cache_clear()
    try:
        prepared = prepare(UPMC, Settings(date=LETTER_DATE))
    finally:
        templates._environment.cache_clear()
    written = b"".join(path.read_bytes() for path in entries(tmp_path / "cache" / "templates"))
    assert written
    case = prepared.case
    for value in (case.patient.name, case.claim.number, case.patient.member_id):
        assert value and value.encode() not in written


RACE = """
import sys
from appeal.letters import bytecode
from appeal.letters.sandbox import LetterEnvironment
import jinja2
source = sys.argv[2]
env = LetterEnvironment(loader=jinja2.DictLoader({"t.md": source}),
                        bytecode_cache=bytecode.TemplateCache(sys.argv[1], "f"))
for _ in range(20):
    env.cache.clear()
    print(env.get_template("t.md").render(name="Ann", codes=["76120"]), end="|")
"""


def test_processes_racing_for_one_entry_each_read_whole_entries(tmp_path):
    """Four processes compile, write and read the same entry at once: each renders the same text,
    and what is left is one whole entry (no temporary file, nothing half written)."""
    import subprocess
    import sys

    folder = tmp_path / "cache"
    racers = [subprocess.Popen([sys.executable, "-c", RACE, str(folder), SOURCE], stdout=subprocess.PIPE, text=True)
              for _ in range(4)]
    outputs = [racer.communicate(timeout=120)[0] for racer in racers]
    assert all(racer.returncode == 0 for racer in racers)
    once = environment(None).get_template("t.md").render(name="Ann", codes=["76120"])
    assert set(outputs) == {(once + "|") * 20}
    assert [p.suffix for p in folder.iterdir()] == [".jinja"]
