"""The README's case table says what ``appeal/inputs/schema.py`` declares: every key, which are required,
the defaults and the choices. A key added, renamed or made required without the README fails here."""

from __future__ import annotations

import re

from appeal.inputs.schema import CASE_KEYS, Key

from conftest import ROOT

NAMED = re.compile(r"^([a-z_]+)(?:: \{([a-z_, ]+)\})?$")
ITEMS = re.compile(r"^\[\{([a-z_, ]+)\}\]$")


def case_table() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## The case file"):]
    rows = re.findall(r"^\| `([^`]+)` \| (.*) \|$", section[: section.index("\n\n", section.index("| field |"))],
                      re.MULTILINE)
    return dict(rows)


def named_tokens(rule: str) -> tuple[list[str], dict[str, set[str]]]:
    """The key names a row's rule names, and the keys of sections it spells out inline."""
    names: list[str] = []
    inline: dict[str, set[str]] = {}
    for token in re.findall(r"`([^`]+)`", rule):
        if (found := NAMED.match(token)) is not None:
            names.append(found.group(1))
            if found.group(2):
                inline[found.group(1)] = {k.strip() for k in found.group(2).split(",")}
        elif (found := ITEMS.match(token)) is not None and names:
            inline[names[-1] + "[]"] = {k.strip() for k in found.group(1).split(",")}
    return names, inline


def test_every_top_level_key_has_a_row():
    rows = case_table()
    for key in CASE_KEYS[""]:
        assert (key.name + "[]" if key.kind == "items" else key.name) in rows, key.name


def test_each_row_names_its_sections_keys_their_choices_and_defaults():
    rows = case_table()
    spelled_inline: dict[str, set[str]] = {}
    for section, keys in CASE_KEYS.items():
        if section not in rows:
            continue
        rule = rows[section]
        names, inline = named_tokens(rule)
        spelled_inline.update({f"{section}.{name}": sub for name, sub in inline.items()})
        choices = {c for key in keys for c in key.choices}
        declared = {key.name for key in keys}
        assert declared <= set(names), (section, declared - set(names))
        assert set(names) <= declared | choices, (section, set(names) - declared - choices)
        required = {key.name for key in keys if key.required}
        said_required = set(named_tokens(rule.split("required")[0])[0]) if "required" in rule else set()
        assert said_required == required, (section, said_required, required)
        for key in keys:
            _says(rule, key, section)
    for section, keys in CASE_KEYS.items():
        if section and section not in rows:
            assert spelled_inline.get(section) == {k.name for k in keys}, section


def _says(rule: str, key: Key, section: str) -> None:
    for choice in key.choices:
        assert choice in rule, (section, key.name, choice)
    if key.default is not None:
        assert f"default {key.default}" in rule, (section, key.name, key.default)
