"""The schema of `threats.yaml`: the bundle's threats and what answers each, as frozen models.

A threat says what it endangers (data classes, tools, models), where it enters (sources,
stages, tools), optionally which OWASP ids it maps to, and what answers it: the bundle's
controls, Cedar policies (by `@id`), scenario tests (by name), eval suites with gates and the
code-review requirements of the same file. The `requirements:` section is the one `vallum
review --threat-model` reads (the format of the older `threatmodel.yaml`):

    version: 1
    threats:
      - id: injection-to-refund
        title: Content from the web talks the agent into a refund
        owasp_llm: [LLM01, LLM06]
        owasp_agentic: [ASI01, ASI02]
        endangers: {tools: [refund]}
        enters: {sources: [web], stages: [retrieval]}
        answered_by:
          controls: [injection]
          policies: [refund-after-untrusted-content]
          tests: ["After untrusted web content, a refund needs a human"]
    requirements:
      - {id: AUTH-1, type: route-auth, public: ["/health"]}

References are checked against the bundle by `vallum.threats.loader`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vallum.model import Stage
from vallum.threats.owasp import check_agentic, check_llm

THREATS_FILE = "threats.yaml"
SCHEMA_VERSION = 1
_ID = r"^[A-Za-z0-9_][A-Za-z0-9_.:\-]*$"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Endangers(_Model):
    """What the threat puts at risk: data classes, tools (by name) and models (by id)."""

    data_classes: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    models: tuple[str, ...] = ()


class Enters(_Model):
    """Where the threat comes in: retrieval sources, stages and tools (whose results carry it)."""

    sources: tuple[str, ...] = ()
    stages: tuple[Stage, ...] = ()
    tools: tuple[str, ...] = ()


class EvalSuite(_Model):
    """An eval suite (`vallum eval` SUITE: a path in the bundle or `builtin:attacks`) and the
    gates it must pass: `fail_under: {tpr: 0.9}` is `--fail-under tpr=0.9`."""

    suite: str = Field(min_length=1)
    fail_under: dict[str, float] = Field(default_factory=dict)
    fail_over: dict[str, float] = Field(default_factory=dict)


class AnsweredBy(_Model):
    """What answers a threat: controls, Cedar policy `@id`s, scenario names, eval suites and
    code-review requirement ids."""

    controls: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    evals: tuple[EvalSuite, ...] = ()
    requirements: tuple[str, ...] = ()


class Threat(_Model):
    """One threat: what it endangers, where it enters, what answers it."""

    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    description: str = ""
    owasp_llm: tuple[str, ...] = ()
    owasp_agentic: tuple[str, ...] = ()
    endangers: Endangers = Endangers()
    enters: Enters = Enters()
    answered_by: AnsweredBy = AnsweredBy()

    @field_validator("owasp_llm")
    @classmethod
    def _llm(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_llm(v) for v in value)

    @field_validator("owasp_agentic")
    @classmethod
    def _agentic(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_agentic(v) for v in value)


class ThreatsFile(_Model):
    """The whole of `threats.yaml`. `requirements` keeps the code-review requirements as
    written (validated by `vallum.review`'s schema, which owns their meaning)."""

    version: int = SCHEMA_VERSION
    threats: tuple[Threat, ...] = ()
    requirements: tuple[dict[str, Any], ...] = ()

    @field_validator("version")
    @classmethod
    def _supported(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"unsupported threats.yaml version {value} (this Vallum reads 1)")
        return value

    def requirement_ids(self) -> list[str]:
        return [str(r.get("id", "")) for r in self.requirements]
