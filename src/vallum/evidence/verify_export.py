"""Stand-alone verification of an export against signed checkpoints: no database, only the core.

    python -m vallum.evidence.verify_export EXPORT.jsonl CHECKPOINT... --key LOG.pub
    python -m vallum.evidence.verify_export W.jsonl CHECKPOINT... --key LOG.pub --writer W

Checks each checkpoint's signature (the key's name is the origin), each line's record (a JSON
object whose `seq` is its leaf index + 1) and payload commitment; then, for an export that
starts at the first record, recomputes the tree and checks the root of every checkpoint it
must reach (a rewritten, reordered, cut or erased-without-record log fails, named); for a slice,
checks each line's inclusion proof against the checkpoint of its tree size. Exit 0 when
everything checked holds, 1 naming the first problem; it says what it could not check.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vallum.evidence import merkle
from vallum.evidence.checkpoint import Checkpoint, open_checkpoint
from vallum.evidence.heads import open_heads
from vallum.evidence.keys import VerifierKey, load_verifier_key
from vallum.evidence.rows import loads
from vallum.evidence.walk import TreeWalk, check_payload
from vallum.exceptions import ChainBrokenError, CheckpointError, EvidenceError, VallumError


def verify_export(lines: Sequence[str], checkpoints: Sequence[Checkpoint]) -> list[str]:
    """What held, as lines of a report; ChainBrokenError/EvidenceError naming what did not."""
    entries = [_entry(n, text) for n, text in enumerate(lines, 1) if text.strip()]
    by_size = {cp.size: cp for cp in checkpoints}
    report: list[str] = []
    whole = not entries or entries[0][0] == 0
    if whole:
        walk = TreeWalk(checkpoints)  # one beyond the export: records were removed
        for index, body, data, kept, _ in entries:
            walk.add(index + 1, str(body.get("id")), data, body, kept)
        walk.finish()
        report.append(f"tree over {walk.size} records recomputed from the export")
        report += [f"matches checkpoint {cp}" for cp in walk.checked]
        return report
    proved = 0
    for index, body, data, kept, inclusion in entries:
        if check_payload(index + 1, str(body.get("id")), body, kept):
            report.append(f"leaf {index}: content erased (its erasure record is not in this slice)")
        if inclusion is None:
            raise EvidenceError(
                f"leaf {index}: a slice needs inclusion proofs (export with --checkpoint)"
            )
        size, proof = inclusion
        cp = by_size.get(size)
        if cp is None:
            raise EvidenceError(
                f"leaf {index}: proves against tree size {size}, no checkpoint of that size given"
            )
        leaf = merkle.leaf_hash(data)
        if not merkle.verify_inclusion(index, size, leaf, proof, cp.root):
            raise ChainBrokenError(
                index + 1, str(body.get("id")),
                f"not in the tree the checkpoint of size {size} signed (edited or not this log's)",
            )  # fmt: skip
        proved += 1
    report.append(f"{proved} records proved included in signed checkpoints")
    return report


def _entry(n: int, text: str) -> tuple[int, dict[str, Any], bytes, Any, Any]:
    try:
        line = loads(text)
        index, record = int(line["index"]), str(line["record"])
        body = loads(record)
    except (ValueError, KeyError, TypeError) as exc:
        raise EvidenceError(f"export line {n}: not an export line ({exc})") from None
    if not isinstance(body, dict) or body.get("seq") != index + 1:
        raise ChainBrokenError(index + 1, "-", f"export line {n}: record is not leaf {index}")
    inclusion = None
    if isinstance(line.get("inclusion"), dict):
        try:
            proof = [base64.b64decode(p, validate=True) for p in line["inclusion"]["proof"]]
            inclusion = (int(line["inclusion"]["tree_size"]), proof)
        except (binascii.Error, KeyError, TypeError, ValueError) as exc:
            raise EvidenceError(f"export line {n}: malformed inclusion proof ({exc})") from None
    return index, body, record.encode(), line.get("payload"), inclusion


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vallum.evidence.verify_export")
    parser.add_argument("export", type=Path, help="JSON lines from `vallum audit export`")
    parser.add_argument("checkpoints", type=Path, nargs="*", help="signed checkpoint files")
    parser.add_argument("--key", type=Path, required=True, help="the log's verifier key")
    parser.add_argument(
        "--writer", help="a many-writer log: the export is this writer's (evidence.writers)"
    )
    args = parser.parse_args(argv)
    try:
        key = load_verifier_key(args.key)
        cps = [_open(p, key, args.writer) for p in args.checkpoints]
        report = verify_export(args.export.read_text("utf-8").splitlines(), cps)
    except (VallumError, OSError, UnicodeDecodeError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    for line in report:
        print(f"ok: {line}")
    return 0


def _open(path: Path, key: VerifierKey, writer: str | None) -> Checkpoint:
    text = path.read_text("utf-8")
    if writer is None:
        return open_checkpoint(text, key, source=str(path))
    heads = open_heads(text, key, source=str(path))
    if writer not in heads:
        raise CheckpointError(f"{path}: no head of writer {writer!r} in this checkpoint")
    return heads[writer]


if __name__ == "__main__":
    sys.exit(main())
