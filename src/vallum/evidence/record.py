"""What one decision leaves behind: the evidence record, built from event, decision and bundle.

Content is kept as the bundle's `evidence.content` says: `none` (a hash only), `redacted` (PII,
secrets and custom data classes replaced; the default) or `full`. Secret values are removed even
under `full`: the secret never reaches evidence. A tool call's arguments are kept under the same
policy (`tool.arguments`, absent under `none`) so `vallum replay` can re-run the call.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from vallum.bundle.loader import Bundle
from vallum.bundle.schema import ContentPolicy
from vallum.model import Decision, Event, Finding, Stage
from vallum.redaction import is_secret, is_sensitive, redact

RECORD_SCHEMA_VERSION = 2  # 2: RFC 8785 canonical text; chains of 1 still verify
KIND_DECISION = "decision"


def utc_now() -> str:
    """Now, in UTC, to the microsecond: `2025-01-31T12:00:00.000000+00:00`."""
    return datetime.now(UTC).isoformat("T", "microseconds")  # positional: keywords cost here


def keep_content(text: str, findings: tuple[Finding, ...], policy: ContentPolicy) -> dict[str, Any]:
    """The stored form of `text` under `policy`, plus a hash of the original."""
    stored: dict[str, Any] = {"policy": policy, "sha256": hashlib.sha256(text.encode()).hexdigest()}
    if policy == "redacted":
        stored["text"] = redact(text, findings, is_sensitive) if findings else text
    elif policy == "full":
        stored["text"] = redact(text, findings, is_secret) if findings else text
    return stored


def decision_record(
    event: Event,
    decision: Decision,
    bundle: Bundle,
    *,
    scanned_text: str,
    session_labels: tuple[str, ...],
    arg_labels: dict[str, list[str]],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The evidence record for one decision (`seq` and hashes are added by the log)."""
    policy = bundle.config.evidence.content
    record: dict[str, Any] = {
        "schema": RECORD_SCHEMA_VERSION,
        "kind": KIND_DECISION,
        "id": decision.id,
        "created_at": utc_now(),
        "principal": str(event.principal),
        "session": event.session,
        "stage": event.stage.value,
        "action": decision.action.value,
        "bundle": {"name": bundle.name, "version": bundle.version},
        "model": event.model,
        "prompt": (
            {"id": event.prompt, "version": bundle.prompt_versions.get(event.prompt)}
            if event.prompt
            else None
        ),
        "source": event.source,
        "detectors": _detector_scores(bundle, decision.scores),
        "findings": [f.to_dict() for f in decision.findings],
        "reasons": [r.to_dict() for r in decision.reasons],
        "labels": list(decision.labels),
        "session_labels_before": list(session_labels),
        "latency_ms": {k: round(v, 4) for k, v in decision.latency_ms.items()},
        "content": keep_content(scanned_text, decision.findings, policy),
        "metadata": dict(event.metadata),
    }
    if event.tool_call is not None:
        record["tool"] = {"name": event.tool_call.name, "arg_labels": arg_labels}
        if event.stage is Stage.TOOL_CALL:
            kept = _kept_arguments(event.tool_call.name, record["content"].get("text"))
            if kept is not None:
                record["tool"]["arguments"] = kept
    if extra:
        record.update(extra)
    return record


def _kept_arguments(name: str, kept_text: str | None) -> dict[str, Any] | None:
    """The arguments as evidence keeps them: decoded from the kept (redacted) text the detectors
    saw, `NAME {json}` (then the joined content values, `argument_data`), so they are redacted
    exactly like the content."""
    prefix = f"{name} "
    if kept_text is None or not kept_text.startswith(prefix):
        return None
    try:  # the JSON object first; the content values joined after it are not arguments
        decoded, _ = json.JSONDecoder().raw_decode(kept_text, len(prefix))
    except ValueError:
        return None  # a redaction crossed a JSON boundary: keep nothing rather than guess
    return decoded if isinstance(decoded, dict) else None


def _detector_scores(bundle: Bundle, scores: Mapping[str, float]) -> list[dict[str, Any]]:
    """Each detector that ran, once, in bundle order (the first control using it names the
    version), with its score to 4 places."""
    # round() is the costly part and most detectors score 0: skip it there (same value).
    return [
        {"id": did, "version": version, "score": s if (s := scores[did]) == 0 else round(s, 4)}
        for did, version in bundle.detectors
        if did in scores
    ]
