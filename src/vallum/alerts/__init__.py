"""Escalation: alert rules from the bundle, sent to webhooks (Slack-compatible, generic JSON,
PagerDuty Events v2), deduplicated and retried, each alert linking its evidence ids.

    rules.py     which finished requests (and waiting approvals) raise an alert
    dispatch.py  a bounded queue, deduplication, formats per destination, retries with backoff
"""

from vallum.alerts.dispatch import AlertDispatcher
from vallum.alerts.rules import Alert, AlertRules

__all__ = ["Alert", "AlertDispatcher", "AlertRules"]
