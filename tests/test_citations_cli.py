"""`appeal citations list | show | search | export` and `appeal codes carc | rarc`."""

from __future__ import annotations

import json

import pytest
import yaml

from appeal.commands.generate import prepare
from appeal.errors import CitationError
from appeal.reference.citations import CitationLibrary
from appeal.settings import Settings

from conftest import ROOT, SAMPLES

WITHDRAWN = "IV injection of photoactive drug (90784) should be reported separately, if done on different day."
CODES = yaml.safe_load((ROOT / "appeal" / "data" / "codes.yaml").read_text(encoding="utf-8"))


def test_list_shows_ids_uses_and_passage_ids(run):
    result = run("citations", "list")
    assert result.exit_code == 0
    rows = {r.split("\t")[0]: r.split("\t") for r in result.stdout.splitlines()}
    assert rows["cpt-assistant-2000-09"][2] == "quote" and "unlisted-not-used" in rows["cpt-assistant-2000-09"][3]
    assert rows["okawa-1998"][2] == "reference-only" and rows["okawa-1998"][3] == "-"
    assert rows["qa-digital-motion-fluoroscopy"][2] == "explicit-only"
    assert len(rows) == len(CitationLibrary.load().entries)


def test_show_gives_the_text_after_errata_and_the_erratum(run):
    result = run("citations", "show", "cpt-assistant-2000-09")
    assert result.exit_code == 0
    assert "attribution: CPT Assistant, September 2000, p. 4" in result.stdout
    assert f"  withdrawn: {WITHDRAWN}" in result.stdout
    assert "erratum nov-2000-correction (withdraw)" in result.stdout
    passage = next(line for line in result.stdout.splitlines() if line.startswith("[codes-76120-76125]"))
    assert WITHDRAWN not in passage


def test_show_unknown_exits_2_with_a_suggestion(run):
    result = run("citations", "show", "cpt-assistant-2000-9")
    assert result.exit_code == 2
    assert "did you mean 'cpt-assistant-2000-09'" in result.stderr


def test_search_prints_what_a_template_pastes(run):
    result = run("citations", "search", "SPOT   films")
    assert result.stdout.startswith('quote("cpt-assistant-2000-09", "hard-copy")\t')
    entries = json.loads(run("citations", "search", "Okawa", "--json").stdout)
    assert entries["ok"] is True and entries["results"] == [{"id": "okawa-1998", "passage": None, "text": None,
                        "attribution": "Okawa A, et al. Spine 1998;23(16):1743-9"}]
    none = run("citations", "search", "no such words anywhere")
    assert none.exit_code == 0 and none.stdout == "" and "no passage or entry contains" in none.stderr


def test_export_is_every_entry_with_passages_errata_and_metadata(run):
    result = run("citations", "export")  # JSON with or without --json
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    entries = {e["id"]: e for e in document["citations"]}
    assert set(entries) == set(CitationLibrary.load().entries)
    article = entries["cpt-assistant-2000-09"]
    codes = next(p for p in article["passages"] if p["id"] == "codes-76120-76125")
    assert WITHDRAWN not in codes["text"] and WITHDRAWN in codes["original"]
    assert article["errata"][0]["published_in"] == "cpt-assistant-2000-11-correction"
    assert (article["issue"], article["page"], article["source"]) == ("September 2000", "4",
                                                                      "seed/000_919cba4d681d3a72.txt")


def test_export_has_one_json_option(run):
    assert json.loads(run("citations", "export", "--json").stdout) == json.loads(run("citations", "export").stdout)
    result = run("citations", "export", "--format", "json")
    assert result.exit_code == 2 and "No such option '--format'" in result.stderr


def test_a_workspace_citation_is_listed(run, tmp_path):
    (tmp_path / "appeal.yaml").write_text("")
    (tmp_path / "citations").mkdir()
    (tmp_path / "citations" / "mine.yaml").write_text(
        "id: my-manual\nkind: other\ntitle: Mine\nattribution: My manual\nreference: My manual, 2026\n"
        "passages:\n  - id: rule\n    text: Our words.\n")
    result = run("citations", "show", "my-manual", "--workspace", tmp_path, "--json")
    assert json.loads(result.stdout)["passages"][0]["text"] == "Our words."


def test_the_dmx_policy_says_its_payer_is_not_named():
    library = CitationLibrary.load()
    policy = library.get("dmx-policy-unnamed-payer")
    assert "payer not named" in policy.attribution and "without naming the payer" in policy.note
    assert library.passage(policy.id, "position").text == (
        "DMX, cineradiography and videofluoroscopy of the spine are considered investigational.")
    assert {"billing-guidelines", "billing-codes"} <= set(policy.passages)
    for cid in ("okawa-1998", "takayanagi-2001", "zheng-2004", "bcbsa-mprm-6.01.46", "ecri-2008"):
        entry = library.get(cid)
        assert entry.use == "reference-only" and not entry.passages
    assert "6.01.46" in library.get("bcbsa-mprm-6.01.46").reference
    qa = library.get("qa-digital-motion-fluoroscopy")
    assert qa.use == "explicit-only" and "not named" in qa.attribution


def test_the_qa_is_kept_out_of_a_letter_unless_the_template_lists_it(make_case):
    case = make_case({"appeal.citations": [{"id": "qa-digital-motion-fluoroscopy", "passage": "answer"}]},
                     base=SAMPLES / "generic-reconsideration.yaml")
    with pytest.raises(CitationError) as info:
        prepare(case, Settings())
    assert "may be quoted only by a template that lists it under 'citations'" in str(info.value)


@pytest.mark.parametrize("kind, code", [("carc", "189"), ("carc", "4"), ("rarc", "N211"), ("rarc", "ma130")])
def test_codes_prints_the_official_description_and_its_source(run, kind, code):
    result = run("codes", kind, code)
    assert result.exit_code == 0
    entry = CODES[kind][code.upper()]
    assert result.stdout.splitlines()[0] == f"{kind.upper()} {code.upper()}: {entry['description']}"
    assert "retrieved 2026-11-27" in result.stdout
    document = json.loads(run("codes", kind, code, "--json").stdout)
    assert document["description"] == entry["description"] and document["source"]["commit"]


@pytest.mark.parametrize("kind, code", [("carc", "999"), ("rarc", "N9999"), ("carc", "42")])
def test_a_code_not_in_the_table_is_never_described(run, kind, code):
    result = run("codes", kind, code)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{kind.upper()} {code} is not in the table this version ships" in result.stderr


@pytest.mark.parametrize("typed", ["CO-189", "co189", "PR 189"])
def test_a_carc_typed_with_its_group_as_remittances_show_it_is_found(run, typed):
    result = run("codes", "carc", typed)
    assert result.exit_code == 0 and result.stdout.startswith("CARC 189: ")
    assert run("codes", "rarc", "CO-N211").exit_code == 2  # a remark code has no group


def test_a_citations_folder_that_does_not_exist_is_an_error_as_a_templates_one_is(run, tmp_path):
    for args in (("citations", "list"), ("citations", "export"), ("generate", SAMPLES / "upmc-76496-specific-code.yaml",
                                                                  "-o", tmp_path / "out")):
        result = run(*args, "--citations", tmp_path / "nosuchdir")
        assert result.exit_code == 2, args
        assert f"{tmp_path / 'nosuchdir'}: the citations folder does not exist" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_yml_citation_file_is_read_as_a_yaml_one(run, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "policy.yml").write_text("id: my-policy\nkind: policy\ntitle: A policy (sample)\nattribution: Mine\n"
                                       "reference: Mine\npassages:\n  - id: p\n    text: \"x\"\n", encoding="utf-8")
    result = run("citations", "show", "my-policy", "--citations", folder)
    assert result.exit_code == 0, result.stderr
    assert "A policy (sample)" in result.stdout


def test_search_matches_a_typed_apostrophe_and_quote_against_the_librarys_curly_ones(run):
    """The library keeps the sources' typography (’ “ ” –); a biller types ' and " and -."""
    curly = run("citations", "search", "Coder’s Desk Reference", "--json")
    straight = run("citations", "search", "Coder's Desk Reference", "--json")
    assert curly.exit_code == straight.exit_code == 0
    assert json.loads(straight.stdout)["results"] and json.loads(straight.stdout) == json.loads(curly.stdout)


def test_an_empty_search_is_refused_rather_than_listing_everything(run):
    result = run("citations", "search", "  ", "--json")
    assert result.exit_code == 2 and json.loads(result.stdout)["errors"][0]["message"] == "is empty"


def test_a_user_entry_that_replaces_a_built_in_one_is_said_when_a_letter_quotes_it(run, tmp_path):
    """A user file may give an id the built-in library has (an updated descriptor): the letter quotes the user's,
    and generate says so, naming the file, so a typo there is not sent as CPT's wording unnoticed."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "cpt.yaml").write_text("id: cpt-76120\nkind: descriptor\ntitle: t\nattribution: Mine (sample)\n"
                                     "reference: Mine (sample)\npassages:\n  - id: descriptor\n"
                                     "    text: \"Cineradiography/videoradiography, exept where specifically included\"\n",
                                     encoding="utf-8")
    result = run("generate", SAMPLES / "upmc-76496-specific-code.yaml", "-o", tmp_path / "out", "--citations",
                 folder, "--date", "2026-11-27")
    assert result.exit_code == 0, result.stderr
    assert (f"warning: {folder / 'cpt.yaml'}: citation 'cpt-76120' replaces the built-in library's entry of that "
            "id; the letter quotes yours") in result.stderr
    plain = run("generate", SAMPLES / "upmc-76496-specific-code.yaml", "-o", tmp_path / "out2", "--date",
                "2026-11-27")
    assert "replaces the built-in" not in plain.stderr


def test_a_citation_files_problems_come_in_one_run_duplicate_ids_with_the_rest(run, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "f.yaml").write_text("citations:\n  - {id: a, kind: policy, title: t, passages: [{id: p, text: x}]}\n"
                                   "  - {id: a, kind: policy, title: t, attribution: x, reference: x, "
                                   "passages: [{id: p, text: x}]}\n", encoding="utf-8")
    result = run("citations", "list", "--citations", folder, "--json")
    assert result.exit_code == 2
    said = {(e["line"], e["field"], e["message"]) for e in json.loads(result.stdout)["errors"]}
    assert said == {(2, "citations[0].attribution", "is required"), (2, "citations[0].reference", "is required"),
                    (3, "citations[1].id", "the id 'a' is also used in this file at line 2")}
