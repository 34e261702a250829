"""Which context attributes policies read: the projection must never hide what a policy sees."""

from __future__ import annotations

import json

import cedarpy
import pytest

from vallum.authz.context_use import context_attributes, label_literals


def _reads(text: str) -> frozenset[str] | None:
    document = json.loads(cedarpy.policies_to_json_str(text))
    return context_attributes(document["staticPolicies"].values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("permit (principal, action, resource);", frozenset()),
        (
            'permit (principal, action, resource) when { context.labels.contains("pii") };',
            frozenset({"labels"}),
        ),
        (
            "forbid (principal, action, resource) when { context has args.amount && "
            "context.args.amount > 5 };",
            frozenset({"args"}),
        ),
        (
            'permit (principal, action, resource) when { context["arg labels"] == [] } '
            'unless { context.stage == "input" };',
            frozenset({"arg labels", "stage"}),
        ),
        (
            "permit (principal, action, resource) when { principal.level > 2 };",
            frozenset(),
        ),
    ],
)
def test_attribute_uses_are_collected(text: str, expected: frozenset[str]) -> None:
    assert expected == _reads(text)


@pytest.mark.parametrize(
    "condition",
    [
        'context == {"x": 1}',
        'context like "x"',
        "[context].contains(context)",
        "{a: context}.a has x",
        "if true then context.x == 1 else context == {}",
    ],
)
def test_whole_context_uses_cut_nothing(condition: str) -> None:
    """Any use of `context` other than reading one named attribute reads all of it."""
    assert _reads(f"permit (principal, action, resource) when {{ {condition} }};") is None


def test_one_whole_use_among_many_policies_cuts_nothing() -> None:
    text = (
        "permit (principal, action, resource) when { context.labels == [] };\n"
        "forbid (principal, action, resource) when { context == {} };"
    )
    assert _reads(text) is None


def _labels(text: str) -> frozenset[str] | None:
    document = json.loads(cedarpy.policies_to_json_str(text))
    return label_literals(document["staticPolicies"].values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("permit (principal, action, resource);", frozenset()),
        (
            "forbid (principal, action, resource) when { context has labels && "
            'context.args.to == "x" && context.arg_labels.contains("to:untrusted") };',
            frozenset(),
        ),
        (
            'permit (principal, action, resource) when { context.labels.contains("pii") };\n'
            "forbid (principal, action, resource) when "
            '{ context.labels.containsAny(["untrusted", "secret"]) || '
            'context["labels"].containsAll(["a", "b"]) };',
            frozenset({"pii", "untrusted", "secret", "a", "b"}),
        ),
        ("permit (principal, action, resource) when { context.labels.isEmpty() };", None),
        ('permit (principal, action, resource) when { context.labels == ["pii"] };', None),
        (
            "permit (principal, action, resource) when "
            "{ context.labels.contains(context.source) };",
            None,
        ),
        (
            'permit (principal, action, resource) when { ["pii"].containsAll(context.labels) };',
            None,
        ),
        ('permit (principal, action, resource) when { context == {"labels": []} };', None),
    ],
)
def test_label_literals(text: str, expected: frozenset[str] | None) -> None:
    """Only literal membership tests let labels be cut to those literals; any other use of
    `context.labels` (or of the whole context) keeps every label."""
    assert expected == _labels(text)
