"""Integrity checks for appeal/data/codes.yaml (X12 CARC/RARC reference text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

CODES_PATH = Path(__file__).resolve().parents[1] / "appeal" / "data" / "codes.yaml"

REQUIRED_CARC = [
    "1", "2", "3", "4", "11", "16", "23", "24", "29", "45", "50", "55", "59",
    "96", "97", "189", "197", "204", "236", "251", "253", "A7",
    # codes seen in sample remits
    "26", "94", "147", "165", "176",
    # the denials billers see most (issue 12)
    "15", "18", "22", "27", "119", "151",
]
# Required but not traceable to a citable source, so deliberately absent:
UNSOURCED_CARC = ["42", "A2"]

REQUIRED_RARC = [
    "M51", "N56", "N350", "N657", "N1", "N211", "N704", "MA130",
    "N14", "N20", "N36", "N206", "N220", "M68", "MA02",
    "N290", "MA04", "N30", "N54", "N130",
]


@pytest.fixture(scope="module")
def data() -> dict:
    text = CODES_PATH.read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded


def _entries(data: dict):
    for table in ("carc", "rarc"):
        for code, entry in data[table].items():
            yield table, code, entry


def test_top_level_keys(data):
    assert set(data) >= {"sources", "carc", "rarc"}
    assert isinstance(data["carc"], dict) and data["carc"]
    assert isinstance(data["rarc"], dict) and data["rarc"]


def test_sources_well_formed(data):
    ids = [s["id"] for s in data["sources"]]
    assert len(ids) == len(set(ids)), "duplicate source id"
    for src in data["sources"]:
        assert isinstance(src["id"], str) and src["id"]
        assert re.fullmatch(r"[^/\s]+/[^/\s]+", src["repository"])
        assert isinstance(src["path"], str) and src["path"]
        if "commit" in src:
            assert re.fullmatch(r"[0-9a-f]{40}", str(src["commit"]))
        assert "retrieved" in src
        assert isinstance(src.get("note"), str) and src["note"].strip()


def test_every_code_key_is_a_string(data):
    for table, code, _ in _entries(data):
        assert isinstance(code, str), f"{table} key {code!r} is not a string"


def test_every_entry_has_description_and_known_source(data):
    source_ids = {s["id"] for s in data["sources"]}
    for table, code, entry in _entries(data):
        assert isinstance(entry, dict), f"{table} {code}"
        desc = entry.get("description")
        assert isinstance(desc, str) and desc.strip(), f"{table} {code}: empty description"
        assert desc == desc.strip(), f"{table} {code}: stray whitespace"
        assert entry.get("source") in source_ids, f"{table} {code}: unknown source"
        if "note" in entry:
            assert isinstance(entry["note"], str) and entry["note"].strip()


@pytest.mark.parametrize("code", REQUIRED_CARC)
def test_required_carc_present(data, code):
    assert code in data["carc"]


@pytest.mark.parametrize("code", REQUIRED_RARC)
def test_required_rarc_present(data, code):
    assert code in data["rarc"]


@pytest.mark.parametrize("code", UNSOURCED_CARC)
def test_unsourced_codes_not_invented(data, code):
    assert code not in data["carc"]


def test_carc_189_mentions_specific_procedure_code(data):
    assert "specific procedure code" in data["carc"]["189"]["description"]


def test_verbatim_spot_checks(data):
    # Exact bytes as given by the sources, including quote style.
    assert data["rarc"]["N36"]["description"] == (
        "Claim must meet primary payer\u2019s processing requirements before we can "
        "consider payment."
    )
    assert data["carc"]["189"]["description"].startswith("'Not otherwise classified'")
    assert data["carc"]["16"]["description"].startswith(
        "Claim/service lacks information or has submission/billing error(s). Usage:"
    )


def test_letters_quote_each_description_up_to_its_usage_note():
    """What a letter quotes is the official text itself (a prefix), never a rewording."""
    from appeal.reference.codes import code_table, without_usage

    table = code_table()
    for (kind, code), entry in table.entries.items():
        quoted = without_usage(entry.description)
        assert quoted and entry.description.startswith(quoted), (kind, code)
        assert "Usage:" not in quoted
    assert without_usage(table.carc("97")).startswith("The benefit for this service is included")
    assert without_usage(table.carc("18")) == "Exact duplicate claim/service"
    assert without_usage(table.carc("96")) == "Non-covered charge(s)."
    assert without_usage(table.carc("23")) == ("The impact of prior payer(s) adjudication including payments "
                                               "and/or adjustments.")
