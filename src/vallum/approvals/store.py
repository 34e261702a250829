"""Approvals in the database, beside the evidence they leave.

Every change of state is a conditional UPDATE (`... WHERE status = 'approved' AND
action_hash = ...`) in the same transaction as its evidence record: the row count decides who
won, so when two replicas race to use one approval exactly one of them gets it, and a state
change is never committed without its record (nor a record without its change).
"""

from __future__ import annotations

import builtins
import contextlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from vallum.approvals.model import Approval, HeldAction, RuleRef, Status
from vallum.approvals.rules import missing_rules
from vallum.evidence.log import EvidenceLog
from vallum.evidence.record import RECORD_SCHEMA_VERSION, utc_now
from vallum.exceptions import (
    ApprovalDenied,
    ApprovalError,
    ApprovalExpired,
    ApprovalForbidden,
    ApprovalNotFound,
    ApprovalPending,
)
from vallum.storage.database import Database
from vallum.storage.tables import approvals

KIND_REQUESTED = "approval.requested"
KIND_APPROVED = "approval.approved"
KIND_DENIED = "approval.denied"
KIND_USED = "approval.used"
KIND_EXPIRED = "approval.expired"
MIN_PREFIX = 8


class ApprovalStore:
    """Create, read, decide, use and expire approvals; each change leaves an evidence record.

    `clock` returns UNIX seconds; tests pass a fake one to move time without sleeping.
    """

    def __init__(
        self,
        database: Database,
        *,
        bundle_name: str = "",
        clock: Callable[[], float] = time.time,
    ):
        self.db = database
        self.evidence = EvidenceLog(database)
        self.bundle_name = bundle_name
        self.clock = clock

    # Reading.
    def get(self, approval_id: str) -> Approval | None:
        """The approval with this id (or a unique prefix of at least 8 characters)."""
        try:
            with self.db.engine.connect() as conn:
                return self._find(conn, approval_id)
        except SQLAlchemyError as exc:
            raise ApprovalError(f"cannot read approvals: {_brief(exc)}") from exc

    def list(self, *, status: Status | None = None, limit: int = 100) -> list[Approval]:
        """Approvals, newest first; only those in `status` when given."""
        query = select(approvals).order_by(approvals.c.created_at.desc()).limit(limit)
        if status is not None:
            query = query.where(approvals.c.status == status.value)
        try:
            with self.db.engine.connect() as conn:
                return [_approval(row) for row in conn.execute(query)]
        except SQLAlchemyError as exc:
            raise ApprovalError(f"cannot read approvals: {_brief(exc)}") from exc

    # Changing state.
    def request(
        self, action: HeldAction, rules: tuple[RuleRef, ...], ttl_s: float
    ) -> tuple[Approval, bool]:
        """A pending approval for `action`: the open one for the same hash, else a new one.

        Returns the approval and whether it was created now (only then is anyone notified).
        """
        now = self.clock()
        digest = action.action_hash
        row: dict[str, Any] = {
            "id": str(uuid.uuid4()), "action_hash": digest, "status": Status.PENDING.value,
            "principal": action.principal, "session": action.session, "tool": action.tool,
            "arguments": json.dumps(dict(action.arguments), ensure_ascii=False, default=str),
            "decision_id": action.decision_id,
            "rules": json.dumps([r.to_dict() for r in rules]),
            "reasons": json.dumps(list(action.reasons), ensure_ascii=False),
            "bundle_version": action.bundle_version, "created_at": now,
            "expires_at": now + ttl_s, "ttl_s": ttl_s,
        }  # fmt: skip
        with self._transaction("request approval") as conn:
            open_one = conn.execute(
                select(approvals)
                .where(
                    approvals.c.action_hash == digest,
                    approvals.c.status == Status.PENDING.value,
                    approvals.c.expires_at > now,
                )
                .order_by(approvals.c.created_at)
                .limit(1)
            ).first()
            if open_one is not None:
                return _approval(open_one), False
            conn.execute(insert(approvals).values(**row))
            approval = _approval_from(row)
            self._record(conn, KIND_REQUESTED, approval)
        return approval, True

    def decide(
        self,
        approval_id: str,
        *,
        approver: str,
        roles: frozenset[str],
        approve: bool,
        note: str = "",
    ) -> Approval:
        """Approve or deny a pending request as `approver` holding `roles`.

        Refused (`ApprovalForbidden`) when the approver is the principal that asked, or lacks a
        role one of the covering rules requires; `ApprovalExpired` when it is too late.
        """
        expired: Approval | None = None
        with self._transaction("decide approval") as conn:
            current = self._require(conn, approval_id)
            now = self.clock()
            if current.status is Status.PENDING and current.expires_at <= now:
                expired = self._expire(conn, current)
            else:
                _check_decidable(current, approver, roles)
                values: dict[str, Any] = {
                    "status": (Status.APPROVED if approve else Status.DENIED).value,
                    "decided_by": approver,
                    "decided_at": now,
                    "note": note or None,
                }
                if approve:  # the approved call may be used for one more lifetime
                    values["expires_at"] = now + current.ttl_s
                result = conn.execute(
                    update(approvals)
                    .where(
                        approvals.c.id == current.id,
                        approvals.c.status == Status.PENDING.value,
                    )
                    .values(**values)
                )
                if result.rowcount != 1:
                    raise ApprovalError(f"approval {current.id} was decided by someone else first")
                decided = self._require(conn, current.id)
                kind = KIND_APPROVED if approve else KIND_DENIED
                self._record(conn, kind, decided, actor=approver, note=note)
                return decided
        assert expired is not None
        raise ApprovalExpired(expired.id, f"approval {expired.id} expired before it was decided")

    def consume(self, approval_id: str, digest: str, *, used_by: str) -> Approval:
        """Use approval `approval_id` for the call hashed `digest`: succeeds once, ever.

        Raises `ApprovalPending`, `ApprovalDenied`, `ApprovalExpired` or `ApprovalError` (a
        different call, already used) when the call may not go through.
        """
        expired: Approval | None = None
        with self._transaction("use approval") as conn:
            current = self._require(conn, approval_id)
            if current.action_hash != digest:
                raise ApprovalError(
                    f"approval {current.id} was given for a different call "
                    f"(principal, session, tool or arguments changed): ask for a new one"
                )
            now = self.clock()
            if current.status is Status.APPROVED and current.expires_at <= now:
                expired = self._expire(conn, current)
            else:
                _check_usable(current)
                result = conn.execute(
                    update(approvals)
                    .where(
                        approvals.c.id == current.id,
                        approvals.c.status == Status.APPROVED.value,
                        approvals.c.action_hash == digest,
                        approvals.c.expires_at > now,
                    )
                    .values(status=Status.USED.value, used_at=now, used_by=used_by)
                )
                if result.rowcount != 1:
                    raise ApprovalError(f"approval {current.id} has already been used")
                used = self._require(conn, current.id)
                self._record(conn, KIND_USED, used, note=used_by)
                return used
        assert expired is not None
        raise ApprovalExpired(expired.id, f"approval {expired.id} expired before it was used")

    def consume_matching(self, digest: str, *, used_by: str) -> Approval | None:
        """Use any approved, unexpired approval for the call hashed `digest`; None if none."""
        now = self.clock()
        try:
            with self.db.engine.connect() as conn:
                ids = conn.execute(
                    select(approvals.c.id)
                    .where(
                        approvals.c.action_hash == digest,
                        approvals.c.status == Status.APPROVED.value,
                        approvals.c.expires_at > now,
                    )
                    .order_by(approvals.c.decided_at)
                ).all()
        except SQLAlchemyError as exc:
            raise ApprovalError(f"cannot read approvals: {_brief(exc)}") from exc
        for (candidate,) in ids:
            try:
                return self.consume(str(candidate), digest, used_by=used_by)
            except ApprovalError:
                continue  # another caller used it first, or it just expired
        return None

    def expire_due(self) -> builtins.list[Approval]:
        """Mark every pending or approved approval past its time as expired (with evidence)."""
        now = self.clock()
        open_states = (Status.PENDING.value, Status.APPROVED.value)
        try:
            with self.db.engine.connect() as conn:
                due = conn.execute(
                    select(approvals.c.id).where(
                        approvals.c.status.in_(open_states), approvals.c.expires_at <= now
                    )
                ).all()
        except SQLAlchemyError as exc:
            raise ApprovalError(f"cannot read approvals: {_brief(exc)}") from exc
        out = []
        for (approval_id,) in due:
            with self._transaction("expire approval") as conn:
                current = self._require(conn, str(approval_id))
                if current.status.value in open_states and current.expires_at <= now:
                    out.append(self._expire(conn, current))
        return out

    # Internals.
    def _expire(self, conn: Connection, current: Approval) -> Approval:
        result = conn.execute(
            update(approvals)
            .where(approvals.c.id == current.id, approvals.c.status == current.status.value)
            .values(status=Status.EXPIRED.value)
        )
        expired = self._require(conn, current.id)
        if result.rowcount == 1:
            self._record(conn, KIND_EXPIRED, expired, note=f"was {current.status.value}")
        return expired

    def _find(self, conn: Connection, approval_id: str) -> Approval | None:
        if MIN_PREFIX <= len(approval_id) < 36:
            found = conn.execute(
                select(approvals)
                .where(approvals.c.id.startswith(approval_id, autoescape=True))
                .limit(2)
            ).all()
            return _approval(found[0]) if len(found) == 1 else None
        row = conn.execute(select(approvals).where(approvals.c.id == approval_id)).first()
        return None if row is None else _approval(row)

    def _require(self, conn: Connection, approval_id: str) -> Approval:
        found = self._find(conn, approval_id)
        if found is None:
            raise ApprovalNotFound(f"no approval {approval_id!r}")
        return found

    @contextlib.contextmanager
    def _transaction(self, what: str) -> Iterator[Connection]:
        """One transaction; Vallum's own errors (raised to refuse a change) roll it back."""
        try:
            with self.db.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise ApprovalError(f"cannot {what}: {_brief(exc)}") from exc

    def _record(
        self,
        conn: Connection,
        kind: str,
        approval: Approval,
        *,
        actor: str | None = None,
        note: str | None = None,
    ) -> None:
        record: dict[str, Any] = {
            "schema": RECORD_SCHEMA_VERSION,
            "kind": kind,
            "id": str(uuid.uuid4()),
            "created_at": utc_now(),
            "principal": approval.principal,
            "session": approval.session,
            "stage": "tool_call",
            "action": kind.partition(".")[2],
            "bundle": {"name": self.bundle_name, "version": approval.bundle_version},
            "approval": {
                "id": approval.id,
                "status": approval.status.value,
                "action_hash": approval.action_hash,
                "tool": approval.tool,
                "decision_id": approval.decision_id,
                "rules": [r.to_dict() for r in approval.rules],
                "expires_at": approval.expires_at,
            },
        }
        if actor is not None:
            record["approver"] = actor
        if note:
            record["note"] = note
        self.evidence.append_in(conn, [record])


def _check_decidable(current: Approval, approver: str, roles: frozenset[str]) -> None:
    if current.status is not Status.PENDING:
        raise ApprovalError(f"approval {current.id} is already {current.status.value}")
    if approver == current.principal:
        raise ApprovalForbidden(
            f"{approver} asked for approval {current.id} and cannot decide its own request"
        )
    missing = missing_rules(current.rules, roles)
    if missing:
        needed = "; ".join(f"rule {r.id}: one of {', '.join(r.roles)}" for r in missing)
        held = ", ".join(sorted(roles)) or "none"
        raise ApprovalForbidden(
            f"{approver} (roles: {held}) may not decide approval {current.id}: needs {needed}"
        )


def _check_usable(current: Approval) -> None:
    if current.status is Status.PENDING:
        raise ApprovalPending(current.id)
    if current.status is Status.DENIED:
        raise ApprovalDenied(
            current.id, f"approval {current.id} was denied by {current.decided_by}"
        )
    if current.status is Status.EXPIRED:
        raise ApprovalExpired(current.id)
    if current.status is Status.USED:
        raise ApprovalError(f"approval {current.id} has already been used")


def _approval(row: Row[Any]) -> Approval:
    return _approval_from(dict(row._mapping))


def _approval_from(row: dict[str, Any]) -> Approval:
    return Approval(
        id=str(row["id"]),
        action_hash=str(row["action_hash"]),
        status=Status(row["status"]),
        principal=str(row["principal"]),
        session=str(row["session"]),
        tool=str(row["tool"]),
        arguments=json.loads(row["arguments"]),
        decision_id=str(row["decision_id"]),
        rules=tuple(RuleRef(r["id"], tuple(r["roles"])) for r in json.loads(row["rules"])),
        reasons=tuple(json.loads(row["reasons"])),
        bundle_version=str(row["bundle_version"]),
        created_at=float(row["created_at"]),
        expires_at=float(row["expires_at"]),
        ttl_s=float(row["ttl_s"]),
        decided_by=row.get("decided_by"),
        decided_at=row.get("decided_at"),
        note=row.get("note"),
        used_at=row.get("used_at"),
        used_by=row.get("used_by"),
    )


def _brief(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
