"""The `requirements:` section of `threatmodel.yaml`, validated with pydantic.

Each requirement is a plain statement with an id and parameters; `vallum review` compiles it
into checks. Example:

    requirements:
      - id: AUTH-1
        type: route-auth
        statement: every HTTP route needs authentication except the public ones
        public: ["/health", "/login", "/docs*"]
      - id: UPLOAD-1
        type: upload
        allowed_types: [".png", ".jpg"]
        max_mb: 5
      - {id: CRYPTO-1, type: encrypted-fields, fields: ["User.ssn"]}
      - {id: ERR-1, type: no-error-details}
      - {id: LOG-1, type: logged-events, events: [login, delete_account]}
      - {id: OWN-1, type: ownership, models: [Invoice]}

The same `requirements:` section lives in a policy bundle's `threats.yaml` beside the threats
the gateway's controls answer (docs/threat-model.md): `--threat-model` takes that file, or the
bundle directory, and reads its requirements; a `threatmodel.yaml` of its own keeps working.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vallum.bundle.yamlmap import load_located, yaml_issue
from vallum.exceptions import ReviewError
from vallum.review.findings import Severity

SCHEMA_VERSION = 1


class _Requirement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    statement: str = ""
    severity: Literal["info", "low", "medium", "high", "critical"] | None = None

    def level(self, default: Severity) -> Severity:
        return Severity.parse(self.severity) if self.severity else default


class RouteAuth(_Requirement):
    """Every HTTP route needs authentication, except the listed public paths (globs allowed)."""

    type: Literal["route-auth"]
    public: tuple[str, ...] = ()
    auth_decorators: tuple[str, ...] = ()
    auth_dependencies: tuple[str, ...] = ()


class Upload(_Requirement):
    """Upload handlers accept only the listed types, at most `max_mb`, and sanitise paths."""

    type: Literal["upload"]
    allowed_types: tuple[str, ...] = ()
    max_mb: float = Field(default=10, gt=0)


class EncryptedFields(_Requirement):
    """The listed ORM fields (`Model.field`) are stored with an encrypted column type."""

    type: Literal["encrypted-fields"]
    fields: tuple[str, ...] = Field(min_length=1)


class NoErrorDetails(_Requirement):
    """Error responses never carry exception messages or tracebacks; debug mode is off."""

    type: Literal["no-error-details"]


class LoggedEvents(_Requirement):
    """Handlers of the listed events (matched by function name or route path) log them."""

    type: Literal["logged-events"]
    events: tuple[str, ...] = Field(min_length=1)


class Ownership(_Requirement):
    """Objects fetched by id in a handler are checked against the caller (no IDOR)."""

    type: Literal["ownership"]
    models: tuple[str, ...] = ()
    owner_fields: tuple[str, ...] = (
        "owner_id",
        "user_id",
        "owner",
        "tenant_id",
        "created_by",
        "account_id",
    )


Requirement = Annotated[
    RouteAuth | Upload | EncryptedFields | NoErrorDetails | LoggedEvents | Ownership,
    Field(discriminator="type"),
]


class ThreatModel(BaseModel):
    """A threat model file; this issue defines `requirements`, others may add sections."""

    model_config = ConfigDict(frozen=True, extra="allow")

    version: int = SCHEMA_VERSION
    requirements: tuple[Requirement, ...] = ()
    # Functions called from outside the reviewed code (globs on `name` or `module.qualname`):
    # their parameters are untrusted, reported with a lower confidence (`vallum review`).
    entry_points: tuple[str, ...] = ()


BUNDLE_THREATS = "threats.yaml"
LEGACY_FILE = "threatmodel.yaml"


def load_threat_model(path: Path) -> ThreatModel:
    """Read and validate a threat model; errors name the file, the requirement and the key.

    `path` is a `threatmodel.yaml`, a bundle's `threats.yaml` (its `requirements` are read;
    its threats belong to `vallum threats`), or a directory holding either."""
    if path.is_dir():
        found = [path / n for n in (BUNDLE_THREATS, LEGACY_FILE) if (path / n).is_file()]
        if not found:
            raise ReviewError(f"{path}: no {BUNDLE_THREATS} or {LEGACY_FILE} in this directory")
        path = found[0]
    try:
        data = load_located(path.read_text(encoding="utf-8"), str(path)).data
    except OSError as exc:
        raise ReviewError(f"{path}: cannot read threat model: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ReviewError(f"threat model: {yaml_issue(exc, str(path))}") from exc
    if not isinstance(data, dict):
        raise ReviewError(f"{path}: expected a mapping with a 'requirements' key")
    if "threats" in data:  # a bundle's threats.yaml: the code-review section is ours
        data = {
            "version": data.get("version", SCHEMA_VERSION),
            "requirements": data.get("requirements") or [],
        }
    try:
        return ThreatModel.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            problems.append(f"  {path} [{where}]: {error['msg']}")
        raise ReviewError("invalid threat model:\n" + "\n".join(problems)) from exc
