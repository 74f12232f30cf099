"""The templates' front matter kept in the cache folder: the same metadata, and never an edit hidden."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from appeal.errors import TemplateError
from appeal.letters import templates
from appeal.letters.templates import template_set
from appeal.resources import builtin_dir

TEMPLATE = """---
id: kept-test
title: Kept {word}
description: A template to keep.
carc: [197]
rarc: [N657]
levels: [corrected-claim, reconsideration]
corrected_claim_when: facts.on_claim and facts.visits > 2
carc_when:
  - carc: [50]
    when: when the payer says so
    reason_mentions: [investigational]
    modifiers: [59]
    fact: on_claim
facts:
  on_claim: {{type: yesno, description: On the claim, default: yes}}
  seen: {{type: date, description: Seen on, default: 2020-01-02}}
  visits: {{type: number, description: Visits, default: "3.50"}}
  label: {{type: text, description: A label, default: plain, required: yes}}
  authorization_number:
enclosures: [The record]
citations: [cms-claims-manual]
example: case.yaml
---
Body.
"""


@pytest.fixture
def cache(own_cache):
    _new_process()
    yield own_cache / "front-matter"
    _new_process()


@pytest.fixture
def user(tmp_path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "kept-test.md").write_text(TEMPLATE.format(word="this"))
    return folder


def _new_process() -> None:
    """What a new process starts from: nothing read yet."""
    templates._read_meta_cached.cache_clear()
    templates._KEPT.clear()


def _all(folders=()) -> dict[str, templates.TemplateMeta]:
    _new_process()
    return template_set(folders).all()


def _uncached(folders=()) -> dict[str, templates.TemplateMeta]:
    os.environ["APPEAL_NO_CACHE"] = "1"
    try:
        return _all(folders)
    finally:
        del os.environ["APPEAL_NO_CACHE"]


def test_front_matter_read_back_is_the_front_matter_checked(cache, user, monkeypatch):
    first = _all([user])
    assert len(list(cache.glob("templates-*.marshal"))) == 1
    calls = []
    real = templates._checked_meta
    monkeypatch.setattr(templates, "_checked_meta", lambda *a: calls.append(a) or real(*a))
    second = _all([user])
    assert calls == []  # every template came from the cache
    monkeypatch.setattr(templates, "_checked_meta", real)
    parsed = _uncached([user])
    assert second == first == parsed
    assert list(second) == list(parsed)
    assert [m.as_dict() for m in second.values()] == [m.as_dict() for m in parsed.values()]
    assert len(second) == len(list(builtin_dir("templates").glob("*.md"))) + 1
    meta = second["kept-test"]
    assert meta.file == user / "kept-test.md" and meta.origin == str(user)
    assert meta.example == user / "case.yaml"
    assert meta.facts["seen"].default == dt.date(2020, 1, 2)
    assert meta.facts["visits"].default == Decimal("3.50") and str(meta.facts["visits"].default) == "3.50"
    assert meta.facts["on_claim"].default is True and meta.facts["label"].required is True
    assert meta.facts["authorization_number"].evidence  # the shared vocabulary's meaning
    assert meta.carc_when[0].fact == "on_claim" and meta.carc_when[0].modifiers == ("59",)
    condition = meta.corrected_claim_when
    assert condition is not None and condition.line == 8 and condition.file == meta.file
    names = {"facts": {"on_claim": True, "visits": Decimal(3)}, "appeal": None, "claim": None, "denial": None,
             "denied_lines": (), "payer": None}
    assert condition.holds(names)  # compiled from the kept text when first asked
    assert not condition.holds({**names, "facts": {"on_claim": True, "visits": Decimal(1)}})


def test_an_edit_is_read_even_with_the_same_size_and_time(cache, user):
    path = user / "kept-test.md"
    stat = path.stat()
    _all([user])
    path.write_text(TEMPLATE.format(word="that"))  # the same length
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _all([user])["kept-test"].title == "Kept that"
    assert _all([user])["kept-test"].title == "Kept that"  # and kept so


@pytest.mark.parametrize("broken", [
    ("carc: [197]", "carc: [1x7]"),
    ("default: 2020-01-02", "default: 2020-13-02"),
    ("facts.on_claim and", "facts.unknown and"),
    ("levels: [corrected-claim, reconsideration]", "levels: [reconsideration]"),
    ("id: kept-test", "id: other"),
    ("title: Kept this", "title: [Kept]"),
    ("A template to keep.", "A template\x00 to keep."),
])
def test_a_broken_template_gives_the_same_errors_with_a_cache_warm(cache, user, broken):
    path = user / "kept-test.md"
    _all([user])
    path.write_text(TEMPLATE.format(word="this").replace(*broken))
    with pytest.raises(TemplateError) as warm:
        _all([user])
    with pytest.raises(TemplateError) as again:  # a broken file is never kept
        _all([user])
    with pytest.raises(TemplateError) as cold:
        _uncached([user])
    assert str(warm.value) == str(again.value) == str(cold.value)
    expected = [(p.file, p.line, p.field, p.accepted) for p in cold.value.problems]
    assert [(p.file, p.line, p.field, p.accepted) for p in warm.value.problems] == expected
    assert all(p.file == str(path) for p in warm.value.problems)
    path.write_text(TEMPLATE.format(word="this"))
    assert _all([user])["kept-test"].title == "Kept this"


def test_a_damaged_entry_is_passed_over_and_written_again(cache, user):
    fresh = _all([user])
    (entry,) = cache.glob("templates-*.marshal")
    whole = entry.read_bytes()
    entry.write_bytes(whole[:-10])
    assert _all([user]) == fresh
    assert entry.read_bytes() == whole  # written anew
    entry.write_bytes(whole[:40] + bytes([whole[40] ^ 1]) + whole[41:])
    assert _all([user]) == fresh
    assert entry.read_bytes() == whole


def test_no_cache_writes_nothing(cache, user):
    assert _uncached([user])["kept-test"].title == "Kept this"
    assert not cache.exists()


def test_a_user_template_folder_from_the_command_line(cache, tmp_path):
    from click.testing import CliRunner

    from appeal.cli import cli

    folder = tmp_path / "mine"
    folder.mkdir()
    source = (builtin_dir("templates") / "authorization.md").read_text()
    (folder / "authorization.md").write_text(source.replace("title: Claim denied", "title: Mine, claim denied"))
    shutil.copytree(builtin_dir("templates") / "base", folder / "base")
    case = Path(__file__).parent.parent / "samples" / "authorization-197.yaml"
    outputs = []
    for _ in range(2):
        _new_process()
        result = CliRunner().invoke(cli, ["templates", "list", "--templates", str(folder)])
        assert result.exit_code == 0, result.output
        assert "Mine, claim denied" in result.output
        outputs.append(result.output)
        validated = CliRunner().invoke(cli, ["validate", str(case), "--templates", str(folder),
                                             "--date", "2026-11-27"])
        assert validated.exit_code == 0, validated.output
        outputs.append(validated.output)
    assert outputs[:2] == outputs[2:]
    (entry,) = cache.glob("templates-*.marshal")
    assert str(folder / "authorization.md").encode() in entry.read_bytes()
