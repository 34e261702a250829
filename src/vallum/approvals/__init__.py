"""Human approval gates: a held tool call waits for a person with the right role.

A `require_approval` decision on a tool call creates a pending `Approval` bound to a hash of
the exact action (principal, session, tool, canonical arguments). Approving it authorizes that
call once; any change needs a new approval. See docs/approvals.md.
"""

from vallum.approvals.model import Approval, HeldAction, RuleRef, Status, action_hash
from vallum.approvals.service import ApprovalService
from vallum.approvals.store import ApprovalStore
from vallum.approvals.webhook import WebhookNotifier

__all__ = [
    "Approval",
    "ApprovalService",
    "ApprovalStore",
    "HeldAction",
    "RuleRef",
    "Status",
    "WebhookNotifier",
    "action_hash",
]
