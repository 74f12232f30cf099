"""The sandbox letters render in: Jinja's immutable sandbox, made strict about what reaches a letter and bounded.

Templates are files billers edit and share, so a template is untrusted code. Jinja's
``ImmutableSandboxedEnvironment`` already refuses private attributes and mutation; this
adds what a letter needs:

- **Only text is printed.** ``{{ x }}``, ``~``, ``%``, ``format``/``format_map`` and the
  filters that make text (``string``, ``join``, ``format``, ``tojson``...) accept text,
  numbers and dates only. A list, a section, an object, ``None`` or an undefined value is
  an error naming the template line, so no ``[Undefined]``, ``None``, ``{'a': 1}`` or
  ``<... object at 0x...>`` can reach a payer however it was reached (``map(attribute=)``,
  a list literal, ``format_map``). A field the case leaves empty is :class:`Missing`:
  false in ``{% if %}``, ``none`` to ``is none``, an error when printed.
- **Bounded.** Repetition (``'x' * n``, ``[1] * n``), ``**``, ``range``, padding widths
  and every value a call makes are capped (:data:`MAX_VALUE`); :func:`render_bounded`
  caps the rendering's time (:data:`TIME_BUDGET`) and its output (:data:`MAX_OUTPUT`).
  Recursion (a template that includes or extends itself, a macro that calls itself) is
  caught by the caller as a :class:`RecursionError`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import signal
import threading
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter

from appeal.inputs.fields import refused_character

MAX_VALUE = 100_000  # characters in one string, items in one list, made by a template
MAX_RANGE = 1_000  # items of range()
MAX_WIDTH = 1_000  # a padding or format width
MAX_EXPONENT_DIGITS = 1_000  # digits of a ** result
MAX_OUTPUT = 1_000_000  # characters a template renders (a long letter is 30,000)
MAX_SAFE_ATTRIBUTES = 4_096  # (type, attribute name) pairs whose safety an environment remembers
TIME_BUDGET = 5.0  # seconds a template may take to render (a letter takes a few milliseconds)

# Filters that turn their input into text: their input, like {{ x }}, must be text already.
_TEXT_FILTERS = ("capitalize", "center", "e", "escape", "forceescape", "format", "indent", "lower", "pprint",
                 "replace", "safe", "string", "striptags", "title", "tojson", "trim", "truncate", "upper",
                 "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr")
# Filters whose numeric arguments size what they make.
_SIZED_FILTERS = ("center", "indent", "batch", "slice")
_PRINTF_WIDTH = re.compile(r"%[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_WIDTH = re.compile(r"(\d+)")


class Unprintable(jinja2.TemplateRuntimeError):
    """A template printed, or made text of, something that is not text."""


class OverBudget(jinja2.TemplateRuntimeError):
    """A template made too large a value or output, or took too long."""


class LetterUndefined(jinja2.StrictUndefined):
    """StrictUndefined that also refuses ``repr``: ``[undefined]|string`` fails rather than print ``[Undefined]``."""

    __slots__ = ()
    __repr__ = jinja2.StrictUndefined._fail_with_undefined_error


class Missing(jinja2.Undefined):
    """A field the case leaves empty (``None``): false, ``none``, and an error when printed."""

    __slots__ = ()
    __str__ = __repr__ = __iter__ = __len__ = __contains__ = \
        jinja2.Undefined._fail_with_undefined_error

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other: Any) -> bool:
        return other is None or isinstance(other, Missing)

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(None)


def missing(name: str) -> Missing:
    return Missing(hint=f"{name} is not given in the case; print it only under {{% if ... %}}", name=name)


def given(value: Any) -> bool:
    """Whether a value is there (not ``None``, undefined or missing); ``0`` is there."""
    return value is not None and not isinstance(value, jinja2.Undefined)


def text_value(value: Any, what: str = "printed") -> str:
    """``value`` as the text a letter may carry, or an error saying what it is instead."""
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    if value is None:
        raise Unprintable(f"a value {what} is empty (None); print it only under {{% if ... %}}")
    if isinstance(value, bool):
        raise Unprintable(f"a yes/no value is {what}; write the words under {{% if ... %}} instead")
    if isinstance(value, (int, float, Decimal, dt.date)):
        return str(value)
    if not isinstance(value, str):
        raise Unprintable(f"{_kind(value)} is {what}, not text (print its fields, or join a list of text)")
    refused = refused_character(value)
    if refused:
        raise Unprintable(f"the text {what} contains {refused}, which a letter cannot carry")
    return value


def _kind(value: Any) -> str:
    if isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "__next__"):
        return "a list"
    if isinstance(value, dict):
        return "a section (name: value pairs)"
    if isinstance(value, Path):
        return "a file path"
    if callable(value):
        return "a function (call it with ())"
    return f"a {type(value).__name__} object"


def bounded(value: Any) -> Any:
    """``value`` if it is within :data:`MAX_VALUE`; strings and lists only are measured."""
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_VALUE:
        raise OverBudget(f"the template made a value of {len(value):,} characters or items; at most {MAX_VALUE:,}")
    return value


def _width(number: Any, what: str) -> None:
    if isinstance(number, int) and not isinstance(number, bool) and abs(number) > MAX_WIDTH:
        raise OverBudget(f"{what} of {number:,}; at most {MAX_WIDTH:,}")


def letter_range(*args: int) -> range:
    """``range`` of at most :data:`MAX_RANGE` items."""
    items = range(*args)
    if len(items) > MAX_RANGE:
        raise OverBudget(f"range() of {len(items):,} items; at most {MAX_RANGE:,}")
    return items


def join_text(parts: tuple) -> str:
    """The ``~`` operator: each part must be text."""
    return bounded("".join(text_value(p, "joined with ~") for p in parts))


class _LetterCodeGenerator(CodeGenerator):
    """Compiles ``~`` to :func:`join_text`, and folds no output at compile time (it would skip the checks)."""

    def visit_Concat(self, node: nodes.Concat, frame) -> None:
        self.write("environment.join_text((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def _output_child_to_const(self, node, frame, finalize):
        if not isinstance(node, nodes.TemplateData):
            raise nodes.Impossible()
        return super()._output_child_to_const(node, frame, finalize)


class _LetterFormatter(SandboxedFormatter):
    """``str.format``/``format_map`` in the sandbox: text fields only, bounded widths."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        for number in _FORMAT_WIDTH.findall(format_spec):
            _width(int(number), "a format width")
        if isinstance(value, (int, float, Decimal, dt.date)) and not isinstance(value, bool) and format_spec:
            return format(value, format_spec)
        return format(text_value(value, "formatted"), format_spec)


class LetterEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox: no file objects, only text printed, every value bounded (see the module)."""

    code_generator_class = _LetterCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})
    join_text = staticmethod(join_text)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("optimized", False)  # constant folding would print "x" ~ [1] before any check
        kwargs.setdefault("undefined", LetterUndefined)
        super().__init__(*args, **kwargs)
        self._safe_attributes: dict[tuple[type, str], bool] = {}  # is_safe_attribute's answers
        self.globals["range"] = letter_range
        self.tests["none"] = lambda value: value is None or isinstance(value, Missing)
        for name, func in list(self.filters.items()):
            self.filters[name] = _guarded_filter(name, func)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's answer (no private, internal or mutating attribute) and no attribute of a path. It depends on
        the object's type and the attribute's name only, so it is worked out once for each pair (bounded)."""
        kind = type(obj)
        if obj.__class__ is not kind:  # an object that says it is of another class: asked each time
            return self._is_safe_attribute(obj, attr, value)
        key = (kind, attr)
        safe = self._safe_attributes.get(key)
        if safe is None:
            safe = self._is_safe_attribute(obj, attr, value)
            if len(self._safe_attributes) < MAX_SAFE_ATTRIBUTES:
                self._safe_attributes[key] = safe
        return safe

    def _is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, Path):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        value = super().getattr(obj, attribute)
        return missing(f"{_name(obj)}.{attribute}") if value is None else value

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = super().getitem(obj, argument)
        return missing(f"{_name(obj)}[{argument!r}]") if value is None else value

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_VALUE:
                    raise OverBudget(f"a repetition of {len(seq) * times:,} characters or items; at most {MAX_VALUE:,}")
        elif operator == "**":
            if isinstance(left, (int, float, Decimal)) and isinstance(right, (int, float, Decimal)):
                digits = abs(float(right)) * _log10(left)  # as many as the power has
                if digits > MAX_EXPONENT_DIGITS:
                    raise OverBudget(f"a power of about {digits:,.0f} digits; at most {MAX_EXPONENT_DIGITS:,}")
        elif operator == "%" and isinstance(left, str):
            _printf_widths(left)
            args = right if isinstance(right, tuple) else (right,)
            right = tuple(a if isinstance(a, (int, float, Decimal)) and not isinstance(a, bool)
                          else text_value(a, "formatted with %") for a in args)
        return bounded(super().call_binop(context, operator, left, right))

    def wrap_str_format(self, value: Any):
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        f_self, is_map = value.__self__, value.__name__ == "format_map"
        formatter = _LetterFormatter(self)

        def format_text(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                return bounded(str(formatter.vformat(f_self, (), args[0])))
            return bounded(str(formatter.vformat(f_self, args, kwargs)))

        return format_text

    def call(__self, __context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - as Jinja names them
        name = getattr(__obj, "__name__", "")
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            if name in ("ljust", "rjust", "center", "zfill") and args:
                _width(args[0], f"{name}() width")
            elif name == "expandtabs":
                _width(args[0] if args else kwargs.get("tabsize", 8), "expandtabs() width")
            elif name == "replace" and len(args) >= 2 and isinstance(args[1], str):
                grows = owner.count(args[0]) if isinstance(args[0], str) else 0
                bounded(" " * min(len(owner) + grows * len(args[1]), MAX_VALUE + 1))
            elif name == "join" and args:
                items = list(args[0])
                bounded(" " * min(sum(len(text_value(i, "joined")) for i in items)
                                  + len(owner) * len(items), MAX_VALUE + 1))
                args = (items, *args[1:])
        result = super().call(__context, __obj, *args, **kwargs)
        return missing(f"{name or 'a call'}()") if result is None else bounded(result)


def _name(obj: Any) -> str:
    """What a template calls ``obj``: ``payer``, ``line``, ``facts``."""
    if isinstance(obj, dict):
        return "facts"
    name = type(obj).__name__
    return {"ClaimLine": "line", "PriorDecision": "appeal.prior_decision"}.get(name, name.lower())


def _guarded_filter(name: str, func):
    """A filter that checks the text it is given and the size of what it makes."""
    import functools

    if name == "join":
        @functools.wraps(func)
        def join(*args: Any, **kwargs: Any) -> Any:
            at = 1 if _passes_arg(func) else 0
            items = list(args[at])
            attribute = kwargs.get("attribute", args[at + 2] if len(args) > at + 2 else None)
            if attribute is None:
                for item in items:
                    text_value(item, "joined")
            result = func(*args[:at], items, *args[at + 1:], **kwargs)
            return bounded(text_value(result, "joined"))

        return join

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        at = 1 if _passes_arg(func) else 0
        if name in _TEXT_FILTERS and len(args) > at:
            text_value(args[at], f"given to the {name} filter")
            for arg in (*args[at + 1:], *kwargs.values()):
                if not isinstance(arg, (bool, int, float, Decimal, dt.date)):
                    text_value(arg, f"given to the {name} filter")
        if name == "format" and len(args) > at and isinstance(args[at], str):  # '%1000000000s'|format: before it
            _printf_widths(args[at])                                          # allocates a gigabyte
        if name in _SIZED_FILTERS:
            for arg in (*args[at + 1:], *kwargs.values()):
                _width(arg, f"the {name} filter's size")
        return bounded(func(*args, **kwargs))

    return guarded


def _log10(base: int | float | Decimal) -> float:
    """The digits a power of ``base`` gains for each unit of its exponent (none for a base of at most 1 in size; a
    float or Decimal base between 1 and 2 grows too)."""
    size = -base if base < 0 else base
    return math.log10(size) if size > 1 else 0.0


def _printf_widths(text: str) -> None:
    """Every width and precision of a printf-style format (``%`` and the ``format`` filter) bounded before the
    text is made: ``'%1000000000s'`` would allocate a gigabyte first and be refused only after."""
    for width, precision in _PRINTF_WIDTH.findall(text):
        for number in (width, precision):
            if number == "*":
                raise OverBudget("a '*' width in a % format; write the width out")
            if number:
                _width(int(number), "a % format width")


def _passes_arg(func) -> bool:
    """Whether Jinja passes the environment, context or eval context first."""
    return getattr(func, "jinja_pass_arg", None) is not None


# -- the time and output budget -------------------------------------------------------------------

def render_bounded(template: jinja2.Template, context: dict) -> str:
    """``template.render(context)`` within :data:`TIME_BUDGET` seconds and :data:`MAX_OUTPUT` characters."""
    parts, size = [], 0
    started = time.monotonic()
    with _deadline(TIME_BUDGET):
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise OverBudget(f"the template rendered more than {MAX_OUTPUT:,} characters")
            if time.monotonic() - started > TIME_BUDGET:
                raise _over_time()
            parts.append(chunk)
    return "".join(parts)


def _over_time() -> OverBudget:
    return OverBudget(f"the template took more than {TIME_BUDGET:g} seconds to render (a loop without end, "
                      "or loops inside loops?)")


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (a timer signal; in the main thread only, else checked per output)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise _over_time()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


