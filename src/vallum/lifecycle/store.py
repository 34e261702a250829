"""Bundle versions and their activation history, in the database.

Activating a bundle stores a snapshot of its files under its version (the content hash), so any
version can be activated again later, by anyone, on any replica, without the original directory.
Each activation records who did it and when; `rollback` returns to the version that was active
before the current one. History is append-only: a rollback is itself an activation row.

    store = PolicyStore(Database())
    store.activate("policies/", by="ann")      # validates, snapshots, activates
    store.rollback(by="ann")                    # back to the previous version
"""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from vallum.bundle.loader import Bundle, bundle_version, load_bundle
from vallum.evidence.record import utc_now
from vallum.exceptions import EvidenceError, PolicyVersionError
from vallum.storage.database import Database
from vallum.storage.tables import policy_activations, policy_versions

MIN_VERSION_PREFIX = 6
# PostgreSQL channel an activation is announced on (`vallum serve --active` listens).
NOTIFY_CHANNEL = "vallum_policy"
ACTIVATE, ROLLBACK, SHADOW, UNSHADOW = "activate", "rollback", "shadow", "unshadow"
ACTIVATING = (ACTIVATE, ROLLBACK)  # the rows that change which version enforces
_EXCLUDED_DIRS = {"tests", "__pycache__"}


@dataclass(frozen=True, slots=True)
class Activation:
    seq: int
    version: str
    previous: str | None
    activated_by: str
    activated_at: str
    action: str  # "activate" | "rollback" | "shadow" | "unshadow"
    note: str

    def to_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "version": self.version,
            "previous": self.previous,
            "activated_by": self.activated_by,
            "activated_at": self.activated_at,
            "action": self.action,
            "note": self.note,
        }


def snapshot_files(root: Path) -> dict[str, str]:
    """The files that make up the bundle's version (tests and hidden files excluded), base64."""
    out = {}
    for file in sorted(root.rglob("*")):
        rel = file.relative_to(root).parts
        if file.is_file() and not any(p.startswith(".") or p in _EXCLUDED_DIRS for p in rel):
            out[file.relative_to(root).as_posix()] = base64.b64encode(file.read_bytes()).decode()
    return out


class PolicyStore:
    """Versions and activations of policy bundles, on SQLite or PostgreSQL."""

    def __init__(self, database: Database):
        self.db = database

    def activate(self, source: str | Path, *, by: str, note: str = "") -> Activation:
        """Activate a bundle directory (validated and snapshotted first) or a stored VERSION
        (a unique prefix of at least six characters will do)."""
        path = Path(source)
        if path.is_dir():
            bundle = load_bundle(path)  # an invalid bundle is never stored nor activated
            version = self._store(bundle)
        else:
            version = self.resolve(str(source))
        return self._append(version, by=by, action="activate", note=note)

    def shadow(self, source: str | Path, *, by: str, note: str = "") -> Activation:
        """Run a bundle directory or stored VERSION beside the active one on live traffic
        (`vallum serve --active` replicas): its decisions are recorded, never enforced."""
        path = Path(source)
        version = self._store(load_bundle(path)) if path.is_dir() else self.resolve(str(source))
        return self._append(version, by=by, action=SHADOW, note=note)

    def unshadow(self, *, by: str, note: str = "") -> Activation:
        """Stop the shadow candidate."""
        current = self.shadowing()
        if current is None:
            raise PolicyVersionError("no candidate is running in shadow")
        return self._append(current.version, by=by, action=UNSHADOW, note=note)

    def shadowing(self) -> Activation | None:
        """The candidate running in shadow now, or None."""
        for row in self.history():
            if row.action in (SHADOW, UNSHADOW):
                return row if row.action == SHADOW else None
        return None

    def rollback(self, *, by: str, note: str = "") -> Activation:
        """Activate the version that was active before the current one."""
        stack = self._stack()
        if len(stack) < 2:
            raise PolicyVersionError("nothing to roll back to: fewer than two versions activated")
        return self._append(stack[-2], by=by, action="rollback", note=note)

    def active(self) -> Activation | None:
        """The newest activation (or rollback), or None when nothing was ever activated."""
        try:
            with self.db.engine.connect() as conn:
                row = conn.execute(
                    select(policy_activations)
                    .where(policy_activations.c.action.in_(ACTIVATING))
                    .order_by(policy_activations.c.seq.desc())
                    .limit(1)
                ).first()
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read policy history: {exc}") from exc
        return _activation(row) if row is not None else None

    def active_seq(self) -> int:
        """The sequence number of the newest activation (0 if none): one cheap query to poll."""
        try:
            with self.db.engine.connect() as conn:
                value = conn.execute(select(func.max(policy_activations.c.seq))).scalar()
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read policy history: {exc}") from exc
        return int(value or 0)

    def history(self, limit: int | None = None) -> list[Activation]:
        """Activations, newest first."""
        query = select(policy_activations).order_by(policy_activations.c.seq.desc())
        if limit is not None:
            query = query.limit(limit)
        try:
            with self.db.engine.connect() as conn:
                rows = conn.execute(query).all()
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read policy history: {exc}") from exc
        return [_activation(r) for r in rows]

    def resolve(self, version: str) -> str:
        """The full stored version a VERSION or unique prefix names."""
        if len(version) < MIN_VERSION_PREFIX:
            raise PolicyVersionError(
                f"version {version!r} is too short: give at least {MIN_VERSION_PREFIX} characters"
            )
        try:
            with self.db.engine.connect() as conn:
                found = conn.execute(
                    select(policy_versions.c.version)
                    .where(policy_versions.c.version.startswith(version, autoescape=True))
                    .limit(2)
                ).all()
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read policy versions: {exc}") from exc
        if not found:
            raise PolicyVersionError(
                f"no stored bundle version {version!r} (and no directory of that name); "
                "`vallum policy history` lists the versions"
            )
        if len(found) > 1:
            raise PolicyVersionError(f"version prefix {version!r} is ambiguous")
        return str(found[0].version)

    def materialize(self, version: str, cache_dir: Path) -> Path:
        """Write the stored snapshot of `version` under `cache_dir` (once) and return its path."""
        version = self.resolve(version)
        target = cache_dir / version
        if target.is_dir() and bundle_version(target) == version:
            return target
        with self.db.engine.connect() as conn:
            row = conn.execute(
                select(policy_versions.c.snapshot).where(policy_versions.c.version == version)
            ).first()
        assert row is not None
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Private staging: replicas sharing a cache directory never write into each other's.
        staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=cache_dir))
        for rel, data in json.loads(row.snapshot).items():
            file = staging / rel
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(base64.b64decode(data))
        if bundle_version(staging) != version:
            shutil.rmtree(staging)
            raise PolicyVersionError(f"stored snapshot of {version} does not hash to its version")
        if target.is_dir() and bundle_version(target) == version:
            shutil.rmtree(staging)  # another process finished first
            return target
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)  # a damaged copy
        try:
            staging.rename(target)
        except OSError:  # another process put its copy there first
            shutil.rmtree(staging)
            if not (target.is_dir() and bundle_version(target) == version):
                raise
        return target

    def load(self, version: str, cache_dir: Path) -> Bundle:
        return load_bundle(self.materialize(version, cache_dir))

    def _store(self, bundle: Bundle) -> str:
        snapshot = json.dumps(snapshot_files(bundle.path), sort_keys=True)
        try:
            with self.db.engine.begin() as conn:
                exists = conn.execute(
                    select(policy_versions.c.version).where(
                        policy_versions.c.version == bundle.version
                    )
                ).first()
                if exists is None:
                    conn.execute(
                        insert(policy_versions).values(
                            version=bundle.version,
                            name=bundle.name,
                            created_at=utc_now(),
                            snapshot=snapshot,
                        )
                    )
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot store bundle version {bundle.version}: {exc}") from exc
        return bundle.version

    def _append(self, version: str, *, by: str, action: str, note: str) -> Activation:
        current = self.active()
        try:
            with self.db.engine.begin() as conn:
                conn.execute(
                    insert(policy_activations).values(
                        version=version,
                        previous=current.version if current else None,
                        activated_by=by,
                        activated_at=utc_now(),
                        action=action,
                        note=note,
                    )
                )
                if not self.db.is_sqlite:  # wakes running gateways at commit (see gateway.live)
                    conn.execute(
                        text("SELECT pg_notify(:channel, :version)"),
                        {"channel": NOTIFY_CHANNEL, "version": version},
                    )
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot record activation of {version}: {exc}") from exc
        newest = self.history(limit=1)
        assert newest
        return newest[0]

    def _stack(self) -> list[str]:
        """Replay the history: an activation pushes its version, a rollback pops one."""
        stack: list[str] = []
        for row in reversed(self.history()):
            if row.action not in ACTIVATING:
                continue
            if row.action == "rollback" and len(stack) >= 2:
                stack.pop()
            else:
                stack.append(row.version)
        return stack


def _activation(r: Any) -> Activation:
    return Activation(
        int(r.seq), r.version, r.previous, r.activated_by, r.activated_at, r.action, r.note or ""
    )
