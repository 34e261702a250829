"""The dashboard's pages over the evidence: decisions and their filters, exports, one session's
turns, one record's trace, and the controls' figures (the queries are in `search`, `queries`)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse

from vallum.dashboard.charts import draw
from vallum.dashboard.queries import Filters, decision_stream
from vallum.dashboard.search import (
    control_figures,
    export_records,
    group_by_request,
    session_records,
    to_csv,
    to_jsonl,
)  # fmt: skip
from vallum.dashboard.web import Dashboard, int_param, secure
from vallum.evidence.log import EvidenceLog
from vallum.evidence.trace import trace_rows


class SearchPages:
    """Handlers mixed into the dashboard's handler class, which provides `d` and `render`."""

    d: Dashboard

    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        raise NotImplementedError  # provided by the dashboard's handler class

    async def decisions(self, request: Request) -> Response:
        filters = filters_of(request)
        rows, more = await asyncio.to_thread(decision_stream, self.d.db, filters)
        return self.render(
            request, "decisions.html", filters=filters, rows=rows, more=more, page="decisions"
        )

    async def decision_rows(self, request: Request) -> Response:
        rows, _ = await asyncio.to_thread(decision_stream, self.d.db, filters_of(request))
        return self.render(request, "_decision_rows.html", rows=rows)

    async def export(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "jsonl"):
            return self.render(request, "error.html", 404, message="Export as csv or jsonl.")
        # A sync iterator: Starlette reads it in a worker thread, page by page.
        records = export_records(self.d.db, filters_of(request))
        lines = to_csv(records) if fmt == "csv" else to_jsonl(records)
        media = "text/csv" if fmt == "csv" else "application/x-ndjson"
        name = f"vallum-decisions.{fmt}"
        return secure(
            StreamingResponse(
                lines, media_type=media,
                headers={"content-disposition": f'attachment; filename="{name}"'},
            )
        )  # fmt: skip

    async def session(self, request: Request) -> Response:
        name = request.path_params["session"][:256]
        records = await asyncio.to_thread(session_records, self.d.db, name)
        turns = group_by_request(records)
        return self.render(request, "session.html", session=name, turns=turns, page="decisions")

    async def trace(self, request: Request) -> Response:
        record_id = request.path_params["record_id"]
        stored = await asyncio.to_thread(EvidenceLog(self.d.db).get, record_id)
        if stored is None:
            return self.render(request, "error.html", 404, message="No such evidence record.")
        rows = trace_rows(stored.record, stored.hash)
        return self.render(request, "trace.html", record=stored.record, rows=rows, page="decisions")

    async def controls(self, request: Request) -> Response:
        hours = int_param(request.query_params.get("hours"), 24, 1, 24 * 30)
        figures, labels = await asyncio.to_thread(
            control_figures, self.d.db, self.d.bundle, hours=hours
        )
        drawn = [draw(f, labels) for f in figures]
        return self.render(
            request, "controls.html", charts=drawn, hours=hours, labels=labels, page="controls"
        )


def filters_of(request: Request) -> Filters:
    q = request.query_params
    return Filters(
        principal=q.get("principal", "")[:256],
        session=q.get("session", "")[:256],
        action=q.get("action", "")[:32],
        control=q.get("control", "")[:128],
        q=q.get("q", "")[:256],
        since=q.get("since", "")[:40],
        until=q.get("until", "")[:40],
        before=int_param(q.get("before"), 0, 1, 2**62) or None,
    )
