"""Evaluation metrics against values computed by hand or published."""

from __future__ import annotations

import pytest

from vallum.evals.metrics import Interval, auc, percentile, roc_points, tpr_at_fpr, wilson


@pytest.mark.parametrize(
    ("k", "n", "expected"),
    [
        # Reference values: Wilson score interval, z = 1.96 (e.g. statsmodels proportion_confint).
        (8, 10, Interval(0.4902, 0.9433)),
        (0, 30, Interval(0.0, 0.1135)),
        (30, 30, Interval(0.8865, 1.0)),
        (50, 100, Interval(0.4038, 0.5962)),
        (0, 0, Interval(0.0, 1.0)),
    ],
)
def test_wilson_interval_known_values(k: int, n: int, expected: Interval) -> None:
    """The Wilson 95% interval matches reference values, including at 0 and n."""
    assert expected == wilson(k, n)


def test_auc_on_a_hand_computed_example() -> None:
    """Scores .9(+) .8(-) .7(+) .6(-): 3 of 4 positive-negative pairs are ordered, AUC 0.75."""
    assert 0.75 == auc([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])


def test_auc_counts_ties_as_half() -> None:
    """A positive and a negative with the same score contribute one half."""
    assert 0.5 == auc([0.5, 0.5], [1, 0])


def test_auc_needs_both_classes() -> None:
    """Without negatives there is no ROC curve and no AUC."""
    assert None is auc([0.1, 0.9], [1, 1])


def test_roc_points_step_through_each_threshold() -> None:
    """The curve moves one distinct score at a time from the origin to (1, 1)."""
    expected = [(0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)]
    actual = [(f, t) for f, t, _ in roc_points([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])]
    assert expected == actual


def test_tpr_at_one_percent_fpr() -> None:
    """Only thresholds with no false positive qualify here: the best catches half the positives."""
    assert 0.5 == tpr_at_fpr([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0], 0.01)


def test_percentile_interpolates() -> None:
    """p50 of 1..4 lies between the middle values; p99 near the top."""
    assert 2.5 == percentile([4, 1, 3, 2], 50)
    assert 3.97 == pytest.approx(percentile([1, 2, 3, 4], 99))
