"""Decision and request ids: RFC 9562 UUIDv7, time-ordered and unique."""

from __future__ import annotations

import time
import uuid

from vallum.ids import new_id


def test_ids_are_uuid7_in_text_form() -> None:
    value = new_id()
    parsed = uuid.UUID(value)
    assert str(parsed) == value
    assert 7 == parsed.version
    assert uuid.RFC_4122 == parsed.variant


def test_ids_carry_their_time_and_sort_by_it() -> None:
    before = time.time_ns() // 1_000_000
    first = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= uuid.UUID(first).int >> 80 <= after
    time.sleep(0.002)
    assert first < new_id()  # a later millisecond sorts later


def test_ids_are_unique_with_random_bits_in_both_fields() -> None:
    ids = [uuid.UUID(new_id()).int for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    rand_a = {(i >> 64) & 0xFFF for i in ids}
    rand_b = {i & ((1 << 62) - 1) for i in ids}
    assert len(rand_a) > 3000  # 12 random bits: nearly every value appears
    assert len(rand_b) == len(ids)
