"""Tool pinning: a tool is delivered only in the version a person approved, failing closed.

    first sight ─> pinned: quarantined (or approved, when the bundle trusts the server's tools
                   on first use and the poisoning checks flag nothing)
    same version ─> as pinned
    changed     ─> quarantined (a rug pull) until `vallum mcp approve` accepts the new version;
                   back to the approved version ─> delivered again
    new name, same description and schema as an approved tool that is gone ─> a rename: approved

A version is the canonical hash (RFC 8785, `vallum.canonical`) of the tool's name, description
and input schema; its content hash leaves the name out, which is how a rename is recognised.
Pins live in the project's database, so every proxy process (one per server a client starts)
and `vallum mcp approve` share them.
"""

from __future__ import annotations

import builtins
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from vallum.canonical import canonical_bytes
from vallum.evidence.record import utc_now
from vallum.exceptions import EvidenceError, InputError
from vallum.storage.database import Database
from vallum.storage.tables import mcp_pins

NEW_TOOL = "new tool, not yet approved: review it, then `vallum mcp approve {server} {tool}`"


class PinStatus(StrEnum):
    APPROVED = "approved"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class ToolVersion:
    """What a client is shown of a tool, and so what is pinned."""

    name: str
    description: str
    input_schema: Mapping[str, Any]

    @property
    def version_hash(self) -> str:
        return _hash({"name": self.name, **self._content()})

    @property
    def content_hash(self) -> str:
        return _hash(self._content())

    def _content(self) -> dict[str, Any]:
        return {"description": self.description, "input_schema": dict(self.input_schema)}

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **self._content()}


def _hash(value: Any) -> str:
    try:
        return hashlib.sha256(canonical_bytes(value)).hexdigest()
    except ValueError as exc:  # CanonicalJSONError: a schema JSON cannot hold
        raise InputError(f"tool definition has no canonical form: {exc}") from None


@dataclass(frozen=True, slots=True)
class Pin:
    server: str
    tool: str
    status: PinStatus
    reason: str
    approved_hash: str | None
    seen_hash: str
    content_hash: str
    snapshot: Mapping[str, Any]
    first_seen: str
    updated_at: str
    approved_by: str | None = None

    @property
    def delivered(self) -> bool:
        """Whether the version last seen is the one approved: only then is the tool shown."""
        return self.status is PinStatus.APPROVED and self.approved_hash == self.seen_hash

    def to_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "tool": self.tool,
            "status": self.status.value,
            "delivered": self.delivered,
            "reason": self.reason,
            "approved_hash": self.approved_hash,
            "seen_hash": self.seen_hash,
            "first_seen": self.first_seen,
            "updated_at": self.updated_at,
            "approved_by": self.approved_by,
            "snapshot": dict(self.snapshot),
        }


class PinStore:
    """Pins in `vallum_mcp_pins`, shared by every process on the database."""

    def __init__(self, database: Database):
        self.db = database

    def observe(
        self,
        server: str,
        versions: Iterable[ToolVersion],
        *,
        first_use: bool,
        flags: Mapping[str, str] | None = None,
    ) -> dict[str, Pin]:
        """Pin what `server` lists now; the pins by tool name. `flags` maps a tool to why the
        poisoning checks flagged it: a flagged tool is never approved without a person."""
        listed = list(versions)
        flags = flags or {}
        for attempt in range(2):  # another process may pin the same new tool at the same time
            try:
                with self.db.engine.begin() as conn:
                    known = {p.tool: p for p in self._rows(conn, server)}
                    names = {v.name for v in listed}
                    out: dict[str, Pin] = {}
                    for version in listed:
                        pin = self._next(server, version, known, names, first_use, flags)
                        if pin is not known.get(version.name):
                            self._write(conn, pin, insert=version.name not in known)
                        out[version.name] = pin
                    return out
            except IntegrityError:
                if attempt:
                    raise EvidenceError(f"cannot pin the tools of {server!r}: conflict") from None
            except SQLAlchemyError as exc:
                raise EvidenceError(f"cannot pin the tools of {server!r}: {exc}") from exc
        raise AssertionError("unreachable")

    def _next(
        self,
        server: str,
        version: ToolVersion,
        known: Mapping[str, Pin],
        names: set[str],
        first_use: bool,
        flags: Mapping[str, str],
    ) -> Pin:
        now = utc_now()
        seen, content = version.version_hash, version.content_hash
        flagged = flags.get(version.name)
        pin = known.get(version.name)
        if pin is not None:
            if pin.seen_hash == seen:
                return pin
            if pin.approved_hash == seen:
                status, reason = PinStatus.APPROVED, "back to the approved version"
            else:
                what = "description" if pin.content_hash != content else "definition"
                if pin.snapshot.get("description") == version.description:
                    what = "input schema"
                reason = (
                    f"{what} changed since it was pinned (a rug pull?): approve the new version"
                )
                if flagged:
                    reason = f"{reason}; flagged: {flagged}"
                status = PinStatus.QUARANTINED
            return Pin(
                server, version.name, status, reason, pin.approved_hash, seen, content,
                version.to_dict(), pin.first_seen, now, pin.approved_by,
            )  # fmt: skip
        renamed = next(
            (
                p
                for p in known.values()
                if p.delivered and p.content_hash == content and p.tool not in names
            ),
            None,
        )
        approved: str | None = None
        if renamed is not None:
            status, reason, approved = (
                PinStatus.APPROVED,
                f"renamed from {renamed.tool} (description and schema unchanged)",
                seen,
            )
        elif flagged:
            status, reason = PinStatus.QUARANTINED, f"flagged: {flagged}"
        elif first_use:
            status, reason, approved = PinStatus.APPROVED, "trusted on first use (bundle)", seen
        else:
            status, reason = (
                PinStatus.QUARANTINED,
                NEW_TOOL.format(server=server, tool=version.name),
            )
        by = renamed.approved_by if renamed is not None else None
        return Pin(
            server, version.name, status, reason, approved, seen, content, version.to_dict(),
            now, now, by,
        )  # fmt: skip

    def approve(self, server: str, tool: str, *, by: str, expected_hash: str | None = None) -> Pin:
        """Approve the version of `tool` last seen (the one `pins` shows). With
        `expected_hash` (or a prefix of 8+), refuse if the tool changed since it was reviewed."""
        with self.db.engine.begin() as conn:
            pin = next((p for p in self._rows(conn, server) if p.tool == tool), None)
            if pin is None:
                raise InputError(f"no pin for tool {tool!r} of MCP server {server!r}")
            if expected_hash is not None and (
                len(expected_hash) < 8 or not pin.seen_hash.startswith(expected_hash)
            ):
                raise InputError(
                    f"tool {tool!r} of {server!r} is at version {pin.seen_hash[:12]}, not "
                    f"{expected_hash!r}: review it again"
                )
            conn.execute(
                update(mcp_pins)
                .where(mcp_pins.c.server == server, mcp_pins.c.tool == tool)
                .values(
                    approved_hash=pin.seen_hash,
                    status=PinStatus.APPROVED.value,
                    reason=f"approved by {by}",
                    approved_by=by,
                    updated_at=utc_now(),
                )
            )
        return self.get(server, tool) or pin

    def get(self, server: str, tool: str) -> Pin | None:
        return next((p for p in self.list(server) if p.tool == tool), None)

    def list(self, server: str | None = None) -> builtins.list[Pin]:
        try:
            with self.db.engine.connect() as conn:
                return self._rows(conn, server)
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read MCP pins: {exc}") from exc

    @staticmethod
    def _rows(conn: Any, server: str | None) -> builtins.list[Pin]:
        query = select(mcp_pins).order_by(mcp_pins.c.server, mcp_pins.c.tool)
        if server is not None:
            query = query.where(mcp_pins.c.server == server)
        return [
            Pin(
                r.server,
                r.tool,
                PinStatus(r.status),
                r.reason,
                r.approved_hash,
                r.seen_hash,
                r.content_hash,
                json.loads(r.snapshot),
                r.first_seen,
                r.updated_at,
                r.approved_by,
            )
            for r in conn.execute(query)
        ]

    @staticmethod
    def _write(conn: Any, pin: Pin, *, insert: bool) -> None:
        values = {
            "approved_hash": pin.approved_hash,
            "seen_hash": pin.seen_hash,
            "content_hash": pin.content_hash,
            "status": pin.status.value,
            "reason": pin.reason,
            "snapshot": json.dumps(pin.snapshot, sort_keys=True, ensure_ascii=False),
            "updated_at": pin.updated_at,
            "approved_by": pin.approved_by,
        }
        if insert:
            conn.execute(
                mcp_pins.insert().values(
                    server=pin.server, tool=pin.tool, first_seen=pin.first_seen, **values
                )
            )
        else:
            conn.execute(
                update(mcp_pins)
                .where(mcp_pins.c.server == pin.server, mcp_pins.c.tool == pin.tool)
                .values(**values)
            )
