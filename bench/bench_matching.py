"""Cost of provenance matching per event: canonical fingerprints of a tool result (what the
session remembers) and the look-up of a typical tool call's arguments (what each call pays).

    .venv/bin/python bench/bench_matching.py [--number N]

Figures are the best of 5 runs, in milliseconds of this process's CPU time per event (steady on
a busy machine, unlike the wall clock). Goal (issue 19): a tool call matched in at most 0.1 ms.
Besides prose that repeats its sentences (what a support mailbox looks like), texts that never
repeat a value (`tests/detectors/adversarial.py`: dense personal data, everything mixed), where
hashing each distinct piece once saves nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))  # the adversarial texts

from detectors.adversarial import KINDS
from vallum.labels import arg_pieces
from vallum.sessions.fingerprint import Kind, fingerprints
from vallum.sessions.store import MemorySessionStore

RESULT = (
    "From: billing@shop.example\nSubject: Your invoice\n\nDear customer, your invoice of 98.70 is"
    " due on 2024-05-01. Pay to DE89 3704 0044 0532 0130 00 or reply to this e-mail. " * 6
)
# 8 KB of prose with the odd number and address in it (issue 20's engine input size)
LONG = (
    "Hello team, following up on the quarterly review: the order 4471 shipped on Tuesday and the "
    "customer asked us to confirm the delivery address and the refund of 25.00 before Friday. "
    "Please reply to support@shop.example with any questions about the account or the invoice. "
) * 30
LONG = LONG[:8192]
CALL = {
    "recipients": ["ann@corp.example", "bob@corp.example"],
    "subject": "Invoice",
    "body": "Please pay the attached invoice to the account in the e-mail by Friday.",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--number", type=int, default=200)
    n = parser.parse_args().number
    store = MemorySessionStore()
    store.add("s", ["untrusted"], dict.fromkeys(fingerprints(RESULT), "untrusted"))
    store.add(
        "s", ["user"], dict.fromkeys(fingerprints("mail ann@corp.example", Kind.USER), "user")
    )
    values = {k: p.value for k, p in arg_pieces(CALL).items()}
    long_session = MemorySessionStore()
    for i in range(40):  # a long session: 40 results of 8 KB read
        page = LONG.replace("4471", str(1000 + i))
        long_session.add("s", ["untrusted"], dict.fromkeys(fingerprints(page), "untrusted"))
    PII, MIXED = KINDS["pii"](8192), KINDS["mixed"](8192)
    cases = {
        f"tool result ({len(RESULT)} chars) fingerprinted": lambda: fingerprints(RESULT),
        f"text ({len(LONG)} chars) fingerprinted": lambda: fingerprints(LONG),
        "dense personal data (8192 chars) fingerprinted": lambda: fingerprints(PII),
        "every kind mixed (8192 chars) fingerprinted": lambda: fingerprints(MIXED),
        "tool call (3 args) matched": lambda: store.taint_of("s", values),
        "tool call matched, session of 40 x 8 KB": lambda: long_session.taint_of("s", values),
    }
    for name, fn in cases.items():
        best = min(timeit.repeat(fn, timer=time.process_time, number=n, repeat=5)) / n * 1000
        print(f"{name:45} {best:8.4f} ms")


if __name__ == "__main__":
    main()
