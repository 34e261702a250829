"""The numbers an evaluation reports: rates with Wilson intervals, ROC, AUC, latency percentiles.

Pure functions of counts and lists, no numpy needed: they are small, exact and easy to check by hand.

    >>> wilson(8, 10)
    Interval(low=0.4902, high=0.9433)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054  # two-sided 95%


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


def wilson(successes: int, n: int, z: float = Z_95) -> Interval:
    """The Wilson score interval for a binomial proportion: sound at 0 and n, unlike the normal
    approximation, which is why a detector flagging 0 of 30 benign rows still gets an upper bound."""
    if n <= 0:
        return Interval(0.0, 1.0)
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def roc_points(scores: Sequence[float], labels: Sequence[int]) -> list[tuple[float, float, float]]:
    """(fpr, tpr, threshold) from the strictest threshold to the loosest; tied scores move
    together, so the curve has one point per distinct score plus the origin."""
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: -p[0])
    positives = sum(1 for _, y in pairs if y)
    negatives = len(pairs) - positives
    points = [(0.0, 0.0, math.inf)]
    tp = fp = 0
    i = 0
    while i < len(pairs):
        threshold = pairs[i][0]
        while i < len(pairs) and pairs[i][0] == threshold:
            if pairs[i][1]:
                tp += 1
            else:
                fp += 1
            i += 1
        points.append(
            (fp / negatives if negatives else 0.0, tp / positives if positives else 0.0, threshold)
        )
    return points


def auc(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """Area under the ROC curve (ties count one half); None without both classes."""
    positives = sum(1 for y in labels if y)
    if positives == 0 or positives == len(labels):
        return None
    points = roc_points(scores, labels)
    area = 0.0
    for (x0, y0, _), (x1, y1, _) in itertools.pairwise(points):
        area += (x1 - x0) * (y0 + y1) / 2
    return area


def tpr_at_fpr(
    scores: Sequence[float], labels: Sequence[int], max_fpr: float = 0.01
) -> float | None:
    """The best TPR of any threshold whose FPR is at most `max_fpr`; None without both classes."""
    positives = sum(1 for y in labels if y)
    if positives == 0 or positives == len(labels):
        return None
    return max(tpr for fpr, tpr, _ in roc_points(scores, labels) if fpr <= max_fpr)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks; 0.0 if empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
