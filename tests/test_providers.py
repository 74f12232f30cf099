"""A practice with several rendering providers: each letter is signed by its rendering provider's signer,
matched by NPI (from the case, or NM1*82 in the 835); the practice's signer otherwise. All FICTITIOUS."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from appeal.commands.generate import prepare
from appeal.errors import WorkspaceError
from appeal.inputs.workspace import load_workspace
from appeal.settings import Settings

from conftest import flat, pdf_text
from x12_workspace import PROFILE, X12, make_workspace

PROVIDERS = """\
  providers:
    - npi: "1234567893"
      name: Dr. Rendering Example (sample)
      signer:
        name: Dr. Rendering Example
        title: Physician
        credentials: MD
        signature: sig-example.png
    - npi: "1987654328"
      signer: {name: Dr. Second Sample, title: Physician}
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "practice", PROFILE.replace("  signer:\n", PROVIDERS + "  signer:\n", 1))
    Image.new("RGB", (300, 80), "white").save(root / "sig-example.png")
    return root


def case_with(make_case, npi: str | None):
    changes = {"signer": None}
    if npi:
        changes["claim.rendering_provider"] = {"name": "Rendering Person", "npi": npi}
    return make_case(changes)


@pytest.mark.parametrize("npi, signer", [("1234567893", "Dr. Rendering Example"),
                                         ("1987654328", "Dr. Second Sample"), (None, "Pat Example")])
def test_the_rendering_providers_signer_signs(ws, make_case, npi, signer):
    prepared = prepare(case_with(make_case, npi), Settings(workspace=ws))
    assert prepared.case.signer.name == signer
    if npi == "1234567893":
        assert prepared.case.signer.signature == (ws / "sig-example.png").resolve()
        assert prepared.case.signer.credentials == "MD"


def test_a_case_that_names_its_signer_keeps_it(ws, make_case):
    case = make_case({"claim.rendering_provider": {"name": "Rendering Person", "npi": "1234567893"}})
    assert prepare(case, Settings(workspace=ws)).case.signer.name != "Dr. Rendering Example"


def test_a_letter_from_an_835_is_signed_by_the_nm1_82_provider(ws, tmp_path, run):
    out = tmp_path / "out"
    result = run("batch", X12 / "08_synthetic_two_reasons_one_claim.835", "-o", out, "--workspace", ws,
                 "--jobs", "1", "--date", "2026-11-27", "--format", "pdf")
    assert result.exit_code == 0  # the CO-189 letter, and the generic one for CO-97 on the therapy lines
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == 2 and all("Dr. Rendering Example" in flat(pdf_text(p)) for p in pdfs)
    assert all("Pat Example" not in flat(pdf_text(p)) for p in pdfs)


def test_listed_providers_are_checked(tmp_path):
    bad = PROVIDERS.replace('"1987654328"', '"1987654320"').replace("title: Physician}", "}")
    root = make_workspace(tmp_path / "p", PROFILE.replace("  signer:\n", bad + "  signer:\n", 1))
    with pytest.raises(WorkspaceError) as info:
        load_workspace(root)
    messages = {(p.field, p.message) for p in info.value.problems}
    assert ("practice.providers[1].npi", "'1987654320' fails the NPI check digit") in messages
    assert ("practice.providers[1].signer.title", "is required") in messages
