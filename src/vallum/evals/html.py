"""A self-contained HTML report: tables plus ROC curves and per-control bars as inline SVG.

No JavaScript and nothing fetched from a CDN: the file opens offline and can be attached to a CI
run as an artifact.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from vallum.evals.gates import GateResult

_W, _H, _PAD = 320, 320, 40
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b")
_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.fail{color:#b00020;font-weight:bold}.pass{color:#08702c}svg{margin:0 1em 1em 0}
"""


def html_report(report: dict[str, Any], gates: Sequence[GateResult] = ()) -> str:
    bundle = report.get("bundle", {})
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Vallum evaluation</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Vallum evaluation: {escape(str(bundle.get('name', '')))}</h1>",
        f"<p>bundle version <code>{escape(str(bundle.get('version', '')))}</code></p>",
    ]
    if gates:
        parts.append("<h2>Gates</h2><table><tr><th>gate</th><th>value</th><th>result</th></tr>")
        for g in gates:
            cls, word = ("pass", "pass") if g.passed else ("fail", "FAIL")
            parts.append(
                f"<tr><td>{escape(g.gate.spec)}</td><td class=n>{g.value}</td>"
                f"<td class={cls}>{word}</td></tr>"
            )
        parts.append("</table>")
    if "overall" in report:
        parts.append("<h2>Overall</h2>" + _rate_table([{"name": "all", **report["overall"]}]))
    for title, key, name in (
        ("Per control", "controls", "control"),
        ("Per attack kind", "kinds", "kind"),
        ("Per suite", "suites", "suite"),
    ):
        rows = report.get(key) or []
        if rows:
            named = [{"name": r[name], **r} for r in rows]
            parts.append(f"<h2>{title}</h2>{bar_chart(named)}{_rate_table(named)}")
    detectors = [d for d in report.get("detectors", []) if d.get("roc")]
    if detectors:
        parts.append("<h2>Detectors (ROC)</h2>" + roc_chart(detectors))
        parts.append("<table><tr><th>detector</th><th>n</th><th>AUC</th><th>TPR@1%FPR</th></tr>")
        for d in detectors:
            parts.append(
                f"<tr><td>{escape(d['detector'])}</td><td class=n>{d['n']}</td>"
                f"<td class=n>{d['auc']}</td><td class=n>{d['tpr_at_1pct_fpr']}</td></tr>"
            )
        parts.append("</table>")
    if report.get("latency_ms"):
        parts.append(
            "<h2>Latency (ms)</h2><table><tr><th>part</th><th>n</th><th>p50</th><th>p99</th></tr>"
        )
        for name, v in report["latency_ms"].items():
            parts.append(
                f"<tr><td>{escape(name)}</td><td class=n>{v['n']}</td>"
                f"<td class=n>{v['p50']}</td><td class=n>{v['p99']}</td></tr>"
            )
        parts.append("</table>")
    scen = report.get("scenarios") or {}
    if scen.get("n"):
        parts.append(f"<h2>Scenarios: {scen['passed']}/{scen['n']} passed</h2><ul>")
        for r in scen["results"]:
            cls = "pass" if r["passed"] else "fail"
            detail = "".join(
                f"<br>step {f['step']}: {escape('; '.join(f['problems']))}" for f in r["failures"]
            )
            parts.append(f"<li class={cls}>{escape(r['name'])}{detail}</li>")
        parts.append("</ul>")
    if report.get("agentdojo"):
        parts.append(
            "<h2>AgentDojo</h2><table><tr><th>suite</th><th>defense</th><th>attack</th>"
            "<th>utility</th><th>utility under attack</th><th>ASR</th></tr>"
        )
        for r in report["agentdojo"]:
            parts.append(
                f"<tr><td>{escape(r['suite'])}</td><td>{escape(r['defense'])}</td>"
                f"<td>{escape(r['attack'])}</td><td class=n>{r['utility']}</td>"
                f"<td class=n>{r['utility_under_attack']}</td><td class=n>{r['asr']}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _rate_table(rows: list[dict[str, Any]]) -> str:
    out = [
        "<table><tr><th>name</th><th>TPR</th><th>95% CI</th><th>TP/P</th>"
        "<th>FPR</th><th>95% CI</th><th>FP/N</th></tr>"
    ]
    for r in rows:
        out.append(
            f"<tr><td>{escape(str(r['name']))}</td><td class=n>{_fmt(r['tpr'])}</td>"
            f"<td class=n>{_ci(r['tpr_ci'])}</td><td class=n>{r['tp']}/{r['positives']}</td>"
            f"<td class=n>{_fmt(r['fpr'])}</td><td class=n>{_ci(r['fpr_ci'])}</td>"
            f"<td class=n>{r['fp']}/{r['negatives']}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _ci(ci: list[float] | None) -> str:
    return "–" if ci is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def bar_chart(rows: list[dict[str, Any]]) -> str:
    """Horizontal bars: TPR (blue) and FPR (red) per row, with Wilson 95% whiskers."""
    label_w, bar_w, row_h = 220, 360, 26
    height = row_h * len(rows) + 30
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{label_w + bar_w + 20}' "
        f"height='{height}' role='img'>"
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_w + tick * bar_w
        out.append(f"<line x1='{x}' y1='0' x2='{x}' y2='{height - 20}' stroke='#eee'/>")
        out.append(
            f"<text x='{x}' y='{height - 5}' font-size='10' text-anchor='middle'>{tick:g}</text>"
        )
    for i, r in enumerate(rows):
        y = i * row_h + 4
        out.append(
            f"<text x='{label_w - 6}' y='{y + 14}' font-size='11' text-anchor='end'>"
            f"{escape(str(r['name']))[:34]}</text>"
        )
        for offset, key, colour in ((0, "tpr", "#1f77b4"), (11, "fpr", "#d62728")):
            value = r.get(key)
            if value is None:
                continue
            out.append(
                f"<rect x='{label_w}' y='{y + offset}' width='{value * bar_w:.1f}' height='9' "
                f"fill='{colour}'><title>{key} {value}</title></rect>"
            )
            ci = r.get(f"{key}_ci")
            if ci:
                x0, x1 = label_w + ci[0] * bar_w, label_w + ci[1] * bar_w
                yc = y + offset + 4.5
                out.append(f"<line x1='{x0:.1f}' y1='{yc}' x2='{x1:.1f}' y2='{yc}' stroke='#333'/>")
    out.append("</svg>")
    return "".join(out)


def roc_chart(detectors: list[dict[str, Any]]) -> str:
    """ROC curves of every scored detector on one pair of axes, with the chance diagonal."""
    size = _W - 2 * _PAD
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{_W + 160}' height='{_H}' role='img'>",
        f"<rect x='{_PAD}' y='{_PAD}' width='{size}' height='{size}' fill='none' stroke='#999'/>",
        f"<line x1='{_PAD}' y1='{_PAD + size}' x2='{_PAD + size}' y2='{_PAD}' "
        "stroke='#ccc' stroke-dasharray='4'/>",
        f"<text x='{_W / 2}' y='{_H - 8}' font-size='11' text-anchor='middle'>FPR</text>",
        f"<text x='12' y='{_H / 2}' font-size='11' transform='rotate(-90 12 {_H / 2})' "
        "text-anchor='middle'>TPR</text>",
    ]
    for i, d in enumerate(detectors):
        colour = _COLOURS[i % len(_COLOURS)]
        points = " ".join(
            f"{_PAD + fpr * size:.1f},{_PAD + (1 - tpr) * size:.1f}" for fpr, tpr in d["roc"]
        )
        out.append(f"<polyline points='{points}' fill='none' stroke='{colour}' stroke-width='2'/>")
        out.append(
            f"<text x='{_W}' y='{_PAD + 14 * i + 10}' font-size='11' fill='{colour}'>"
            f"{escape(d['detector'])} (AUC {d['auc']})</text>"
        )
    out.append("</svg>")
    return "".join(out)
