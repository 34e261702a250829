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

from vallum.extras import require

# checked before the modules below import agentdojo: a missing extra is one line (MissingExtra)
require("agentdojo", "agentdojo", feature="the AgentDojo integration")

from vallum.integrations.agentdojo.agent import ScriptedAgent  # noqa: E402
from vallum.integrations.agentdojo.executor import RunStats, VallumToolsExecutor  # noqa: E402

__all__ = ["RunStats", "ScriptedAgent", "VallumToolsExecutor"]
