"""Read YAML the way a biller typed it, and remember where each value stood.

Every scalar stays the string that was typed: ``code: 00100`` is ``"00100"``,
``member_id: 0012345`` keeps its zeros and ``NO`` stays ``"NO"``. Types are given
later, by the validator that knows what each field means. Alongside the data,
:class:`Located` keeps the 1-based line of every dotted path, so each problem can
name the line it is on.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from appeal.errors import AppealError, Problem

MiB = 1024 * 1024
MAX_YAML_BYTES = MiB  # a case file, a practice profile, a citation file
MAX_DEPTH = 32  # sections and lists inside each other; a case file needs 5
MAX_VALUES = 200_000  # values after aliases are expanded
NO_ALIASES = 0
PROFILE_ALIASES = 100  # alias expansions allowed where YAML files are shared settings (appeal.yaml, front matter)

@dataclass
class Located:
    """Plain data (dict / list / str) and the line each path was written on."""

    data: Any
    file: str
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, path: tuple) -> int | None:
        """The line of ``path``, or of its nearest parent that has one; none for a missing section of the file's
        top level (the file's first key is not where a missing ``signer:`` belongs)."""
        asked = path
        while True:
            if path in self.lines:
                return self.lines[path] if path or not asked else None
            if not path:
                return None
            path = path[:-1]


def dotted(path: tuple) -> str:
    """``("claim", "lines", 0, "code")`` -> ``claim.lines[0].code``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class FileRefused(Exception):
    """Why a path cannot be read as an input file: the message names what it is and what is accepted."""


def open_regular(path: Path, limit: int, kind: str = "a file") -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes; else :class:`FileRefused`.

    The file is opened without blocking and checked with ``fstat`` before a byte is read, so a FIFO,
    a device such as ``/dev/zero`` or a file too large is refused at once instead of hanging.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FileRefused("file not found") from None
    except IsADirectoryError:
        raise FileRefused(f"is a folder, not {kind}") from None
    except OSError as exc:
        raise FileRefused(f"cannot read the file: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileRefused(f"is a folder, not {kind}")
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"is not a regular file (a device, pipe or socket), not {kind}")
        if info.st_size > limit:
            raise FileRefused(f"is {info.st_size:,} bytes, larger than the {_size(limit)} accepted")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(MiB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise FileRefused(f"is larger than the {_size(limit)} accepted")
        return b"".join(chunks)
    except OSError as exc:
        raise FileRefused(f"cannot read the file: {exc.strerror}") from None
    finally:
        os.close(fd)


def _size(n: int) -> str:
    if n >= MiB and n % MiB == 0:
        return f"{n // MiB} MiB"
    return f"{n:,} bytes"


def read_bytes(path: Path, error: type[AppealError], kind: str = "a file", limit: int = MAX_YAML_BYTES) -> bytes:
    """The file's bytes, or ``error`` naming what went wrong; ``kind`` is what a folder is not.

    Only a regular file of at most ``limit`` bytes is read.
    """
    try:
        return open_regular(Path(path), limit, kind)
    except FileRefused as exc:
        raise error(str(exc), file=str(path)) from None


def read_text(path: Path, error: type[AppealError], limit: int = MAX_YAML_BYTES) -> str:
    """The file's text, or ``error`` naming what went wrong."""
    name = str(path)
    raw = read_bytes(path, error, limit=limit)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(
            [Problem(name, "the file is not UTF-8 text", line=line, accepted="a UTF-8 YAML file")]
        ) from None


class _Refused(Exception):
    def __init__(self, mark, message: str, accepted: str):
        super().__init__(message)
        self.line = mark.line + 1 if mark else None
        self.message, self.accepted = message, accepted


class _BoundedLoader(yaml.BaseLoader):
    """PyYAML's BaseLoader that refuses anchors and aliases (when not allowed) and deep nesting as it composes."""

    def __init__(self, stream, allow_aliases: bool):
        super().__init__(stream)
        self.allow_aliases = allow_aliases
        self.depth = 0
        self.alias_edges: set[tuple[int, Any]] = set()  # (parent node, index or key node) reached by an alias

    def compose_node(self, parent, index):
        event = self.peek_event()
        if not self.allow_aliases and (isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None)):
            what = "an alias (*)" if isinstance(event, yaml.AliasEvent) else "an anchor (&)"
            raise _Refused(event.start_mark, f"{what}: this file takes no YAML anchors or aliases",
                           "each value written out where it is used")
        if isinstance(event, yaml.AliasEvent) and parent is not None:
            self.alias_edges.add(_edge(parent, index))
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(event.start_mark, f"sections and lists are nested more than {MAX_DEPTH} deep",
                               f"at most {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_yaml(path: Path | str, error: type[AppealError], text: str | None = None,
              aliases: int = NO_ALIASES, limit: int = MAX_YAML_BYTES) -> Located:
    """Parse one YAML document from ``path`` (or ``text``) into :class:`Located`.

    ``aliases`` is how many alias expansions the file may use (0: no anchors or aliases at all); ``limit``
    the largest file, in bytes, that is read. Deep nesting and alias bombs are errors, found before
    anything is expanded, so any file is answered at once and in little memory.
    """
    path = Path(path)
    name = str(path)
    if text is None:
        text = read_text(path, error, limit=limit)
    elif len(text) > limit:
        raise error([Problem(name, f"the YAML text is {_size(len(text))}, larger than the {_size(limit)} accepted",
                             accepted=f"at most {_size(limit)}")])
    try:
        node, alias_edges = compose_nodes(text, allow_aliases=aliases > 0)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, found before parsing
        at = text[: exc.position].count("\n") + 1
        raise error([Problem(name, f"the file holds a control character (U+{exc.character:04X}) that YAML does not "
                                   "allow", line=at, accepted="printable text")]) from None
    except _Refused as exc:
        raise error([Problem(name, exc.message, line=exc.line, accepted=exc.accepted)]) from None
    except yaml.MarkedYAMLError as exc:
        line, what, accepted = syntax_problem(exc)
        raise error([Problem(name, f"YAML syntax error: {what}", line=line, accepted=accepted)]) from None
    except yaml.YAMLError as exc:
        raise error([Problem(name, f"YAML error: {exc}")]) from None
    located = Located(data=None, file=name)
    problems: list[Problem] = []
    if node is not None:
        try:
            located.data = _Converter(located, problems, aliases, alias_edges).convert(node, (), node, None)
        except _Refused as exc:
            raise error([Problem(name, exc.message, line=exc.line, accepted=exc.accepted)]) from None
        if _COMMENT_IN_VALUE.search(text):
            problems.extend(_comments_after_values(node, text.splitlines(), name))
    if problems:
        raise error(problems)
    return located


_COMMENT_IN_VALUE = re.compile(r"[ \t]#[^\s#]")
"""A ``#`` after a space starts a comment in YAML, and the comment is dropped: ``address: Suite #200`` reads as
"Suite". A comment written as most are, ``# ...``, is one; ``#200`` (no space after it) is refused."""


def _comments_after_values(root: yaml.Node, lines: list[str], name: str) -> list[Problem]:
    """Every unquoted value followed on its line by a comment that reads like the rest of the value."""
    problems: list[Problem] = []
    stack: list[tuple[yaml.Node, tuple]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            stack.extend((value, path + (key.value,)) for key, value in reversed(node.value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, path + (i,)) for i, item in reversed(list(enumerate(node.value))))
        elif isinstance(node, yaml.ScalarNode) and not node.style and node.value:  # plain: style None or ""
            end = node.end_mark
            rest = lines[end.line][end.column:] if end.line < len(lines) else ""
            comment = re.match(r"[ \t]+#(\S+)", rest)
            if comment and not comment.group(1).startswith("#"):
                problems.append(Problem(  # the value itself is not repeated: it may be a patient's
                    name, f"the '#' in column {end.column + len(comment.group(0)) - len(comment.group(1))} starts a "
                          f"YAML comment, so the rest of the line is left out of the value", line=end.line + 1,
                    field=dotted(path) or None,
                    accepted="the whole value in quotes when the '#' belongs to it (\"Suite #200\"); a comment "
                             "with a space after its '#'"))
    return problems


_QUOTE_IT = "the value in quotes"
_SYNTAX: tuple[tuple[str, bool, str, str], ...] = (
    # (what YAML says: its problem, or its context after "|"; a pattern), at the context's line (the line where the
    # construct YAML was reading began) rather than where it gave up, in plain words, what is accepted
    (r"found character '\\t'", False, "a tab: YAML indents with spaces, never with tabs", "spaces in place of the tab"),
    (r"found character '(?P<c>.)' that cannot start any token", False,
     "a value begins with {c}, which YAML keeps for its own use", _QUOTE_IT + ': key: "{c}..."'),
    (r"found unknown escape character", False,
     "a backslash in a value in double quotes starts an escape (\\n, \\t, ...)",
     "the value in single quotes, or each backslash written twice"),
    (r"\|while scanning a quoted scalar", True, "a quote opens a value on this line and is never closed",
     "the value between a pair of matching quotes"),
    (r"\|while scanning an? (anchor|alias)", False,
     "a value begins with & or *, which YAML reads as an anchor or an alias", _QUOTE_IT),
    (r"mapping values are not allowed", False,
     "a ': ' where YAML does not expect one: this line is indented more than the one above, or that line "
     "lacks its ':', or a value holding ': ' is not in quotes", 'key: "a value: in quotes"'),
    (r"could not find expected ':'", True, "a line without the ':' after its key, or a value that runs on to the "
     "next line outside quotes", "key: value on each line; a long value in quotes"),
    (r"expected <block end>, but found '<scalar>'", False,
     "text after a closing quote: a quote inside a quoted value ends it",
     "a value holding one kind of quote in the other kind (\"O'Brien\"), or a single quote written twice inside "
     "single quotes ('O''Brien')"),
    (r"expected <block end>|\|while parsing a block", False,
     "this line is indented differently from the lines around it",
     "the keys of one section starting in the same column, and the items of a list ('- ') under each other"),
    (r"\|expected a single document", False, "a second YAML document (a '---' line): a file holds one document",
     "one document: the '---' line removed"),
    (r"\|while parsing a flow (sequence|mapping)", True,
     "a '[' or '{' opens a list or a mapping on this line that is never closed",
     _QUOTE_IT + " when it starts with [ or {, or the closing bracket"),
)


def syntax_problem(exc: yaml.MarkedYAMLError) -> tuple[int | None, str, str]:
    """A YAML syntax error in a biller's words: the line, what is wrong and what is accepted. YAML's own
    words are kept for an error this does not know."""
    said = f"{exc.problem or ''}|{exc.context or ''}"
    for pattern, at_context, what, accepted in _SYNTAX:
        found = re.search(pattern, said)
        if found:
            mark = (exc.context_mark if at_context else None) or exc.problem_mark or exc.context_mark
            for key, value in found.groupdict().items():  # the character YAML named
                what, accepted = what.replace(f"{{{key}}}", value), accepted.replace(f"{{{key}}}", value)
            return mark.line + 1 if mark else None, what, accepted
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark else None, exc.problem or "invalid YAML", "valid YAML"


FAST_LOADER = getattr(yaml, "CBaseLoader", None)
"""libyaml's composer, where PyYAML was built with it (it is, in PyYAML's wheels); None otherwise."""


def compose_nodes(text: str, allow_aliases: bool = False, fast: bool = True) -> tuple[yaml.Node | None, set]:
    """The document's nodes (every scalar a string, each with its line mark) and the alias edges found.

    libyaml composes the same nodes with the same line marks as PyYAML's pure-Python loader, some twenty
    times faster. It is used for a document that cannot hold an anchor or an alias (no ``&`` or ``*``
    where one could start: "Spine & Motion" is fine), with the same depth limit checked on its nodes;
    any other document, and one libyaml rejects, is composed by the pure, bounded loader, so a user
    always sees its error and line, as before.
    """
    if fast and FAST_LOADER is not None and not _may_hold_anchor(text):
        try:
            node = yaml.compose(text, Loader=FAST_LOADER)
        except yaml.YAMLError:
            pass
        else:
            if _check_depth(node):
                return node, set()
    loader = _BoundedLoader(text, allow_aliases=allow_aliases)
    try:
        return loader.get_single_node(), loader.alias_edges
    finally:
        loader.dispose()


_MAY_HOLD_ANCHOR = re.compile(r"(?<![^\s\[\]{},:?\-])[&*]\S")
"""An ``&`` or ``*`` followed by a name, where a YAML anchor or alias could start (or a false alarm): at the
start of the text or after a space, a bracket, a brace, ``,``, ``:``, ``?`` or ``-``."""


def _may_hold_anchor(text: str) -> bool:
    return ("&" in text or "*" in text) and _MAY_HOLD_ANCHOR.search(text) is not None


def _check_depth(root: yaml.Node | None) -> bool:
    """The bounded loader's depth limit, on composed nodes: the first node too deep, in document order.
    False when a node is met twice (an alias after all): the bounded loader must read the file.

    A tree within the limit (every file but a refused one) is walked level by level, without the search in
    document order that finds which node to name, which then runs only when a level is too deep or a node
    is met twice."""
    seen: set[int] = set()
    level, depth, count = ([root] if root is not None else []), 1, 0
    while level and depth <= MAX_DEPTH:
        seen.update(map(id, level))
        count += len(level)
        below = []
        for node in level:
            if isinstance(node, yaml.SequenceNode):
                below.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                for pair in node.value:
                    below.extend(pair)
        level, depth = below, depth + 1
    if not level and len(seen) == count:
        return True
    return _check_depth_in_order(root)


def _check_depth_in_order(root: yaml.Node | None) -> bool:
    todo = [(root, 1)] if root is not None else []
    seen: set[int] = set()
    while todo:
        node, depth = todo.pop()
        if id(node) in seen:
            return False
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _Refused(node.start_mark, f"sections and lists are nested more than {MAX_DEPTH} deep",
                           f"at most {MAX_DEPTH} levels")
        if isinstance(node, yaml.SequenceNode):
            todo.extend((child, depth + 1) for child in reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            todo.extend((child, depth + 1) for pair in reversed(node.value) for child in reversed(pair))
    return True


@dataclass
class _Converter:
    """Nodes -> plain data, counting each alias expansion (a node met again) and every value made."""

    located: Located
    problems: list[Problem]
    aliases: int
    alias_edges: set
    expansions: int = 0
    values: int = 0
    open: set = field(default_factory=set)  # the nodes being converted: an alias to one of them is a loop

    def convert(self, node: yaml.Node, path: tuple, parent: yaml.Node, index: Any) -> Any:
        here = _LazyMark(self.located, path)
        if id(node) in self.open:
            raise _Refused(here, "an alias refers to the section or list it is in", "aliases to other values")
        if self.alias_edges and _edge(parent, index) in self.alias_edges:
            self.expansions += 1
            if self.expansions > self.aliases:
                raise _Refused(here, f"the aliases expand more than {self.aliases} times",
                               f"at most {self.aliases} alias expansions")
        self.values += 1
        if self.values > MAX_VALUES:
            raise _Refused(here, f"the aliases expand to more than {MAX_VALUES:,} values", "a smaller file")
        if len(path) > MAX_DEPTH:
            raise _Refused(here, f"sections and lists are nested more than {MAX_DEPTH} deep",
                           f"at most {MAX_DEPTH} levels")
        self.open.add(id(node))
        try:
            return _convert(node, path, self.located, self.problems, self.convert)
        finally:
            self.open.discard(id(node))


class _LazyMark:
    """The :class:`_Mark` of ``path``, looked up only when a problem is raised (most values raise none)."""

    __slots__ = ("located", "path")

    def __init__(self, located: Located, path: tuple) -> None:
        self.located, self.path = located, path

    @property
    def line(self) -> int:
        return _Mark(self.located.line(self.path)).line


def _edge(parent: yaml.Node, index: Any) -> tuple[int, Any]:
    """One edge of the node graph: a parent and the list index or key node under it."""
    return id(parent), id(index) if isinstance(index, yaml.Node) else index


@dataclass(frozen=True)
class _Mark:
    """A stand-in for a YAML mark: ``line`` is 0-based, as PyYAML's are."""

    at: int | None

    @property
    def line(self) -> int:
        return (self.at or 1) - 1


_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))
"""The tags every value has in a file without tags, and ``!!str``: anything else a ``!`` before a value made."""


def _tagged(node: yaml.Node, path: tuple, located: Located, problems: list[Problem]) -> None:
    """A value YAML read as tagged (``name: !Jane Sample`` is "Sample", tagged ``!Jane``): refused, so no text
    goes missing from a letter."""
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    problems.append(Problem(located.file, f"a value begins with {tag}, which YAML reads as a tag, not as text",
                            line=node.start_mark.line + 1, field=dotted(path) or None,
                            accepted=f'the value in quotes: "{tag} ..."'))


def _convert(node: yaml.Node, path: tuple, located: Located, problems: list[Problem], convert) -> Any:
    located.lines.setdefault(path, node.start_mark.line + 1)
    if node.tag not in _PLAIN_TAGS:
        _tagged(node, path, located, problems)
    if isinstance(node, yaml.ScalarNode):
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [convert(item, path + (i,), node, i) for i, item in enumerate(node.value)]
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(
                Problem(located.file, "a key must be plain text", line=key_node.start_mark.line + 1,
                        field=dotted(path) or None, accepted="a key such as name: (not a list or a section)")
            )
            continue
        key = key_node.value
        if key_node.tag not in _PLAIN_TAGS:
            _tagged(key_node, path + (key,), located, problems)
        if key in out:
            problems.append(
                Problem(located.file, f"the key '{key}' is given twice", line=key_node.start_mark.line + 1,
                        field=dotted(path + (key,)), accepted="each key once")
            )
            continue
        located.lines[path + (key,)] = key_node.start_mark.line + 1
        out[key] = convert(value_node, path + (key,), node, key_node)
    return out
