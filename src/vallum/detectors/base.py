"""The detector extension point.

A detector is data plus one method, like detect-secrets' plugins: a stable `id` (policies and
evidence refer to it), a `version` (bumped whenever its output can change), the stages it applies
to, an `Options` model for its settings in `vallum.yaml`, and `detect(text, stage)`.

`detect` is pure: no I/O, no global state, no clock. It returns raw scores; the engine compares
them with each control's threshold, so one detector serves controls with different thresholds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from vallum.model import Finding, Stage


class NoOptions(BaseModel):
    """For detectors that take no settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True, slots=True)
class CustomDataClass:
    """A data class the bundle defines: by a (linear-time, RE2) pattern or a word list."""

    name: str
    pattern: str | None = None
    words: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DetectorSetup:
    """What detectors may know about the bundle they run in, fixed at load time.

    - `email_domains`: the organisation's own domains (an address there is internal).
    - `allowed_hosts`: hosts output links and images may point to (exfiltration allowlist);
      a leading `*.` allows subdomains.
    - `data_classes`: enabled built-in data class names (see `pii.BUILTIN_DATA_CLASSES`).
    - `custom_data_classes`: the bundle's own data classes.
    - `prompts`: prompt template id -> template text (for system-prompt leakage).
    - `canaries`: canary tokens planted in prompts; any appearance in output is a leak.
    - `base_dir`: the bundle directory, for options that name files (such as JSON Schemas).
    """

    email_domains: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    data_classes: frozenset[str] = frozenset()
    custom_data_classes: tuple[CustomDataClass, ...] = ()
    prompts: Mapping[str, str] = field(default_factory=dict)
    canaries: tuple[str, ...] = ()
    base_dir: str = "."


class Detector(ABC):
    """Base class of every detector. Subclasses set the class attributes and `detect`."""

    id: ClassVar[str]
    version: ClassVar[str]
    stages: ClassVar[frozenset[Stage]]
    description: ClassVar[str] = ""
    Options: ClassVar[type[BaseModel]] = NoOptions
    # Whether `detect` is given the text in normal form (`normalize.py`: NFKC, invisible format
    # characters out, every digit ASCII), its findings mapped back to the original's offsets by
    # the engine. Content detectors want it (an obfuscated value is still the value); detectors
    # that read the text as a renderer or a parser will (links, invisible characters, a JSON
    # answer) set it to False and see the text as it will be delivered.
    normalized: ClassVar[bool] = True

    def __init__(self, options: BaseModel | None = None, setup: DetectorSetup | None = None):
        self.options = options if options is not None else self.Options()
        self.setup = setup if setup is not None else DetectorSetup()

    @classmethod
    def parse_options(cls, raw: Mapping[str, Any] | None) -> BaseModel:
        """Validate this detector's options from `vallum.yaml` (raises pydantic's ValidationError)."""
        return cls.Options.model_validate(dict(raw or {}))

    @abstractmethod
    def detect(self, text: str, stage: Stage) -> list[Finding]:
        """Return the findings in `text` seen at `stage`. Pure and fast."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.id!r} version={self.version!r}>"
