"""The detector registry: an explicit dict built at start-up, plus third-party entry points.

Third-party packages add detectors through the `vallum.detectors` entry-point group; each entry
point names a `Detector` subclass. Built-ins win on an id clash, so a plugin cannot replace them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points

from vallum.detectors.base import Detector
from vallum.exceptions import DetectorError

ENTRY_POINT_GROUP = "vallum.detectors"


class DetectorRegistry(Mapping[str, type[Detector]]):
    """Detector classes by id."""

    def __init__(self, detectors: Mapping[str, type[Detector]]):
        self._detectors = dict(detectors)

    def __getitem__(self, detector_id: str) -> type[Detector]:
        try:
            return self._detectors[detector_id]
        except KeyError:
            known = ", ".join(sorted(self._detectors))
            raise DetectorError(f"unknown detector id {detector_id!r} (known: {known})") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._detectors)

    def __len__(self) -> int:
        return len(self._detectors)


def builtin_detectors() -> dict[str, type[Detector]]:
    """The built-in detectors, imported here so the registry is explicit."""
    from vallum.detectors.exfiltration import ExfiltrationDetector
    from vallum.detectors.injection import InjectionDetector
    from vallum.detectors.invisible_text import InvisibleTextDetector
    from vallum.detectors.output_schema import OutputSchemaDetector
    from vallum.detectors.pii import PiiDetector
    from vallum.detectors.prompt_leak import PromptLeakDetector
    from vallum.detectors.secrets import SecretsDetector

    classes: list[type[Detector]] = [
        InjectionDetector,
        SecretsDetector,
        PiiDetector,
        InvisibleTextDetector,
        ExfiltrationDetector,
        PromptLeakDetector,
        OutputSchemaDetector,
    ]
    return {cls.id: cls for cls in classes}


def default_registry(*, plugins: bool = True) -> DetectorRegistry:
    """Built-ins plus, unless `plugins=False`, detectors from installed entry points."""
    detectors: dict[str, type[Detector]] = {}
    if plugins:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, Detector)):
                raise DetectorError(f"entry point {ep.name!r} does not name a Detector subclass")
            detectors[cls.id] = cls
    detectors.update(builtin_detectors())
    return DetectorRegistry(detectors)
