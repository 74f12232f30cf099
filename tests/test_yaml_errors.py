"""A YAML mistake in a case file is told in a biller's words: the line to look at, what is wrong there and what
to write instead, never YAML's own vocabulary ("<block end>", "scalar", "token")."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from appeal.cli import cli
from appeal.errors import CaseError
from appeal.inputs.yamlread import load_yaml, syntax_problem

# (text, the line named, words the message holds, words what is accepted holds)
MISTAKES = {
    "a tab": ("claim:\n\tid: A1\n", 2, "never with tabs", "spaces"),
    "an unquoted ': '": ("claim:\n  id: A1\n  note: see: this\n", 3, "is not in quotes", 'key: "a value: in quotes"'),
    "a line indented too far": ("claim:\n  id: A1\n   note: x\n", 3, "indented more than the one above", "in quotes"),
    "a key without its colon": ("claim:\n  id A1\n  note: x\n", 3, "lacks its ':'", "in quotes"),
    "an unclosed quote": ('claim:\n  id: "A1\n  note: x\n', 2, "never closed", "matching quotes"),
    "a quote inside quotes": ("claim:\n  note: 'O'Brien'\n", 2, "a quote inside a quoted value ends it", "'O''Brien'"),
    "a value starting with @": ("claim:\n  id: @A1\n", 2, "begins with @", '"@..."'),
    "a value starting with a backquote": ("claim:\n  id: `A1`\n", 2, "begins with `", "in quotes"),
    "a value starting with &": ("claim:\n  name: & Co\n", 2, "begins with & or *", "in quotes"),
    "a section indented less": ("claim:\n    id: A1\n  note: x\n", 3, "indented differently", "same column"),
    "a list item out of line": ("claim:\n  lines:\n    - code: 1\n    code: 2\n", 4, "indented differently",
                                "'- '"),
    "a second document": ("claim:\n  id: 1\n---\nother: 2\n", 3, "second YAML document", "'---' line removed"),
    "an unclosed bracket": ("claim:\n  name: [Co\n", 2, "never closed", "closing bracket"),
    "a backslash in double quotes": ('claim:\n  path: "C:\\q"\n', 2, "starts an escape", "single quotes"),
}
JARGON = ("<block end>", "<scalar>", "token", "stream", "block mapping", "flow")


@pytest.mark.parametrize("name", list(MISTAKES))
def test_each_mistake_names_its_line_and_what_to_write(name, tmp_path):
    text, line, words, accepted = MISTAKES[name]
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(case)])
    assert result.exit_code == 2
    (message,) = [m for m in result.stderr.splitlines() if m.startswith("error:")]
    assert message.startswith(f"error: {case}:{line}: YAML syntax error: ")
    assert words in message and "(accepted: " in message and accepted in message.split("(accepted: ", 1)[1]
    assert not any(term in message for term in JARGON), message


def test_an_error_this_does_not_know_keeps_yamls_words():
    error = yaml.MarkedYAMLError(problem="something new", problem_mark=yaml.Mark("case.yaml", 0, 4, 0, None, None))
    assert syntax_problem(error) == (5, "something new", "valid YAML")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab: -'\"\t\n[]{}&*@`%#|>!\\", max_size=40))
def test_any_text_is_read_or_refused_with_a_line_never_a_traceback(tmp_path_factory, text):
    case = tmp_path_factory.mktemp("y") / "case.yaml"
    case.write_text(text, encoding="utf-8")
    try:
        load_yaml(case, CaseError)
    except CaseError as exc:
        for problem in exc.problems:
            assert problem.file == str(case) and problem.message and problem.accepted
            assert problem.line is None or 1 <= problem.line <= text.count("\n") + 1


@pytest.mark.parametrize("value, tag", [("!Jane Q. Sample", "!Jane"), ("!!int 5", "!!int"), ("!!binary aGk=", "!!binary")])
def test_a_value_yaml_reads_as_tagged_is_refused_not_shortened(value, tag, tmp_path):
    """``name: !Jane Q. Sample`` is, to YAML, "Q. Sample" tagged ``!Jane``: the letter would lose the first name."""
    case = tmp_path / "case.yaml"
    case.write_text(f"patient:\n  name: {value}\n", encoding="utf-8")
    with pytest.raises(CaseError) as refused:
        load_yaml(case, CaseError)
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (2, "patient.name")
    assert f"begins with {tag}, which YAML reads as a tag" in problem.message and "in quotes" in problem.accepted


def test_a_quoted_value_and_the_plain_string_tag_are_text(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text('patient:\n  name: "!Jane Q. Sample"\n  id: !!str 007\n', encoding="utf-8")
    assert load_yaml(case, CaseError).data == {"patient": {"name": "!Jane Q. Sample", "id": "007"}}


def test_a_hash_after_a_space_that_reads_like_part_of_the_value_is_refused(tmp_path):
    """``Suite #200`` is, to YAML, "Suite" and a comment: the payer's letter would lose the suite number."""
    case = tmp_path / "case.yaml"
    case.write_text("provider:\n  address:\n    - 1 Main St, Suite #200\n    - Pittsburgh, PA 15000  # a comment\n"
                    "  name: Clinic ##not-a-value\n  phone: \"412-555-0100 #2\"\n", encoding="utf-8")
    with pytest.raises(CaseError) as refused:
        load_yaml(case, CaseError)
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (3, "provider.address[0]")
    assert "the '#' in column 24 starts a YAML comment" in problem.message and "Suite" not in problem.message
    assert '"Suite #200"' in problem.accepted


def test_comments_written_as_comments_are_read_as_before(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text("# a case\nclaim:  # the claim\n  id: A1   # its number\n  note: 'x #1'  #2\n  ref: A#3\n",
                    encoding="utf-8")
    assert load_yaml(case, CaseError).data == {"claim": {"id": "A1", "note": "x #1", "ref": "A#3"}}
