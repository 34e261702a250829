"""The LLM reviewer against a fake OpenAI-compatible endpoint (httpx.MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from vallum.exceptions import ReviewError
from vallum.review.llm import LLMConfig, llm_review

CODE = {"app.py": "from flask import request\nimport os\nos.system(request.args['x'])\n"}
CLAIM = {"line": 3, "cwe": 78, "severity": "critical", "title": "Command injection",
         "explanation": "query string reaches os.system", "confidence": 0.9}  # fmt: skip


def completion(content: str, finish: str = "stop") -> httpx.Response:
    return httpx.Response(200, json={
        "choices": [{"message": {"role": "assistant", "content": content},
                     "finish_reason": finish}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20},
    })  # fmt: skip


def fake(review: dict[str, object], verdict: str = "confirmed",
         seen: list[dict[str, object]] | None = None) -> httpx.MockTransport:  # fmt: skip
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if seen is not None:
            seen.append(body)
        if body["response_format"]["json_schema"]["name"] == "security_review":
            return completion(json.dumps(review))
        return completion(json.dumps({"verdict": verdict, "confidence": 0.8, "reason": "r"}))

    return httpx.MockTransport(handler)


def run(transport: httpx.BaseTransport, **config: object) -> list[tuple[str, int]]:
    cfg = LLMConfig.from_env({}, base_url="http://fake/v1", model="test-model", **config)
    return [(f.rule, f.line) for f in llm_review(CODE, None, cfg, transport=transport)]


def test_confirmed_finding_is_reported() -> None:
    """A finding the model reports and then confirms in the challenge pass is kept."""
    assert [("llm.cwe-78", 3)] == run(fake({"findings": [CLAIM], "complete": True}))


@pytest.mark.parametrize(
    ("verdict", "confidence", "expected"),
    [("refuted", 0.9, []), ("confirmed", 0.5, [])],
)
def test_refuted_or_unconfident_findings_are_dropped(
    verdict: str, confidence: float, expected: list[tuple[str, int]]
) -> None:
    """The challenge pass can refute a claim; claims under the confidence threshold are dropped."""
    claim = {**CLAIM, "confidence": confidence}
    assert expected == run(fake({"findings": [claim], "complete": True}, verdict=verdict))


def test_code_is_delimited_as_untrusted() -> None:
    """The system prompt declares the code untrusted and the user message fences it by nonce."""
    seen: list[dict[str, object]] = []
    run(fake({"findings": [], "complete": True}, seen=seen))
    messages = seen[0]["messages"]
    assert isinstance(messages, list)
    system, user = messages[0]["content"], messages[1]["content"]
    marker = system.split("<<<UNTRUSTED_CODE ")[1].split(">>>")[0]
    assert "UNTRUSTED INPUT" in system
    assert f"<<<END_UNTRUSTED_CODE {marker}>>>" in user


@pytest.mark.parametrize(
    ("responder", "message"),
    [
        (lambda: completion(""), "empty"),
        (lambda: completion('{"findings": [', finish="length"), "truncated"),
        (lambda: completion('{"findings": []}'), "schema"),
        (lambda: completion('{"findings": [], "complete": false}'), "incomplete"),
    ],
)
def test_empty_truncated_or_malformed_reviews_fail_loudly(
    responder: Callable[[], httpx.Response], message: str
) -> None:
    """A review that is empty, cut off, off-schema or incomplete raises instead of passing."""
    with pytest.raises(ReviewError, match=message):
        run(httpx.MockTransport(lambda request: responder()))


def test_token_cap_stops_the_review() -> None:
    """The next call is refused when it would exceed the token cap."""
    with pytest.raises(ReviewError, match="token cap"):
        run(fake({"findings": [CLAIM], "complete": True}), max_total_tokens=10)
