"""The schema of `vallum.yaml`, as frozen pydantic models.

Every section is optional except `name`; defaults are named constants so a reader sees them in
one place. Cross-references (a control naming a detector, an approval rule naming a tool) are
checked by `vallum.bundle.validate`, which knows the detector registry.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vallum.bundle.approvals import WebhookConfig, check_approvers
from vallum.bundle.dashboard import DashboardConfig
from vallum.bundle.gateway import GatewayConfig
from vallum.bundle.mcp import McpConfig
from vallum.model import Action, Mode, Stage, Trust

SCHEMA_VERSION = 1
DEFAULT_THRESHOLD = 0.5
DEFAULT_APPROVAL_EXPIRY = "1h"
ContentPolicy = Literal["none", "redacted", "full"]
DEFAULT_EVIDENCE_CONTENT: ContentPolicy = "redacted"

_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$"
_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """`30s`, `15m`, `1h`, `7d` -> timedelta."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"duration {text!r} must look like 30s, 15m, 1h or 7d")
    return timedelta(**{_DURATION_UNITS[match.group(2)]: int(match.group(1))})


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Organization(_Model):
    """Who the bundle protects: an address on one of `email_domains` is internal."""

    email_domains: tuple[str, ...] = ()

    @field_validator("email_domains")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(d.lower().lstrip("@") for d in value)


class CustomDataClassConfig(_Model):
    """A data class of the organisation's own, by RE2 pattern or by word list."""

    name: str = Field(pattern=_NAME)
    pattern: str | None = None
    words: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_matcher(self) -> CustomDataClassConfig:
        if (self.pattern is None) == (not self.words):
            raise ValueError("give exactly one of `pattern` or `words`")
        return self


class DataClasses(_Model):
    """Built-in data classes to detect (empty means all) and custom ones."""

    builtin: tuple[str, ...] = ()
    custom: tuple[CustomDataClassConfig, ...] = ()


class Source(_Model):
    """A retrieval source. Content from an untrusted source labels the session `untrusted`."""

    trust: Trust = Trust.UNTRUSTED
    description: str = ""


ArgType = Literal["string", "number", "integer", "boolean", "object", "array"]


class Tool(_Model):
    """A tool an agent may call: its arguments, whether it has side effects, how far to trust
    what it returns."""

    description: str = ""
    args: dict[str, ArgType] = Field(default_factory=dict)
    side_effects: bool = False
    results: Trust = Trust.TRUSTED
    # Fields of this tool's structured (JSON or YAML) results that hold identifiers the system
    # sets (a sender, an account, a file id; "[]" for the items of a plain list). A one-token
    # value there is labelled `record` instead of `untrusted`; all other text stays untrusted.
    record_fields: tuple[str, ...] = ()
    # Record fields whose author is trusted (the user's own account ids, an internal directory):
    # their values count as `trusted` provenance. Any other record is `record:untrusted-author`.
    trusted_record_fields: tuple[str, ...] = ()
    # Arguments that choose where a side effect lands (a recipient, an account, a URL, a file):
    # each must trace to the user, a trusted source or an allowlist, or it is labelled
    # `ARG:unproven` for the policies to hold or block (docs/policies.md, "Positive provenance").
    destinations: tuple[str, ...] = ()
    # Its results are the user's private data (messages, an inbox, files, transactions). Read
    # after untrusted content entered the session (which may have asked for the read), that
    # data is labelled `exposed`: an argument carrying it is `ARG:exposed` (docs/policies.md).
    private: bool = False

    @model_validator(mode="after")
    def _records_need_untrusted_results(self) -> Tool:
        if self.record_fields and self.results is not Trust.UNTRUSTED:
            raise ValueError("`record_fields` only apply to tools whose `results: untrusted`")
        unknown = [f for f in self.trusted_record_fields if f not in self.record_fields]
        if unknown:
            raise ValueError(f"`trusted_record_fields` {unknown} are not in `record_fields`")
        if self.private and self.results is not Trust.UNTRUSTED:
            raise ValueError("`private` only applies to tools whose `results: untrusted`")
        if self.destinations and not self.side_effects:
            raise ValueError("`destinations` only apply to tools with `side_effects: true`")
        missing = [a for a in self.destinations if self.args and a not in self.args]
        if missing:
            raise ValueError(f"`destinations` {missing} are not among the tool's `args`")
        return self


class ModelEntry(_Model):
    """An approved model (the inventory). `principals` limits who may use it (`KIND:ID`,
    `KIND:*` or `*`)."""

    provider: str = "openai"
    upstream: str | None = None
    principals: tuple[str, ...] = ("*",)
    description: str = ""

    def allows(self, principal: str) -> bool:
        kind = principal.partition(":")[0]
        return any(p in ("*", principal, f"{kind}:*") for p in self.principals)


class Prompt(_Model):
    """A versioned prompt template: inline `text` or a `file` in the bundle. Its version is the
    hash of its text. `canary` is a token planted in it: seeing it in output is a leak."""

    text: str | None = None
    file: str | None = None
    canary: str | None = None

    @model_validator(mode="after")
    def _one_body(self) -> Prompt:
        if (self.text is None) == (self.file is None):
            raise ValueError("give exactly one of `text` or `file`")
        return self


class Egress(_Model):
    """Hosts that output links and images may point to (`*.example.com` allows subdomains)."""

    allowed_hosts: tuple[str, ...] = ()


class Control(_Model):
    """A detector applied at some stages: above `threshold` it takes `action` (in `mode`)."""

    id: str | None = Field(default=None, pattern=_NAME)
    detector: str
    stages: tuple[Stage, ...]
    threshold: float = Field(default=DEFAULT_THRESHOLD, ge=0.0, le=1.0)
    action: Action = Action.BLOCK
    mode: Mode = Mode.ENFORCE
    fail_open: bool = False
    options: dict[str, Any] = Field(default_factory=dict)

    @property
    def control_id(self) -> str:
        return self.id or self.detector


class ApprovalRule(_Model):
    """Who may approve which held actions, and for how long an approval request stays open."""

    id: str = Field(pattern=_NAME)
    tools: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    roles: tuple[str, ...]
    expires_after: str = DEFAULT_APPROVAL_EXPIRY

    @field_validator("expires_after")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class Approvals(_Model):
    """Rules (what needs whom), approvers (`KIND:ID` -> roles) and an optional webhook."""

    rules: tuple[ApprovalRule, ...] = ()
    approvers: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    webhook: WebhookConfig | None = None

    @field_validator("approvers")
    @classmethod
    def _approvers(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        return check_approvers(value)


class EvidenceConfig(_Model):
    """How much content evidence keeps: `none`, `redacted` (default) or `full`."""

    content: ContentPolicy = DEFAULT_EVIDENCE_CONTENT


class Limits(_Model):
    """Input bounds; larger input is refused with a clear error, never truncated silently."""

    max_text_chars: int = Field(default=1_000_000, gt=0)


READER_KINDS = frozenset({"organization", "user", "trusted"})


class BundleConfig(_Model):
    """The whole of `vallum.yaml`."""

    version: int = SCHEMA_VERSION
    name: str = Field(pattern=_NAME)
    description: str = ""
    organization: Organization = Organization()
    data_classes: DataClasses = DataClasses()
    sources: dict[str, Source] = Field(default_factory=dict)
    tools: dict[str, Tool] = Field(default_factory=dict)
    models: dict[str, ModelEntry] = Field(default_factory=dict)
    prompts: dict[str, Prompt] = Field(default_factory=dict)
    egress: Egress = Egress()
    # Named lists of known destinations (payees, a contact book, partner domains): a value on
    # one is labelled `allowlisted:NAME`. `*@domain` covers every address at a domain.
    allowlists: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # Who may read each class of private data (a session label: `pii`, `data.order_number`):
    # allowlist names, `organization`, `user` (a recipient the user named), `trusted`. A
    # destination all of whose items are readers of CLASS is labelled `ARG:reader:CLASS`.
    readers: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    controls: tuple[Control, ...] = ()
    approvals: Approvals = Approvals()
    evidence: EvidenceConfig = EvidenceConfig()
    limits: Limits = Limits()
    cedar_schema: str = "schema.cedarschema"
    gateway: GatewayConfig = GatewayConfig()
    dashboard: DashboardConfig = DashboardConfig()
    mcp: McpConfig = McpConfig()

    @field_validator("allowlists")
    @classmethod
    def _allowlist_names(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for name, entries in value.items():
            if not re.match(_NAME, name):
                raise ValueError(f"allowlist name {name!r} must match {_NAME}")
            if any(not str(e).strip() for e in entries):
                raise ValueError(f"allowlist {name!r} has an empty entry")
        return value

    @model_validator(mode="after")
    def _readers_are_known(self) -> BundleConfig:
        known = {*self.allowlists, *READER_KINDS}
        for data_class, names in self.readers.items():
            unknown = [n for n in names if n not in known]
            if unknown:
                raise ValueError(
                    f"readers of {data_class!r}: {unknown} are neither allowlists nor one of "
                    f"{sorted(READER_KINDS)}"
                )
        return self

    @field_validator("version")
    @classmethod
    def _supported(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"unsupported vallum.yaml version {value} (this Vallum reads 1)")
        return value
