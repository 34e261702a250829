"""Identifiers for decisions and requests: UUIDv7 (RFC 9562), in the usual text form.

Version 7 puts the creation time (milliseconds) first and 74 random bits after it, so ids made
one after another sort together: each evidence append lands at the end of the id index instead
of on a random page of it (fewer pages written per commit, a smaller index), and an id still
cannot be guessed from another.
"""

from __future__ import annotations

import os
import time

_VERSION_7 = 0x7 << 76
_VARIANT = 0b10 << 62
_RAND_A = 0xFFF << 64
_RAND_B = (1 << 62) - 1


def new_id() -> str:
    """A fresh UUIDv7, e.g. `019a4f3c-7d2e-7b1a-9c4e-5f6a7b8c9d0e`."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")  # 80 bits: 12 for rand_a, 62 for rand_b
    value = ms << 80 | _VERSION_7 | (rand >> 2) & _RAND_A | _VARIANT | rand & _RAND_B
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
