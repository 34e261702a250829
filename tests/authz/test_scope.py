"""Policy slices per action and resource give Cedar's answer to the whole policy set."""

from __future__ import annotations

import random

import pytest

from vallum.authz import authorizer as authorizer_module
from vallum.authz.authorizer import Authorizer
from vallum.authz.scope import may_apply
from vallum.bundle.cedar_source import parse_statement, split_statements
from vallum.bundle.schema import BundleConfig
from vallum.model import Principal

TOOLS = [f"t{i}" for i in range(12)]
CONFIG = BundleConfig.model_validate({"name": "t", "tools": {t: {} for t in TOOLS}})


def policies_text(n: int, seed: int = 1) -> str:
    """`n` policies of every scope form (==, is, is-in, in, All; action ==, in, All), some
    erroring, some monitor-mode, some with obligations, over TOOLS and the model actions."""
    rng = random.Random(seed)
    out = ['@id("base") permit (principal, action, resource);']
    for i in range(n):
        tool = rng.choice([*TOOLS, "unknown"])
        action = rng.choice(
            [
                'action == Action::"tool.call"',
                "action",
                'action in [Action::"tool.call", Action::"llm.request"]',
                'action == Action::"llm.request"',
            ]
        )
        resource = rng.choice(
            [
                f'resource == Tool::"{tool}"',
                "resource is Tool",
                "resource",
                f'resource in Tool::"{tool}"',
                f'resource is Tool in Tool::"{tool}"',
                'resource == Model::"m"',
            ]
        )
        condition = rng.choice(
            [
                'context.labels.contains("pii")',
                "context.args.amount > 5",
                'context.labels.contains("untrusted")',
                "true",
            ]
        )
        effect = rng.choice(["forbid", "forbid", "permit"])
        note = rng.choice(["", '@mode("monitor") ', '@obligation("require_approval") '])
        out.append(
            f'@id("p{i}") {note}{effect} ({action.replace("action", "principal, action", 1)}, '
            f"{resource}) when {{ {condition} }};"
        )
    return "\n".join(out)


def _authorizer(text: str) -> Authorizer:
    statements = [
        parse_statement("p.cedar", line, s) for line, s in split_statements(text, "p.cedar")
    ]
    return Authorizer(statements, CONFIG)


def _answers(authz: Authorizer) -> list[object]:
    agent = Principal("agent", "bot")
    out: list[object] = []
    for labels in ([], ["pii"], ["untrusted", "pii"]):
        for args in ({}, {"amount": 10}, {"amount": "x"}):
            context = {"labels": labels, "args": args}
            for action, resource in [
                *(("tool.call", ("Tool", t)) for t in [*TOOLS, "unknown", "never-named"]),
                ("llm.request", ("Model", "m")),
                ("llm.request", ("Model", "other")),
            ]:
                result = authz.authorize(agent, action, resource, context)
                # Cedar names matched and failed policies in no fixed order (a hash set): the
                # whole set's own answers differ in order from one build to the next.
                out.append((result.action, sorted(map(repr, result.reasons))))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_slices_answer_as_the_whole_set(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """For every tool, model, context and scope form, the sliced answer (action and reasons,
    errors included) is the answer of the whole policy set."""
    text = policies_text(120, seed)
    monkeypatch.setattr(authorizer_module, "may_apply", lambda *args: True)
    whole = _answers(_authorizer(text))
    monkeypatch.undo()
    assert whole == _answers(_authorizer(text))


@pytest.mark.parametrize(
    ("action", "resource", "expected"),
    [
        ({"op": "All"}, {"op": "All"}, True),
        ({"op": "==", "entity": {"type": "Action", "id": "tool.call"}}, {"op": "All"}, True),
        ({"op": "==", "entity": {"type": "Action", "id": "llm.request"}}, {"op": "All"}, False),
        ({"op": "in", "entities": []}, {"op": "All"}, True),  # kept: groups are not read
        ({"op": "All"}, {"op": "==", "entity": {"type": "Tool", "id": "a"}}, True),
        ({"op": "All"}, {"op": "==", "entity": {"type": "Tool", "id": "b"}}, False),
        ({"op": "All"}, {"op": "is", "entity_type": "Model"}, False),
        ({"op": "All"}, {"op": "in", "entity": {"type": "Tool", "id": "b"}}, True),
        ({"op": "All"}, {"op": "something new"}, True),
    ],
)
def test_may_apply(action: object, resource: object, expected: bool) -> None:
    """A scope is ruled out only when it is read exactly and cannot hold; otherwise kept."""
    policy = {"action": action, "resource": resource}
    assert expected == may_apply(policy, "tool.call", ("Tool", "a"))
