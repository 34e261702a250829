"""Controls: a configured detector instance bound to stages, a threshold, an action and a mode."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import ValidationError

from vallum.bundle.schema import BundleConfig, Control
from vallum.bundle.yamlmap import LocatedYaml
from vallum.detectors.base import Detector, DetectorSetup
from vallum.detectors.registry import DetectorRegistry
from vallum.exceptions import BundleIssue, DetectorError
from vallum.model import Action, Stage


@dataclass(frozen=True, slots=True)
class BuiltControl:
    """A control from `vallum.yaml` with its detector instance, ready to run."""

    config: Control
    detector: Detector

    @property
    def id(self) -> str:
        return self.config.control_id

    def applies_to(self, stage: Stage) -> bool:
        return stage in self.config.stages


def build_controls(
    config: BundleConfig,
    setup: DetectorSetup,
    registry: DetectorRegistry,
    located: LocatedYaml,
    issues: list[BundleIssue],
) -> list[BuiltControl]:
    """Instantiate every control's detector; identical detector settings share one instance."""
    built: list[BuiltControl] = []
    instances: dict[tuple[str, str], Detector] = {}
    seen_ids: dict[str, int] = {}
    for index, control in enumerate(config.controls):
        where = ("controls", index)
        if control.control_id in seen_ids:
            first = seen_ids[control.control_id]
            message = (
                f"duplicate control id {control.control_id!r} (also controls.{first}); set `id`"
            )
            issues.append(located.issue((*where, "id"), message))
            continue
        seen_ids[control.control_id] = index
        try:
            cls = registry[control.detector]
        except DetectorError as exc:
            issues.append(located.issue((*where, "detector"), str(exc)))
            continue
        _check_stages(control, cls, where, located, issues)
        try:
            options = cls.parse_options(control.options)
        except ValidationError as exc:
            for error in exc.errors():
                loc = (*where, "options", *error["loc"])
                issues.append(located.issue(loc, f"{error['msg']} for detector {cls.id!r}"))
            continue
        key = (cls.id, json.dumps(options.model_dump(mode="json"), sort_keys=True))
        detector = instances.get(key)
        if detector is None:
            try:
                detector = cls(options, setup)
            except DetectorError as exc:
                issues.append(located.issue((*where, "options"), str(exc)))
                continue
            instances[key] = detector
        built.append(BuiltControl(control, detector))
    return built


def _check_stages(
    control: Control,
    cls: type[Detector],
    where: tuple[str | int, ...],
    located: LocatedYaml,
    issues: list[BundleIssue],
) -> None:
    for i, stage in enumerate(control.stages):
        if stage not in cls.stages:
            supported = ", ".join(sorted(s.value for s in cls.stages))
            message = f"detector {cls.id!r} does not run at stage {stage.value!r} (it runs at: {supported})"
            issues.append(located.issue((*where, "stages", i), message))
    if control.action is Action.REQUIRE_APPROVAL and set(control.stages) != {Stage.TOOL_CALL}:
        message = "require_approval applies to tool calls only: set stages to [tool_call]"
        issues.append(located.issue((*where, "action"), message))
    if control.action is Action.REDACT and Stage.TOOL_CALL in control.stages:
        message = "a tool call cannot be redacted: use block or require_approval"
        issues.append(located.issue((*where, "action"), message))
