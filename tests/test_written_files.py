"""Every text file the tool writes ends with a newline; a YAML line that YAML reads as a section says to quote it."""

from __future__ import annotations

import yaml

from conftest import UPMC, sample_data
from x12_workspace import X12, make_workspace

TEXT = {".yaml", ".yml", ".csv", ".json", ".md", ""}


def test_every_text_file_written_ends_with_a_newline(run, tmp_path):
    assert run("init", tmp_path / "ws").exit_code == 0
    assert run("templates", "new", "mine", "--from", "specific-code-required", "--dir", tmp_path / "t").exit_code == 0
    ws = make_workspace(tmp_path / "practice")
    assert run("import-835", X12 / "08_synthetic_two_reasons_one_claim.835", "-o", tmp_path / "cases",
               "--workspace", ws).exit_code == 0
    run("batch", X12 / "07_synthetic_carc189_76496.835", UPMC, "-o", tmp_path / "out", "--workspace", ws,
        "--jobs", "1", "--date", "2026-11-27")
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in TEXT and p.parent != ws
               and p.relative_to(tmp_path).parts[-2:] != (".batch", "lock")]  # the batch's lock: empty, no text
    assert {p.suffix for p in written} >= {".yaml", ".csv", ".json", ".md"}
    assert [p for p in written if not p.read_bytes().endswith(b"\n")] == []


def test_a_line_yaml_reads_as_a_section_says_to_put_it_in_quotes(run, tmp_path):
    data = sample_data()
    data["payer"]["address"] = [{"Attn": "Provider Appeals Department"}, "PO Box 1"]
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump(data, sort_keys=False))
    assert "- Attn: Provider Appeals Department" in case.read_text()  # as a biller would type it
    result = run("validate", case)
    assert result.exit_code == 2
    line = next(n for n, text in enumerate(case.read_text().splitlines(), 1) if "Attn:" in text)
    assert (f"error: {case}:{line}: payer.address[0]: must be text, not a section (the ': ' makes YAML read a "
            'section); put the line in quotes: "Attn: Provider Appeals Department"') in result.stderr
