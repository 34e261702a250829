"""The hash chain: canonical JSON, and the hash that links each record to the one before.

A record's canonical text is its RFC 8785 form (`vallum.canonical`): keys sorted, no spaces,
UTF-8 kept as is, numbers by value. The log stores that text and hashes exactly it, and
verification hashes the stored text again (never a re-serialisation), so a record verifies
whichever encoder wrote it: Python's `json` (schema 1, before orjson), orjson with sorted keys
(schema 1), RFC 8785 (schema 2, from `RECORD_SCHEMA_VERSION` 2). The encoders differ only in
numbers: a whole float (`0.0` before, `0` now), floats below 1e-4 or from 1e16 up, and NaN.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from vallum.canonical import canonical_bytes as _canonical_bytes
from vallum.exceptions import CanonicalJSONError, EvidenceError

GENESIS_HASH = "0" * 64
_SEQ, _SEQ_UNITS = "seq", "seq".encode("utf-16-be")


def canonical_json(record: dict[str, Any]) -> str:
    """One serialisation per record: RFC 8785, UTF-8 kept as is.

    >>> canonical_json({"b": 1, "a": "é", "s": 0.0})
    '{"a":"é","b":1,"s":0}'
    """
    return canonical_bytes(record).decode()


def canonical_bytes(record: dict[str, Any]) -> bytes:
    """`canonical_json` as the UTF-8 bytes that are hashed.

    NaN and infinities become `null` (JSON has no such numbers, and a record must not be lost
    to a detector's NaN score); anything else JSON cannot hold (another type, a non-string key,
    a lone surrogate) raises `EvidenceError` naming the record.
    """
    try:
        return _canonical_bytes(record, default=_non_finite_as_null)
    except CanonicalJSONError as exc:
        raise EvidenceError(f"evidence record {record.get('id')!r} is not JSON: {exc}") from exc


def canonical_halves(body: dict[str, Any]) -> tuple[bytes, bytes] | None:
    """The canonical bytes of `body`'s members whose keys sort before `"seq"`, and of those
    after it, so that the record's bytes with any seq (`with_seq`) need no encoding under the
    log's head lock; None when a key is not a plain `str` (then the whole record is encoded
    with its seq). Any `"seq"` in `body` is left out: the log numbers records."""
    if any(type(key) is not str for key in body):
        return None
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in body.items():
        if key != "seq":
            # RFC 8785 orders keys by UTF-16 code units (for ASCII, as str compares)
            first = key < _SEQ if key.isascii() else key.encode("utf-16-be") < _SEQ_UNITS
            (before if first else after)[key] = value
    return canonical_bytes(before), canonical_bytes(after)


def with_seq(halves: tuple[bytes, bytes], seq: int) -> bytes:
    """`canonical_bytes({**body, "seq": seq})` from `canonical_halves(body)`.

    >>> with_seq(canonical_halves({"a": 1, "z": [2]}), 7)
    b'{"a":1,"seq":7,"z":[2]}'
    """
    before, after = halves
    return b"".join((
        before[:-1], b"," if len(before) > 2 else b"", b'"seq":', str(int(seq)).encode(),
        b"," + after[1:] if len(after) > 2 else b"}",
    ))  # fmt: skip


def _non_finite_as_null(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise CanonicalJSONError(f"{type(value).__name__} is not JSON: {value!r:.80}")


def link_hash(prev_hash: str, canonical: str | bytes) -> str:
    """sha256 of the previous hash, a newline and the record's canonical text (UTF-8)."""
    text = canonical if isinstance(canonical, bytes) else canonical.encode()
    return hashlib.sha256(prev_hash.encode() + b"\n" + text).hexdigest()
