"""The citation library: verbatim passages, errata applied, lookups that fail clearly."""

from __future__ import annotations

import pytest

from appeal.errors import CitationError
from appeal.reference.citations import CitationLibrary, normalize_space

from conftest import SEEDS

WITHDRAWN = "IV injection of photoactive drug (90784) should be reported separately, if done on different day."


@pytest.fixture(scope="module")
def library() -> CitationLibrary:
    return CitationLibrary.load()


def test_seed_entries_are_present(library):
    for cid in ("cpt-assistant-2000-09", "cpt-assistant-2000-11-correction", "coders-desk-reference-76120-76125",
                "cpt-74230", "cpt-76120", "cpt-76125", "cpt-76496", "cpt-76499", "cpt-76000"):
        assert cid in library.entries
    article = library.get("cpt-assistant-2000-09")
    assert (article.publication, article.issue, article.page) == ("CPT Assistant", "September 2000", "4")
    assert article.attribution == "CPT Assistant, September 2000, p. 4"


def test_the_withdrawn_sentence_is_removed_but_recorded(library):
    passage = library.passage("cpt-assistant-2000-09", "codes-76120-76125")
    assert WITHDRAWN not in passage.text
    assert WITHDRAWN in passage.original
    assert passage.withdrawn == (WITHDRAWN,)
    assert passage.text.endswith("videofluorographic/cineradiographic procedure performed.")
    (erratum,) = library.get("cpt-assistant-2000-09").errata
    assert erratum.published_in == "cpt-assistant-2000-11-correction"
    for entry in library.entries.values():
        for p in entry.passages.values():
            assert "photoactive" not in p.text


def test_a_wholly_withdrawn_passage_cannot_be_quoted(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "id: test-errata\nkind: article\ntitle: T\nattribution: A\nreference: R\n"
        "passages:\n  - id: only\n    text: Keep nothing.\n"
        "errata:\n  - id: e\n    action: withdraw\n    passage: only\n    text: Keep nothing.\n    note: gone\n")
    library = CitationLibrary.load([tmp_path])
    with pytest.raises(CitationError, match="withdrawn by an erratum"):
        library.passage("test-errata", "only")


def test_an_erratum_that_matches_nothing_is_an_error(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "id: test-errata\nkind: article\ntitle: T\nattribution: A\nreference: R\n"
        "passages:\n  - id: only\n    text: Keep this.\n"
        "errata:\n  - id: e\n    action: withdraw\n    text: Not there.\n    note: gone\n")
    with pytest.raises(CitationError, match="withdrawn text is not found"):
        CitationLibrary.load([tmp_path])


def test_unknown_ids_fail_with_a_suggestion(library):
    with pytest.raises(CitationError, match="did you mean 'cpt-assistant-2000-09'"):
        library.get("cpt-assistant-2000-9")
    with pytest.raises(CitationError, match="has no passage 'nope'"):
        library.passage("cpt-assistant-2000-09", "nope")


def test_a_user_folder_replaces_a_builtin_entry(tmp_path):
    (tmp_path / "mine.yaml").write_text(
        "id: cpt-76120\nkind: descriptor\ntitle: Mine\nattribution: Mine\nreference: Mine\n"
        "passages:\n  - id: descriptor\n    text: My words.\n")
    assert CitationLibrary.load([tmp_path]).passage("cpt-76120", "descriptor").text == "My words."


def test_invalid_entries_are_reported_with_file_and_line(tmp_path):
    (tmp_path / "bad.yaml").write_text("id: Bad Id\nkind: novel\ntitle: T\n")
    with pytest.raises(CitationError) as info:
        CitationLibrary.load([tmp_path])
    text = "\n".join(str(p) for p in info.value.problems)
    assert f"{tmp_path / 'bad.yaml'}:1: id: 'Bad Id' is not valid" in text
    assert f"{tmp_path / 'bad.yaml'}:2: kind: 'novel' is not one of the choices" in text
    assert "attribution: is required" in text


def test_search_finds_passages(library):
    hits = library.search("videofluoroscopy is synonymous")
    assert [(c.id, p.id) for c, p in hits] == [("cpt-assistant-2000-09", "terminology")]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_every_passage_is_verbatim_in_its_source_document(library):
    """Each passage (as published, before errata) appears word for word in the seed."""
    checked = 0
    for entry in library.entries.values():
        if not (entry.source or "").startswith("seed/"):
            continue
        source = normalize_space((SEEDS / entry.source.split("/", 1)[1]).read_text(encoding="utf-8"))
        for passage in entry.passages.values():
            assert passage.original in source, f"{entry.id}/{passage.id} is not verbatim in {entry.source}"
            checked += 1
        for erratum in entry.errata:
            assert erratum.text in source
    assert checked >= 20
