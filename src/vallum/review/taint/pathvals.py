"""The string values of path-component inference and what each operation keeps of them.

A `Val` is a string derived from one parameter (or a literal) with what is proved about it: no
'/' (`SEP`), no '..' substring (`NO_DOTDOT`), not '..' as a whole (`NOT_DOTDOT`). These are the
rules of `taint.components` for literals, joins, `replace` and `re.sub`; an operation they do
not model raises `Unknown`, which ends the inference for that function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEP = "sep"  # no '/' anywhere
NO_DOTDOT = "dd"  # no '..' substring
NOT_DOTDOT = "end"  # the whole value is not '..'
ANCHORS = re.compile(r"\(\?|\\[bBAZ]|\$|(?<!\[)\^")


@dataclass(frozen=True, slots=True)
class Val:
    """A string derived from parameter `param` (-1: a literal), with what is proved about it."""

    param: int
    props: frozenset[str]
    text: str = ""  # a literal's value


class Unknown(Exception):
    """An operation or statement the model does not know: no conclusion for this function."""


def safe(v: Val) -> bool:
    return SEP in v.props and bool({NO_DOTDOT, NOT_DOTDOT} & v.props)


def literal(text: str) -> Val:
    props = {NOT_DOTDOT} if text not in {".", ".."} else set()
    if "/" not in text:
        props.add(SEP)
    if ".." not in text:
        props.add(NO_DOTDOT)
    return Val(-1, frozenset(props), text)


def meet(a: Val, b: Val) -> Val:
    if a.param >= 0 and b.param >= 0 and a.param != b.param:
        raise Unknown
    return Val(max(a.param, b.param), a.props & b.props)


def concat(a: Val, b: Val) -> Val:
    """A derived value with a literal before or after it."""
    if (a.param >= 0) == (b.param >= 0):
        raise Unknown  # two derived values side by side (or two literals): not modelled
    derived, lit = (a, b) if a.param >= 0 else (b, a)
    props: set[str] = set()
    if SEP in derived.props and "/" not in lit.text:
        props.add(SEP)
    if NO_DOTDOT in derived.props and "." not in lit.text:
        props.add(NO_DOTDOT)
    if lit.text.strip("."):
        props.add(NOT_DOTDOT)  # a character other than a dot: never exactly '..'
    return Val(derived.param, frozenset(props))


def replace_props(props: set[str], old: str, new: str) -> set[str]:
    out = set(props) - {NOT_DOTDOT}
    if "/" in new:
        out.discard(SEP)
    elif old == "/":
        out.add(SEP)
    if "." in new or not new:
        out.discard(NO_DOTDOT)  # a dot added, or text removed between two dots
    if old in {".", ".."} and "." not in new:
        out.add(NO_DOTDOT)  # every dot, or every pair of dots, replaced in one pass
    return out


def regex_sub(inner: Val, pattern: str, repl: str) -> Val:
    if ANCHORS.search(pattern) or "\\" in repl:
        raise Unknown  # anchors, lookarounds and group references: not modelled
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise Unknown from exc
    props = set(inner.props) - {NOT_DOTDOT}
    if "/" in repl:
        props.discard(SEP)
    elif compiled.fullmatch("/"):
        props.add(SEP)
    if "." in repl or not repl:
        props.discard(NO_DOTDOT)
    if compiled.fullmatch(".") and "." not in repl:
        props |= {NO_DOTDOT}
    return Val(inner.param, frozenset(props))
