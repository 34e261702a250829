"""Human approval gates: a held tool call waits for a person with the right role.

A `require_approval` decision on a tool call creates a pending `Approval` bound to a hash of
the exact action (principal, session, tool, canonical arguments). Approving it authorizes that
call once; any change needs a new approval. See docs/approvals.md.

Names resolve on first use (PEP 562): `vallum.approvals.model` alone stays light (the CLI
imports its `Status` to parse an option) without pulling in the store, SQLAlchemy and httpx.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from vallum.lazy import lazy_exports

if TYPE_CHECKING:
    from vallum.approvals.model import Approval, HeldAction, RuleRef, Status, action_hash
    from vallum.approvals.service import ApprovalService
    from vallum.approvals.store import ApprovalStore
    from vallum.approvals.webhook import WebhookNotifier

_EXPORTS: Final = MappingProxyType(
    {
        "Approval": "vallum.approvals.model",
        "HeldAction": "vallum.approvals.model",
        "RuleRef": "vallum.approvals.model",
        "Status": "vallum.approvals.model",
        "action_hash": "vallum.approvals.model",
        "ApprovalService": "vallum.approvals.service",
        "ApprovalStore": "vallum.approvals.store",
        "WebhookNotifier": "vallum.approvals.webhook",
    }
)


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())


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
