"""An address typed as ``[12 Main St, Springfield, PA 15000]`` is three lines to YAML: the city's line cut at its
comma would print the city and the state on two lines in the envelope's window. Such a split is refused with the
file, the line, the field and the line as it should be written; a quoted line, or a line per item, is read as is."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appeal.errors import CaseError, WorkspaceError
from appeal.inputs.case import load_case
from appeal.inputs.workspace import load_workspace

from conftest import UPMC

CASE = UPMC.read_text(encoding="utf-8")
PAYER = '  id: "SAMPLE-UPMC"\n'


def case_with(tmp_path: Path, address: str) -> Path:
    assert PAYER in CASE
    path = tmp_path / "case.yaml"
    path.write_text(CASE.replace(PAYER, PAYER + f"  address: {address}\n"), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_a_city_line_cut_at_its_comma_is_refused_with_its_line(tmp_path):
    path = case_with(tmp_path, "[PO Box 100, Pittsburgh, PA 15000]")
    with pytest.raises(CaseError) as refused:
        load_case(path)
    (problem,) = refused.value.problems
    assert (problem.file, problem.line, problem.field) == (str(path), line_of(path, "PO Box 100"), "payer.address[2]")
    assert problem.message == ("'Pittsburgh' and 'PA 15000' are read as two lines of the address, the city's line "
                               "cut in two (in [...] a comma separates lines)")
    assert problem.accepted == 'one line, in quotes: "Pittsburgh, PA 15000"'


@pytest.mark.parametrize("address, lines", [
    ('[PO Box 100, "Pittsburgh, PA 15000"]', ("PO Box 100", "Pittsburgh, PA 15000")),
    ('\n    - PO Box 100\n    - Pittsburgh, PA 15000-1234', ("PO Box 100", "Pittsburgh, PA 15000-1234")),
    ("[Attn Appeals, PA 15000 Unit]", ("Attn Appeals", "PA 15000 Unit")),  # not a state and ZIP alone
])
def test_an_address_written_as_lines_is_read_as_written(tmp_path, address, lines):
    assert load_case(case_with(tmp_path, address)).payer.address == lines


def test_a_split_line_in_the_practice_profile_names_the_profile(tmp_path):
    (tmp_path / "appeal.yaml").write_text("practice:\n  letterhead:\n    address: [1 Main St, Springfield, PA 15000]\n",
                                          encoding="utf-8")
    with pytest.raises(WorkspaceError) as refused:
        load_workspace(tmp_path)
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (3, "practice.letterhead.address[2]")
    assert problem.accepted == 'one line, in quotes: "Springfield, PA 15000"'


@settings(max_examples=50, deadline=None)
@given(city=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .'-", min_size=1, max_size=30)
       .map(str.strip).filter(lambda c: c and c[0].isalpha()),
       state=st.sampled_from(["PA", "NY", "TX", "CA"]), zip_code=st.from_regex(r"\d{5}(-\d{4})?", fullmatch=True))
def test_any_city_cut_from_its_state_and_zip_is_caught(tmp_path_factory, city, state, zip_code):
    path = case_with(tmp_path_factory.mktemp("case"), f"[PO Box 1, {city}, {state} {zip_code}]")
    with pytest.raises(CaseError) as refused:
        load_case(path)
    assert refused.value.problems[0].accepted == f'one line, in quotes: "{city}, {state} {zip_code}"'
