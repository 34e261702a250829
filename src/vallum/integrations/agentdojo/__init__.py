"""AgentDojo (https://github.com/ethz-spylab/agentdojo, MIT) with Vallum in the loop.

- `VallumToolsExecutor` replaces AgentDojo's `ToolsExecutor`: every tool call is authorized and
  every tool result scanned by a Vallum engine, in one session per task run, so taint labels
  accumulate as they would in a real agent.
- `ScriptedAgent` is a deterministic agent that needs no LLM: it carries out the user task's
  ground-truth tool calls and, whenever an injected instruction reaches it in a tool result,
  carries out the attacker's task too (the worst case: it always obeys).
- `run_agentdojo` measures utility, utility under attack and attack success rate per suite,
  attack and defense; `vallum eval DIR --agentdojo` prints it.

Install with `pip install 'vallum[agentdojo]'`.
"""

from __future__ import annotations

from vallum.exceptions import ConfigError

try:
    import agentdojo  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ConfigError("AgentDojo is not installed: pip install 'vallum[agentdojo]'") from exc

from vallum.integrations.agentdojo.agent import ScriptedAgent
from vallum.integrations.agentdojo.executor import RunStats, VallumToolsExecutor

__all__ = ["RunStats", "ScriptedAgent", "VallumToolsExecutor"]
