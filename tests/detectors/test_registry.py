"""The detector registry: built-ins named by id, each module imported when first looked up."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from vallum.detectors.registry import BUILTINS, builtin_detectors, default_registry
from vallum.exceptions import DetectorError


@pytest.mark.parametrize("detector_id", list(BUILTINS))
def test_builtin_class_carries_its_id(detector_id: str) -> None:
    """Each "module:Class" in BUILTINS names a class whose `id` is the key it is listed under."""
    assert detector_id == default_registry(plugins=False)[detector_id].id


def test_builtin_detectors_lists_every_class() -> None:
    """`builtin_detectors()` imports and returns every built-in class by id."""
    found = builtin_detectors()
    assert list(BUILTINS) == list(found)
    assert all(found[i].id == i for i in found)


def test_unknown_id_names_the_known_ones() -> None:
    """An unknown id raises DetectorError listing the known ids."""
    with pytest.raises(DetectorError, match=r"unknown detector id 'nope'.*injection"):
        default_registry(plugins=False)["nope"]


def test_a_detector_module_loads_on_lookup() -> None:
    """Building the registry imports no detector; looking up `pii` imports pii, not numpy."""
    code = (
        "import json, sys\n"
        "from vallum.detectors.registry import default_registry\n"
        "registry = default_registry()\n"
        "before = sorted(sys.modules)\n"
        "registry['pii']\n"
        "print(json.dumps([before, sorted(sys.modules)]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after = (set(m) for m in json.loads(proc.stdout))
    heavy = {"numpy", "detect_secrets", "jsonschema", "vallum.detectors.injection"}
    assert set() == before & (heavy | {"vallum.detectors.pii"})
    assert "vallum.detectors.pii" in after
    assert set() == after & heavy
