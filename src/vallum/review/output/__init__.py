"""Report formats: grouped text with code excerpts, JSON, and SARIF 2.1.0."""

from __future__ import annotations

from collections.abc import Callable

from vallum.review.output.jsonout import render_json
from vallum.review.output.sarif import render_sarif
from vallum.review.output.text import render_text
from vallum.review.runner import Report

FORMATS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
}

__all__ = ["FORMATS", "render_json", "render_sarif", "render_text"]
