"""The gateway: an OpenAI- and Anthropic-compatible proxy that enforces a policy bundle.

    vallum serve policies/ --mock            # or --upstream http://127.0.0.1:8000/v1

Apps change only their `base_url` and key; every model call then passes the bundle's controls.

    build.py      the composition root: every collaborator is built there, from options
    gateway.py    the running gateway: what `build_gateway` made, held for the app
    app.py        the ASGI app: routes, hot dispatch of the model routes, drain on shutdown
    lifecycle.py  the one request lifecycle: identity, errors, evidence, request id
    evaluator.py  the engine as a request sees it; deferred.py: fingerprints off the path
    routes/       chat (OpenAI, Anthropic, models), guard, approvals, health
    pipeline/     one model call: input checks, upstream, tool calls, output (whole or streamed)
    upstream/     talking to providers
    wire/         the formats: OpenAI, Anthropic, SSE, JSON, OpenAPI
"""

from vallum.gateway.app import create_app
from vallum.gateway.build import GatewayOptions, build_gateway
from vallum.gateway.gateway import Gateway

__all__ = ["Gateway", "GatewayOptions", "build_gateway", "create_app"]
