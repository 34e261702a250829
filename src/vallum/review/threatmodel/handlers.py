"""Handler-level requirements: uploads, logged events, ownership checks, error details."""

from __future__ import annotations

import re
from dataclasses import replace

from vallum.review.checks import web
from vallum.review.checks.base import Facts
from vallum.review.findings import Finding, Severity
from vallum.review.functions import Function
from vallum.review.parse import Node
from vallum.review.threatmodel.schema import LoggedEvents, NoErrorDetails, Ownership, Upload

UPLOAD_MARKERS = re.compile(r"request\.files|request\.FILES|UploadFile|\bFileStorage\b")
TYPE_CHECKS = re.compile(
    r"content_type|mimetype|splitext|\.rsplit\(|\.endswith\(|suffix|"
    r"ALLOWED|allowed_file|imghdr|magic\.|filetype\.|PIL\.Image|"
    r"Image\.open"
)
SIZE_CHECKS = re.compile(
    r"content_length|MAX_CONTENT_LENGTH|\.size\b|len\(|max_size|"
    r"MAX_UPLOAD|\.seek\(|tell\(\)|DATA_UPLOAD_MAX|FILE_UPLOAD_MAX"
)
PATH_SAFE = re.compile(r"secure_filename|basename|uuid|token_hex|get_valid_filename")
LOG_CALL = re.compile(r"\b(log|logger|logging|_log|audit\w*|structlog\.\w+)\.\w+\(|audit\w*\(")
LOOKUPS = re.compile(
    r"(?P<model>\w+)\.query\.get(_or_404)?\(|\.get\((?P<model2>\w+),|"
    r"(?P<model3>\w+)\.objects\.get\(|get_object_or_404\((?P<model4>\w+)|"
    r"query\((?P<model5>\w+)\)\.(filter|get)|select\((?P<model6>\w+)\)\.where"
)
MAX_LENGTH = re.compile(r"MAX_CONTENT_LENGTH\W+([\d\s*]+)")


def uploads(req: Upload, all_facts: list[Facts]) -> list[Finding]:
    out: list[Finding] = []
    limits = _global_limits(all_facts)
    for facts, func in _handlers(all_facts):
        body = facts.module.text(func.node)
        if not UPLOAD_MARKERS.search(body):
            continue
        where = f"[{req.id}] upload handler {func.name}()"
        if not TYPE_CHECKS.search(body):
            allowed = ", ".join(req.allowed_types) or "the listed types"
            out.append(
                facts.finding(
                    "tm.upload-type",
                    434,
                    req.level(Severity.HIGH),
                    func.node,
                    f"{where} does not check the file type ({allowed})",
                )
            )
        if not SIZE_CHECKS.search(body) and limits is None:
            out.append(
                facts.finding(
                    "tm.upload-size",
                    400,
                    req.level(Severity.MEDIUM),
                    func.node,
                    f"{where} does not limit size to {req.max_mb} MB",
                )
            )
        if ".filename" in body and ".save(" in body and not PATH_SAFE.search(body):
            out.append(
                facts.finding(
                    "tm.upload-path",
                    22,
                    req.level(Severity.HIGH),
                    func.node,
                    f"{where} saves under the client's file name",
                )
            )
    if limits is not None and limits[0] > req.max_mb * 1024 * 1024:
        facts, node = limits[1], limits[2]
        out.append(
            facts.finding(
                "tm.upload-size",
                400,
                req.level(Severity.MEDIUM),
                node,
                f"[{req.id}] upload limit exceeds {req.max_mb} MB",
            )
        )
    return out


def _global_limits(all_facts: list[Facts]) -> tuple[float, Facts, Node] | None:
    for facts in all_facts:
        for node in facts.assignments:
            text = facts.module.text(node)
            match = MAX_LENGTH.search(text)
            if match:
                value = 1.0
                for part in match.group(1).split("*"):
                    if part.strip().isdigit():
                        value *= int(part.strip())
                return value, facts, node
    return None


def logged_events(req: LoggedEvents, all_facts: list[Facts]) -> list[Finding]:
    out: list[Finding] = []
    for event in req.events:
        token = event.lower().replace("-", "_")
        for facts, func in _handlers(all_facts):
            path = func.route.path.lower().replace("-", "_") if func.route else ""
            if token not in func.name.lower() and token not in path:
                continue
            if not LOG_CALL.search(facts.module.text(func.body)):
                out.append(
                    facts.finding(
                        "tm.event-not-logged",
                        778,
                        req.level(Severity.MEDIUM),
                        func.node,
                        f"[{req.id}] event '{event}' is handled in {func.name}() but not logged",
                    )
                )
    return out


def ownership(req: Ownership, all_facts: list[Facts]) -> list[Finding]:
    out: list[Finding] = []
    for facts, func in _handlers(all_facts):
        body = facts.module.text(func.body)
        for match in LOOKUPS.finditer(body):
            model = next((g for g in match.groups() if g and g not in {"filter", "get"}), "")
            if not model[:1].isupper() or (req.models and model not in req.models):
                continue
            if any(f in body for f in req.owner_fields) or re.search(
                r"check_owner|has_perm|authorize|can_access|\.owner\b|permission", body
            ):
                continue
            out.append(
                facts.finding(
                    "tm.ownership",
                    639,
                    req.level(Severity.HIGH),
                    func.node,
                    f"[{req.id}] {func.name}() fetches {model} by id without checking ownership",
                )
            )
            break
    return out


def error_details(req: NoErrorDetails, all_facts: list[Facts]) -> list[Finding]:
    out: list[Finding] = []
    for facts in all_facts:
        for finding in web.check(facts):
            if finding.rule in {"errors.verbose", "debug.enabled"}:
                out.append(
                    replace(
                        finding,
                        rule="tm.error-details",
                        cwe=finding.cwe,
                        severity=req.level(finding.severity),
                        message=f"[{req.id}] {finding.message}",
                    )
                )
    return out


def _handlers(all_facts: list[Facts]) -> list[tuple[Facts, Function]]:
    found = []
    for facts in all_facts:
        for func in facts.functions:
            if (
                func.route is not None
                or (func.params and func.params[0].name == "request")
                or (
                    len(func.params) > 1
                    and func.params[0].name == "self"
                    and func.params[1].name == "request"
                )
            ):
                found.append((facts, func))
    return found
