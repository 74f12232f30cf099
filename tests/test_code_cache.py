"""The compiled code a command's imports keep in the cache folder (``appeal/coldstart.py``): dataclass methods
and import-time regular expressions. With it or without it, the same classes, patterns, letters and findings;
a damaged entry is passed over and written anew; ``APPEAL_NO_CACHE=1`` writes nothing; it holds code only."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import marshal
import os
import re
import subprocess
import sys
import warnings
from array import array
from pathlib import Path

import pytest

from appeal import coldstart

from conftest import ROOT, UPMC

# Runs ``appeal`` as ``python -m appeal`` does, then prints (marshal, hex, on the last line of stderr) every
# generated method of every dataclass in appeal's modules and whether this process used / added to the entry.
_RUN = """
import dataclasses, marshal, runpy, sys
sys.argv = ["appeal", *sys.argv[1:]]
code = 0
try:
    runpy.run_module("appeal", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
from appeal import coldstart
methods = {}
for name, module in sorted(sys.modules.items()):
    if name.startswith("appeal"):
        for cls in vars(module).values():
            if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == name:
                for attr, value in vars(cls).items():
                    if getattr(getattr(value, "__code__", None), "co_filename", "") == "<string>":
                        methods[f"{name}.{cls.__qualname__}.{attr}"] = value.__code__
state = (code, len(coldstart._used), bool(coldstart._state.get("new")) or coldstart._state.get("new_patterns", 0) >= coldstart.FEW,
         bool(coldstart._state))
print(marshal.dumps((methods, state)).hex(), file=sys.stderr)
"""


def _appeal(cache: Path | None, *args: str) -> tuple[subprocess.CompletedProcess, dict, tuple]:
    env = dict(os.environ)
    env.pop("APPEAL_NO_CACHE", None)
    if cache is None:
        env["APPEAL_NO_CACHE"] = "1"
    else:
        env["APPEAL_CACHE_DIR"] = str(cache)
    done = subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True, cwd=ROOT, env=env)
    methods, state = marshal.loads(bytes.fromhex(done.stderr.strip().splitlines()[-1]))
    return done, methods, state


def _entry(cache: Path) -> Path:
    [entry] = (cache / "code").glob("startup-*.marshal")
    return entry


def _validate(cache: Path | None) -> tuple[dict, tuple, dict]:
    done, methods, state = _appeal(cache, "validate", str(UPMC), "--date", "2026-11-27", "--json")
    return json.loads(done.stdout), state, methods


def test_with_and_without_the_cache_the_same_methods_letters_and_findings(tmp_path):
    cache = tmp_path / "cache"
    plain, plain_state, plain_methods = _validate(None)
    first, first_state, first_methods = _validate(cache)  # compiles, and keeps what it compiled
    warm, _, warm_methods = _validate(cache)  # the other caches warm: a module or two fewer imported
    again, again_state, again_methods = _validate(cache)  # reads everything back
    assert plain == first == warm == again and plain_state[0] == again_state[0] == 0
    assert plain_state[3] is False and first_state[2] is True  # off without the cache; the first run writes
    assert again_state[2] is False and again_state[1] > 300  # nothing new compiled: all from the entry
    assert len(plain_methods) > 200 and plain_methods == first_methods and again_methods == warm_methods
    assert len(again_methods) > 200 and {name: plain_methods[name] for name in again_methods} == again_methods
    letters = {}
    for name, where in (("plain", None), ("kept", cache)):
        folder = tmp_path / name
        done, _, state = _appeal(where, "generate", str(UPMC), "-o", str(folder), "--date", "2026-11-27")
        assert state[0] == 0, done.stderr
        letters[name] = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert len(letters["plain"]) == 2 and letters["plain"] == letters["kept"]  # the DOCX and PDF, byte for byte


def test_kept_patterns_are_the_patterns_re_compiles(tmp_path):
    cache = tmp_path / "cache"
    _validate(cache)
    _, (_, codes, patterns, _) = marshal.loads(_entry(cache).read_bytes()[32:])
    assert len(patterns) > 100
    import re._compiler as compiler  # the original, whatever this process has installed

    original = coldstart._state.get("original_compile", compiler.compile)
    assert any(type(pattern) is bytes for pattern, _ in patterns) and any(type(p) is str for p, _ in patterns)
    for (pattern, flags), (final, code, groups, groupindex, indexgroup) in patterns.items():
        made = compiler._sre.compile(pattern, final, array(coldstart._CODE, code).tolist(), groups, groupindex,
                                     indexgroup)
        compiled = original(pattern, flags)
        assert made == compiled and made.flags == compiled.flags and made.groups == compiled.groups
        assert made.groupindex == compiled.groupindex
    for text, code in codes.items():
        assert text.startswith("def __create_fn__(") and code == compile(text, "<string>", "exec", dont_inherit=True)


def _damages(content: bytes) -> list[bytes]:
    flipped = bytearray(content)
    flipped[len(flipped) // 2] ^= 0xFF
    body = marshal.dumps(("another key", (1, {}, {}, {})))
    return [b"", content[:20], content[: len(content) // 2], bytes(flipped), hashlib.sha256(body).digest() + body]


def test_a_damaged_entry_is_passed_over_and_written_anew(tmp_path):
    cache = tmp_path / "cache"
    _validate(cache)
    expected, _, methods = _validate(cache)  # the other caches warm
    entry = _entry(cache)
    _, (_, codes, patterns, _) = marshal.loads(entry.read_bytes()[32:])
    for damaged in _damages(entry.read_bytes()):
        entry.write_bytes(damaged)
        found, state, again = _validate(cache)
        assert found == expected and again == methods and state[2] is True  # all compiled as without it
        content = _entry(cache).read_bytes()
        assert hashlib.sha256(content[32:]).digest() == content[:32]
        _, (_, codes_again, patterns_again, _) = marshal.loads(content[32:])
        assert len(codes_again) > 300 and codes_again.items() <= codes.items()  # what this run's imports made
        assert len(set(patterns_again) - set(patterns)) < coldstart.FEW  # but a pattern or two made from a set,
        # whose order differs from process to process


def test_no_cache_writes_nothing(tmp_path):
    env = dict(os.environ, APPEAL_NO_CACHE="1", APPEAL_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-m", "appeal", "generate", str(UPMC), "-o", str(tmp_path / "out"),
                           "--date", "2026-11-27"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr  # written (its review finding shown)
    assert len(list((tmp_path / "out").iterdir())) == 2 and not (tmp_path / "cache").exists()


def test_the_entry_holds_code_and_no_case_data(tmp_path):
    cache = tmp_path / "cache"
    _appeal(cache, "generate", str(UPMC), "-o", str(tmp_path / "out"), "--date", "2026-11-27")
    entry = _entry(cache)
    content = entry.read_bytes()
    assert entry.stat().st_mode & 0o777 == 0o600 and entry.parent.stat().st_mode & 0o777 == 0o700
    for phi in ("Jane Q. Sample", "0012345678", "SAMPLE-2026-000123", "Sample", "Riverside"):
        assert phi.encode() not in content and phi.encode("utf-16-le") not in content


@pytest.fixture
def hooks(tmp_path, monkeypatch):
    """The hooks installed in this process over an empty cache folder, and taken off after."""
    was_on = bool(coldstart._state)
    coldstart.uninstall()
    monkeypatch.setenv("APPEAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("APPEAL_NO_CACHE", raising=False)
    assert coldstart.install()
    yield tmp_path / "cache"
    coldstart.uninstall()
    if was_on:
        coldstart.install()


def _import(tmp_path: Path, monkeypatch, name: str, source: str):
    (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__(name)
    return sys.modules.pop(name)


def test_only_patterns_compiled_by_an_import_are_kept(hooks, tmp_path, monkeypatch):
    module = _import(tmp_path, monkeypatch, "kept_at_import", "import re\nPATTERN = re.compile('(?P<x>k[e]pt)+at import')\n")
    assert ("(?P<x>k[e]pt)+at import", 0) in coldstart._patterns and module.PATTERN.groupindex == {"x": 1}
    made_at_run = re.compile("Jane Q\\. Sample (0012345678)")
    assert made_at_run.match("Jane Q. Sample 0012345678")
    assert not any("Jane" in str(key[0]) for key in coldstart._patterns)


def test_a_pattern_that_warns_is_not_kept_and_still_warns(hooks, tmp_path, monkeypatch):
    with pytest.warns(FutureWarning, match="nested set"):
        _import(tmp_path, monkeypatch, "warns_at_import", "import re\nPATTERN = re.compile('[[nested]x')\n")
    assert not any(key[0] == "[[nested]x" for key in coldstart._patterns)


def test_the_entry_is_written_once_at_the_end_and_read_back(hooks, tmp_path, monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class Made:
        odd_field_name_kept: int = 3

    assert Made() == Made(3) and repr(Made()) == "test_the_entry_is_written_once_at_the_end_and_read_back." \
        "<locals>.Made(odd_field_name_kept=3)"
    assert not (hooks / "code").exists()
    coldstart._save()
    texts = list(marshal.loads(_entry(hooks).read_bytes()[32:])[1][1])
    assert any("odd_field_name_kept" in text for text in texts)
    coldstart.uninstall()
    assert coldstart.install() and any("odd_field_name_kept" in text for text in coldstart._codes)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Made().odd_field_name_kept = 4  # type: ignore[misc]


def test_refused_where_dataclasses_or_re_are_not_as_written_for(monkeypatch):
    def _create_fn(name, args, body, *, globals=None, locals=None, return_type=None):
        exec("", globals, locals)

    fake = type(sys)("dataclasses")
    fake._create_fn = _create_fn
    assert coldstart._dataclasses_fit(fake)
    fake._create_fn = lambda name, args, body, globals=None: None
    assert not coldstart._dataclasses_fit(fake)
    fake._create_fn, fake.exec = _create_fn, exec
    assert not coldstart._dataclasses_fit(fake)
    assert coldstart._re_fits(re) is (sys.version_info[:2] in coldstart.SUPPORTED)
    fake_re = type(sys)("re")
    fake_re._compiler = type(sys)("re._compiler")
    fake_re._compiler.compile = lambda p, flags=0: None
    assert not coldstart._re_fits(fake_re)
    monkeypatch.setattr(coldstart, "SUPPORTED", ())
    saved = dict(coldstart._state)
    coldstart._state.clear()
    try:
        assert coldstart.install() is False
    finally:
        coldstart._state.update(saved)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert re.compile("still (works)").groups == 1


def test_what_no_process_used_for_a_while_is_left_out(hooks):
    def made(name: str) -> type:
        return dataclasses.make_dataclass(name, [(name, int)])

    made("used_once_long_ago")
    coldstart._save()
    for write in range(coldstart.KEPT_FOR):
        coldstart.uninstall()
        assert coldstart.install()
        assert any("used_once_long_ago" in text for text in coldstart._codes)  # kept through KEPT_FOR - 1 writes
        made("used_every_time")
        made(f"new_in_write_{write}")  # so each process writes the entry
        coldstart._save()
    generation, codes, _, ages = marshal.loads(_entry(hooks).read_bytes()[32:])[1]
    assert generation == coldstart.KEPT_FOR + 1 and set(ages) >= set(codes)
    assert not any("used_once_long_ago" in text for text in codes)
    assert any("used_every_time" in text for text in codes) and any("new_in_write_0" in text for text in codes)
