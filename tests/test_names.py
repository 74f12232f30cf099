"""One name rule for every file a run makes: letters, packets, batch letters and drafted case files."""

from __future__ import annotations

import datetime as dt

import pytest

from appeal.deliver.files import MAX_NAME, allocate, batch_stem, letter_stem, numbered
from appeal.deliver.packet import fax_name, packet_name

CLAIM = "A" * 20 + "B" * 20  # 40 characters
DAY = dt.date(2026, 11, 27)


def test_the_claim_number_is_cut_at_28_characters_in_letters_and_batch_letters():
    letter = letter_stem("Example Payer", CLAIM, DAY)
    batch = batch_stem("Example Payer", CLAIM, "CO", "189", DAY)
    assert letter == f"Example-Payer_{CLAIM[:28]}_2026-11-27"
    assert batch == f"Example_{CLAIM[:28]}_CO-189_2026-11-27"  # the payer gave way to keep the reason and date
    assert packet_name(letter) == letter + "_packet"


@pytest.mark.parametrize("payer, claim, reason", [
    ("Example Health Plan (sample)", "CLAIM-2026-0000000000015151XYZ", None),
    ("Example Health Plan (sample)", "SAMPLE-2026-000321", ("CO", "97")),
    ("A Very Long Regional Health Plan Name Inc", "C" * 40, ("PR", "204")),
])
def test_every_name_keeps_its_date_and_reason_whole_within_64_characters(payer, claim, reason):
    """Two letters of one claim on two dates once shared a packet's name: the cap cut the date off."""
    later = DAY + dt.timedelta(days=14)
    names = {}
    for day in (DAY, later):
        stem = batch_stem(payer, claim, *reason, day) if reason else letter_stem(payer, claim, day)
        made = [stem, packet_name(stem), fax_name(stem), numbered(stem, 99), packet_name(numbered(stem, 99))]
        assert all(len(name) <= MAX_NAME and day.isoformat() in name for name in made), made
        if reason:
            assert all(f"_{reason[0]}-{reason[1]}_" in name for name in made)
        names[day] = set(made)
    assert not names[DAY] & names[later]


def test_a_clash_is_numbered_and_the_name_stays_at_most_64_characters():
    stem = "x" * MAX_NAME
    taken = {stem, numbered(stem, 2)}
    chosen = allocate(stem, lambda candidate: candidate not in taken)
    assert chosen == "x" * (MAX_NAME - 2) + "-3" and len(chosen) == MAX_NAME
    assert allocate("short", lambda candidate: True) == "short"
