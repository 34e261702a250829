"""The threats page in headless Chromium: it renders under the strict CSP, without errors."""

from __future__ import annotations

from typing import Any

from .conftest import Live, log_in
from .test_browser import INJECTION, _shot


def test_threats_page_in_the_browser(page: Any, live: Live) -> None:
    """After a blocked injection the matrix shows the control acting, with no console error
    (the page needs no inline script or style the CSP would refuse)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    log_in(page, live, "sam")
    assert 400 == live.chat(INJECTION).status_code
    page.goto(f"{live.url}/ui/threats?days=7")
    page.locator("table.threats").wait_for()
    _shot(page, "threats")
    rows = page.locator("table.threats tbody tr").count()
    evidence = page.inner_text("table.threats")
    refused = [e for e in errors if not e.startswith("Failed to load resource")]  # favicon
    page_errors = [u for u in missing if not u.endswith("/favicon.ico")]
    assert ([], [], 12) == (refused, page_errors, rows)
    assert "injection: acted 1×" in evidence
