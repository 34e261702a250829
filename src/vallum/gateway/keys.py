"""Managing Vallum API keys: list what exists, revoke one (creation is in `auth`).

A key is named by its id or by its printed prefix (`rk_` + 7 characters), never by the key
itself. Revocation is a flag, so the key's history stays: who it was for, when it was made. A
running gateway honours it within `auth.CACHE_TTL_S` seconds (keys are cached that long).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from vallum.exceptions import EvidenceError, InputError
from vallum.storage.database import Database
from vallum.storage.tables import api_keys


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: str
    prefix: str
    principal: str
    name: str
    created_at: str
    revoked: bool


_COLUMNS = (
    api_keys.c.id, api_keys.c.prefix, api_keys.c.principal, api_keys.c.name,
    api_keys.c.created_at, api_keys.c.revoked,
)  # fmt: skip


def list_api_keys(db: Database, *, include_revoked: bool = False) -> list[KeyInfo]:
    """Every key (never the key itself: only its prefix), oldest first."""
    query = select(*_COLUMNS).order_by(api_keys.c.created_at, api_keys.c.id)
    if not include_revoked:
        query = query.where(api_keys.c.revoked == 0)
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(query).all()
    except SQLAlchemyError as exc:
        raise EvidenceError(f"cannot read API keys from {db.display_url}: {exc}") from exc
    return [_info(r) for r in rows]


def revoke_api_key(db: Database, id_or_prefix: str) -> KeyInfo:
    """Revoke the one key with this id or prefix; an unknown or ambiguous name is an error."""
    wanted = id_or_prefix.strip()
    if not wanted:
        raise InputError("name the key to revoke by its id or prefix")
    match = or_(api_keys.c.id == wanted, api_keys.c.prefix == wanted)
    try:
        with db.engine.begin() as conn:
            rows = conn.execute(select(*_COLUMNS).where(match)).all()
            if len(rows) != 1:
                problem = "no API key" if not rows else f"{len(rows)} API keys"
                raise InputError(f"{problem} with id or prefix {wanted!r}; see `vallum keys list`")
            conn.execute(update(api_keys).where(api_keys.c.id == rows[0][0]).values(revoked=1))
    except SQLAlchemyError as exc:
        raise EvidenceError(f"cannot revoke the API key in {db.display_url}: {exc}") from exc
    return replace(_info(rows[0]), revoked=True)


def _info(row: Any) -> KeyInfo:
    return KeyInfo(row[0], row[1], row[2], row[3], row[4], bool(row[5]))
