"""A self-contained HTML report: tables plus ROC curves and per-control bars as inline SVG.

No JavaScript and nothing fetched from a CDN: the file opens offline and can be attached to a CI
run as an artifact. The page is the Jinja2 template `templates/report.html`, autoescaped: case
names, detector ids and scenario messages come from files anyone may have written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vallum.evals.gates import GateResult

if TYPE_CHECKING:
    from jinja2 import Environment

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b")
_SECTIONS = (
    ("Per control", "controls", "control"),
    ("Per attack kind", "kinds", "kind"),
    ("Per suite", "suites", "suite"),
)


def html_report(report: dict[str, Any], gates: Sequence[GateResult] = ()) -> str:
    """The report as one HTML page (see `vallum eval --html`)."""
    sections = [
        (title, [{"name": r[name], **r} for r in rows])
        for title, key, name in _SECTIONS
        if (rows := report.get(key) or [])
    ]
    template = _environment().get_template("report.html")
    return template.render(
        bundle={"name": "", "version": "", **report.get("bundle", {})},
        gates=gates,
        overall=[{"name": "all", **report["overall"]}] if "overall" in report else [],
        sections=sections,
        detectors=[d for d in report.get("detectors", []) if d.get("roc")],
        latency=report.get("latency_ms") or {},
        scenarios=report.get("scenarios") or {"n": 0},
        agentdojo=report.get("agentdojo") or [],
        colours=COLOURS,
    )


def _environment() -> Environment:
    """A new environment per report: a report is written once per run, and nothing is kept."""
    # Imported here: `vallum eval` imports this module, and most runs write no HTML.
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("vallum.evals", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    env.filters["rate"] = _rate
    env.filters["ci"] = _ci
    return env


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _ci(ci: list[float] | None) -> str:
    return "–" if ci is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]"
