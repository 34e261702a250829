"""Authorization cost against the number of policies, the answer cache missing every time.

    .venv/bin/python bench/bench_authz.py [-n 2000]

Builds bundles of 20, 310 and 1,000 forbid/permit policies spread over 50 tools (each policy
names one tool, as tool policies do), and times `Authorizer.authorize` for calls to random
tools with varied contexts (the uncached authorizer: what a cache miss costs). Interleaves the
sizes in one run and prints medians and the ratio to 20 policies. Goal (issue 20): 1,000
policies over 50 tools within 2x of 20 policies.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from vallum.authz.authorizer import Authorizer
from vallum.bundle.cedar_source import parse_statement, split_statements
from vallum.bundle.schema import BundleConfig
from vallum.model import Principal

TOOLS = [f"tool{i}" for i in range(50)]
CONFIG = BundleConfig.model_validate({"name": "bench", "tools": {t: {} for t in TOOLS}})


def bundle(n: int) -> Authorizer:
    rng = random.Random(n)
    lines = ['@id("base") permit (principal, action, resource);']
    for i in range(n - 1):
        tool = TOOLS[i % len(TOOLS)]
        label = rng.choice(["pii", "untrusted", "secret", f"data.c{i % 7}"])
        lines.append(
            f'@id("p{i}") forbid (principal, action == Action::"tool.call", '
            f'resource == Tool::"{tool}") when {{ context.labels.contains("{label}") && '
            f"context.args.amount > {rng.randrange(1000)} }};"
        )
    text = "\n".join(lines)
    statements = [parse_statement("b.cedar", ln, s) for ln, s in split_statements(text, "b.cedar")]
    return Authorizer(statements, CONFIG)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=2000)
    args = parser.parse_args()
    sizes = (20, 310, 1000)
    authorizers = {n: bundle(n) for n in sizes}
    agent = Principal("agent", "bench")
    rng = random.Random(7)
    samples: dict[int, list[float]] = {n: [] for n in sizes}
    for i in range(args.n):
        tool = rng.choice(TOOLS)
        context = {"labels": rng.sample(["pii", "untrusted", "user", "model"], 2),
                   "args": {"amount": rng.randrange(2000)}}  # fmt: skip
        for n in sizes if i % 2 else reversed(sizes):  # interleaved, alternating order
            start = time.perf_counter()
            authorizers[n].authorize(agent, "tool.call", ("Tool", tool), context)
            samples[n].append((time.perf_counter() - start) * 1000)
    base = statistics.median(samples[20])
    for n in sizes:
        median = statistics.median(samples[n])
        p99 = sorted(samples[n])[int(0.99 * len(samples[n]))]
        print(
            f"{n:>5} policies over 50 tools: p50 {median:7.3f} ms  p99 {p99:7.3f} ms  "
            f"{median / base:5.2f}x of 20 policies   goal 1,000 within 2x"
        )


if __name__ == "__main__":
    main()
