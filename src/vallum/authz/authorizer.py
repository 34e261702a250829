"""Cedar authorization, compiled once per bundle version and fail-closed.

Policies are compiled into three pre-parsed sets:

- `combined`: every enforced policy, plus each `@mode("monitor")` forbid turned into a *permit*.
  On the common path (an allow) one Cedar call then says both which real permits matched and
  which monitor rules would have forbidden the request; a monitor permit alone never allows.
- `permits`: the enforced permits alone, consulted only when every matching forbid carries an
  obligation (`@obligation("require_approval")` or `"redact"`): the obligation applies only if some
  permit would otherwise allow the request;
- `monitor`: the monitor forbids as written, consulted only on a deny (where Cedar names the
  deciding forbids, not the permits), so monitor matches are recorded on every path.

Cedar skips a policy that errors during evaluation. A skipped forbid would silently become an
allow, so an enforced forbid that errors blocks the request, and so does a request Cedar could not
even build (`NoDecision`). A monitor rule that errors is recorded as a monitor-mode block.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import cedarpy
from cachetools import LRUCache

from vallum.authz.context_use import context_attributes, label_literals
from vallum.authz.scope import may_apply
from vallum.bundle.cedar_source import PolicyStatement
from vallum.bundle.schema import BundleConfig
from vallum.exceptions import PolicyError
from vallum.model import Action, Mode, Principal, Reason, ReasonKind

CONTROL = "cedar"
SLICE_CACHE = 4096  # (action, resource) pairs whose policy slices are kept
_OBLIGATION_ACTIONS = {"require_approval": Action.REQUIRE_APPROVAL, "redact": Action.REDACT}
_DEFAULT_DENY = "no permit policy matched: default deny"


@dataclass(frozen=True, slots=True)
class AuthzResult:
    """The strictest enforced action and every reason (monitor-mode ones included)."""

    action: Action
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    statement: PolicyStatement
    mode: Mode
    effect: str  # as written; a monitor forbid is compiled as a permit in `combined`


class _CompiledSet:
    """A pre-parsed policy set whose Cedar ids (`p0`, `p1`, ...) map back to statements."""

    def __init__(
        self,
        entries: Sequence[_Entry],
        *,
        flip_monitor_forbids: bool = False,
        parsed: Mapping[str, tuple[_Entry, dict[str, Any]]] | None = None,
    ):
        """`parsed` (Cedar id -> entry and its Cedar JSON) builds a slice of a set already
        parsed, keeping its ids (reasons then come in the same order)."""
        if parsed is not None:
            self.entries = {key: entry for key, (entry, _) in parsed.items()}
            self.policies: dict[str, Any] = {key: policy for key, (_, policy) in parsed.items()}
        else:
            self.entries = {f"p{i}": entry for i, entry in enumerate(entries)}
            self.policies = {}  # Cedar JSON, by Cedar id
        policies = self.policies
        for key, entry in self.entries.items() if parsed is None else ():
            parsed_json = json.loads(cedarpy.policies_to_json_str(entry.statement.text))
            policy = next(iter(parsed_json["staticPolicies"].values()))
            if flip_monitor_forbids and entry.mode is Mode.MONITOR:
                policy["effect"] = "permit"
            policies[key] = policy
        document = {"staticPolicies": policies, "templates": {}, "templateLinks": []}
        try:
            self.policy_set = (
                cedarpy.PolicySet.from_json_str(json.dumps(document)) if policies else None
            )
        except ValueError as exc:
            raise PolicyError(f"Cedar policies failed to compile: {exc}") from exc

    def evaluate(self, request: dict[str, Any], entities: cedarpy.Entities) -> cedarpy.AuthzResult:
        assert self.policy_set is not None, "an empty set is never evaluated"
        return cedarpy.is_authorized(request, self.policy_set, entities)

    def slice(self, action: str, resource: tuple[str, str]) -> _CompiledSet:
        """The policies whose scope can hold for `action` on `resource` (see `policy_scope`)."""
        return _CompiledSet(
            (),
            parsed={
                key: (self.entries[key], policy)
                for key, policy in self.policies.items()
                if may_apply(policy, action, resource)
            },
        )

    def matched(self, result: cedarpy.AuthzResult) -> list[_Entry]:
        return [self.entries[k] for k in result.diagnostics.reasons if k in self.entries]

    def failures(self, result: cedarpy.AuthzResult) -> list[Reason]:
        """An erroring forbid blocks (fail closed, or would in monitor mode); an erroring permit
        just does not allow."""
        reasons = []
        for error in result.diagnostics.errors:
            key = next((k for k in self.entries if f"`{k}`" in error), None)
            entry = self.entries.get(key) if key else None
            if entry is not None and entry.effect == "permit":
                continue
            message = (
                error
                if entry is None
                else error.replace(f"`{key}`", f"`{entry.statement.policy_id}`")
            )
            mode = entry.mode if entry is not None else Mode.ENFORCE
            text = f"policy failed to evaluate, failing closed: {message}"
            statement = entry.statement if entry else None
            reasons.append(_reason(Action.BLOCK, mode, text, statement, ReasonKind.POLICY_ERROR))
        return reasons


class _Slices(NamedTuple):
    combined: _CompiledSet
    permits: _CompiledSet
    monitor: _CompiledSet
    labels_read: frozenset[str] | None  # what `Authorizer.labels_read` is, for this slice


def _labels_read(policies: Collection[dict[str, Any]]) -> frozenset[str] | None:
    """The labels `policies` tell apart: none if they never read labels (`label_literals`)."""
    reads = context_attributes(policies)
    return label_literals(policies) if reads is None or "labels" in reads else frozenset()


class Authorizer:
    """Authorizes (principal, action, resource, context) against a bundle's Cedar policies."""

    def __init__(self, policies: Sequence[PolicyStatement], config: BundleConfig):
        enforced = [
            _Entry(p, Mode.ENFORCE, p.effect)
            for p in policies
            if p.annotations.get("mode") != Mode.MONITOR.value
        ]
        # A monitor permit could only ever "would allow", which changes nothing: left out.
        monitor = [
            _Entry(p, Mode.MONITOR, p.effect)
            for p in policies
            if p.annotations.get("mode") == Mode.MONITOR.value and p.effect == "forbid"
        ]
        self._combined = _CompiledSet(enforced + monitor, flip_monitor_forbids=True)
        self._permits = _CompiledSet([e for e in enforced if e.effect == "permit"])
        self._monitor = _CompiledSet(monitor)
        # Per (action, resource): only the policies whose scope can hold (`scope.may_apply`).
        # Bounded: resource ids come from requests (a tool a model names, a model a client asks).
        self._slices: LRUCache[tuple[str, str, str], _Slices] = LRUCache(maxsize=SLICE_CACHE)
        self._slices_lock = threading.Lock()
        # Every compiled policy is in `combined` (monitor forbids flipped, which reads nothing).
        self._reads = context_attributes(self._combined.policies.values())
        self.labels_read: frozenset[str] | None = _labels_read(self._combined.policies.values())
        """The session labels the policies can tell apart (see `context_use.label_literals`):
        their answer for any labels is their answer for those labels cut to these. None: every
        label may matter. Per action and resource: `labels_read_for`."""
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
        return self._authorize(principal, action, resource, self.visible(context))

    def _authorize(
        self, principal: Principal, action: str, resource: tuple[str, str], visible: dict[str, Any]
    ) -> AuthzResult:
        """`authorize`, for a context already cut down to what the policies read."""
        request = {
            "principal": {"type": principal.cedar_type, "id": principal.id},
            "action": {"type": "Action", "id": action},
            "resource": {"type": resource[0], "id": resource[1]},
            "context": visible,
        }
        reasons = self._decide(request)
        enforced = [r.action for r in reasons if r.enforced]
        return AuthzResult(Action.strictest(enforced), tuple(reasons))

    def reads(self, attribute: str) -> bool:
        """Whether any policy can read `context.ATTRIBUTE` (then the engine must build it)."""
        return self._reads is None or attribute in self._reads

    def visible(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """The part of `context` the policies can read (see `context_use`): Cedar's answer to
        it is the same as to the whole context."""
        if self._reads is None:
            return dict(context)
        return {key: value for key, value in context.items() if key in self._reads}

    def labels_read_for(self, action: str, resource: tuple[str, str]) -> frozenset[str] | None:
        """The labels that the policies which can apply to `action` on `resource` tell apart
        (within `labels_read`): the answer for that request, whatever its labels, is the answer
        for its labels cut to these, since a policy whose scope cannot hold is never satisfied.
        An input message's decision on a bundle whose labels only matter to tool calls depends
        on no label at all."""
        if self.labels_read is not None and not self.labels_read:
            return self.labels_read
        return self._slice_of(action, resource).labels_read

    def _slice(self, request: dict[str, Any]) -> _Slices:
        """The compiled sets for the request's action and resource, built on first use."""
        resource = request["resource"]
        return self._slice_of(request["action"]["id"], (resource["type"], resource["id"]))

    def _slice_of(self, action: str, resource: tuple[str, str]) -> _Slices:
        key = (action, *resource)
        with self._slices_lock:
            found = self._slices.get(key)
        if found is None:
            combined, permits, monitor = (s.slice(action, resource) for s in self._sets())
            found = _Slices(combined, permits, monitor, _labels_read(combined.policies.values()))
            with self._slices_lock:
                self._slices[key] = found
        return found

    def _sets(self) -> tuple[_CompiledSet, _CompiledSet, _CompiledSet]:
        return self._combined, self._permits, self._monitor

    def _decide(self, request: dict[str, Any]) -> list[Reason]:
        if self._combined.policy_set is None:
            return [_reason(Action.BLOCK, Mode.ENFORCE, "no Cedar policies: default deny")]
        sliced = self._slice(request)
        combined = sliced.combined
        if combined.policy_set is None:  # no policy's scope holds: none is satisfied
            return [_reason(Action.BLOCK, Mode.ENFORCE, _DEFAULT_DENY)]
        result = combined.evaluate(request, self._entities)
        reasons = combined.failures(result)
        if result.decision == cedarpy.Decision.NoDecision:
            undecided = _reason(
                Action.BLOCK, Mode.ENFORCE, "Cedar could not decide", kind=ReasonKind.POLICY_ERROR
            )
            return reasons or [undecided]
        matched = combined.matched(result)
        if result.decision == cedarpy.Decision.Allow:
            permits = [e.statement for e in matched if e.mode is Mode.ENFORCE]
            reasons.extend(_would_forbid(e.statement) for e in matched if e.mode is Mode.MONITOR)
            if not permits:
                reasons.append(_reason(Action.BLOCK, Mode.ENFORCE, _DEFAULT_DENY))
            reasons.extend(_obligation_reason(s, Mode.ENFORCE) for s in permits if _obligation(s))
            return reasons
        forbids = [e.statement for e in matched if e.effect == "forbid"]
        if not forbids:
            # Cedar names no deciding policy: nothing was satisfied, monitor rules included.
            reasons.append(_reason(Action.BLOCK, Mode.ENFORCE, _DEFAULT_DENY))
            return reasons
        hard = [s for s in forbids if _obligation(s) is None]
        reasons.extend(_reason(Action.BLOCK, Mode.ENFORCE, "forbidden by policy", s) for s in hard)
        if not hard:
            if not self._permitted(request, sliced.permits):
                reasons.append(_reason(Action.BLOCK, Mode.ENFORCE, _DEFAULT_DENY))
            reasons.extend(_obligation_reason(s, Mode.ENFORCE) for s in forbids)
        reasons.extend(self._watch(request, sliced.monitor))
        return reasons

    def _permitted(self, request: dict[str, Any], permits: _CompiledSet) -> bool:
        if permits.policy_set is None:
            return False
        return bool(permits.evaluate(request, self._entities).decision == cedarpy.Decision.Allow)

    def _watch(self, request: dict[str, Any], monitor: _CompiledSet) -> list[Reason]:
        """Monitor matches on the deny path, where the combined call could not show them.
        Errors were already recorded from the combined call."""
        if monitor.policy_set is None:
            return []
        result = monitor.evaluate(request, self._entities)
        return [_would_forbid(e.statement) for e in monitor.matched(result)]


def _would_forbid(statement: PolicyStatement) -> Reason:
    obligation = _obligation(statement)
    action = _OBLIGATION_ACTIONS[obligation] if obligation else Action.BLOCK
    return _reason(action, Mode.MONITOR, "would be forbidden by policy", statement)


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
    action: Action,
    mode: Mode,
    message: str,
    statement: PolicyStatement | None = None,
    kind: ReasonKind = ReasonKind.POLICY,
) -> Reason:
    return Reason(
        control=CONTROL,
        action=action,
        mode=mode,
        message=message,
        kind=kind,
        policy_id=statement.policy_id if statement is not None else None,
    )
