"""The optional LLM reviewer: a penetration-tester pass per file, then a challenge per finding.

Works with any OpenAI-compatible `/chat/completions` endpoint (Vallum's own gateway included).
Strict structured output is requested and validated; a review that comes back empty,
truncated (`finish_reason == "length"`), malformed or marked incomplete raises `ReviewError`
rather than passing silently as "no findings". Token and cost caps stop the run loudly too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from vallum.exceptions import ReviewError, UpstreamError
from vallum.review.findings import Finding, Severity
from vallum.review.llm import prompts
from vallum.review.llm.config import LLMConfig

_M = TypeVar("_M", bound=BaseModel)


@dataclass(slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def cost(self, config: LLMConfig) -> float:
        return (
            self.prompt_tokens * config.usd_per_1k_input
            + self.completion_tokens * config.usd_per_1k_output
        ) / 1000


class LLMReviewer:
    """Review files with a model; inject `transport` (e.g. `httpx.MockTransport`) in tests."""

    def __init__(
        self,
        config: LLMConfig,
        transport: httpx.BaseTransport | None = None,
        api_key: str | None = None,
    ) -> None:
        self.config = config
        key = config.api_key() if api_key is None else api_key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(
            base_url=config.base_url.rstrip("/") + "/",
            headers=headers,
            timeout=config.timeout_s,
            transport=transport,
        )
        self.usage = Usage()

    def close(self) -> None:
        self.client.close()

    def review(self, files: dict[str, str], threat_model: str = "") -> list[Finding]:
        """Findings the model reports and, when challenging is on, still stands by."""
        out: list[Finding] = []
        for path, code in list(files.items())[: self.config.max_files]:
            marker = prompts.nonce()
            review = self._ask(
                prompts.SYSTEM.format(nonce=marker),
                prompts.review_prompt(path, code, threat_model, marker),
                prompts.LLMReview,
                "security_review",
                path,
            )
            if not review.complete:
                raise ReviewError(f"LLM review of {path} is incomplete (complete=false)")
            lines = code.splitlines()
            for claim in review.findings:
                if claim.confidence < self.config.min_confidence or claim.line > len(lines) + 1:
                    continue
                confidence = claim.confidence
                if self.config.challenge:
                    verdict = self._ask(
                        prompts.CHALLENGE.format(nonce=marker),
                        prompts.challenge_prompt(path, code, claim, marker),
                        prompts.Verdict,
                        "challenge",
                        path,
                    )
                    if verdict.verdict == "refuted":
                        continue
                    confidence = min(confidence, verdict.confidence)
                    if confidence < self.config.min_confidence:
                        continue
                snippet = lines[claim.line - 1].strip() if claim.line <= len(lines) else ""
                out.append(
                    Finding(
                        f"llm.cwe-{claim.cwe}" if claim.cwe else "llm.review",
                        claim.cwe,
                        Severity.parse(claim.severity),
                        path,
                        claim.line,
                        f"{claim.title}: {claim.explanation}",
                        snippet=snippet,
                        tool="llm",
                        confidence=confidence,
                    )
                )
        return out

    def _ask(self, system: str, user: str, schema: type[_M], name: str, path: str) -> _M:
        self._check_budget(len(system) + len(user))
        body = {
            "model": self.config.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "temperature": 0,
            "max_tokens": self.config.max_output_tokens,
            "response_format": prompts.response_format(schema, name),
        }
        try:
            response = self.client.post("chat/completions", json=body)
        except httpx.TimeoutException as exc:
            raise UpstreamError(f"LLM reviewer timed out on {path}") from exc
        except httpx.HTTPError as exc:
            raise UpstreamError(f"LLM reviewer request failed on {path}: {exc}") from exc
        if response.status_code != 200:
            raise UpstreamError(
                f"LLM reviewer answered HTTP {response.status_code} on {path}: "
                f"{response.text[:200]}"
            )
        try:
            data = response.json()
            choice = data["choices"][0]
            content = choice["message"].get("content") or ""
            usage = data.get("usage") or {}
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ReviewError(f"LLM reviewer returned no usable completion for {path}") from exc
        self.usage.prompt_tokens += int(usage.get("prompt_tokens", 0))
        self.usage.completion_tokens += int(usage.get("completion_tokens", 0))
        if choice.get("finish_reason") == "length":
            raise ReviewError(f"LLM {name} of {path} was truncated (max_tokens reached)")
        if not content.strip():
            raise ReviewError(f"LLM {name} of {path} is empty")
        try:
            return schema.model_validate(json.loads(content))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise ReviewError(f"LLM {name} of {path} does not match the schema: {exc}") from exc

    def _check_budget(self, prompt_chars: int) -> None:
        spent = self.usage.prompt_tokens + self.usage.completion_tokens
        estimate = prompt_chars // 4 + self.config.max_output_tokens
        if spent + estimate > self.config.max_total_tokens:
            raise ReviewError(
                f"LLM token cap reached: {spent} used, next call needs about "
                f"{estimate}, cap {self.config.max_total_tokens}"
            )
        if self.usage.cost(self.config) > self.config.max_cost_usd:
            raise ReviewError(
                f"LLM cost cap reached: ${self.usage.cost(self.config):.4f} "
                f"> ${self.config.max_cost_usd}"
            )
