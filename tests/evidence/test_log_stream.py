"""Verify reads rows straight from the driver: the row shape must match the columns it selects."""

from __future__ import annotations

from vallum.evidence import log


def test_raw_row_fields_are_the_selected_columns() -> None:
    """`_Row` names the selected columns in order, so a field never reads another column."""
    assert log._COLUMNS == log._Row._fields
