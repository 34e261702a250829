"""What influenced a decision, as labelled rows: shared by `vallum trace` and the dashboard.

Values are plain text: each front end escapes them for its medium (Rich markup, HTML).
"""

from __future__ import annotations

from typing import Any

CONTENT_PREVIEW_CHARS = 500


def trace_rows(record: dict[str, Any], digest: str) -> list[tuple[str, str]]:
    """(label, value) rows for one evidence record, in the order `vallum trace` prints them."""
    prompt = record.get("prompt") or {}
    bundle = record.get("bundle") or {}
    rows: list[tuple[str, str]] = [
        ("decision", f"{record.get('action')} at {record.get('stage')}  ({record.get('created_at')})"),
        ("evidence", f"{record.get('id')}  #{record.get('seq')}  hash {digest[:16]}"),
        ("principal", str(record.get("principal"))),
        ("session", str(record.get("session"))),
        ("model", record.get("model") or "-"),
        ("prompt", f"{prompt.get('id')} @ {prompt.get('version')}" if prompt else "-"),
        ("bundle", f"{bundle.get('name')} @ {bundle.get('version')}"),
        ("source", record.get("source") or (record.get("tool") or {}).get("name") or "-"),
        ("labels before", ", ".join(record.get("session_labels_before", [])) or "-"),
        ("labels after", ", ".join(record.get("labels", [])) or "-"),
    ]  # fmt: skip
    for det in record.get("detectors", []):
        rows.append(("detector", f"{det['id']} v{det['version']} score {det['score']}"))
    for finding in record.get("findings", []):
        rows.append(("finding", f"{finding['type']} {finding['score']} ({finding['detector']})"))
    for reason in record.get("reasons", []):
        policy = f" policy {reason['policy_id']}" if reason.get("policy_id") else ""
        rows.append(
            (
                "reason",
                f"{reason['action']} ({reason['mode']}) by {reason['control']}{policy}: "
                f"{reason['message']}",
            )
        )
    tool = record.get("tool")
    if tool:
        labels = "; ".join(f"{k}: {', '.join(v)}" for k, v in tool.get("arg_labels", {}).items())
        rows.append(("tool", f"{tool['name']}  argument labels: {labels or '-'}"))
    approval = record.get("approval")
    if approval:
        who = f" by {record['approver']}" if record.get("approver") else ""
        rows.append(("approval", f"{approval['id']} {approval['status']}{who}"))
    content = record.get("content", {})
    if "text" in content:
        rows.append(("content", f"({content['policy']}) {content['text'][:CONTENT_PREVIEW_CHARS]}"))
    return rows
