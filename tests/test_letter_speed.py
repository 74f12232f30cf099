"""What a letter's build remembers between letters gives the same answers as working each out anew.

Plain paragraphs are parsed alone and kept by their text (``compose._to_blocks``), the sandbox keeps each
(type, attribute) pair's safety, the verdict searches its enclosure patterns around "enclosed" only,
and ISO dates skip ``strptime``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2.sandbox import ImmutableSandboxedEnvironment

from appeal.checks.verdict import ANNOUNCED, announces
from appeal.inputs.fields import parse_date
from appeal.letters import compose
from appeal.letters.compose import _Composer, _parsed_blocks, _to_blocks, parser
from appeal.letters.document import Paragraph, Run
from appeal.letters.sandbox import LetterEnvironment
from test_compose import letter_for

from conftest import UPMC


class _Meta:
    file = Path("templates/x.md")
    id = "x"


def _composer() -> _Composer:
    composer = _Composer(case=None, library=None, meta=_Meta())  # type: ignore[arg-type]
    composer.placeholder(lambda: Paragraph((Run("placed"),), style="address"))
    return composer


PIECES = ["Dear Reviewer:", "Ann \\*Bo\\*", "**bold** and *it*", "## Why", "# x", "#nohash", "- item", "* item",
          "+ item", "1. one", "2) two", "    code", "  two spaces", "\tcode", "> quote", "---", "***", "___",
          "===", "```", "~~~", "<div>", "[ref]: /url", "[ref]", "a | b", "|---|", "text [link](x) more",
          "![img](x)", "`code`", "line  ", "back\\", "&amp; &copy;", "2024 was a year", "10.5 units", "\u00a0x",
          "APPEALBLOCK{nonce}N0", "APPEALBLOCKffffffffN0", "x APPEALBLOCK{nonce}N0", "", "", "", " ", "\t",
          "Jane Q\\. Sample \\(sample\\)", "SAMPLE\\-2026\\-000123\\.", "\\\\", "\\\\*x*", "\\ x", "a\\",
          "ends in two  ", "ends in one ", "ends in three   ", "### Enclosures", "## x ##", "## x \\#", "####### 7",
          "#", "## ", "#\\x", "Thank you!", "it's 100% \"quoted\" @ $5 {x} ^ + = :", "\u2003x\u2003", "x\u00a0 "]


@pytest.mark.parametrize("seed", range(40))
def test_paragraphs_parsed_alone_give_the_blocks_of_the_whole_text(seed):
    rng = random.Random(seed)
    for _ in range(50):
        composer = _composer()
        text = "\n".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12))).replace("{nonce}", composer.nonce)
        try:
            whole: object = _parsed_blocks(parser().parse(text), composer, _Meta())  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - the same error, whichever way
            whole = (type(exc), str(exc))
        try:
            alone: object = _to_blocks(text, composer, _Meta())  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            alone = (type(exc), str(exc))
        assert alone == whole, text


# What users and the templates type into a paragraph: text, escapes (the case's facts come escaped), the
# characters inline Markdown starts with, spaces of every width and line ends.
_PLAIN_ALPHABET = "ab .,!#\\*_`<>&[]()-|~\t\n\u00a0\u2003é"
_PLAIN_PIECES = ["Jane", " ", "  ", "\n", "\n", "#", "## ", "### ", "\\.", "\\(", "\\\\", "\\#", "\\*", "\\", "!",
                 "Q.", "76120", "*", "\u00a0"]
_PARAGRAPHS = st.one_of(st.text(alphabet=_PLAIN_ALPHABET, min_size=1, max_size=40),
                        st.lists(st.sampled_from(_PLAIN_PIECES), min_size=1, max_size=16).map("".join))


@settings(max_examples=1500, deadline=None)
@given(_PARAGRAPHS)
def test_a_plain_paragraph_read_without_markdown_it_gives_markdown_its_blocks(text):
    """compose._plain_blocks answers for a paragraph only when its blocks are markdown-it's, else None."""
    chunks = compose._chunks(text)
    for chunk in chunks or []:
        plain = compose._plain_blocks(chunk)
        if plain is None:
            continue
        assert plain == tuple(_parsed_blocks(parser().parse(chunk), None, None)), chunk


def test_a_letter_of_plain_paragraphs_is_made_without_markdown_it(tmp_path):
    """The sample letter's paragraphs are text, escapes and headings: a process making it never imports
    markdown-it (a cold command skips its import); a letter with a list does."""
    script = (
        "import sys\n"
        "from appeal.commands.generate import validate\n"
        "validate(sys.argv[1])\n"
        "print('markdown_it' in sys.modules)\n"
    )
    env = {**os.environ, "APPEAL_NO_CACHE": "1"}
    done = subprocess.run([sys.executable, "-c", script, str(UPMC)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, check=True)
    assert done.stdout.strip() == "False"
    assert compose._plain_blocks("- item") is None and compose._plain_blocks("a *b*") is None


def test_a_plain_letters_paragraphs_are_parsed_once_per_process(make_case):
    compose._cached_chunk.cache_clear()
    first = letter_for(make_case())
    parsed = compose._cached_chunk.cache_info()
    again = letter_for(make_case())
    assert again.as_dict() == first.as_dict()
    info = compose._cached_chunk.cache_info()
    assert parsed.misses > 0 and info.misses == parsed.misses and info.hits >= parsed.misses


def test_placeholders_are_never_kept():
    compose._cached_chunk.cache_clear()
    composer = _composer()
    _to_blocks(f"Hello\n\nAPPEALBLOCK{composer.nonce}N0\n\nAPPEALBLOCKffffffffN0 x\n", composer, _Meta())
    assert compose._cached_chunk.cache_info().currsize == 1  # "Hello" only


class _Thing:
    name = "x"
    _private = "y"


@pytest.mark.parametrize("obj", [_Thing(), "text", [1], {"a": 1}, Path("/etc/passwd"), len, str.upper,
                                 "x".upper, _Thing, jinja2.Undefined(), (1, 2), {1}, dt.date(2024, 1, 5)])
@pytest.mark.parametrize("attr", ["name", "_private", "__class__", "upper", "append", "pop", "update", "mro",
                                  "parent", "read_text", "__globals__", "func_code", "year", "add", "missing"])
def test_attribute_safety_remembered_is_jinjas_answer(obj, attr):
    env = LetterEnvironment()
    expected = not isinstance(obj, Path) and ImmutableSandboxedEnvironment().is_safe_attribute(obj, attr, None)
    assert [env.is_safe_attribute(obj, attr, None) for _ in range(2)] == [expected, expected]
    if type(obj) is obj.__class__:
        assert env._safe_attributes[type(obj), attr] is expected


def test_a_paths_attributes_stay_refused_in_a_template():
    env = LetterEnvironment(undefined=jinja2.StrictUndefined)
    template = env.from_string("{{ x.upper() }}{{ p.name }}")
    with pytest.raises(jinja2.exceptions.SecurityError):
        template.render(x="a", p=Path("/etc/passwd"))
    with pytest.raises(jinja2.exceptions.SecurityError):
        template.render(x="b", p=Path("/etc/passwd"))


def test_enclosure_patterns_searched_around_enclosed_find_what_a_whole_search_finds():
    rng = random.Random(7)
    words = ["enclosed", "Enclosed", "ENCLOSED", "encloſed", "corrected", "new", "claim", "is", "are", "records",
             "record", "report", "radiology", "authorization", "x" * 50, ".", "\n", "the", "enclosedd", "xenclosed"]
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(words) + rng.choice(["", " ", "  ", ".", "_"]) for _ in range(rng.randint(1, 30)))
        for pattern, _what, _words in ANNOUNCED:
            whole = pattern.search(text) is not None
            found += whole
            assert announces(pattern, text) is whole, (text, pattern.pattern)
    assert found > 100


@pytest.mark.parametrize("text", ["2024-01-05", " 2024-01-05 ", "2024-02-30", "2024-02-29", "2023-02-29", "0000-01-01",
                                  "9999-12-31", "2024-1-5", "2024-13-01", "2024-00-10", "01/05/2024", "1/5/2024",
                                  "2024-01-05x", "20240105", "2024-01-05T00:00", "٢٠٢٤-٠١-٠٥", "", "soon"])
def test_iso_dates_read_as_strptime_reads_them(text):
    def strptime(value: str):
        for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
            try:
                return dt.datetime.strptime(value.strip(), pattern).date()
            except ValueError:
                continue
        return None

    assert parse_date(text) == strptime(text)



def test_escape_by_table_is_the_pattern_substitution():
    from appeal.letters.templates import _MD_SPECIAL, escape

    assert not [c for c in map(chr, range(128, 0x110000)) if _MD_SPECIAL.fullmatch(c)]
    rng = random.Random(3)
    alphabet = [chr(i) for i in range(32, 127)] + ["é", "ſ", "\u00a0", "\t", "\n", "中"]
    for _ in range(2000):
        text = " ".join("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))).split())
        assert escape(text) == _MD_SPECIAL.sub(r"\\\1", text)


def _tree(rng: random.Random, depth: int, shared: list):
    import yaml

    mark = yaml.Mark("x", 0, depth, 0, None, None)
    if shared and rng.random() < 0.01:  # an alias: a node met again
        return rng.choice(shared)
    roll = rng.random()
    if depth > 40 or roll < 0.4 or len(shared) > 300:  # a few hundred nodes, some deeper than the limit
        node = yaml.ScalarNode("tag:yaml.org,2002:str", "v", mark, mark)
    elif roll < 0.7:
        node = yaml.SequenceNode("tag:yaml.org,2002:seq", [_tree(rng, depth + 1, shared)
                                                           for _ in range(rng.randint(0, 3))], mark, mark)
    else:
        node = yaml.MappingNode("tag:yaml.org,2002:map", [(_tree(rng, depth + 1, shared), _tree(rng, depth + 1, shared))
                                                          for _ in range(rng.randint(0, 3))], mark, mark)
    shared.append(node)
    return node


def test_the_depth_check_by_levels_answers_as_the_search_in_document_order():
    from appeal.inputs import yamlread

    def answer(check, root):
        try:
            return check(root)
        except yamlread._Refused as exc:
            return exc.line, exc.message

    rng = random.Random(11)
    answers = set()
    for _ in range(1500):
        shared: list = []
        root = _tree(rng, 1, shared)
        fast, slow = answer(yamlread._check_depth, root), answer(yamlread._check_depth_in_order, root)
        assert fast == slow
        answers.add(type(fast))
    assert answers == {bool, tuple} and yamlread._check_depth(None) is True
