"""Built-in detectors, one per module, and the registry that names them."""

from vallum.detectors.base import CustomDataClass, Detector, DetectorSetup, NoOptions
from vallum.detectors.registry import DetectorRegistry, default_registry

__all__ = [
    "CustomDataClass",
    "Detector",
    "DetectorRegistry",
    "DetectorSetup",
    "NoOptions",
    "default_registry",
]
