"""`appeal init` and the workspace: the practice profile fills in what a case leaves out."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import yaml

from appeal.errors import WorkspaceError
from appeal.inputs.workspace import find_workspace, load_workspace

from conftest import SAMPLES, docx_text, flat


@pytest.fixture
def ws(run, tmp_path) -> Path:
    folder = tmp_path / "practice"
    result = run("init", folder)
    assert result.exit_code == 0, result.stderr
    return folder


def test_init_writes_the_profile_the_folders_and_an_example_case(ws, run):
    assert sorted(p.name for p in ws.iterdir()) == ["appeal.yaml", "cases", "citations", "templates"]
    assert (ws / "cases" / "example-case.yaml").is_file()
    workspace = load_workspace(ws)
    (payer,) = workspace.payers
    assert payer.example and payer.checked_source and payer.checked_date
    assert "Replace with the address from your payer's provider manual" in payer.address
    assert "EXAMPLE" in workspace.provider["name"] and "EXAMPLE" in workspace.signer["name"]
    assert find_workspace(ws / "cases") == ws.resolve()
    if os.name == "posix":  # imported cases hold PHI: their folder is its owner's only
        assert stat.S_IMODE((ws / "cases").stat().st_mode) == 0o700


def test_init_never_overwrites_a_profile(ws, run):
    (ws / "appeal.yaml").write_text("# mine\n")
    result = run("init", ws)
    assert result.exit_code == 2
    assert "a workspace is already here; nothing was overwritten" in result.stderr
    assert (ws / "appeal.yaml").read_text() == "# mine\n"


def test_a_case_inside_holds_only_the_claim(ws, run, monkeypatch):
    monkeypatch.chdir(ws)
    result = run("generate", "cases/example-case.yaml", "-o", "out", "--date", "2026-11-27", "--json")
    assert result.exit_code == 0, result.stderr
    assert "warning: the payer entry 'Example Health Plan (EXAMPLE - replace)'" in result.stderr
    docx = next(Path(p) for p in json.loads(result.stdout)["outputs"] if p.endswith(".docx"))
    text = flat(docx_text(docx))
    assert "Example Practice (EXAMPLE - replace with your practice's name)" in text
    assert "Replace with the address from your payer's provider manual" in text
    assert "Example Signer (EXAMPLE - replace)" in text


def test_case_values_win_over_the_profile(ws, run, tmp_path):
    data = yaml.safe_load((ws / "cases" / "example-case.yaml").read_text())
    data["provider"] = {"name": "Case Clinic"}
    data["payer"]["address"] = ["PO Box 1 (sample)"]
    (ws / "cases" / "mine.yaml").write_text(yaml.safe_dump(data))
    result = run("validate", ws / "cases" / "mine.yaml", "--json")
    # valid (exit 1 only when the coding check finds errors, e.g. the example's appeal window has passed)
    assert result.exit_code in (0, 1), result.stderr
    assert json.loads(result.stdout)["template"]
    from appeal.commands.generate import prepare
    from appeal.settings import Settings
    text = flat(prepare(ws / "cases" / "mine.yaml", Settings(workspace=ws)).letter.text())
    assert "Case Clinic" in text and "Example Practice" not in text
    assert "PO Box 1 (sample)" in text and "Replace with the address" not in text


def test_a_replaced_payer_entry_does_not_warn(ws, run):
    profile = ws / "appeal.yaml"
    profile.write_text(profile.read_text().replace("    example: yes", ""))
    # dated inside the example's appeal window, so the letter is not late either
    result = run("validate", ws / "cases" / "example-case.yaml", "--json", "--date", "2026-02-10")
    assert json.loads(result.stdout)["warnings"] == []


def test_the_workspace_templates_come_after_templates_dirs_and_before_builtins(ws, run, tmp_path):
    body = "---\nid: generic-reconsideration\ntitle: {}\n---\n{{% extends \"!builtin/generic-reconsideration.md\" %}}\n"
    (ws / "templates" / "generic-reconsideration.md").write_text(body.format("Workspace letter"))
    listed = {m["id"]: m for m in json.loads(run("templates", "list", "--json", "--workspace", ws).stdout)["templates"]}
    assert listed["generic-reconsideration"]["origin"] == "workspace"
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "generic-reconsideration.md").write_text(body.format("Extra letter"))
    listed = {m["id"]: m for m in json.loads(run("templates", "list", "--json", "--workspace", ws,
                                                 "--templates", extra).stdout)["templates"]}
    assert listed["generic-reconsideration"]["title"] == "Extra letter"


def test_a_broken_profile_is_reported_with_its_line(ws, run):
    (ws / "appeal.yaml").write_text("practice:\n  provider:\n    nmae: X\n")
    result = run("validate", ws / "cases" / "example-case.yaml")
    assert result.exit_code == 2
    assert f"{ws / 'appeal.yaml'}:3: practice.provider.nmae: unknown field 'nmae'; did you mean 'name'?" \
        in result.stderr


def test_without_a_workspace_the_case_file_is_enough(run, out, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_workspace() is None
    result = run("generate", SAMPLES / "generic-reconsideration.yaml", "-o", out)
    assert result.exit_code == 0, result.stderr


def test_load_workspace_of_a_missing_folder_is_an_error(tmp_path):
    with pytest.raises(WorkspaceError, match="does not exist"):
        load_workspace(tmp_path / "nowhere")


def test_a_workspace_given_before_the_command_is_the_commands_own(ws, run, tmp_path, monkeypatch):
    """``appeal --workspace DIR generate ...`` as ``appeal generate ... --workspace DIR``; the command's own wins."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    case = elsewhere / "case.yaml"
    case.write_text((ws / "cases" / "example-case.yaml").read_text())
    monkeypatch.chdir(elsewhere)  # no workspace found from here or from the case's folder
    texts = {}
    for how, args in {"before": ("--workspace", ws, "generate", case, "-o", tmp_path / "before"),
                      "after": ("generate", case, "-o", tmp_path / "after", "--workspace", ws),
                      "own wins": ("--workspace", elsewhere, "generate", case, "-o", tmp_path / "own",
                                   "--workspace", ws)}.items():
        result = run(*args, "--date", "2026-11-27", "--json")
        assert result.exit_code == 0, (how, result.stderr)
        docx = next(Path(p) for p in json.loads(result.stdout)["outputs"] if p.endswith(".docx"))
        texts[how] = flat(docx_text(docx))
        assert "Example Practice (EXAMPLE - replace with your practice's name)" in texts[how], how
    assert texts["before"] == texts["after"] == texts["own wins"]
    alone = run("generate", case, "-o", tmp_path / "alone", "--date", "2026-11-27")
    assert alone.exit_code == 2 and "provider" in alone.stderr  # the case alone names no practice


def test_a_workspace_before_a_command_that_reads_none_is_a_usage_error(ws, run):
    result = run("--workspace", ws, "codes", "carc", "189")
    assert result.exit_code == 2
    assert "codes carc' reads no workspace (accepted: --workspace before a command that reads one" in result.stderr
    assert result.stdout == ""


def test_import_835_writes_into_the_workspaces_cases_folder_by_default(ws, run, tmp_path, monkeypatch):
    """The folder `appeal init` made for the cases (its owner's only) is where they go; without a workspace, cases/
    in the current folder, as before."""
    from conftest import ROOT

    remit = ROOT / "tests" / "data" / "x12" / "07_synthetic_carc189_76496.835"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run("import-835", remit, "--workspace", ws, "--json")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (ws / "cases").glob("PAYER_*.yaml")) == ["PAYER_4276512332_CO-189.yaml",
                                                                           "PAYER_4276512332_OA-A7.yaml"]
    assert not (elsewhere / "cases").exists()
    alone = run("import-835", remit)
    assert alone.exit_code == 0, alone.stderr
    assert len(list((elsewhere / "cases").glob("*.yaml"))) == 2
