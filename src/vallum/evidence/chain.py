"""The hash chain: canonical JSON, and the hash that links each record to the one before.

A record's canonical text is its JSON with keys sorted, no spaces and UTF-8 kept as is. The log
stores that text and hashes exactly it, and verification hashes the stored text again (never a
re-serialisation), so a record verifies whichever encoder wrote it: Python's `json` before
orjson, orjson now. The two write the same bytes except for floats below 1e-4 (`1e-05` against
`0.00001`) and non-finite floats (`NaN` against `null`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

from vallum.exceptions import EvidenceError

GENESIS_HASH = "0" * 64


def canonical_json(record: dict[str, Any]) -> str:
    """One serialisation per record: sorted keys, no spaces, UTF-8 kept as is.

    >>> canonical_json({"b": 1, "a": "é"})
    '{"a":"é","b":1}'
    """
    return canonical_bytes(record).decode()


def canonical_bytes(record: dict[str, Any]) -> bytes:
    """`canonical_json` as the UTF-8 bytes that are hashed.

    What orjson refuses (an integer beyond 64 bits, a non-string key, a float subclass) is
    written in `json`'s form; what neither writes (another type, a lone surrogate, a cycle)
    raises `EvidenceError`. NaN and infinities become `null`: JSON has no such numbers, and the
    `NaN` token `json` wrote is refused by strict JSON readers.
    """
    try:
        return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        pass  # a value orjson refuses: the standard library may still encode it
    try:
        return json.dumps(
            record, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (TypeError, ValueError) as exc:
        raise EvidenceError(f"evidence record {record.get('id')!r} is not JSON: {exc}") from exc


def link_hash(prev_hash: str, canonical: str | bytes) -> str:
    """sha256 of the previous hash, a newline and the record's canonical text (UTF-8)."""
    text = canonical if isinstance(canonical, bytes) else canonical.encode()
    return hashlib.sha256(prev_hash.encode() + b"\n" + text).hexdigest()
