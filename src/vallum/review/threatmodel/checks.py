"""Compile threat-model requirements into checks and run them over the reviewed modules."""

from __future__ import annotations

from vallum.review.checks.base import Facts
from vallum.review.findings import Finding
from vallum.review.threatmodel import handlers, orm, routes
from vallum.review.threatmodel.schema import (
    EncryptedFields,
    LoggedEvents,
    NoErrorDetails,
    Ownership,
    RouteAuth,
    ThreatModel,
    Upload,
)


def check_requirements(model: ThreatModel, all_facts: list[Facts]) -> list[Finding]:
    """Findings for every requirement the code does not meet, each naming its requirement id."""
    out: list[Finding] = []
    for req in model.requirements:
        if isinstance(req, RouteAuth):
            out.extend(routes.check(req, all_facts))
        elif isinstance(req, Upload):
            out.extend(handlers.uploads(req, all_facts))
        elif isinstance(req, EncryptedFields):
            out.extend(orm.check(req, all_facts))
        elif isinstance(req, NoErrorDetails):
            out.extend(handlers.error_details(req, all_facts))
        elif isinstance(req, LoggedEvents):
            out.extend(handlers.logged_events(req, all_facts))
        elif isinstance(req, Ownership):
            out.extend(handlers.ownership(req, all_facts))
    return out
