"""Every table Vallum keeps, in one metadata so one `create_all` sets up a database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    insert,
)

from vallum.evidence.chain import GENESIS_HASH

metadata = MetaData()

# BIGINT on PostgreSQL; SQLite needs INTEGER for an explicit rowid-like key.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

evidence = Table(
    "vallum_evidence",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("principal", String(256), nullable=False),
    Column("session", String(256), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("action", String(32), nullable=False),
    Column("bundle_version", String(64), nullable=False),
    Column("record", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # The erasable content (kept text, tool arguments, a nonce) as canonical JSON; the record
    # commits to its SHA-256, so `vallum audit erase` can set it NULL and every hash still holds.
    Column("payload", Text, nullable=True),
    # The Merkle tree (evidence.tree_store): this leaf's hash and the subtree roots it completed,
    # hex. NULL only in a database from before the tree, until EvidenceLog fills it in.
    Column("tree", Text, nullable=True),
)
# No index on `session`: no query can use one (the dashboard's session filter is a substring
# match), and every append would pay for it. Databases created earlier keep theirs, unused.
Index("ix_vallum_evidence_created", evidence.c.created_at)

# One row: the last record's seq and hash. Locked by every append, so the chain stays linear
# across processes and replicas, and deleting records at the tail is detectable.
evidence_head = Table(
    "vallum_evidence_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", SeqType, nullable=False),
    Column("hash", String(64), nullable=False),
    # The roots of the tree's complete subtrees, largest first, hex: the tree head in O(log n).
    Column("frontier", Text, nullable=True),
)


@event.listens_for(evidence_head, "after_create")
def _genesis_head(target: Table, connection: Any, **_kw: Any) -> None:
    """The head row is born with its table, never added later: a log without one was emptied
    (`EvidenceLog.verify` says so), not a new log to start again."""
    connection.execute(insert(target).values(id=1, seq=0, hash=GENESIS_HASH, frontier=""))


session_labels = Table(
    "vallum_session_labels",
    metadata,
    Column("session", String(256), primary_key=True),
    Column("label", String(256), primary_key=True),
)

session_taint = Table(
    "vallum_session_taint",
    metadata,
    Column("session", String(256), primary_key=True),
    Column("fingerprint", BigInteger, primary_key=True, autoincrement=False),
    Column("labels", Text, nullable=False),
)

# Session history for policies (vallum.sessions.history): counters and destinations per session.
session_counters = Table(
    "vallum_session_counters",
    metadata,
    Column("session", String(256), primary_key=True),
    Column("key", String(512), primary_key=True),
    Column("value", Float, nullable=False),
)

session_destinations = Table(
    "vallum_session_destinations",
    metadata,
    Column("session", String(256), primary_key=True),
    Column("fingerprint", BigInteger, primary_key=True, autoincrement=False),
)

# Gateway API keys: only a SHA-256 of each key is kept; `prefix` lets a person recognise one.
api_keys = Table(
    "vallum_api_keys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("principal", String(256), nullable=False),
    Column("name", String(256), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("revoked", Integer, nullable=False, default=0),
)

# Approvals: one row per held action. `action_hash` binds it to principal, session, tool and
# canonical arguments; `status` moves pending -> approved | denied | expired, approved -> used
# | expired, only through conditional UPDATEs, so two replicas can never both use one approval.
# Times are UNIX seconds (`*_at`), compared in SQL.
approvals = Table(
    "vallum_approvals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("action_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("principal", String(256), nullable=False),
    Column("session", String(256), nullable=False),
    Column("tool", String(256), nullable=False),
    Column("arguments", Text, nullable=False),
    Column("decision_id", String(36), nullable=False),
    Column("rules", Text, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("bundle_version", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("ttl_s", Float, nullable=False),
    Column("decided_by", String(256), nullable=True),
    Column("decided_at", Float, nullable=True),
    Column("note", Text, nullable=True),
    Column("used_at", Float, nullable=True),
    Column("used_by", String(36), nullable=True),
)
Index("ix_vallum_approvals_hash", approvals.c.action_hash, approvals.c.status)
Index("ix_vallum_approvals_status", approvals.c.status, approvals.c.created_at)

# Policy lifecycle: every bundle version ever activated, with a snapshot of its files so it can be
# re-activated later, and the activation history (who, when, from which version). The active
# version is the newest activation; `rollback` appends an activation of the previous one.
policy_versions = Table(
    "vallum_policy_versions",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("name", String(256), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("snapshot", Text, nullable=False),
)

policy_activations = Table(
    "vallum_policy_activations",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("version", String(64), nullable=False),
    Column("previous", String(64), nullable=True),
    Column("activated_by", String(256), nullable=False),
    Column("activated_at", String(32), nullable=False),
    Column("action", String(16), nullable=False),
    Column("note", Text, nullable=False, default=""),
)

# MCP tool pins (vallum.mcp.pins): per server and tool, the canonical hash of the version a
# person approved (or the bundle trusted on first use) and of the version last seen. A tool is
# delivered only while the two agree; `snapshot` keeps the last seen version for review.
mcp_pins = Table(
    "vallum_mcp_pins",
    metadata,
    Column("server", String(256), primary_key=True),
    Column("tool", String(256), primary_key=True),
    Column("approved_hash", String(64), nullable=True),
    Column("seen_hash", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("snapshot", Text, nullable=False),
    Column("first_seen", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("approved_by", String(256), nullable=True),
)
