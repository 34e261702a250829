"""The action hash: RFC 8785 arguments (numbers by value, exact big integers, non-JSON values as
their str) under a version that changes with the bytes."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest

from vallum.approvals import model
from vallum.approvals.model import action_hash, canonical_arguments


def _hash(arguments: dict[str, Any]) -> str:
    return action_hash("agent:a", "s", "refund", arguments)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({"amount": 100, "items": [{"qty": 2}]}, {"items": [{"qty": 2.0}], "amount": 100.0}),
        ({"rate": 1e-05}, {"rate": 0.00001}),
        ({"n": 10**20}, {"n": 1e20}),
    ],
)
def test_the_same_values_hash_alike(one: dict[str, Any], other: dict[str, Any]) -> None:
    """Key order and the type a number arrived as (int or float), nested too, do not matter."""
    assert _hash(one) == _hash(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({"order": 2**53}, {"order": 2**53 + 1}),  # one double, two integers
        ({"amount": Decimal("1.5")}, {"amount": 1.5}),  # a str, and a number
        ({"to": "a@b.example"}, {"to": "a@b.example "}),
    ],
)
def test_different_values_hash_apart(one: dict[str, Any], other: dict[str, Any]) -> None:
    """Integers beyond a double's precision keep their digits; a non-JSON value is its str."""
    assert _hash(one) != _hash(other)


def test_non_json_values_are_written_as_their_str() -> None:
    """A Decimal, a NaN or a non-string key is written as its str, as version 1 did."""
    text = canonical_arguments({"a": Decimal("1.50"), "b": float("nan"), 3: "x"})
    assert '{"3":"x","a":"1.50","b":"nan"}' == text


def test_the_version_is_part_of_the_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hash covers ACTION_HASH_VERSION: approvals hashed by another version do not match."""
    now = _hash({"amount": 100})
    monkeypatch.setattr(model, "ACTION_HASH_VERSION", model.ACTION_HASH_VERSION - 1)
    assert now != _hash({"amount": 100})


def test_the_hash_is_over_canonical_header_and_arguments() -> None:
    """sha256 of `[version,principal,session,tool]`, a newline and the canonical arguments."""
    header = f'[{model.ACTION_HASH_VERSION},"agent:a","s","refund"]'
    expected = hashlib.sha256(f'{header}\n{{"amount":100}}'.encode()).hexdigest()
    assert expected == _hash({"amount": 100.0})
