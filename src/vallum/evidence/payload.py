"""Erasable content, committed by hash.

A record's kept text (`content.text`) and tool-call arguments (`tool.arguments`) are what a
data-subject request or a slipped secret may require deleting. They are stored apart from the
record, as the canonical JSON of `{"content_text": ..., "tool_arguments": ..., "nonce": ...}`,
and the record carries `"payload": sha256(those bytes)`. The chain and the Merkle tree commit to
the record, so deleting the payload (`vallum audit erase`) leaves every hash, checkpoint and
proof valid, while a changed payload no longer matches its commitment. The random nonce keeps
the commitment from confirming a guess of erased content (a phone number, a short answer).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from vallum.evidence.chain import canonical_bytes

KIND_ERASED = "evidence.erased"


def split(record: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
    """The record without its erasable parts but with their commitment, and their bytes
    (None when it holds nothing erasable)."""
    content, tool = record.get("content"), record.get("tool")
    erasable: dict[str, Any] = {}
    body = dict(record)
    if isinstance(content, dict) and "text" in content:
        erasable["content_text"] = content["text"]
        body["content"] = {k: v for k, v in content.items() if k != "text"}
    if isinstance(tool, dict) and "arguments" in tool:
        erasable["tool_arguments"] = tool["arguments"]
        body["tool"] = {k: v for k, v in tool.items() if k != "arguments"}
    if not erasable:
        return record, None
    erasable["nonce"] = os.urandom(16).hex()
    data = canonical_bytes(erasable)
    body["payload"] = hashlib.sha256(data).hexdigest()
    return body, data


def merge(body: dict[str, Any], payload: dict[str, Any] | None) -> dict[str, Any]:
    """The record as it was appended (erasable parts back in place); an erased one says so
    with `"erased": true` and keeps everything else."""
    if "payload" not in body:
        return body
    if payload is None:
        return {**body, "erased": True}
    out = dict(body)
    if "content_text" in payload and isinstance(out.get("content"), dict):
        out["content"] = {**out["content"], "text": payload["content_text"]}
    if "tool_arguments" in payload and isinstance(out.get("tool"), dict):
        out["tool"] = {**out["tool"], "arguments": payload["tool_arguments"]}
    return out


def matches(body: dict[str, Any], data: str | bytes) -> bool:
    """Whether stored payload bytes are the ones the record commits to."""
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest() == body.get("payload")


def merged_json(record: str, kept: str | None) -> dict[str, Any]:
    """`merge` of a record and its payload as stored (JSON texts; the payload None if erased or
    never split out)."""
    body = json.loads(record)
    return merge(body, None if kept is None else json.loads(kept))
