"""Configuration of the optional LLM reviewer, read from `VALLUM_REVIEW_LLM_*` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from vallum.exceptions import ConfigError

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
DEFAULT_MIN_CONFIDENCE = 0.7
DEFAULT_MAX_TOKENS = 200_000
DEFAULT_MAX_OUTPUT_TOKENS = 4_000


class LLMConfig(BaseModel):
    """Where the OpenAI-compatible endpoint is, and the budget the review may spend there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # No default endpoint or model: the review never sends code anywhere it was not told to.
    base_url: str = ""
    model: str = ""
    api_key_env: str = DEFAULT_KEY_ENV
    min_confidence: float = Field(default=DEFAULT_MIN_CONFIDENCE, ge=0, le=1)
    max_total_tokens: int = Field(default=DEFAULT_MAX_TOKENS, gt=0)
    max_output_tokens: int = Field(default=DEFAULT_MAX_OUTPUT_TOKENS, gt=0)
    max_cost_usd: float = Field(default=1.0, ge=0)
    usd_per_1k_input: float = Field(default=0.0, ge=0)
    usd_per_1k_output: float = Field(default=0.0, ge=0)
    max_files: int = Field(default=20, gt=0)
    timeout_s: float = Field(default=60.0, gt=0)
    challenge: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> LLMConfig:
        """Settings from `VALLUM_REVIEW_LLM_<FIELD>` variables, then explicit overrides."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for name in cls.model_fields:
            key = f"VALLUM_REVIEW_LLM_{name.upper()}"
            if key in env:
                values[name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValueError as exc:
            raise ConfigError(f"invalid LLM reviewer settings: {exc}") from exc

    def require_endpoint(self) -> None:
        """Refuse to run without an explicit endpoint and model, naming how to give them."""
        missing = [
            n for n, v in (("--llm-base-url", self.base_url), ("--llm-model", self.model)) if not v
        ]
        if missing:
            raise ConfigError(
                f"the LLM pass needs {' and '.join(missing)} (or VALLUM_REVIEW_LLM_BASE_URL / "
                "VALLUM_REVIEW_LLM_MODEL); there is no default endpoint"
            )

    def api_key(self, env: Mapping[str, str] | None = None) -> str:
        env = os.environ if env is None else env
        return env.get(self.api_key_env, "")
