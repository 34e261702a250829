"""Data leaving through tool arguments, through the gateway (issue 12, finding 6): a model that
writes a card number into an email's body in a fresh session has the call refused on every path,
and the evidence keeps the arguments redacted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .delivered import KINDS, ROUTES, Script, delivered_calls, provider, request
from .helpers import Served, sse_events, tune_bundle

pytestmark = pytest.mark.asyncio

# Ann is at a partner company (the example bundle's `partners` allowlist): where the email goes
# is proven, and only what it carries decides.
LEAK = json.dumps(
    {
        "to": "ann.lee@partner.example",
        "subject": "Your card",
        "body": "On file: 4111\u200b1111 1111 1111",
    }
)
CLEAN = json.dumps(
    {"to": "ann.lee@partner.example", "subject": "Your order", "body": "It has shipped."}
)


async def _serve(serve: Any, bundle: Path, kind: str, script: Script) -> Served:
    if kind == "openai":
        return await serve(bundle=bundle, transport=provider(kind, script))  # type: ignore[no-any-return]
    tune_bundle(bundle, upstreams={"claude": {"kind": "anthropic", "base_url": "http://anthropic.test"}},
                default_upstream="claude")  # fmt: skip
    return await serve(bundle=bundle, transport=provider(kind, script), upstream_url=None)  # type: ignore[no-any-return]


def _statuses(stream: bool, body: str) -> list[str]:
    if not stream:
        return [n["status"] for n in json.loads(body)["vallum"]["notices"]]
    for _, data in sse_events(body):
        if isinstance(data, dict) and "vallum" in data:
            return [n["status"] for n in data["vallum"]["notices"]]
    raise AssertionError("no vallum object in the stream")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("route", ROUTES)
async def test_a_card_in_an_email_body_never_reaches_the_client(
    serve: Any, bundle_copy: Path, route: str, stream: bool, kind: str
) -> None:
    """Fresh session, clean user message: the model's own `send_email` carrying a card number
    (a zero-width space inside) is denied; the same email without it is delivered."""
    script = Script([("send_email", LEAK)], cuts=(5, 40, 77))
    s = await _serve(serve, bundle_copy, kind, script)
    path, body = request(route, stream, "Please tell Ann her order shipped.")
    refused = await s.client.post(path, json=body, headers=s.headers())
    script.calls = [("send_email", CLEAN)]
    sent = await s.client.post(path, json=body, headers=s.headers())
    assert ([], ["denied"]) == (
        delivered_calls(route, stream, refused),
        _statuses(stream, refused.text),
    )
    assert ["send_email"] == [name for name, _ in delivered_calls(route, stream, sent)]


async def test_the_evidence_keeps_arguments_redacted(serve: Any, bundle_copy: Path) -> None:
    """The tool-call record keeps the arguments with the address and the card redacted."""
    s = await _serve(serve, bundle_copy, "openai", Script([("send_email", LEAK)]))
    path, body = request("openai", False, "Please tell Ann her order shipped.")
    await s.client.post(path, json=body, headers=s.headers())
    [record] = [r for r in s.records() if r.get("stage") == "tool_call"]
    assert {
        "to": "[REDACTED:pii.email]",
        "subject": "Your card",
        "body": "On file: [REDACTED:pii.payment_card]",
    } == record["tool"]["arguments"]
    kept = json.dumps(s.records(), ensure_ascii=False)
    assert [] == [x for x in ("gmail", "4111", "1111 1111") if x in kept]
