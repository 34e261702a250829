"""The `gateway:` section of `vallum.yaml`: upstreams, identity, rate and size limits, streaming.

Upstream API keys are never written in the bundle: `api_key_env` names the environment variable
that holds one, read when the gateway starts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vallum.bundle.alerts import AlertsConfig
from vallum.strict_json import DEFAULT_MAX_DEPTH

DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_READ_TIMEOUT_S = 60.0
DEFAULT_TOTAL_TIMEOUT_S = 300.0
DEFAULT_MAX_REQUEST_BYTES = 1_048_576
DEFAULT_MAX_MESSAGES = 256
DEFAULT_MAX_JSON_DEPTH = DEFAULT_MAX_DEPTH  # the strict reader's default
MAX_JSON_DEPTH = 128  # below the depth canonical JSON and evidence write (200)
DEFAULT_HOLDBACK_CHARS = 256
DEFAULT_SCAN_STEP_CHARS = 64
DEFAULT_DRAIN_TIMEOUT_S = 30.0
UpstreamKind = Literal["openai", "anthropic"]
# What a client is told about a block: see `vallum.enforcement.disclosure`.
Disclosure = Literal["minimal", "reasons", "full"]
DEFAULT_DISCLOSURE: Disclosure = "minimal"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UpstreamConfig(_Model):
    """A model provider: any OpenAI-compatible server, or Anthropic's Messages API."""

    kind: UpstreamKind = "openai"
    base_url: str = Field(pattern=r"^https?://")
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    connect_timeout_s: float = Field(default=DEFAULT_CONNECT_TIMEOUT_S, gt=0)
    read_timeout_s: float = Field(default=DEFAULT_READ_TIMEOUT_S, gt=0)
    total_timeout_s: float = Field(default=DEFAULT_TOTAL_TIMEOUT_S, gt=0)


class RateLimit(_Model):
    """Per principal: per minute, and a token budget per day (UTC); 0 means unlimited."""

    requests_per_minute: int = Field(default=0, ge=0)
    tokens_per_minute: int = Field(default=0, ge=0)
    tokens_per_day: int = Field(default=0, ge=0)


class RateLimits(_Model):
    """`default` applies to every principal without its own entry (`KIND:ID`, `KIND:*`)."""

    default: RateLimit = RateLimit()
    principals: dict[str, RateLimit] = Field(default_factory=dict)

    def for_principal(self, principal: str) -> RateLimit:
        kind = principal.partition(":")[0]
        return self.principals.get(principal) or self.principals.get(f"{kind}:*") or self.default


class RequestLimits(_Model):
    """Requests larger than `max_request_bytes` are refused with HTTP 413 before they are read
    in full. JSON nested deeper than `max_json_depth` is refused whole: a request body with
    HTTP 400, an upstream's answer or tool-call arguments with HTTP 502 (each naming the limit).
    """

    max_request_bytes: int = Field(default=DEFAULT_MAX_REQUEST_BYTES, gt=0)
    max_messages: int = Field(default=DEFAULT_MAX_MESSAGES, gt=0)
    max_json_depth: int = Field(default=DEFAULT_MAX_JSON_DEPTH, ge=8, le=MAX_JSON_DEPTH)


class StreamingConfig(_Model):
    """Output is released `holdback_chars` behind what the model produced, once scanned."""

    holdback_chars: int = Field(default=DEFAULT_HOLDBACK_CHARS, ge=0)
    scan_step_chars: int = Field(default=DEFAULT_SCAN_STEP_CHARS, gt=0)


class JwtConfig(_Model):
    """Bearer JWTs signed by a key from the organisation's identity provider; the principal
    comes from a claim. The keys come from exactly one of: `jwks_file` (a local JWKS, relative
    to the bundle), `jwks_url`, or `oidc_discovery: true` (the issuer's discovery document)."""

    issuer: str
    audience: str
    jwks_file: str | None = None
    jwks_url: str | None = None
    oidc_discovery: bool = False
    principal_claim: str = "sub"
    default_kind: Literal["app", "agent", "user"] = "user"
    algorithms: tuple[str, ...] = ("RS256", "ES256", "EdDSA")

    @model_validator(mode="after")
    def _one_key_source(self) -> JwtConfig:
        given = [k for k in ("jwks_file", "jwks_url") if getattr(self, k) is not None]
        given += ["oidc_discovery"] if self.oidc_discovery else []
        if len(given) != 1:
            raise ValueError(
                "give exactly one of jwks_file, jwks_url or oidc_discovery: true"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class AuthConfig(_Model):
    jwt: JwtConfig | None = None


class CheckpointsConfig(_Model):
    """Signed checkpoints of the evidence log, every `every_s` seconds (when it grew) and at
    shutdown, to a directory (`NNN.checkpoint` files and `latest.checkpoint`), a webhook (POST,
    text/plain) and/or stdout. The signing key comes from `VALLUM_SIGNING_KEY` or
    `VALLUM_SIGNING_KEY_FILE`, never from the bundle (docs/evidence.md)."""

    every_s: float = Field(default=60.0, gt=0)
    dir: str | None = None
    webhook: str | None = Field(default=None, pattern=r"^https?://")
    stdout: bool = False

    @model_validator(mode="after")
    def _somewhere(self) -> CheckpointsConfig:
        if self.dir is None and self.webhook is None and not self.stdout:
            raise ValueError("checkpoints need a destination: dir, webhook or stdout")
        return self


class MetricsConfig(_Model):
    """`GET /metrics` (Prometheus text format) asks for a Vallum API key or JWT unless `public`
    (for a scraper on a private network that cannot send credentials)."""

    public: bool = False


class GatewayConfig(_Model):
    """How `vallum serve` reaches models and admits callers.

    Models route to `models.<id>.upstream`, else to `default_upstream`; `--upstream URL` and
    `--mock` on the command line replace the routing for every model. `disclose` says how much a
    blocked client is told (`minimal`, `reasons`, `full`; the evidence always keeps everything).
    """

    upstreams: dict[str, UpstreamConfig] = Field(default_factory=dict)
    default_upstream: str | None = None
    auth: AuthConfig = AuthConfig()
    rate_limits: RateLimits = RateLimits()
    limits: RequestLimits = RequestLimits()
    streaming: StreamingConfig = StreamingConfig()
    drain_timeout_s: float = Field(default=DEFAULT_DRAIN_TIMEOUT_S, ge=0)
    disclose: Disclosure = DEFAULT_DISCLOSURE
    checkpoints: CheckpointsConfig | None = None
    metrics: MetricsConfig = MetricsConfig()
    # A candidate bundle directory (relative to this one) decided beside it on live traffic and
    # recorded as `shadow_decision` evidence, never enforced (`vallum policy shadow` does the
    # same for `vallum serve --active` without editing the bundle).
    shadow_bundle: str | None = None
    alerts: AlertsConfig = AlertsConfig()

    @model_validator(mode="after")
    def _default_exists(self) -> GatewayConfig:
        if self.default_upstream is not None and self.default_upstream not in self.upstreams:
            known = ", ".join(sorted(self.upstreams)) or "none"
            raise ValueError(
                f"default_upstream {self.default_upstream!r} is not an upstream (known: {known})"
            )
        return self
