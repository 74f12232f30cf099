"""The fact vocabulary and the CARC / RARC table kept in the cache folder: what a later process reads back
is what parsing gives, and an edit is never hidden."""

from __future__ import annotations

import os
import shutil

import pytest

from appeal.errors import TemplateError
from appeal.letters import facts
from appeal.reference import codes


@pytest.fixture
def cache(own_cache):
    _new_process()
    yield own_cache
    _new_process()


def _new_process() -> None:
    facts._read.cache_clear()
    codes.code_table.cache_clear()


def _uncached(read):
    os.environ["APPEAL_NO_CACHE"] = "1"
    try:
        _new_process()
        return read()
    finally:
        del os.environ["APPEAL_NO_CACHE"]
        _new_process()


def test_the_vocabulary_read_back_is_the_one_parsed(cache):
    first = facts.vocabulary()
    assert list((cache / "vocabulary").glob("facts-*.marshal"))
    _new_process()
    again = facts.vocabulary()
    assert again == first == _uncached(facts.vocabulary)
    assert again["recording"].type and again["recording"].evidence


def test_an_edited_vocabulary_is_read_again_and_checked(cache, tmp_path):
    mine = tmp_path / "facts.yaml"
    shutil.copy(facts.vocabulary_path(), mine)
    before = facts._read(mine)
    text = mine.read_text(encoding="utf-8")
    name = next(iter(before))
    edited = text.replace(f"{name}:\n", f"{name}:\n  colour: blue\n", 1)
    assert edited != text
    mine.write_text(edited, encoding="utf-8")
    _new_process()
    with pytest.raises(TemplateError) as raised:
        facts._read(mine)
    assert "colour" in str(raised.value) and raised.value.problems[0].line
    mine.write_text(text.replace(before[name].description, "A description of my own", 1), encoding="utf-8")
    _new_process()
    assert facts._read(mine)[name].description == "A description of my own"


def test_the_code_table_read_back_is_the_one_parsed(cache):
    first = codes.code_table().entries
    assert list((cache / "codes").glob("codes-*.marshal"))
    _new_process()
    again = codes.code_table().entries
    assert again == first == _uncached(lambda: codes.code_table().entries)
    assert again[("carc", "189")].source["retrieved"].year >= 2026  # a date, as YAML reads it
