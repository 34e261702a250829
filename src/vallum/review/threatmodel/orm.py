"""The `encrypted-fields` requirement: listed ORM fields use an encrypting column type."""

from __future__ import annotations

import re

from vallum.review.checks.base import Facts
from vallum.review.findings import Finding, Severity
from vallum.review.parse import walk
from vallum.review.threatmodel.schema import EncryptedFields

ENCRYPTED = re.compile(r"Encrypt|encrypt|Fernet|pgp_sym|EncryptedType|Vault", re.UNICODE)


def check(req: EncryptedFields, all_facts: list[Facts]) -> list[Finding]:
    wanted = {tuple(f.split(".", 1)) for f in req.fields if "." in f}
    out: list[Finding] = []
    for facts in all_facts:
        m = facts.module
        for node in walk(m.root):
            if node.type != "class_definition":
                continue
            cls = m.text(node.child_by_field_name("name"))
            fields = {f for c, f in wanted if c == cls}
            body = node.child_by_field_name("body")
            if not fields or body is None:
                continue
            for stmt in body.named_children:
                assign = stmt.named_children[0] if stmt.named_children else None
                if assign is None or assign.type != "assignment":
                    continue
                name = m.text(assign.child_by_field_name("left"))
                if name not in fields:
                    continue
                declared = m.text(assign.child_by_field_name("right")) + m.text(
                    assign.child_by_field_name("type")
                )
                if not ENCRYPTED.search(declared):
                    out.append(
                        facts.finding(
                            "tm.field-not-encrypted",
                            311,
                            req.level(Severity.HIGH),
                            assign,
                            f"[{req.id}] {cls}.{name} must be encrypted at rest but is stored "
                            "as plain text",
                        )
                    )
    return out
