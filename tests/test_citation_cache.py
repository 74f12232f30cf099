"""The citation library kept in the cache folder: the same entries, and never an edit hidden."""

from __future__ import annotations

import os

import pytest

from appeal.errors import CitationError
from appeal.reference import citations
from appeal.reference.citations import CitationLibrary

ENTRY = ("id: test-kept\nkind: article\ntitle: T\nattribution: A\nreference: R\ndate: 2020-01-02\n"
         "passages:\n  - id: only\n    text: Keep {word} and this.\n"
         "errata:\n  - id: e\n    action: withdraw\n    passage: only\n    text: and this.\n    note: gone\n"
         "    date: 2020-02-03\n")


@pytest.fixture
def cache(own_cache):
    return own_cache / "citations"


def _uncached(folders=()) -> CitationLibrary:
    os.environ["APPEAL_NO_CACHE"] = "1"
    try:
        return CitationLibrary.load(folders)
    finally:
        del os.environ["APPEAL_NO_CACHE"]


def test_entries_read_back_are_the_entries_parsed(cache, tmp_path):
    user = tmp_path / "mine"
    user.mkdir()
    (user / "x.yaml").write_text(ENTRY.format(word="this"))
    first = CitationLibrary.load([user])
    assert len(list(cache.glob("library-*.marshal"))) == 1
    calls = []
    real = citations._read_file
    citations._read_file = lambda *a: calls.append(a) or real(*a)  # type: ignore[assignment]
    try:
        second = CitationLibrary.load([user])
    finally:
        citations._read_file = real
    assert calls == []  # every file came from the cache
    parsed = _uncached([user])
    assert second.entries == first.entries == parsed.entries
    assert list(second.entries) == list(parsed.entries)
    kept = second.get("test-kept")
    assert kept.passages["only"].withdrawn == ("and this.",)
    assert kept.errata[0].date is not None and kept.errata[0].date.isoformat() == "2020-02-03"
    assert kept.file == str(user / "x.yaml") and kept.line == 1


def test_an_edit_is_read_even_with_the_same_size_and_time(cache, tmp_path):
    user = tmp_path / "mine"
    user.mkdir()
    path = user / "x.yaml"
    path.write_text(ENTRY.format(word="this"))
    stat = path.stat()
    CitationLibrary.load([user])
    path.write_text(ENTRY.format(word="that"))  # the same length
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert CitationLibrary.load([user]).passage("test-kept", "only").original == "Keep that and this."


def test_a_broken_file_gives_its_errors_with_a_cache_warm(cache, tmp_path):
    user = tmp_path / "mine"
    user.mkdir()
    path = user / "x.yaml"
    path.write_text(ENTRY.format(word="this"))
    CitationLibrary.load([user])
    path.write_text(ENTRY.format(word="this").replace("kind: article", "kind: poem"))
    with pytest.raises(CitationError) as warm:
        CitationLibrary.load([user])
    with pytest.raises(CitationError) as cold:
        _uncached([user])
    assert str(warm.value) == str(cold.value)
    assert [(p.file, p.line, p.field) for p in warm.value.problems] == [(str(path), 2, "kind")]


def test_a_damaged_entry_is_passed_over(cache):
    CitationLibrary.load()
    (entry,) = cache.glob("library-*.marshal")
    entry.write_bytes(entry.read_bytes()[:-10])
    assert CitationLibrary.load().entries == _uncached().entries
    assert len(entry.read_bytes()) > 100  # written anew
