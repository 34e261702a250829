"""`vallum audit export`: records as JSON lines an auditor can check against checkpoints.

Each line: `{"index": LEAF, "id": ..., "record": STORED_TEXT, "payload": STORED_TEXT|null}`,
where `record` is the exact stored canonical text (a JSON string, so its bytes survive), whose
RFC 9162 leaf hash is leaf `index` of the tree; `payload` is the erasable content it commits to
(null once erased). With a checkpoint, lines it covers also carry
`"inclusion": {"tree_size": N, "proof": [base64...]}`, so a slice that does not start at the
first record still checks against that checkpoint (`vallum.evidence.verify_export`).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from functools import partial
from typing import Any

from vallum.evidence import merkle
from vallum.evidence.checkpoint import Checkpoint
from vallum.evidence.log import EvidenceLog
from vallum.evidence.tree_proofs import fetch_trees
from vallum.evidence.tree_store import prove

_BATCH = 5000


def export_lines(
    log: EvidenceLog, *, since: str | None = None, checkpoint: Checkpoint | None = None
) -> Iterator[dict[str, Any]]:
    """Records created at or after `since` (ISO 8601 UTC, as records store it), in leaf order."""
    for batch in log.raw_batches(_BATCH):
        for row in batch:
            if since is not None and row.created_at < since:
                continue
            line: dict[str, Any] = {
                "index": row.seq - 1, "id": row.id, "record": row.record, "payload": row.payload,
            }  # fmt: skip
            if checkpoint is not None and row.seq <= checkpoint.size:
                build = partial(merkle.inclusion_proof, row.seq - 1, checkpoint.size)
                proof = prove(build, partial(fetch_trees, log))
                line["inclusion"] = {
                    "tree_size": checkpoint.size,
                    "proof": [base64.b64encode(p).decode() for p in proof],
                }
            yield line
