"""Approvals through the gateway: held calls, resume by header, the HTTP API, two replicas."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from approvals.conftest import with_approvers  # tests/approvals: the approvers these tests use
from vallum.bundle.loader import load_bundle
from vallum.gateway import Gateway, GatewayOptions, build_gateway, create_app
from vallum.gateway.auth import create_api_key
from vallum.model import Principal
from vallum.storage.database import Database

pytestmark = pytest.mark.asyncio

REFUND = 'CALL refund {"order_id": "ORD-12345678", "amount": 250}'


def chat(content: str) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}


class Replica:
    """One gateway in process, with API keys for the agent and two approvers."""

    def __init__(self, gw: Gateway, keys: dict[str, str]):
        self.gw = gw
        self.keys = keys
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(gw)), base_url="http://gateway.test"
        )

    def auth(self, who: str, **extra: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.keys[who]}", **extra}

    async def call(self, approval: str | None = None) -> httpx.Response:
        headers = self.auth("agent:support-bot")
        if approval:
            headers["x-vallum-approval"] = approval
        return await self.client.post("/v1/chat/completions", json=chat(REFUND), headers=headers)


@pytest_asyncio.fixture
async def replicas(bundle_copy: Path, tmp_path: Path) -> AsyncIterator[Callable[[str, int], Any]]:
    """A factory: `make(database_url, n)` -> n gateways sharing that database."""
    opened: list[Replica] = []

    def make(url: str, n: int) -> list[Replica]:
        bundle = with_approvers(load_bundle(bundle_copy))
        out = []
        for _ in range(n):
            gw = build_gateway(GatewayOptions(bundle=bundle, database_url=url, mock=True))
            keys = {
                who: create_api_key(gw.db, Principal.parse(who))
                for who in ("agent:support-bot", "user:fiona", "user:sam", "user:max")
            }
            out.append(Replica(gw, keys))
        opened.extend(out)
        return out

    yield make
    for replica in opened:
        await replica.client.aclose()
        await replica.gw.aclose()


def _tools(response: httpx.Response) -> list[str]:
    calls = response.json()["choices"][0]["message"].get("tool_calls") or []
    return [c["function"]["name"] for c in calls]


def _url(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


async def test_held_call_resumes_once_after_approval(replicas: Any, tmp_path: Path) -> None:
    """Held -> approved over the API -> resent with the header goes through once, then not again."""
    (gw,) = replicas(f"sqlite:///{tmp_path / 'one.db'}", 1)
    held = await gw.call()
    approval_id = held.headers["x-vallum-approval-id"]
    notice = held.json()["vallum"]["notices"][0]
    decided = await gw.client.post(
        f"/v1/approvals/{approval_id}/approve",
        json={"reason": "customer verified"},
        headers=gw.auth("user:fiona"),
    )
    released = await gw.call(approval_id)
    again = await gw.call(approval_id)
    assert ([], "pending", approval_id) == (_tools(held), notice["status"], notice["hold_id"])
    assert (200, "approved") == (decided.status_code, decided.json()["status"])
    assert ["refund"] == _tools(released)
    assert [] == _tools(again)
    assert "already been used" in again.json()["vallum"]["notices"][0]["message"]


async def test_api_refuses_self_approval_wrong_role_and_strangers(
    replicas: Any, tmp_path: Path
) -> None:
    """The agent cannot approve its own call, support-lead lacks finance, no key gets 401."""
    (gw,) = replicas(f"sqlite:///{tmp_path / 'one.db'}", 1)
    approval_id = (await gw.call()).headers["x-vallum-approval-id"]
    url = f"/v1/approvals/{approval_id}/approve"
    own = await gw.client.post(url, headers=gw.auth("agent:support-bot"))
    role = await gw.client.post(url, headers=gw.auth("user:sam"))
    nobody = await gw.client.post(url)
    listed = await gw.client.get("/v1/approvals?status=pending", headers=gw.auth("user:sam"))
    assert [403, 403, 401] == [own.status_code, role.status_code, nobody.status_code]
    assert [approval_id] == [a["id"] for a in listed.json()["approvals"]]


async def test_callers_without_a_role_see_only_their_own_requests(
    replicas: Any, tmp_path: Path
) -> None:
    """An API key with no approver role lists and shows only the approvals it asked for."""
    (gw,) = replicas(f"sqlite:///{tmp_path / 'one.db'}", 1)
    approval_id = (await gw.call()).headers["x-vallum-approval-id"]
    gw.keys["app:web"] = create_api_key(gw.gw.db, Principal.parse("app:web"))
    mine = await gw.client.get("/v1/approvals", headers=gw.auth("agent:support-bot"))
    theirs = await gw.client.get("/v1/approvals", headers=gw.auth("app:web"))
    shown = await gw.client.get(f"/v1/approvals/{approval_id}", headers=gw.auth("app:web"))
    assert ([approval_id], [], 404) == (
        [a["id"] for a in mine.json()["approvals"]],
        theirs.json()["approvals"],
        shown.status_code,
    )


async def test_denied_call_is_not_released(replicas: Any, tmp_path: Path) -> None:
    """A denied approval never releases the call; the client is told why."""
    (gw,) = replicas(f"sqlite:///{tmp_path / 'one.db'}", 1)
    approval_id = (await gw.call()).headers["x-vallum-approval-id"]
    await gw.client.post(f"/v1/approvals/{approval_id}/deny", headers=gw.auth("user:fiona"))
    resent = await gw.call(approval_id)
    assert [] == _tools(resent)
    assert "was denied by user:fiona" in resent.json()["vallum"]["notices"][0]["message"]


async def test_approval_on_one_replica_releases_a_call_held_by_another(
    replicas: Any, postgres_db: Database
) -> None:
    """On the real PostgreSQL: held by replica A, approved through B, released by A, once."""
    a, b = replicas(_url(postgres_db), 2)
    approval_id = (await a.call()).headers["x-vallum-approval-id"]
    shown = await b.client.get(f"/v1/approvals/{approval_id}", headers=b.auth("user:fiona"))
    await b.client.post(f"/v1/approvals/{approval_id}/approve", headers=b.auth("user:fiona"))
    released = await a.call(approval_id)
    replayed = await b.call(approval_id)
    assert ("pending", "refund") == (shown.json()["status"], shown.json()["tool"])
    assert (["refund"], []) == (_tools(released), _tools(replayed))


async def test_api_errors_come_from_the_gateway_s_one_table(replicas: Any, tmp_path: Path) -> None:
    """Unknown id 404, a second decision 409, a bad filter 400: statuses and OpenAI-style codes."""
    (gw,) = replicas(f"sqlite:///{tmp_path / 'one.db'}", 1)
    approval_id = (await gw.call()).headers["x-vallum-approval-id"]
    unknown = await gw.client.post("/v1/approvals/nope/approve", headers=gw.auth("user:fiona"))
    first = await gw.client.post(f"/v1/approvals/{approval_id}/deny", headers=gw.auth("user:fiona"))
    second = await gw.client.post(
        f"/v1/approvals/{approval_id}/approve", headers=gw.auth("user:max")
    )
    bad = await gw.client.get("/v1/approvals?status=maybe", headers=gw.auth("user:fiona"))
    assert [404, 200, 409, 400] == [r.status_code for r in (unknown, first, second, bad)]
    assert ["approval_not_found", "approval_conflict", "invalid_request"] == [
        r.json()["error"]["code"] for r in (unknown, second, bad)
    ]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ('{"reason": "ok", "reason": "other"}', "duplicate key"),
        ('{"reason": NaN}', "NaN"),
        ('{"reason": "ok"} {"reason": "x"}', "not valid JSON"),
        ("[" * 200 + "]" * 200, "nested deeper"),
        ('{"reason": "x"', "not valid JSON"),
        ('{"reason": 5}', "must be a string"),
        ('{"reason": "' + "x" * 30_000 + '"}', "exceeds the limit"),
    ],
)
async def test_decision_bodies_are_read_strictly(
    replicas: Any, tmp_path: Path, body: str, why: str
) -> None:
    """A decision body two readers could read two ways (a key twice), or that is not one JSON
    object, too deep or too large, is refused with a 4xx that says why; nothing is decided."""
    (gw,) = replicas(f"sqlite:///{tmp_path / 'one.db'}", 1)
    approval_id = (await gw.call()).headers["x-vallum-approval-id"]
    r = await gw.client.post(
        f"/v1/approvals/{approval_id}/approve",
        content=body.encode(),
        headers=gw.auth("user:fiona", **{"content-type": "application/json"}),
    )
    still = await gw.client.get(f"/v1/approvals/{approval_id}", headers=gw.auth("user:fiona"))
    assert (True, True, "pending") == (
        400 <= r.status_code < 500,
        why in r.json()["error"]["message"],
        still.json()["status"],
    )


async def test_a_plain_reason_and_an_empty_body_still_decide(replicas: Any, tmp_path: Path) -> None:
    """Hard negative: a well-formed reason is kept; no body at all decides with no reason."""
    (gw,) = replicas(f"sqlite:///{tmp_path / 'one.db'}", 1)
    first = (await gw.call()).headers["x-vallum-approval-id"]
    second = (await gw.call()).headers["x-vallum-approval-id"]
    a = await gw.client.post(
        f"/v1/approvals/{first}/deny", json={"reason": "not ours"}, headers=gw.auth("user:fiona")
    )
    b = await gw.client.post(f"/v1/approvals/{second}/deny", headers=gw.auth("user:fiona"))
    assert [200, 200] == [a.status_code, b.status_code]
    assert ["denied", "denied"] == [a.json()["status"], b.json()["status"]]
