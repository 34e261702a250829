"""Utility, utility under attack and attack success rate on AgentDojo, per suite/attack/defense.

Defenses: `none` (AgentDojo's plain executor), `detectors` (the bundle's detector controls with
every Cedar `forbid` removed) and `bundle` (the bundle as it is: detectors and taint policies).
No approval is ever granted; each `none`-attack run is repeated with approvals granted to count
how many approvals the tasks that failed would have needed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from agentdojo.agent_pipeline.agent_pipeline import AgentPipeline, load_system_message
from agentdojo.agent_pipeline.base_pipeline_element import BasePipelineElement
from agentdojo.agent_pipeline.basic_elements import InitQuery, SystemMessage
from agentdojo.agent_pipeline.tool_execution import ToolsExecutionLoop
from agentdojo.attacks.attack_registry import load_attack
from agentdojo.task_suite.load_suites import get_suites

from vallum.bundle.cedar_source import split_statements
from vallum.bundle.loader import Bundle, load_bundle
from vallum.engine import Engine
from vallum.exceptions import ConfigError, EvalError
from vallum.integrations.agentdojo.adaptive import ADAPTIVE_ATTACKS, TASK_ATTACKS
from vallum.integrations.agentdojo.adaptive_tasks import adaptive_tasks
from vallum.integrations.agentdojo.agent import PIPELINE_NAME, ScriptedAgent, scriptable
from vallum.integrations.agentdojo.executor import VallumToolsExecutor
from vallum.sessions.store import MemorySessionStore

BENCHMARK_VERSION = "v1.2"
STANDARD_ATTACKS = ("important_instructions", "tool_knowledge", "ignore_previous", "direct")
# reported beside the standard ones (adaptive.py: the destination never written as its token)
ATTACKS = (*STANDARD_ATTACKS, *ADAPTIVE_ATTACKS)
DEFENSES = ("none", "detectors", "bundle")
MAX_ITERS = 15  # AgentDojo's own limit, for a real model (which makes independent calls at once)
SCRIPTED_MAX_ITERS = 40  # the scripted agent makes one call per turn; travel user_task_19 needs 18
Progress = Callable[[int, int], None]


def run_agentdojo(
    directory: Path,
    *,
    suites: Sequence[str] | None = None,
    attacks: Sequence[str] | None = None,
    defenses: Sequence[str] | None = None,
    user_tasks: int | None = None,
    model: str | None = None,
    base_url: str | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """One row per (suite, defense, attack): the `--agentdojo --json` output."""
    all_suites = get_suites(BENCHMARK_VERSION)
    names = list(suites or all_suites)
    for name in names:
        if name not in all_suites:
            raise EvalError(f"unknown AgentDojo suite {name!r} (one of {', '.join(all_suites)})")
    attack_names = list(attacks or ATTACKS)
    defense_names = list(defenses or DEFENSES)
    for d in defense_names:
        if d not in DEFENSES:
            raise EvalError(f"unknown defense {d!r} (one of {', '.join(DEFENSES)})")
    bundle = load_bundle(directory)
    rows = []
    plan = [(s, d) for s in names for d in defense_names]
    total = len(plan) * (1 + len(attack_names))
    done = 0
    with _detectors_only(bundle) as detectors_bundle:
        bundles = {"none": None, "detectors": detectors_bundle, "bundle": bundle}
        for suite_name, defense in plan:
            suite = all_suites[suite_name]
            harness = _Harness(bundles[defense], model, base_url)
            tasks = list(suite.user_tasks.values())[:user_tasks]
            clean = harness.clean(suite, tasks)
            done += 1
            if progress is not None:
                progress(done, total)
            for attack_name in attack_names:
                attacked = harness.attacked(suite, tasks, attack_name)
                rows.append(
                    {
                        "suite": suite_name,
                        "defense": defense,
                        "attack": attack_name,
                        **clean,
                        **attacked,
                    }
                )
                done += 1
                if progress is not None:
                    progress(done, total)
    return rows


class _Harness:
    def __init__(self, bundle: Bundle | None, model: str | None, base_url: str | None):
        self.bundle = bundle
        self.agent: BasePipelineElement
        self.scripted: ScriptedAgent | None = None
        if model is None:
            self.scripted = ScriptedAgent()
            self.agent = self.scripted
            self.name = PIPELINE_NAME
        else:
            self.agent = _openai_llm(model, base_url)
            self.name = model
        self.executor = VallumToolsExecutor(None)
        pipeline = AgentPipeline(
            [
                SystemMessage(load_system_message(None)),
                InitQuery(),
                self.agent,
                ToolsExecutionLoop(
                    [self.executor, self.agent],
                    max_iters=MAX_ITERS if self.scripted is None else SCRIPTED_MAX_ITERS,
                ),
            ]
        )
        pipeline.name = self.name
        self.pipeline = pipeline

    def _fresh(self, grant: bool = False) -> None:
        engine = None
        if self.bundle is not None:
            engine = Engine(self.bundle, evidence=None, sessions=MemorySessionStore(max_sessions=4))
        self.executor.engine = engine
        self.executor.grant_approvals = grant
        self.executor.reset()

    def _run(
        self, suite: Any, task: Any, injection: Any, injections: dict[str, str]
    ) -> tuple[bool, bool]:
        if self.scripted is not None:
            self.scripted.set_task(task, injection, injections)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # AgentDojo warns on empty model output; we count it
            utility, security = suite.run_task_with_pipeline(
                self.pipeline, task, injection, injections
            )
        return bool(utility), bool(security)

    def clean(self, suite: Any, tasks: list[Any]) -> dict[str, Any]:
        ok = 0
        failed: list[str] = []
        approvals_for_failed = 0
        by_task: dict[str, int] = {}  # approvals each failed task would have needed
        recovered = 0
        for task in tasks:
            self._fresh()
            utility, _ = self._run(suite, task, None, {})
            ok += utility
            if utility:
                continue
            failed.append(task.ID)
            if self.bundle is None:
                continue
            self._fresh(grant=True)
            with_approvals, _ = self._run(suite, task, None, {})
            approvals_for_failed += self.executor.stats.held
            by_task[task.ID] = self.executor.stats.held
            recovered += with_approvals
        return {
            "utility": round(ok / len(tasks), 4) if tasks else None,
            "user_tasks": len(tasks),
            "failed_without_attack": failed,
            "approvals_needed": approvals_for_failed,
            "approvals_by_task": by_task,
            "utility_with_approvals": round((ok + recovered) / len(tasks), 4) if tasks else None,
        }

    def attacked(self, suite: Any, tasks: list[Any], attack_name: str) -> dict[str, Any]:
        attack = load_attack(attack_name, suite, self.pipeline)
        env = suite.load_and_inject_default_environment({})
        kind = TASK_ATTACKS.get(attack_name)
        injections_tasks: list[Any] = (
            list(suite.injection_tasks.values())
            if kind is None
            else adaptive_tasks(suite.name, kind)
        )
        usable = [t for t in injections_tasks if self.scripted is None or scriptable(t, env)]
        utility = successes = pairs = 0
        by_task: dict[str, int] = {}
        for task in tasks:
            for injection in usable:
                self._fresh()
                payload = attack.attack(task, injection)
                u, s = self._run(suite, task, injection, payload)
                utility += u
                successes += s
                pairs += 1
                if s:
                    by_task[injection.ID] = by_task.get(injection.ID, 0) + 1
        return {
            "utility_under_attack": round(utility / pairs, 4) if pairs else None,
            "asr": round(successes / pairs, 4) if pairs else None,
            "attack_successes": successes,
            "pairs": pairs,
            "successes_by_injection_task": by_task,
            "injection_tasks": len(usable),
            "injection_tasks_skipped": sorted(t.ID for t in injections_tasks if t not in usable),
        }


def _openai_llm(model: str, base_url: str | None) -> BasePipelineElement:
    from agentdojo.agent_pipeline.llms.openai_llm import OpenAILLM
    from openai import OpenAI

    key = os.environ.get("OPENAI_API_KEY") or "none"  # local servers accept any key
    if base_url is None and key == "none":
        raise ConfigError(
            "--model needs --base-url (an OpenAI-compatible server) or OPENAI_API_KEY"
        )
    llm: BasePipelineElement = OpenAILLM(OpenAI(api_key=key, base_url=base_url), model)
    return llm


@contextmanager
def _detectors_only(bundle: Bundle) -> Iterator[Bundle]:
    """The bundle with every Cedar `forbid` removed and every control enforced: only the
    detectors decide."""
    with tempfile.TemporaryDirectory(prefix="vallum-detectors-only-") as tmp:
        target = Path(tmp) / "bundle"
        shutil.copytree(bundle.path, target, ignore=shutil.ignore_patterns("tests", "__pycache__"))
        config = target / "vallum.yaml"
        data = yaml.safe_load(config.read_text())
        for control in data.get("controls", []):
            control["mode"] = "enforce"
        config.write_text(yaml.safe_dump(data, sort_keys=False))
        for file in target.rglob("*.cedar"):
            kept = [s for _, s in split_statements(file.read_text(), file.name) if _is_permit(s)]
            file.write_text("\n\n".join(kept) + "\n")
        yield load_bundle(target)


def _is_permit(statement: str) -> bool:
    code = "\n".join(
        line for line in statement.splitlines() if not line.lstrip().startswith(("@", "//"))
    )
    return code.lstrip().startswith("permit")
