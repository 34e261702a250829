"""What `vallum threats init` writes: a starting `threats.yaml`, the proposed policies, and the
difference from an earlier run (what a change to the bundle opened or closed)."""

from __future__ import annotations

from typing import Any

import yaml

from vallum.bundle.loader import Bundle
from vallum.threats.init import ANSWERED, PARTLY, UNANSWERED, Derived, InitReport
from vallum.threats.loader import read_threats

_RANK = {ANSWERED: 0, PARTLY: 1, UNANSWERED: 2}
OWASP = {"injection": (["LLM01", "LLM06"], ["ASI01", "ASI02"]),
         "leakage": (["LLM01", "LLM02"], ["ASI01", "ASI02"])}  # fmt: skip


def starter_yaml(report: InitReport, bundle: Bundle) -> str:
    """A `threats.yaml` with every derived threat and the enforcing answers found for it. A
    threat with a gap says so in its description; its proposal follows as a comment."""
    threats = [_threat(d, bundle) for d in report.threats]
    body = yaml.safe_dump(
        {"version": 1, "threats": threats}, sort_keys=False, allow_unicode=True, width=100
    )
    head = (
        f"# Threats of {report.bundle}, derived by `vallum threats init` from vallum.yaml and the\n"
        "# policies. Each was probed through the engine from every entry of untrusted content.\n"
        "# Edit titles, add the threats only you know of, then: vallum threats . --check\n"
    )
    proposals = proposal_text(report)
    tail = "".join(f"# {line}\n" if line else "#\n" for line in proposals.splitlines())
    return head + body + (("\n# Proposed policies (policies.cedar):\n" + tail) if tail else "")


def proposal_text(report: InitReport) -> str:
    """Every proposal, ready to paste into a `.cedar` file (verified ones first)."""
    by_id: dict[str, tuple[list[str], str]] = {}
    ordered = sorted(report.threats, key=lambda d: not (d.proposal and d.proposal.verified))
    for derived in ordered:
        p = derived.proposal
        if p is None:
            continue
        state = "verified: " if p.verified else "NOT verified: "
        threats, _ = by_id.setdefault(p.id, ([], f"{state}{p.note}\n{p.text}\n"))
        threats.append(derived.id)  # one policy may answer several threats: written once
    return "\n".join(f"// {', '.join(ids)}: {body}" for ids, body in by_id.values())


def _threat(derived: Derived, bundle: Bundle) -> dict[str, Any]:
    policies = {p.policy_id for p in bundle.policies}
    llm, agentic = OWASP[derived.kind]
    endangers: dict[str, list[str]] = {"tools": [derived.tool]}
    if derived.data is not None:
        readers = [d.tool for d in derived.data_members if d.tool is not None]
        endangers["tools"] += readers
        classes = [d.name for d in derived.data_members if d.tool is None]
        if classes:
            endangers["data_classes"] = [c.removeprefix("data.") for c in classes]
    enters = {
        "sources": [e.name for e in derived.entries if e.kind == "source"],
        "tools": [e.name for e in derived.entries if e.kind == "tool"],
    }
    answered = {
        "policies": [a for a in derived.answered_by if a in policies],
        "controls": [a for a in derived.answered_by if a not in policies and a != "cedar"],
    }
    out: dict[str, Any] = {"id": derived.id, "title": derived.title}
    if derived.status != ANSWERED:
        gaps = "; ".join(sorted({g.variant for g in derived.gaps}))
        proposal = f" Proposed: {derived.proposal.id}." if derived.proposal else ""
        out["description"] = f"{derived.status}: gets through when {gaps}.{proposal}"
    out |= {"owasp_llm": list(llm), "owasp_agentic": list(agentic)}
    out["endangers"] = {k: v for k, v in endangers.items() if v}
    out["enters"] = {k: v for k, v in enters.items() if v}
    out["answered_by"] = {k: v for k, v in answered.items() if v}
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed between two `InitReport.to_dict()`s: threats opened (new, or answered less
    well) and closed (answered better, or gone)."""
    old = {t["id"]: t for t in before.get("threats", [])}
    new = {t["id"]: t for t in after.get("threats", [])}
    lines = []
    for ident, threat in new.items():
        status = threat["status"]
        if ident not in old:
            lines.append(f"opened: {ident} (new threat, {status})")
        elif _RANK[status] > _RANK[old[ident]["status"]]:
            lines.append(f"opened: {ident} ({old[ident]['status']} -> {status})")
        elif _RANK[status] < _RANK[old[ident]["status"]]:
            lines.append(f"closed: {ident} ({old[ident]['status']} -> {status})")
    lines += [f"closed: {ident} (no longer a threat)" for ident in old if ident not in new]
    return lines


def undeclared(report: InitReport, bundle: Bundle) -> list[str]:
    """Derived threats with a gap that the bundle's threats.yaml (as far as it parses) does
    not name."""
    threats, _ = read_threats(bundle.path, [])
    declared = {t.id for t in threats.threats} if threats else set()
    return [d.id for d in report.threats if d.status != ANSWERED and d.id not in declared]
