"""The hash chain: canonical JSON, and the hash that links each record to the one before."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(record: dict[str, Any]) -> str:
    """One serialisation per record: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()
