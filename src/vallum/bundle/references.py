"""Checks between sections of a bundle: names that must refer to something that exists."""

from __future__ import annotations

from vallum.bundle.cedar_source import PolicyStatement
from vallum.bundle.schema import BundleConfig
from vallum.bundle.yamlmap import LocatedYaml
from vallum.detectors.pii import BUILTIN_DATA_CLASSES
from vallum.exceptions import BundleIssue
from vallum.model import PRINCIPAL_KINDS

KNOWN_OBLIGATIONS = ("require_approval", "redact")
KNOWN_MODES = ("enforce", "monitor")


def check_references(
    config: BundleConfig,
    policies: list[PolicyStatement],
    located: LocatedYaml,
    issues: list[BundleIssue],
) -> None:
    """Append an issue for every dangling or malformed cross-reference."""
    for i, name in enumerate(config.data_classes.builtin):
        if name not in BUILTIN_DATA_CLASSES:
            known = ", ".join(sorted(BUILTIN_DATA_CLASSES))
            message = f"unknown built-in data class {name!r} (known: {known})"
            issues.append(located.issue(("data_classes", "builtin", i), message))
    policy_ids = {p.policy_id for p in policies}
    for r, rule in enumerate(config.approvals.rules):
        for t, tool in enumerate(rule.tools):
            if tool not in config.tools:
                message = f"unknown tool {tool!r} (declare it under `tools`)"
                issues.append(located.issue(("approvals", "rules", r, "tools", t), message))
        for p, wanted in enumerate(rule.policies):
            if wanted not in policy_ids:
                message = f"no Cedar policy has @id({wanted!r})"
                issues.append(located.issue(("approvals", "rules", r, "policies", p), message))
    for model_id, model in config.models.items():
        for p, pattern in enumerate(model.principals):
            kind, sep, ident = pattern.partition(":")
            if pattern != "*" and not (sep and kind in PRINCIPAL_KINDS and ident):
                message = f"principal pattern {pattern!r} must be *, KIND:* or KIND:ID"
                issues.append(located.issue(("models", model_id, "principals", p), message))
        if model.upstream is not None and model.upstream not in config.gateway.upstreams:
            message = f"unknown upstream {model.upstream!r} (declare it under `gateway.upstreams`)"
            issues.append(located.issue(("models", model_id, "upstream"), message))
    for policy in policies:
        obligation = policy.annotations.get("obligation")
        if obligation is not None and obligation not in KNOWN_OBLIGATIONS:
            message = f"unknown obligation {obligation!r} (known: {', '.join(KNOWN_OBLIGATIONS)})"
            issues.append(BundleIssue(policy.file, policy.line, "@obligation", message))
        mode = policy.annotations.get("mode")
        if mode is not None and mode not in KNOWN_MODES:
            message = f"unknown mode {mode!r} (known: {', '.join(KNOWN_MODES)})"
            issues.append(BundleIssue(policy.file, policy.line, "@mode", message))
