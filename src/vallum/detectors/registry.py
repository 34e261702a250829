"""The detector registry: an explicit dict built at start-up, plus third-party entry points.

Third-party packages add detectors through the `vallum.detectors` entry-point group; each entry
point names a `Detector` subclass. Built-ins win on an id clash, so a plugin cannot replace them.

A built-in's module is imported when its id is first looked up: a bundle that uses no
`injection` or `secrets` control never imports numpy or detect-secrets.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Final

from vallum.detectors.base import Detector
from vallum.exceptions import DetectorError

ENTRY_POINT_GROUP = "vallum.detectors"

# id -> "module:Class" of each built-in detector (a test checks each class carries that id)
BUILTINS: Final = MappingProxyType(
    {
        "injection": "vallum.detectors.injection:InjectionDetector",
        "secrets": "vallum.detectors.secrets:SecretsDetector",
        "pii": "vallum.detectors.pii:PiiDetector",
        "invisible_text": "vallum.detectors.invisible_text:InvisibleTextDetector",
        "exfiltration": "vallum.detectors.exfiltration:ExfiltrationDetector",
        "prompt_leak": "vallum.detectors.prompt_leak:PromptLeakDetector",
        "output_schema": "vallum.detectors.output_schema:OutputSchemaDetector",
        "onnx_classifier": "vallum.detectors.onnx_classifier:OnnxClassifierDetector",
        "llm_judge": "vallum.detectors.llm_judge:LlmJudgeDetector",
    }
)


class DetectorRegistry(Mapping[str, type[Detector]]):
    """Detector classes by id; a class may be given as "module:Class", imported on lookup."""

    def __init__(self, detectors: Mapping[str, type[Detector] | str]):
        self._detectors = dict(detectors)

    def __getitem__(self, detector_id: str) -> type[Detector]:
        try:
            found = self._detectors[detector_id]
        except KeyError:
            known = ", ".join(sorted(self._detectors))
            raise DetectorError(f"unknown detector id {detector_id!r} (known: {known})") from None
        return _import(found) if isinstance(found, str) else found

    def __iter__(self) -> Iterator[str]:
        return iter(self._detectors)

    def __len__(self) -> int:
        return len(self._detectors)


def _import(target: str) -> type[Detector]:
    module, _, name = target.partition(":")
    cls: type[Detector] = getattr(importlib.import_module(module), name)
    return cls


def builtin_detectors() -> dict[str, type[Detector]]:
    """The built-in detectors, every module imported."""
    return {detector_id: _import(target) for detector_id, target in BUILTINS.items()}


def default_registry(*, plugins: bool = True) -> DetectorRegistry:
    """Built-ins plus, unless `plugins=False`, detectors from installed entry points."""
    detectors: dict[str, type[Detector] | str] = {}
    if plugins:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, Detector)):
                raise DetectorError(f"entry point {ep.name!r} does not name a Detector subclass")
            detectors[cls.id] = cls
    detectors.update(BUILTINS)
    return DetectorRegistry(detectors)
