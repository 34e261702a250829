"""A record is encoded before the head lock is taken and only its seq is spliced in under the
lock: the bytes must be exactly those of encoding the whole record with its seq."""

from __future__ import annotations

import enum
import uuid
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vallum.evidence.chain import canonical_bytes, canonical_halves, with_seq
from vallum.evidence.log import EvidenceLog, prepare
from vallum.evidence.record import utc_now
from vallum.exceptions import EvidenceError
from vallum.storage.database import Database

# Keys around "seq" in RFC 8785 order (UTF-16 code units), where it differs from code points.
KEYS = st.sampled_from(
    ["", "s", "se", "sep", "seq0", "seqq", "ser", "Seq", "SEQ", "seq ", "r", "t", "é", "\ue000",
     "\uffff", "\U0001f600", "\U00010000", "payload", "id", "zz"]
) | st.text(max_size=4)  # fmt: skip
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False)
    | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(body=st.dictionaries(KEYS, VALUES, max_size=8), seq=st.integers(1, 2**53 - 1))
@example(body={}, seq=1)
@example(body={"seq": "given"}, seq=5)
@example(body={"\ue000": 1, "\U0001f600": 2, "sf": 3}, seq=9)
def test_spliced_bytes_are_the_whole_encoding(body: dict[str, Any], seq: int) -> None:
    """Any record, with any keys, any values and a seq of its own (which the log replaces):
    the spliced bytes equal encoding the whole record with the log's seq."""
    halves = canonical_halves(body)
    assert halves is not None
    assert canonical_bytes({**body, "seq": seq}) == with_seq(halves, seq)


class _Key(enum.StrEnum):
    SEQ = "seq"
    STAGE = "stage"


def test_keys_that_are_not_plain_strings_are_encoded_whole(sqlite_db: Database) -> None:
    """A key of another type (a StrEnum, even one spelled `seq`) is not split around: the
    record is encoded whole with its seq, and the log's seq wins, as before."""
    assert canonical_halves({_Key.SEQ: 1}) is None
    log = EvidenceLog(sqlite_db)
    record = {"id": str(uuid.uuid4()), "created_at": utc_now(), "kind": "decision"}
    assert prepare({**record, _Key.STAGE: "input"}).halves is None
    log.append(record)
    stored = log.append({**record, "id": str(uuid.uuid4()), _Key.STAGE: "input", "seq": 7})
    assert 2 == stored.seq
    assert b'"seq":2,"stage":"input"}' in canonical_bytes(stored.record)
    assert 2 == log.verify().records


def test_a_record_that_cannot_be_stored_fails_before_the_lock(sqlite_db: Database) -> None:
    """Encoding happens in `prepare`, so a record JSON cannot hold is refused before the head
    lock is taken, and nothing is written."""
    bad = {"id": "x" * 8, "created_at": utc_now(), "kind": "decision", "n": object()}
    with pytest.raises(EvidenceError, match="not JSON"):
        prepare(bad)
    log = EvidenceLog(sqlite_db)
    with pytest.raises(EvidenceError):
        log.append_many([{**bad, "n": 1}, bad])
    assert 0 == log.verify().records
