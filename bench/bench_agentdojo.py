"""AgentDojo v1.2 with the scripted (always-obeying) agent: utility, utility under attack and
attack success rate with no defense, detectors only, and the AgentDojo bundle's taint policies.

    .venv/bin/python bench/bench_agentdojo.py [--suite NAME] [--attack NAME] [--defense NAME]
        [--user-tasks N] [--json OUT]

Attacks: the four standard ones and the adaptive ones of `integrations/agentdojo/adaptive.py`.

Needs `pip install 'vallum[agentdojo]'`. Prints one table; no approval is ever granted.
"""

from __future__ import annotations

import argparse
import json
import time
from importlib.resources import as_file, files
from pathlib import Path

from vallum.integrations.agentdojo.evaluate import ATTACKS, DEFENSES, run_agentdojo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suite", action="append")
    parser.add_argument("--attack", action="append")
    parser.add_argument("--defense", action="append", choices=DEFENSES)
    parser.add_argument("--user-tasks", type=int)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    with as_file(files("vallum.integrations").joinpath("agentdojo_bundle")) as bundle:
        rows = run_agentdojo(
            Path(bundle),
            suites=args.suite,
            attacks=args.attack or list(ATTACKS),
            defenses=args.defense or list(DEFENSES),
            user_tasks=args.user_tasks,
        )
    elapsed = time.perf_counter() - started
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    print(f"AgentDojo v1.2, scripted agent, {elapsed:.0f} s")
    header = f"{'suite':10} {'defense':10} {'attack':24} {'utility':>8} {'util@att':>9} {'ASR':>7} {'pairs':>6} {'approvals':>9}"
    print(header)
    for r in rows:
        if not r["pairs"]:  # no adaptive task of this kind for the suite
            continue
        print(
            f"{r['suite']:10} {r['defense']:10} {r['attack']:24} {r['utility']:8.3f} "
            f"{r['utility_under_attack']:9.3f} {r['asr']:7.3f} {r['pairs']:6d} {r['approvals_needed']:9d}"
        )
    print("\nall suites (pooled):")
    for defense in args.defense or DEFENSES:
        for attack in args.attack or ATTACKS:
            sel = [r for r in rows if r["defense"] == defense and r["attack"] == attack]
            sel = [r for r in sel if r["pairs"]]
            tasks = sum(r["user_tasks"] for r in sel)
            pairs = sum(r["pairs"] for r in sel)
            if not pairs:
                continue
            util = sum(r["utility"] * r["user_tasks"] for r in sel) / tasks
            uua = sum(r["utility_under_attack"] * r["pairs"] for r in sel) / pairs
            asr = sum(r["attack_successes"] for r in sel) / pairs
            approvals = sum(r["approvals_needed"] for r in sel)
            withap = sum(r["utility_with_approvals"] * r["user_tasks"] for r in sel) / tasks
            print(
                f"  {defense:10} {attack:24} utility {util:.3f} (with approvals {withap:.3f}, "
                f"{approvals} approvals)  utility under attack {uua:.3f}  ASR {asr:.4f} ({pairs} pairs)"
            )
    for defense in args.defense or DEFENSES:
        print(f"\n{defense}: utility per suite and approvals per task (no attack)")
        for r in rows:
            if r["defense"] == defense and r["attack"] == (args.attack or ATTACKS)[0]:
                print(
                    f"  {r['suite']:10} utility {r['utility']:.3f} "
                    f"({round(r['utility'] * r['user_tasks'])}/{r['user_tasks']}), "
                    f"with approvals {r['utility_with_approvals']:.3f}, approvals by task "
                    f"{r['approvals_by_task']}"
                )
    skipped = {r["suite"]: r["injection_tasks_skipped"] for r in rows}
    print("\ninjection tasks without ground truth (not scriptable):", skipped)


if __name__ == "__main__":
    main()
