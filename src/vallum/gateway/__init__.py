"""The gateway: an OpenAI- and Anthropic-compatible proxy that enforces a policy bundle.

    vallum serve policies/ --mock            # or --upstream http://127.0.0.1:8000/v1

Apps change only their `base_url` and key; every model call then passes the bundle's controls.
"""

from vallum.gateway.app import create_app
from vallum.gateway.gateway import Gateway, GatewayOptions
from vallum.gateway.holds import HeldCall, Hold, HoldQueue, PendingHolds

__all__ = [
    "Gateway",
    "GatewayOptions",
    "HeldCall",
    "Hold",
    "HoldQueue",
    "PendingHolds",
    "create_app",
]
