"""The engine on text dense in findings: each finding once, in the order controls found it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from vallum.bundle.loader import Bundle
from vallum.engine import Engine
from vallum.model import Event, Finding, Principal, Stage


def _adversarial() -> ModuleType:
    """The dense texts the detector tests and `bench/bench_scaling.py` use."""
    path = Path(__file__).parents[1] / "detectors" / "adversarial.py"
    spec = importlib.util.spec_from_file_location("adversarial_texts", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


adversarial = _adversarial()


def _reference(bundle: Bundle, text: str, stage: Stage) -> list[Finding]:
    """Findings over each control's threshold, duplicates dropped by a scan of the list."""
    out: list[Finding] = []
    for control in (c for c in bundle.controls if c.applies_to(stage)):
        for f in control.detector.detect(text, stage):
            if f.score >= control.config.threshold and f not in out:
                out.append(f)
    return out


@pytest.mark.parametrize("kind", ["pii", "secrets", "mixed"])
@pytest.mark.parametrize("stage", [Stage.INPUT, Stage.OUTPUT])
def test_dense_findings_are_kept_once_in_order(
    example_bundle: Bundle, kind: str, stage: Stage
) -> None:
    """Dense text: the decision's findings are the controls' findings, each once, in order."""
    text = adversarial.KINDS[kind](6000)
    decision = Engine(example_bundle).evaluate(
        Event(stage, Principal("agent", "t"), "s", text=text), sink=None
    )
    expected = _reference(example_bundle, text, stage)
    assert len(expected) > 20  # dense, and found by more than one control
    assert expected == list(decision.findings)
