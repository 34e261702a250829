"""A dashboard that scales with the log: pages, time ranges, text search, control filter across
pages, figures aggregated in SQL over the whole window (SQLite and PostgreSQL), a session as
turns, and CSV/JSONL exports over HTTP (formula cells neutralised)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from vallum.bundle.loader import load_bundle
from vallum.dashboard import queries, search
from vallum.dashboard.queries import Filters
from vallum.evidence.log import EvidenceLog
from vallum.storage.database import Database

from .conftest import PASSWORDS, Live

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _decision(i: int, when: datetime) -> dict[str, object]:
    control = ("injection", "pii-out", "exfiltration")[i % 3]
    action = ("allow", "block", "redact")[i % 3]
    mode = "monitor" if i % 7 == 0 else "enforce"
    return {
        "schema": 1, "kind": "decision", "id": f"d-{i:06d}",
        "created_at": when.isoformat(timespec="microseconds"),
        "principal": f"agent:bot-{i % 4}", "session": f"agent:bot-{i % 4}/s-{i % 10}",
        "stage": ("input", "output", "tool_call")[i % 3], "action": action,
        "bundle": {"name": "b", "version": "v1"}, "request_id": f"r-{i // 2:06d}",
        "content": {"text": f"message number {i} =cmd|' /C calc'!A0" if i == 5 else f"message {i}"},
        "reasons": [] if action == "allow" else [
            {"control": control, "action": action, "mode": mode, "kind": "detector",
             "message": "m", "policy_id": None}
        ],
        "latency_ms": {"total": 1.5},
    }  # fmt: skip


def _fill(db: Database, n: int) -> list[dict[str, object]]:
    log = EvidenceLog(db)
    records = [_decision(i, NOW - timedelta(seconds=(n - i) * 3)) for i in range(n)]
    for start in range(0, n, 1000):
        log.append_many(records[start : start + 1000])
    return records


def test_pages_cover_every_decision_once(any_db: Database) -> None:
    records = _fill(any_db, 230)
    seen: list[str] = []
    cursor: int | None = None
    while True:
        rows, cursor = queries.decision_stream(any_db, Filters(before=cursor), limit=50)
        seen.extend(r.id for r in rows)
        if cursor is None:
            break
    assert sorted(seen) == sorted(str(r["id"]) for r in records) and len(seen) == len(set(seen))
    # newest first across pages
    assert seen == sorted(seen, reverse=True)


def test_control_filter_search_and_time_range(any_db: Database) -> None:
    records = _fill(any_db, 300)
    want = {str(r["id"]) for r in records if any(x["control"] == "pii-out" for x in r["reasons"])}  # type: ignore[attr-defined]
    got: set[str] = set()
    cursor: int | None = None
    while True:
        rows, cursor = queries.decision_stream(
            any_db, Filters(control="pii-out", before=cursor), limit=20
        )
        got |= {r.id for r in rows}
        if cursor is None:
            break
    assert want == got
    found, _ = queries.decision_stream(any_db, Filters(q="message 217"))
    assert ["d-000217"] == [r.id for r in found]
    since = (NOW - timedelta(seconds=30)).isoformat()
    recent, _ = queries.decision_stream(any_db, Filters(since=since))
    assert {r.id for r in recent} == {
        str(r["id"]) for r in records if str(r["created_at"]) >= since
    }


def test_figures_count_the_whole_window_in_sql(sqlite_db: Database, example_dir: Path) -> None:
    """More decisions than the old 20,000-record scan read: every one is counted."""
    records = _fill(sqlite_db, 21_000)
    bundle = load_bundle(example_dir)
    figures, labels = search.control_figures(sqlite_db, bundle, hours=24, now=NOW)
    totals = {f.control: f for f in figures}
    expected: Counter[tuple[str, str]] = Counter()
    for r in records:
        for reason in r["reasons"]:  # type: ignore[attr-defined]
            expected[(reason["control"], reason["action"], reason["mode"])] += 1
    assert 24 == len(labels)

    def enforced(control: str, action: str) -> int:
        return sum(
            n for (c, a, m), n in expected.items() if (c, a, m) == (control, action, "enforce")
        )

    would = sum(
        n for (c, a, m), n in expected.items() if (c, a, m) == ("pii-out", "block", "monitor")
    )
    assert (enforced("pii-out", "block"), enforced("exfiltration", "redact"), would) == (
        totals["pii-out"].total("blocked"),
        totals["exfiltration"].total("redacted"),
        totals["pii-out"].total("would_block"),
    )
    assert would > 0 and enforced("pii-out", "block") > 5000
    outputs = sum(1 for r in records if r["stage"] == "output")
    assert outputs == totals["pii-out"].total("evaluated")


@pytest.mark.postgres
def test_figures_in_sql_on_postgres(postgres_db: Database, example_dir: Path) -> None:
    records = _fill(postgres_db, 600)
    figures, _ = search.control_figures(postgres_db, load_bundle(example_dir), hours=24, now=NOW)
    totals = {f.control: f for f in figures}
    blocked = sum(
        1
        for r in records
        for x in r["reasons"]  # type: ignore[attr-defined]
        if (x["control"], x["mode"]) == ("pii-out", "enforce")
    )
    assert blocked == totals["pii-out"].total("blocked") and blocked > 0


def _log_in(client: httpx.Client, name: str) -> None:
    form = client.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    r = client.post(
        "/ui/login",
        data={"username": name, "password": PASSWORDS[name], "csrf_token": token.group(1)},
        headers={"origin": str(client.base_url).rstrip("/")},
    )
    assert r.status_code == 303, r.text


def test_exports_and_session_page_over_http(live: Live) -> None:
    live.chat("first question about my order", **{"x-vallum-session": "case-42"})
    live.chat('=HYPERLINK("http://evil.example")', **{"x-vallum-session": "case-42"})
    with httpx.Client(base_url=live.url, timeout=30) as client:
        assert 303 == client.get("/ui/decisions/export.csv").status_code  # login first
        _log_in(client, "sam")
        jsonl = client.get("/ui/decisions/export.jsonl", params={"session": "case-42"})
        assert "application/x-ndjson" in jsonl.headers["content-type"]
        lines = [json.loads(line) for line in jsonl.text.splitlines()]
        assert lines and all("case-42" in r["session"] for r in lines)
        table = client.get("/ui/decisions/export.csv", params={"session": "case-42"})
        rows = list(csv.reader(io.StringIO(table.text)))
        assert rows[0][:3] == ["seq", "id", "created_at"] and len(rows) == len(lines) + 1
        assert not any(cell.startswith("=") for row in rows for cell in row)
        session = lines[0]["session"]
        page = client.get(f"/ui/sessions/{session}")
        assert 200 == page.status_code
        assert page.text.count('class="turn"') == 2  # two requests, each with its decisions
        assert "openai.chat" in page.text
