"""The `gateway.limits.max_json_depth` setting: validated and located."""

from __future__ import annotations

from pathlib import Path

import pytest

from vallum.bundle.gateway import RequestLimits
from vallum.bundle.loader import validate_bundle


@pytest.mark.parametrize("value", ["0", "7", "129", "100000", "deep"])
def test_a_depth_limit_out_of_range_is_a_located_error(bundle_copy: Path, value: str) -> None:
    """Too small for a chat body, past what canonical JSON writes, or not a number: reported at
    its line and key."""
    config = bundle_copy / "vallum.yaml"
    text = config.read_text()
    assert "    max_json_depth: 64" in text
    config.write_text(text.replace("    max_json_depth: 64", f"    max_json_depth: {value}", 1))
    line = next(
        i for i, row in enumerate(config.read_text().splitlines(), 1) if "max_json_depth" in row
    )
    issues = validate_bundle(bundle_copy)
    assert [("gateway.limits.max_json_depth", line)] == [(i.key, i.line) for i in issues]


@pytest.mark.parametrize("value", [8, 64, 128])
def test_a_depth_limit_in_range_is_accepted(value: int) -> None:
    """Hard negative: the bounds themselves are valid."""
    assert value == RequestLimits(max_json_depth=value).max_json_depth
