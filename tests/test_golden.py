"""Golden files pin the document model of every sample (not the bytes of a DOCX or PDF).

Regenerate them after a deliberate change, then review the diff like code:

    APPEAL_REGEN_GOLDEN=1 pytest tests/test_golden.py
"""

from __future__ import annotations

import json
import os

import pytest

from appeal.commands.generate import prepare
from appeal.settings import Settings

from conftest import LETTER_DATE, ROOT, SAMPLES

GOLDEN = ROOT / "tests" / "golden"
CASES = sorted(p for p in SAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("sample", CASES, ids=[p.stem for p in CASES])
def test_sample_matches_its_golden_document(sample):
    document = prepare(sample, Settings(date=LETTER_DATE)).letter.as_dict()
    text = json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    golden = GOLDEN / f"{sample.stem}.json"
    if os.environ.get("APPEAL_REGEN_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"no golden file for {sample.name}; run APPEAL_REGEN_GOLDEN=1 pytest {__file__}"
    assert json.loads(golden.read_text(encoding="utf-8")) == document


def test_every_golden_file_has_a_sample():
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == [p.stem for p in CASES]
