"""Every quote in every sample letter is the source's exact words."""

from __future__ import annotations

import pytest

from appeal.commands.generate import prepare
from appeal.letters.document import Quote
from appeal.reference.citations import CitationLibrary, normalize_space
from appeal.settings import Settings

from conftest import LETTER_DATE, SAMPLES, SEEDS

CASES = sorted(SAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("sample", CASES, ids=[p.stem for p in CASES])
def test_quotes_are_library_passages_after_errata(sample):
    library = CitationLibrary.load()
    letter = prepare(sample, Settings(date=LETTER_DATE)).letter
    for block in letter.blocks:
        if isinstance(block, Quote):
            passage = library.passage(block.citation, block.passage)
            assert block.text == passage.text
            assert block.attribution == library.get(block.citation).attribution
            for withdrawn in passage.withdrawn:
                assert withdrawn not in block.text


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
@pytest.mark.parametrize("sample", CASES, ids=[p.stem for p in CASES])
def test_every_quoted_paragraph_is_verbatim_in_the_seed(sample):
    seed = normalize_space(" ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")))
    letter = prepare(sample, Settings(date=LETTER_DATE)).letter
    quotes = [b for b in letter.blocks if isinstance(b, Quote)]
    for quote in quotes:
        assert normalize_space(quote.text) in seed, (quote.citation, quote.passage)
