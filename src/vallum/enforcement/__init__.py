"""The enforcement core every enforcement point shares (the gateway, the MCP proxy, the SDK).

The engine decides; an enforcement point acts on the decision. What acting means is the same
wherever a model call, a tool call or an output passes, so it lives here, outside any one
enforcement point:

- `tools`: authorize a tool call, hold it for a human or refuse it, with the same notice;
- `approvals`: hold and release calls through the approvals workflow;
- `output`: scan and redact output, whole or through a hold-back window for streams.

Evidence goes where the enforcement point says, through the engine's `sink` argument. This
package depends on the engine and never on an enforcement point.
"""

from vallum.enforcement.approvals import ApprovalHolds, Hold
from vallum.enforcement.output import STOPPING, OutputScanner
from vallum.enforcement.tools import (
    NOTICE_PREFIX,
    Notice,
    Verdict,
    authorize_tool_call,
    parse_arguments,
    verdict,
)

__all__ = [
    "NOTICE_PREFIX",
    "STOPPING",
    "ApprovalHolds",
    "Hold",
    "Notice",
    "OutputScanner",
    "Verdict",
    "authorize_tool_call",
    "parse_arguments",
    "verdict",
]
