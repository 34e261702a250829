"""Server-rendered charts: per-control figures over time as inline SVG geometry.

Only numbers leave here; the template draws them, so nothing in a chart is markup built from
data (control names are escaped like every other text).
"""

from __future__ import annotations

from dataclasses import dataclass

from vallum.dashboard.queries import ControlFigures

WIDTH = 480
HEIGHT = 120
PAD = 4
# Drawn back to front: evaluated is the grey backdrop, the outcomes stand on it.
LAYERS = (
    ("evaluated", "evaluated"),
    ("would_block", "would have blocked (monitor)"),
    ("held", "held for approval"),
    ("redacted", "redacted"),
    ("blocked", "blocked"),
)


@dataclass(frozen=True, slots=True)
class Bar:
    series: str
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True, slots=True)
class Chart:
    control: str
    bars: tuple[Bar, ...]
    totals: dict[str, int]
    peak: int
    width: int = WIDTH
    height: int = HEIGHT


def draw(figures: ControlFigures, labels: list[str]) -> Chart:
    """Bars per bucket: evaluated as a backdrop, each outcome as a narrower bar beside it."""
    n = max(len(figures.buckets), 1)
    peak = max(figures.peak, max((max(b.values()) for b in figures.buckets), default=0), 1)
    slot = (WIDTH - 2 * PAD) / n
    outcome_width = slot * 0.8 / (len(LAYERS) - 1)
    bars: list[Bar] = []
    for i, bucket in enumerate(figures.buckets):
        left = PAD + i * slot
        for j, (series, name) in enumerate(LAYERS):
            value = bucket[series]
            if not value:
                continue
            height = (HEIGHT - 2 * PAD) * value / peak
            if series == "evaluated":
                x, width = left + slot * 0.05, slot * 0.9
            else:
                x, width = left + slot * 0.1 + (j - 1) * outcome_width, outcome_width
            label = labels[i] if i < len(labels) else ""
            bars.append(
                Bar(
                    series,
                    round(x, 2),
                    round(HEIGHT - PAD - height, 2),
                    round(width, 2),
                    round(height, 2),
                    f"{label}: {value} {name}",
                )
            )
    totals = {series: figures.total(series) for series, _ in LAYERS}
    return Chart(figures.control, tuple(bars), totals, peak)
