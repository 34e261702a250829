"""How much a client is told about why it was blocked, held or redacted (`gateway.disclose`).

A block that names the control, the score and the threshold lets an attacker probe: rephrase,
resend, read the score, until a payload scores just under the line. So by default (`minimal`)
a client hears only that a control acted and the evidence id to quote to an operator, who sees
everything in the evidence (the log always keeps the full reasons, findings and scores);
`reasons` adds the ids of the policies and controls that acted, without their messages (a
detector's message carries its score); `full` adds the messages and, in the guard API, the
findings with their scores and spans.

Every place a decision reaches a client renders it through here: the gateway's blocked-request
body, the notices for refused or held tool calls, the `vallum` object on model answers and
streams, and the guard API's decision body.
"""

from __future__ import annotations

from typing import Any, get_args

from vallum.bundle.gateway import Disclosure
from vallum.model import Action, Decision, Reason

LEVELS: tuple[Disclosure, ...] = get_args(Disclosure)


def _acting(decision: Decision) -> list[Reason]:
    return [r for r in decision.reasons if r.enforced and r.action is not Action.ALLOW]


def explain(decision: Decision, level: Disclosure) -> str:
    """Why, in one line, as far as `level` tells ("" at `minimal`)."""
    if level == "full":
        return decision.explain()
    if level == "reasons":
        ids = dict.fromkeys(r.policy_id or r.control for r in _acting(decision))
        return ", ".join(ids) or decision.action.value
    return ""


def reasons(decision: Decision, level: Disclosure) -> list[dict[str, Any]]:
    """The enforced reasons behind the action, as far as `level` tells ([] at `minimal`)."""
    if level == "minimal":
        return []
    acting = _acting(decision)
    if level == "full":
        return [r.to_dict() for r in acting]
    return [
        {"control": r.control, "policy_id": r.policy_id, "kind": r.kind.value,
         "action": r.action.value, "mode": r.mode.value}
        for r in acting
    ]  # fmt: skip


def decision_body(decision: Decision, level: Disclosure) -> dict[str, Any]:
    """The guard API's answer. An app needs the action, the text to deliver when redacted and
    the evidence id at every level; reasons and findings follow `level` (findings, with their
    scores and spans, only at `full`: the redacted text already shows what was cut)."""
    if level == "full":
        return decision.to_dict()
    return {
        "id": decision.id,
        "action": decision.action.value,
        "reasons": reasons(decision, level),
        "findings": [],
        "bundle_version": decision.bundle_version,
        "labels": [],
        "redacted_text": decision.redacted_text,
        "evidence_id": decision.evidence_id,
    }
