"""What a command's imports compile, kept in appeal's cache folder so the next process reads it back.

A cold ``appeal generate`` spent about 70 of its 320 ms compiling the same code every run:

- **Dataclass methods.** ``@dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__`` ... as
  Python source and compiles it (``dataclasses._create_fn`` calls ``exec`` on the text): 75 classes, about
  45 ms. The code object is a function of the text alone, so it is kept under the text: the ``exec`` that
  ``dataclasses`` calls is given the kept code for a text it has seen, and compiles the others as
  ``exec`` would (``compile(text, "<string>", "exec")``, no future features: ``dataclasses`` has none).
  What ``exec`` then runs, with the same globals, is the same code; the classes are the same classes.
- **Regular expressions compiled at import.** ``re`` parses a pattern in Python and generates its
  matcher's code (about 170 patterns in click, PyYAML, Jinja, markdown-it, reportlab and ours: 25-30 ms);
  making the pattern object from that code (``_sre.compile``) is cheap. The parse's result (the code, the
  flags the pattern sets, its groups) is kept under the pattern's type, text and flags, and the pattern is
  made from it as ``re._compiler.compile`` makes it. Only patterns compiled while a module is being
  imported are kept (so never one made from a case's data while a command runs), and none whose parse
  warns (so the warning is still given each time), nor any ``re.DEBUG`` one.

Kept as one entry, ``cache_dir("code")/startup-<key>.marshal``, as ``resources.keep_marshal`` keeps one (the
SHA-256 of its body, then the body; under the key: the number of times it was written, the texts and their
code, the patterns and their parse, and for each the last write whose process used it: one no process used in the last
:data:`KEPT_FOR` writes is left out, so the entry holds what today's code compiles). The key is Python's
version and build, its bytecode magic number, the optimisation level, ``re``'s code format and this
module's; an entry of another key, a damaged one or one that will not load is passed over (everything
compiles as without it) and written anew. New texts are added when the process ends, in the process that
installed this (``atexit``). It holds code only: field names, the names of defaults and types, and
patterns written in source files. The
folder is trusted as the compiled templates beside it are (SECURITY.md): the code kept there is run.

:func:`install` is called when ``appeal.cli`` is first imported, before the commands' imports (both
``python -m appeal`` and the ``appeal`` script start there), so every run of the command line uses it, and
so does a process that imports ``appeal.cli`` (the tests' ``CliRunner``); one that imports only the
library does not. Both hooks wrap private parts of the
standard library, so each is installed only on a Python whose parts have the shape it was written for
(3.11 and 3.12); elsewhere nothing is installed and everything compiles as usual. ``APPEAL_NO_CACHE=1``
installs nothing.
"""

from __future__ import annotations

import marshal
import os
import sys
from array import array
from types import CodeType
from typing import Any

from appeal.resources import cache_dir, keep_marshal, read_marshal

FORMAT = 4
SUPPORTED = ((3, 11), (3, 12))
KEPT_FOR = 8  # writes of the entry: a text or pattern no process used in the last 8 is left out of the next

_CODE = "I"  # the array type of re's code words (checked: _code_array)
_codes: dict[str, CodeType] = {}  # dataclass method source -> its code (read, or compiled in this process)
_patterns: dict[tuple[Any, int], tuple[Any, ...]] = {}  # (pattern, flags) -> _sre.compile's arguments, the code
#                                                          as bytes (a str and a bytes pattern are different keys)
_used: set[Any] = set()  # the texts and pattern keys this process used
_ages: dict[Any, int] = {}  # text or pattern key -> the last write of the entry whose process used it
FEW = 5  # new patterns alone that are not worth rewriting the entry for (see _save)
_state: dict[str, Any] = {}  # "pid", "entry", "folder", "new" (a method compiled here), "new_patterns" (their number),
#                              "original_compile", "key"


def install() -> bool:
    """Both hooks on, reading what earlier processes kept; False when caching is off, this Python is not
    one they were written for, or they are on already."""
    if _state or sys.version_info[:2] not in SUPPORTED:
        return False
    folder = cache_dir("code")
    if folder is None:
        return False
    import dataclasses

    if not _dataclasses_fit(dataclasses):
        return False
    entry = folder / f"startup-{_key()[:32]}.marshal"
    _state.update(pid=os.getpid(), entry=entry, folder=folder, new=False, new_patterns=0)
    _read(entry)
    vars(dataclasses)["exec"] = _exec  # a global of the module: what _create_fn's ``exec`` finds first
    _install_re()
    import atexit

    atexit.register(_save)
    return True


def uninstall() -> None:
    """Both hooks off and what was read forgotten (for tests); nothing is written."""
    import atexit
    import dataclasses
    import re

    if not _state:
        return
    atexit.unregister(_save)
    if getattr(dataclasses, "exec", None) is _exec:
        delattr(dataclasses, "exec")
    original = _state.get("original_compile")
    compiler: Any = getattr(re, "_compiler", None)
    if original is not None and compiler.compile is _compile:
        compiler.compile = original
    _state.clear()
    _codes.clear()
    _patterns.clear()
    _used.clear()
    _ages.clear()


def _dataclasses_fit(dataclasses: Any) -> bool:
    """``_create_fn(name, args, body, *, globals, locals, return_type)`` calling the builtin ``exec`` (3.11,
    3.12), and no ``exec`` of the module's own."""
    create = getattr(dataclasses, "_create_fn", None)
    code = getattr(create, "__code__", None)
    return (code is not None and "exec" not in vars(dataclasses)
            and code.co_argcount == 3 and code.co_kwonlyargcount == 3
            and code.co_varnames[:6] == ("name", "args", "body", "globals", "locals", "return_type")
            and "exec" in code.co_names)


def _re_fits(re: Any) -> bool:
    """``re._compiler.compile(p, flags)`` as 3.11 and 3.12 write it: parse, ``_code``, ``_sre.compile``."""
    compiler = getattr(re, "_compiler", None)
    compile_ = getattr(compiler, "compile", None)
    code = getattr(compile_, "__code__", None)
    return (code is not None and code.co_varnames[:2] == ("p", "flags") and code.co_argcount == 2
            and callable(getattr(compiler, "_code", None)) and hasattr(compiler, "_sre")
            and {"_parser", "_code", "_sre"} <= set(code.co_names))


def _key() -> str:
    """Python (its version, build, bytecode and optimisation level), ``re``'s code, and this module's format."""
    if "key" not in _state:
        import _sre  # type: ignore[import-not-found]

        try:
            from _frozen_importlib_external import MAGIC_NUMBER
        except ImportError:
            from importlib.util import MAGIC_NUMBER
        _state["key"] = _sha256(f"{FORMAT}|{sys.version}|{sys.implementation.cache_tag}|{MAGIC_NUMBER.hex()}|"
                   f"{sys.flags.optimize}|{_sre.MAGIC}|{_sre.CODESIZE}".encode()).hexdigest()
    return str(_state["key"])


def _sha256(data: bytes) -> Any:
    from hashlib import sha256  # OpenSSL's: 4 times the builtin one's speed (the commands import it anyway)

    return sha256(data)


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    """``exec`` as ``dataclasses._create_fn`` calls it, with the kept code for a text compiled before."""
    if type(source) is str:
        code = _codes.get(source)
        if code is None:
            code = _codes[source] = compile(source, "<string>", "exec", dont_inherit=True)
            _state["new"] = True
        _used.add(source)
        source = code
    exec(source, globals, locals)


def _install_re() -> None:
    import re

    if not _re_fits(re) or _code_array() != _CODE:
        return
    compiler: Any = vars(re)["_compiler"]
    _state["original_compile"], _state["compiler"] = compiler.compile, compiler
    compiler.compile = _compile


def _compile(p: Any, flags: int = 0) -> Any:
    """``re._compiler.compile``: from the kept parse when there is one."""
    kind = type(p)
    if kind is not str and kind is not bytes:
        return _state["original_compile"](p, flags)  # a parsed pattern (re.Scanner)
    compiler = _state["compiler"]
    key = (p, int(flags))
    kept = _patterns.get(key)
    if kept is not None:
        _used.add(key)
        return compiler._sre.compile(p, kept[0], array(_CODE, kept[1]).tolist(), kept[2], dict(kept[3]), kept[4])
    if flags & compiler.SRE_FLAG_DEBUG or not _importing():
        return _state["original_compile"](p, flags)
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parsed = compiler._parser.parse(p, flags)
    if caught:  # compiled again as re does it, so its warnings are given as they would be
        return _state["original_compile"](p, flags)
    code = compiler._code(parsed, flags)
    groupindex = parsed.state.groupdict
    indexgroup = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    compiled = compiler._sre.compile(p, flags | parsed.state.flags, code, parsed.state.groups - 1, groupindex,
                                     tuple(indexgroup))  # as re._compiler.compile makes it
    kept = (int(flags) | parsed.state.flags, array(_CODE, code).tobytes(), parsed.state.groups - 1,
            dict(groupindex), tuple(indexgroup))
    try:
        marshal.dumps(kept)
    except ValueError:
        return compiled
    _patterns[key] = kept
    _used.add(key)
    _state["new_patterns"] += 1
    return compiled


def _code_array() -> str | None:
    """The :mod:`array` type code whose items are ``re``'s code words (``_sre.CODESIZE`` bytes)."""
    import _sre

    return next((code for code in "IL" if array(code).itemsize == _sre.CODESIZE), None)


def _importing() -> bool:
    """Whether a module's body is running (a frame of the import system is on the stack)."""
    frame: Any = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        frame = frame.f_back
    return False


def _read(entry: Any) -> None:
    kept = read_marshal(entry, _key())  # None when damaged or foreign: compiled as without it, and written anew
    if type(kept) is not tuple or len(kept) != 4:
        return
    generation, codes, patterns, ages = kept
    if type(generation) is int and type(codes) is type(patterns) is type(ages) is dict:
        _codes.update(codes)  # as this module wrote them (the checksum matched)
        _patterns.update(patterns)
        _ages.update(ages)
        _state["generation"] = generation


def _save() -> None:
    """What this process compiled first added to the entry (at exit; only in the installing process).

    A few libraries build a pattern from a set's order, which differs from one process to the next (string
    hashing is salted per process): such a pattern is new in every run. So new patterns alone rewrite the
    entry only when there are at least :data:`FEW` of them (a new version of a library, a command that
    imports modules others do not); the odd one is compiled each run, as without the cache."""
    if _state.get("pid") != os.getpid() or not (_state.get("new") or _state.get("new_patterns", 0) >= FEW):
        return
    generation = _state.get("generation", 0) + 1
    ages = dict(_ages)
    ages.update(dict.fromkeys(_used, generation))
    codes = {text: code for text, code in _codes.items() if ages.get(text, 0) > generation - KEPT_FOR}
    patterns = {key: kept for key, kept in _patterns.items() if ages.get(key, 0) > generation - KEPT_FOR}
    ages = {key: ages[key] for key in (*codes, *patterns)}
    if keep_marshal(_state["folder"], _state["entry"].name, _key(), (generation, codes, patterns, ages),
                    "startup-*.marshal"):
        _state["new"], _state["new_patterns"], _state["generation"] = False, 0, generation
        _ages.clear()
        _ages.update(ages)
