"""Cedar authorization, compiled once per bundle version and fail-closed.

Policies are split into three pre-parsed sets:

- `enforced`: every policy not annotated `@mode("monitor")`, evaluated for the verdict;
- `permits`: the enforced permits alone, consulted only when every matching forbid carries an
  obligation (`@obligation("require_approval")` or `"redact"`): the obligation applies only if some
  permit would otherwise allow the request;
- `monitor`: the `@mode("monitor")` policies, whose matches are recorded and change nothing.

Cedar skips a policy that errors during evaluation. A skipped forbid would silently become an
allow, so an enforced forbid that errors blocks the request, and so does a request Cedar could not
even build (`NoDecision`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cedarpy

from rampart.bundle.cedar_source import PolicyStatement
from rampart.bundle.schema import BundleConfig
from rampart.exceptions import PolicyError
from rampart.model import Action, Mode, Principal, Reason

CONTROL = "cedar"
_OBLIGATION_ACTIONS = {"require_approval": Action.REQUIRE_APPROVAL, "redact": Action.REDACT}


@dataclass(frozen=True, slots=True)
class AuthzResult:
    """The strictest enforced action and every reason (monitor-mode ones included)."""

    action: Action
    reasons: tuple[Reason, ...]


class _CompiledSet:
    """A pre-parsed policy set plus the statement behind each of Cedar's `policyN` ids."""

    def __init__(self, statements: Sequence[PolicyStatement]):
        self.statements = list(statements)
        text = "\n".join(s.text for s in self.statements)
        try:
            self.policy_set = cedarpy.PolicySet.from_str(text) if self.statements else None
        except ValueError as exc:
            raise PolicyError(f"Cedar policies failed to compile: {exc}") from exc

    def statement(self, cedar_id: str) -> PolicyStatement | None:
        index = cedar_id[6:] if cedar_id.startswith("policy") else ""
        return (
            self.statements[int(index)]
            if index.isdigit() and int(index) < len(self.statements)
            else None
        )

    def evaluate(self, request: dict[str, Any], entities: cedarpy.Entities) -> cedarpy.AuthzResult:
        assert self.policy_set is not None, "an empty set is never evaluated"
        return cedarpy.is_authorized(request, self.policy_set, entities)


class Authorizer:
    """Authorizes (principal, action, resource, context) against a bundle's Cedar policies."""

    def __init__(self, policies: Sequence[PolicyStatement], config: BundleConfig):
        enforced = [p for p in policies if p.annotations.get("mode") != Mode.MONITOR.value]
        monitored = [p for p in policies if p.annotations.get("mode") == Mode.MONITOR.value]
        self._enforced = _CompiledSet(enforced)
        self._permits = _CompiledSet([p for p in enforced if p.effect == "permit"])
        self._monitor = _CompiledSet(monitored)
        try:
            self._entities = cedarpy.Entities.from_json_str(json.dumps(bundle_entities(config)))
        except ValueError as exc:
            raise PolicyError(f"bundle entities rejected by Cedar: {exc}") from exc

    def authorize(
        self,
        principal: Principal,
        action: str,
        resource: tuple[str, str],
        context: Mapping[str, Any],
    ) -> AuthzResult:
        request = {
            "principal": {"type": principal.cedar_type, "id": principal.id},
            "action": {"type": "Action", "id": action},
            "resource": {"type": resource[0], "id": resource[1]},
            "context": dict(context),
        }
        reasons = self._enforce(request)
        if self._monitor.policy_set is not None:
            reasons.extend(self._watch(request))
        enforced = [r.action for r in reasons if r.enforced]
        return AuthzResult(Action.strictest(enforced), tuple(reasons))

    def _enforce(self, request: dict[str, Any]) -> list[Reason]:
        if self._enforced.policy_set is None:
            return [_reason(Action.BLOCK, Mode.ENFORCE, "no enforced Cedar policies: default deny")]
        result = self._enforced.evaluate(request, self._entities)
        reasons = self._errors(self._enforced, result.diagnostics.errors, Mode.ENFORCE)
        if result.decision == cedarpy.Decision.NoDecision:
            return reasons or [_reason(Action.BLOCK, Mode.ENFORCE, "Cedar could not decide")]
        determining = [self._enforced.statement(pid) for pid in result.diagnostics.reasons]
        matched = [s for s in determining if s is not None]
        if result.decision == cedarpy.Decision.Allow:
            reasons.extend(_obligation_reason(s, Mode.ENFORCE) for s in matched if _obligation(s))
            return reasons
        forbids = [s for s in matched if s.effect == "forbid"]
        if not forbids:
            reasons.append(
                _reason(Action.BLOCK, Mode.ENFORCE, "no permit policy matched: default deny")
            )
            return reasons
        hard = [s for s in forbids if _obligation(s) is None]
        for statement in hard:
            reasons.append(_reason(Action.BLOCK, Mode.ENFORCE, "forbidden by policy", statement))
        if not hard:
            permitted = self._permits.policy_set is not None and (
                self._permits.evaluate(request, self._entities).decision == cedarpy.Decision.Allow
            )
            if not permitted:
                reasons.append(
                    _reason(Action.BLOCK, Mode.ENFORCE, "no permit policy matched: default deny")
                )
            reasons.extend(_obligation_reason(s, Mode.ENFORCE) for s in forbids)
        return reasons

    def _watch(self, request: dict[str, Any]) -> list[Reason]:
        result = self._monitor.evaluate(request, self._entities)
        reasons = self._errors(self._monitor, result.diagnostics.errors, Mode.MONITOR)
        for pid in result.diagnostics.reasons:
            statement = self._monitor.statement(pid)
            if statement is not None and statement.effect == "forbid":
                obligation = _obligation(statement)
                action = _OBLIGATION_ACTIONS[obligation] if obligation else Action.BLOCK
                reasons.append(
                    _reason(action, Mode.MONITOR, "would be forbidden by policy", statement)
                )
        return reasons

    def _errors(self, compiled: _CompiledSet, errors: list[str], mode: Mode) -> list[Reason]:
        """An erroring forbid blocks (fail closed); an erroring permit just does not allow."""
        reasons = []
        for error in errors:
            statement = next(
                (s for i, s in enumerate(compiled.statements) if f"`policy{i}`" in error), None
            )
            if statement is not None and statement.effect == "permit":
                continue
            message = error
            if statement is not None:
                message = error.replace(
                    f"`policy{compiled.statements.index(statement)}`", f"`{statement.policy_id}`"
                )
            reasons.append(
                _reason(
                    Action.BLOCK,
                    mode,
                    f"policy failed to evaluate, failing closed: {message}",
                    statement,
                )
            )
        return reasons


def bundle_entities(config: BundleConfig) -> list[dict[str, Any]]:
    """The entities a bundle declares: its models, retrieval sources and tools."""
    entities: list[dict[str, Any]] = []
    for model_id, model in config.models.items():
        entities.append(
            {
                "uid": {"type": "Model", "id": model_id},
                "attrs": {"provider": model.provider},
                "parents": [],
            }
        )
    for name, source in config.sources.items():
        entities.append(
            {
                "uid": {"type": "Source", "id": name},
                "attrs": {"trust": source.trust.value},
                "parents": [],
            }
        )
    for name, tool in config.tools.items():
        attrs: dict[str, Any] = {"side_effects": tool.side_effects, "results": tool.results.value}
        entities.append({"uid": {"type": "Tool", "id": name}, "attrs": attrs, "parents": []})
    return entities


def _obligation(statement: PolicyStatement) -> str | None:
    return statement.annotations.get("obligation")


def _obligation_reason(statement: PolicyStatement, mode: Mode) -> Reason:
    obligation = _obligation(statement) or ""
    return _reason(
        _OBLIGATION_ACTIONS[obligation], mode, f"policy obligation: {obligation}", statement
    )


def _reason(
    action: Action, mode: Mode, message: str, statement: PolicyStatement | None = None
) -> Reason:
    return Reason(
        control=CONTROL,
        action=action,
        mode=mode,
        message=message,
        policy_id=statement.policy_id if statement is not None else None,
    )
