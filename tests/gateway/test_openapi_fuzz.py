"""Schemathesis against the gateway's own OpenAPI schema: no 500s, documented statuses only."""

from __future__ import annotations

import tempfile
from importlib.resources import files
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from vallum.gateway import GatewayOptions, build_gateway, create_app
from vallum.gateway.auth import create_api_key
from vallum.model import Principal

MAX_EXAMPLES = 12  # per operation: enough to shake out crashes, small enough to stay fast
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Schemathesis parametrizes at import time, so the gateway is built here, on a throwaway database.
_dir = Path(tempfile.mkdtemp(prefix="vallum-fuzz-"))
_gateway = build_gateway(
    GatewayOptions(bundle=Path(str(files("vallum.bundle").joinpath("example"))), database_url=f"sqlite:///{_dir / 'fuzz.db'}",
                   mock=True)
)  # fmt: skip
_key = create_api_key(_gateway.db, Principal.parse("agent:fuzzer"))
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_gateway))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_gateway_conforms_to_its_schema(case: Any) -> None:
    """Every generated request gets a documented status and body, and never a server error."""
    case.call_and_validate(headers={"Authorization": f"Bearer {_key}"}, checks=CHECKS)
