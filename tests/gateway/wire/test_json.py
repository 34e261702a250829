"""orjson rendering: the same JSON as the json module's compact form, and a fallback where
orjson refuses a value."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from vallum.gateway.wire.json import FastJSONResponse, dumps

TEXT = st.text(
    st.characters(blacklist_categories=("Cs",))
)  # no lone surrogates: neither writes them
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), TEXT,
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f == 0 or abs(f) >= 1e-4),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner), st.dictionaries(TEXT, inner)),
    max_leaves=30,
)


@given(VALUES)
def test_same_bytes_as_the_json_module(value: Any) -> None:
    """Floats below 1e-4 are left out: orjson writes 0.00001 where json writes 1e-05 (both
    valid JSON for the same number)."""
    assert json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() == dumps(value)


def test_values_orjson_refuses_are_rendered_by_the_json_module() -> None:
    assert b'{"big":123456789012345678901234567890}' == dumps(
        {"big": 123456789012345678901234567890}
    )
    assert b'{"1":"x"}' == dumps({1: "x"})


def test_non_finite_numbers_become_null() -> None:
    assert b'{"score":null}' == dumps({"score": float("nan")})


def test_the_response_carries_the_rendering() -> None:
    response = FastJSONResponse({"text": "héllo 😀", "n": [1, 2]}, headers={"x-a": "b"})
    assert '{"text":"héllo 😀","n":[1,2]}'.encode() == response.body
    assert "application/json" == response.headers["content-type"]
    assert str(len(response.body)) == response.headers["content-length"]
