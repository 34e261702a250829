"""What someone who can write the database does to the evidence log, done properly: every hash,
link, tree entry and head kept consistent, so only what leaves the machine can show it."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import delete, insert, select, update

from vallum.evidence import merkle
from vallum.evidence.chain import GENESIS_HASH, link_hash
from vallum.evidence.rows import indexed
from vallum.evidence.tree_store import frontier_text, tree_text
from vallum.storage.database import Database
from vallum.storage.tables import evidence, evidence_head


def rows(db: Database) -> list[Any]:
    with db.engine.connect() as conn:
        return list(conn.execute(select(evidence).order_by(evidence.c.seq)))


def rechain(db: Database, texts: list[tuple[str, str | None]]) -> None:
    """Replace the whole log by these (record text, payload) pairs, renumbered 1..n, with a
    consistent chain, tree and head: the strongest rewrite there is."""
    frontier: list[bytes] = []
    prev, out = GENESIS_HASH, []
    for i, (text, payload) in enumerate(texts):
        body = orjson.loads(text)
        if body.get("seq") != i + 1:
            body["seq"] = i + 1
            text = orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode()
        data = text.encode()
        digest = link_hash(prev, data)
        leaf = merkle.leaf_hash(data)
        tree = tree_text(leaf, merkle.push(frontier, i, leaf))
        names = ("id", "created_at", "kind", "principal", "session", "stage", "action")
        out.append(
            {"seq": i + 1, **dict(zip(names, indexed(body), strict=False)),
             "bundle_version": indexed(body)[7], "record": text, "prev_hash": prev,
             "hash": digest, "payload": payload, "tree": tree}
        )  # fmt: skip
        prev = digest
    with db.engine.begin() as conn:
        conn.execute(delete(evidence))
        if out:
            conn.execute(insert(evidence), out)
        conn.execute(
            update(evidence_head).values(seq=len(out), hash=prev, frontier=frontier_text(frontier))
        )


def rewind(db: Database, keep: int) -> None:
    """Cut the tail after record `keep` and rewind the head (hash and tree frontier) to match."""
    kept = [(r.record, r.payload) for r in rows(db)[:keep]]
    rechain(db, kept)


def edit(db: Database, seq: int, old: str, new: str) -> None:
    """Change one record's text and rebuild everything after it consistently."""
    texts = [(r.record, r.payload) for r in rows(db)]
    text, payload = texts[seq - 1]
    assert old in text, (old, text)
    texts[seq - 1] = (text.replace(old, new, 1), payload)
    rechain(db, texts)
