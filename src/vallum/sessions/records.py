"""Structured tool results: identifier fields apart from free text.

A tool whose bundle entry lists `record_fields` returns JSON (or YAML, as some agent frameworks
print results) whose fields of those names hold identifiers the system sets: the sender of a
transaction, a file id, a channel name. A value there that is one token is a *record*; every
other string in the result, and any record value of more than one token (an attacker who names a
channel "External_<instructions>" writes text, not an identifier), is *text*. Numbers, booleans
and nulls outside record fields (a size, an amount, a read flag) are typed values, not text. Content that does
not parse, or is too deeply nested, is all text: parsing only ever lowers taint for values the
bundle vouched for.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import yaml

from vallum.sessions.fingerprint import tokens

ITEMS = "[]"  # in record_fields: the items of a top-level list of plain values
MAX_NODES = 50_000
_SCALARS = (str, int, float)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(slots=True)
class Split:
    records: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


class _TooLarge(Exception):
    pass


def split_result(text: str, record_fields: Collection[str]) -> Split:
    """The record values and the text parts of a tool result."""
    data = _parse(text)
    if data is None:
        return Split(text=[text])
    out = Split()
    budget = [MAX_NODES]
    try:
        if isinstance(data, list) and ITEMS in record_fields:
            for item in data:
                _walk(item, record_fields, out, budget, record=isinstance(item, _SCALARS))
        else:
            _walk(data, record_fields, out, budget, record=False)
    except _TooLarge:
        return Split(text=[text])
    return out


def _parse(text: str) -> Any:
    stripped = text.lstrip()
    if not stripped:
        return None
    try:
        if stripped[0] in "[{":
            return json.loads(text)
    except ValueError:
        pass
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (C or Python)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict | list) else None


def _walk(node: Any, fields: Collection[str], out: Split, budget: list[int], record: bool) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if isinstance(node, dict):
        for key, value in node.items():  # keys inside a record field (an ACL's addresses) are too
            _walk(key, fields, out, budget, record=record)
            _walk(value, fields, out, budget, record=record or str(key) in fields)
    elif isinstance(node, list):
        for item in node:
            _walk(item, fields, out, budget, record=record)
    elif isinstance(node, str):
        if record and len(tokens(node)) == 1:
            out.records.append(node)
        else:
            out.text.append(node)
    elif isinstance(node, int | float) and not isinstance(node, bool) and record:
        out.records.append(str(node))
    # other numbers, booleans and nulls are typed values the system set, not anyone's text
