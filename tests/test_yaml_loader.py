"""libyaml composes every YAML file we read into the same nodes, with the same line marks, as PyYAML's
pure-Python loader; and a file libyaml rejects still gets the pure loader's error and line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from appeal.errors import CaseError
from appeal.inputs import yamlread
from appeal.inputs.yamlread import compose_nodes, load_yaml

from conftest import ROOT

pytestmark = pytest.mark.skipif(yamlread.FAST_LOADER is None, reason="PyYAML was built without libyaml")


def _tree(node):
    """A node as plain data: kind, value and where it starts."""
    if node is None:
        return None
    where = (node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.ScalarNode):
        return ("scalar", node.value, node.style or None, where)  # libyaml says "" for plain, PyYAML None
    if isinstance(node, yaml.SequenceNode):
        return ("sequence", [_tree(item) for item in node.value], where)
    return ("mapping", [(_tree(k), _tree(v)) for k, v in node.value], where)


def _front_matter(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("---", 2)[1]


def _documents():
    for folder in ("samples", "citations", "appeal/data", "tests/data"):
        for path in sorted((ROOT / folder).rglob("*.yaml")):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8-sig")
    for path in sorted((ROOT / "templates").rglob("*.md")):
        if path.read_text(encoding="utf-8").startswith("---"):
            yield path.relative_to(ROOT).as_posix(), _front_matter(path)


TRICKY = {
    "block scalars": "a: |\n  one\n  two\nb: >-\n  folded\n  text\n\nc: |+\n  kept\n\n",
    "flow and quotes": "x: {a: 1, 'b': \"two\", c: [3, '4', \"5\"]}\ny: 'it''s'\nz: \"\\u00e9\\t\"\n",
    "plain multi-line": "note: this is\n  one long\n  plain scalar\nnext: -not a list, ok\n",
    "anchors": "base: &b {k: v}\nother: *b\nlist: [&x 1, *x]\n",
    "empty values": "a:\nb: ~\nc: ''\nd: []\ne: {}\n",
    "unicode and comments": "# comment\nname: José Núñez-Ørsted  # trailing\ncode: 00100\nflag: NO\n",
    "nested lists": "lines:\n- date: 2026-01-02\n  modifiers: [59, XS]\n-   code: '76496'\n    units: 1\n",
}


@pytest.mark.parametrize("name,text", list(_documents()) + list(TRICKY.items()),
                         ids=[n for n, _ in _documents()] + list(TRICKY))
def test_libyaml_composes_what_the_pure_loader_composes(name, text):
    fast, fast_edges = compose_nodes(text, allow_aliases=True, fast=True)
    pure, pure_edges = compose_nodes(text, allow_aliases=True, fast=False)
    assert _tree(fast) == _tree(pure)
    assert len(fast_edges) == len(pure_edges)


BROKEN = {
    "bad indentation": "patient:\n  name: A\n bad: 1\n",
    "unclosed quote": "patient:\n  name: \"A\n",
    "tab indentation": "patient:\n\tname: A\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "mapping in a plain scalar": "a: b: c\n",
    "unclosed flow": "a: [1, 2\nb: 3\n",
    "nested too deep": "a:\n" + "".join("  " * i + f"- k{i}:\n" for i in range(1, 40)) + "  " * 40 + "- x\n",
    "nested too deep in flow": "a: " + "[" * 40 + "]" * 40 + "\n",
    "a list where a value is": "next: - not a list\n",
}


@pytest.mark.parametrize("text", list(BROKEN.values()), ids=list(BROKEN))
def test_a_broken_file_gets_the_pure_loaders_error_and_line(tmp_path, text, monkeypatch):
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseError) as fast:
        load_yaml(path, CaseError)
    monkeypatch.setattr(yamlread, "FAST_LOADER", None)
    with pytest.raises(CaseError) as pure:
        load_yaml(path, CaseError)
    assert str(fast.value) == str(pure.value)
    assert str(fast.value).startswith(f"{path}:")


def test_a_case_file_with_an_ampersand_in_a_name_is_composed_by_libyaml(monkeypatch):
    used = []
    compose = yaml.compose
    monkeypatch.setattr(yamlread.yaml, "compose", lambda text, Loader: used.append(Loader) or compose(text, Loader))
    text = (ROOT / "samples" / "upmc-76496-specific-code.yaml").read_text(encoding="utf-8")
    assert "Spine & Motion" in text
    load_yaml(ROOT / "samples" / "upmc-76496-specific-code.yaml", CaseError)
    assert used == [yamlread.FAST_LOADER]


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x\n", "a: [&x 1, *x]\n", "a: {k: &x v}\n"])
def test_anchors_and_aliases_are_left_to_the_bounded_loader(tmp_path, text):
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseError) as refused:
        load_yaml(path, CaseError)
    assert "takes no YAML anchors or aliases" in str(refused.value) and f"{path}:1:" in str(refused.value)
