"""One name rule for every file a run makes: letters, packets, batch letters and drafted case files."""

from __future__ import annotations

import datetime as dt

from appeal.deliver.files import MAX_NAME, allocate, batch_stem, letter_stem, numbered
from appeal.deliver.packet import packet_name

CLAIM = "A" * 20 + "B" * 20  # 40 characters
DAY = dt.date(2026, 11, 27)


def test_the_claim_number_is_cut_at_28_characters_in_letters_and_batch_letters():
    letter = letter_stem("Example Payer", CLAIM, DAY)
    batch = batch_stem("Example Payer", CLAIM, "CO", "189", DAY)
    assert letter == f"Example-Payer_{CLAIM[:28]}_2026-11-27"
    assert batch == f"Example-Payer_{CLAIM[:28]}_CO-189_2026-11-27"
    assert packet_name(letter) == letter + "_packet"


def test_a_clash_is_numbered_and_the_name_stays_at_most_64_characters():
    stem = "x" * MAX_NAME
    taken = {stem, numbered(stem, 2)}
    chosen = allocate(stem, lambda candidate: candidate not in taken)
    assert chosen == "x" * (MAX_NAME - 2) + "-3" and len(chosen) == MAX_NAME
    assert allocate("short", lambda candidate: True) == "short"
