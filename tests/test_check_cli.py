"""``appeal check`` and the check inside ``appeal generate``: output, one JSON document, exit codes."""

from __future__ import annotations

import json

import pytest

from conftest import UPMC

FINDING_KEYS = {"rule", "severity", "line", "message", "suggested_code", "suggested_modifiers", "citations"}


@pytest.fixture
def wrong(make_case):
    """A case with an error finding: 76120 billed although no recording was made."""
    return make_case({"claim.lines.0.code": "76120", "appeal.facts.recording": "no"}, name="wrong.yaml")


def test_check_prints_the_suggestion_and_its_sources(run):
    result = run("check", UPMC)
    assert result.exit_code == 0, result.stderr
    assert f"{UPMC}: 1 warning, " in result.stdout
    assert "note: line 1: 76496 (unlisted fluoroscopic procedure)" in result.stdout
    assert "suggested: 76120" in result.stdout
    assert ("sources: cpt-assistant-2000-09 / unlisted-not-used; "
            "coders-desk-reference-76120-76125 / use-76120-76125") in result.stdout


def test_check_json_is_one_document_with_every_field(run):
    result = run("check", UPMC, "--json")
    assert result.exit_code == 0
    [report] = json.loads(result.stdout)["cases"]
    assert report["case"] == str(UPMC) and report["readable"] is True and report["errors"] == []
    assert all(FINDING_KEYS <= set(f) for f in report["findings"])
    [suggestion] = [f for f in report["findings"] if f["rule"] == "unlisted-code-recorded"]
    assert suggestion["suggested_code"] == "76120" and suggestion["line"] == 1
    assert suggestion["citations"] == [{"id": "cpt-assistant-2000-09", "passage": "unlisted-not-used"},
                                       {"id": "coders-desk-reference-76120-76125", "passage": "use-76120-76125"}]


def test_check_exits_1_on_errors(run, wrong):
    result = run("check", wrong)
    assert result.exit_code == 1
    assert "error: line 1: 76120 describes cineradiography/videoradiography" in result.stdout


def test_an_unreadable_case_exits_2_and_the_others_are_still_checked(run, wrong, tmp_path):
    missing = tmp_path / "missing.yaml"
    result = run("check", wrong, missing, "--json")
    assert result.exit_code == 2
    reports = json.loads(result.stdout)["cases"]
    assert [r["readable"] for r in reports] == [True, False]
    assert any(f["severity"] == "error" for f in reports[0]["findings"])
    assert reports[1]["errors"][0]["message"] == "file not found"
    assert f"error: {missing}: file not found" in result.stderr


def test_check_needs_a_case(run):
    assert run("check").exit_code == 2


def test_generate_shows_the_findings_and_lists_them_in_json(run, out):
    result = run("generate", UPMC, "-o", out, "--date", "2026-11-27", "--json")
    assert result.exit_code == 0
    assert "note: line 1: 76496" in result.stderr
    document = json.loads(result.stdout)
    assert document["blocked"] is False and len(document["outputs"]) == 2
    assert "unlisted-code-recorded" in {f["rule"] for f in document["findings"]}


def test_generate_without_strict_writes_despite_errors(run, out, wrong):
    """The letter is written and the findings shown; a check error makes it blocked (exit 1)."""
    result = run("generate", wrong, "-o", out, "--date", "2026-11-27")
    assert result.exit_code == 1
    assert "error: line 1: 76120 describes" in result.stderr
    last = result.stderr.rstrip().splitlines()[-1]
    assert last.startswith("verdict: blocked (") and "check-error" in last
    assert len(list(out.iterdir())) == 2


def test_strict_generate_blocks_on_errors_and_writes_nothing(run, out, wrong):
    result = run("generate", wrong, "-o", out, "--date", "2026-11-27", "--strict", "--json")
    assert result.exit_code == 1
    assert "no letter was written" in result.stderr
    document = json.loads(result.stdout)
    assert document["blocked"] is True and document["outputs"] == []
    assert any(f["severity"] == "error" for f in document["findings"])
    assert list(out.iterdir()) == []


def test_strict_generate_writes_only_a_ready_letter(run, out, make_case):
    """The sample has no payer address: review, so --strict writes nothing; with an address it is ready."""
    review = run("generate", UPMC, "-o", out, "--date", "2026-11-27", "--strict")
    assert review.exit_code == 1 and list(out.iterdir()) == []
    assert "verdict: review (no-payer-address)" in review.stderr
    ready = make_case({"payer.address": ["PO Box 1 (sample)", "Pittsburgh, PA 15000"]})
    result = run("generate", ready, "-o", out, "--date", "2026-11-27", "--strict")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.rstrip().splitlines()[-1] == "verdict: ready"
    assert len(list(out.iterdir())) == 2


def test_check_reads_appeal_windows_from_the_workspace(run, make_case, tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "appeal.yaml").write_text(
        "payers:\n  - name: UPMC Health Plan\n    id: SAMPLE-UPMC\n    appeal_window_days:\n"
        "      reconsideration: 60\n", encoding="utf-8")
    case = make_case({"denial.date": "2020-01-02", "claim.lines.0.date": "2020-01-01",
                      "appeal.level": "reconsideration"})
    result = run("check", case, "--workspace", workspace, "--json")
    assert result.exit_code == 0  # late is for review (good cause may be shown), not an error
    [late] = [f for f in json.loads(result.stdout)["cases"][0]["findings"] if f["rule"] == "appeal-deadline"]
    assert late["severity"] == "warning" and "03/02/2020 has passed" in late["message"]


def test_packet_runs_the_coding_check_and_strict_blocks_it(run, out, wrong):
    result = run("packet", wrong, "-o", out, "--date", "2026-11-27", "--json")
    assert result.exit_code == 1  # written, and blocked
    document = json.loads(result.stdout)
    assert document["verdict"]["status"] == "blocked"
    assert "videoradiography-not-recorded" in {f["rule"] for f in document["findings"]}
    assert len(list(out.iterdir())) == 1
    blocked = run("packet", wrong, "-o", out / "strict", "--strict")
    assert blocked.exit_code == 1 and "no packet was written" in blocked.stderr
    assert not (out / "strict").exists() or list((out / "strict").iterdir()) == []


ODD_RULE = """---
id: odd-rule
title: Odd rule
carc: [16]
levels: [corrected-claim, reconsideration]
corrected_claim_when: facts.visits > 2
facts:
  visits: {type: number, description: Visits}
---
{% extends "base/letter.md" %}
{% block request %}{{ we_ask(level) }} and to pay the claim.{% endblock %}
"""


def test_a_level_rule_the_case_cannot_answer_is_a_finding_and_the_next_case_is_checked(run, make_case, tmp_path):
    """A template whose ``corrected_claim_when`` reads a fact the case does not give: that case's letter
    cannot be built, its check says why (the template's file and line), and the next case is still checked."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "odd-rule.md").write_text(ODD_RULE, encoding="utf-8")
    odd = make_case({"denial.carc": "16", "template": "odd-rule"}, name="odd.yaml")
    result = run("check", odd, UPMC, "--templates", folder, "--json")
    assert result.exit_code == 1, result.stderr
    first, second = json.loads(result.stdout)["cases"]
    [error] = [f for f in first["findings"] if f["severity"] == "error"]
    assert error["rule"] == "template" and "odd-rule.md:6: corrected_claim_when" in error["message"]
    assert "facts.visits" in error["message"]
    assert any("(templates 'separate-anatomic-region', 'specific-code-required' use it)" in f["message"]
               for f in first["findings"] if f["rule"] == "other-template-fact")
    assert second["case"] == str(UPMC) and second["readable"]
    assert any(f["rule"] == "unlisted-code-recorded" for f in second["findings"])
