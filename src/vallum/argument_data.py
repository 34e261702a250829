"""Data found in a tool call's arguments, and which argument holds it.

A tool call is checked as one text: its name and the canonical JSON of its arguments (what is
delivered), followed by its content arguments' string values read joined, so a card number or an
address split across arguments is read whole, as the recipient reads it:

- the values joined end to end in the tool's declared order and in reverse, but only the
  `WINDOW` characters either side of each place two values meet (a finding that crosses a join
  and is at most `WINDOW` long lies there whole; everything else was read in its argument), so
  the part read twice is bounded by the number of values, not by their size;
- when 3 to `MAX_SHUFFLED` values are bare groups of 3 to 6 digits (`4111`, `1111`...) and
  13 to 19 digits in all, those groups in every order, one per line: a card cut into groups and
  spread over arguments in any order. (Some order of unrelated numbers passed as separate
  arguments can pass the Luhn check: about one in ten orders that start like a card.)

A destination's own value is where the call goes and is not joined, but data appended to a link
in it (a query value, a fragment) is content and is joined where the destination stands.

A value cut into pieces that are neither contiguous in declared or reverse order nor bare digit
groups (pieces inside prose, groups of one or two digits, more than `MAX_SHUFFLED` groups in
shuffled order), or a finding longer than `WINDOW` that crosses a join, is not read whole: the
recipient needs the order from somewhere, and trying every reordering of every piece is not
linear.

Each finding is then placed: in the argument whose canonical value holds it, or, in the joined
part, in the content as a whole. Labels `ARG:LABEL` (`body:pii.payment_card`) say where, and
`*:LABEL` (`*:pii`, `*:secret`) says "in content": any argument that is not a destination, and
any data in a destination other than the address it names (a card number in `to` is content; the
address in `to` is not, nor the same address quoted in the body). Policies forbid delivery of
data on `*:` labels without listing a tool's arguments, so an argument added later is covered.

Where the call delivers: `>:external` when a destination argument the tool declares holds a
value not on the organisation's own allowlists (its e-mail domains, `allowlisted:organization`,
or the egress hosts, `allowlisted:egress`); a bundle forbids `*:pii` and `*:secret` with
`>:external` once, for every outbound tool it declares and any it adds later.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import Any

from vallum.canonical import canonical_text
from vallum.detectors.normalize import normalize
from vallum.labels import ALLOWLISTED, PROVEN
from vallum.model import Finding
from vallum.sessions.canonical_forms import url_parts

CONTENT = "*"  # the argument name of `*:LABEL`: data in any content argument
# Data classes a destination argument names as its address (not content when found there).
ADDRESS_TYPES = frozenset({"pii.email", "pii.phone", "pii.iban", "pii.ip_address"})
OUTBOUND = ">"  # the argument name of `>:external`: where the call delivers
EXTERNAL = f"{OUTBOUND}:external"
# A destination on one of these is the organisation's own (`labels.allowlisted`).
INSIDE = frozenset({f"{ALLOWLISTED}:organization", f"{ALLOWLISTED}:egress"})
_MAX_LEAVES = 1_000  # string values joined per call, at most
# Characters read either side of a place two joined values meet: longer than any finding the
# built-in detectors make (a card with separators, an address, an API key, a PEM header).
WINDOW = 320
MAX_SHUFFLED = 5  # digit groups read in every order (5! = 120 lines of at most 30 digits)
_LITERALS = {None: "null", True: "true", False: "false"}
_EXACT = 2**53  # integers below it are written as their digits (RFC 8785)
_ESCAPED = re.compile(r'["\\\x00-\x1f]')  # what JSON writes escaped
_DIGIT_GROUP = re.compile(r"[0-9]{3,6}")  # a bare group of a split card (normal form)


@dataclass(frozen=True, slots=True)
class ArgumentText:
    """The text detectors see for a tool call and where each argument lies in it.

    `spans`: top-level argument name -> `[start, end)` of its canonical value; `delivered`: the
    length of the part that is delivered (`NAME {json}`); what follows is the joined content
    values, checked but never delivered nor kept in evidence."""

    text: str
    spans: tuple[tuple[str, int, int], ...]
    delivered: int
    starts: tuple[int, ...] = ()  # the spans' starts, for bisection


def argument_text(
    name: str, arguments: Mapping[str, Any], order: Sequence[str], destinations: Iterable[str]
) -> ArgumentText:
    """`NAME {canonical arguments}`, then the content values joined (see the module docstring).

    `order` is the tool's declared argument order (others follow, sorted); raises
    `CanonicalJSONError` if the arguments cannot be written as JSON."""
    head = f"{name} "
    built = _flat(arguments, len(head))
    if built is None:
        canonical = canonical_text(dict(arguments), default=str)
        spans = _spans(arguments, canonical, len(head))
    else:
        canonical, spans = built
    text = head + canonical
    skip = set(destinations)
    names = [a for a in order if a in arguments]
    if len(names) < len(arguments):
        names += sorted(set(arguments) - set(order))
    # a destination's own value is where the call goes; data appended to a link (a query
    # value, a fragment) is content, joined where the destination stands
    leaves = [
        piece
        for a in names
        for v in ((arguments[a],) if type(arguments[a]) is str else _strings(arguments[a]))
        for piece in (_appended(v) if a in skip else (v,))
    ][:_MAX_LEAVES]
    starts = tuple(s for _, s, _ in spans)
    leaves = [v for v in leaves if v]  # an empty value joins nothing
    # a value JSON escapes (a tab, a quote, a line break) is also read as written
    joined = [v for v in leaves if _ESCAPED.search(v)]
    if len(leaves) > 1:
        joined += [_around_joins(leaves), _around_joins(leaves[::-1]), *_shuffled_groups(leaves)]
    if not joined:
        return ArgumentText(text, spans, len(text), starts)
    return ArgumentText("\n".join([text, *joined]), spans, len(text), starts)


def _appended(value: str) -> list[str]:
    """The data appended to a link (`url_parts`), or nothing."""
    parts = url_parts(value) if len(value) <= 2048 else None
    return parts[1] if parts is not None else []


def _around_joins(leaves: Sequence[str]) -> str:
    """`leaves` joined end to end, only `WINDOW` characters either side of each join (merged
    where they meet; stretches apart on their own lines)."""
    whole = "".join(leaves)
    stretches: list[list[int]] = []
    joint = 0
    for leaf in leaves[:-1]:
        joint += len(leaf)
        lo, hi = max(0, joint - WINDOW), joint + WINDOW
        if stretches and lo <= stretches[-1][1]:
            stretches[-1][1] = hi
        else:
            stretches.append([lo, hi])
    return "\n".join(whole[lo:hi] for lo, hi in stretches)


def _shuffled_groups(leaves: Sequence[str]) -> list[str]:
    """When 3 to `MAX_SHUFFLED` values are bare digit groups of 13 to 19 digits in all (a card
    number's length), those groups in every order, one line each."""
    if len(leaves) < 3:
        return []
    short = (normalize(v).text.strip() for v in leaves if len(v) <= 64)
    groups = [g for g in short if _DIGIT_GROUP.fullmatch(g)]
    if not 3 <= len(groups) <= MAX_SHUFFLED or not 13 <= sum(map(len, groups)) <= 19:
        return []
    return ["".join(order) for order in dict.fromkeys(permutations(groups))]


def _flat(arguments: Mapping[str, Any], offset: int) -> tuple[str, tuple[Any, ...]] | None:
    """The canonical text of arguments with ASCII keys and string, number, boolean or null
    values, written member by member (RFC 8785 writes an object as its members in UTF-16 key
    order, each as it writes it alone), with each value's span; None otherwise (`_spans` then
    finds them in the text `canonical_text` writes)."""
    if not all(isinstance(k, str) and k.isascii() for k in arguments):
        return None  # (ASCII keys sort alike by code point and by UTF-16 unit)
    members = []
    spans = []
    at = offset + 1  # after "{"
    for key in sorted(arguments):
        value = arguments[key]
        if type(value) is str:
            v = _string(value)
        elif value is None or type(value) is bool:
            v = _LITERALS[value]
        elif type(value) is int and -_EXACT < value < _EXACT:
            v = str(value)
        elif type(value) in (int, float):
            v = canonical_text(value)
        else:
            return None  # an object, a list, another type: `_spans`
        k = _string(key)
        members.append(f"{k}:{v}")
        at += len(k) + 1
        spans.append((key, at, at + len(v)))
        at += len(v) + 1  # past the "," or the closing "}"
    return "{" + ",".join(members) + "}", tuple(spans)


def _string(value: str) -> str:
    """A string as JSON: quoted as it is when nothing in it is escaped (RFC 8785 keeps every
    other character as written), else by `canonical_text`."""
    if _ESCAPED.search(value) is None and (value.isascii() or _encodable(value)):
        return f'"{value}"'
    return canonical_text(value)


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")  # a lone surrogate is not: canonical_text refuses it
    except UnicodeEncodeError:
        return False
    return True


def _spans(arguments: Mapping[str, Any], canonical: str, offset: int) -> tuple[Any, ...]:
    """Where each top-level argument's value lies in `canonical` (shifted by `offset`); empty if
    the pieces do not rebuild it exactly (then nothing is placed in an argument by name)."""
    keys = sorted(arguments, key=lambda k: str(k).encode("utf-16-be"))
    out = []
    at = 1  # after "{"
    for key in keys:
        k = canonical_text(str(key))
        v = canonical_text(arguments[key], default=str)
        if canonical[at : at + len(k) + 1 + len(v)] != f"{k}:{v}":
            return ()
        start = at + len(k) + 1
        out.append((str(key), offset + start, offset + start + len(v)))
        at = start + len(v) + 1  # past the "," or the closing "}"
    return tuple(out)


def _strings(value: Any) -> list[str]:
    """The string values in `value`, depth first (bounded: `_MAX_LEAVES`)."""
    out: list[str] = []
    stack = [value]
    while stack and len(out) < _MAX_LEAVES:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Mapping):
            stack.extend(reversed([item[k] for k in sorted(item, key=str)]))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))
    return out


@dataclass(frozen=True, slots=True)
class ArgumentData:
    """Where a tool call's data is: `labels` per argument (`*` for content), and `addresses`,
    the findings that are only the addresses its destinations name (they label nothing)."""

    labels: dict[str, set[str]]
    addresses: frozenset[Finding]


def data_labels(
    findings: Iterable[Finding], at: ArgumentText, destinations: Iterable[str]
) -> ArgumentData:
    """Place each finding in its argument (see the module docstring)."""
    dests = set(destinations)
    placed = [(f, _argument(at, f.start, f.end)) for f in findings if f.has_span and f.labels]
    # the addresses the destinations name, as read (a display name around one is not read)
    named = {_value(at, f) for f, arg in placed if arg in dests and f.type in ADDRESS_TYPES}
    out: dict[str, set[str]] = {}
    addresses = set()
    for f, arg in placed:
        if f.type in ADDRESS_TYPES and (arg in dests or _value(at, f) in named):
            addresses.add(f)  # the address a destination names, or that address quoted
            continue
        if arg is not None:
            out.setdefault(arg, set()).update(f.labels)
        out.setdefault(CONTENT, set()).update(f.labels)
    return ArgumentData(out, frozenset(addresses))


def delivery_labels(
    arg_labels: Mapping[str, set[str]], destinations: Iterable[str]
) -> dict[str, set[str]]:
    """`{">": {"external"}}` (`>:external`) when a destination argument present in the call
    (judged by its provenance labels, `arg_labels`) is not wholly on the organisation's own
    allowlists (`INSIDE`); an absent or empty destination sends nothing anywhere."""
    for arg in destinations:
        found = arg_labels.get(arg)
        # `proven` and nothing else: no item in it (`labels.destination_labels`)
        if found is not None and not found & INSIDE and found != {PROVEN}:
            return {OUTBOUND: {"external"}}
    return {}


def _argument(at: ArgumentText, start: int, end: int) -> str | None:
    """The top-level argument whose value holds `[start, end)`, or None (the name, the joined
    part, or arguments that could not be placed)."""
    i = bisect_right(at.starts, start) - 1
    if i < 0:
        return None
    name, s, e = at.spans[i]
    return name if s <= start and end <= e else None


def _value(at: ArgumentText, finding: Finding) -> str:
    return normalize(at.text[finding.start : finding.end]).text.strip().casefold()
