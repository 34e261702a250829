"""Cedar authorization: obligations, monitor mode, and never an allow from an error."""

from __future__ import annotations

from typing import Any

import pytest

from vallum.authz.authorizer import Authorizer
from vallum.bundle.cedar_source import parse_statement, split_statements
from vallum.bundle.loader import Bundle
from vallum.bundle.schema import BundleConfig
from vallum.model import Action, Mode, Principal

AGENT = Principal("agent", "bot")
CONFIG = BundleConfig.model_validate(
    {"name": "t", "tools": {"refund": {"side_effects": True}, "search": {}}}
)
BASE = """
@id("allow-all") permit (principal, action, resource);
"""


def _authorizer(text: str) -> Authorizer:
    statements = [
        parse_statement("p.cedar", line, s) for line, s in split_statements(text, "p.cedar")
    ]
    return Authorizer(statements, CONFIG)


def _decide(
    text: str, context: dict[str, Any], tool: str = "refund"
) -> tuple[Action, list[tuple[str | None, Action, Mode]]]:
    result = _authorizer(text).authorize(AGENT, "tool.call", ("Tool", tool), context)
    return result.action, [(r.policy_id, r.action, r.mode) for r in result.reasons]


def test_permit_allows() -> None:
    """A matching permit and no forbid allows."""
    assert (Action.ALLOW, []) == _decide(BASE, {})


def test_default_deny() -> None:
    """No matching permit blocks."""
    action, reasons = _decide(
        '@id("p") permit (principal, action == Action::"llm.request", resource);', {}
    )
    assert Action.BLOCK == action
    assert [(None, Action.BLOCK, Mode.ENFORCE)] == reasons


def test_forbid_blocks() -> None:
    """A matching forbid blocks and is named."""
    text = BASE + '@id("no-refund") forbid (principal, action, resource == Tool::"refund");'
    assert (Action.BLOCK, [("no-refund", Action.BLOCK, Mode.ENFORCE)]) == _decide(text, {})


def test_erroring_forbid_fails_closed() -> None:
    """A forbid that errors (missing attribute) blocks instead of being skipped into an allow."""
    text = (
        BASE
        + '@id("limit") forbid (principal, action, resource) when { context.args.amount > 100 };'
    )
    action, reasons = _decide(text, {"args": {}})
    assert Action.BLOCK == action
    assert [("limit", Action.BLOCK, Mode.ENFORCE)] == reasons


def test_erroring_forbid_on_type_mismatch_fails_closed() -> None:
    """A string where a number is compared makes the forbid error, and that blocks."""
    text = BASE + '@id("limit") forbid (principal, action, resource) when { context.amount > 100 };'
    assert Action.BLOCK == _decide(text, {"amount": "1000000"})[0]


def test_erroring_permit_does_not_allow() -> None:
    """A permit that errors simply does not grant access."""
    text = '@id("p") permit (principal, action, resource) when { context.missing == 1 };'
    assert Action.BLOCK == _decide(text, {})[0]


def test_obligation_turns_forbid_into_approval() -> None:
    """A forbid with @obligation("require_approval") holds instead of blocking."""
    text = (
        BASE
        + '@id("hold") @obligation("require_approval") forbid (principal, action, resource == Tool::"refund");'
    )
    assert (Action.REQUIRE_APPROVAL, [("hold", Action.REQUIRE_APPROVAL, Mode.ENFORCE)]) == _decide(
        text, {}
    )


def test_obligation_without_permit_still_blocks() -> None:
    """An obligation never grants what no permit allows."""
    text = '@id("hold") @obligation("require_approval") forbid (principal, action, resource);'
    assert Action.BLOCK == _decide(text, {})[0]


def test_hard_forbid_beats_obligation() -> None:
    """A plain forbid wins over an approval obligation on the same request."""
    text = BASE + (
        '@id("hold") @obligation("require_approval") forbid (principal, action, resource);\n'
        '@id("never") forbid (principal, action, resource == Tool::"refund");'
    )
    assert Action.BLOCK == _decide(text, {})[0]


def test_monitor_forbid_changes_nothing() -> None:
    """A @mode("monitor") forbid is recorded as would-block and the request is allowed."""
    text = BASE + '@id("trial") @mode("monitor") forbid (principal, action, resource);'
    assert (Action.ALLOW, [("trial", Action.BLOCK, Mode.MONITOR)]) == _decide(text, {})


READS_X = BASE + '@id("x-big") forbid (principal, action, resource) when { context.x > 100 };'
WHOLE = BASE + '@id("exact") forbid (principal, action, resource) when { context == {"x": 1} };'


def test_unrepresentable_context_fails_closed() -> None:
    """A context Cedar cannot even parse (a float) never becomes an allow: when a policy reads
    that attribute, or reads the context whole."""
    assert Action.BLOCK == _decide(READS_X, {"x": 1.5})[0]
    assert Action.BLOCK == _decide(WHOLE, {"x": 1.5})[0]
    assert Action.BLOCK == _decide(BASE + "@id(\"h\") forbid (principal, action, resource) "
                                   'when { context has x };', {"x": 1.5})[0]  # fmt: skip


def test_attributes_no_policy_reads_are_not_sent() -> None:
    """Cedar sees only what the policies can read, so an unread attribute changes nothing, not
    even by failing to parse; what is read decides as before."""
    assert Action.ALLOW == _decide(READS_X, {"x": 5, "unread": 1.5})[0]
    assert Action.BLOCK == _decide(READS_X, {"x": 500, "unread": 1.5})[0]
    assert Action.BLOCK == _decide(READS_X, {"unread": 1})[0]  # x missing: the forbid errors
    assert Action.ALLOW == _decide(WHOLE, {"x": 2})[0]
    assert Action.BLOCK == _decide(WHOLE, {"x": 1})[0]
    assert Action.ALLOW == _decide(WHOLE, {"x": 1, "y": 2})[0]  # whole context: nothing cut


@pytest.mark.parametrize(
    ("tool", "expected"),
    [("refund", Action.BLOCK), ("search", Action.ALLOW), ("ghost", Action.ALLOW)],
)
def test_entity_attributes_come_from_the_bundle(tool: str, expected: Action) -> None:
    """Tool entities carry `side_effects` from vallum.yaml; an undeclared tool has none."""
    text = (
        BASE
        + '@id("fx") forbid (principal, action, resource) when { resource has side_effects && resource.side_effects };'
    )
    assert expected == _decide(text, {}, tool=tool)[0]


def test_monitor_forbid_alone_never_allows() -> None:
    """A monitor forbid (compiled as a permit internally) does not turn a default deny into an allow."""
    text = '@id("p") permit (principal, action == Action::"llm.request", resource);\n@id("trial") @mode("monitor") forbid (principal, action, resource);'
    action, reasons = _decide(text, {})
    assert Action.BLOCK == action
    assert {("trial", Action.BLOCK, Mode.MONITOR), (None, Action.BLOCK, Mode.ENFORCE)} == set(
        reasons
    )


def test_monitor_matches_are_recorded_on_the_deny_path() -> None:
    """When a hard forbid blocks, a matching monitor rule is still reported."""
    text = BASE + (
        '@id("never") forbid (principal, action, resource == Tool::"refund");\n'
        '@id("trial") @mode("monitor") @obligation("require_approval") forbid (principal, action, resource);'
    )
    action, reasons = _decide(text, {})
    assert Action.BLOCK == action
    assert [
        ("never", Action.BLOCK, Mode.ENFORCE),
        ("trial", Action.REQUIRE_APPROVAL, Mode.MONITOR),
    ] == reasons


def test_monitor_permit_changes_nothing() -> None:
    """A @mode("monitor") permit does not allow what no enforced permit allows."""
    text = '@id("trial") @mode("monitor") permit (principal, action, resource);'
    assert Action.BLOCK == _decide(text, {})[0]


def test_erroring_monitor_forbid_is_recorded_not_enforced() -> None:
    """A monitor rule that errors is a monitor-mode reason; the request is still allowed."""
    text = (
        BASE
        + '@id("trial") @mode("monitor") forbid (principal, action, resource) when { context.nope == 1 };'
    )
    action, reasons = _decide(text, {})
    assert (Action.ALLOW, [("trial", Action.BLOCK, Mode.MONITOR)]) == (action, reasons)


def test_labels_cut_to_those_policies_test_change_no_answer(example_bundle: Bundle) -> None:
    """For every label set, stage and tool, the answer for the session's labels is the answer
    for those labels cut to `labels_read`: what lets history reuse decisions across turns."""
    authz = Authorizer(example_bundle.policies, example_bundle.config)
    assert authz.labels_read is not None
    pool = ["user", "model", "pii", "pii.email", "untrusted", "untrusted:web", "secret"]
    label_sets = [[label for i, label in enumerate(pool) if mask >> i & 1] for mask in range(128)]
    requests = [
        ("llm.request", ("Model", "gpt-4o-mini"), {}, []),
        ("tool.call", ("Tool", "send_email"), {"to": "a@b.example"}, ["to:email.external"]),
        ("tool.call", ("Tool", "refund"), {"order_id": "ORD-1", "amount": 5}, []),
        ("tool.call", ("Tool", "search_kb"), {"query": "q"}, []),
    ]
    agent = Principal("agent", "support-bot")
    differ = []
    for labels in label_sets:
        for action, resource, args, arg_labels in requests:
            base = {"stage": "input", "findings": [], "scores": {}, "args": args,
                    "arg_labels": arg_labels, "trust": "trusted", "source": ""}  # fmt: skip
            whole = authz.authorize(agent, action, resource, {**base, "labels": labels})
            cut = sorted(authz.labels_read.intersection(labels))
            if whole != authz.authorize(agent, action, resource, {**base, "labels": cut}):
                differ.append((labels, action, resource))
            # per action and resource: cut to what the policies that can apply there test
            read = authz.labels_read_for(action, resource)
            assert read is not None and read <= authz.labels_read
            sliced = sorted(read.intersection(labels))
            if whole != authz.authorize(agent, action, resource, {**base, "labels": sliced}):
                differ.append((labels, action, resource, "sliced"))
    assert [] == differ
    # the example bundle tests labels only on tool calls: a model request depends on none
    assert frozenset() == authz.labels_read_for("llm.request", ("Model", "gpt-4o-mini"))
    assert {"pii", "untrusted"} <= authz.labels_read_for("tool.call", ("Tool", "send_email")) | (
        authz.labels_read_for("tool.call", ("Tool", "refund")) or frozenset()
    )


def test_labels_read_per_slice_keeps_what_any_applicable_policy_tests() -> None:
    """Hard negatives: a policy scoped to every action, to an action list, to a group (`in`),
    or reading labels as a whole (`==`, a label from elsewhere) still counts for the slice."""
    cases = [
        ('forbid (principal, action, resource) when { context.labels.contains("a") };', {"a"}),
        (
            'forbid (principal, action in [Action::"llm.request", Action::"tool.call"], resource) '
            'when { context.labels.containsAny(["b", "c"]) };',
            {"b", "c"},
        ),
        (
            'forbid (principal, action == Action::"tool.call", resource) '
            'when { context.labels.contains("d") };',
            set(),
        ),
        (
            'forbid (principal, action == Action::"llm.request", resource == Model::"other") '
            'when { context.labels.contains("e") };',
            set(),
        ),
        (
            'forbid (principal, action == Action::"llm.request", resource) '
            "when { context.labels.isEmpty() };",
            None,
        ),
        (
            'forbid (principal, action == Action::"llm.request", resource) '
            'when { context.labels == ["x"] };',
            None,
        ),
    ]
    for policy, expected in cases:
        authz = _authorizer(BASE + policy)
        read = authz.labels_read_for("llm.request", ("Model", "gpt-4o-mini"))
        assert (None if expected is None else frozenset(expected)) == read, policy
