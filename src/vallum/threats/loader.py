"""Reading `threats.yaml` beside a bundle, and checking every name it uses against the bundle.

The file is read with the bundle's strict YAML loader (a repeated key is an error at its line,
aliases and depth are bounded). Each problem is a `BundleIssue` with file, line and key, and
its message names the threat, so `vallum validate` and `vallum threats --check` say which
threat lost its answer when a control, a policy or a scenario is removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from vallum.bundle.cedar_source import PolicyStatement
from vallum.bundle.schema import BundleConfig
from vallum.bundle.yamlmap import LocatedYaml, load_located, yaml_issue
from vallum.detectors.pii import BUILTIN_DATA_CLASSES
from vallum.exceptions import BundleIssue, MissingExtra
from vallum.threats.model import THREATS_FILE, ThreatsFile

MAX_FILE_BYTES = 4 * 1024 * 1024
TESTS_DIR = "tests"
BUILTIN_SUITES = ("builtin:attacks",)
# Labels every bundle may name as endangered data: detectors emit `pii` and `secret`, and a
# bundle with prompts has a system prompt to leak.
GENERIC_DATA = ("pii", "secret", "system_prompt")


@dataclass(frozen=True, slots=True)
class BundleNames:
    """The names in a bundle that a threat may refer to."""

    controls: frozenset[str]
    policies: frozenset[str]
    tests: frozenset[str]
    data_classes: frozenset[str]
    tools: frozenset[str]
    sources: frozenset[str]
    models: frozenset[str]

    @classmethod
    def of(
        cls, root: Path, config: BundleConfig, policies: Sequence[PolicyStatement]
    ) -> BundleNames:
        return cls(
            controls=frozenset(c.control_id for c in config.controls),
            policies=frozenset(p.policy_id for p in policies),
            tests=frozenset(scenario_names(root / TESTS_DIR)),
            data_classes=frozenset(data_class_names(config)),
            tools=frozenset(config.tools),
            sources=frozenset(config.sources),
            models=frozenset(config.models),
        )


def data_class_names(config: BundleConfig) -> set[str]:
    """Data classes and data labels the bundle's detectors can report."""
    builtin = set(config.data_classes.builtin or BUILTIN_DATA_CLASSES)
    names = set(GENERIC_DATA) | builtin | {f"pii.{b}" for b in builtin}
    for custom in config.data_classes.custom:
        names |= {custom.name, f"data.{custom.name}", *custom.labels}
    return names


def scenario_names(folder: Path) -> list[str]:
    """The `name` of every scenario in the bundle's tests folder (unreadable files skipped:
    `vallum test` reports those)."""
    names: list[str] = []
    if not folder.is_dir():
        return names
    for file in sorted(folder.rglob("*")):
        if file.suffix not in (".yaml", ".yml") or not file.is_file():
            continue
        try:
            data = load_located(file.read_text(encoding="utf-8"), str(file)).data
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        items = data.get("scenarios") if isinstance(data, dict) and "scenarios" in data else [data]
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                names.append(item["name"])
    return names


def read_threats(
    root: Path, issues: list[BundleIssue]
) -> tuple[ThreatsFile | None, LocatedYaml | None]:
    """Parse and validate `root/threats.yaml` (None, None when the bundle has none)."""
    file = root / THREATS_FILE
    if not file.is_file():
        return None, None
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            issues.append(
                BundleIssue(THREATS_FILE, None, "", f"larger than {MAX_FILE_BYTES} bytes")
            )
            return None, None
        located = load_located(file.read_bytes().decode("utf-8"), THREATS_FILE)
    except UnicodeDecodeError as exc:
        issues.append(BundleIssue(THREATS_FILE, None, "", f"not valid UTF-8 (byte {exc.start})"))
        return None, None
    except OSError as exc:
        issues.append(BundleIssue(THREATS_FILE, None, "", f"cannot read: {exc.strerror}"))
        return None, None
    except yaml.YAMLError as exc:
        issues.append(yaml_issue(exc, THREATS_FILE))
        return None, None
    if not isinstance(located.data, dict):
        issues.append(BundleIssue(THREATS_FILE, 1, "", "must be a mapping with a `threats` list"))
        return None, located
    try:
        return ThreatsFile.model_validate(located.data), located
    except ValidationError as exc:
        issues.extend(_pydantic_issues(located, exc))
        return None, located


def load_threats(
    root: Path,
    config: BundleConfig,
    policies: Sequence[PolicyStatement],
    issues: list[BundleIssue],
    *,
    check_references: bool = True,
) -> ThreatsFile | None:
    """`threats.yaml`, parsed and validated; with `check_references`, every name in it checked
    against the bundle. Problems are appended to `issues`.

    Serving a bundle reads the file without its references: what is enforced does not depend
    on the threat model's bookkeeping (a deleted control must not take the gateway down, and a
    version restored from the policy store has no `tests/`). `vallum validate` and `vallum
    threats --check` check every reference."""
    threats, located = read_threats(root, issues)
    if threats is None or located is None:
        return None
    if check_references:
        names = BundleNames.of(root, config, policies)
        check_threats(threats, located, names, root, issues)
    else:
        _check_requirements(threats, located, issues)
    return threats


def check_threats(
    threats: ThreatsFile,
    located: LocatedYaml,
    names: BundleNames,
    root: Path,
    issues: list[BundleIssue],
) -> None:
    """Append an issue for every name a threat uses that the bundle does not have."""
    requirement_ids = _check_requirements(threats, located, issues)
    seen: dict[str, int] = {}
    for index, threat in enumerate(threats.threats):
        where: tuple[str | int, ...] = ("threats", index)
        if threat.id in seen:
            message = f"duplicate threat id {threat.id!r} (also threats.{seen[threat.id]})"
            issues.append(located.issue((*where, "id"), message))
        seen.setdefault(threat.id, index)

        def check(path: tuple[str, ...], values: Iterable[str], known: Iterable[str], what: str,
                  hint: str = "", where: tuple[str | int, ...] = where, tid: str = threat.id) -> None:  # fmt: skip
            known_set = set(known)
            for i, value in enumerate(values):
                if value not in known_set:
                    listed = ", ".join(sorted(known_set)) or "none"
                    message = f"threat {tid!r}: unknown {what} {value!r}{hint} (known: {listed})"
                    issues.append(located.issue((*where, *path, i), message))

        check(
            ("endangers", "data_classes"),
            threat.endangers.data_classes,
            names.data_classes,
            "data class",
        )
        check(("endangers", "tools"), threat.endangers.tools, names.tools, "tool")
        check(("endangers", "models"), threat.endangers.models, names.models, "model")
        check(("enters", "sources"), threat.enters.sources, names.sources, "source")
        check(("enters", "tools"), threat.enters.tools, names.tools, "tool")
        answered = threat.answered_by
        check(
            ("answered_by", "controls"),
            answered.controls,
            names.controls,
            "control",
            " in vallum.yaml `controls`",
        )
        check(("answered_by", "policies"), answered.policies, names.policies, "Cedar policy @id")
        check(
            ("answered_by", "tests"), answered.tests, names.tests, "scenario", f" in {TESTS_DIR}/"
        )
        check(("answered_by", "requirements"), answered.requirements, requirement_ids, "requirement",
              " in this file's `requirements`")  # fmt: skip
        for e, suite in enumerate(answered.evals):
            if suite.suite in BUILTIN_SUITES:
                continue
            path = (root / suite.suite).resolve()
            if not path.exists():
                message = (
                    f"threat {threat.id!r}: eval suite {suite.suite!r} not found in the bundle"
                )
                issues.append(located.issue((*where, "answered_by", "evals", e, "suite"), message))


def _check_requirements(
    threats: ThreatsFile, located: LocatedYaml, issues: list[BundleIssue]
) -> set[str]:
    """The code-review requirements: validated by review's own schema when `vallum[review]` is
    installed, else checked for an `id` and a `type` (the rest is checked by `vallum review`)."""
    ids: set[str] = set()
    before = len(issues)
    for index, raw in enumerate(threats.requirements):
        where = ("requirements", index)
        ident = raw.get("id")
        if not isinstance(ident, str) or not ident:
            issues.append(located.issue(where, "a requirement needs an `id`"))
            continue
        if ident in ids:
            issues.append(located.issue((*where, "id"), f"duplicate requirement id {ident!r}"))
        ids.add(ident)
        if not isinstance(raw.get("type"), str):
            issues.append(located.issue(where, f"requirement {ident!r} needs a `type`"))
    if threats.requirements and len(issues) == before:
        issues.extend(_review_schema_issues(threats.requirements, located))
    return ids


def _review_schema_issues(
    requirements: Sequence[dict[str, Any]], located: LocatedYaml
) -> list[BundleIssue]:
    try:
        from vallum.review.threatmodel.schema import ThreatModel
    except MissingExtra:
        return []
    try:
        ThreatModel.model_validate({"requirements": list(requirements)})
    except ValidationError as exc:
        return _pydantic_issues(located, exc)
    return []


def _pydantic_issues(located: LocatedYaml, exc: ValidationError) -> list[BundleIssue]:
    out = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
        elif error["type"] != "missing" and isinstance(
            error.get("input"), str | int | float | bool
        ):
            message = f"{message} (got {error['input']!r})"
        threat = _threat_id(located, loc)
        out.append(located.issue(loc, f"threat {threat!r}: {message}" if threat else message))
    return out


def _threat_id(located: LocatedYaml, loc: tuple[Any, ...]) -> str | None:
    """The id of the threat a location is in, as written (for messages)."""
    if len(loc) >= 2 and loc[0] == "threats" and isinstance(loc[1], int):
        items = located.data.get("threats") if isinstance(located.data, dict) else None
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            ident = items[loc[1]].get("id")
            return str(ident) if ident is not None else None
    return None
