"""Evidence rows as the driver returns them, and the columns copied out of each record."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import msgspec
import orjson

from vallum.exceptions import EvidenceError

COLUMNS = (
    "seq",
    "id",
    "created_at",
    "kind",
    "principal",
    "session",
    "stage",
    "action",
    "bundle_version",
    "record",
    "prev_hash",
    "hash",
    "payload",
    "tree",
)


class Row(NamedTuple):
    """A row as the driver gives it (a tuple in `COLUMNS` order), its fields by name."""

    seq: int
    id: str
    created_at: str
    kind: str
    principal: str
    session: str
    stage: str
    action: str
    bundle_version: str
    record: str
    prev_hash: str
    hash: str
    payload: str | None
    tree: str | None


class _Bundle(msgspec.Struct):
    version: str = ""


class Indexed(msgspec.Struct):
    """The fields of a record that verification compares with its row, decoded from the
    stored bytes without building the rest (`INDEXED.decode`); a record whose fields are of
    other types fails to decode and is checked from the whole parsed record instead."""

    seq: int
    id: str
    created_at: str
    kind: str
    principal: str = ""
    session: str = ""
    stage: str = ""
    action: str = ""
    bundle: _Bundle | None = None
    payload: str | msgspec.UnsetType = msgspec.UNSET  # the content commitment, when any


INDEXED = msgspec.json.Decoder(Indexed)


def matches(row: Row, body: dict[str, Any]) -> bool:
    """Whether the row's copied columns are what its record says (an edited `principal` or
    `action` column would hide a record from the dashboard's filters)."""
    try:
        expected = indexed(body)
    except (KeyError, AttributeError):  # a record without its required fields
        return False
    return tuple(map(str, row[1:9])) == expected


def indexed(body: dict[str, Any]) -> tuple[str, ...]:
    """The columns copied out of a record for lookups and filters (the dashboard's), in
    `COLUMNS` order after `seq`."""
    return (
        str(body["id"]),
        str(body["created_at"]),
        str(body["kind"]),
        str(body.get("principal", ""))[:256],
        str(body.get("session", ""))[:256],
        str(body.get("stage", "")),
        str(body.get("action", "")),
        str((body.get("bundle") or {}).get("version", "")),
    )


def loads(text: str | bytes) -> Any:
    """orjson first (the fast path), then the standard library for what only it reads: the
    `NaN` and `Infinity` tokens that records written before orjson may hold."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def check(record: dict[str, Any]) -> None:
    for key in ("id", "created_at", "kind"):
        if not record.get(key):
            raise EvidenceError(f"evidence record lacks {key!r}")


def brief(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
