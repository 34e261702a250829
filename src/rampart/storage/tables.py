"""Every table Rampart keeps, in one metadata so one `create_all` sets up a database."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# BIGINT on PostgreSQL; SQLite needs INTEGER for an explicit rowid-like key.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

evidence = Table(
    "rampart_evidence",
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
)
Index("ix_rampart_evidence_session", evidence.c.session)
Index("ix_rampart_evidence_created", evidence.c.created_at)

# One row: the last record's seq and hash. Locked by every append, so the chain stays linear
# across processes and replicas, and deleting records at the tail is detectable.
evidence_head = Table(
    "rampart_evidence_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", SeqType, nullable=False),
    Column("hash", String(64), nullable=False),
)

session_labels = Table(
    "rampart_session_labels",
    metadata,
    Column("session", String(256), primary_key=True),
    Column("label", String(256), primary_key=True),
)

session_taint = Table(
    "rampart_session_taint",
    metadata,
    Column("session", String(256), primary_key=True),
    Column("fingerprint", BigInteger, primary_key=True, autoincrement=False),
    Column("labels", Text, nullable=False),
)

# Gateway API keys: only a SHA-256 of each key is kept; `prefix` lets a person recognise one.
api_keys = Table(
    "rampart_api_keys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("principal", String(256), nullable=False),
    Column("name", String(256), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("revoked", Integer, nullable=False, default=0),
)
