"""Optional LLM reviewer over entry-point files, on any OpenAI-compatible endpoint."""

from __future__ import annotations

import re

import httpx
import yaml

from vallum.review.findings import Finding
from vallum.review.llm.config import LLMConfig
from vallum.review.llm.reviewer import LLMReviewer
from vallum.review.threatmodel.schema import ThreatModel

ENTRY_POINT = re.compile(
    r"@\w+\.(route|get|post|put|delete|patch)\(|\brequest\.|def \w+\(request|\breq\.|"
    r"export (async )?function (GET|POST|PUT|PATCH|DELETE)\b|@(Get|Post|Put|Patch|Delete)\("
)
CODE_SUFFIXES = (".py", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx")

__all__ = ["LLMConfig", "LLMReviewer", "llm_review"]


def llm_review(files: dict[str, str], threat_model: ThreatModel | None, config: LLMConfig,
               transport: httpx.BaseTransport | None = None) -> list[Finding]:  # fmt: skip
    """Review the source files holding entry points (all source files if none do)."""
    config.require_endpoint()
    python = {p: code for p, code in files.items() if p.endswith(CODE_SUFFIXES)}
    entry = {p: code for p, code in python.items() if ENTRY_POINT.search(code)}
    context = ""
    if threat_model is not None and threat_model.requirements:
        dumped = [r.model_dump(exclude_defaults=True) for r in threat_model.requirements]
        context = yaml.safe_dump({"requirements": dumped}, sort_keys=False)
    reviewer = LLMReviewer(config, transport=transport)
    try:
        return reviewer.review(entry or python, context)
    finally:
        reviewer.close()
